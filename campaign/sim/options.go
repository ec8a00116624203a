package sim

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// Protocol is how a replay builds its test cases (ReplayOptions.By).
type Protocol string

// Replay protocols.
const (
	// ByUser predicts each test user's test-window items from their
	// training history.
	ByUser Protocol = "user"
	// BySession predicts the next item of every prefix of every test
	// session from that prefix alone.
	BySession Protocol = "session"
	// ByAuto is ByUser, unless the log's users look like sessions (nearly
	// every test user has no training history): then BySession, with a
	// note saying so.
	ByAuto Protocol = "auto"
)

// Protocols lists the replay protocols, for help texts and completion.
var Protocols = []string{string(ByAuto), string(ByUser), string(BySession)}

// Target selects the relevant test events of a replay.
type Target string

// Replay targets.
const (
	TargetAny      Target = "any"      // every event with an item
	TargetCart     Target = "cart"     // add-to-cart, checkout or purchase
	TargetPurchase Target = "purchase" // purchases only
)

// Targets lists the replay targets, for help texts and completion.
var Targets = []string{string(TargetAny), string(TargetCart), string(TargetPurchase)}

// SchemaVersion is the version of the simulate and recommend JSON reports.
// 2: strategies take campaign.yaml's names (retargeting, cross_sell),
// session_knn is new, replay strategies carry intervals, new-item hit
// rates and vs_best, and the report a verdict, warnings and notes.
const SchemaVersion = 2

// MaxUsers and MaxDays bound a synthetic run: --users 1000000000 or
// --days 100000000 ended in a runtime out-of-memory with a stack dump.
const (
	MaxUsers = 10_000_000
	MaxDays  = 3650
)

// MaxK bounds carousel and metric list lengths.
const MaxK = 1000

// MaxCurveK bounds the hit-rate-by-k curve.
const MaxCurveK = 100

// ParseStrategies normalises strategy names (aliases accepted), keeping the
// first of duplicates; empty means every strategy.
func ParseStrategies(in []string) ([]rank.Strategy, error) {
	if len(in) == 0 {
		return rank.Strategies(), nil
	}
	var out []rank.Strategy
	seen := map[rank.Strategy]bool{}
	for _, s := range in {
		st, err := rank.ParseStrategy(s)
		if err != nil {
			return nil, err
		}
		if !seen[st] {
			seen[st] = true
			out = append(out, st)
		}
	}
	return out, nil
}

func checkStrategies(in []rank.Strategy) error {
	for _, s := range in {
		if _, err := rank.ParseStrategy(string(s)); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the options as ReplayLog uses them, after its defaults
// (K 10, by user, target any): a zero K, an empty By or Target are errors
// here. Errors name the option as the command line spells it.
func (o *ReplayOptions) Validate() error {
	var errs []error
	switch o.By {
	case ByAuto, ByUser, BySession:
	default:
		errs = append(errs, fmt.Errorf("invalid by %q: one of %s", o.By, strings.Join(Protocols, ", ")))
	}
	switch o.Target {
	case TargetAny, TargetCart, TargetPurchase:
	default:
		errs = append(errs, fmt.Errorf("invalid target %q: one of %s", o.Target, strings.Join(Targets, ", ")))
	}
	if o.K < 1 || o.K > MaxK {
		errs = append(errs, fmt.Errorf("invalid k %d: must be between 1 and %d", o.K, MaxK))
	}
	if o.CurveK < 0 || o.CurveK > MaxCurveK {
		errs = append(errs, fmt.Errorf("invalid curve-k %d: must be between 0 and %d", o.CurveK, MaxCurveK))
	}
	if o.TestDays < 0 {
		errs = append(errs, fmt.Errorf("invalid test-days %d: must be positive", o.TestDays))
	}
	if !o.Split.IsZero() && o.TestDays > 0 {
		errs = append(errs, errors.New("give split or test-days, not both"))
	}
	if o.TestFraction < 0 || o.TestFraction >= 1 {
		errs = append(errs, fmt.Errorf("invalid test fraction %g: must be in [0, 1)", o.TestFraction))
	}
	if o.Workers < 0 {
		errs = append(errs, fmt.Errorf("invalid workers %d: must be 0 or more", o.Workers))
	}
	if err := checkStrategies(o.Strategies); err != nil {
		errs = append(errs, err)
	}
	if err := o.Shard.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// prob checks a probability: above 0 and at most 1.
func prob(errs []error, name string, v float64) []error {
	if !(v > 0 && v <= 1) {
		errs = append(errs, fmt.Errorf("invalid %s %g: must be above 0 and at most 1", name, v))
	}
	return errs
}

// Validate checks the funnel's probabilities.
func (f *Funnel) Validate() error {
	var errs []error
	errs = prob(errs, "visit-rate", f.VisitRate)
	errs = prob(errs, "repeat-view", f.RepeatView)
	errs = prob(errs, "explore", f.Explore)
	errs = prob(errs, "cart-rate", f.CartRate)
	errs = prob(errs, "purchase-rate", f.PurchaseRate)
	if !(f.ViewsPerVisit > 0) || math.IsNaN(f.ViewsPerVisit) || math.IsInf(f.ViewsPerVisit, 0) {
		errs = append(errs, fmt.Errorf("invalid views-per-visit %g: must be positive", f.ViewsPerVisit))
	}
	return errors.Join(errs...)
}

// Validate checks the ad model's probabilities and caps.
func (a *Ads) Validate() error {
	var errs []error
	errs = prob(errs, "ad-rate", a.OpportunityRate)
	errs = prob(errs, "click-base", a.ClickBase)
	errs = prob(errs, "position-decay", a.PositionDecay)
	errs = prob(errs, "fatigue", a.Fatigue)
	errs = prob(errs, "show-decay", a.ShowDecay)
	errs = prob(errs, "cvr", a.CVR)
	errs = prob(errs, "viewed-cvr", a.ViewedCVR)
	errs = prob(errs, "cart-cvr", a.CartCVR)
	if a.ViewBoost < 0 || a.CartBoost < 0 {
		errs = append(errs, fmt.Errorf("invalid boosts %g/%g: must be 0 or more", a.ViewBoost, a.CartBoost))
	}
	if a.Cap < 1 || a.CapDays < 1 {
		errs = append(errs, errors.New("cap and cap-days must be 1 or more"))
	}
	return errors.Join(errs...)
}

// Validate checks the options as Synthetic uses them, after its defaults
// (zero Users, Days, K, RetrainDays and zero Funnel/Ads fields take
// defaults there; here they are errors). Items may stay 0 (a catalog is
// given, or the default size).
func (o *SyntheticOptions) Validate() error {
	var errs []error
	if o.Items < 0 {
		errs = append(errs, fmt.Errorf("invalid items %d: must be 1 or more", o.Items))
	}
	if o.Users < 1 || o.Users > MaxUsers {
		errs = append(errs, fmt.Errorf("invalid users %d: must be between 1 and %d", o.Users, MaxUsers))
	}
	if o.Days < 2 || o.Days > MaxDays {
		errs = append(errs, fmt.Errorf("invalid days %d: must be between 2 (ads start on day 2) and %d", o.Days, MaxDays))
	}
	if o.K < 1 || o.K > MaxK {
		errs = append(errs, fmt.Errorf("invalid k %d: must be between 1 and %d", o.K, MaxK))
	}
	if o.RetrainDays < 1 {
		errs = append(errs, fmt.Errorf("invalid retrain-days %d: must be 1 or more", o.RetrainDays))
	}
	if o.Workers < 0 {
		errs = append(errs, fmt.Errorf("invalid workers %d: must be 0 or more", o.Workers))
	}
	if err := checkStrategies(o.Strategies); err != nil {
		errs = append(errs, err)
	}
	if !(o.Drift >= 0 && o.Drift <= 1) {
		errs = append(errs, fmt.Errorf("invalid drift %g: must be between 0 and 1", o.Drift))
	}
	errs = append(errs, o.Funnel.Validate(), o.Ads.Validate())
	return errors.Join(errs...)
}

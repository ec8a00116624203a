package ope

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"

	"github.com/dpa-tools/dpa/campaign/boot"
)

// Target policy names besides the arms of a dpa log.
const (
	// TargetLogged is the logging policy itself (on-policy mean: a check
	// that the estimators agree with the plain CTR).
	TargetLogged = "logged"
	// TargetUniform picks uniformly among the items of an OBD log at each
	// position (the Open Bandit Dataset's "Random" policy).
	TargetUniform = "uniform"
)

// PolicyEstimate is one target policy's off-policy evaluation.
type PolicyEstimate struct {
	Name string `json:"name"`
	Result
}

// Options configures Evaluate.
type Options struct {
	// Layout is the log's layout ("" or "auto": detected).
	Layout string
	// Targets are the policies to evaluate (see Evaluate).
	Targets []string
	// Level is the confidence level of the intervals (default 0.95).
	Level float64
	// Seed seeds the bootstrap; Replicates is its size (default 200;
	// negative: normal intervals only).
	Seed       uint64
	Replicates int
}

// DefaultReplicates is the bootstrap size of Evaluate.
const DefaultReplicates = 200

// Evaluation is the report of `dpa simulate --impressions`.
type Evaluation struct {
	SchemaVersion int     `json:"schema_version"`
	Mode          string  `json:"mode"`
	Layout        string  `json:"layout"`
	Rounds        int64   `json:"rounds"`
	Clicks        int64   `json:"clicks"`
	LoggedCTR     float64 `json:"logged_ctr"`
	Level         float64 `json:"level"`
	// Interval says how CI was computed; Replicates and Seed are the
	// bootstrap's (0 replicates: normal approximation).
	Interval   string `json:"interval"`
	Replicates int    `json:"replicates"`
	Seed       uint64 `json:"seed"`
	// Arms are the arms the log gives probabilities for (dpa layout).
	Arms     []string         `json:"arms,omitempty"`
	Policies []PolicyEstimate `json:"policies"`
}

// Evaluate reads an impressions log once and estimates each target
// policy's CTR with IPS, SNIPS and DR. Targets of a dpa log are its arms
// (the strategies the simulation compared) or "logged"; targets of an OBD
// log are "uniform" or "logged". An arm is deterministic, so its weight is
// 1[a = arm]/π_b(a|x) on the rounds where it had a carousel (π_b(arm|x) >
// 0): its estimate is its CTR per served carousel, like the online report.
// No targets: every arm and the logging policy (dpa), or uniform and the
// logging policy (OBD).
//
// Intervals: a Poisson bootstrap over whole resampling units (Round.Unit:
// the shoppers of a dpa log), the same weights for every target, seeded by
// o.Seed and the unit, so the same log and seed give the same intervals.
func Evaluate(ctx context.Context, r io.Reader, o Options) (*Evaluation, error) {
	layout, targets, level := o.Layout, o.Targets, o.Level
	if level <= 0 || level >= 1 {
		level = 0.95
	}
	reps := o.Replicates
	if reps == 0 {
		reps = DefaultReplicates
	}
	reps = max(reps, 0)
	ev := &Evaluation{SchemaVersion: 1, Mode: "off-policy", Level: level, Replicates: reps, Seed: o.Seed,
		Interval: "normal approximation"}
	if reps > 0 {
		ev.Interval = "poisson bootstrap over whole shoppers, percentile"
	}
	bw := make([]uint8, reps)
	var lastUnit string
	unitHash := fnv.New64a()
	var accs []Accumulator
	var armOf []int // index into the log's arms, -1 for special targets
	segs := map[string]int{}
	acts := map[string]int{}
	model := NewRewardModel()
	maxItem := -1
	first := true
	lay, err := ReadLog(ctx, r, layout, func(rd *Round) error {
		if first {
			first = false
			ev.Arms = rd.Arms
			if len(targets) == 0 {
				targets = append(append(targets, rd.Arms...), TargetLogged)
				if len(rd.Arms) == 0 {
					targets = []string{TargetUniform, TargetLogged}
				}
			}
			accs, armOf = make([]Accumulator, len(targets)), make([]int, len(targets))
			for i, t := range targets {
				armOf[i] = -1
				switch {
				case t == TargetLogged:
				case t == TargetUniform && len(rd.Arms) == 0:
				default:
					found := false
					for j, a := range rd.Arms {
						if a == t {
							armOf[i], found = j, true
						}
					}
					if !found {
						if len(rd.Arms) == 0 {
							return fmt.Errorf("policy %q: an Open Bandit Dataset log can evaluate %q or %q", t, TargetUniform, TargetLogged)
						}
						return fmt.Errorf("policy %q: the log has no probabilities for it (it can evaluate %s and %s)", t, strings.Join(rd.Arms, ", "), TargetLogged)
					}
				}
			}
		}
		ev.Rounds++
		if rd.Reward > 0 {
			ev.Clicks++
		}
		ctxI, ok := segs[rd.Segment]
		if !ok {
			ctxI = len(segs)
			segs[rd.Segment] = ctxI
		}
		var actI int
		if len(rd.Arms) == 0 {
			actI, _ = strconv.Atoi(rd.Action)
			maxItem = max(maxItem, actI)
		} else {
			actI, ok = acts[rd.Action]
			if !ok {
				actI = -1
				for j, a := range rd.Arms {
					if a == rd.Action {
						actI = j
					}
				}
				if actI < 0 {
					return &LogError{Line: rd.Line, Column: "action", Value: rd.Action, Err: fmt.Errorf("not one of the log's arms %v", rd.Arms)}
				}
				acts[rd.Action] = actI
			}
		}
		model.Observe(ctxI, actI, rd.Reward)
		if reps > 0 && (rd.Unit != lastUnit || rd.Unit == "" || ev.Rounds == 1) {
			// The unit's weights: its key hashed (a row without one is a
			// unit of its own).
			unitHash.Reset()
			if rd.Unit == "" {
				unitHash.Write([]byte("line " + strconv.Itoa(rd.Line)))
			} else {
				unitHash.Write([]byte(rd.Unit))
			}
			boot.PoissonWeights(bw, o.Seed, unitHash.Sum64())
			lastUnit = rd.Unit
		}
		add := func(a *Accumulator, w float64) {
			if reps > 0 {
				a.AddBoot(ctxI, actI, w, rd.Reward, bw)
			} else {
				a.Add(ctxI, actI, w, rd.Reward)
			}
		}
		for i, t := range targets {
			a := &accs[i]
			switch {
			case t == TargetLogged:
				add(a, 1)
			case armOf[i] < 0: // uniform over OBD items: scaled by 1/n at the end
				add(a, 1/rd.Propensity)
			default:
				if rd.ArmPropensity[armOf[i]] <= 0 {
					continue // the arm had nothing to show this shopper
				}
				w := 0.0
				if actI == armOf[i] {
					w = 1 / rd.Propensity
				}
				add(a, w)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.Layout = lay
	ev.LoggedCTR = float64(ev.Clicks) / float64(ev.Rounds)
	nItems := maxItem + 1
	for i, t := range targets {
		a := &accs[i]
		var q func(int, int) float64
		var qt func(int) float64
		switch {
		case t == TargetLogged:
			// π_b(·|x) is not a function of the context cell alone, so
			// DR falls back to IPS (which is exact here: w = 1).
		case armOf[i] < 0:
			a.Scale(1 / float64(nItems))
			q = model.Predict
			qt = func(c int) float64 {
				s := 0.0
				for it := 0; it < nItems; it++ {
					s += model.Predict(c, it)
				}
				return s / float64(nItems)
			}
		default:
			arm := armOf[i]
			q = model.Predict
			qt = func(c int) float64 { return model.Predict(c, arm) }
		}
		res, err := a.Result(level, q, qt)
		if err != nil {
			return nil, fmt.Errorf("policy %q: %w", t, err)
		}
		ev.Policies = append(ev.Policies, PolicyEstimate{Name: t, Result: res})
	}
	return ev, nil
}

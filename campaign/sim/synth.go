package sim

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// Funnel holds the organic browsing parameters. Defaults follow the
// background doc §10 (view→cart 3–8%, cart→purchase ≈30%).
type Funnel struct {
	// VisitRate is a shopper's chance of visiting the shop on a day (0.15),
	// scaled by a per-shopper activity level.
	VisitRate float64 `json:"visit_rate"`
	// ViewsPerVisit is the mean product views of a visit (4).
	ViewsPerVisit float64 `json:"views_per_visit"`
	// RepeatView is the share of views that revisit a recently viewed
	// product (0.25).
	RepeatView float64 `json:"repeat_view"`
	// Explore is the share of views outside the favourite categories (0.2).
	Explore float64 `json:"explore"`
	// CartRate is the mean P(add to cart | view) (0.06), scaled by how
	// well the product fits the shopper.
	CartRate float64 `json:"cart_rate"`
	// PurchaseRate is P(purchase | add to cart) in the same visit (0.30).
	PurchaseRate float64 `json:"purchase_rate"`
}

// Ads holds the ad-exposure and click-model parameters.
type Ads struct {
	// OpportunityRate is a shopper's chance of an ad slot on a day (0.5).
	OpportunityRate float64 `json:"opportunity_rate"`
	// ClickBase scales attractiveness into a click probability (0.005):
	// P(click at position p) = PositionDecay^p · ClickBase ·
	// (relevance + intent boost) · Fatigue^(earlier impressions of the item).
	ClickBase     float64 `json:"click_base"`
	PositionDecay float64 `json:"position_decay"` // 0.75 (cascade examination)
	ViewBoost     float64 `json:"view_boost"`     // 1.0 for products viewed in the last 14 days
	CartBoost     float64 `json:"cart_boost"`     // 2.0 for products carted and not bought
	Fatigue       float64 `json:"fatigue"`        // 0.7
	// ShowDecay is the Criteo-style decay of the serving probability per
	// consecutive non-clicked impression (0.85).
	ShowDecay float64 `json:"show_decay"`
	// Cap is the hard frequency cap per CapDays (10 per 14 days).
	Cap     int `json:"cap"`
	CapDays int `json:"cap_days"`
	// Post-click conversion: CVR for cold clicks (0.02, scaled by fit),
	// ViewedCVR for viewed products (0.05), CartCVR for cart abandoners
	// (0.10).
	CVR       float64 `json:"cvr"`
	ViewedCVR float64 `json:"viewed_cvr"`
	CartCVR   float64 `json:"cart_cvr"`
}

// DefaultFunnel returns the default organic parameters.
func DefaultFunnel() Funnel {
	return Funnel{VisitRate: 0.15, ViewsPerVisit: 4, RepeatView: 0.25, Explore: 0.2, CartRate: 0.06, PurchaseRate: 0.30}
}

// DefaultAds returns the default ad parameters.
func DefaultAds() Ads {
	return Ads{OpportunityRate: 0.5, ClickBase: 0.005, PositionDecay: 0.75, ViewBoost: 1, CartBoost: 2,
		Fatigue: 0.7, ShowDecay: 0.85, Cap: 10, CapDays: 14, CVR: 0.02, ViewedCVR: 0.05, CartCVR: 0.10}
}

// SyntheticOptions configures a simulation. Zero fields take defaults;
// Funnel and Ads fields left at zero take their defaults one by one.
type SyntheticOptions struct {
	// Catalog is the product list; nil generates Items products.
	Catalog []rank.Product
	Items   int // generated catalog size (default 1000)
	Users   int // shoppers (default 1000)
	Days    int // simulated days (default 30); ads run from day 2
	Seed    uint64
	K       int // carousel size (default 10)
	// Strategies to compare (default rank.Strategies()).
	Strategies []rank.Strategy
	// Start is the first simulated day (default 2024-01-01 UTC).
	Start  time.Time
	Funnel Funnel
	Ads    Ads
	// Rank holds the ranking options; Catalog is set by the simulator.
	Rank  rank.Options
	Model rank.ModelConfig
	// RetrainDays is how often the item model is rebuilt from the
	// organic events so far (default 7).
	RetrainDays int
	// EmitEvents, when set, receives the organic event log in the
	// canonical CSV schema, per shopper in time order.
	EmitEvents io.Writer
	// OrganicOnly generates (and emits) the organic log without running
	// the ad comparison, in memory bounded by one shopper.
	OrganicOnly bool
	// Drift is the daily speed at which every shopper's taste moves to
	// three trend categories, in browsing and in ad response (0: none;
	// 0.05 moves it fully in 20 days).
	Drift float64
	// Currency is the revenue's currency when the catalog's prices carry
	// none (e.g. campaign.yaml's currency); CurrencyFrom names its source.
	Currency, CurrencyFrom string
	// Learn, when set, adds the stochastic policy (the learned strategy,
	// or a softmax logging policy) to the comparison (learn.go).
	Learn    *LearnOptions
	Progress func(done, total int)
	Workers  int
}

// SynthStrategy is one strategy's simulated campaign outcome.
type SynthStrategy struct {
	Name        rank.Strategy `json:"name"`
	Impressions int64         `json:"impressions"`
	Clicks      int64         `json:"clicks"`
	CTR         float64       `json:"ctr"`
	// CTRCI is the 95% interval of the shopper bootstrap, as for revenue,
	// RPM and CVR; CTRWilsonCI is Wilson's binomial interval over
	// impressions (what ctr_ci was before), narrower because it takes one
	// shopper's impressions as independent.
	CTRCI       [2]float64 `json:"ctr_ci"`
	CTRWilsonCI [2]float64 `json:"ctr_wilson_ci"`
	Purchases   int64      `json:"purchases"`
	CVR         float64    `json:"cvr"`
	Revenue     float64    `json:"revenue"`
	Coverage    float64    `json:"coverage"`
	// RPM is revenue per 1,000 impressions.
	RPM float64 `json:"rpm"`
	// RevenueCI, RPMCI and CVRCI are 95% intervals from the bootstrap over
	// shoppers (synth_boot.go).
	RevenueCI [2]float64 `json:"revenue_ci"`
	RPMCI     [2]float64 `json:"rpm_ci"`
	CVRCI     [2]float64 `json:"cvr_ci"`
	// OOSShare is the share of shown products that were out of stock
	// (0 unless the in-stock filter is disabled).
	OOSShare float64 `json:"oos_impression_share"`
	// Reach is the number of shoppers who saw at least one impression.
	Reach int64 `json:"reach"`
}

// OrganicStats summarises the simulated browsing.
type OrganicStats struct {
	Events    int     `json:"events"`
	Visits    int     `json:"visits"`
	Views     int     `json:"views"`
	Carts     int     `json:"carts"`
	Purchases int     `json:"purchases"`
	Revenue   float64 `json:"revenue"`
}

// SynthSettings echoes the effective parameters.
type SynthSettings struct {
	Items       int    `json:"items"`
	InStock     int    `json:"in_stock"`
	Start       string `json:"start"`
	RetrainDays int    `json:"retrain_days"`
	Funnel      Funnel `json:"funnel"`
	Ads         Ads    `json:"ads"`
}

// SynthResult is the `dpa simulate --catalog` report.
type SynthResult struct {
	SchemaVersion int             `json:"schema_version"`
	Mode          string          `json:"mode"`
	Seed          uint64          `json:"seed"`
	Users         int             `json:"users"`
	Days          int             `json:"days"`
	Strategies    []SynthStrategy `json:"strategies"`
	K             int             `json:"k"`
	Organic       OrganicStats    `json:"organic"`
	Settings      SynthSettings   `json:"settings"`
	// Currency is the revenue's ISO 4217 code ("" when unknown or mixed)
	// and CurrencySource says where it was taken from.
	Currency       string `json:"currency"`
	CurrencySource string `json:"currency_source"`
	// Bootstrap describes the CTR, revenue, RPM and CVR intervals.
	Bootstrap *BootstrapInfo `json:"bootstrap,omitempty"`
	// Learning is the stochastic policy's learning curve (with Learn).
	Learning *LearningReport `json:"learning,omitempty"`
}

// revenueCurrency decides the currency revenue is summed in: the one
// currency of the catalog's priced products (the generated catalog is in
// EUR), else the fallback opts.Currency. A catalog priced in several
// currencies has no single one: revenue adds up unlike amounts, and the
// source says so.
func revenueCurrency(prods []rank.Product, generated bool, opts *SyntheticOptions) (code, source string) {
	seen := map[string]bool{}
	var codes []string
	unpriced := false
	for i := range prods {
		p := &prods[i]
		if p.Price <= 0 {
			continue
		}
		if p.Currency == "" {
			unpriced = true
			continue
		}
		if !seen[p.Currency] {
			seen[p.Currency] = true
			codes = append(codes, p.Currency)
		}
	}
	from := "catalog prices"
	if generated {
		from = "generated catalog"
	}
	switch {
	case len(codes) > 1:
		sort.Strings(codes)
		return "", "mixed in the " + from + " (" + strings.Join(codes, ", ") + "): revenue adds up unlike amounts"
	case len(codes) == 1 && unpriced:
		return codes[0], from + " (some prices carry no currency)"
	case len(codes) == 1:
		return codes[0], from
	case opts.Currency != "":
		return opts.Currency, opts.CurrencyFrom
	}
	return "", "unknown: the catalog's prices carry no currency"
}

func (o *SyntheticOptions) defaults() {
	if o.Items <= 0 {
		o.Items = 1000
	}
	if o.Users <= 0 {
		o.Users = 1000
	}
	if o.Days <= 0 {
		o.Days = 30
	}
	if o.K <= 0 {
		o.K = 10
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.RetrainDays <= 0 {
		o.RetrainDays = 7
	}
	df, da := DefaultFunnel(), DefaultAds()
	f := &o.Funnel
	setF := func(v *float64, d float64) {
		if *v <= 0 {
			*v = d
		}
	}
	setF(&f.VisitRate, df.VisitRate)
	setF(&f.ViewsPerVisit, df.ViewsPerVisit)
	setF(&f.RepeatView, df.RepeatView)
	setF(&f.Explore, df.Explore)
	setF(&f.CartRate, df.CartRate)
	setF(&f.PurchaseRate, df.PurchaseRate)
	a := &o.Ads
	setF(&a.OpportunityRate, da.OpportunityRate)
	setF(&a.ClickBase, da.ClickBase)
	setF(&a.PositionDecay, da.PositionDecay)
	setF(&a.ViewBoost, da.ViewBoost)
	setF(&a.CartBoost, da.CartBoost)
	setF(&a.Fatigue, da.Fatigue)
	setF(&a.ShowDecay, da.ShowDecay)
	setF(&a.CVR, da.CVR)
	setF(&a.ViewedCVR, da.ViewedCVR)
	setF(&a.CartCVR, da.CartCVR)
	if a.Cap <= 0 {
		a.Cap = da.Cap
	}
	if a.CapDays <= 0 {
		a.CapDays = da.CapDays
	}
}

// GenerateCatalog makes a deterministic catalog of n products with
// categories, brands, log-normal prices, item groups (a quarter of the
// products are variants of the previous one) and 5% out of stock.
func GenerateCatalog(n int, seed uint64) []rank.Product {
	rng := rand.New(rand.NewPCG(seed, 0xca7a106))
	nCat := max(3, n/40)
	nBrand := max(3, n/25)
	catMedian := make([]float64, nCat)
	for c := range catMedian {
		catMedian[c] = 15 * math.Exp(rng.Float64()*2.5) // 15 … 180
	}
	out := make([]rank.Product, 0, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("SKU-%06d", i+1)
		var p rank.Product
		if i > 0 && rng.Float64() < 0.25 {
			prev := out[i-1]
			p = prev
			p.ID = id
			p.Price = math.Round(prev.Price*(0.9+0.2*rng.Float64())*100) / 100
			if prev.GroupID == "" {
				out[i-1].GroupID = prev.ID
				p.GroupID = prev.ID
			}
		} else {
			c := int(math.Min(float64(nCat-1), math.Floor(float64(nCat)*math.Pow(rng.Float64(), 1.5))))
			b := (c*7 + rng.IntN(5)) % nBrand
			p = rank.Product{
				ID:       id,
				Category: fmt.Sprintf("Category %02d", c+1),
				Brand:    fmt.Sprintf("Brand %02d", b+1),
				Price:    math.Round(catMedian[c]*math.Exp(rng.NormFloat64()*0.4)*100) / 100,
				Currency: "EUR",
			}
		}
		p.Title = "Product " + strconv.Itoa(i+1)
		p.InStock = rng.Float64() >= 0.05
		out = append(out, p)
	}
	return out
}

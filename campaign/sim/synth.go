package sim

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
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
	// Strategies to compare (default rank.Strategies).
	Strategies []string
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
	Progress    func(done, total int)
	Workers     int
}

// SynthStrategy is one strategy's simulated campaign outcome.
type SynthStrategy struct {
	Name        string     `json:"name"`
	Impressions int64      `json:"impressions"`
	Clicks      int64      `json:"clicks"`
	CTR         float64    `json:"ctr"`
	CTRCI       [2]float64 `json:"ctr_ci"`
	Purchases   int64      `json:"purchases"`
	CVR         float64    `json:"cvr"`
	Revenue     float64    `json:"revenue"`
	Coverage    float64    `json:"coverage"`
	// RPM is revenue per 1,000 impressions.
	RPM float64 `json:"rpm"`
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

// world is the catalog as the shopper model sees it.
type world struct {
	prods     []rank.Product
	byID      map[string]int32
	cat       []int32 // product -> category
	brand     []int32
	catItems  [][]int32   // category -> products
	catCum    [][]float64 // cumulative popularity weights per category
	catMedian []float64
	catShare  []float64 // cumulative share of products per category
	nBrand    int
	inStock   int
}

func newWorld(prods []rank.Product, seed uint64) *world {
	w := &world{prods: prods, byID: make(map[string]int32, len(prods))}
	cats, brands := map[string]int32{}, map[string]int32{}
	w.cat, w.brand = make([]int32, len(prods)), make([]int32, len(prods))
	for i := range prods {
		p := &prods[i]
		w.byID[p.ID] = int32(i)
		ck := p.ProductType
		if ck == "" {
			ck = p.Category
		}
		c, ok := cats[ck]
		if !ok {
			c = int32(len(cats))
			cats[ck] = c
			w.catItems = append(w.catItems, nil)
		}
		b, ok := brands[p.Brand]
		if !ok {
			b = int32(len(brands))
			brands[p.Brand] = b
		}
		w.cat[i], w.brand[i] = c, b
		w.catItems[c] = append(w.catItems[c], int32(i))
		if p.InStock {
			w.inStock++
		}
	}
	w.nBrand = len(brands)
	// Popularity within a category: Zipf-like over a seeded permutation.
	rng := rand.New(rand.NewPCG(seed, 0x909))
	w.catCum = make([][]float64, len(w.catItems))
	w.catMedian = make([]float64, len(w.catItems))
	total := 0.0
	w.catShare = make([]float64, len(w.catItems))
	for c, items := range w.catItems {
		perm := rng.Perm(len(items))
		cum := make([]float64, len(items))
		s := 0.0
		for j := range items {
			s += 1 / math.Pow(float64(perm[j]+3), 0.9)
			cum[j] = s
		}
		w.catCum[c] = cum
		prices := make([]float64, 0, len(items))
		for _, i := range items {
			if prods[i].Price > 0 {
				prices = append(prices, prods[i].Price)
			}
		}
		sort.Float64s(prices)
		if len(prices) > 0 {
			w.catMedian[c] = prices[len(prices)/2]
		}
		total += float64(len(items))
		w.catShare[c] = total
	}
	return w
}

type shopperModel struct {
	cats     [3]int32
	catW     [3]float64 // cumulative
	brands   [2]int32
	priceF   float64
	activity float64
}

func (w *world) newShopper(rng *rand.Rand) shopperModel {
	var s shopperModel
	for i := range s.cats {
		s.cats[i] = w.pickCategory(rng)
	}
	s.catW = [3]float64{0.6, 0.85, 1}
	for i := range s.brands {
		s.brands[i] = int32(rng.IntN(max(1, w.nBrand)))
	}
	s.priceF = math.Exp(rng.NormFloat64() * 0.4)
	s.activity = math.Exp(rng.NormFloat64()*0.6 - 0.18) // mean ≈ 1
	return s
}

func (w *world) pickCategory(rng *rand.Rand) int32 {
	x := rng.Float64() * w.catShare[len(w.catShare)-1]
	return int32(sort.SearchFloat64s(w.catShare, x))
}

// relevance in (0, 1]: category fit × brand fit × price fit.
func (w *world) relevance(s *shopperModel, i int32) float64 {
	cf := 0.1
	switch w.cat[i] {
	case s.cats[0]:
		cf = 1
	case s.cats[1]:
		cf = 0.7
	case s.cats[2]:
		cf = 0.5
	}
	bf := 0.6
	if w.brand[i] == s.brands[0] || w.brand[i] == s.brands[1] {
		bf = 1
	}
	pf := 1.0
	if m := w.catMedian[w.cat[i]]; m > 0 && w.prods[i].Price > 0 {
		x := math.Log(w.prods[i].Price / (m * s.priceF))
		pf = math.Exp(-x * x / (2 * 0.5 * 0.5))
	}
	return cf * bf * (0.3 + 0.7*pf)
}

func (w *world) pickItem(rng *rand.Rand, c int32) int32 {
	cum := w.catCum[c]
	x := rng.Float64() * cum[len(cum)-1]
	return w.catItems[c][sort.SearchFloat64s(cum, x)]
}

// oev is one organic event, compact.
type oev struct {
	t     int64
	item  int32
	visit int32
	kind  rank.Kind
}

// organic generates one shopper's browsing. Its random stream depends only
// on (seed, shopper), never on the strategies.
func (w *world) organic(o *SyntheticOptions, u int, buf []oev, st *OrganicStats) (shopperModel, []oev) {
	rng := rand.New(rand.NewPCG(o.Seed, uint64(u)*0x9e3779b97f4a7c15+1))
	s := w.newShopper(rng)
	f := &o.Funnel
	buf = buf[:0]
	var recent []int32
	pCont := 1 - 1/math.Max(1, f.ViewsPerVisit)
	visit := int32(0)
	for d := 0; d < o.Days; d++ {
		if rng.Float64() >= f.VisitRate*s.activity {
			continue
		}
		visit++
		st.Visits++
		t := o.Start.Add(time.Duration(d)*24*time.Hour + time.Duration(8*3600+rng.IntN(15*3600))*time.Second).UnixNano()
		n := 1
		for n < 30 && rng.Float64() < pCont {
			n++
		}
		for v := 0; v < n; v++ {
			var it int32
			if len(recent) > 0 && rng.Float64() < f.RepeatView {
				it = recent[rng.IntN(len(recent))]
			} else {
				for try := 0; try < 3; try++ {
					var c int32
					if rng.Float64() < f.Explore {
						c = w.pickCategory(rng)
					} else {
						x := rng.Float64()
						c = s.cats[0]
						if x >= s.catW[0] {
							c = s.cats[1]
						}
						if x >= s.catW[1] {
							c = s.cats[2]
						}
					}
					it = w.pickItem(rng, c)
					if rng.Float64() < 0.2+0.8*w.relevance(&s, it) {
						break
					}
				}
				recent = append(recent, it)
				if len(recent) > 10 {
					recent = recent[1:]
				}
			}
			buf = append(buf, oev{t: t, item: it, visit: visit, kind: rank.KindView})
			st.Views++
			t += int64(20+rng.IntN(100)) * int64(time.Second)
			rel := w.relevance(&s, it)
			if w.prods[it].InStock && rng.Float64() < f.CartRate*2*rel {
				buf = append(buf, oev{t: t, item: it, visit: visit, kind: rank.KindCart})
				st.Carts++
				t += int64(10+rng.IntN(60)) * int64(time.Second)
				if rng.Float64() < f.PurchaseRate {
					buf = append(buf, oev{t: t, item: it, visit: visit, kind: rank.KindPurchase})
					st.Purchases++
					st.Revenue += w.prods[it].Price
					t += int64(10+rng.IntN(60)) * int64(time.Second)
				}
			}
		}
	}
	st.Events += len(buf)
	return s, buf
}

func userID(u int) string { return fmt.Sprintf("u%07d", u+1) }

func (w *world) emit(ew *events.Writer, u int, evs []oev) error {
	uid := userID(u)
	for _, e := range evs {
		p := &w.prods[e.item]
		ev := events.Event{Time: time.Unix(0, e.t).UTC(), UserID: uid, SessionID: uid + "-" + strconv.Itoa(int(e.visit)),
			Type: events.Type(e.kind.String()), ItemIDs: []string{p.ID}}
		if e.kind == rank.KindPurchase {
			ev.Value, ev.Currency, ev.Quantity = p.Price, p.Currency, 1
		}
		if err := ew.Write(&ev); err != nil {
			return err
		}
	}
	return nil
}

// Synthetic runs the simulation: organic browsing for every shopper first
// (shared by all strategies), then, day by day, an ad slot per shopper in
// which each strategy shows a carousel of K products.
//
// Common random numbers: the draws that decide whether a slot exists,
// whether the ad is served, whether each position is clicked and whether a
// click converts are the same for every strategy (a stream per shopper and
// day). Ad clicks and purchases do not feed back into organic browsing, so
// all strategies face identical shoppers; an ad purchase does exclude the
// product from that strategy's later carousels.
func Synthetic(ctx context.Context, opts SyntheticOptions) (*SynthResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	opts.defaults()
	strategies, err := parseStrategies(opts.Strategies)
	if err != nil {
		return nil, err
	}
	prods := opts.Catalog
	if prods == nil {
		prods = GenerateCatalog(opts.Items, opts.Seed)
	}
	if len(prods) == 0 {
		return nil, fmt.Errorf("sim: empty catalog")
	}
	w := newWorld(prods, opts.Seed)
	res := &SynthResult{SchemaVersion: 1, Mode: "synthetic", Seed: opts.Seed, Users: opts.Users, Days: opts.Days, K: opts.K,
		Settings: SynthSettings{Items: len(prods), InStock: w.inStock, Start: opts.Start.Format("2006-01-02"),
			RetrainDays: opts.RetrainDays, Funnel: opts.Funnel, Ads: opts.Ads}}

	var ew *events.Writer
	if opts.EmitEvents != nil {
		ew = events.NewWriter(opts.EmitEvents)
	}
	// Phase 1: organic browsing. Each shopper has its own random stream,
	// so shards can be generated in parallel; emission stays in shopper
	// order. OrganicOnly streams one shopper at a time instead.
	var all [][]oev
	var shoppers []shopperModel
	if opts.OrganicOnly {
		var buf []oev
		for u := 0; u < opts.Users; u++ {
			if err := ctxEvery(ctx, u); err != nil {
				return nil, err
			}
			_, buf = w.organic(&opts, u, buf, &res.Organic)
			if ew != nil {
				if err := w.emit(ew, u, buf); err != nil {
					return nil, err
				}
			}
			if opts.Progress != nil && (u+1)%10000 == 0 {
				opts.Progress(u+1, opts.Users)
			}
		}
	} else {
		all = make([][]oev, opts.Users)
		shoppers = make([]shopperModel, opts.Users)
		const oshard = 1024
		nsh := (opts.Users + oshard - 1) / oshard
		stats := make([]OrganicStats, nsh)
		oclaim := newClaimer(nsh)
		var owg sync.WaitGroup
		ow := opts.Workers
		if ow <= 0 {
			ow = runtime.GOMAXPROCS(0)
		}
		for wi := 0; wi < ow; wi++ {
			owg.Add(1)
			go func() {
				defer owg.Done()
				var buf []oev
				for {
					sh, ok := oclaim.claim()
					if !ok || ctx.Err() != nil {
						return
					}
					for u := sh * oshard; u < min(opts.Users, (sh+1)*oshard); u++ {
						shoppers[u], buf = w.organic(&opts, u, buf, &stats[sh])
						all[u] = append([]oev(nil), buf...)
					}
				}
			}()
		}
		owg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, st := range stats {
			o := &res.Organic
			o.Events += st.Events
			o.Visits += st.Visits
			o.Views += st.Views
			o.Carts += st.Carts
			o.Purchases += st.Purchases
			o.Revenue += st.Revenue
		}
		if ew != nil {
			for u := range all {
				if err := w.emit(ew, u, all[u]); err != nil {
					return nil, err
				}
			}
		}
	}
	res.Organic.Revenue = math.Round(res.Organic.Revenue*100) / 100
	if ew != nil {
		if err := ew.Flush(); err != nil {
			return nil, err
		}
	}
	if opts.OrganicOnly {
		return res, nil
	}

	// Models, retrained every RetrainDays on the organic events so far.
	cat := rank.NewCatalog(prods)
	day := func(d int) int64 { return opts.Start.Add(time.Duration(d) * 24 * time.Hour).UnixNano() }
	var models []*rank.Model
	for cut := 1; cut < opts.Days; cut += opts.RetrainDays {
		b := rank.NewBuilder(opts.Model)
		limit := day(cut)
		for u, evs := range all {
			uid := userID(u)
			for _, e := range evs {
				if e.t >= limit {
					break
				}
				b.AddRaw(uid, "", prods[e.item].ID, e.kind, e.t)
			}
		}
		m, err := b.Build(ctx)
		if err != nil {
			return nil, err
		}
		models = append(models, m)
	}

	// Phase 2: ads, per shopper, in fixed shards merged in order.
	type sacc struct {
		imp, clicks, buys, oos, shown, reach int64
		rev                                  float64
	}
	const shard = 256
	nShards := (opts.Users + shard - 1) / shard
	shardAcc := make([][]sacc, nShards)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	covered := make([][][]bool, workers)
	claim := newClaimer(nShards)
	done := make(chan struct{}, nShards)
	var wg sync.WaitGroup
	ropts := opts.Rank
	ropts.Catalog = cat
	ropts.NoReasons = true
	a := &opts.Ads
	lookback := int64(14 * 24 * time.Hour)
	if ropts.Lookback > 0 {
		lookback = int64(ropts.Lookback)
	}
	for wi := 0; wi < workers; wi++ {
		covered[wi] = make([][]bool, len(strategies))
		for si := range strategies {
			covered[wi][si] = make([]bool, len(prods))
		}
		wg.Add(1)
		go func(wi int) {
			defer wg.Done()
			type ustate struct {
				impDays  []int
				nonclick int
				shown    map[int32]int
				bought   []rank.Event
				reached  bool
				// memo of the last carousel of a history-only strategy
				memoKey [4]int
				memo    []rank.Rec
				memoOK  bool
			}
			type itemState struct {
				lastView, lastCart int64
				bought             bool
			}
			hist := make([]rank.Event, 0, 64)
			hbuf := make([]rank.Event, 0, 64)
			uClick := make([]float64, opts.K)
			ids := make([]int32, 0, opts.K)
			for {
				sh, ok := claim.claim()
				if !ok {
					return
				}
				if ctx.Err() != nil {
					done <- struct{}{}
					continue
				}
				acc := make([]sacc, len(strategies))
				for u := sh * shard; u < min(opts.Users, (sh+1)*shard); u++ {
					evs := all[u]
					s := &shoppers[u]
					uid := userID(u)
					hist = hist[:0]
					for _, e := range evs {
						hist = append(hist, rank.Event{ItemID: prods[e.item].ID, Kind: e.kind, Time: time.Unix(0, e.t)})
					}
					states := make([]ustate, len(strategies))
					items := map[int32]*itemState{}
					relCache := map[int32]float64{}
					rel := func(it int32) float64 {
						v, ok := relCache[it]
						if !ok {
							v = w.relevance(s, it)
							relCache[it] = v
						}
						return v
					}
					consumed := 0
					for d := 1; d < opts.Days; d++ {
						now := day(d + 1)
						for consumed < len(evs) && evs[consumed].t < now {
							e := evs[consumed]
							is := items[e.item]
							if is == nil {
								is = &itemState{}
								items[e.item] = is
							}
							switch e.kind {
							case rank.KindView:
								is.lastView = e.t
							case rank.KindCart:
								is.lastCart = e.t
							case rank.KindPurchase:
								is.bought = true
							}
							consumed++
						}
						rng := rand.New(rand.NewPCG(opts.Seed^0xad5, uint64(u)<<16|uint64(d)))
						uOpp, uShow, uConv := rng.Float64(), rng.Float64(), rng.Float64()
						for p := range uClick {
							uClick[p] = rng.Float64()
						}
						if uOpp >= a.OpportunityRate {
							continue
						}
						mi := min(len(models)-1, (d-1)/opts.RetrainDays)
						model := models[mi]
						// First history event inside the lookback window.
						lbIdx := sort.Search(consumed, func(i int) bool { return hist[i].Time.UnixNano() >= now-lookback })
						nowT := time.Unix(0, now)
						for si, st := range strategies {
							us := &states[si]
							recent := 0
							for _, dd := range us.impDays {
								if dd > d-a.CapDays {
									recent++
								}
							}
							if recent >= a.Cap || uShow >= math.Pow(a.ShowDecay, float64(us.nonclick)) {
								continue
							}
							h := rank.History{UserID: uid, Events: hist[:consumed]}
							if len(us.bought) > 0 {
								hbuf = append(append(hbuf[:0], hist[:consumed]...), us.bought...)
								h.Events = hbuf
							}
							// retarget, similar and crosssell depend only on the
							// history inside the lookback (and the model): when
							// neither changed since the last slot, the carousel is
							// the same, so it is reused instead of recomputed.
							memoable := st == rank.Retarget || st == rank.Similar || st == rank.CrossSell
							key := [4]int{mi, consumed, len(us.bought), lbIdx}
							var recs []rank.Rec
							if memoable && us.memoOK && us.memoKey == key {
								recs = us.memo
							} else {
								var err error
								recs, err = model.Recommend(h, st, opts.K, nowT, ropts)
								if err != nil {
									continue
								}
								if memoable {
									us.memo, us.memoKey, us.memoOK = recs, key, true
								}
							}
							if len(recs) == 0 {
								continue
							}
							ac := &acc[si]
							ac.imp++
							us.impDays = append(us.impDays, d)
							if !us.reached {
								us.reached = true
								ac.reach++
							}
							if us.shown == nil {
								us.shown = map[int32]int{}
							}
							ids = ids[:0]
							for _, r := range recs {
								ids = append(ids, w.byID[r.ItemID])
							}
							clicked := -1
							for p, it := range ids {
								ac.shown++
								if !prods[it].InStock {
									ac.oos++
								}
								covered[wi][si][it] = true
								if clicked >= 0 {
									continue
								}
								boost := 0.0
								mult := 1.0
								if is := items[it]; is != nil {
									switch {
									case is.bought:
										mult = 0.1
									case is.lastCart > 0 && now-is.lastCart <= lookback:
										boost = a.CartBoost
									case is.lastView > 0 && now-is.lastView <= lookback:
										boost = a.ViewBoost
									}
								}
								pr := math.Pow(a.PositionDecay, float64(p)) * a.ClickBase * (rel(it) + boost) * mult *
									math.Pow(a.Fatigue, float64(us.shown[it]))
								if uClick[p] < pr {
									clicked = p
								}
							}
							for _, it := range ids {
								us.shown[it]++
							}
							if clicked < 0 {
								us.nonclick++
								continue
							}
							us.nonclick = 0
							ac.clicks++
							it := ids[clicked]
							cvr := a.CVR * (0.5 + rel(it))
							if is := items[it]; is != nil && !is.bought {
								switch {
								case is.lastCart > 0 && now-is.lastCart <= lookback:
									cvr = a.CartCVR
								case is.lastView > 0 && now-is.lastView <= lookback:
									cvr = a.ViewedCVR
								}
							}
							if prods[it].InStock && uConv < cvr {
								ac.buys++
								ac.rev += prods[it].Price
								us.bought = append(us.bought, rank.Event{ItemID: prods[it].ID, Kind: rank.KindPurchase, Time: nowT})
							}
						}
					}
				}
				shardAcc[sh] = acc
				done <- struct{}{}
			}
		}(wi)
	}
	go func() { wg.Wait(); close(done) }()
	finished := 0
	for range done {
		finished++
		if opts.Progress != nil {
			opts.Progress(min(finished*shard, opts.Users), opts.Users)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for si, st := range strategies {
		var t sacc
		for sh := range shardAcc {
			if shardAcc[sh] == nil {
				continue
			}
			x := shardAcc[sh][si]
			t.imp += x.imp
			t.clicks += x.clicks
			t.buys += x.buys
			t.oos += x.oos
			t.shown += x.shown
			t.reach += x.reach
			t.rev += x.rev
		}
		cov := 0
		for it := range prods {
			for wi := range covered {
				if covered[wi][si][it] {
					cov++
					break
				}
			}
		}
		r := SynthStrategy{Name: st, Impressions: t.imp, Clicks: t.clicks, Purchases: t.buys, Reach: t.reach,
			Revenue: math.Round(t.rev*100) / 100}
		if t.imp > 0 {
			r.CTR = round6(float64(t.clicks) / float64(t.imp))
			ci := Wilson(t.clicks, t.imp)
			r.CTRCI = [2]float64{round6(ci[0]), round6(ci[1])}
			r.RPM = round6(t.rev * 1000 / float64(t.imp))
		}
		if t.clicks > 0 {
			r.CVR = round6(float64(t.buys) / float64(t.clicks))
		}
		if t.shown > 0 {
			r.OOSShare = round6(float64(t.oos) / float64(t.shown))
		}
		if w.inStock > 0 {
			r.Coverage = round6(float64(cov) / float64(w.inStock))
		}
		res.Strategies = append(res.Strategies, r)
	}
	return res, nil
}

package sim

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// adSim simulates the ad slots of one shopper at a time; one per worker,
// holding that worker's scratch buffers and coverage marks.
type adSim struct {
	r        *synthRun
	covered  [][]bool // per strategy, per product
	lookback int64
	ropts    rank.Options

	hist   []rank.Event
	hbuf   []rank.Event
	uClick []float64
	ids    []int32
	armIDs [][]int32 // the learned pass's per-arm carousel buffers
	// the learned pass's candidates (learn_rerank.go)
	cands     []candidate
	order     []int
	oracleIDs []int32
	catAff    []affinity
	brandAff  []affinity
	// boot, when set, receives each shopper's sums per strategy (bx).
	boot *synthBoot
	bx   [][nBoot]int64
}

// ustate is one strategy's state for the current shopper.
type ustate struct {
	impDays  []int // days of the impressions inside the cap window
	nonclick int
	shown    shownCounts
	bought   []rank.Event
	reached  bool
	// memo of the last carousel of a history-only strategy
	memoKey [4]int
	memo    []rank.Rec
	memoOK  bool
}

// itemState is what the current shopper did organically with a product
// up to the current day.
type itemState struct {
	lastView, lastCart int64
	bought             bool
}

// slotCtx is the shopper-day context every strategy's slot shares.
type slotCtx struct {
	u, d     int
	uid      string
	now      int64
	consumed int // organic events before now
	lbIdx    int // first history event inside the lookback
	mi       int // model index
	items    map[int32]*itemState
	rel      func(int32) float64
	uShow    float64
	uConv    float64
}

func (r *synthRun) newAdSim(covered [][]bool, cat *rank.Catalog) *adSim {
	ropts := r.opts.Rank
	ropts.Catalog = cat
	ropts.NoReasons = true
	lookback := int64(14 * 24 * time.Hour)
	if ropts.Lookback > 0 {
		lookback = int64(ropts.Lookback)
	}
	return &adSim{r: r, covered: covered, lookback: lookback, ropts: ropts,
		hist: make([]rank.Event, 0, 64), hbuf: make([]rank.Event, 0, 64),
		uClick: make([]float64, r.opts.K), ids: make([]int32, 0, r.opts.K)}
}

// shopper runs every day's ad slot of shopper u, adding to acc.
func (a *adSim) shopper(u int, acc []sacc) {
	r := a.r
	opts := &r.opts
	evs := r.all[u]
	s := &r.shoppers[u]
	a.hist = a.hist[:0]
	for _, e := range evs {
		a.hist = append(a.hist, rank.Event{ItemID: r.prods[e.item].ID, Kind: e.kind, Time: time.Unix(0, e.t)})
	}
	states := make([]ustate, len(r.strategies))
	relCache := map[int32]float64{}
	sc := slotCtx{u: u, uid: userID(u), items: map[int32]*itemState{}}
	sc.rel = func(it int32) float64 {
		v, ok := relCache[it]
		if !ok {
			v = r.w.relevance(s, it, sc.d+1)
			relCache[it] = v
		}
		return v
	}
	if a.boot != nil {
		a.bx = a.bx[:0]
		for si := range acc {
			a.bx = append(a.bx, [nBoot]int64{acc[si].imp, acc[si].clicks, acc[si].buys, acc[si].revU})
		}
	}
	for d := 1; d < opts.Days; d++ {
		sc.d, sc.now = d, r.day(d+1)
		if r.w.drift > 0 {
			clear(relCache) // relevance changes by the day
		}
		for sc.consumed < len(evs) && evs[sc.consumed].t < sc.now {
			sc.observe(evs[sc.consumed])
			sc.consumed++
		}
		rng := rand.New(rand.NewPCG(opts.Seed^0xad5, uint64(u)<<16|uint64(d)))
		uOpp, uShow, uConv := rng.Float64(), rng.Float64(), rng.Float64()
		for p := range a.uClick {
			a.uClick[p] = rng.Float64()
		}
		if uOpp >= opts.Ads.OpportunityRate {
			continue
		}
		sc.uShow, sc.uConv = uShow, uConv
		sc.mi = min(len(r.models)-1, (d-1)/opts.RetrainDays)
		sc.lbIdx = sort.Search(sc.consumed, func(i int) bool { return a.hist[i].Time.UnixNano() >= sc.now-a.lookback })
		for si, st := range r.strategies {
			a.slot(&sc, si, st, &states[si], &acc[si])
		}
	}
	if a.boot != nil {
		for si := range acc {
			x := &acc[si]
			a.bx[si] = [nBoot]int64{x.imp - a.bx[si][bImp], x.clicks - a.bx[si][bClicks], x.buys - a.bx[si][bBuys], x.revU - a.bx[si][bRev]}
		}
		a.boot.addShopper(u, a.bx)
	}
}

// observe records an organic event in the shopper's item states.
func (sc *slotCtx) observe(e oev) {
	is := sc.items[e.item]
	if is == nil {
		is = &itemState{}
		sc.items[e.item] = is
	}
	switch e.kind {
	case rank.KindView:
		is.lastView = e.t
	case rank.KindCart:
		is.lastCart = e.t
	case rank.KindPurchase:
		is.bought = true
	}
}

// slot is one strategy's ad slot: frequency rules, the carousel, the
// cascade click and the post-click conversion.
func (a *adSim) slot(sc *slotCtx, si int, st rank.Strategy, us *ustate, ac *sacc) {
	r, ads := a.r, &a.r.opts.Ads
	if us.capped(sc.d, ads) || sc.uShow >= math.Pow(ads.ShowDecay, float64(us.nonclick)) {
		return
	}
	recs := a.carousel(sc, st, us)
	if len(recs) == 0 {
		return
	}
	ac.imp++
	if ac.dayImp != nil {
		ac.dayImp[sc.d]++
	}
	us.impDays = append(us.impDays, sc.d)
	if !us.reached {
		us.reached = true
		ac.reach++
	}
	a.ids = a.ids[:0]
	for _, rc := range recs {
		a.ids = append(a.ids, r.w.byID[rc.ItemID])
	}
	clicked := a.click(sc, si, us, ac)
	for _, it := range a.ids {
		us.shown.inc(it)
	}
	if clicked < 0 {
		us.nonclick++
		return
	}
	us.nonclick = 0
	ac.clicks++
	if ac.dayClicks != nil {
		ac.dayClicks[sc.d]++
	}
	it := a.ids[clicked]
	if a.converts(sc, it) {
		ac.buys++
		ac.rev += r.prods[it].Price
		ac.revU += revUnits(r.prods[it].Price)
		us.bought = append(us.bought, rank.Event{ItemID: r.prods[it].ID, Kind: rank.KindPurchase, Time: time.Unix(0, sc.now)})
	}
}

// capped reports whether the frequency cap forbids an impression on day d,
// forgetting the impressions that left the cap window: the learned pass
// keeps every shopper's state for the whole run.
func (us *ustate) capped(d int, ads *Ads) bool {
	old := 0
	for old < len(us.impDays) && us.impDays[old] <= d-ads.CapDays {
		old++
	}
	if old > 0 {
		us.impDays = append(us.impDays[:0], us.impDays[old:]...)
	}
	return len(us.impDays) >= ads.Cap
}

// shownCounts counts a shopper's earlier impressions per product, sorted
// by product. The learned pass keeps one per shopper for the whole run,
// and for the tens to hundreds of products a shopper is shown a sorted
// slice of 8-byte pairs takes a fraction of a map's memory.
type shownCounts []shownCount

type shownCount struct{ it, n int32 }

func (s shownCounts) find(it int32) (int, bool) {
	return slices.BinarySearchFunc(s, it, func(c shownCount, it int32) int { return cmp.Compare(c.it, it) })
}

func (s shownCounts) get(it int32) int {
	if i, ok := s.find(it); ok {
		return int(s[i].n)
	}
	return 0
}

func (s *shownCounts) inc(it int32) {
	i, ok := s.find(it)
	if !ok {
		*s = slices.Insert(*s, i, shownCount{it: it})
	}
	(*s)[i].n++
}

// carousel ranks the strategy's K products for the slot. retarget, similar
// and crosssell depend only on the history inside the lookback (and the
// model): when neither changed since the last slot, the carousel is the
// same, so it is reused instead of recomputed. A ranking error shows no ad.
func (a *adSim) carousel(sc *slotCtx, st rank.Strategy, us *ustate) []rank.Rec {
	memoable := historyOnly(st)
	key := [4]int{sc.mi, sc.consumed, len(us.bought), sc.lbIdx}
	if memoable && us.memoOK && us.memoKey == key {
		return us.memo
	}
	recs, err := a.recommend(sc, st, us.bought)
	if err != nil {
		return nil
	}
	if memoable {
		us.memo, us.memoKey, us.memoOK = recs, key, true
	}
	return recs
}

// historyOnly reports whether strategy st's carousel depends only on the
// history inside the lookback and the model.
func historyOnly(st rank.Strategy) bool {
	return st == rank.Retarget || st == rank.Similar || st == rank.CrossSell || st == rank.SessionKNN
}

// recommend ranks strategy st's K products for the slot, the shopper's
// ad purchases added to the history.
func (a *adSim) recommend(sc *slotCtx, st rank.Strategy, bought []rank.Event) ([]rank.Rec, error) {
	h := rank.History{UserID: sc.uid, Events: a.hist[:sc.consumed]}
	if len(bought) > 0 {
		a.hbuf = append(append(a.hbuf[:0], a.hist[:sc.consumed]...), bought...)
		h.Events = a.hbuf
	}
	return a.r.models[sc.mi].Recommend(h, st, a.r.opts.K, time.Unix(0, sc.now), a.ropts)
}

// click walks the carousel in the cascade model and returns the clicked
// position, -1 for none; every shown product counts for coverage.
func (a *adSim) click(sc *slotCtx, si int, us *ustate, ac *sacc) int {
	r := a.r
	clicked := -1
	for p, it := range a.ids {
		ac.shown++
		if !r.prods[it].InStock {
			ac.oos++
		}
		a.covered[si][it] = true
		if clicked >= 0 {
			continue
		}
		pr := a.clickProb(sc, us, p, it)
		if a.uClick[p] < pr {
			clicked = p
		}
	}
	return clicked
}

// clickProb is the true probability that the shopper clicks product it at
// position p if the cascade reaches it: PositionDecay^p · ClickBase ·
// (relevance + intent boost) · Fatigue^(earlier impressions of it), a
// tenth for products already bought. With drift the intent of a view or
// cart fades as the taste moves on (world.fade).
func (a *adSim) clickProb(sc *slotCtx, us *ustate, p int, it int32) float64 {
	ads := &a.r.opts.Ads
	boost := 0.0
	mult := 1.0
	if is := sc.items[it]; is != nil {
		switch {
		case is.bought:
			mult = 0.1
		case is.lastCart > 0 && sc.now-is.lastCart <= a.lookback:
			boost = ads.CartBoost * a.r.w.fade(sc.now-is.lastCart)
		case is.lastView > 0 && sc.now-is.lastView <= a.lookback:
			boost = ads.ViewBoost * a.r.w.fade(sc.now-is.lastView)
		}
	}
	return math.Pow(ads.PositionDecay, float64(p)) * ads.ClickBase * (sc.rel(it) + boost) * mult *
		math.Pow(ads.Fatigue, float64(us.shown.get(it)))
}

// converts decides whether a click on product it converts: the cold CVR
// scaled by fit, or the viewed / cart-abandoner CVR, against the slot's
// conversion draw; out-of-stock products never convert.
func (a *adSim) converts(sc *slotCtx, it int32) bool {
	ads := &a.r.opts.Ads
	cvr := ads.CVR * (0.5 + sc.rel(it))
	if is := sc.items[it]; is != nil && !is.bought {
		switch {
		case is.lastCart > 0 && sc.now-is.lastCart <= a.lookback:
			cvr = ads.CartCVR
		case is.lastView > 0 && sc.now-is.lastView <= a.lookback:
			cvr = ads.ViewedCVR
		}
	}
	return a.r.prods[it].InStock && sc.uConv < cvr
}

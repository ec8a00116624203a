package sim

import (
	"math"
	"math/rand/v2"
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
	// boot, when set, receives each shopper's sums per strategy (bx).
	boot *synthBoot
	bx   [][nBoot]int64
}

// ustate is one strategy's state for the current shopper.
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
	recent := 0
	for _, dd := range us.impDays {
		if dd > sc.d-ads.CapDays {
			recent++
		}
	}
	if recent >= ads.Cap || sc.uShow >= math.Pow(ads.ShowDecay, float64(us.nonclick)) {
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
	if us.shown == nil {
		us.shown = map[int32]int{}
	}
	a.ids = a.ids[:0]
	for _, rc := range recs {
		a.ids = append(a.ids, r.w.byID[rc.ItemID])
	}
	clicked := a.click(sc, si, us, ac)
	for _, it := range a.ids {
		us.shown[it]++
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

// carousel ranks the strategy's K products for the slot. retarget, similar
// and crosssell depend only on the history inside the lookback (and the
// model): when neither changed since the last slot, the carousel is the
// same, so it is reused instead of recomputed. A ranking error shows no ad.
func (a *adSim) carousel(sc *slotCtx, st rank.Strategy, us *ustate) []rank.Rec {
	h := rank.History{UserID: sc.uid, Events: a.hist[:sc.consumed]}
	if len(us.bought) > 0 {
		a.hbuf = append(append(a.hbuf[:0], a.hist[:sc.consumed]...), us.bought...)
		h.Events = a.hbuf
	}
	memoable := st == rank.Retarget || st == rank.Similar || st == rank.CrossSell || st == rank.SessionKNN
	key := [4]int{sc.mi, sc.consumed, len(us.bought), sc.lbIdx}
	if memoable && us.memoOK && us.memoKey == key {
		return us.memo
	}
	recs, err := a.r.models[sc.mi].Recommend(h, st, a.r.opts.K, time.Unix(0, sc.now), a.ropts)
	if err != nil {
		return nil
	}
	if memoable {
		us.memo, us.memoKey, us.memoOK = recs, key, true
	}
	return recs
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
		math.Pow(ads.Fatigue, float64(us.shown[it]))
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

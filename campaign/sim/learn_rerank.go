package sim

import (
	"math"
	"sort"
	"time"

	"github.com/dpa-tools/dpa/campaign/bandit"
)

// Rerank is the name of the learned strategy's own carousel among its
// actions (the impressions log's action and ps_ column, the report's arms).
const Rerank = "rerank"

// The learned strategy's product-level learner. Choosing among whole
// fixed carousels cannot beat the best of them where that one is best on
// every segment and day (the report's segment_arm_ctr showed auto leading
// everywhere, drift or not); the carousel the shopper sees has to be
// built from the products themselves. The learner pools the candidates of
// every arm (the union of their carousels for the slot) and ranks them by
// a click model of the product's features (bandit.Factors) learned from
// every served impression: position, segment, category, the shopper's
// intent on the product and its recency, how often the shopper was shown
// it, and which arm proposed it at which rank. When tastes drift the
// category factors follow the clicks (discounted evidence), which no fixed
// ranking does; fatigue and the fading intent of old views are learned
// the same way.
//
// Feature groups of the item model, in order.
const (
	fPos = iota
	fSeg
	fCat
	fIntent
	fFatigue
	fSource
	fCatAff
	fBrandAff
	nFeat
)

const (
	nIntent   = 8 // none; viewed ≤2, ≤7, older days; carted likewise; bought
	nFatigue  = 6 // shown 0 … 4, 5 or more times before
	nSrcRank  = 3 // the proposing arm's rank 1–3, 4–6, 7 or lower
	nCatAff   = 4 // the shopper's recency-weighted events in the category: none, <1, <3, more
	nBrandAff = 3 // the same for the brand: none, <1.5, more
	// affinityHalfLife is the half-life of an organic event's weight in
	// the shopper's category and brand affinities: a week, so that the
	// affinities follow a shopper whose taste moves.
	affinityHalfLife = 7 * 24 * time.Hour
)

// fobs is one examined product of a served carousel, for the item model.
type fobs struct {
	lv    [nFeat]int32
	click bool
}

// newItemModel sizes the item model's groups for the run.
func (l *learnRun) newItemModel() *bandit.Factors {
	lv := make([]int, nFeat)
	lv[fPos] = l.r.opts.K
	lv[fSeg] = len(Segments)
	lv[fCat] = len(l.r.w.catItems)
	lv[fIntent] = nIntent
	lv[fFatigue] = nFatigue
	lv[fSource] = len(l.lo.Arms) * nSrcRank
	lv[fCatAff] = nCatAff
	lv[fBrandAff] = nBrandAff
	return bandit.NewFactors(lv, bandit.FactorOptions{Discount: l.lo.Discount})
}

// intentLevel is what the shopper did with the product, as the click
// model's boosts see it (bought, carted, viewed inside the lookback) with
// its age: the learner cannot know how intent fades, so it learns a
// factor per recency band.
func (a *adSim) intentLevel(sc *slotCtx, it int32) int32 {
	is := sc.items[it]
	if is == nil {
		return 0
	}
	band := func(t int64) int32 {
		switch age := sc.now - t; {
		case age <= int64(2*24*time.Hour):
			return 0
		case age <= int64(7*24*time.Hour):
			return 1
		}
		return 2
	}
	switch {
	case is.bought:
		return 7
	case is.lastCart > 0 && sc.now-is.lastCart <= a.lookback:
		return 4 + band(is.lastCart)
	case is.lastView > 0 && sc.now-is.lastView <= a.lookback:
		return 1 + band(is.lastView)
	}
	return 0
}

// candidate is one product of the union of the arms' carousels.
type candidate struct {
	it    int32
	lv    [nFeat]int32
	score float64
}

// candidates fills a.cands with the union of the available arms'
// carousels in arm order, each product with its features: the first arm
// that proposes it is its source.
func (l *learnRun) candidates(a *adSim, sc *slotCtx, us *ustate, seg int, recs [][]int32, evs []oev) {
	a.cands = a.cands[:0]
	l.affinities(a, sc, evs)
	for k, ids := range recs {
		for p, it := range ids {
			if a.candIndex(it) >= 0 {
				continue
			}
			c := candidate{it: it}
			c.lv[fSeg] = int32(seg)
			c.lv[fCat] = l.r.w.cat[it]
			c.lv[fIntent] = a.intentLevel(sc, it)
			c.lv[fFatigue] = int32(min(us.shown.get(it), nFatigue-1))
			c.lv[fSource] = int32(k*nSrcRank + min(p/3, nSrcRank-1))
			c.lv[fCatAff] = level(weightOf(a.catAff, l.r.w.cat[it]), 0.25, 1, 3)
			c.lv[fBrandAff] = level(weightOf(a.brandAff, l.r.w.brand[it]), 0.25, 1.5)
			a.cands = append(a.cands, c)
		}
	}
}

func (a *adSim) candIndex(it int32) int {
	for i := range a.cands {
		if a.cands[i].it == it {
			return i
		}
	}
	return -1
}

// rerank is the learner's carousel: the K candidates with the highest
// click factor under the day's draw of the item model, best first (in the
// cascade the first positions are examined most). Ties keep arm order.
func (l *learnRun) rerank(a *adSim, buf []int32) []int32 {
	for i := range a.cands {
		a.cands[i].score = l.items.Score(a.cands[i].lv[:], fPos)
	}
	order := a.order[:0]
	for i := range a.cands {
		order = append(order, i)
	}
	sort.SliceStable(order, func(x, y int) bool { return a.cands[order[x]].score > a.cands[order[y]].score })
	a.order = order
	buf = buf[:0]
	for _, i := range order[:min(len(order), l.r.opts.K)] {
		buf = append(buf, a.cands[i].it)
	}
	return buf
}

// unionOracle is the true click probability of the best carousel the
// candidates allow: sorted by each product's true click probability at
// the first position (the cascade's best order), with creative effect eff.
func (a *adSim) unionOracle(sc *slotCtx, us *ustate, eff float64) float64 {
	order := a.order[:0]
	for i := range a.cands {
		a.cands[i].score = a.clickProb(sc, us, 0, a.cands[i].it)
		order = append(order, i)
	}
	sort.SliceStable(order, func(x, y int) bool { return a.cands[order[x]].score > a.cands[order[y]].score })
	a.order = order
	ids := a.oracleIDs[:0]
	for _, i := range order[:min(len(order), a.r.opts.K)] {
		ids = append(ids, a.cands[i].it)
	}
	a.oracleIDs = ids
	return a.slateProb(sc, us, ids, eff)
}

// observe records the examined products of the served carousel for the
// item model: in the cascade every position up to the click (all when
// none) was examined.
func (a *adSim) observeItems(out *learnShard, clicked int) {
	last := len(a.ids) - 1
	if clicked >= 0 {
		last = clicked
	}
	for p := 0; p <= last; p++ {
		i := a.candIndex(a.ids[p])
		if i < 0 {
			continue
		}
		o := fobs{lv: a.cands[i].lv, click: p == clicked}
		o.lv[fPos] = int32(p)
		out.obs = append(out.obs, o)
	}
}

// affinity is a recency-weighted count of the shopper's organic events in
// one category or brand.
type affinity struct {
	key int32
	w   float64
}

// affinities sums the shopper's organic events before the slot per
// category and per brand, each weighted 2^(−age / half-life): what the
// shopper has been looking at lately, from the same history every
// strategy ranks from.
func (l *learnRun) affinities(a *adSim, sc *slotCtx, evs []oev) {
	a.catAff, a.brandAff = a.catAff[:0], a.brandAff[:0]
	w := l.r.w
	for _, e := range evs[:sc.consumed] {
		x := math.Exp2(-float64(sc.now-e.t) / float64(affinityHalfLife))
		a.catAff = addAffinity(a.catAff, w.cat[e.item], x)
		a.brandAff = addAffinity(a.brandAff, w.brand[e.item], x)
	}
}

func addAffinity(s []affinity, key int32, x float64) []affinity {
	for i := range s {
		if s[i].key == key {
			s[i].w += x
			return s
		}
	}
	return append(s, affinity{key: key, w: x})
}

func weightOf(s []affinity, key int32) float64 {
	for i := range s {
		if s[i].key == key {
			return s[i].w
		}
	}
	return 0
}

// level is the number of thresholds x reaches.
func level(x float64, thresholds ...float64) int32 {
	n := int32(0)
	for _, t := range thresholds {
		if x >= t {
			n++
		}
	}
	return n
}

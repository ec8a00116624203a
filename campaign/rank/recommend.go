package rank

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Strategy names a ranking strategy.
type Strategy string

// Strategy names. retargeting, cross_sell and upsell are campaign.yaml's
// ad set types (campaign.AdSetTypes); the old names are aliases (see
// ParseStrategy).
const (
	Retarget    Strategy = "retargeting"
	CrossSell   Strategy = "cross_sell"
	Similar     Strategy = "similar"
	SessionKNN  Strategy = "session_knn"
	Upsell      Strategy = "upsell"
	Popular     Strategy = "popular"
	Bestsellers Strategy = "bestsellers"
	Trending    Strategy = "trending"
	Random      Strategy = "random"
	Auto        Strategy = "auto"
)

// strategies lists every strategy in report order.
var strategies = []Strategy{Retarget, CrossSell, Similar, SessionKNN, Upsell, Popular, Bestsellers, Trending, Random, Auto}

// prospecting strategies need no history of the user; they are the only
// ones a replay scores for cold users.
var prospecting = []Strategy{Popular, Bestsellers, Trending, Random, Auto}

// IsProspecting reports whether s needs no history of the user.
func (s Strategy) IsProspecting() bool { return slices.Contains(prospecting, s) }

// Strategies returns every strategy in report order (a copy: the caller may
// edit it).
func Strategies() []Strategy { return slices.Clone(strategies) }

// StrategyNames is Strategies as strings, for help texts and completion.
func StrategyNames() []string {
	out := make([]string, len(strategies))
	for i, s := range strategies {
		out[i] = string(s)
	}
	return out
}

// strategyAliases maps cleaned names (lower case, no "-", "_" or space)
// to strategies: the names before campaign.yaml's vocabulary was adopted
// (retarget, crosssell), campaign.yaml's prospecting (a broad audience:
// the popular list) and the literature's names.
var strategyAliases = map[string]Strategy{
	"retarget": Retarget, "remarketing": Retarget,
	"crosssell": CrossSell, "cross": CrossSell,
	"bestseller": Bestsellers, "best": Bestsellers,
	"pop": Popular, "popularity": Popular, "prospecting": Popular,
	"sknn": SessionKNN, "vsknn": SessionKNN, "knn": SessionKNN,
}

// ParseStrategy normalises a strategy name ("cross-sell" -> "cross_sell",
// "retarget" -> "retargeting").
func ParseStrategy(s string) (Strategy, error) {
	for _, st := range strategies {
		if string(st) == s {
			return st, nil
		}
	}
	n := strings.ToLower(nameCleaner.Replace(s))
	if st, ok := strategyAliases[n]; ok {
		return st, nil
	}
	for _, st := range strategies {
		if nameCleaner.Replace(string(st)) == n {
			return st, nil
		}
	}
	return "", fmt.Errorf("rank: unknown strategy %q (one of %s)", s, strings.Join(StrategyNames(), ", "))
}

var nameCleaner = strings.NewReplacer("-", "", "_", "", " ", "")

// strset is a small string set: a slice while small (the usual case: a
// carousel of k items, a few purchases), a map beyond 32 entries.
type strset struct {
	s []string
	m map[string]bool
}

func (x *strset) has(v string) bool {
	if x.m != nil {
		return x.m[v]
	}
	for _, e := range x.s {
		if e == v {
			return true
		}
	}
	return false
}

func (x *strset) add(v string) {
	if x.has(v) {
		return
	}
	if x.m != nil {
		x.m[v] = true
		return
	}
	x.s = append(x.s, v)
	if len(x.s) > 32 {
		x.m = make(map[string]bool, 64)
		for _, e := range x.s {
			x.m[e] = true
		}
	}
}

func (x *strset) reset() { x.s, x.m = x.s[:0], nil }

// Event is one interaction of the user being ranked for.
type Event struct {
	ItemID string
	Kind   Kind
	Time   time.Time
}

// History is what is known about one user (or session). Events may be in
// any order; events after the ranking time are ignored.
type History struct {
	UserID string
	Events []Event
}

// Rec is one recommended item.
type Rec struct {
	ItemID   string   `json:"item_id"`
	Score    float64  `json:"score"`
	Reason   string   `json:"reason,omitempty"`
	Strategy Strategy `json:"strategy"`
	// Stage numbers the list the item came from, from 1: a carousel is
	// filled list by list (auto: retargeting, then similar, then
	// trending …; cross_sell: bought together, then viewed together), each
	// in order of its own Score. The order's basis is (Stage, −Score);
	// scores of different stages are on different scales.
	Stage int `json:"stage"`
}

// Options are the eligibility filters and strategy parameters. The zero
// value applies the defaults: 14-day lookback, 30-day popularity window,
// 7-day trending half-life, in-stock only, purchased products excluded,
// one item per item group.
type Options struct {
	// Lookback bounds the history retarget, crosssell, similar and upsell
	// use (default 14 days).
	Lookback time.Duration
	// Window is the popular/bestsellers counting window (default 30 days).
	Window time.Duration
	// HalfLife is the trending decay half-life (default 7 days).
	HalfLife time.Duration
	// Catalog, when set, restricts recommendations to its products and
	// supplies stock, groups, categories and prices.
	Catalog *Catalog
	// AllowOutOfStock disables the in-stock filter.
	AllowOutOfStock bool
	// ProductSet keeps only products it accepts (the export's product-set
	// rule). Without a catalog it sees Product{ID: id} only.
	ProductSet func(Product) bool
	// KeepPurchased disables the per-product purchase exclusion (a product
	// the user bought is otherwise never shown to them again).
	KeepPurchased bool
	// AllowSameGroup disables the one-item-per-item-group rule.
	AllowSameGroup bool
	// Cap, when set, is asked before an item is added; returning true
	// skips it (the simulator's frequency cap).
	Cap func(itemID string) bool
	// Seed drives the random strategy.
	Seed uint64
	// UpsellBand is the highest upsell price as a multiple of the seed
	// product's price (default 1.5, i.e. up to 50% dearer).
	UpsellBand float64
	// NoReasons skips building reason strings (faster replays).
	NoReasons bool
	// GlobalAt, when set, is the time the popular, bestsellers and
	// trending lists are computed at (default: the ranking time). A replay
	// fixes it at the split so every test case shares one list.
	GlobalAt time.Time
}

func (o *Options) defaults() {
	if o.Lookback <= 0 {
		o.Lookback = 14 * 24 * time.Hour
	}
	if o.Window <= 0 {
		o.Window = 30 * 24 * time.Hour
	}
	if o.HalfLife <= 0 {
		o.HalfLife = 7 * 24 * time.Hour
	}
	if o.UpsellBand <= 1 {
		o.UpsellBand = 1.5
	}
}

const idxUnknown = -2 // model index not looked up yet (only seeds need it)

type hev struct {
	id   string
	idx  int32 // model index, -1 when not in the model
	kind Kind
	t    int64
}

type run struct {
	m         *Model
	o         *Options
	k         int
	now       int64
	user      string
	hist      []hev // time order, t <= now
	purchased itemSet
	taken     itemSet
	groups    strset
	exclude   itemSet
	exGroups  strset
	out       []Rec
	outIdx    []int32 // model index of each out rec, -1 when not in the model
	stage     int     // the list being offered (Rec.Stage)
	// seedList caches seeds' full lists (without and with buyFirst) for
	// the history and the lookback they were computed with: every call
	// returns a prefix of them.
	seedList [2]seedCache
	sc       *scratch // the Ranker's scratch; nil: the Model's pool
	// allSeeds' and retarget's working memory.
	seedSeen, seedIsBuy itemSet
	seedBuys, seedViews []hev
	rtCands             []rtCand
	rtIndex             map[string]int32
}

type seedCache struct {
	ok       bool
	lookback time.Duration
	list     []hev
}

// Recommend returns up to k items for the user as of now, best first.
// strategy is one of strategies.
func (m *Model) Recommend(h History, strategy Strategy, k int, now time.Time, opts Options) ([]Rec, error) {
	st, err := ParseStrategy(string(strategy))
	if err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	opts.defaults()
	r := m.newRun(h, k, now, &opts)
	r.dispatch(st)
	return r.out, nil
}

func (r *run) dispatch(st Strategy) {
	switch st {
	case Retarget:
		r.retarget()
	case CrossSell:
		r.crosssell()
	case Similar:
		r.similar()
	case SessionKNN:
		r.sessionKNN()
	case Upsell:
		r.upsell()
	case Popular:
		r.global(Popular)
	case Bestsellers:
		r.global(Bestsellers)
	case Trending:
		r.global(Trending)
	case Random:
		r.random()
	case Auto:
		r.auto()
	}
}

// Segment names the auto router's audience for a history:
// "cart_abandoner", "viewer", "buyer" or "new".
func (m *Model) Segment(h History, now time.Time, opts Options) string {
	opts.defaults()
	return m.newRun(h, 1, now, &opts).segment()
}

func (m *Model) newRun(h History, k int, now time.Time, o *Options) *run {
	r := &run{m: m, o: o, k: k, now: now.UnixNano(), user: h.UserID,
		hist: make([]hev, 0, len(h.Events)), out: make([]Rec, 0, min(k, 64))}
	r.taken.s = make([]int32, 0, min(k, 32))
	r.groups.s = make([]string, 0, min(k, 32))
	r.setHistory(h)
	return r
}

// setHistory fills hist and purchased from h as of r.now.
func (r *run) setHistory(h History) {
	sorted := true
	for i, e := range h.Events {
		t := e.Time.UnixNano()
		if t > r.now || e.ItemID == "" {
			continue
		}
		if e.Kind == KindPurchase {
			r.purchased.add(r.m.resolve(idxUnknown, e.ItemID), e.ItemID)
		}
		if i > 0 && len(r.hist) > 0 && t < r.hist[len(r.hist)-1].t {
			sorted = false
		}
		r.hist = append(r.hist, hev{id: e.ItemID, idx: idxUnknown, kind: e.Kind, t: t})
	}
	if !sorted {
		sort.SliceStable(r.hist, func(i, j int) bool { return r.hist[i].t < r.hist[j].t })
	}
}

// A Ranker ranks one history after another with the same Model, reusing
// its memory (run state, scratch, the history's conversion and seeds
// across the strategies ranked for one history): the replay's per-case
// path. It gives exactly Model.Recommend's lists. Not safe for concurrent
// use; use one per goroutine.
type Ranker struct {
	r  run
	sc scratch
	o  Options
}

// NewRanker returns a Ranker for m.
func (m *Model) NewRanker() *Ranker {
	k := &Ranker{}
	k.r.m = m
	k.r.sc = &k.sc
	return k
}

// SetHistory fixes the history and ranking time of the following Rank
// calls; h is read here only.
func (k *Ranker) SetHistory(h History, now time.Time) {
	r := &k.r
	r.now, r.user = now.UnixNano(), h.UserID
	r.hist = r.hist[:0]
	r.purchased.reset()
	r.seedList[0].ok, r.seedList[1].ok = false, false
	r.setHistory(h)
}

// SetUser is SetHistory(m.History(userID), now) for the model's user u
// (UserIndex(userID)), without building the History: the events come
// from the model's columns with their model indices, which the
// strategies would otherwise look up by id.
func (k *Ranker) SetUser(userID string, u int32, now time.Time) {
	r := &k.r
	r.now, r.user = now.UnixNano(), userID
	r.hist = r.hist[:0]
	r.purchased.reset()
	r.seedList[0].ok, r.seedList[1].ok = false, false
	m := r.m
	sorted := true
	for i := m.ustart[u]; i < m.ustart[u+1]; i++ {
		t, it, kind := m.ixs.t[i], m.ixs.item[i], m.ixs.kind[i]
		id := m.itemIDs[it]
		if t > r.now || id == "" {
			continue
		}
		if kind == KindPurchase {
			r.purchased.add(it, id)
		}
		if len(r.hist) > 0 && t < r.hist[len(r.hist)-1].t {
			sorted = false
		}
		r.hist = append(r.hist, hev{id: id, idx: it, kind: kind, t: t})
	}
	if !sorted { // as setHistory (the model keeps each user's in time order)
		sort.SliceStable(r.hist, func(i, j int) bool { return r.hist[i].t < r.hist[j].t })
	}
}

// Indices returns the model index of each rec of the last Rank (-1 for an
// item the model lacks); valid until the next call.
func (k *Ranker) Indices() []int32 { return k.r.outIdx }

// Rank is Model.Recommend for the history of the last SetHistory. The
// returned slice is valid until the next call.
func (k *Ranker) Rank(strategy Strategy, n int, opts Options) ([]Rec, error) {
	st, err := ParseStrategy(string(strategy))
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	k.o = opts
	k.o.defaults()
	r := &k.r
	r.o, r.k, r.stage = &k.o, n, 0
	r.out, r.outIdx = r.out[:0], r.outIdx[:0]
	r.taken.reset()
	r.groups.reset()
	r.exclude.reset()
	r.exGroups.reset()
	r.dispatch(st)
	return r.out, nil
}

func (r *run) scratch() *scratch {
	if r.sc != nil {
		return r.sc
	}
	return r.m.scratch.Get().(*scratch)
}

func (r *run) release(sc *scratch) {
	if r.sc == nil {
		r.m.scratch.Put(sc)
	}
}

func (r *run) full() bool { return len(r.out) >= r.k }

// offer adds id, whose model index is idx (or idxUnknown), when it passes
// every eligibility filter.
func (r *run) offer(idx int32, id string, score float64, strategy Strategy, reason func() string) bool {
	if r.full() {
		return false
	}
	idx = r.m.resolve(idx, id)
	if r.taken.has(idx, id) || r.exclude.has(idx, id) {
		return false
	}
	group := id
	o := r.o
	if o.Catalog != nil {
		p, ok := o.Catalog.Get(id)
		if !ok || (!p.InStock && !o.AllowOutOfStock) || (o.ProductSet != nil && !o.ProductSet(*p)) {
			return false
		}
		group = p.Group()
	} else if o.ProductSet != nil && !o.ProductSet(Product{ID: id, InStock: true}) {
		return false
	}
	if !o.KeepPurchased && r.purchased.has(idx, id) {
		return false
	}
	// Without a catalog an item's group is its id: groups holds exactly
	// taken's ids and exGroups exclude's, both checked above.
	if o.Catalog != nil && (r.exGroups.has(group) || (!o.AllowSameGroup && r.groups.has(group))) {
		return false
	}
	if o.Cap != nil && o.Cap(id) {
		return false
	}
	r.taken.add(idx, id)
	if o.Catalog != nil {
		r.groups.add(group)
	}
	rec := Rec{ItemID: id, Score: score, Strategy: strategy, Stage: r.stage}
	if !o.NoReasons && reason != nil {
		rec.Reason = reason()
	}
	r.out = append(r.out, rec)
	r.outIdx = append(r.outIdx, idx)
	return true
}

func (r *run) groupOf(id string) string {
	if p, ok := r.o.Catalog.Get(id); ok {
		return p.Group()
	}
	return id
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	default:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func intent(k Kind) int {
	switch k {
	case KindView:
		return 1
	case KindCart:
		return 2
	case KindCheckout:
		return 3
	}
	return 0
}

// retarget: items viewed, carted or in checkout within the lookback and not
// purchased. score = intent + recency, intent view 1 < cart 2 < checkout 3,
// recency = 1 - age/lookback of the latest interaction, so any cart ranks
// above any view and newer above older within a level.
func (r *run) retarget() {
	from := r.now - int64(r.o.Lookback)
	if r.rtIndex == nil {
		r.rtIndex = map[string]int32{}
	} else {
		clear(r.rtIndex)
	}
	cands := r.rtCands[:0]
	for _, e := range r.hist {
		in := intent(e.kind)
		if in == 0 || e.t < from {
			continue
		}
		ci, ok := r.rtIndex[e.id]
		if !ok {
			ci = int32(len(cands))
			r.rtIndex[e.id] = ci
			cands = append(cands, rtCand{id: e.id, idx: e.idx})
		}
		c := &cands[ci]
		c.n++
		c.last = max(c.last, e.t)
		if in > c.intent {
			c.intent, c.intentAt = in, e.t
		} else if in == c.intent {
			c.intentAt = max(c.intentAt, e.t)
		}
	}
	r.rtCands = cands
	lb := float64(r.o.Lookback)
	for i := range cands {
		c := &cands[i]
		c.score = float64(c.intent) + 1 - float64(r.now-c.last)/lb
	}
	// ids are distinct: a total order, so any sort gives one result.
	slices.SortFunc(cands, func(a, b rtCand) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return strings.Compare(a.id, b.id)
	})
	r.stage++
	for i := range cands {
		if r.full() {
			return
		}
		c := &cands[i]
		r.offer(c.idx, c.id, c.score, Retarget, func() string {
			a := ago(time.Duration(r.now - c.intentAt))
			switch c.intent {
			case 3:
				return "started checkout " + a
			case 2:
				return "added to cart " + a
			}
			if c.n > 1 {
				return "viewed " + strconv.Itoa(c.n) + " times, last " + ago(time.Duration(r.now-c.last))
			}
			return "viewed " + a
		})
	}
}

// rtCand is one retargeting candidate.
type rtCand struct {
	id       string
	idx      int32 // model index or idxUnknown
	intent   int
	last     int64 // latest interaction
	intentAt int64 // latest interaction at the top intent level
	n        int   // interactions
	score    float64
}

// seeds returns the distinct history items in the lookback, most recent
// first; with buyFirst, carted/purchased items come before viewed ones.
//
// The full lists are computed once per history and lookback (seedList);
// a call returns a prefix, capacity-capped so that callers cannot append
// into the cache.
func (r *run) seeds(buyFirst bool, maxN int) []hev {
	c := &r.seedList[0]
	if buyFirst {
		c = &r.seedList[1]
	}
	if !c.ok || c.lookback != r.o.Lookback {
		c.list = r.allSeeds(buyFirst, c.list[:0])
		c.ok, c.lookback = true, r.o.Lookback
	}
	n := min(len(c.list), maxN)
	return c.list[:n:n]
}

// allSeeds appends seeds' full list to out.
func (r *run) allSeeds(buyFirst bool, out []hev) []hev {
	from := r.now - int64(r.o.Lookback)
	seen := &r.seedSeen
	seen.reset()
	buys, views := r.seedBuys[:0], r.seedViews[:0]
	defer func() { r.seedBuys, r.seedViews = buys[:0], views[:0] }()
	for i := len(r.hist) - 1; i >= 0; i-- {
		e := r.hist[i]
		if e.t < from {
			break
		}
		if e.kind == KindSearch {
			continue
		}
		e.idx = r.idxAt(i)
		if seen.has(e.idx, e.id) {
			continue
		}
		seen.add(e.idx, e.id)
		if buyFirst && e.kind >= KindCart {
			buys = append(buys, e)
		} else {
			views = append(views, e)
		}
	}
	// An item carted then viewed again counts as a buy seed.
	if buyFirst {
		from := r.now - int64(r.o.Lookback)
		isBuy := &r.seedIsBuy
		isBuy.reset()
		for i, e := range r.hist {
			if e.t >= from && e.kind >= KindCart {
				isBuy.add(r.idxAt(i), e.id)
			}
		}
		v2 := views[:0] // in place: v2 never passes the views read
		for _, e := range views {
			if isBuy.has(e.idx, e.id) {
				buys = append(buys, e)
			} else {
				v2 = append(v2, e)
			}
		}
		views = v2
	}
	out = append(out, buys...)
	return append(out, views...)
}

type scoredItem struct {
	score float64
	byV   float32 // weighted contribution of the seed contributing most
	byS   float32 // its similarity
	idx   int32
	by    int32 // that seed
}

// spread accumulates Σ_s w_s · sim(s, j) over the seeds' neighbours in g,
// with w_s = 1/(1+rank of s), and returns the candidates unsorted.
func (r *run) spread(sc *scratch, g *graph, seeds []hev) []scoredItem {
	if len(sc.pos) < len(r.m.itemIDs) {
		sc.pos = make([]int32, len(r.m.itemIDs))
	}
	// Each seed contributes its best neighbours only: a neighbour outside
	// a seed's top 2k+20 rarely reaches the carousel, and the bound keeps a
	// call at O(seeds · k).
	perSeed := 2*r.k + 20
	out := sc.buf[:0]
	// The seeds' lists lie scattered: their headers, then their first
	// neighbours, are read in loops of independent loads that the CPU
	// overlaps, instead of a cache miss at the start of each seed's loop.
	lists := sc.lists[:0]
	for _, s := range seeds {
		nbs := g.of(s.idx)
		lists = append(lists, nbs[:min(len(nbs), perSeed)])
	}
	sc.lists = lists
	var touch int32
	for _, nbs := range lists {
		if len(nbs) > 0 {
			touch += nbs[0].item + nbs[len(nbs)-1].item
		}
	}
	sc.touch += touch
	for rank, s := range seeds {
		if s.idx < 0 {
			continue
		}
		w := 1 / float64(1+rank)
		for _, nb := range lists[rank] {
			p := sc.pos[nb.item]
			if p == 0 {
				out = append(out, scoredItem{idx: nb.item, by: -1})
				p = int32(len(out))
				sc.pos[nb.item] = p
			}
			c := &out[p-1]
			v := w * float64(nb.score)
			c.score += v
			if float32(v) > c.byV || (float32(v) == c.byV && s.idx < c.by) {
				c.by, c.byV, c.byS = s.idx, float32(v), nb.score
			}
		}
	}
	for _, c := range out {
		sc.pos[c.idx] = 0
	}
	sc.buf = out
	return out
}

// scratch is per-call working memory, pooled on the Model.
type scratch struct {
	pos    []int32 // item -> 1 + position in buf, 0 when absent
	buf    []scoredItem
	w      []float32 // sknn: item -> weight in the history, 0 when absent
	slots  slotTable // sknn: session -> 1 + position in cand
	cand   []sessSim
	masks  []uint32  // sknn: per candidate, the seeds whose sample held it
	cuts   []uint32  // sknn: per candidate, the seeds sampled above it (cutMasks)
	others []int32   // sknn: the candidates with bounds (sknnSims)
	lb     []float64 // sknn: per such candidate, bounds of its similarity
	ub     []float64
	sel    []float64
	rsel   []float64     // ranked's scores
	top    []scoredItem  // ranked's head
	rest   []scoredItem  // ranked's candidates after the head
	tsel   []float64     // topSessions' similarities
	tkeys  []keyedSess   // topSessions' sort keys
	tkv    []uint64      // topSessions' keys alone, for their selection
	mix    []scoredItem  // blend's candidates
	mpos   []int32       // item -> 1 + position in mix
	spans  [][2]int32    // sknnVotes: the neighbours' item ranges
	touch  int32         // sknnVotes, spread: keeps their prefetching loads
	lists  [][]neighbour // spread: the seeds' neighbours
	// sknn's last result and the seed indices it was computed for.
	knnKey   []int32
	knnOut   []scoredItem
	knnValid bool
	// blend's last result and what it was computed for.
	blendSeeds []int32
	blendKey   blendKey
	blendOut   []scoredItem
	blendValid bool
}

func cmpScored(a, b scoredItem) int {
	switch {
	case a.score > b.score:
		return -1
	case a.score < b.score:
		return 1
	case a.idx < b.idx:
		return -1
	case a.idx > b.idx:
		return 1
	}
	return 0
}

// ranked calls fn on the candidates best first until the run is full,
// leaving cands as they are (sknn and blend hand out their memos). Long
// lists are not sorted: the head-th best score is found by a quickselect
// over a copy of the scores alone, the candidates scoring at least that
// much (the head, with any ties) are copied out, cut to the head by the
// total order (score desc, index asc) when ties overflow it, sorted and
// offered; the others are gathered and sorted only if the head runs out.
// The order is total, so fn sees exactly the full sort's prefix.
func (r *run) ranked(sc *scratch, cands []scoredItem, fn func(c scoredItem)) {
	r.stage++
	each := func(list []scoredItem) {
		for _, c := range list {
			if r.full() {
				return
			}
			fn(c)
		}
	}
	head := 2*r.k + 16
	top := sc.top[:0]
	if len(cands) <= head {
		top = append(top, cands...)
		sortScored(top)
		sc.top = top
		each(top)
		return
	}
	v := sc.rsel[:0]
	for _, c := range cands {
		v = append(v, c.score)
	}
	sc.rsel = v
	thr := kthLargest(v, head)
	for _, c := range cands {
		if c.score >= thr {
			top = append(top, c)
		}
	}
	if len(top) > head {
		// Ties at thr (equal vote sums are common) can hold hundreds.
		selectScored(top, head)
		top = top[:head]
	}
	sortScored(top)
	sc.top = top
	each(top)
	if r.full() {
		return
	}
	last := &top[len(top)-1]
	rest := sc.rest[:0]
	for i := range cands {
		if scoredBefore(last, &cands[i]) {
			rest = append(rest, cands[i])
		}
	}
	sc.rest = rest
	sortScored(rest)
	each(rest)
}

// maxSeeds bounds the history items similar and crosssell expand; with
// weights 1/(1+rank) the 11th item would weigh under 0.09.
const maxSeeds = 10

func (r *run) simName() string { return r.m.cfg.Similarity }

// crosssell: complements of the user's carted/purchased items from the
// co-purchase graph, then from the co-view graph. Seed items and their
// item groups are excluded.
func (r *run) crosssell() {
	seeds := r.seeds(true, maxSeeds)
	if len(seeds) == 0 {
		return
	}
	sc := r.scratch()
	defer r.release(sc)
	for _, s := range seeds {
		r.exclude.add(s.idx, s.id)
		r.exGroups.add(r.groupOf(s.id))
	}
	defer func() { r.exclude.reset(); r.exGroups.reset() }()
	for pass, g := range []*graph{r.m.coBuy, r.m.coView} {
		verb := "bought together with "
		if pass == 1 {
			verb = "viewed together with "
		}
		r.ranked(sc, r.spread(sc, g, seeds), func(c scoredItem) {
			r.offer(c.idx, r.m.itemIDs[c.idx], c.score, CrossSell, func() string {
				return verb + r.m.itemIDs[c.by] + ", " + r.simName() + " " + fmtScore(float64(c.byS))
			})
		})
		if r.full() {
			return
		}
	}
}

// similar: items that sessions like this one went on to view, never the
// history's own items: the votes of the most similar training sessions
// (sknn) plus, at weight similarGraphWeight, the co-view neighbours of the
// most recent items. Both signals are scaled to a maximum of 1.
//
// The weight, and sknn's parameters, were chosen on a validation split
// carved from the training window of the YooChoose sample (train on the
// days before 2014-04-06 00:45, validate on the sessions of the last
// training day; the test window was not used): hit rate@20 .2964 for
// sknn alone, .2971 at 0.3, .2964 at 1, with --similarity conditional.
func (r *run) similar() {
	hist := r.seeds(false, math.MaxInt32)
	if len(hist) == 0 {
		return
	}
	sc := r.scratch()
	defer r.release(sc)
	for _, s := range hist {
		r.exclude.add(s.idx, s.id)
	}
	defer func() { r.exclude.reset() }()
	last := hist[0].id
	r.ranked(sc, r.blend(sc, 1, similarGraphWeight, 0), func(c scoredItem) {
		s := c.score
		r.offer(c.idx, r.m.itemIDs[c.idx], s, Similar, func() string {
			return "viewed in sessions like this one and with " + last + " (" + r.simName() + ", score " + fmtScore(s) + ")"
		})
	})
}

// similarGraphWeight is the co-view graph's weight in similar's blend.
const similarGraphWeight = 0.3

func fmtScore(f float64) string {
	switch {
	case f >= 10:
		return strconv.FormatFloat(f, 'f', 1, 64)
	case f >= 1:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

// upsell: for the most recent viewed/carted products (up to 5), products of
// the same product type (else category) priced above the seed and at most
// UpsellBand times its price, most popular first (interactions in Window),
// then cheaper first. Needs a catalog.
func (r *run) upsell() {
	cat := r.o.Catalog
	if cat == nil {
		return
	}
	g := r.m.globals(r.globalAt(), r.o)
	for _, s := range r.seeds(true, 5) {
		p, ok := cat.Get(s.id)
		if !ok || p.Price <= 0 {
			continue
		}
		key := p.categoryKey()
		if key == "" {
			continue
		}
		type cand struct {
			ci  int
			pop float64
		}
		var cands []cand
		hi := p.Price * r.o.UpsellBand
		for _, ci := range cat.byCat[key] {
			q := &cat.products[ci]
			if q.Price > p.Price && q.Price <= hi && q.Group() != p.Group() {
				pop := 0.0
				if mi, ok := r.m.items[q.ID]; ok {
					pop = float64(g.count[mi])
				}
				cands = append(cands, cand{ci, pop})
			}
		}
		// byCat is ordered by price then id, so a stable sort by
		// popularity keeps cheaper first among equals.
		sort.SliceStable(cands, func(a, b int) bool { return cands[a].pop > cands[b].pop })
		r.stage++
		seed := p
		for _, c := range cands {
			if r.full() {
				return
			}
			q := &cat.products[c.ci]
			r.offer(idxUnknown, q.ID, c.pop, Upsell, func() string {
				return fmt.Sprintf("upsell for %s: same category, %.2f vs %.2f", seed.ID, q.Price, seed.Price)
			})
		}
	}
}

// global walks a non-personalised list.
func (r *run) globalAt() int64 {
	if !r.o.GlobalAt.IsZero() {
		return r.o.GlobalAt.UnixNano()
	}
	return r.now
}

func (r *run) global(name Strategy) {
	r.stage++
	g := r.m.globals(r.globalAt(), r.o)
	list, scores := g.popular, g.countF
	label := func(s float64) string {
		// Labels do not repeat the strategy's name: the strategy column
		// (or auto's "name: " prefix) carries it.
		return strconv.Itoa(int(s)) + " interactions in " + days(r.o.Window)
	}
	switch name {
	case Bestsellers:
		if len(g.bestsellers) > 0 {
			list, scores = g.bestsellers, g.buysF
			label = func(s float64) string {
				return plural(int(s), "purchase") + " in " + days(r.o.Window)
			}
		} else {
			label = func(s float64) string {
				return "no purchases in " + days(r.o.Window) + ", so by interactions: " + strconv.Itoa(int(s))
			}
		}
	case Trending:
		list, scores = g.trending, g.trend
		label = func(s float64) string {
			return "decayed score " + fmtScore(s) + " (half-life " + days(r.o.HalfLife) + ")"
		}
	}
	for _, i := range list {
		if r.full() {
			return
		}
		s := scores[i]
		r.offer(i, r.m.itemIDs[i], s, name, func() string { return label(s) })
	}
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return plural(int(d/(24*time.Hour)), "day")
	}
	return d.String()
}

// random draws items uniformly from the universe (the catalog, else the
// model's items) with a PCG seeded by (Seed, hash(user)): deterministic for
// a seed, user and universe, and O(k) per user instead of hashing every
// item.
func (r *run) random() {
	r.stage++
	var n int
	var at func(i int) (int32, string) // model index (or idxUnknown), id
	if c := r.o.Catalog; c != nil {
		n, at = c.Len(), func(i int) (int32, string) { return idxUnknown, c.products[i].ID }
	} else {
		n, at = len(r.m.itemIDs), func(i int) (int32, string) { return int32(i), r.m.itemIDs[i] }
	}
	if n == 0 {
		return
	}
	h := fnv.New64a()
	h.Write([]byte(r.user))
	rng := rand.New(rand.NewPCG(r.o.Seed, h.Sum64()))
	reason := func() string { return "random baseline (seed " + strconv.FormatUint(r.o.Seed, 10) + ")" }
	if n <= 4*r.k+64 {
		for rank, i := range rng.Perm(n) {
			if r.full() {
				return
			}
			idx, id := at(i)
			r.offer(idx, id, 1/float64(rank+1), Random, reason)
		}
		return
	}
	for tries := 0; tries < 50*r.k+1000 && !r.full(); tries++ {
		idx, id := at(rng.IntN(n))
		r.offer(idx, id, 1/float64(len(r.out)+1), Random, reason)
	}
}

// segment classifies the user as the platforms' dynamic remarketing lists
// do (Google: cart abandoners, product viewers, past buyers, general
// visitors), over the lookback window.
func (r *run) segment() string {
	from := r.now - int64(r.o.Lookback)
	var cart, view, buy bool
	for i, e := range r.hist {
		if e.t < from {
			continue
		}
		switch {
		case e.kind == KindPurchase:
			buy = true
		case e.kind >= KindCart && !r.purchased.has(r.idxAt(i), e.id):
			cart = true
		case e.kind == KindView && !r.purchased.has(r.idxAt(i), e.id):
			view = true
		}
	}
	switch {
	case cart:
		return "cart_abandoner"
	case view:
		return "viewer"
	case buy:
		return "buyer"
	}
	return "new"
}

// auto routes by segment: cart abandoners get their cart (and viewed)
// items, then complements; viewers their viewed items, then similar items;
// recent buyers cross-sell; everyone else trending, then bestsellers. Every
// carousel is filled up to k with trending and bestsellers.
func (r *run) auto() {
	switch r.segment() {
	case "cart_abandoner":
		r.retarget()
		r.crosssell()
		r.similar()
	case "viewer":
		r.retarget()
		r.similar()
	case "buyer":
		r.crosssell()
		r.global(Bestsellers)
	}
	r.global(Trending)
	r.global(Bestsellers)
}

// ---- non-personalised lists ----

type globKey struct {
	now            int64
	window, halfLf time.Duration
}

type globals struct {
	count, buys                    []uint32
	countF, buysF, trend           []float64
	popular, bestsellers, trending []int32
}

var kindWeight = [...]float64{KindView: 1, KindSearch: 0, KindCart: 3, KindCheckout: 4, KindPurchase: 5}

// globals computes (and caches for the 32 most recent times) the popularity
// lists as of now: interactions and purchases in [now-Window, now], and
// trending = Σ w_kind · 0.5^(age/HalfLife) over all past interactions with
// weights view 1, cart 3, checkout 4, purchase 5.
func (m *Model) globals(now int64, o *Options) *globals {
	key := globKey{now, o.Window, o.HalfLife}
	m.mu.RLock()
	g, ok := m.glob[key]
	m.mu.RUnlock()
	if ok {
		return g
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if g, ok := m.glob[key]; ok {
		return g
	}
	n := len(m.itemIDs)
	g = &globals{count: make([]uint32, n), buys: make([]uint32, n), trend: make([]float64, n)}
	from := now - int64(o.Window)
	hl := float64(o.HalfLife)
	for i, t := range m.ixs.t {
		if t > now {
			continue
		}
		it, kind := m.ixs.item[i], m.ixs.kind[i]
		if t >= from {
			g.count[it]++
			if kind == KindPurchase {
				g.buys[it]++
			}
		}
		if w := kindWeight[kind]; w > 0 {
			g.trend[it] += w * math.Exp2(-float64(now-t)/hl)
		}
	}
	g.countF, g.buysF = make([]float64, n), make([]float64, n)
	for i := 0; i < n; i++ {
		g.countF[i], g.buysF[i] = float64(g.count[i]), float64(g.buys[i])
	}
	g.popular = rankBy(g.countF)
	g.bestsellers = rankBy(g.buysF)
	g.trending = rankBy(g.trend)
	if len(m.globKeys) >= 32 {
		delete(m.glob, m.globKeys[0])
		m.globKeys = m.globKeys[1:]
	}
	m.glob[key] = g
	m.globKeys = append(m.globKeys, key)
	return g
}

// rankBy returns the indexes with a positive score, best first, ties by
// index (= item id).
func rankBy(s []float64) []int32 {
	var out []int32
	for i, v := range s {
		if v > 0 {
			out = append(out, int32(i))
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if s[out[a]] != s[out[b]] {
			return s[out[a]] > s[out[b]]
		}
		return out[a] < out[b]
	})
	return out
}

func sortInts(a []int, less func(x, y int) bool) {
	sort.Slice(a, func(i, j int) bool { return less(a[i], a[j]) })
}

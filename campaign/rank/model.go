// Package rank is dpa's product ranking engine: the strategies dynamic ads
// use to pick products for a shopper (retargeting, cross-sell, similar,
// upsell, popular, bestsellers, trending, random and the auto router), an
// item-to-item co-occurrence model, and the eligibility filters every
// strategy shares.
//
// It is pure: no I/O, no clock, no global randomness. The same events,
// history, time and options always give the same recommendations; ties are
// broken by item id.
package rank

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Kind is the interaction type, ordered by purchase intent.
type Kind uint8

// Interaction kinds.
const (
	KindView Kind = iota + 1
	KindSearch
	KindCart
	KindCheckout
	KindPurchase
)

func (k Kind) String() string {
	switch k {
	case KindView:
		return "ViewContent"
	case KindSearch:
		return "Search"
	case KindCart:
		return "AddToCart"
	case KindCheckout:
		return "InitiateCheckout"
	case KindPurchase:
		return "Purchase"
	}
	return "unknown"
}

// KindOf maps a canonical event type name (events.Type) to a Kind; 0 when
// unknown.
func KindOf(eventType string) Kind {
	switch eventType {
	case "ViewContent":
		return KindView
	case "Search":
		return KindSearch
	case "AddToCart":
		return KindCart
	case "InitiateCheckout":
		return KindCheckout
	case "Purchase":
		return KindPurchase
	}
	return 0
}

// Similarity measures for the item-to-item model.
const (
	SimCosine      = "cosine"      // c_ij / sqrt(c_i c_j)
	SimLift        = "lift"        // c_ij N / (c_i c_j)
	SimConditional = "conditional" // c_ij / c_i  = P(j | i)
)

// DefaultSimilarity is the similarity of a ModelConfig that names none.
const DefaultSimilarity = SimConditional

// ModelConfig tunes the item-to-item model.
type ModelConfig struct {
	// Similarity is SimConditional (default), SimCosine or SimLift.
	// Conditional won on the validation split of the YooChoose sample's
	// training window (auto hit rate@20 .6370 vs cosine .6281, lift .5504;
	// MRR .3592 vs .3568, .3263).
	Similarity string
	// Neighbours kept per item (default 50).
	Neighbours int
	// MaxBasket caps the distinct items of one basket (the most recent are
	// kept), bounding the pair count by MaxBasket² per basket (default 50).
	MaxBasket int
	// MinCount is the minimum co-occurrence count of a kept pair (default 1).
	MinCount int
	// SessionGap splits a user's events into sessions when they carry no
	// session id (default 30 minutes).
	SessionGap time.Duration
	// AllPairs keeps every co-occurrence count ≥ MinCount, not only the
	// top Neighbours, for Model.Graphs (the complete count table that the
	// model artifact and its SQL twin hold).
	AllPairs bool
}

func (c *ModelConfig) defaults() {
	if c.Similarity == "" {
		c.Similarity = DefaultSimilarity
	}
	if c.Neighbours <= 0 {
		c.Neighbours = 50
	}
	if c.MaxBasket <= 0 {
		c.MaxBasket = 50
	}
	if c.MinCount <= 0 {
		c.MinCount = 1
	}
	if c.SessionGap <= 0 {
		c.SessionGap = 30 * time.Minute
	}
}

// Interaction is one training event.
type Interaction struct {
	User    string
	Session string // optional; sessions are split by SessionGap when empty
	Item    string
	Kind    Kind
	Time    time.Time
}

// ixCols holds interactions column by column (about 21 bytes each while
// building; the Model keeps t, item and kind, 13 bytes).
type ixCols struct {
	t    []int64 // unix nanoseconds
	user []int32
	item []int32
	sess []int32 // session id index + 1, 0 when none
	kind []Kind
}

func (c *ixCols) add(t int64, user, item, sess int32, kind Kind) {
	c.t = append(c.t, t)
	c.user = append(c.user, user)
	c.item = append(c.item, item)
	c.sess = append(c.sess, sess)
	c.kind = append(c.kind, kind)
}

// sortByUser orders the interactions by user, time, kind, item. It sorts a
// permutation with the comparison the interaction structs were sorted with
// (same algorithm, same comparisons), so the order is the one they had.
func (c *ixCols) sortByUser() {
	if c.sortRuns() {
		return
	}
	c.sortFull()
}

// sortFull sorts every record. Records are counted into their user's
// range (users are dense ids) and each range sorted by (time, kind, item)
// where it is out of order: a log in time order needs no sort of the
// whole permutation. That gives sort.Slice's result whenever the order is
// total; records tying on all four keys but differing in session are
// placed by sort.Slice's own algorithm, so such a log takes it.
func (c *ixCols) sortFull() {
	perm, ok := c.countedPerm()
	if !ok {
		perm = make([]int32, len(c.t))
		for i := range perm {
			perm[i] = int32(i)
		}
		sort.Slice(perm, func(i, j int) bool {
			a, b := perm[i], perm[j]
			if c.user[a] != c.user[b] {
				return c.user[a] < c.user[b]
			}
			if c.t[a] != c.t[b] {
				return c.t[a] < c.t[b]
			}
			if c.kind[a] != c.kind[b] {
				return c.kind[a] < c.kind[b]
			}
			return c.item[a] < c.item[b]
		})
	}
	if IsIdentity(perm) {
		return
	}
	GatherInt32s(perm, &c.user, &c.item, &c.sess)
	kind := make([]Kind, len(perm))
	GatherInto(kind, c.kind, perm)
	c.kind = kind
	t := make([]int64, len(perm))
	GatherInto(t, c.t, perm)
	c.t = t
}

// countedPerm is sortFull's permutation by counting; false when two
// records tie on user, time, kind and item but differ in session.
func (c *ixCols) countedPerm() ([]int32, bool) {
	perm, start := CountByKey(c.user)
	cmp := func(a, b int32) int {
		switch {
		case c.t[a] != c.t[b]:
			if c.t[a] < c.t[b] {
				return -1
			}
			return 1
		case c.kind[a] != c.kind[b]:
			return int(c.kind[a]) - int(c.kind[b])
		}
		return int(c.item[a] - c.item[b])
	}
	for u := 0; u+1 < len(start); u++ {
		r := perm[start[u]:start[u+1]]
		for i := 1; i < len(r); i++ {
			if cmp(r[i-1], r[i]) > 0 {
				slices.SortFunc(r, cmp)
				break
			}
		}
		for i := 1; i < len(r); i++ {
			if cmp(r[i-1], r[i]) == 0 && c.sess[r[i-1]] != c.sess[r[i]] {
				return nil, false
			}
		}
	}
	return perm, true
}

// sortRuns is sortByUser for records in (user, time) order already, as a
// replay's log hands them over: each run of equal (user, time), almost
// always one or two records, is put in (kind, item) order in place, where
// the sort of a permutation of every record, and its application to each
// column, took 0.2 s at 8M records. It reports false, having changed
// nothing, when the records are not in that order, or when a run is long
// or holds two records tying on kind and item but differing in session:
// the full sort's placing of such ties is its own, so it decides them.
func (c *ixCols) sortRuns() bool {
	const maxRun = 32
	n := len(c.t)
	for a := 0; a < n; {
		z := a + 1
		for z < n && c.user[z] == c.user[a] && c.t[z] == c.t[a] {
			z++
		}
		if z < n && (c.user[z] < c.user[a] || c.user[z] == c.user[a] && c.t[z] < c.t[a]) {
			return false
		}
		if z-a > maxRun {
			return false
		}
		for i := a; i < z; i++ {
			for j := i + 1; j < z; j++ {
				if c.kind[i] == c.kind[j] && c.item[i] == c.item[j] && c.sess[i] != c.sess[j] {
					return false
				}
			}
		}
		a = z
	}
	for a := 0; a < n; {
		z := a + 1
		for z < n && c.user[z] == c.user[a] && c.t[z] == c.t[a] {
			z++
		}
		// Insertion sort by (kind, item); user and time are equal.
		for i := a + 1; i < z; i++ {
			for j := i; j > a && (c.kind[j] < c.kind[j-1] || c.kind[j] == c.kind[j-1] && c.item[j] < c.item[j-1]); j-- {
				c.kind[j], c.kind[j-1] = c.kind[j-1], c.kind[j]
				c.item[j], c.item[j-1] = c.item[j-1], c.item[j]
				c.sess[j], c.sess[j-1] = c.sess[j-1], c.sess[j]
			}
		}
		a = z
	}
	return true
}

// Builder accumulates interactions for a Model. It interns ids, so memory
// is about 24 bytes per interaction plus the distinct ids.
type Builder struct {
	cfg      ModelConfig
	items    map[string]int32
	itemIDs  []string
	users    map[string]int32
	userIDs  []string
	sessions map[string]int32
	ixs      ixCols
	// With NewBuilderIDs: the caller's interned ids, and the builder's
	// index of each (-1 not seen yet). Its users are numbered without
	// the users map (distinct ids need no lookup), which build fills on
	// another goroutine while it runs its one-core stages.
	extUsers, extItems []string
	userOf, itemOf     []int32
}

// NewBuilderIDs returns a Builder for interactions whose ids the caller has
// interned already (user u is userIDs[u], item i is itemIDs[i]; each list
// distinct): AddIDs then adds one without hashing its strings. The model
// is the one Add would build from the same interactions in the same order.
// AddRaw must not be used on it.
func NewBuilderIDs(cfg ModelConfig, userIDs, itemIDs []string) *Builder {
	b := NewBuilder(cfg)
	b.extUsers, b.extItems = userIDs, itemIDs
	b.userOf, b.itemOf = make([]int32, len(userIDs)), make([]int32, len(itemIDs))
	for i := range b.userOf {
		b.userOf[i] = -1
	}
	for i := range b.itemOf {
		b.itemOf[i] = -1
	}
	return b
}

// AddIDs records one interaction of a NewBuilderIDs builder: user and item
// index its id tables, sess is any number that is equal for the events of
// one session and 0 for events without a session id.
func (b *Builder) AddIDs(user, item, sess int32, kind Kind, t int64) {
	if u, it, ok := b.intern(user, item, kind); ok {
		b.ixs.add(t, u, it, sess, kind)
	}
}

// intern maps a record's log user and item to the model's, numbering them
// on first sight; false: the record is dropped, as AddRaw drops it
// (nothing of the interaction is interned).
func (b *Builder) intern(user, item int32, kind Kind) (u, it int32, ok bool) {
	if kind == 0 || b.extUsers[user] == "" || b.extItems[item] == "" {
		return 0, 0, false
	}
	u, it = b.userOf[user], b.itemOf[item]
	if u < 0 {
		u = int32(len(b.userIDs)) // first seen: the ids are distinct
		b.userIDs = append(b.userIDs, b.extUsers[user])
		b.userOf[user] = u
	}
	if it < 0 {
		it = firstSeen(b.extItems[item], b.items, &b.itemIDs)
		b.itemOf[item] = it
	}
	return u, it, true
}

// AdoptIDs is AddIDs of every record of the given columns in order, on an
// empty NewBuilderIDs builder, which takes the columns over (the caller
// must not use them afterwards): the kept records are renumbered in place
// instead of copied.
func (b *Builder) AdoptIDs(t []int64, user, item, sess []int32, kind []Kind) {
	if len(b.ixs.t) != 0 {
		panic("rank: AdoptIDs on a builder holding interactions")
	}
	w := 0
	for i := range t {
		k := kind[i]
		u, it, ok := b.intern(user[i], item[i], k)
		if !ok {
			continue // as AddIDs
		}
		t[w], user[w], item[w], sess[w], kind[w] = t[i], u, it, sess[i], k
		w++
	}
	b.ixs = ixCols{t: t[:w], user: user[:w], item: item[:w], sess: sess[:w], kind: kind[:w]}
}

// firstSeen numbers an id in first-seen order, as AddRaw does.
func firstSeen(id string, m map[string]int32, list *[]string) int32 {
	if v, ok := m[id]; ok {
		return v
	}
	v := int32(len(*list))
	m[id] = v
	*list = append(*list, id)
	return v
}

// NewBuilder returns an empty Builder.
func NewBuilder(cfg ModelConfig) *Builder {
	cfg.defaults()
	return &Builder{cfg: cfg, items: map[string]int32{}, users: map[string]int32{}, sessions: map[string]int32{}}
}

// Grow makes room for n more interactions, so that a caller who knows
// their number saves the copies (and the spare quarter) of growing by
// appends.
func (b *Builder) Grow(n int) {
	c := &b.ixs
	c.t, c.user, c.item = slices.Grow(c.t, n), slices.Grow(c.user, n), slices.Grow(c.item, n)
	c.sess, c.kind = slices.Grow(c.sess, n), slices.Grow(c.kind, n)
}

// Len is the number of interactions added.
func (b *Builder) Len() int { return len(b.ixs.t) }

// Add records one interaction. Interactions may come in any order.
func (b *Builder) Add(in Interaction) {
	b.AddRaw(in.User, in.Session, in.Item, in.Kind, in.Time.UnixNano())
}

// AddRaw is Add without the struct, for tight loops (t in Unix ns).
func (b *Builder) AddRaw(user, session, item string, kind Kind, t int64) {
	if b.extUsers != nil {
		panic("rank: AddRaw on a NewBuilderIDs builder")
	}
	if kind == 0 || user == "" || item == "" {
		return
	}
	u, ok := b.users[user]
	if !ok {
		user = strings.Clone(user)
		u = int32(len(b.userIDs))
		b.users[user] = u
		b.userIDs = append(b.userIDs, user)
	}
	it, ok := b.items[item]
	if !ok {
		item = strings.Clone(item)
		it = int32(len(b.itemIDs))
		b.items[item] = it
		b.itemIDs = append(b.itemIDs, item)
	}
	var s int32
	if session != "" {
		sv, ok := b.sessions[session]
		if !ok {
			sv = int32(len(b.sessions) + 1)
			b.sessions[strings.Clone(session)] = sv
		}
		s = sv
	}
	b.ixs.add(t, u, it, s, kind)
}

// neighbour is one item-to-item edge.
type neighbour struct {
	item  int32
	co    uint32
	score float32
}

// graph is a neighbour list per item. One slice per item rather than
// one array for all: the lists are made one item at a time by the
// build's workers, and gathering them into one array held every list
// twice at the replay's memory peak (100,000 items: 60 MB more).
type graph struct {
	adj   [][]neighbour // len items
	count []uint32      // baskets containing the item
	n     int           // baskets
	all   [][]neighbour // every pair ≥ MinCount per item, with ModelConfig.AllPairs
}

func (g *graph) of(i int32) []neighbour {
	if g == nil || i < 0 || int(i) >= len(g.adj) {
		return nil
	}
	return g.adj[i]
}

// Model is a trained, read-only ranking model; safe for concurrent use.
type Model struct {
	cfg     ModelConfig
	itemIDs []string // sorted: index order is id order, so ties break by id
	items   map[string]int32
	userIDs []string
	users   map[string]int32
	// The training interactions, sorted by user, time, kind, item; user u's
	// are [ustart[u], ustart[u+1]). The user and session columns are
	// dropped once the graphs and the session index are built.
	ixs      ixCols
	ustart   []int32
	coView   *graph
	coBuy    *graph
	sess     *sessIndex
	anyBuy   bool
	mu       sync.RWMutex
	scratch  sync.Pool
	glob     map[globKey]*globals
	globKeys []globKey
}

// Build sorts the interactions, builds the co-view graph (baskets are
// sessions) and the co-purchase graph (baskets are a user's carted and
// purchased items), and returns the Model. The Builder must not be used
// afterwards.
func (b *Builder) Build(ctx context.Context) (*Model, error) {
	return b.build(ctx, nil)
}

func (b *Builder) build(ctx context.Context, pre *Graphs) (*Model, error) {
	m := &Model{cfg: b.cfg, glob: map[globKey]*globals{}}
	m.scratch.New = func() any { return &scratch{} }
	// Renumber items in id order.
	order := make([]int32, len(b.itemIDs))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(i, j int) bool { return b.itemIDs[order[i]] < b.itemIDs[order[j]] })
	remap := make([]int32, len(order))
	m.itemIDs = make([]string, len(order))
	m.items = make(map[string]int32, len(order))
	for newI, old := range order {
		remap[old] = int32(newI)
		m.itemIDs[newI] = b.itemIDs[old]
		m.items[b.itemIDs[old]] = int32(newI)
	}
	ixs := &m.ixs
	*ixs, b.ixs = b.ixs, ixCols{}
	for i, it := range ixs.item {
		ixs.item[i] = remap[it]
	}
	m.userIDs, m.users = b.userIDs, b.users
	// A NewBuilderIDs builder's users map is filled here, beside the
	// sort and the session index (one core each): 0.3-0.5 s of map
	// inserts at 800k users that ran before them on one core.
	usersDone := func() {}
	if b.extUsers != nil {
		ch := make(chan map[string]int32, 1)
		go func(ids []string) {
			users := make(map[string]int32, len(ids))
			for i, id := range ids {
				users[id] = int32(i)
			}
			ch <- users
		}(m.userIDs)
		usersDone = func() {
			m.users = <-ch
			if len(m.users) != len(m.userIDs) {
				panic("rank: NewBuilderIDs with repeated user ids")
			}
		}
	}
	b.items, b.itemIDs, b.sessions = nil, nil, nil
	b.userOf, b.itemOf = nil, nil
	ixs.sortByUser()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.ustart = make([]int32, len(m.userIDs)+1)
	for i, u := range ixs.user {
		m.ustart[u+1]++
		if ixs.kind[i] == KindPurchase {
			m.anyBuy = true
		}
	}
	for u := 1; u < len(m.ustart); u++ {
		m.ustart[u] += m.ustart[u-1]
	}
	// Users are now the ustart ranges, and sessions matter only to the
	// indexes built below.
	sess := ixs.sess
	ixs.user, ixs.sess = nil, nil

	gap := int64(b.cfg.SessionGap)
	nItems := len(m.itemIDs)
	m.sess = m.buildSessIndex(sess, gap)
	if pre != nil {
		m.coView = m.graphFromCounts(&pre.View)
		m.coBuy = m.graphFromCounts(&pre.Buy)
		usersDone()
		return m, nil
	}
	items, kinds := ixs.item, ixs.kind
	// Co-view baskets: the distinct items of each session (any kind),
	// which are the session index's sessions (split and deduplicated the
	// same way, in recency order: pair counts do not depend on basket
	// order). Reading them there saves a second copy of every session's
	// items at the build's memory peak.
	var err error
	m.coView, err = m.buildGraph(ctx, nItems, baskets{off: m.sess.off, items: m.sess.items})
	if err != nil {
		return nil, err
	}
	// Co-purchase baskets: each user's carted or purchased items.
	m.coBuy, err = m.buildGraph(ctx, nItems, collectBaskets(func(emit func([]int32)) {
		var basket []int32
		seen := make([]int32, nItems)
		for u := 0; u < len(m.userIDs); u++ {
			basket = basket[:0]
			stamp := int32(u + 1)
			for i := m.ustart[u]; i < m.ustart[u+1]; i++ {
				if kinds[i] >= KindCart && seen[items[i]] != stamp {
					seen[items[i]] = stamp
					basket = append(basket, items[i])
				}
			}
			if len(basket) > 1 {
				emit(basket)
			}
		}
	}))
	if err != nil {
		return nil, err
	}
	usersDone()
	return m, nil
}

// baskets lists item baskets: basket b holds items[off[b]:off[b+1]], of
// which the last max count (buildGraph sets it to MaxBasket).
type baskets struct {
	off, items []int32
	max        int32
}

// span is basket b's counted items: its max most recent.
func (bs *baskets) span(b int32) []int32 {
	a, z := bs.off[b], bs.off[b+1]
	if z-a > bs.max {
		a = z - bs.max
	}
	return bs.items[a:z]
}

// collectBaskets gathers the baskets gen emits.
func collectBaskets(gen func(emit func([]int32))) baskets {
	bs := baskets{off: []int32{0}}
	gen(func(basket []int32) {
		bs.items = append(bs.items, basket...)
		bs.off = append(bs.off, int32(len(bs.items)))
	})
	return bs
}

// buildGraph counts co-occurrences over the baskets of more than one item
// (each cut to its MaxBasket most recent items) and keeps the top
// neighbours of each item.
func (m *Model) buildGraph(ctx context.Context, nItems int, bs baskets) (*graph, error) {
	cfg := m.cfg
	g := &graph{count: make([]uint32, nItems)}
	nB := len(bs.off) - 1
	bs.max = int32(min(cfg.MaxBasket, math.MaxInt32))
	// Inverted index item -> baskets.
	istart := make([]int32, nItems+1)
	for b := range int32(nB) {
		if bs.off[b+1]-bs.off[b] < 2 {
			continue
		}
		g.n++
		for _, it := range bs.span(b) {
			g.count[it]++
			istart[it+1]++
		}
	}
	for i := 1; i <= nItems; i++ {
		istart[i] += istart[i-1]
	}
	inv := make([]int32, istart[nItems])
	fill := append([]int32(nil), istart[:nItems]...)
	for b := range int32(nB) {
		if bs.off[b+1]-bs.off[b] < 2 {
			continue
		}
		for _, it := range bs.span(b) {
			inv[fill[it]] = b
			fill[it]++
		}
	}
	g.adj = make([][]neighbour, nItems)
	if cfg.AllPairs {
		g.all = make([][]neighbour, nItems)
	}
	workers := min(runtime.GOMAXPROCS(0), 4)
	var wg sync.WaitGroup
	var cancelled bool
	var cmu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			acc := make([]uint32, nItems)
			var touched []int32
			h := &nbHeap{}
			for i := w; i < nItems; i += workers {
				if i%4096 == w && ctx.Err() != nil {
					cmu.Lock()
					cancelled = true
					cmu.Unlock()
					return
				}
				touched = touched[:0]
				for _, b := range inv[istart[i]:istart[i+1]] {
					for _, j := range bs.span(b) {
						if int(j) == i {
							continue
						}
						if acc[j] == 0 {
							touched = append(touched, j)
						}
						acc[j]++
					}
				}
				h.reset(cfg.Neighbours)
				ci := float64(g.count[i])
				for _, j := range touched {
					c := acc[j]
					acc[j] = 0
					if int(c) < cfg.MinCount {
						continue
					}
					s := similarity(cfg.Similarity, c, ci, float64(g.count[j]), g.n)
					h.push(neighbour{item: j, co: c, score: s})
					if g.all != nil {
						g.all[i] = append(g.all[i], neighbour{item: j, co: c, score: s})
					}
				}
				g.adj[i] = h.sorted()
			}
		}(w)
	}
	wg.Wait()
	if cancelled {
		return nil, ctx.Err()
	}
	return g, nil
}

// nbHeap is a bounded min-heap keeping the best k neighbours: higher score
// first, then lower item index (= lower id).
type nbHeap struct {
	k int
	a []neighbour
}

func nbLess(x, y neighbour) bool { // x worse than y
	if x.score != y.score {
		return x.score < y.score
	}
	return x.item > y.item
}

func (h *nbHeap) reset(k int) { h.k, h.a = k, h.a[:0] }

func (h *nbHeap) push(n neighbour) {
	if len(h.a) < h.k {
		h.a = append(h.a, n)
		for i := len(h.a) - 1; i > 0; {
			p := (i - 1) / 2
			if !nbLess(h.a[i], h.a[p]) {
				break
			}
			h.a[i], h.a[p] = h.a[p], h.a[i]
			i = p
		}
		return
	}
	if !nbLess(h.a[0], n) {
		return
	}
	h.a[0] = n
	for i := 0; ; {
		l, r, s := 2*i+1, 2*i+2, i
		if l < len(h.a) && nbLess(h.a[l], h.a[s]) {
			s = l
		}
		if r < len(h.a) && nbLess(h.a[r], h.a[s]) {
			s = r
		}
		if s == i {
			break
		}
		h.a[i], h.a[s] = h.a[s], h.a[i]
		i = s
	}
}

func (h *nbHeap) sorted() []neighbour {
	out := append([]neighbour(nil), h.a...)
	sort.Slice(out, func(i, j int) bool { return nbLess(out[j], out[i]) })
	return out
}

// HasPurchases reports whether the training data holds a purchase
// (without one, bestsellers ranks as popular does).
func (m *Model) HasPurchases() bool { return m.anyBuy }

// Items is the number of distinct items in the model.
func (m *Model) Items() int { return len(m.itemIDs) }

// ItemIDs returns the model's item ids in sorted order (do not modify).
func (m *Model) ItemIDs() []string { return m.itemIDs }

// Users is the number of distinct users.
func (m *Model) Users() int { return len(m.userIDs) }

// UserIDs returns user ids in first-seen order (do not modify).
func (m *Model) UserIDs() []string { return m.userIDs }

// Interactions is the number of training interactions.
func (m *Model) Interactions() int { return len(m.ixs.t) }

// HasUser reports whether the user has training interactions.
func (m *Model) HasUser(id string) bool { _, ok := m.users[id]; return ok }

// UserIndex returns the model's index of a user (false when unknown), for
// UserItems and Ranker.SetUser.
func (m *Model) UserIndex(userID string) (int32, bool) {
	u, ok := m.users[userID]
	return u, ok
}

// UserItems returns the model indices of user u's training interactions
// in time order (History's items); the slice is the model's own.
func (m *Model) UserItems(u int32) []int32 {
	return m.ixs.item[m.ustart[u]:m.ustart[u+1]:m.ustart[u+1]]
}

// History returns a user's training interactions in time order.
func (m *Model) History(userID string) History {
	h := History{UserID: userID}
	u, ok := m.users[userID]
	if !ok {
		return h
	}
	a, z := m.ustart[u], m.ustart[u+1]
	h.Events = make([]Event, z-a)
	for i := a; i < z; i++ {
		h.Events[i-a] = Event{ItemID: m.itemIDs[m.ixs.item[i]], Kind: m.ixs.kind[i], Time: time.Unix(0, m.ixs.t[i]).UTC()}
	}
	return h
}

// Neighbour is one similar item with its score, for reports.
type Neighbour struct {
	ItemID string  `json:"item_id"`
	Score  float64 `json:"score"`
	Count  int     `json:"count"`
}

// Similar returns the stored neighbours of an item in the co-view graph
// (buy=false) or the co-purchase graph (buy=true).
func (m *Model) Similar(itemID string, buy bool) []Neighbour {
	i, ok := m.items[itemID]
	if !ok {
		return nil
	}
	g := m.coView
	if buy {
		g = m.coBuy
	}
	var out []Neighbour
	for _, n := range g.of(i) {
		out = append(out, Neighbour{ItemID: m.itemIDs[n.item], Score: float64(n.score), Count: int(n.co)})
	}
	return out
}

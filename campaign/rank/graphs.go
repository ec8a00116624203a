package rank

import (
	"context"
	"math"
	"sort"
)

// similarity scores a pair from its counts: c baskets hold both items, ci
// and cj each, n baskets in all. It is the one place a score is computed,
// so a model trained here and one loaded from counts (Builder.BuildWith)
// rank neighbours identically.
func similarity(measure string, c uint32, ci, cj float64, n int) float32 {
	var s float64
	switch measure {
	case SimLift:
		s = float64(c) * float64(n) / (ci * cj)
	case SimConditional:
		s = float64(c) / ci
	default:
		s = float64(c) / math.Sqrt(ci*cj)
	}
	return float32(s)
}

// GraphCounts is one item-to-item graph as counts: the number of baskets,
// how many contain each item, and co-occurrence counts of ordered pairs
// (A, B) — both directions are listed.
type GraphCounts struct {
	Baskets int
	Items   map[string]uint32
	Pairs   []PairCount
}

// PairCount is the number of baskets holding both A and B.
type PairCount struct {
	A, B  string
	Count uint32
}

// Graphs is the co-occurrence part of a Model as counts: co-view (baskets
// are sessions) and co-purchase (baskets are a user's carted and purchased
// items). Scores are not stored: they are computed from the counts.
type Graphs struct {
	View, Buy GraphCounts
	// Popularity counts each item's training interactions (every kind),
	// Purchases its purchase events. They describe the training events;
	// the popularity strategies still count the histories as of the time
	// they rank for.
	Popularity, Purchases map[string]uint32
}

// Graphs returns the model's graphs as counts: the kept top neighbours of
// each item, or every pair when the model was built with AllPairs. Pairs
// are sorted by A, then B.
func (m *Model) Graphs() *Graphs {
	g := &Graphs{View: m.counts(m.coView), Buy: m.counts(m.coBuy), Popularity: map[string]uint32{}, Purchases: map[string]uint32{}}
	for i, it := range m.ixs.item {
		id := m.itemIDs[it]
		g.Popularity[id]++
		if m.ixs.kind[i] == KindPurchase {
			g.Purchases[id]++
		}
	}
	return g
}

func (m *Model) counts(g *graph) GraphCounts {
	gc := GraphCounts{Baskets: g.n, Items: map[string]uint32{}}
	for i, c := range g.count {
		if c > 0 {
			gc.Items[m.itemIDs[i]] = c
		}
	}
	for i := range m.itemIDs {
		nbs := g.of(int32(i))
		if g.all != nil {
			nbs = g.all[i]
		}
		start := len(gc.Pairs)
		for _, n := range nbs {
			gc.Pairs = append(gc.Pairs, PairCount{A: m.itemIDs[i], B: m.itemIDs[n.item], Count: n.co})
		}
		p := gc.Pairs[start:]
		sort.Slice(p, func(a, b int) bool { return p[a].B < p[b].B })
	}
	return gc
}

// BuildWith builds the Model like Build but takes the item-to-item graphs
// from counts (a model artifact) instead of counting the interactions: the
// interactions still give the histories and the popularity lists. Items of
// the counts missing from the interactions join the model. Each item keeps
// its top Neighbours by the configured similarity, scored from the counts
// exactly as Build scores them, so the counts of the same training events
// give the same recommendations.
func (b *Builder) BuildWith(ctx context.Context, g *Graphs) (*Model, error) {
	for _, gc := range []*GraphCounts{&g.View, &g.Buy} {
		for _, id := range sortedKeys(gc.Items) {
			b.internItem(id)
		}
		for _, p := range gc.Pairs {
			b.internItem(p.A)
			b.internItem(p.B)
		}
	}
	return b.build(ctx, g)
}

func sortedKeys(m map[string]uint32) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (b *Builder) internItem(id string) {
	if _, ok := b.items[id]; !ok {
		b.items[id] = int32(len(b.itemIDs))
		b.itemIDs = append(b.itemIDs, id)
	}
}

func (m *Model) graphFromCounts(gc *GraphCounts) *graph {
	cfg := m.cfg
	n := len(m.itemIDs)
	g := &graph{count: make([]uint32, n), n: gc.Baskets, adj: make([][]neighbour, n)}
	for id, c := range gc.Items {
		g.count[m.items[id]] = c
	}
	per := make([][]PairCount, n)
	for _, p := range gc.Pairs {
		a := m.items[p.A]
		per[a] = append(per[a], p)
	}
	h := &nbHeap{}
	for i := 0; i < n; i++ {
		h.reset(cfg.Neighbours)
		ci := float64(g.count[i])
		for _, p := range per[i] {
			if int(p.Count) < cfg.MinCount {
				continue
			}
			j := m.items[p.B]
			h.push(neighbour{item: j, co: p.Count, score: similarity(cfg.Similarity, p.Count, ci, float64(g.count[j]), g.n)})
		}
		g.adj[i] = h.sorted()
	}
	return g
}

package rank

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// topSessions must pick exactly the neighbours the full sort picked: the
// first n of (sim desc, last desc, index asc) among candidates with sim > 0,
// ties and non-positive similarities included.
func TestTopSessionsMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		nSess := 1 + rng.IntN(400)
		x := &sessIndex{last: make([]int64, nSess)}
		for i := range x.last {
			x.last[i] = int64(rng.IntN(5)) // many equal times
		}
		var cand []sessSim
		for s := range nSess {
			if rng.IntN(3) > 0 {
				cand = append(cand, sessSim{sess: int32(s), sim: float32(rng.IntN(4)) / 2}) // ties, zeros
			}
		}
		rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
		want := slices.Clone(cand)
		slices.SortFunc(want, func(a, b sessSim) int {
			switch {
			case a.sim > b.sim:
				return -1
			case a.sim < b.sim:
				return 1
			case x.last[a.sess] > x.last[b.sess]:
				return -1
			case x.last[a.sess] < x.last[b.sess]:
				return 1
			}
			return int(a.sess - b.sess)
		})
		n := 1 + rng.IntN(120)
		if len(want) > n {
			want = want[:n]
		}
		want = slices.DeleteFunc(want, func(c sessSim) bool { return c.sim <= 0 })
		x.ord = tieOrder(x.last)
		got := topSessions(x, cand, n, new([]float64), new([]keyedSess), new([]uint64))
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: top %d\n got %v\nwant %v", trial, n, got, want)
		}
	}
}

// The scratch's memo must give the same votes as a fresh search, and a
// different history must not be served the memo.
func TestSknnMemo(t *testing.T) {
	m := fixture(t, "")
	sc := &scratch{}
	votes := 0
	for _, hist := range [][]string{{"A", "B"}, {"A", "B"}, {"C"}, {"A", "B"}, {"B", "A"}, {"D", "C"}} {
		h := History{UserID: "x"}
		for i, id := range hist {
			h.Events = append(h.Events, Event{ItemID: id, Kind: KindView, Time: at(time.Duration(i) * time.Minute)})
		}
		o := Options{}
		o.defaults()
		r := m.newRun(h, 10, now, &o)
		got := slices.Clone(r.sknn(sc))
		want := r.sknnVotes(&scratch{}, m.sess, r.seeds(false, sknnItems), nil)
		if !slices.Equal(got, want) {
			t.Fatalf("history %v: memo %v, fresh %v", hist, got, want)
		}
		votes += len(got)
	}
	if votes == 0 {
		t.Fatal("the fixture gave no votes at all: the test compares nothing")
	}
}

// naiveVotes is the search by its definition: every candidate session's
// items are read to sum its similarity (what sknnVotes did before it
// settled most sessions from the samples' memberships).
func naiveVotes(r *run, x *sessIndex, seeds []hev) []scoredItem {
	w := make([]float32, len(r.m.itemIDs))
	seen := map[int32]bool{}
	var cand []sessSim
	for rank, s := range seeds {
		if s.idx < 0 {
			continue
		}
		w[s.idx] = float32(1/float64(1+rank)) * x.idf[s.idx]
		list := x.sess[x.iOff[s.idx]:x.iOff[s.idx+1]]
		for _, sid := range list[:min(len(list), sknnSample)] {
			if !seen[sid] {
				seen[sid] = true
				cand = append(cand, sessSim{sess: sid})
			}
		}
	}
	for i := range cand {
		for _, it := range x.items[x.off[cand[i].sess]:x.off[cand[i].sess+1]] {
			cand[i].sim += w[it]
		}
	}
	var out []scoredItem
	pos := map[int32]int{}
	for _, n := range topSessions(x, cand, sknnNeighbors, new([]float64), new([]keyedSess), new([]uint64)) {
		for _, it := range x.items[x.off[n.sess]:x.off[n.sess+1]] {
			p, ok := pos[it]
			if !ok {
				out = append(out, scoredItem{idx: it, by: -1})
				p = len(out) - 1
				pos[it] = p
			}
			out[p].score += float64(n.sim)
		}
	}
	return out
}

// sknnVotes must give exactly the votes of the definition, on item lists
// far longer than the sample (so that candidates may hold a seed outside
// its sample) and histories of up to sknnItems seeds.
func TestSknnVotesMatchDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b := NewBuilder(ModelConfig{})
	const items = 60
	for s := range 6000 {
		user := "s" + strconv.Itoa(s)
		start := time.Duration(rng.IntN(30*24)) * time.Hour
		for e := range 2 + rng.IntN(8) {
			it := min(rng.IntN(items), rng.IntN(items)) // skewed: low ids popular
			b.Add(Interaction{User: user, Session: user, Item: "i" + strconv.Itoa(it), Kind: KindView, Time: at(start + time.Duration(e)*time.Minute)})
		}
	}
	m, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	long := 0
	for i := range items {
		if m.sess.iOff[i+1]-m.sess.iOff[i] > sknnSample {
			long++
		}
	}
	if long < 5 {
		t.Fatalf("only %d item lists exceed the sample: the test would not exercise unsampled memberships", long)
	}
	sc := &scratch{}
	for trial := range 300 {
		h := History{UserID: "x"}
		for e := range 1 + rng.IntN(30) {
			h.Events = append(h.Events, Event{ItemID: "i" + strconv.Itoa(rng.IntN(items+3)), Kind: KindView, Time: at(time.Duration(e) * time.Minute)})
		}
		o := Options{}
		o.defaults()
		r := m.newRun(h, 20, now, &o)
		seeds := r.seeds(false, sknnItems)
		got := r.sknnVotes(sc, m.sess, seeds, nil)
		want := naiveVotes(r, m.sess, seeds)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (%d seeds): votes differ\n got %v\nwant %v", trial, len(seeds), got, want)
		}
	}
}

// A Ranker reused over many histories and every strategy, in the replay's
// order (one history, then each strategy), must give exactly
// Model.Recommend's lists: its reused run, scratch and seed cache carry
// nothing from one history or strategy to the next. Histories mix views,
// carts, purchases and searches, unknown items and events after now.
func TestRankerMatchesRecommend(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	b := NewBuilder(ModelConfig{})
	const items = 80
	kinds := []Kind{KindView, KindView, KindView, KindCart, KindPurchase, KindSearch}
	for s := range 3000 {
		user := "s" + strconv.Itoa(s)
		start := time.Duration(rng.IntN(30*24)) * time.Hour
		for e := range 2 + rng.IntN(8) {
			it := min(rng.IntN(items), rng.IntN(items))
			b.Add(Interaction{User: user, Session: user, Item: "i" + strconv.Itoa(it), Kind: kinds[rng.IntN(len(kinds))], Time: at(start + time.Duration(e)*time.Minute)})
		}
	}
	m, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rk := m.NewRanker()
	shared := &scratch{}
	opts := Options{NoReasons: true, GlobalAt: at(20 * 24 * time.Hour), Seed: 9}
	for trial := range 400 {
		h := History{UserID: "x" + strconv.Itoa(trial)}
		t0 := at(time.Duration(rng.IntN(40*24)) * time.Hour)
		for e := range rng.IntN(40) {
			d := time.Duration(e) * time.Minute
			if rng.IntN(5) == 0 {
				d = -d // out of order
			}
			h.Events = append(h.Events, Event{ItemID: "i" + strconv.Itoa(rng.IntN(items+5)), Kind: kinds[rng.IntN(len(kinds))], Time: t0.Add(d)})
		}
		at := t0.Add(time.Duration(rng.IntN(60)) * time.Minute)
		rk.SetHistory(h, at)
		for _, st := range Strategies() {
			k := 1 + rng.IntN(25)
			want, err := m.Recommend(h, st, k, at, opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rk.Rank(st, k, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("trial %d %s k=%d:\n got %v\nwant %v", trial, st, k, got, want)
			}
		}
		// blend's memo (kept in a scratch shared across histories) must
		// give what a fresh scratch computes.
		o := opts
		o.defaults()
		k := 1 + rng.IntN(3)
		r := m.newRun(h, k, at, &o)
		got := slices.Clone(r.blend(shared, 1, similarGraphWeight, 0))
		want := r.blendVotes(&scratch{}, 1, similarGraphWeight, 0)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: blend memo\n got %v\nwant %v", trial, got, want)
		}
	}
}

// SetUser must rank exactly as SetHistory(m.History(id)) does, for every
// model user, strategy and ranking time (before, inside and after the
// user's events), and Indices must name each rec's model index.
func TestSetUserMatchesSetHistory(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	b := NewBuilder(ModelConfig{})
	const items = 60
	kinds := []Kind{KindView, KindView, KindCart, KindPurchase, KindSearch}
	for s := range 800 {
		user := "u" + strconv.Itoa(s)
		start := time.Duration(rng.IntN(30*24)) * time.Hour
		for e := range 1 + rng.IntN(12) {
			it := min(rng.IntN(items), rng.IntN(items))
			b.Add(Interaction{User: user, Session: user + "-" + strconv.Itoa(e/4), Item: "i" + strconv.Itoa(it), Kind: kinds[rng.IntN(len(kinds))], Time: at(start + time.Duration(e)*time.Hour)})
		}
	}
	m, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byHist, byUser := m.NewRanker(), m.NewRanker()
	opts := Options{NoReasons: true, GlobalAt: at(20 * 24 * time.Hour), Seed: 3}
	for ui, id := range m.UserIDs() {
		u, ok := m.UserIndex(id)
		if !ok || int(u) != ui {
			t.Fatalf("UserIndex(%q) = %d, %v", id, u, ok)
		}
		h := m.History(id)
		if got := m.UserItems(u); len(got) != len(h.Events) {
			t.Fatalf("UserItems(%d): %d items, history has %d", u, len(got), len(h.Events))
		}
		now := h.Events[0].Time.Add(time.Duration(rng.IntN(20*24)-24) * time.Hour)
		byHist.SetHistory(h, now)
		byUser.SetUser(id, u, now)
		for _, st := range Strategies() {
			k := 1 + rng.IntN(25)
			want, err := byHist.Rank(st, k, opts)
			if err != nil {
				t.Fatal(err)
			}
			want = slices.Clone(want)
			wantIdx := slices.Clone(byHist.Indices())
			got, err := byUser.Rank(st, k, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("user %s %s k=%d:\n got %v\nwant %v", id, st, k, got, want)
			}
			idx := byUser.Indices()
			if !slices.Equal(idx, wantIdx) || len(idx) != len(got) {
				t.Fatalf("user %s %s: indices %v, want %v", id, st, idx, wantIdx)
			}
			for i, rc := range got {
				if idx[i] < 0 || m.ItemIDs()[idx[i]] != rc.ItemID {
					t.Fatalf("user %s %s: rec %d is %s, index %d", id, st, i, rc.ItemID, idx[i])
				}
			}
		}
	}
}

// buildSessIndex must give exactly the index of the append-then-renumber
// build it replaced: equal times (ties), session ids of 0 (split by the
// gap), repeated items, users without interactions.
func TestBuildSessIndexMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		nItems, nUsers := 1+rng.IntN(30), 1+rng.IntN(20)
		m := &Model{itemIDs: make([]string, nItems), userIDs: make([]string, nUsers)}
		m.ustart = make([]int32, nUsers+1)
		var sess []int32
		for u := range nUsers {
			n := rng.IntN(12)
			tm := int64(rng.IntN(50))
			for range n {
				tm += int64(rng.IntN(3)) * 10 // many equal times, some past the gap
				m.ixs.t = append(m.ixs.t, tm)
				m.ixs.item = append(m.ixs.item, int32(rng.IntN(nItems)))
				sess = append(sess, int32(rng.IntN(3))) // 0: no session id
			}
			m.ustart[u+1] = m.ustart[u] + int32(n)
		}
		got := m.buildSessIndex(sess, 15)
		want := m.refSessIndex(sess, 15)
		for _, c := range []struct {
			name      string
			got, want []int32
		}{{"off", got.off, want.off}, {"items", got.items, want.items}, {"ord", got.ord, want.ord}, {"iOff", got.iOff, want.iOff}, {"sess", got.sess, want.sess}} {
			if !slices.Equal(c.got, c.want) {
				t.Fatalf("trial %d: %s\n got %v\nwant %v", trial, c.name, c.got, c.want)
			}
		}
		if !slices.Equal(got.idf, want.idf) {
			t.Fatalf("trial %d: idf\n got %v\nwant %v", trial, got.idf, want.idf)
		}
	}
}

// refSessIndex is buildSessIndex as it was before it wrote the index in
// recency order directly (appending sessions, then renumbering them): the
// reference the new one must equal. It indexes the distinct items of each session of the sorted
// interactions (sessions split as the co-view baskets are).
func (m *Model) refSessIndex(sess []int32, gap int64) *sessIndex {
	x := &sessIndex{off: []int32{0}}
	ts, items := m.ixs.t, m.ixs.item
	nItems := len(m.itemIDs)
	seen := make([]int32, nItems)
	stamp := int32(0)
	count := make([]int32, nItems+1)
	closeSess := func(t int64) {
		x.off = append(x.off, int32(len(x.items)))
		x.last = append(x.last, t)
	}
	for u := 0; u < len(m.userIDs); u++ {
		a, z := int(m.ustart[u]), int(m.ustart[u+1])
		for i := a; i < z; i++ {
			if i == a || sess[i] != sess[i-1] || (sess[i] == 0 && ts[i]-ts[i-1] > gap) {
				if i > a {
					closeSess(ts[i-1])
				}
				stamp++
			}
			if it := items[i]; seen[it] != stamp {
				seen[it] = stamp
				x.items = append(x.items, it)
				count[it+1]++
			}
		}
		if z > a {
			closeSess(ts[z-1])
		}
	}
	x.refByRecency()
	nSess := len(x.last)
	x.ord = tieOrder(x.last)
	x.last = nil // the search reads ord
	x.idf = make([]float32, nItems)
	for i := range nItems {
		if c := count[i+1]; c > 0 {
			x.idf[i] = float32(math.Log(float64(nSess) / float64(c)))
		}
	}
	for i := 1; i <= nItems; i++ {
		count[i] += count[i-1]
	}
	x.iOff = append([]int32(nil), count...)
	x.sess = make([]int32, len(x.items))
	fill := append([]int32(nil), count[:nItems]...)
	for s := range nSess {
		for _, it := range x.items[x.off[s]:x.off[s+1]] {
			x.sess[fill[it]] = int32(s)
			fill[it]++
		}
	}
	// Each item's sessions, filled in index order, are wanted most recent
	// first, (last desc, index desc): with sessions numbered by recency
	// that is descending index, the fill order reversed.
	for i := range nItems {
		slices.Reverse(x.sess[x.iOff[i]:x.iOff[i+1]])
	}
	return x
}

// byRecency renumbers the sessions in order of their last event (ties in
// index order). Every order the search uses — an item's sessions most
// recent first, the neighbours' tie-breaks — compares (last, index), which
// the new numbering preserves, so results do not change; but an item's
// most recent sessions, the only ones a search reads, now lie together in
// memory at the end of items instead of being scattered by user.
func (x *sessIndex) refByRecency() {
	n := len(x.last)
	// Sorted as (time, index) pairs: the order is total, so an unstable
	// sort gives the stable sort by time; and comparing values held in the
	// pairs avoids a random read of x.last per comparison.
	type keyed struct {
		last int64
		s    int32
	}
	ks := make([]keyed, n)
	for i, t := range x.last {
		ks[i] = keyed{t, int32(i)}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		switch {
		case a.last < b.last:
			return -1
		case a.last > b.last:
			return 1
		}
		return int(a.s - b.s)
	})
	off := make([]int32, 1, n+1)
	items := make([]int32, 0, len(x.items))
	last := make([]int64, n)
	for i, k := range ks {
		items = append(items, x.items[x.off[k.s]:x.off[k.s+1]]...)
		off = append(off, int32(len(items)))
		last[i] = k.last
	}
	x.off, x.items, x.last = off, items, last
}

package rank

import (
	"math"
	"math/bits"
	"slices"
	"sort"
)

// Session-based k-nearest neighbours, after V-SkNN (Ludewig & Jannach,
// "Evaluation of session-based recommendation algorithms", UMUAI 2018;
// rn5l/session-rec algorithms/knn/vsknn.py): the current history is
// compared with past sessions that share an item with it; the most similar
// past sessions vote for their items.
//
//   - candidates: for each history item, most recent first, its most recent
//     SampleSessions training sessions;
//   - sim(n) = Σ_{i ∈ history ∩ n} w(i) · idf(i), where w = 1/(1+r) for the
//     r-th most recent distinct history item ("div" decay) and
//     idf(i) = log(sessions / sessions containing i);
//   - the KNeighbours most similar sessions vote: score(j) = Σ_n sim(n)
//     over the neighbours n containing j.

// sessIndex lists the training sessions (the co-view baskets) by item.
type sessIndex struct {
	off   []int32 // session s holds items[off[s]:off[s+1]]
	items []int32
	// last is the time of the session's last event, while the index is
	// built; the search reads ord instead.
	last []int64
	// ord ranks the sessions for the neighbours' tie-break: (last desc,
	// index asc) is ord desc. One int32 compare instead of two int64
	// reads and compares in topSessions' sort.
	ord  []int32
	iOff []int32 // item i is in sessions sess[iOff[i]:iOff[i+1]], most recent first
	sess []int32
	idf  []float32
}

// buildSessIndex indexes the distinct items of each session of the sorted
// interactions (sessions split as the co-view baskets are), sessions
// numbered by recency: in order of their last event, ties in order of
// their first. Every order the search uses (an item's sessions most recent
// first, the neighbours' tie-breaks) compares (last, first), which that
// numbering preserves; and an item's most recent sessions, the only ones a
// search reads, lie together at the end of items.
//
// Three passes over the interactions (count the sessions; their last
// times and sizes; their items, written straight to their place in
// recency order) instead of appending and then reordering: the index is
// allocated once at its size, with no copy of it at the model build's
// memory peak.
func (m *Model) buildSessIndex(sess []int32, gap int64) *sessIndex {
	ts, items := m.ixs.t, m.ixs.item
	nItems := len(m.itemIDs)
	// each calls f(i, newSession) for every interaction in session order.
	each := func(f func(i int, start bool)) {
		for u := 0; u < len(m.userIDs); u++ {
			a, z := int(m.ustart[u]), int(m.ustart[u+1])
			for i := a; i < z; i++ {
				f(i, i == a || sess[i] != sess[i-1] || (sess[i] == 0 && ts[i]-ts[i-1] > gap))
			}
		}
	}
	nSess := 0
	each(func(_ int, start bool) {
		if start {
			nSess++
		}
	})
	// Sorted as (time, index) pairs: the order is total, so an unstable
	// sort gives the stable sort by time, comparing values held in the
	// pairs.
	type keyed struct {
		last int64
		s    int32 // the session's number in interaction order
		size int32 // its distinct items
	}
	ks := make([]keyed, nSess)
	seen := make([]int32, nItems)
	count := make([]int32, nItems+1)
	s, stamp := int32(-1), int32(0)
	each(func(i int, start bool) {
		if start {
			s++
			stamp++
			ks[s].s = s
		}
		ks[s].last = ts[i]
		if it := items[i]; seen[it] != stamp {
			seen[it] = stamp
			ks[s].size++
			count[it+1]++
		}
	})
	slices.SortFunc(ks, func(a, b keyed) int {
		switch {
		case a.last < b.last:
			return -1
		case a.last > b.last:
			return 1
		}
		return int(a.s - b.s)
	})
	x := &sessIndex{off: make([]int32, nSess+1)}
	last := make([]int64, nSess)
	where := make([]int32, nSess) // interaction-order number -> recency number
	for r, k := range ks {
		x.off[r+1] = x.off[r] + k.size
		last[r] = k.last
		where[k.s] = int32(r)
	}
	ks = nil
	x.items = make([]int32, x.off[nSess])
	s, w := -1, int32(0)
	clear(seen)
	each(func(i int, start bool) {
		if start {
			s++
			w = x.off[where[s]]
		}
		// stamp s+1: seen was cleared, session numbers start at 0
		if it := items[i]; seen[it] != s+1 {
			seen[it] = s + 1
			x.items[w] = it
			w++
		}
	})
	where = nil
	x.ord = tieOrder(last)
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
	fill := count[:nItems]
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

// tieOrder returns, per session, its rank in the order (last asc, index
// desc): sessKey's tie-break (last desc, index asc) is then the rank's
// descending order. Sessions numbered by recency (byRecency) need one
// pass: each run of equal times is reversed.
func tieOrder(last []int64) []int32 {
	n := len(last)
	ord := make([]int32, n)
	if !slices.IsSorted(last) {
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortFunc(idx, func(a, b int32) int {
			if last[a] != last[b] {
				if last[a] < last[b] {
					return -1
				}
				return 1
			}
			return int(b - a)
		})
		for r, s := range idx {
			ord[s] = int32(r)
		}
		return ord
	}
	for a := 0; a < n; {
		z := a + 1
		for z < n && last[z] == last[a] {
			z++
		}
		for s := a; s < z; s++ {
			ord[s] = int32(a + z - 1 - s)
		}
		a = z
	}
	return ord
}

// SkNN parameters (defaults chosen on a validation split of the YooChoose
// sample's training window; see the README's simulate section).
//
// On the validation split (see similar), against these defaults (hit rate
// .6261, MRR .3360): no idf .6197/.3322, 50 neighbours .6186/.3398, 200
// .6251/.3321, 5 history items .6252/.3370, squared decay .6220/.3444,
// squared votes .6227/.3464: none better on both.
const (
	sknnSample    = 500 // candidate sessions per history item
	sknnNeighbors = 100 // voting neighbours
	sknnItems     = 20  // most recent distinct history items compared
)

// sknn scores items by the votes of the most similar training sessions;
// candidates are returned unsorted, in the memo (sc.knnOut): callers read
// them and must not modify them (ranked does not).
//
// The result depends only on the seed items (their model indices, in
// order), so it is kept in the scratch and reused while the seeds repeat:
// a replay ranks one history with similar, session_knn and auto in a row,
// and each used to redo the whole neighbour search.
func (r *run) sknn(sc *scratch) []scoredItem {
	x := r.m.sess
	out := sc.buf[:0]
	if x == nil {
		return out
	}
	seeds := r.seeds(false, sknnItems)
	if len(seeds) == 0 {
		return out
	}
	if sc.knnValid && len(sc.knnKey) == len(seeds) {
		same := true
		for i, s := range seeds {
			if sc.knnKey[i] != s.idx {
				same = false
				break
			}
		}
		if same {
			return sc.knnOut
		}
	}
	out = r.sknnVotes(sc, x, seeds, out)
	sc.knnKey = sc.knnKey[:0]
	for _, s := range seeds {
		sc.knnKey = append(sc.knnKey, s.idx)
	}
	// The result becomes the memo, and the memo's old array the next
	// working buffer: no copy.
	sc.knnOut, sc.buf = out, sc.knnOut[:0]
	sc.knnValid = true
	return out
}

// sknnVotes is sknn's neighbour search: the candidate sessions of the
// seeds, their similarity, the sknnNeighbors best of them (a bounded heap,
// not a sort of every candidate) and their votes, appended to out.
func (r *run) sknnVotes(sc *scratch, x *sessIndex, seeds []hev, out []scoredItem) []scoredItem {
	nItems := len(r.m.itemIDs)
	if len(sc.w) < nItems {
		sc.w = make([]float32, nItems)
		sc.pos = make([]int32, nItems)
	}
	sk := r.sknnCandidates(sc, x, seeds)
	resolveTails(sc, x, &sk)
	r.sknnSims(sc, x, &sk)
	for _, s := range seeds {
		if s.idx >= 0 {
			sc.w[s.idx] = 0
		}
	}
	top := topSessions(x, sc.cand, sknnNeighbors, &sc.tsel, &sc.tkeys, &sc.tkv)
	// The neighbours' sessions are scattered over the index: a cache miss
	// each. Their bounds, then their first items, are read first in loops
	// of independent loads, which the CPU overlaps, instead of one miss
	// after another in the vote loop (that waited on each).
	spans := sc.spans[:0]
	for _, n := range top {
		spans = append(spans, [2]int32{x.off[n.sess], x.off[n.sess+1]})
	}
	sc.spans = spans
	var touch int32
	for _, sp := range spans {
		touch += x.items[sp[0]] + x.items[sp[1]-1]
	}
	sc.touch += touch
	for i, n := range top {
		for _, it := range x.items[spans[i][0]:spans[i][1]] {
			p := sc.pos[it]
			if p == 0 {
				out = append(out, scoredItem{idx: it, by: -1})
				p = int32(len(out))
				sc.pos[it] = p
			}
			out[p-1].score += float64(n.sim)
		}
	}
	for _, c := range out {
		sc.pos[c.idx] = 0
	}
	return out
}

// sknnSeeds describes the seeds of one search that are in the index: seed
// j's weight, and the index of the oldest session of its sample when its
// session list is longer than the sample (-1 otherwise). Sessions are
// numbered by recency, so a candidate older than that (a lower index) may
// hold seed j without being in j's sample.
type sknnSeeds struct {
	n    int
	w    [sknnItems]float32
	cut  [sknnItems]int32
	item [sknnItems]int32 // the seed's model index
}

// sknnCandidates collects the candidate sessions (each seed's
// sknnSample most recent sessions) into sc.cand, with, in sc.masks, the
// seeds whose sample each was found in: those seeds are in the session;
// and, in sc.cuts, the seeds whose sample's oldest session is more recent
// than the candidate (those may hold it unseen: cutMasks).
func (r *run) sknnCandidates(sc *scratch, x *sessIndex, seeds []hev) sknnSeeds {
	var sk sknnSeeds
	var blocks [sknnItems + 1]int32
	cand, masks := sc.cand[:0], sc.masks[:0]
	total := 0
	for _, s := range seeds {
		if s.idx >= 0 {
			total += min(int(x.iOff[s.idx+1]-x.iOff[s.idx]), sknnSample)
		}
	}
	sc.slots.reset(total)
	tab, shift, mask := sc.slots.tab, sc.slots.shift, uint32(len(sc.slots.tab)-1)
	for rank, s := range seeds {
		if s.idx < 0 {
			continue
		}
		w := float32(1/float64(1+rank)) * x.idf[s.idx]
		sc.w[s.idx] = w
		list := x.sess[x.iOff[s.idx]:x.iOff[s.idx+1]]
		sk.cut[sk.n] = -1
		if len(list) > sknnSample {
			list = list[:sknnSample]
			sk.cut[sk.n] = list[sknnSample-1]
		}
		sk.w[sk.n] = w
		sk.item[sk.n] = s.idx
		bit := uint32(1) << sk.n
		blocks[sk.n] = int32(len(cand))
		sk.n++
		for _, sid := range list {
			j := uint32(sid) * slotHashMul >> shift
			for {
				e := &tab[j]
				if e.pos == 0 {
					cand = append(cand, sessSim{sess: sid})
					masks = append(masks, bit)
					*e = slotEntry{sess: sid, pos: int32(len(cand))}
					break
				}
				if e.sess == sid {
					masks[e.pos-1] |= bit
					break
				}
				j = (j + 1) & mask
			}
		}
	}
	blocks[sk.n] = int32(len(cand))
	sc.cand, sc.masks = cand, masks
	sc.cuts = cutMasks(&sk, cand, blocks[:sk.n+1], sc.cuts[:0])
	return sk
}

// resolveTails settles, for the seeds whose list is longer than the
// sample, which candidates older than the sample's oldest session hold the
// seed, by walking the list past the sample down to the oldest such
// candidate (a sequential read) when that part is short: the seed's bit
// joins sc.masks where the session holds it and leaves sc.cuts in any case.
// A candidate whose seeds are then all known needs its session read only
// when it holds three or more of them (the float32 sum's order), where it
// was read whenever an unsampled seed could have lifted it among the
// neighbours: most of a large replay's time. Needs sc.slots set.
func resolveTails(sc *scratch, x *sessIndex, sk *sknnSeeds) {
	var need [sknnItems]int32
	var minS [sknnItems]int32
	open := uint32(0)
	for i, c := range sc.cand {
		miss := sc.cuts[i] &^ sc.masks[i]
		for b := miss; b != 0; b &= b - 1 {
			j := bits.TrailingZeros32(b)
			if need[j] == 0 || c.sess < minS[j] {
				minS[j] = c.sess
			}
			need[j]++
		}
		open |= miss
	}
	resolved := uint32(0)
	for b := open; b != 0; b &= b - 1 {
		j := bits.TrailingZeros32(b)
		it := sk.item[j]
		tail := x.sess[x.iOff[it]+sknnSample : x.iOff[it+1]]
		lo := minS[j]
		// tail is in descending order: keep the sessions ≥ lo.
		k := sort.Search(len(tail), func(i int) bool { return tail[i] < lo })
		if k > 8*int(need[j])+64 {
			continue // long: reading the candidates is cheaper
		}
		bit := uint32(1) << j
		for _, sid := range tail[:k] {
			if p := sc.slots.find(sid); p != 0 {
				sc.masks[p-1] |= bit
			}
		}
		resolved |= bit
	}
	if resolved == 0 {
		return
	}
	for i := range sc.cuts {
		sc.cuts[i] &^= resolved
	}
}

// cutMasks returns, per candidate, the seeds j with sk.cut[j] > its
// session. The candidates each seed added are in descending session order
// (its list's order), so one pointer into the cuts sorted in descending
// order walks each block.
func cutMasks(sk *sknnSeeds, cand []sessSim, blocks []int32, out []uint32) []uint32 {
	var cutV [sknnItems]int32
	var pre [sknnItems + 1]uint32 // pre[p]: the seeds of the p largest cuts
	nc := 0
	for j := 0; j < sk.n; j++ {
		if sk.cut[j] < 0 {
			continue
		}
		i := nc
		for i > 0 && cutV[i-1] < sk.cut[j] {
			i--
		}
		copy(cutV[i+1:nc+1], cutV[i:nc])
		cutV[i] = sk.cut[j]
		nc++
	}
	// Equal cuts: which of them a prefix holds does not matter, since the
	// pointer never stops between two equal values.
	used := uint32(0)
	for p := 0; p < nc; p++ {
		for j := 0; j < sk.n; j++ {
			if used&(1<<j) == 0 && sk.cut[j] == cutV[p] {
				used |= 1 << j
				pre[p+1] = pre[p] | 1<<j
				break
			}
		}
	}
	for b := 0; b+1 < len(blocks); b++ {
		p := 0
		for _, c := range cand[blocks[b]:blocks[b+1]] {
			for p < nc && cutV[p] > c.sess {
				p++
			}
			out = append(out, pre[p])
		}
	}
	return out
}

// sknnSims sets each candidate's similarity Σ w(i) over the seeds i in
// the session, summed in float32 in the session's item order (the
// definition). A session found in the samples of at most two seeds, and
// older than no sample's oldest session of a long list, holds exactly
// those seeds: its sum is exact without reading the session (x+0 = x, and
// a sum of two terms does not depend on their order). The others are read
// unless an upper bound of their similarity is below the
// sknnNeighbors-th largest lower bound (with a margin far above float32
// rounding): such a session cannot be a neighbour, and its similarity is
// left at 0 so that it does not vote. Reading every candidate's items was
// most of a replay's time (a cache miss per session).
func (r *run) sknnSims(sc *scratch, x *sessIndex, sk *sknnSeeds) {
	cand, masks := sc.cand, sc.masks
	// Most candidates hold exactly one seed and no unsampled one: their
	// similarity is that seed's weight, and only their number per seed
	// is kept for the bar. The others get bounds, in lb and ub.
	var single [sknnItems]int32
	others, lb, ub := sc.others[:0], sc.lb[:0], sc.ub[:0]
	unsure := false
	for i := range cand {
		m := masks[i] // never 0: the seed that found the candidate
		miss := sc.cuts[i] &^ m
		if miss == 0 && m&(m-1) == 0 {
			j := bits.TrailingZeros32(m)
			cand[i].sim = sk.w[j]
			single[j]++
			continue
		}
		// The terms in ascending seed order, as a loop over the seeds
		// adds them.
		var lo, hi float64
		for b := m; b != 0; b &= b - 1 {
			lo += float64(sk.w[bits.TrailingZeros32(b)])
		}
		for b := miss; b != 0; b &= b - 1 {
			hi += float64(sk.w[bits.TrailingZeros32(b)])
		}
		if miss == 0 && bits.OnesCount32(m) <= 2 {
			cand[i].sim = sumMask(sk, m)
			hi = -1 // exact
		} else {
			unsure = true
			hi += lo
		}
		others, lb, ub = append(others, int32(i)), append(lb, lo), append(ub, hi)
	}
	sc.others, sc.lb, sc.ub = others, lb, ub
	if !unsure {
		return
	}
	bar := -1.0
	if len(cand) > sknnNeighbors {
		// The sknnNeighbors-th largest lower bound: the single-seed
		// candidates' bounds are their seeds' weights, and at most
		// sknnNeighbors copies of a value can matter.
		sel := append(sc.sel[:0], lb...)
		for j := 0; j < sk.n; j++ {
			for c := min(single[j], sknnNeighbors); c > 0; c-- {
				sel = append(sel, float64(sk.w[j]))
			}
		}
		sc.sel = sel
		bar = kthLargest(sel, sknnNeighbors) * (1 - 1e-5)
	}
	oi := 0
	for i := range cand {
		if oi == len(others) || others[oi] != int32(i) {
			if float64(cand[i].sim) < bar {
				cand[i].sim = 0 // below 100 others: it cannot vote either
			}
			continue
		}
		switch {
		case ub[oi] < 0: // exact already
			if float64(cand[i].sim) < bar {
				cand[i].sim = 0
			}
		case ub[oi] < bar:
			cand[i].sim = 0
		default:
			s := cand[i].sess
			for _, it := range x.items[x.off[s]:x.off[s+1]] {
				cand[i].sim += sc.w[it]
			}
		}
		oi++
	}
}

// sumMask is the float32 sum of the weights of the (at most two) seeds in
// m, as the definition's running sum gives it.
func sumMask(sk *sknnSeeds, m uint32) float32 {
	var s float32
	for m != 0 {
		j := bits.TrailingZeros32(m)
		s += sk.w[j]
		m &= m - 1
	}
	return s
}

// kthLargest returns the k-th largest value of v (1-based), reordering v:
// a quickselect, O(len(v)).
func kthLargest[T float64 | uint64](v []T, k int) T {
	lo, hi, want := 0, len(v)-1, k-1
	for lo < hi {
		p := v[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for v[i] > p {
				i++
			}
			for v[j] < p {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case want <= j:
			hi = j
		case want >= i:
			lo = i
		default:
			return v[want]
		}
	}
	return v[want]
}

// Candidate sessions are ordered the most similar first, the most recent
// first among equals, then the lowest index (a total order, so the
// neighbours never depend on the candidates' order): by sessKey, largest
// first.
//
// sessKey packs that order into one integer: a positive float32's bits
// order as its value, and ord ranks the sessions by (last desc, index asc)
// (tieOrder).
func sessKey(x *sessIndex, c sessSim) uint64 {
	return uint64(math.Float32bits(c.sim))<<32 | uint64(uint32(x.ord[c.sess]))
}

// topSessions returns the n best candidates with a positive similarity,
// best first, reordering cand in place: the n-th largest similarity is
// found by a quickselect over the similarities alone (buf is its working
// memory), the candidates at or above it (n, with any ties) are sorted.
// The order is total, so these are exactly a full sort's first n.
// Candidates with sim ≤ 0 never vote, so leaving them out changes nothing.
// keys is the sort's working memory: each kept candidate's sessKey, read
// once instead of per comparison.
func topSessions(x *sessIndex, cand []sessSim, n int, buf *[]float64, keys *[]keyedSess, kbuf *[]uint64) []sessSim {
	v := (*buf)[:0]
	for _, c := range cand {
		if c.sim > 0 {
			v = append(v, float64(c.sim))
		}
	}
	*buf = v
	thr := float32(math.SmallestNonzeroFloat32)
	if len(v) > n {
		thr = float32(kthLargest(v, n)) // exact: v holds float32 values
	}
	// The kept candidates are gathered first without a branch (which
	// followed the similarities and mispredicted), and their keys read in
	// a loop of independent loads, which the CPU overlaps: ord is
	// scattered, a cache miss per candidate. thr > 0, so c.sim ≥ thr is
	// c.sim > 0 too.
	ks := slices.Grow((*keys)[:0], len(cand))[:len(cand)]
	nk := 0
	for _, c := range cand {
		ks[nk].c = c
		nk += b2i(c.sim >= thr)
	}
	ks = ks[:nk]
	for i := range ks {
		ks[i].key = sessKey(x, ks[i].c)
	}
	*keys = ks
	if len(ks) > n {
		// Ties at the threshold can keep thousands (a seed's sample
		// shares one similarity): the n best keys (distinct) are
		// selected, and only they are sorted.
		kv := (*kbuf)[:0]
		for _, k := range ks {
			kv = append(kv, k.key)
		}
		*kbuf = kv
		kth := kthLargest(kv, n)
		w := 0
		for _, k := range ks {
			if k.key >= kth {
				ks[w] = k
				w++
			}
		}
		ks = ks[:w]
	}
	slices.SortFunc(ks, func(a, b keyedSess) int {
		if a.key > b.key {
			return -1
		}
		return 1 // keys are distinct: ord is
	})
	h := cand[:0]
	for _, k := range ks[:min(n, len(ks))] {
		h = append(h, k.c) // safe: len(h) ≤ len(ks) ≤ len(cand)
	}
	return h
}

// b2i is 1 for true: a SETcc, not a branch.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

type keyedSess struct {
	key uint64
	c   sessSim
}

// slotTable maps the candidate sessions of one search to 1 + their
// position in sc.cand: an open-addressing table sized to the search (at
// most sknnItems·sknnSample sessions, so it stays in the core's cache),
// instead of an array over every training session, whose entries for the
// scattered candidate sessions missed the cache on most reads.
type slotTable struct {
	tab   []slotEntry // len a power of two
	shift uint32      // 32 - log2(len(tab))
}

// slotEntry is a session and 1 + its position in cand (0: empty). The
// session is kept beside its position so that a probe reads one entry,
// not cand too.
type slotEntry struct {
	sess, pos int32
}

// slotHashMul is the Fibonacci hashing multiplier (2^32 / φ).
const slotHashMul = 0x9E3779B1

// reset empties the table and sizes it for n sessions (load ≤ 1/2).
func (t *slotTable) reset(n int) {
	bits := uint32(6)
	for 1<<bits < 2*n {
		bits++
	}
	size := 1 << bits
	if cap(t.tab) < size {
		t.tab = make([]slotEntry, size)
	} else {
		t.tab = t.tab[:size]
		clear(t.tab)
	}
	t.shift = 32 - bits
}

// find returns 1 + sid's position in cand, 0 when it is not a candidate.
func (t *slotTable) find(sid int32) int32 {
	mask := uint32(len(t.tab) - 1)
	for j := uint32(sid) * slotHashMul >> t.shift; ; j = (j + 1) & mask {
		if e := t.tab[j]; e.pos == 0 || e.sess == sid {
			return e.pos
		}
	}
}

type sessSim struct {
	sess int32
	sim  float32
}

// sessionKNN offers the neighbours' votes, history items included (a
// session's own items are its likeliest next clicks).
func (r *run) sessionKNN() {
	sc := r.scratch()
	defer r.release(sc)
	r.ranked(sc, r.sknn(sc), func(c scoredItem) {
		s := c.score
		r.offer(c.idx, r.m.itemIDs[c.idx], s, SessionKNN, func() string {
			return "clicked in similar sessions (" + fmtScore(s) + ")"
		})
	})
}

// blend merges, for the current history, three normalised signals:
// session-neighbour votes (sknn, scaled to a maximum of 1), the co-view
// graph spread from the most recent items (scaled likewise) and, with
// wRepeat > 0, the history items themselves by recency (1/(1+r) for the
// r-th most recent). Candidates come back unsorted, in the memo
// (sc.blendOut), to be read only.
//
// Like sknn's, the result depends only on the seeds' model indices (all
// three signals read seeds(false, sknnItems) or a prefix of it), the
// weights and k (spread's per-seed bound), so it is kept in the scratch
// and copied while those repeat: auto's viewers blend the history that
// similar just blended.
func (r *run) blend(sc *scratch, wKnn, wGraph, wRepeat float64) []scoredItem {
	seeds := r.seeds(false, sknnItems)
	key := blendKey{w: [3]float64{wKnn, wGraph, wRepeat}, k: r.k}
	if sc.blendValid && sc.blendKey == key && len(sc.blendSeeds) == len(seeds) {
		same := true
		for i, s := range seeds {
			if sc.blendSeeds[i] != s.idx {
				same = false
				break
			}
		}
		if same {
			return sc.blendOut
		}
	}
	out := r.blendVotes(sc, wKnn, wGraph, wRepeat)
	sc.blendSeeds = sc.blendSeeds[:0]
	for _, s := range seeds {
		sc.blendSeeds = append(sc.blendSeeds, s.idx)
	}
	sc.blendKey, sc.blendValid = key, true
	sc.blendOut, sc.mix = out, sc.blendOut[:0]
	return out
}

type blendKey struct {
	w [3]float64
	k int
}

// blendVotes computes blend's candidates.
func (r *run) blendVotes(sc *scratch, wKnn, wGraph, wRepeat float64) []scoredItem {
	nItems := len(r.m.itemIDs)
	if len(sc.mpos) < nItems {
		sc.mpos = make([]int32, nItems)
	}
	out := sc.mix[:0]
	add := func(it int32, v float64) {
		p := sc.mpos[it]
		if p == 0 {
			out = append(out, scoredItem{idx: it, by: -1})
			p = int32(len(out))
			sc.mpos[it] = p
		}
		out[p-1].score += v
	}
	// addAll adds a list of distinct items; into an empty out they are
	// appended without a lookup (0+v is v), which saves a read of mpos,
	// a cache miss, per sknn candidate.
	addAll := func(list []scoredItem, w float64) {
		if w == 0 {
			return
		}
		top := 0.0
		for _, c := range list {
			top = max(top, c.score)
		}
		if top <= 0 {
			return
		}
		if len(out) == 0 {
			for _, c := range list {
				out = append(out, scoredItem{score: w * c.score / top, idx: c.idx, by: -1})
				sc.mpos[c.idx] = int32(len(out))
			}
			return
		}
		for _, c := range list {
			add(c.idx, w*c.score/top)
		}
	}
	addAll(r.sknn(sc), wKnn)
	if wGraph != 0 {
		addAll(r.spread(sc, r.m.coView, r.seeds(false, maxSeeds)), wGraph)
	}
	if wRepeat != 0 {
		for rank, s := range r.seeds(false, sknnItems) {
			if s.idx >= 0 {
				add(s.idx, wRepeat/float64(1+rank))
			}
		}
	}
	for _, c := range out {
		sc.mpos[c.idx] = 0
	}
	sc.mix = out
	return out
}

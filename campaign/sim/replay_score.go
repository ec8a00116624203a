package sim

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/feed/par"
)

// cases generates the test cases of one user's events [rg[0], rg[1]), in
// order: in user mode one case (the test-window items, from the training
// history), in session mode one per target event of every test session
// (the next item, from the session's prefix).
//
// Items are the log's item indices; mark is the caller's scratch for
// freshItems.
func (r *replayRun) cases(rg [2]int, mark *itemMarks, emit func(testCase)) {
	lg, opts := r.lg, &r.opts
	if rg[0] == rg[1] {
		return // a range emptied by dropTraining
	}
	uid := lg.users[lg.user[rg[0]]]
	if opts.By == ByUser {
		if !opts.Shard.Has(uid) {
			return
		}
		var truth []int32
		mark.reset()
		for i := rg[0]; i < rg[1]; i++ {
			if !r.isTrain[i] && matchesTarget(opts.Target, lg.kind[i]) && !mark.has(lg.item[i]) {
				mark.add(lg.item[i])
				truth = append(truth, lg.item[i])
			}
		}
		if len(truth) == 0 {
			return
		}
		// The training history is the model's: the ranker reads it there
		// (SetUser), the fresh items are found through the model's indices.
		u, warm := r.model.UserIndex(uid)
		mark.reset()
		if warm {
			for _, it := range r.model.UserItems(u) {
				if li := r.modelToLog[it]; li >= 0 {
					mark.add(li)
				}
			}
		}
		emit(testCase{user: uid, modelUser: u, hist: rank.History{UserID: uid}, truth: truth, fresh: mark.fresh(truth), now: r.res.Split.At, cold: !warm})
		return
	}
	for _, s := range r.sessionsOf(rg[0], rg[1]) {
		if r.isTrain[s[0]] || s[1]-s[0] < 2 {
			continue
		}
		skey := lg.sessKey(s[0])
		if skey == "" {
			skey = fmt.Sprintf("%s#%d", uid, r.origIndex(s[0]))
		}
		if !opts.Shard.Has(skey) {
			continue
		}
		for p := s[0] + 1; p < s[1]; p++ {
			if !matchesTarget(opts.Target, lg.kind[p]) {
				continue
			}
			h := rank.History{UserID: skey}
			mark.reset()
			for q := s[0]; q < p; q++ {
				h.Events = append(h.Events, rank.Event{ItemID: lg.items[lg.item[q]], Kind: lg.kind[q], Time: time.Unix(0, lg.t[q])})
				mark.add(lg.item[q])
			}
			truth := []int32{lg.item[p]}
			emit(testCase{user: skey, modelUser: -1, hist: h, truth: truth, fresh: mark.fresh(truth), now: time.Unix(0, lg.t[p])})
		}
	}
}

// itemMarks is a set of the log's items, emptied in O(1): a worker's
// scratch for the test cases' truth and fresh items.
type itemMarks struct {
	mark  []uint32 // per log item: == stamp when in the set
	stamp uint32
}

func newItemMarks(n int) *itemMarks { return &itemMarks{mark: make([]uint32, n), stamp: 1} }

func (m *itemMarks) reset() {
	m.stamp++
	if m.stamp == 0 { // wrapped: old marks could read as current
		clear(m.mark)
		m.stamp = 1
	}
}

func (m *itemMarks) add(it int32) { m.mark[it] = m.stamp }

func (m *itemMarks) has(it int32) bool { return it >= 0 && m.mark[it] == m.stamp }

// fresh returns the truth items not in the set (the history's items): what
// a strategy that never re-shows history items (similar, crosssell) can
// hit.
func (m *itemMarks) fresh(truth []int32) []int32 {
	var out []int32
	for _, t := range truth {
		if !m.has(t) {
			out = append(out, t)
		}
	}
	return out
}

// score ranks every test case with every strategy, on the shared worker
// pool, one block of users at a time; the first ranking error stops it.
func (r *replayRun) score(ctx context.Context) error {
	opts := &r.opts
	nBlocks := (len(r.ranges) + replayBlockSize - 1) / replayBlockSize
	r.blocks = make([]replayBlock, nBlocks)
	workers := par.Workers(opts.Workers)
	r.covered = make([][]coverSet, workers)
	for w := range r.covered {
		r.covered[w] = make([]coverSet, len(r.strategies))
		for i := range r.covered[w] {
			r.covered[w][i] = coverSet{seen: make([]bool, len(r.lg.items)), other: map[string]struct{}{}}
		}
	}
	r.boot = make([][2]*bootSums, workers)
	r.groups = make([][2]*group, workers)
	maxK := max(opts.K, opts.CurveK)
	scratch := make([]*caseScratch, workers)
	r.rankers = make([]*rank.Ranker, workers)
	var progress func(int)
	if opts.Progress != nil {
		progress = func(done int) {
			opts.Progress(min(done*replayBlockSize, len(r.ranges)), len(r.ranges))
		}
	}
	return par.Blocks(ctx, workers, nBlocks, func(ctx context.Context, w, bi int) error {
		if scratch[w] == nil {
			scratch[w] = &caseScratch{ids: make([]int32, 0, maxK), marks: newItemMarks(len(r.lg.items)), truth: newItemMarks(len(r.lg.items))}
			r.rankers[w] = r.model.NewRanker()
			if reps := opts.Replicates; reps > 0 {
				ns := len(r.strategies)
				r.boot[w] = [2]*bootSums{newBootSums(ns, reps), newBootSums(ns, reps)}
				r.groups[w] = [2]*group{newGroup(ns, reps), newGroup(ns, reps)}
			}
		}
		return r.scoreBlock(w, bi, scratch[w])
	}, progress)
}

// scoreBlock sums the metrics of the cases of block bi's users.
func (r *replayRun) scoreBlock(w, bi int, cs *caseScratch) error {
	opts := &r.opts
	bl := &r.blocks[bi]
	bl.warm, bl.cold = make([]acc, len(r.strategies)), make([]acc, len(r.strategies))
	for si := range r.strategies {
		bl.warm[si].curve = make([]int64, opts.CurveK)
		bl.cold[si].curve = make([]int64, opts.CurveK)
	}
	lastUser := ""
	var err error
	boot, groups := r.boot[w], r.groups[w]
	defer func() {
		if groups[0] != nil {
			groups[0].flush(boot[0], opts.Seed)
			groups[1].flush(boot[1], opts.Seed)
		}
	}()
	for _, rg := range r.ranges[bi*replayBlockSize : min(len(r.ranges), (bi+1)*replayBlockSize)] {
		r.cases(rg, cs.marks, func(tc testCase) {
			if err != nil {
				return
			}
			var g *group
			if groups[0] != nil {
				wc := 0
				if tc.cold {
					wc = 1
				}
				if g = groups[wc]; g.key != tc.user {
					g.flush(boot[wc], opts.Seed)
					g.key = tc.user
				}
			}
			bl.cases++
			if opts.By == ByUser {
				bl.users++
				if tc.cold {
					bl.coldUsers++
				}
			} else if tc.user != lastUser {
				bl.sessions++
				lastUser = tc.user
			}
			rk := r.rankers[w]
			if tc.modelUser >= 0 && !tc.cold {
				rk.SetUser(tc.user, tc.modelUser, tc.now)
			} else {
				rk.SetHistory(tc.hist, tc.now)
			}
			cs.truth.reset()
			for _, it := range tc.truth {
				cs.truth.add(it)
			}
			for si, st := range r.strategies {
				if tc.cold && !st.IsProspecting() {
					continue
				}
				a := &bl.warm[si]
				if tc.cold {
					a = &bl.cold[si]
				}
				var m CaseMetrics
				var newHit float64
				if m, newHit, err = r.scoreCase(&tc, rk, st, a, &r.covered[w][si], cs); err != nil {
					return
				}
				if g != nil {
					g.addCase(si, m, len(tc.fresh) > 0, newHit)
				}
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// scoreCase ranks one case with one strategy and adds its metrics to a;
// it returns them with the hit on new items.
func (r *replayRun) scoreCase(tc *testCase, rk *rank.Ranker, st rank.Strategy, a *acc, covered *coverSet, cs *caseScratch) (CaseMetrics, float64, error) {
	opts := &r.opts
	maxK := max(opts.K, opts.CurveK)
	recs, err := rk.Rank(st, maxK, r.ropts)
	if err != nil {
		return CaseMetrics{}, 0, err
	}
	// The recs as log item indices (-1: not in the log, so in no truth).
	ids := cs.ids[:0]
	for i, mi := range rk.Indices() {
		li := int32(-1)
		if mi >= 0 {
			li = r.modelToLog[mi]
		} else if v, ok := r.lg.itemIx[recs[i].ItemID]; ok {
			li = v // a catalog item with test events only
		}
		ids = append(ids, li)
	}
	cs.ids = ids
	m := scoreIdx(ids, cs.truth, len(tc.truth), opts.K)
	a.n++
	a.hit += fix(m.Hit)
	a.prec += fix(m.Precision)
	a.rec += fix(m.Recall)
	a.ndcg += fix(m.NDCG)
	a.rr += fix(m.RR)
	if opts.CurveK > 0 {
		fh := scoreIdx(ids, cs.truth, len(tc.truth), maxK).FirstHit
		for k := 1; k <= opts.CurveK; k++ {
			if fh > 0 && fh <= k {
				a.curve[k-1]++
			}
		}
	}
	top := ids
	if len(top) > opts.K {
		top = top[:opts.K]
	}
	if len(top) > 0 && r.maxPop > 0 {
		s := 0.0
		for i, it := range top {
			ok := it >= 0 // not in the log: no training interaction
			if ok {
				s += r.pop[it] / r.maxPop
			}
			if !tc.cold {
				covered.add(it, ok, recs[i].ItemID)
			}
		}
		a.popSum += fix(s / float64(len(top)))
		a.popN++
	}
	newHit := 0.0
	if len(tc.fresh) > 0 {
		newHit = 0
		for _, it := range ids[:min(len(ids), opts.K)] {
			if it >= 0 && slices.Contains(tc.fresh, it) {
				newHit = 1 // Score's hit: a fresh item in the top k
				break
			}
		}
		a.newHit += fix(newHit)
		a.newN++
	}
	return m, newHit, nil
}

// collapseNotes says why two strategies' rows look alike, or why one is
// empty, instead of leaving readers to guess.
func (r *replayRun) collapseNotes() {
	has := map[rank.Strategy]bool{}
	for _, s := range r.strategies {
		has[s] = true
	}
	note := func(s string) { r.res.Notes = append(r.res.Notes, s) }
	if has[rank.Bestsellers] && has[rank.Popular] && !r.model.HasPurchases() {
		note("bestsellers = popular here: the training window has no purchases, so bestsellers falls back to the popular list")
	}
	if has[rank.CrossSell] && !r.hasCarts {
		note("cross_sell has no carts or purchases to learn complements from on this view-only log: it falls back to items viewed together")
	}
	if has[rank.Upsell] && r.opts.Rank.Catalog == nil {
		note("upsell needs --catalog (categories and prices): without one it recommends nothing")
	}
}

// coverSet is the set of items a strategy showed: the log's items by
// index, others (catalog items the log lacks) by id.
type coverSet struct {
	seen  []bool
	other map[string]struct{}
}

func (c *coverSet) add(it int32, inLog bool, id string) {
	if inLog {
		c.seen[it] = true
		return
	}
	c.other[id] = struct{}{}
}

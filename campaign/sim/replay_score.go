package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/feed/par"
)

// cases generates the test cases of one user's events [rg[0], rg[1]), in
// order: in user mode one case (the test-window items, from the training
// history), in session mode one per target event of every test session
// (the next item, from the session's prefix).
func (r *replayRun) cases(rg [2]int, emit func(testCase)) {
	lg, opts := r.lg, &r.opts
	if rg[0] == rg[1] {
		return // a range emptied by dropTraining
	}
	uid := lg.users[lg.user[rg[0]]]
	if opts.By == ByUser {
		if !opts.Shard.Has(uid) {
			return
		}
		var truth []string
		seen := map[int32]bool{}
		for i := rg[0]; i < rg[1]; i++ {
			if !r.isTrain[i] && matchesTarget(opts.Target, lg.kind[i]) && !seen[lg.item[i]] {
				seen[lg.item[i]] = true
				truth = append(truth, lg.items[lg.item[i]])
			}
		}
		if len(truth) == 0 {
			return
		}
		h := r.model.History(uid)
		emit(testCase{user: uid, hist: h, truth: truth, fresh: freshItems(h, truth), now: r.res.Split.At, cold: len(h.Events) == 0})
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
			for q := s[0]; q < p; q++ {
				h.Events = append(h.Events, rank.Event{ItemID: lg.items[lg.item[q]], Kind: lg.kind[q], Time: time.Unix(0, lg.t[q])})
			}
			truth := []string{lg.items[lg.item[p]]}
			emit(testCase{user: skey, hist: h, truth: truth, fresh: freshItems(h, truth), now: time.Unix(0, lg.t[p])})
		}
	}
}

// freshItems returns the truth items the history never touched: what a
// strategy that never re-shows history items (similar, crosssell) can hit.
func freshItems(h rank.History, truth []string) []string {
	seen := make(map[string]bool, len(h.Events))
	for _, e := range h.Events {
		seen[e.ItemID] = true
	}
	var out []string
	for _, t := range truth {
		if !seen[t] {
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
	scratch := make([][]string, workers)
	r.rankers = make([]*rank.Ranker, workers)
	var progress func(int)
	if opts.Progress != nil {
		progress = func(done int) {
			opts.Progress(min(done*replayBlockSize, len(r.ranges)), len(r.ranges))
		}
	}
	return par.Blocks(ctx, workers, nBlocks, func(ctx context.Context, w, bi int) error {
		if scratch[w] == nil {
			scratch[w] = make([]string, 0, maxK)
			r.rankers[w] = r.model.NewRanker()
			if reps := opts.Replicates; reps > 0 {
				ns := len(r.strategies)
				r.boot[w] = [2]*bootSums{newBootSums(ns, reps), newBootSums(ns, reps)}
				r.groups[w] = [2]*group{newGroup(ns, reps), newGroup(ns, reps)}
			}
		}
		return r.scoreBlock(w, bi, &scratch[w])
	}, progress)
}

// scoreBlock sums the metrics of the cases of block bi's users.
func (r *replayRun) scoreBlock(w, bi int, ids *[]string) error {
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
		r.cases(rg, func(tc testCase) {
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
			rk.SetHistory(tc.hist, tc.now)
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
				if m, newHit, err = r.scoreCase(&tc, rk, st, a, &r.covered[w][si], ids); err != nil {
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
func (r *replayRun) scoreCase(tc *testCase, rk *rank.Ranker, st rank.Strategy, a *acc, covered *coverSet, ids *[]string) (CaseMetrics, float64, error) {
	opts := &r.opts
	maxK := max(opts.K, opts.CurveK)
	recs, err := rk.Rank(st, maxK, r.ropts)
	if err != nil {
		return CaseMetrics{}, 0, err
	}
	*ids = (*ids)[:0]
	for _, rc := range recs {
		*ids = append(*ids, rc.ItemID)
	}
	m := Score(*ids, tc.truth, opts.K)
	a.n++
	a.hit += fix(m.Hit)
	a.prec += fix(m.Precision)
	a.rec += fix(m.Recall)
	a.ndcg += fix(m.NDCG)
	a.rr += fix(m.RR)
	if opts.CurveK > 0 {
		fh := Score(*ids, tc.truth, maxK).FirstHit
		for k := 1; k <= opts.CurveK; k++ {
			if fh > 0 && fh <= k {
				a.curve[k-1]++
			}
		}
	}
	top := *ids
	if len(top) > opts.K {
		top = top[:opts.K]
	}
	if len(top) > 0 && r.maxPop > 0 {
		s := 0.0
		for _, id := range top {
			it, ok := r.lg.itemIx[id] // not in the log: no training interaction
			if ok {
				s += r.pop[it] / r.maxPop
			}
			if !tc.cold {
				covered.add(it, ok, id)
			}
		}
		a.popSum += fix(s / float64(len(top)))
		a.popN++
	}
	newHit := 0.0
	if len(tc.fresh) > 0 {
		newHit = Score(*ids, tc.fresh, opts.K).Hit
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

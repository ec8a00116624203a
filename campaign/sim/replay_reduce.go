package sim

import (
	"slices"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// The reduce stage turns the scored cases into the report in two steps:
// tally sums the blocks into a replayTally, whose every figure is an
// integer count, a fixed-point integer sum or a set, and reducer.reduce
// turns a tally into the per-strategy metrics, intervals and verdict.
// Tallies of disjoint sets of cases add up (replayTally.add) to the tally
// of their union whatever the order, which is what makes a sharded replay
// merge (merge.go) into exactly the unsharded report.

// replayTally holds everything the report needs from the scored cases.
type replayTally struct {
	Users     int `json:"users"`
	ColdUsers int `json:"cold_users"`
	Sessions  int `json:"sessions"`
	Cases     int `json:"cases"`
	// Warm and Cold hold one acc per strategy of the run.
	Warm []acc `json:"warm"`
	Cold []acc `json:"cold"`
	// Covered lists, per strategy, the items of the warm top-k lists,
	// sorted: coverage is the size of their union.
	Covered [][]string `json:"covered"`
	// Boot holds the warm bootstrap replicate sums (nil without intervals).
	Boot *bootSums `json:"boot,omitempty"`
}

func newTally(strategies, curveK int) *replayTally {
	t := &replayTally{Warm: make([]acc, strategies), Cold: make([]acc, strategies), Covered: make([][]string, strategies)}
	for si := range strategies {
		t.Warm[si].curve = make([]int64, curveK)
		t.Cold[si].curve = make([]int64, curveK)
		t.Covered[si] = []string{}
	}
	return t
}

// tally sums the blocks, the workers' coverage sets and warm bootstrap sums.
func (r *replayRun) tally() *replayTally {
	t := newTally(len(r.strategies), r.opts.CurveK)
	for bi := range r.blocks {
		bl := &r.blocks[bi]
		t.Users += bl.users
		t.ColdUsers += bl.coldUsers
		t.Sessions += bl.sessions
		t.Cases += bl.cases
		for si := range r.strategies {
			if bl.warm != nil {
				t.Warm[si].add(&bl.warm[si])
			}
			if bl.cold != nil {
				t.Cold[si].add(&bl.cold[si])
			}
		}
	}
	for si := range r.strategies {
		all := map[string]struct{}{}
		for w := range r.covered {
			c := &r.covered[w][si]
			for it, ok := range c.seen {
				if ok {
					all[r.lg.items[it]] = struct{}{}
				}
			}
			for id := range c.other {
				all[id] = struct{}{}
			}
		}
		ids := make([]string, 0, len(all))
		for id := range all {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		t.Covered[si] = ids
	}
	if r.opts.Replicates > 0 {
		t.Boot = newBootSums(len(r.strategies), r.opts.Replicates)
		for _, b := range r.boot {
			if b[0] != nil {
				t.Boot.add(b[0])
			}
		}
	}
	return t
}

// add sums o into t: counts and integer sums add, coverage sets unite.
func (t *replayTally) add(o *replayTally) {
	t.Users += o.Users
	t.ColdUsers += o.ColdUsers
	t.Sessions += o.Sessions
	t.Cases += o.Cases
	for si := range t.Warm {
		t.Warm[si].add(&o.Warm[si])
		t.Cold[si].add(&o.Cold[si])
		t.Covered[si] = unionSorted(t.Covered[si], o.Covered[si])
	}
	if t.Boot != nil && o.Boot != nil {
		t.Boot.add(o.Boot)
	}
}

// unionSorted merges two sorted lists of distinct ids.
func unionSorted(a, b []string) []string {
	out := make([]string, 0, max(len(a), len(b)))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

func (a *acc) add(x *acc) {
	a.n += x.n
	a.hit += x.hit
	a.prec += x.prec
	a.rec += x.rec
	a.ndcg += x.ndcg
	a.rr += x.rr
	a.popSum += x.popSum
	a.popN += x.popN
	a.newHit += x.newHit
	a.newN += x.newN
	for k := range x.curve {
		a.curve[k] += x.curve[k]
	}
}

// reducer holds what turning a tally into the report needs besides the
// report's own global fields (split, k, warnings and notes so far).
type reducer struct {
	strategies []rank.Strategy
	curveK     int
	replicates int
	seed       uint64
}

func (r *replayRun) reducer() reducer {
	return reducer{strategies: r.strategies, curveK: r.opts.CurveK, replicates: r.opts.Replicates, seed: r.opts.Seed}
}

// reduce completes the report from the tally of its cases.
func (r *replayRun) reduce() {
	r.collapseNotes()
	r.reducer().reduce(r.res, r.tally())
}

// reduce fills res's case counts, per-strategy metrics, cold report,
// intervals and verdict from t.
func (f reducer) reduce(res *ReplayResult, t *replayTally) {
	sp := &res.Split
	sp.TestUsers += t.Users
	sp.ColdUsers += t.ColdUsers
	sp.Sessions += t.Sessions
	sp.Cases += t.Cases
	res.Strategies = f.finish(res, t, false)
	if sp.By == ByUser && sp.ColdUsers > 0 {
		// Coverage of cold lists is reported with the warm figure only.
		res.Cold = &ColdReport{Users: sp.ColdUsers, Strategies: f.finish(res, t, true)}
	}
	f.intervals(res, t.Boot)
}

// finish turns the warm (or cold) sums into per-strategy metrics.
func (f reducer) finish(res *ReplayResult, t *replayTally, cold bool) []ReplayStrategy {
	var out []ReplayStrategy
	universe := float64(res.Split.Items)
	mean := func(sum int64, n float64) float64 { return round6(float64(sum) / fixScale / n) }
	for si, st := range f.strategies {
		if cold && !st.IsProspecting() {
			continue
		}
		a := &t.Warm[si]
		if cold {
			a = &t.Cold[si]
		}
		n := float64(max(a.n, 1))
		rs := ReplayStrategy{Name: st, Users: int(a.n),
			HitRate: mean(a.hit, n), Precision: mean(a.prec, n), Recall: mean(a.rec, n),
			NDCG: mean(a.ndcg, n), MRR: mean(a.rr, n)}
		if a.popN > 0 {
			rs.PopularityBias = mean(a.popSum, float64(a.popN))
		}
		rs.NewItemCases = int(a.newN)
		if a.newN > 0 {
			rs.NewItemHitRate = mean(a.newHit, float64(a.newN))
		}
		if !cold && universe > 0 {
			rs.Coverage = round6(float64(len(t.Covered[si])) / universe)
		}
		if f.curveK > 0 {
			rs.HitRateByK = make([]float64, f.curveK)
			for k := range a.curve {
				rs.HitRateByK[k] = round6(float64(a.curve[k]) / n)
			}
		}
		out = append(out, rs)
	}
	return out
}

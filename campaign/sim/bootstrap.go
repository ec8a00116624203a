package sim

import (
	"hash/fnv"
	"math"

	"github.com/dpa-tools/dpa/campaign/boot"
)

// Intervals come from a Poisson bootstrap over whole test groups (test
// sessions under --by session, users under --by user): each group gets, in
// each of B replicates, a Poisson(1) weight drawn from a stream seeded by
// (seed, hash of the group's id). This is the streaming form of the
// classic resample-with-replacement bootstrap (Hanley & MacGibbon 2006,
// "Creating non-parametric bootstrap samples using Poisson frequencies"):
// no case has to be kept, memory is B counters per strategy and metric,
// and the weights depend only on the group, never on the worker that
// scored it or the order blocks finish. Every strategy sees the same
// weights, so the difference of two strategies in one replicate is a paired
// bootstrap of their difference. Sums are fixed-point integers so that
// adding them up in any order gives the same bytes.

// DefaultReplicates is the number of bootstrap replicates.
const DefaultReplicates = 500

// Metric indexes of the bootstrap sums.
const (
	mHit = iota
	mPrec
	mRec
	mNDCG
	mRR
	mNew  // hits on items new to the history (see testCase.fresh)
	mNewN // cases with a new item to find
	nMetrics
)

const fixScale = 1e9 // fixed-point unit of a metric value

func fix(x float64) int64 { return int64(math.Round(x * fixScale)) }

// bootSums holds, per strategy, the weighted case count and metric sums of
// every replicate: n[si][r], sum[si][m][r].
type bootSums struct {
	reps int
	n    [][]int64
	sum  [][nMetrics][]int64
	// shared holds the weighted case count and new-item case count that
	// every strategy has (group.flush: every strategy scores every case
	// of a group, so both are equal across strategies): added once per
	// group instead of once per strategy, and folded into n and
	// sum[·][mNewN] before anything reads them (fold).
	shared [2][]int64
}

// fold moves the shared sums into every strategy's.
func (b *bootSums) fold() {
	if b.shared[0] == nil {
		return
	}
	for si := range b.n {
		for r := range b.reps {
			b.n[si][r] += b.shared[0][r]
			b.sum[si][mNewN][r] += b.shared[1][r]
		}
	}
	b.shared = [2][]int64{}
}

func newBootSums(strategies, reps int) *bootSums {
	b := &bootSums{reps: reps, n: make([][]int64, strategies), sum: make([][nMetrics][]int64, strategies)}
	for si := range strategies {
		b.n[si] = make([]int64, reps)
		for m := range nMetrics {
			b.sum[si][m] = make([]int64, reps)
		}
	}
	return b
}

// add merges o into b (integer sums: the order does not matter).
func (b *bootSums) add(o *bootSums) {
	b.fold()
	o.fold()
	for si := range b.n {
		for r := range b.reps {
			b.n[si][r] += o.n[si][r]
		}
		for m := range nMetrics {
			for r := range b.reps {
				b.sum[si][m][r] += o.sum[si][m][r]
			}
		}
	}
}

// group accumulates the cases of one test group before they are spread
// over the replicates with the group's weights.
type group struct {
	key  string
	n    []int64
	sum  [][nMetrics]int64
	used bool
	w    []uint8
}

func newGroup(strategies, reps int) *group {
	return &group{n: make([]int64, strategies), sum: make([][nMetrics]int64, strategies), w: make([]uint8, reps)}
}

func (g *group) addCase(si int, m CaseMetrics, newCase bool, newHit float64) {
	g.used = true
	g.n[si]++
	s := &g.sum[si]
	s[mHit] += fix(m.Hit)
	s[mPrec] += fix(m.Precision)
	s[mRec] += fix(m.Recall)
	s[mNDCG] += fix(m.NDCG)
	s[mRR] += fix(m.RR)
	if newCase {
		s[mNew] += fix(newHit)
		s[mNewN] += fixScale
	}
}

// flush spreads the group's sums over the replicates and resets it. It
// runs once per test group over every replicate, strategy and metric, so
// it walks each replicate array in one pass and skips the metrics the
// group left at zero (most: a case without a hit scores 0 on all five).
func (g *group) flush(b *bootSums, seed uint64) {
	if !g.used {
		return
	}
	poissonWeights(g.w, seed, g.key)
	// Most of the arrays a group adds to were the case counts, equal for
	// every strategy: those go to b.shared once.
	shared := len(g.n) > 0
	for si := range g.n {
		if g.n[si] != g.n[0] || g.sum[si][mNewN] != g.sum[0][mNewN] {
			shared = false
			break
		}
	}
	if shared {
		if b.shared[0] == nil {
			b.shared = [2][]int64{make([]int64, b.reps), make([]int64, b.reps)}
		}
		addWeighted(b.shared[0], g.w, g.n[0])
		if v := g.sum[0][mNewN]; v != 0 {
			addWeighted(b.shared[1], g.w, v)
		}
	}
	for si := range g.n {
		if g.n[si] == 0 {
			continue
		}
		if !shared {
			addWeighted(b.n[si], g.w, g.n[si])
		}
		for m, v := range g.sum[si] {
			if v != 0 && (!shared || m != mNewN) {
				addWeighted(b.sum[si][m], g.w, v)
			}
		}
		g.n[si] = 0
		g.sum[si] = [nMetrics]int64{}
	}
	g.used = false
}

// addWeighted adds w[r]·v to dst[r] for every replicate r.
func addWeighted(dst []int64, w []uint8, v int64) {
	dst = dst[:len(w)]
	r := 0
	for ; r+4 <= len(w); r += 4 {
		d, x := dst[r:r+4:r+4], w[r:r+4:r+4]
		d[0] += int64(x[0]) * v
		d[1] += int64(x[1]) * v
		d[2] += int64(x[2]) * v
		d[3] += int64(x[3]) * v
	}
	for ; r < len(w); r++ {
		dst[r] += int64(w[r]) * v
	}
}

// poissonWeights fills w with the Poisson(1) weights of the group with
// id key (boot.PoissonWeights keyed by FNV-1a 64 of the id).
func poissonWeights(w []uint8, seed uint64, key string) {
	h := fnv.New64a()
	h.Write([]byte(key))
	boot.PoissonWeights(w, seed, h.Sum64())
}

// value is strategy si's metric m in replicate r; false when the
// replicate drew no case of it. The new-items hit rate is over the cases
// with a new item to find only.
func (b *bootSums) value(si, m, r int) (float64, bool) {
	b.fold()
	den := float64(b.n[si][r])
	if m == mNew {
		den = float64(b.sum[si][mNewN][r]) / fixScale
	}
	if den <= 0 {
		return 0, false
	}
	return float64(b.sum[si][m][r]) / fixScale / den, true
}

// replicates returns strategy si's metric m in every replicate that has a
// case of it.
func (b *bootSums) replicates(si, m int) []float64 {
	out := make([]float64, 0, b.reps)
	for r := range b.reps {
		if v, ok := b.value(si, m, r); ok {
			out = append(out, v)
		}
	}
	return out
}

// diffs returns, per replicate, metric m of strategy a minus that of c:
// the paired bootstrap of their difference.
func (b *bootSums) diffs(a, c, m int) []float64 {
	out := make([]float64, 0, b.reps)
	for r := range b.reps {
		va, oka := b.value(a, m, r)
		vc, okc := b.value(c, m, r)
		if oka && okc {
			out = append(out, va-vc)
		}
	}
	return out
}

// percentileCI is the 95% percentile interval of the replicate values.
func percentileCI(v []float64) [2]float64 {
	ci := boot.Percentile(v, 0.025, 0.975)
	return [2]float64{round6(ci[0]), round6(ci[1])}
}

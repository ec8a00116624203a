package sim

import (
	"math"

	"github.com/dpa-tools/dpa/campaign/boot"
)

// Synthetic intervals: the shoppers are the resampling unit. A shopper's
// impressions, clicks and purchases are not independent (the same tastes,
// the same fatigue and frequency state), so the unit of the bootstrap is
// the shopper, as the test session or user is in a replay (bootstrap.go).
// Each shopper gets, in each replicate, the Poisson(1) weight of
// boot.PoissonWeights keyed by its index; every strategy sees the same
// weights. Sums are integers (revenue in fixed point), so per-worker sums
// added in any order give the same bytes whatever --workers is.

// Indexes of a shopper's (or a replicate's) sums.
const (
	bImp = iota
	bClicks
	bBuys
	bRev // revenue × revFix
	nBoot
)

// revFix is the fixed-point unit of revenue: 1/10,000 of the currency's
// major unit covers every ISO 4217 minor unit (at most 4 decimals).
const revFix = 1e4

func revUnits(price float64) int64 { return int64(math.Round(price * revFix)) }

// synthBoot holds, per strategy and sum, the value in every replicate.
type synthBoot struct {
	seed uint64
	w    []uint8
	sum  [][nBoot][]int64
}

func newSynthBoot(strategies, reps int, seed uint64) *synthBoot {
	b := &synthBoot{seed: seed, w: make([]uint8, reps), sum: make([][nBoot][]int64, strategies)}
	for si := range b.sum {
		for m := range nBoot {
			b.sum[si][m] = make([]int64, reps)
		}
	}
	return b
}

// addShopper spreads shopper u's per-strategy sums over the replicates.
// A shopper with no impression adds nothing to any sum, whatever its
// weight, so its weights are not drawn.
func (b *synthBoot) addShopper(u int, x [][nBoot]int64) {
	seen := false
	for si := range x {
		seen = seen || x[si][bImp] > 0
	}
	if !seen {
		return
	}
	boot.PoissonWeights(b.w, b.seed, uint64(u))
	for si := range x {
		if x[si][bImp] == 0 {
			continue
		}
		for m := range nBoot {
			v, s := x[si][m], b.sum[si][m]
			if v == 0 {
				continue
			}
			for r, w := range b.w {
				s[r] += int64(w) * v
			}
		}
	}
}

// add merges o into b (integer sums: the order does not matter).
func (b *synthBoot) add(o *synthBoot) {
	for si := range b.sum {
		for m := range nBoot {
			for r, v := range o.sum[si][m] {
				b.sum[si][m][r] += v
			}
		}
	}
}

// synthCI are one strategy's 95% percentile intervals.
type synthCI struct {
	ctr, revenue, rpm, cvr [2]float64
}

// ci computes strategy si's intervals. A replicate without impressions
// (or clicks, for the conversion rate) has no rate and is left out.
func (b *synthBoot) ci(si int) synthCI {
	s := &b.sum[si]
	var ctr, rev, rpm, cvr []float64
	for r := range b.w {
		rv := float64(s[bRev][r]) / revFix
		rev = append(rev, rv)
		if s[bImp][r] > 0 {
			ctr = append(ctr, float64(s[bClicks][r])/float64(s[bImp][r]))
			rpm = append(rpm, rv*1000/float64(s[bImp][r]))
		}
		if s[bClicks][r] > 0 {
			cvr = append(cvr, float64(s[bBuys][r])/float64(s[bClicks][r]))
		}
	}
	c := synthCI{ctr: percentileCI(ctr), rpm: percentileCI(rpm), cvr: percentileCI(cvr)}
	c.revenue = boot.Percentile(rev, 0.025, 0.975)
	for i := range c.revenue {
		c.revenue[i] = math.Round(c.revenue[i]*100) / 100
	}
	return c
}

package sim

import (
	"math"

	"github.com/dpa-tools/dpa/campaign/boot"
)

// The learning curve's intervals resample whole shoppers, like the
// comparison's (synth_boot.go): a shopper's impressions over the days share
// its tastes, history and fatigue, so its regrets on different days are
// correlated (a shopper the arms serve badly is served badly every day) and
// the cumulative regret's unit of independence is the shopper, not the
// slot. Each shopper keeps its impressions' day, click and regret
// (curveImp, 8 bytes each); after the last day they are spread over the
// replicates with the shopper's Poisson weights (the same weights as the
// learned row's bootstrap: same seed, same key), in shopper order, so the
// intervals are the same bytes for any --workers.
//
// Within a day a shopper has at most one ad slot, so a day's impressions
// come from distinct shoppers and are independent given the slates served:
// Wilson's interval over the day's impressions has no cluster to ignore
// (TestLearnDayCTRCoverage measures it against the simulator's truth). The
// day's CTR gets the shopper bootstrap's interval too (ctr_boot_ci), from
// the same replicates as the cumulative regret.
//
// The cumulative regret is a total over the run's fixed number of
// shoppers, not a ratio: a Poisson replicate resamples a random number of
// shoppers (Σw ≈ n ± √n), and since every impression has a positive regret
// that count's spread would widen the interval by the factor
// √(E[X²]/Var X) of the shoppers' regrets X (1.7 in TestCurveBootCoverage,
// where the unscaled interval covered 99.8%). Each replicate's regret is
// therefore scaled by n/Σw over all shoppers, those without an impression
// included: the bootstrap of the mean regret per shopper, times n.

// curveImp is one impression of the policy for the learning curve.
type curveImp struct {
	day   uint16 // index of the report day (0 = the first ad day)
	click bool
	reg   float32 // expected clicks lost to the oracle on this slot
}

// curveBoot holds, per report day, the replicates' impressions, clicks and
// regret.
type curveBoot struct {
	seed          uint64
	w             []uint8
	imp, clk, reg [][]float64
	wsum          []float64 // Σ weights over every shopper added
	n             int       // shoppers added
}

func newCurveBoot(days, reps int, seed uint64) *curveBoot {
	b := &curveBoot{seed: seed, w: make([]uint8, reps), wsum: make([]float64, reps)}
	for _, m := range []*[][]float64{&b.imp, &b.clk, &b.reg} {
		*m = make([][]float64, days)
		for d := range *m {
			(*m)[d] = make([]float64, reps)
		}
	}
	return b
}

// addShopper spreads shopper u's impressions over the replicates. Every
// shopper of the run is added, those without impressions too (they count
// in the regret's scaling).
func (b *curveBoot) addShopper(u int, imps []curveImp) {
	b.n++
	boot.PoissonWeights(b.w, b.seed, uint64(u))
	for r, w := range b.w {
		b.wsum[r] += float64(w)
	}
	for _, im := range imps {
		imp, reg, clk := b.imp[im.day], b.reg[im.day], b.clk[im.day]
		rg := float64(im.reg)
		for r, w := range b.w {
			imp[r] += float64(w)
			reg[r] += float64(w) * rg
		}
		if im.click {
			for r, w := range b.w {
				clk[r] += float64(w)
			}
		}
	}
}

// ctrCI is day d's CTR interval (replicates without impressions left out).
func (b *curveBoot) ctrCI(d int) [2]float64 {
	var v []float64
	for r, n := range b.imp[d] {
		if n > 0 {
			v = append(v, b.clk[d][r]/n)
		}
	}
	return percentileCI(v)
}

// regretCIs are the cumulative regret's intervals, one per day.
func (b *curveBoot) regretCIs() [][2]float64 {
	cum := make([]float64, len(b.w))
	out := make([][2]float64, len(b.reg))
	v := make([]float64, len(b.w))
	for d, day := range b.reg {
		v = v[:0]
		for r := range cum {
			cum[r] += day[r]
			if b.wsum[r] > 0 {
				v = append(v, cum[r]*float64(b.n)/b.wsum[r])
			}
		}
		out[d] = percentileCI(v)
	}
	return out
}

// slotRegretCI is the cumulative regret's normal interval over slots taken
// as independent (n slots, regrets summing to sum, squares to sum2): the
// interval regret_ci was before the shopper bootstrap, kept as
// regret_slot_ci. It ignores that a shopper's slots are correlated and is
// too narrow by about the square root of the slots per shopper.
func slotRegretCI(sum, sum2 float64, n int64) [2]float64 {
	if n < 2 {
		return [2]float64{}
	}
	fn := float64(n)
	m := sum / fn
	sd := math.Sqrt(math.Max(0, (sum2-fn*m*m)/(fn-1)))
	half := 1.96 * sd * math.Sqrt(fn)
	return [2]float64{round6(sum - half), round6(sum + half)}
}

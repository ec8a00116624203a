// Package boot holds the primitives of dpa's seeded Poisson bootstrap,
// shared by the replay metrics (campaign/sim) and off-policy evaluation
// (campaign/ope): each resampled unit (a test session, a user, a shopper)
// gets in each of B replicates a Poisson(1) weight drawn from a stream
// seeded by (seed, unit key). This is the streaming form of the classic
// resample-with-replacement bootstrap (Hanley & MacGibbon 2006, "Creating
// non-parametric bootstrap samples using Poisson frequencies"): no unit has
// to be kept, and a unit's weights depend only on its key, never on the
// order in which units are read or the worker that reads them.
package boot

import (
	"math"
	"math/rand/v2"
	"slices"
)

// PoissonWeights fills w with Poisson(1) draws from a stream seeded by
// seed and the unit's key.
func PoissonWeights(w []uint8, seed, key uint64) {
	// The PCG is called directly (not through a rand.Rand, whose Source
	// interface call per draw and allocation per unit were most of the
	// cost); u is exactly rand.Rand.Float64's value for the same stream.
	pcg := rand.NewPCG(seed^0xb007, key)
	for r := range w {
		w[r] = uint8(poissonK(pcg.Uint64() & (1<<53 - 1)))
	}
}

// poissonK is the inverse CDF of Poisson(1) at u = m/2^53 (m < 2^53, the
// 53 bits rand.Float64 keeps): the first k < 20 with u ≤ poissonCDF[k],
// 20 if none. u > c ⟺ m > c·2^53 (an exact scaling) ⟺ m > floor(c·2^53)
// (m is an integer), so the CDF is compared as integers; and t-m has its
// top bit set exactly when m > t (both below 2^53), so the eight
// thresholds that hold all but 1e-5 of the draws are counted without a
// branch: the compare loop's branches followed random draws and missed
// about every other time, most of the bootstrap's cost.
func poissonK(m uint64) int {
	t := &poissonT
	k := (t[0]-m)>>63 + (t[1]-m)>>63 + (t[2]-m)>>63 + (t[3]-m)>>63 +
		(t[4]-m)>>63 + (t[5]-m)>>63 + (t[6]-m)>>63 + (t[7]-m)>>63
	if k < 8 {
		return int(k) // the CDF increases: the count is the first k
	}
	for k < 20 && m > t[k] {
		k++
	}
	return int(k)
}

// poissonT[k] is floor(poissonCDF[k]·2^53).
var poissonT = func() (t [20]uint64) {
	for k, c := range poissonCDF {
		t[k] = uint64(c * (1 << 53))
	}
	return t
}()

// poissonCDF[k] is P(Poisson(1) ≤ k), summed as e^-1/k! term by term.
var poissonCDF = func() (c [20]float64) {
	p := math.Exp(-1)
	c[0] = p
	for k := 1; k < 20; k++ {
		p /= float64(k)
		c[k] = c[k-1] + p
	}
	return c
}()

// Percentile returns the lo and hi quantiles (in [0, 1]) of the replicate
// values v, linearly interpolated; v is sorted in place. Empty v: zeros.
func Percentile(v []float64, lo, hi float64) [2]float64 {
	if len(v) == 0 {
		return [2]float64{}
	}
	slices.Sort(v)
	q := func(p float64) float64 {
		x := p * float64(len(v)-1)
		i := int(math.Floor(x))
		if i+1 >= len(v) {
			return v[len(v)-1]
		}
		f := x - float64(i)
		return v[i]*(1-f) + v[i+1]*f
	}
	return [2]float64{q(lo), q(hi)}
}

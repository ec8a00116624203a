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
		// Inverse CDF of Poisson(1).
		u := float64(pcg.Uint64()<<11>>11) / (1 << 53)
		k := 0
		for k < 20 && u > poissonCDF[k] {
			k++
		}
		w[r] = uint8(k)
	}
}

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

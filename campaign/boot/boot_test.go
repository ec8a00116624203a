package boot

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// PoissonWeights must draw exactly what the inverse CDF over a rand.Rand
// on the same PCG stream draws (the reports' intervals depend on it).
func TestPoissonWeightsMatchRand(t *testing.T) {
	got, want := make([]uint8, 997), make([]uint8, 997)
	for key := range uint64(300) {
		seed := key * 7919
		PoissonWeights(got, seed, key)
		rng := rand.New(rand.NewPCG(seed^0xb007, key))
		for r := range want {
			u := rng.Float64()
			k := 0
			for k < 20 && u > poissonCDF[k] {
				k++
			}
			want[r] = uint8(k)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("key %d: weights differ", key)
		}
	}
}

// poissonK must agree with the float compare loop at and around every
// threshold, where a rounding slip would show, and deep in the tail.
func TestPoissonKAtThresholds(t *testing.T) {
	ref := func(m uint64) int {
		u := float64(m) / (1 << 53)
		k := 0
		for k < 20 && u > poissonCDF[k] {
			k++
		}
		return k
	}
	ms := []uint64{0, 1, 1<<53 - 1, 1<<53 - 2}
	for _, c := range poissonCDF {
		x := uint64(c * (1 << 53))
		for d := uint64(0); d < 3; d++ {
			ms = append(ms, x+d, x-d)
		}
	}
	for _, m := range ms {
		if m >= 1<<53 {
			continue
		}
		if got, want := poissonK(m), ref(m); got != want {
			t.Fatalf("m %d: poissonK %d, want %d", m, got, want)
		}
	}
}

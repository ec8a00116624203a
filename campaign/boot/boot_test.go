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

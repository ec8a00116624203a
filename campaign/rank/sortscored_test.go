package rank

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// sortScored must order exactly as slices.SortFunc(cmpScored), on lists
// with many equal scores (the index breaks ties), sorted and reversed
// input, and every length up to a few hundred.
func TestSortScoredMatchesSortFunc(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 3000 {
		n := rng.IntN(300)
		a := make([]scoredItem, n)
		perm := rng.Perm(n)
		levels := 1 + rng.IntN(40)
		for i := range a {
			a[i] = scoredItem{score: float64(rng.IntN(levels)) / 4, idx: int32(perm[i]), by: int32(i)}
		}
		switch trial % 5 {
		case 1:
			slices.SortFunc(a, cmpScored)
		case 2:
			slices.SortFunc(a, cmpScored)
			slices.Reverse(a)
		}
		want := slices.Clone(a)
		slices.SortFunc(want, cmpScored)
		sortScored(a)
		if !slices.Equal(a, want) {
			t.Fatalf("trial %d (n %d): order differs", trial, n)
		}
	}
}

// selectScored must leave exactly the k first items of the full sort in
// a[:k], whatever their order.
func TestSelectScoredMatchesSortPrefix(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for trial := range 3000 {
		n := rng.IntN(300)
		a := make([]scoredItem, n)
		perm := rng.Perm(n)
		levels := 1 + rng.IntN(40)
		for i := range a {
			a[i] = scoredItem{score: float64(rng.IntN(levels)) / 4, idx: int32(perm[i]), by: int32(i)}
		}
		if trial%5 == 1 {
			slices.SortFunc(a, cmpScored)
		}
		k := rng.IntN(n + 1)
		want := slices.Clone(a)
		slices.SortFunc(want, cmpScored)
		selectScored(a, k)
		got := slices.Clone(a[:k])
		slices.SortFunc(got, cmpScored)
		if !slices.Equal(got, want[:k]) {
			t.Fatalf("trial %d (n %d, k %d): the first k differ", trial, n, k)
		}
	}
}

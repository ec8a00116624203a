package idset

import (
	"math/rand/v2"
	"testing"
)

// TestSetMatchesMap: Add and Has agree with a map over random hashes,
// repeats, and the values 0 and zeroKey (which the set treats as one).
func TestSetMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s Set
	ref := map[uint64]bool{}
	for i := 0; i < 200_000; i++ {
		var h uint64
		switch rng.IntN(10) {
		case 0:
			h = uint64(rng.IntN(100)) // small values repeat, and probe runs collide
		case 1:
			h = 0
		default:
			h = rng.Uint64()
		}
		key := h
		if key == 0 {
			key = zeroKey
		}
		if got, want := s.Add(h), !ref[key]; got != want {
			t.Fatalf("Add(%d) = %v, want %v", h, got, want)
		}
		ref[key] = true
		if probe := rng.Uint64(); s.Has(probe) != ref[probe] && probe != 0 {
			t.Fatalf("Has(%d) = %v", probe, s.Has(probe))
		}
	}
	if s.Len() != len(ref) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(ref))
	}
	for k := range ref {
		if !s.Has(k) {
			t.Fatalf("Has(%d) = false after Add", k)
		}
	}
	var empty Set
	if empty.Has(5) || empty.Len() != 0 {
		t.Fatal("zero Set not empty")
	}
}

func BenchmarkSetAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	keys := make([]uint64, 1<<20)
	for i := range keys {
		keys[i] = rng.Uint64()
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var s Set
		for _, k := range keys {
			s.Add(k)
		}
	}
}

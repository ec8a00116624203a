package feed

import (
	"math/rand/v2"
	"testing"
)

func TestHashLines(t *testing.T) {
	var h hashLines
	const n = 100_000
	for i := range uint64(n) {
		key := i * 0x9e3779b97f4a7c15 // spread, includes 0
		if _, ok := h.firstOrAdd(key, uint32(i)); ok {
			t.Fatalf("key %d reported present before insertion", i)
		}
	}
	for i := range uint64(n) {
		key := i * 0x9e3779b97f4a7c15
		line, ok := h.firstOrAdd(key, 999)
		if !ok || line != uint32(i) {
			t.Fatalf("key %d: got %d %v, want %d", i, line, ok, i)
		}
	}
	if h.n != n || len(h.slots) < 2*n {
		t.Fatalf("n=%d slots=%d", h.n, len(h.slots))
	}
}

// TestHashLinesReserve: adopting a larger table (as Validate's background
// reserve does), part-way through or with a wrong guess, never changes an
// answer (a map is the reference).
func TestHashLinesReserve(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		var h hashLines
		ref := map[uint64]uint32{}
		n := 1 + rng.IntN(50_000)
		at, guess := rng.IntN(n), rng.IntN(2*n)
		for i := range n {
			if i == at {
				if round%2 == 0 {
					h.adopt(make([]hlSlot, slotsFor(guess)))
				} else {
					h.adopt(faultedSlots(guess)) // what Validate's background reserve does
				}
			}
			key := rng.Uint64N(uint64(n)) * 0x9e3779b97f4a7c15 // duplicates, and 0
			if key == 1 {
				key = 2 // 0 and 1 share a slot by design
			}
			line, ok := h.firstOrAdd(key, uint32(i))
			want, wok := ref[key]
			if !wok {
				ref[key] = uint32(i)
			}
			if ok != wok || line != want {
				t.Fatalf("round %d key %d: got %d %v, want %d %v", round, key, line, ok, want, wok)
			}
		}
		if h.n != len(ref) || 2*h.n > len(h.slots) {
			t.Fatalf("round %d: n=%d want %d, %d slots", round, h.n, len(ref), len(h.slots))
		}
	}
}

package feed

import "testing"

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
	if h.n != n || len(h.keys) < 2*n {
		t.Fatalf("n=%d slots=%d", h.n, len(h.keys))
	}
}

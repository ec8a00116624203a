package feed

// hashLines maps 64-bit key hashes to the line (or tagged item number, see
// cross.ref) of their first occurrence.
// It replaces a Go map on the validator's sequential path: open addressing
// over two flat arrays, at most half full, so a lookup in a table of a
// million ids is usually one cache miss and nothing is allocated per key.
type hashLines struct {
	keys  []uint64 // 0 = empty; a real 0 hash is stored as 1
	lines []uint32
	n     int
}

// firstOrAdd returns the line stored for h and true, or stores line and
// returns false.
func (t *hashLines) firstOrAdd(h uint64, line uint32) (uint32, bool) {
	if h == 0 {
		h = 1
	}
	if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	mask := uint64(len(t.keys) - 1)
	for i := (h ^ h>>29) & mask; ; i = (i + 1) & mask {
		switch t.keys[i] {
		case h:
			return t.lines[i], true
		case 0:
			t.keys[i], t.lines[i] = h, line
			t.n++
			return 0, false
		}
	}
}

func (t *hashLines) grow() { t.resize(max(1<<12, 2*len(t.keys))) }

// reserve sizes the table for n keys at once (nothing when it already
// is): a million keys added one by one cost eight grows, each a rehash
// into fresh memory, which is slow to fault in.
func (t *hashLines) reserve(n int) {
	size := 1 << 12
	for 2*(n+1) > size {
		size *= 2
	}
	if size > len(t.keys) {
		t.resize(size)
	}
}

func (t *hashLines) resize(size int) {
	oldK, oldL := t.keys, t.lines
	t.keys, t.lines, t.n = make([]uint64, size), make([]uint32, size), 0
	for i, k := range oldK {
		if k != 0 {
			t.firstOrAdd(k, oldL[i])
		}
	}
}

// retag replaces the value stored for h with to if it is still from (the
// entry was stored by the item being retagged, not an earlier one).
func (t *hashLines) retag(h uint64, from, to uint32) {
	if h == 0 {
		h = 1
	}
	if t.n == 0 {
		return
	}
	mask := uint64(len(t.keys) - 1)
	for i := (h ^ h>>29) & mask; t.keys[i] != 0; i = (i + 1) & mask {
		if t.keys[i] == h {
			if t.lines[i] == from {
				t.lines[i] = to
			}
			return
		}
	}
}

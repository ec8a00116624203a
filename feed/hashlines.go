package feed

// hashLines maps 64-bit key hashes to the line (or tagged item number, see
// cross.ref) of their first occurrence.
// It replaces a Go map on the validator's sequential path: open addressing
// over one flat array of 12-byte slots (the hash's two halves and the
// line side by side, so a lookup touches one cache line, not one per
// array), at most half full, so a lookup in a table of a million ids is
// usually one cache miss and nothing is allocated per key.
type hashLines struct {
	slots []hlSlot
	n     int
}

// hlSlot is a key hash split in two words (keeping the slot at 12 bytes,
// where a uint64 field would pad it to 16) and its line. hi|lo == 0 is
// empty; a real 0 hash is stored as 1.
type hlSlot struct{ hi, lo, line uint32 }

// firstOrAdd returns the line stored for h and true, or stores line and
// returns false.
func (t *hashLines) firstOrAdd(h uint64, line uint32) (uint32, bool) {
	if h == 0 {
		h = 1
	}
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	hi, lo := uint32(h>>32), uint32(h)
	mask := uint64(len(t.slots) - 1)
	for i := (h ^ h>>29) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.hi == hi && s.lo == lo {
			return s.line, true
		}
		if s.hi|s.lo == 0 {
			*s = hlSlot{hi, lo, line}
			t.n++
			return 0, false
		}
	}
}

// touch loads h's home slot and returns a word of it, so the caller can
// fault in a batch of slots with independent loads (the processor
// overlaps their cache misses) before it runs the dependent
// firstOrAdd calls one by one; the caller keeps the result in a sink so
// the load is not dropped.
func (t *hashLines) touch(h uint64) uint32 {
	if len(t.slots) == 0 {
		return 0
	}
	return t.slots[(h^h>>29)&uint64(len(t.slots)-1)].line
}

func (t *hashLines) grow() { t.resize(max(1<<12, 2*len(t.slots))) }

// reserve sizes the table for n keys at once (nothing when it already
// is): a million keys added one by one cost eight grows, each a rehash
// into fresh memory, which is slow to fault in.
func (t *hashLines) reserve(n int) {
	size := 1 << 12
	for 2*(n+1) > size {
		size *= 2
	}
	if size > len(t.slots) {
		t.resize(size)
	}
}

func (t *hashLines) resize(size int) {
	old := t.slots
	t.slots, t.n = make([]hlSlot, size), 0
	for _, s := range old {
		if s.hi|s.lo != 0 {
			t.firstOrAdd(uint64(s.hi)<<32|uint64(s.lo), s.line)
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
	hi, lo := uint32(h>>32), uint32(h)
	mask := uint64(len(t.slots) - 1)
	for i := (h ^ h>>29) & mask; t.slots[i].hi|t.slots[i].lo != 0; i = (i + 1) & mask {
		if s := &t.slots[i]; s.hi == hi && s.lo == lo {
			if s.line == from {
				s.line = to
			}
			return
		}
	}
}

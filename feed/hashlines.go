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
// bring a batch of slots into cache with independent loads (the processor
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

// slotsFor is the table size that holds n keys at most half full.
func slotsFor(n int) int {
	size := 1 << 12
	for 2*(n+1) > size {
		size *= 2
	}
	return size
}

// faultedSlots allocates a table for n keys and writes to each of its
// pages, so the page faults happen here (on whichever goroutine calls
// it) rather than on the first inserts.
func faultedSlots(n int) []hlSlot {
	s := make([]hlSlot, slotsFor(n))
	const step = 4096 / 12
	for i := 0; i < len(s); i += step {
		s[i].line = 0
	}
	return s
}

// adopt moves the table into slots (zeroed, a power of two in length) if
// they are larger than its own.
func (t *hashLines) adopt(slots []hlSlot) {
	if len(slots) > len(t.slots) {
		t.rehash(slots)
	}
}

func (t *hashLines) resize(size int) { t.rehash(make([]hlSlot, size)) }

func (t *hashLines) rehash(slots []hlSlot) {
	old := t.slots
	t.slots, t.n = slots, 0
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

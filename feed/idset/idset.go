// Package idset is a set of 64-bit id hashes for the duplicate-id checks
// that run over whole catalogs (normalize's channel feeds, export's
// items_batch): a flat open-addressed table of uint64, at most half full,
// so a million ids take 16 MiB where a Go map[uint64]struct{} took about
// twice that, and a probe is one cache line instead of a map lookup.
package idset

// Set holds hashes; the zero Set is empty and ready to use.
type Set struct {
	slots []uint64 // 0 = empty; the hash 0 is stored as zeroKey
	n     int
}

// zeroKey stands for the hash 0 (the empty marker). Two ids whose hashes
// are 0 and zeroKey collide, as any two ids with equal 64-bit hashes do.
const zeroKey = 0x9e3779b97f4a7c15

// Add inserts h and reports whether it was absent.
func (s *Set) Add(h uint64) bool {
	if h == 0 {
		h = zeroKey
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	// The low bits index the table; maphash output is uniform, so no
	// further mixing is needed.
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return true
		case h:
			return false
		}
	}
}

// Has reports whether h was added.
func (s *Set) Has(h uint64) bool {
	if h == 0 {
		h = zeroKey
	}
	if len(s.slots) == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			return false
		case h:
			return true
		}
	}
}

// Len is the number of hashes in the set.
func (s *Set) Len() int { return s.n }

func (s *Set) grow() {
	old := s.slots
	s.slots = make([]uint64, max(1024, 2*len(old)))
	s.n = 0
	for _, h := range old {
		if h != 0 {
			s.Add(h)
		}
	}
}

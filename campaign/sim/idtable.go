package sim

import (
	"errors"
	"hash/maphash"
	"unsafe"
)

// idTable interns ids to dense int32s in first-seen order without a Go map
// or a string per id: the ids' bytes sit back to back in one buffer and an
// open-addressing table of integers finds them, so the table holds no
// pointer for the collector to scan (a map[string]int32 of the 2.4 million
// session ids of a 10M-event log took about 80 bytes an id; this about 40,
// and the lookup table goes once the log is loaded).
type idTable struct {
	buf []byte   // id i is buf[off[i]:off[i+1]]
	off []uint32 // len ids+1
	// slot holds tag<<32 | id+1 (0 empty), tag the high half of the id's
	// hash: a probe compares an id's bytes (a read of off and buf, cache
	// misses at millions of ids) only when the tags match. Len a power of
	// two.
	slot []uint64
	seed maphash.Seed
	// last is the id interned last: consecutive rows usually repeat it.
	last int32
}

var errIDBytes = errors.New("sim: the log's distinct ids exceed 4 GiB")

func newIDTable() *idTable {
	return &idTable{off: []uint32{0}, slot: make([]uint64, 1024), seed: maphash.MakeSeed(), last: -1}
}

// Len is the number of distinct ids.
func (t *idTable) Len() int { return len(t.off) - 1 }

func (t *idTable) bytes(i int32) []byte { return t.buf[t.off[i]:t.off[i+1]] }

// intern returns s's id, adding s when it is new.
func (t *idTable) intern(s string) (int32, error) {
	if t.last >= 0 && string(t.bytes(t.last)) == s {
		return t.last, nil
	}
	mask := uint64(len(t.slot) - 1)
	h := maphash.String(t.seed, s)
	tag := h >> 32
	for j := h & mask; ; j = (j + 1) & mask {
		v := t.slot[j]
		if v == 0 {
			break
		}
		if v>>32 == tag {
			if id := int32(uint32(v)) - 1; string(t.bytes(id)) == s {
				t.last = id
				return id, nil
			}
		}
	}
	if uint64(len(t.buf))+uint64(len(s)) > 1<<32-1 {
		return 0, errIDBytes
	}
	id := int32(t.Len())
	t.buf = append(t.buf, s...)
	t.off = append(t.off, uint32(len(t.buf)))
	if 2*t.Len() > len(t.slot) {
		t.rehash()
	} else {
		t.place(h, id)
	}
	t.last = id
	return id, nil
}

func (t *idTable) place(h uint64, id int32) {
	mask := uint64(len(t.slot) - 1)
	j := h & mask
	for t.slot[j] != 0 {
		j = (j + 1) & mask
	}
	t.slot[j] = h>>32<<32 | uint64(uint32(id+1))
}

// rehash doubles the table (load factor stays at most 1/2).
func (t *idTable) rehash() {
	t.slot = make([]uint64, 2*len(t.slot))
	for i := int32(0); int(i) < t.Len(); i++ {
		t.place(maphash.Bytes(t.seed, t.bytes(i)), i)
	}
}

// done drops the lookup table once no id is added any more.
func (t *idTable) done() {
	t.slot = nil
	t.buf = t.buf[:len(t.buf):len(t.buf)]
}

// str is id i as a string sharing the table's buffer (never written again
// once done).
func (t *idTable) str(i int32) string {
	b := t.bytes(i)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// strings lists the ids as strings sharing the table's buffer.
func (t *idTable) strings() []string {
	out := make([]string, t.Len())
	for i := range out {
		out[i] = t.str(int32(i))
	}
	return out
}

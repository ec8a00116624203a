package feed

// Eight-bytes-at-a-time scans for the writers, the whitespace fix and the
// validate checks (control characters, URL bytes, JSON-safe runs): the
// common value is plain ASCII with nothing to quote, escape or collapse,
// and a word-wide test skips it at a fraction of a byte loop's cost. Each
// fast path only decides that a block needs nothing; anything else goes to
// the byte loop it sits in front of, so the output is the loop's.

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
)

// load64 is s[i:i+8] as a little-endian word: one load and one bounds
// check after inlining (indexing each byte without the hint cost eight
// checks, twice the work of the word tests around it).
func load64(s string, i int) uint64 {
	t := s[i : i+8] // a hint `_ = s[i+7]` still left a check per byte
	return uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
		uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
}

// hasByte is non-zero when some byte of w equals c (exact: a borrow only
// runs upward from a byte that matched).
func hasByte(w uint64, c byte) uint64 {
	x := w ^ (swarLo * uint64(c))
	return (x - swarLo) &^ x & swarHi
}

// ctl is non-zero when some byte of w is below 0x20 (exact for "is there
// one", as hasByte).
func ctl(w uint64) uint64 { return (w - swarLo*0x20) &^ w & swarHi }

// ctlOrHigh is non-zero when some byte of w is below 0x20 or above 0x7f.
func ctlOrHigh(w uint64) uint64 { return w&swarHi | ctl(w) }

// eqMask has 0x80 in exactly the bytes of w equal to c (no borrows between
// bytes), for tests on neighbouring bytes.
func eqMask(w uint64, c byte) uint64 {
	const lo7 = 0x7f7f7f7f7f7f7f7f
	x := w ^ (swarLo * uint64(c))
	return ^((x&lo7 + lo7) | x | lo7)
}

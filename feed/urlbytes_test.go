package feed

import (
	"math/rand/v2"
	"testing"
)

// TestURLBytesSame: the eight-bytes-at-a-time scan agrees with a plain
// byte loop on random strings of every length, with the interesting bytes
// (space, tab, newline, bytes around them, bytes >= 0x80) anywhere.
func TestURLBytesSame(t *testing.T) {
	plain := func(s string) (space, nonASCII bool) {
		for i := 0; i < len(s); i++ {
			switch b := s[i]; {
			case b == ' ' || b == '\t' || b == '\n':
				space = true
			case b >= 0x80:
				nonASCII = true
			}
		}
		return space, nonASCII
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{'a', '/', '.', ' ', '\t', '\n', 0x1f, 0x21, 0x08, 0x0b, 0x0a ^ 0x80, 0x7f, 0x80, 0xc3, 0xa9, 0xff, 0x00, 0x01}
	for range 300_000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + rng.IntN(26))
			}
		}
		s := string(b)
		sp, na := urlBytes(s)
		wsp, wna := plain(s)
		if sp != wsp || (!sp && na != wna) {
			t.Fatalf("urlBytes(%q) = %v %v, want %v %v", s, sp, na, wsp, wna)
		}
	}
}

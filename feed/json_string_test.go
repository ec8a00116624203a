package feed

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestAppendJSONStringRandom: the string encoder, with its eight-byte skip
// over plain text, writes what encoding/json writes (HTML escaping off) for
// random strings of every length with the bytes that need escaping
// anywhere in them, including invalid UTF-8 and U+2028.
func TestAppendJSONStringRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	special := []string{"\"", "\\", "\n", "\x00", "\x1f", "\x7f", " ", "!", "#", "]", "\xff", "é", "\u2028", "<", "&", "\xe2\x80", "€"}
	for range 200_000 {
		var b []byte
		for range rng.IntN(40) {
			if rng.IntN(5) == 0 {
				b = append(b, special[rng.IntN(len(special))]...)
			} else {
				b = append(b, byte(' '+rng.IntN(95)))
			}
		}
		s := string(b)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := AppendJSONString(nil, s)
		if !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("AppendJSONString(%q) = %s, want %s", s, got, want.Bytes())
		}
	}
}

package feed

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestParsePriceCanonicalSame: the fast path for "123.45 USD" gives exactly
// what the general parser gives, on random strings near that form.
func TestParsePriceCanonicalSame(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	parts := []string{"0", "1", "2", "5", "9", "00", "123", ".", ",", " ", "  ", "USD", "EUR", "usd", "XYZ", "US", "USDX",
		"$", "€", "-", "+", "12345678901234567", "99999999999999999999", "zł", "\t", "A", "JPY"}
	fast := 0
	for range 200_000 {
		var b strings.Builder
		for range 1 + rng.IntN(6) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		if rng.IntN(2) == 0 { // the canonical shape, or near it
			var n strings.Builder
			for range 1 + rng.IntN(4) {
				n.WriteString(parts[rng.IntN(8)]) // digits and dots
			}
			s = n.String() + " " + []string{"USD", "EUR", "XYZ", "usd", "ZZZ", "JPY"}[rng.IntN(6)]
		}
		got, gi := ParsePrice(s, "EUR")
		ts := strings.TrimSpace(s)
		want, wi := Price{}, PriceEmpty
		if ts != "" {
			want, wi = parsePriceGeneral(ts, "EUR")
		}
		if got != want || gi != wi {
			t.Fatalf("ParsePrice(%q) = %+v %q, general %+v %q", s, got, gi, want, wi)
		}
		if _, _, ok := parseCanonicalPrice(ts); ok {
			fast++
		}
	}
	if fast < 20_000 {
		t.Fatalf("only %d inputs took the fast path", fast)
	}
}

package feed

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The fast paths of collapseSpace and splitList must agree with their
// plain definitions on every input, including runes that are spaces outside
// ASCII (NBSP, U+2003) and separators at the edges.
func TestFastPathsMatchDefinitions(t *testing.T) {
	alphabet := []string{"a", "b", " ", "  ", "\t", "\n", "\r", "\v", "\f", "\u00a0", "\u2003", "é", "—", ",", "|", "x.jpg", "\u200b"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		if got, want := collapseSpace(s), strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "); got != want {
			t.Fatalf("collapseSpace(%q) = %q, want %q", s, got, want)
		}
		var want []string
		for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' }) {
			if p = strings.TrimSpace(p); p != "" {
				want = append(want, p)
			}
		}
		if !strings.ContainsAny(s, ",|") {
			want = []string{s}
		}
		if got := splitList([]string{s}); !slices.Equal(got, want) {
			t.Fatalf("splitList(%q) = %q, want %q", s, got, want)
		}
	}
}

package campaign

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestSafeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Cart abandoners", "cart-abandoners"},
		{"Footwear under $100", "footwear-under-100"},
		{"../../etc/passwd", "etc-passwd"},
		{"..", "set-"}, // prefix only: hash-based
		{"/abs/path", "abs-path"},
		{`C:\Windows\System32`, "c-windows-system32"},
		{".hidden", "hidden"},
		{"Été – Soldes d'hiver", "ete-soldes-d-hiver"},
		{"Straße Größe", "strasse-grosse"},
		{"夏のセール", "set-"},
		{"CON", "con-set"},
		{"  --Trim--  ", "trim"},
		{"a\x00b\nc", "a-b-c"},
		{strings.Repeat("long name ", 20), strings.TrimRight(strings.Repeat("long-name-", 6), "-")},
	}
	for _, tt := range tests {
		got := safeName(tt.in)
		if strings.HasSuffix(tt.want, "-") {
			if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+8 {
				t.Errorf("SafeName(%q) = %q, want %s<hash>", tt.in, got, tt.want)
			}
		} else if got != tt.want {
			t.Errorf("SafeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !slugRE.MatchString(got) || len(got) > maxSlugLen+4 {
			t.Errorf("SafeName(%q) = %q is not a safe slug", tt.in, got)
		}
		if filepath.Base(got) != got || filepath.IsAbs(got) {
			t.Errorf("SafeName(%q) = %q escapes its directory", tt.in, got)
		}
		if safeName(tt.in) != got {
			t.Errorf("SafeName(%q) not deterministic", tt.in)
		}
	}
	if safeName("夏のセール") == safeName("冬のセール") {
		t.Error("different non-Latin names should get different hashes")
	}
}

func TestSafeNamesCollisions(t *testing.T) {
	tests := []struct{ in, want []string }{
		{[]string{"Sale", "sale", "Sale 2", "SALE!"}, []string{"sale", "sale-3", "sale-2", "sale-4"}},
		{[]string{"a/b", "a b", "a-b"}, []string{"a-b", "a-b-2", "a-b-3"}},
		{[]string{"x", "y"}, []string{"x", "y"}},
		{[]string{"../x", "..\\x", "x"}, []string{"x", "x-2", "x-3"}},
	}
	for _, tt := range tests {
		got := safeNames(tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("SafeNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
		seen := map[string]bool{}
		for _, g := range got {
			if seen[g] {
				t.Errorf("duplicate slug %q in %q", g, got)
			}
			seen[g] = true
		}
	}
}

func TestEditDistanceAndSuggest(t *testing.T) {
	if d := editDistance("haedline", "headline"); d != 1 {
		t.Errorf("transposition distance = %d", d)
	}
	if s := suggest("zzzzzz", []string{"headline"}); s != "" {
		t.Errorf("far-off suggestion %q", s)
	}
	if s := suggest("retarget", adSetTypes); !strings.Contains(s, "retargeting") {
		t.Errorf("prefix suggestion %q", s)
	}
}

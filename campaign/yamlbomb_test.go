package campaign

import (
	"fmt"
	"strings"
	"testing"
)

// billionLaughs is a 9-level alias bomb: under 600 bytes, 10^9 nodes
// once expanded.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	return b.String()
}

// TestYAMLAliasBomb (issue 10 item 1): campaign.yaml and the friendly
// --product-set form refuse alias expansion past MaxYAMLNodes with the
// line and column of the alias, instead of running out of memory.
func TestYAMLAliasBomb(t *testing.T) {
	bomb := billionLaughs()
	if len(bomb) > 700 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	_, diags, err := Load("bomb.yaml", strings.NewReader(bomb+"campaign: *a8\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 1 || !strings.Contains(diags[0].Message, "alias") || diags[0].Line < 2 {
		t.Fatalf("diagnostics %v", diags)
	}
	if !strings.HasPrefix(diags[0].String(), "bomb.yaml:") {
		t.Errorf("no file:line:col: %s", diags[0])
	}
	// Wide rather than deep: many aliases of one large list.
	var wide strings.Builder
	wide.WriteString("big: &big [")
	for i := 0; i < 20000; i++ {
		wide.WriteString("x,")
	}
	wide.WriteString("x]\nrefs: [")
	for i := 0; i < 300; i++ {
		wide.WriteString("*big,")
	}
	wide.WriteString("*big]\n")
	_, diags, _ = Load("wide.yaml", strings.NewReader(wide.String()))
	if len(diags) != 1 || !strings.Contains(diags[0].Message, "more than") {
		t.Fatalf("wide alias diagnostics %v", diags)
	}
	if _, err := CompileFriendly([]byte(bomb+"brand: *a8\n"), "USD"); err == nil || !strings.Contains(err.Error(), "alias") {
		t.Fatalf("friendly bomb: %v", err)
	}
	// Ordinary aliases still work.
	ok := strings.Replace(minimalCampaign, "  countries: [US]\n", "  countries: &c [US]\n", 1)
	if c, diags, _ := Load("ok.yaml", strings.NewReader(ok)); c == nil {
		t.Fatalf("plain alias refused: %v", diags)
	}
}

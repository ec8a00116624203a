package campaign

import (
	"strings"
	"testing"
)

func TestLoadCreativeVariants(t *testing.T) {
	src := strings.Replace(minimalCampaign, "      link: https://example.com/\n",
		"      link: https://example.com/\n      variants:\n        - {name: urgency, headline: \"Last chance: {{product.name}}\"}\n        - primary_text: Free returns\n", 1)
	c, diags, err := Load("c.yaml", strings.NewReader(src))
	if err != nil || c == nil || len(diags) != 0 {
		t.Fatalf("%v %v", err, diags)
	}
	vs := c.AdSets[0].Creative.Variants
	if len(vs) != 2 || vs[0].Name != "urgency" || vs[0].Headline.Source != "Last chance: {{product.name}}" || vs[0].PrimaryText != nil ||
		vs[1].Name != "variant 2" || vs[1].PrimaryText.Source != "Free returns" {
		t.Fatalf("variants %+v", vs)
	}
	for _, tc := range []struct{ add, want string }{
		{"      variants: x\n", "must be a list"},
		{"      variants:\n        - {name: empty}\n", "needs a headline or a primary_text"},
		{"      variants:\n        - {headline: \"{{product.nme}}\"}\n", "unknown template tag"},
		{"      variants:\n        - {headlin: x}\n", `unknown key "headlin"`},
		{"      variants: [{headline: a}, {headline: b}, {headline: c}, {headline: d}, {headline: e}]\n", "at most 4"},
	} {
		src := strings.Replace(minimalCampaign, "      link: https://example.com/\n", "      link: https://example.com/\n"+tc.add, 1)
		_, diags, _ := Load("c.yaml", strings.NewReader(src))
		found := false
		for _, d := range diags {
			if strings.Contains(d.String(), tc.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: diagnostics %v, want %q", tc.add, diags, tc.want)
		}
	}
}

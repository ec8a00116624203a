package campaign

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dpa-tools/dpa/feed"
)

const minimalCampaign = `campaign:
  name: Test
  catalog_id: "1"
  page_id: "2"
  countries: [US]
  currency: USD
  budget: {type: daily, amount: 10}
ad_sets:
  - name: All
    type: prospecting
    product_set:
      where: {availability: in stock}
    creative:
      primary_text: Hello
      link: https://example.com/
`

func TestLoadInitExample(t *testing.T) {
	f := InitFiles()
	c, diags, err := Load("campaign.yaml", bytes.NewReader(f["campaign.yaml"]))
	if err != nil || c == nil {
		t.Fatalf("example does not load: %v %v", err, diags)
	}
	for _, d := range diags {
		t.Errorf("unexpected diagnostic: %v", d)
	}
	if len(c.AdSets) != 3 || c.Currency != "USD" || c.Budget.Minor != 12000 || c.Objective != "OUTCOME_SALES" {
		t.Errorf("unexpected campaign %+v", c)
	}
	if got := c.AdSets[1].ProductSet.Filter.String(); got != `{"and":[{"availability":{"eq":"in stock"}},{"product_type":{"i_contains":"shoes"}},{"price_amount":{"lt":15000}}]}` {
		t.Errorf("filter = %s", got)
	}
	if c.AdSets[2].Audience.Source == nil || c.AdSets[2].Slug != "outerwear-for-top-buyers" {
		t.Errorf("cross-sell ad set %+v", c.AdSets[2])
	}
	if !bytes.Contains(f["catalog.csv"], []byte("\nTS-1001-BLU-M,")) || bytes.Count(f["catalog.csv"], []byte("\n")) < 13 {
		t.Error("catalog.csv should hold 12+ items")
	}
}

func TestLoadMinimalDefaults(t *testing.T) {
	c, diags, err := Load("c.yaml", strings.NewReader(minimalCampaign))
	if err != nil || c == nil || len(diags) != 0 {
		t.Fatalf("%v %v", err, diags)
	}
	as := c.AdSets[0]
	if c.Objective != "OUTCOME_SALES" || c.Status != "PAUSED" || as.Status != "PAUSED" ||
		as.OptimizationGoal != "OFFSITE_CONVERSIONS" || as.BillingEvent != "IMPRESSIONS" ||
		as.Creative.Format != "carousel" || as.Creative.CallToAction != "SHOP_NOW" ||
		as.Creative.Headline.Source != "{{product.name}}" || as.Creative.Cards != 5 || as.Slug != "all" ||
		as.Segment != "all" || c.GoogleLabel != 4 || as.ProductSet.Name != "All" {
		t.Errorf("defaults not applied: %+v %+v", c, as)
	}
}

// edit returns minimalCampaign with old replaced by new (which must occur).
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(minimalCampaign, old) {
		t.Fatalf("fixture lacks %q", old)
	}
	return strings.Replace(minimalCampaign, old, new, 1)
}

func TestLoadDiagnostics(t *testing.T) {
	tests := []struct {
		name      string
		old, new  string // edit of minimalCampaign; old=="" means new is the whole file
		line, col int
		path      string
		msg, sugg string
	}{
		{"unknown top key", "ad_sets:", "adsets: []\nad_sets:", 8, 1, "adsets", `unknown key "adsets"`, `"ad_sets"`},
		{"unknown campaign key", "  currency: USD", "  currency: USD\n  pageid: x", 7, 3, "campaign.pageid", `unknown key "pageid"`, `"page_id"`},
		{"unknown creative key", "      primary_text: Hello", "      primary_text: Hello\n      haedline: x", 15, 7, "ad_sets[0].creative.haedline", "unknown key", `"headline"`},
		{"bad objective", "  name: Test", "  name: Test\n  objective: OUTCOME_SALE", 3, 14, "campaign.objective", "invalid value", `"OUTCOME_SALES"`},
		{"bad status", "  name: Test", "  name: Test\n  status: ACTIV", 3, 11, "campaign.status", "invalid value", `"ACTIVE"`},
		{"bad budget type", "type: daily", "type: dayly", 7, 18, "campaign.budget.type", "invalid value", `"daily"`},
		{"bad amount", "amount: 10}", "amount: ten}", 7, 33, "campaign.budget.amount", "invalid amount", "major units"},
		{"negative amount", "amount: 10}", "amount: -5}", 7, 33, "campaign.budget.amount", "positive", ""},
		{"bad currency", "currency: USD", "currency: UDS", 6, 13, "campaign.currency", "not an ad account currency in Meta's table", `"USD"`},
		{"no currency", "  currency: USD\n", "", 2, 3, "campaign.currency", "no currency", "USD"},
		{"bad ad set type", "type: prospecting", "type: retarget", 10, 11, "ad_sets[0].type", "invalid value", `"retargeting"`},
		{"bad bid strategy", "    type: prospecting", "    type: prospecting\n    bid_strategy: LOWEST_COST", 11, 19, "ad_sets[0].bid_strategy", "invalid value", "LOWEST_COST_"},
		{"bad optimisation goal", "    type: prospecting", "    type: prospecting\n    optimization_goal: CONVERSION", 11, 24, "ad_sets[0].optimization_goal", "invalid value", ""},
		{"bad billing event", "    type: prospecting", "    type: prospecting\n    billing_event: IMPRESSION", 11, 20, "ad_sets[0].billing_event", "invalid value", `"IMPRESSIONS"`},
		{"bad cta", "      primary_text: Hello", "      primary_text: Hello\n      call_to_action: SHOP_NWO", 15, 23, "ad_sets[0].creative.call_to_action", "invalid value", `"SHOP_NOW"`},
		{"bad format", "      primary_text: Hello", "      primary_text: Hello\n      format: carrousel", 15, 15, "ad_sets[0].creative.format", "invalid value", `"carousel"`},
		{"bad placement", "    type: prospecting", "    type: prospecting\n    placements: {publisher_platforms: [facebok]}", 11, 40, "ad_sets[0].placements.publisher_platforms[0]", "invalid value", `"facebook"`},
		{"positions without platform", "    type: prospecting", "    type: prospecting\n    placements: {publisher_platforms: [facebook], instagram_positions: [story]}", 11, 72, "ad_sets[0].placements.instagram_positions", "not a publisher platform", "add instagram"},
		{"unknown template tag", "primary_text: Hello", "primary_text: Hello {{product.nme}}", 14, 27, "ad_sets[0].creative.primary_text", "unknown template tag", `"product.name"`},
		{"unknown tag in quoted", "primary_text: Hello", `primary_text: "Hi {{product.brnd}}"`, 14, 25, "ad_sets[0].creative.primary_text", "unknown template tag", `"product.brand"`},
		{"unknown tag in block", "primary_text: Hello", "primary_text: |\n        Line one\n        Now {{product.prise}}", 16, 13, "ad_sets[0].creative.primary_text", "unknown template tag", `"product.price"`},
		{"unknown filter field (where)", "{availability: in stock}", "{availabilty: in stock}", 12, 15, "ad_sets[0].product_set.where", "unknown filter field", `"availability"`},
		{"unknown filter field (yaml filter)", "where: {availability: in stock}", `filter: {"and": [{"brnd": {"eq": "A"}}]}`, 12, 25, "ad_sets[0].product_set.filter", "unknown filter field", `"brand"`},
		{"unknown filter field (json string)", "where: {availability: in stock}", `filter: '{"brand": {"eq": "A"}, "x": 1}'`, 12, 39, "ad_sets[0].product_set.filter", "exactly one key", ""},
		{"filter and where", "where: {availability: in stock}", "where: {availability: in stock}\n      filter: {brand: {eq: A}}", 12, 14, "ad_sets[0].product_set.where", "both given", ""},
		{"no filter", "      where: {availability: in stock}\n", "      name: x\n", 12, 7, "ad_sets[0].product_set", "needs a filter", "where"},
		{"missing name", "  name: Test\n", "", 2, 3, "campaign.name", "name is required", ""},
		{"missing link", "      link: https://example.com/\n", "", 14, 7, "ad_sets[0].creative.link", "link is required", ""},
		{"bad link", "link: https://example.com/", "link: example.com", 15, 13, "ad_sets[0].creative.link", "not an http(s) URL", ""},
		{"bad country", "countries: [US]", "countries: [USA]", 5, 15, "campaign.countries[0]", "invalid country", "ISO 3166"},
		{"bad date", "  currency: USD", "  currency: USD\n  start: 2026-13-01", 7, 10, "campaign.start", "invalid date", ""},
		{"end before start", "  currency: USD", "  currency: USD\n  start: 2026-03-10\n  end: 2026-03-01", 8, 8, "campaign.end", "after start", ""},
		{"lifetime without end", "type: daily", "type: lifetime", 7, 11, "campaign.budget", "needs an end date", "campaign.end"},
		{"two budgets", "    type: prospecting", "    type: prospecting\n    budget: {amount: 5}", 11, 13, "ad_sets[0].budget", "cannot have their own", ""},
		{"no budget", "  budget: {type: daily, amount: 10}\n", "", 8, 5, "ad_sets[0].budget", "no budget", ""},
		{"bid cap without amount", "    type: prospecting", "    type: prospecting\n    bid_strategy: COST_CAP", 9, 5, "ad_sets[0].bid_amount", "needs a bid_amount", ""},
		{"audience on prospecting", "    type: prospecting", "    type: prospecting\n    audience: {lookback_days: 7}", 11, 15, "ad_sets[0].audience", "takes no audience", "custom"},
		{"bad event", "type: prospecting", "type: retargeting\n    audience: {events: [viewed, bought]}", 11, 33, "ad_sets[0].audience.events[1]", "invalid value", ""},
		{"lookback too long", "type: prospecting", "type: retargeting\n    audience: {lookback_days: 365}", 11, 31, "ad_sets[0].audience.lookback_days", "1 to 180", ""},
		{"exclude and include purchasers", "type: prospecting", "type: retargeting\n    audience: {events: [purchased], exclude_purchased: true}", 11, 56, "ad_sets[0].audience.exclude_purchased", "includes and excludes", ""},
		{"cross sell without source", "type: prospecting", "type: cross_sell", 9, 5, "ad_sets[0].audience.source", "needs audience.source", ""},
		{"duplicate ad set", "ad_sets:\n", "ad_sets:\n  - name: All\n    type: prospecting\n    product_set: {id: \"5\"}\n    creative: {primary_text: x, link: https://e.com/}\n", 13, 5, "ad_sets[1].name", "duplicate ad set name", ""},
		{"non numeric id", `catalog_id: "1"`, `catalog_id: "cat-1"`, 3, 15, "campaign.catalog_id", "not numeric", ""},
		{"wrong type", "countries: [US]", "countries: {US: 1}", 5, 14, "campaign.countries[0]", "single value", ""},
		{"yaml syntax", "", "campaign: [\n", 1, 1, "", "did not find expected", ""},
		{"duplicate key", "  currency: USD", "  currency: USD\n  currency: EUR", 7, 3, "", `duplicate key "currency"`, ""},
		{"empty file", "", "# nothing\n", 1, 1, "", "empty campaign file", "dpa init"},
		{"legacy objective warns", "  name: Test", "  name: Test\n  objective: PRODUCT_CATALOG_SALES", 3, 14, "campaign.objective", "legacy", "OUTCOME_SALES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.new
			if tt.old != "" {
				src = edit(t, tt.old, tt.new)
			}
			c, diags, err := Load("c.yaml", strings.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			var hit *Diagnostic
			for i := range diags {
				if strings.Contains(diags[i].Message, tt.msg) {
					hit = &diags[i]
					break
				}
			}
			if hit == nil {
				t.Fatalf("no diagnostic containing %q; got %v", tt.msg, diags)
			}
			if hit.File != "c.yaml" || hit.Line != tt.line || hit.Column != tt.col || hit.Path != tt.path || !strings.Contains(hit.Suggestion, tt.sugg) {
				t.Errorf("got %s [path %q], want %d:%d path %q suggestion ~%q", hit, hit.Path, tt.line, tt.col, tt.path, tt.sugg)
			}
			if hit.Severity == feed.Error && c != nil {
				t.Error("campaign returned despite errors")
			}
		})
	}
}

func TestLoadReadError(t *testing.T) {
	boom := errors.New("boom")
	if _, _, err := Load("x", iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
}

package campaign

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// loadMoney loads minimalCampaign in currency cur with a daily budget of
// amount and a bid cap of bid on the ad set, and returns the campaign.
func loadMoney(t *testing.T, cur, amount, bid string) (*Campaign, []Diagnostic) {
	t.Helper()
	src := strings.Replace(minimalCampaign, "currency: USD", "currency: "+cur, 1)
	src = strings.Replace(src, "budget: {type: daily, amount: 10}", "budget: {type: daily, amount: "+amount+"}", 1)
	if bid != "" {
		src = strings.Replace(src, "    type: prospecting\n", "    type: prospecting\n    bid_strategy: LOWEST_COST_WITH_BID_CAP\n    bid_amount: "+bid+"\n", 1)
		src = strings.Replace(src, "  budget: {type: daily, amount: "+amount+"}\n", "", 1)
		src = strings.Replace(src, "    type: prospecting\n", "    type: prospecting\n    budget: {type: daily, amount: "+amount+"}\n", 1)
	}
	c, diags, err := Load("c.yaml", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return c, diags
}

// TestMetaCurrencyOffsets walks every currency of Meta's table: a budget
// of 250 major units reaches the API as 250 × offset and the bulk sheet
// as 250 in major units, and a bid of 3 the same way.
func TestMetaCurrencyOffsets(t *testing.T) {
	codes, ver := metaCurrencies()
	if len(codes) < 60 || ver == "" {
		t.Fatalf("table has %d codes, version %q", len(codes), ver)
	}
	for _, code := range codes {
		off, _ := metaOffset(code)
		c, diags := loadMoney(t, code, "250", "3")
		if c == nil {
			t.Fatalf("%s: %v", code, diags)
		}
		p, err := BuildAPIPayloads(c)
		if err != nil {
			t.Fatal(err)
		}
		as := p.AdSets[0].Payload
		if as.DailyBudget != 250*off || as.BidAmount != 3*off {
			t.Errorf("%s (offset %d): daily_budget %d, bid_amount %d; want %d, %d", code, off, as.DailyBudget, as.BidAmount, 250*off, 3*off)
		}
		sheet, err := BuildBulkSheet(c)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]string{1: "250", 100: "250.00"}[off]
		for i, h := range sheet.Header {
			if h == "Ad Set Daily Budget" && sheet.Rows[0][i].Value != want {
				t.Errorf("%s: sheet budget %q, want %q", code, sheet.Rows[0][i].Value, want)
			}
		}
	}
}

// TestMetaCurrencyExamples pins the cases of the issue: HUF is offset 1
// (10000 HUF is 10000, not 1000000), JOD and BHD are offset 100 although
// ISO 4217 gives them three decimals.
func TestMetaCurrencyExamples(t *testing.T) {
	for _, tt := range []struct {
		cur, amount string
		want        int64
	}{
		{"HUF", "10000", 10000}, {"JPY", "5000", 5000}, {"KRW", "50000", 50000}, {"CLP", "9000", 9000},
		{"COP", "40000", 40000}, {"IDR", "150000", 150000}, {"ISK", "3000", 3000}, {"PYG", "70000", 70000},
		{"TWD", "900", 900}, {"VND", "500000", 500000}, {"BHD", "12.5", 1250}, {"JOD", "10", 1000},
		{"USD", "49.99", 4999},
	} {
		c, diags := loadMoney(t, tt.cur, tt.amount, "")
		if c == nil {
			t.Fatalf("%s: %v", tt.cur, diags)
		}
		p, _ := BuildAPIPayloads(c)
		b, _ := json.Marshal(p.Campaign)
		if p.Campaign.DailyBudget != tt.want {
			t.Errorf("%s %s → %s, want daily_budget %d", tt.amount, tt.cur, b, tt.want)
		}
	}
}

// TestMetaCurrencyRefused: a currency Meta does not list (KWD is ISO 4217
// but no ad account currency) and an amount finer than the offset are
// errors with the line, not guesses.
func TestMetaCurrencyRefused(t *testing.T) {
	for _, tt := range []struct{ cur, amount, msg string }{
		{"KWD", "10", "not an ad account currency"},
		{"XYZ", "10", "not an ad account currency"},
		{"HUF", "10.5", "more decimals than Meta takes for HUF"},
		{"USD", "10.005", "more decimals"},
	} {
		c, diags := loadMoney(t, tt.cur, tt.amount, "")
		if c != nil {
			t.Errorf("%s %s accepted", tt.amount, tt.cur)
			continue
		}
		var all bytes.Buffer
		for _, d := range diags {
			all.WriteString(d.String() + "\n")
		}
		if !strings.Contains(all.String(), tt.msg) {
			t.Errorf("%s %s: diagnostics %q lack %q", tt.amount, tt.cur, all.String(), tt.msg)
		}
	}
}

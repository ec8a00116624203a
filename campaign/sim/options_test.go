package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// The range checks live with the options (they were in cmd/dpa): every
// bad value is named, and the runs refuse what Validate refuses.
func TestValidate(t *testing.T) {
	ok := ReplayOptions{K: 10, By: ByUser, Target: TargetAny}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid replay options: %v", err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*ReplayOptions)
		want string
	}{
		{"k", func(o *ReplayOptions) { o.K = 1001 }, "invalid k 1001"},
		{"by", func(o *ReplayOptions) { o.By = "week" }, `invalid by "week"`},
		{"target", func(o *ReplayOptions) { o.Target = "click" }, `invalid target "click"`},
		{"curve", func(o *ReplayOptions) { o.CurveK = 101 }, "invalid curve-k 101"},
		{"both", func(o *ReplayOptions) { o.Split = time.Now(); o.TestDays = 2 }, "not both"},
		{"fraction", func(o *ReplayOptions) { o.TestFraction = 1 }, "test fraction"},
		{"strategy", func(o *ReplayOptions) { o.Strategies = []rank.Strategy{"cheapest"} }, `unknown strategy "cheapest"`},
	} {
		o := ok
		tc.mod(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	so := SyntheticOptions{}
	so.defaults()
	if err := so.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	bad := so
	bad.Funnel.CartRate, bad.Ads.Fatigue, bad.Days, bad.Ads.Cap = 2, 0, 1, 0
	err := bad.Validate()
	for _, want := range []string{"invalid cart-rate 2", "invalid fatigue 0", "invalid days 1", "cap and cap-days"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("synthetic: err = %v, want %q", err, want)
		}
	}
	bad = SyntheticOptions{Users: 10, Days: 3, Funnel: Funnel{PurchaseRate: 1.5}}
	if _, err := Synthetic(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "purchase-rate") {
		t.Errorf("Synthetic with a bad probability: %v", err)
	}
}

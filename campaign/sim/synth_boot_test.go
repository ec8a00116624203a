package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// shopperSums draws n shoppers with known rates: 0–7 impressions each, a
// shopper-level click rate around ctr (shoppers differ, so impressions are
// clustered as in the simulator), conversion cvr per click, and a price of
// 40 or 60 (mean 50) per purchase.
func shopperSums(rng *rand.Rand, n int, ctr, cvr float64) [][nBoot]int64 {
	out := make([][nBoot]int64, n)
	for u := range out {
		x := &out[u]
		p := ctr * 2 * rng.Float64() // mean ctr
		for range rng.IntN(8) {
			x[bImp]++
			if rng.Float64() < p {
				x[bClicks]++
				if rng.Float64() < cvr {
					x[bBuys]++
					x[bRev] += revUnits(40 + 20*float64(rng.IntN(2)))
				}
			}
		}
	}
	return out
}

// The 95% intervals of CTR, revenue, RPM and CVR cover the known expectations
// about 95% of the time: 200 seeded data sets of 1,000 shoppers with
// CTR 0.2 and CVR 0.3 (true RPM = 1000 · 0.2 · 0.3 · 50 = 3000; true
// revenue = 1000 shoppers · 3.5 impressions · 0.2 · 0.3 · 50).
func TestSynthBootCoverage(t *testing.T) {
	const ctr, cvr, n, trials = 0.2, 0.3, 1000, 200
	truth := map[string]float64{"ctr": ctr, "revenue": n * 3.5 * ctr * cvr * 50, "rpm": 1000 * ctr * cvr * 50, "cvr": cvr}
	covered := map[string]int{}
	for trial := range trials {
		rng := rand.New(rand.NewPCG(uint64(trial), 99))
		b := newSynthBoot(1, 300, uint64(trial))
		for u, x := range shopperSums(rng, n, ctr, cvr) {
			b.addShopper(u, [][nBoot]int64{x})
		}
		ci := b.ci(0)
		for name, c := range map[string][2]float64{"ctr": ci.ctr, "revenue": ci.revenue, "rpm": ci.rpm, "cvr": ci.cvr} {
			if c[0] <= truth[name] && truth[name] <= c[1] {
				covered[name]++
			}
		}
	}
	for name := range truth {
		rate := float64(covered[name]) / trials
		t.Logf("%s: coverage %.3f", name, rate)
		if rate < 0.90 || rate > 0.99 {
			t.Errorf("%s: 95%% interval covered the truth in %.1f%% of %d trials; want about 95%%", name, rate*100, trials)
		}
	}
}

// A shopper's weights depend on its index and the seed only: adding the
// shoppers in another order, split over two workers' sums, gives the same
// replicates; another seed does not.
func TestSynthBootDeterministic(t *testing.T) {
	xs := shopperSums(rand.New(rand.NewPCG(1, 2)), 500, 0.1, 0.5)
	whole := newSynthBoot(1, 300, 7)
	for u, x := range xs {
		whole.addShopper(u, [][nBoot]int64{x})
	}
	a, b := newSynthBoot(1, 300, 7), newSynthBoot(1, 300, 7)
	for u := len(xs) - 1; u >= 0; u-- {
		if u%3 == 0 {
			a.addShopper(u, [][nBoot]int64{xs[u]})
		} else {
			b.addShopper(u, [][nBoot]int64{xs[u]})
		}
	}
	a.add(b)
	if fmt.Sprint(a.sum) != fmt.Sprint(whole.sum) {
		t.Fatal("shopper order or worker split changed the bootstrap sums")
	}
	other := newSynthBoot(1, 300, 8)
	for u, x := range xs {
		other.addShopper(u, [][nBoot]int64{x})
	}
	if other.ci(0) == whole.ci(0) {
		t.Fatal("another seed gave the same intervals")
	}
}

// Every strategy's row, the learned one included, carries intervals that
// hold its point estimate, and the currency comes from the catalog.
func TestSyntheticIntervals(t *testing.T) {
	res, err := Synthetic(context.Background(), SyntheticOptions{Users: 1500, Days: 15, Items: 200, Seed: 3,
		Learn: &LearnOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Currency != "EUR" || res.CurrencySource != "generated catalog" || res.Bootstrap == nil || res.Bootstrap.Unit != "shopper" {
		t.Fatalf("currency %q (%q), bootstrap %+v", res.Currency, res.CurrencySource, res.Bootstrap)
	}
	in := func(x float64, ci [2]float64) bool { return ci[0] <= x && x <= ci[1] && ci[0] < ci[1] }
	for _, s := range res.Strategies {
		t.Logf("%-12s rev %.2f %v rpm %.2f %v cvr %.4f %v", s.Name, s.Revenue, s.RevenueCI, s.RPM, s.RPMCI, s.CVR, s.CVRCI)
		if s.Purchases < 5 {
			continue
		}
		if !in(s.Revenue, s.RevenueCI) || !in(s.RPM, s.RPMCI) || !in(s.CVR, s.CVRCI) {
			t.Errorf("%s: an interval misses its estimate: revenue %v %v, RPM %v %v, CVR %v %v",
				s.Name, s.Revenue, s.RevenueCI, s.RPM, s.RPMCI, s.CVR, s.CVRCI)
		}
	}
}

func TestRevenueCurrency(t *testing.T) {
	p := func(price float64, cur string) rank.Product { return rank.Product{Price: price, Currency: cur} }
	camp := &SyntheticOptions{Currency: "SEK", CurrencyFrom: "campaign c.yaml"}
	for _, c := range []struct {
		prods      []rank.Product
		opts       *SyntheticOptions
		code, from string
	}{
		{[]rank.Product{p(10, "USD"), p(0, "EUR"), p(5, "USD")}, camp, "USD", "catalog prices"},
		{[]rank.Product{p(10, ""), p(5, "")}, camp, "SEK", "campaign c.yaml"},
		{[]rank.Product{p(10, ""), p(5, "")}, &SyntheticOptions{}, "", "unknown: the catalog's prices carry no currency"},
		{[]rank.Product{p(10, "USD"), p(5, "EUR")}, camp, "", "mixed in the catalog prices (EUR, USD): revenue adds up unlike amounts"},
		{[]rank.Product{p(10, "USD"), p(5, "")}, camp, "USD", "catalog prices (some prices carry no currency)"},
	} {
		code, from := revenueCurrency(c.prods, false, c.opts)
		if code != c.code || from != c.from {
			t.Errorf("%v: got %q %q, want %q %q", c.prods, code, from, c.code, c.from)
		}
	}
}

// shownCounts counts like the map it replaced, in any order of products.
func TestShownCountsLikeMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var s shownCounts
	m := map[int32]int{}
	for range 5000 {
		it := int32(rng.IntN(300))
		if rng.IntN(2) == 0 {
			s.inc(it)
			m[it]++
		}
		if s.get(it) != m[it] {
			t.Fatalf("product %d: %d, map %d", it, s.get(it), m[it])
		}
	}
	if len(s) != len(m) {
		t.Fatalf("%d entries, map %d", len(s), len(m))
	}
}

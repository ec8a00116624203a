package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/campaign/rank"
)

func learnOpts(seed uint64, users int, lo *LearnOptions) SyntheticOptions {
	return SyntheticOptions{Users: users, Items: 300, Days: 20, Seed: seed, Learn: lo,
		Strategies: []rank.Strategy{rank.Retarget, rank.Auto, rank.Popular, rank.Similar}}
}

// The learned run (report and impressions log) is byte-identical for the
// same seed whatever the number of workers, and differs for another seed.
func TestLearnDeterministic(t *testing.T) {
	run := func(seed uint64, workers int) (string, string) {
		var imp bytes.Buffer
		o := learnOpts(seed, 600, &LearnOptions{Variants: []string{"a", "b"}, Impressions: &imp})
		o.Workers = workers
		res, err := Synthetic(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(res)
		return string(js), imp.String()
	}
	j1, i1 := run(3, 1)
	j4, i4 := run(3, 4)
	if j1 != j4 || i1 != i4 {
		t.Fatal("learned run depends on the number of workers")
	}
	j2, _ := run(4, 2)
	if j1 == j2 {
		t.Fatal("another seed gave the same report")
	}
	if !strings.Contains(j1, `"name":"learned"`) || strings.Count(i1, "\n") < 100 {
		t.Fatalf("no learned row or too few impressions:\n%.300s", j1)
	}
}

// Without Learn the fixed strategies' report is unchanged by the learning
// code; with Learn the fixed rows are identical to the run without it
// (the policy pass only appends).
func TestLearnLeavesFixedRows(t *testing.T) {
	base, err := Synthetic(context.Background(), learnOpts(5, 400, nil))
	if err != nil {
		t.Fatal(err)
	}
	with, err := Synthetic(context.Background(), learnOpts(5, 400, &LearnOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(with.Strategies) != len(base.Strategies)+1 || base.Learning != nil || with.Learning == nil {
		t.Fatalf("rows %d/%d", len(base.Strategies), len(with.Strategies))
	}
	for i := range base.Strategies {
		if base.Strategies[i] != with.Strategies[i] {
			t.Errorf("fixed row %d changed: %+v vs %+v", i, base.Strategies[i], with.Strategies[i])
		}
	}
}

// The learned strategy learns: on a run long and large enough its late
// expected CTR is far above the uniform mix of the arms it started with,
// and it converges towards the best arms (the oracle gap shrinks).
func TestLearnConverges(t *testing.T) {
	o := learnOpts(1, 3000, &LearnOptions{Variants: []string{"main", "b", "c"}})
	o.Days = 30
	res, err := Synthetic(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	L := res.Learning
	first, last := L.Days[0], L.Days[len(L.Days)-1]
	gap := func(d LearnDay) float64 { return (d.OracleCTR - d.ExpectedCTR) / d.OracleCTR }
	t.Logf("day %d: expected %.4f oracle %.4f; day %d: expected %.4f oracle %.4f; final %v", first.Day, first.ExpectedCTR, first.OracleCTR,
		last.Day, last.ExpectedCTR, last.OracleCTR, L.FinalArmProbs)
	if gap(last) > 0.8*gap(first) {
		t.Errorf("oracle gap %.2f on the last day vs %.2f on the first: not learning", gap(last), gap(first))
	}
	// Regret grows ever more slowly.
	n := len(L.Days)
	early := L.Days[n/3].Regret
	late := L.Days[n-1].Regret - L.Days[n-1-n/3].Regret
	if late >= early {
		t.Errorf("regret of the last third %.1f not below the first third's %.1f", late, early)
	}
	for _, d := range L.Days {
		if d.RegretCI[0] > d.Regret || d.RegretCI[1] < d.Regret || d.CTRCI[0] > d.CTR || d.CTRCI[1] < d.CTR {
			t.Fatalf("interval does not contain its estimate: %+v", d)
		}
	}
	sum := 0.0
	for _, v := range L.Variants {
		sum += v.Share
	}
	if math.Abs(sum-1) > 1e-3 || len(L.Fixed) != len(o.Strategies) || len(L.Fixed[0].CTR) != len(L.Days) {
		t.Errorf("variant shares sum %.4f, fixed curves %d", sum, len(L.Fixed))
	}
}

func TestLearnValidate(t *testing.T) {
	for _, lo := range []*LearnOptions{{Explore: -1}, {Discount: 2}, {Layout: "parquet"}, {Arms: []rank.Strategy{"nope"}}} {
		if _, err := Synthetic(context.Background(), learnOpts(1, 50, lo)); err == nil {
			t.Errorf("%+v: want an error", lo)
		}
	}
	if _, err := Synthetic(context.Background(), SyntheticOptions{Users: 10, Drift: 2}); err == nil {
		t.Error("drift 2: want an error")
	}
}

// Off-policy evaluation checked against the simulator's ground truth:
// impressions logged under a softmax policy around retarget, every other
// arm estimated from the log, and compared with the CTR the same arm got
// running online in the same run (same seed, common random numbers). The
// ad state is made stationary (no fatigue, no serve decay, no cap) so the
// online run and the logged slots face the same click model: with fatigue
// an arm shown rarely by the logging policy is fresher than when it runs
// alone, a carry-over no contextual-bandit estimator can see (the closing
// note reports that bias under the default settings).
func TestOffPolicyCoverage(t *testing.T) {
	checkOPECoverage(t, opeSetup{name: "softmax", lo: func() LearnOptions { return LearnOptions{Explore: 1} }, stationary: true, users: 1000, days: 15})
}

// The same with the learned strategy as the logging policy: it serves a
// fixed strategy's carousel on 5% of slots only (the rest is its own
// re-ranked carousel), so an arm's log holds a few dozen effective rounds
// (ESS 30-100) and often no click at all. The bootstrap's percentile
// interval alone covered the online CTR in 0-75% of seeds; the Wilson floor
// at the effective number of rounds (ope.Result) makes it honest.
func TestOffPolicyCoverageLearnedLog(t *testing.T) {
	checkOPECoverage(t, opeSetup{name: "learned", lo: func() LearnOptions { return LearnOptions{ArmTraffic: 0.5} }, stationary: true, users: 1000, days: 15})
}

func checkOPECoverage(t *testing.T, s opeSetup) {
	const reps = 20
	arms := []rank.Strategy{rank.Retarget, rank.Auto, rank.Popular, rank.Similar}
	cells := opeTable(t, s, arms, reps, 100)
	for _, c := range cells {
		cov := float64(c.covOnline) / float64(c.n)
		t.Logf("%-5s %-11s coverage %.2f (percentile alone %.2f) mean bias %+.5f ESS %.0f", c.est, c.arm, cov,
			float64(c.pctOnline)/float64(c.n), (c.sumEst-c.sumOnline)/float64(c.n), c.sumESS/float64(c.n))
		if cov < 0.90 {
			t.Errorf("%s %s: truth inside the interval in %.0f%% of %d runs (< 90%%)", c.est, c.arm, cov*100, c.n)
		}
	}
	if len(cells) != 3*len(arms) || cells[0].n != reps {
		t.Errorf("coverage counted for %d of %d estimator × arm pairs", len(cells), 3*len(arms))
	}
}

// Drift moves the shopper's category fit to the trend categories and
// fades the intent of old views; without drift nothing changes.
func TestDriftWorld(t *testing.T) {
	w := newWorld(GenerateCatalog(400, 1), 1)
	var s shopperModel
	s.cats = [3]int32{w.trend[0] + 1, w.trend[0] + 2, w.trend[0] + 3} // no drift yet: trend unset
	w.setDrift(0.05, 1)
	var own, trend int32 = -1, -1
	for i := range w.prods {
		c := w.cat[i]
		if own < 0 && c != w.trend[0] && c != w.trend[1] && c != w.trend[2] {
			own = int32(i)
			s.cats[0] = c
		}
		if trend < 0 && c == w.trend[0] {
			trend = int32(i)
		}
	}
	if own < 0 || trend < 0 {
		t.Fatal("fixture: no product outside / inside the trend")
	}
	if s.cats[1] == w.trend[0] || s.cats[2] == w.trend[0] {
		s.cats[1], s.cats[2] = s.cats[0], s.cats[0]
	}
	if !(w.relevance(&s, trend, 20) > w.relevance(&s, trend, 0) && w.relevance(&s, own, 20) < w.relevance(&s, own, 0)) {
		t.Errorf("relevance does not move to the trend: trend %.3f→%.3f, own %.3f→%.3f",
			w.relevance(&s, trend, 0), w.relevance(&s, trend, 20), w.relevance(&s, own, 0), w.relevance(&s, own, 20))
	}
	if f := w.fade(int64(10 * 24 * time.Hour)); math.Abs(f-0.5) > 1e-9 {
		t.Errorf("fade after 10 days at 5%%/day = %v, want 0.5", f)
	}
	w.setDrift(0, 1)
	if w.fade(int64(10*24*time.Hour)) != 1 || w.relevance(&s, trend, 20) != w.relevance(&s, trend, 0) {
		t.Error("without drift relevance and intent must not change")
	}
}

// The report says, per day and segment, which arm's carousels had the
// highest true CTR on the policy's slots: the evidence for whether a
// policy choosing among arms can beat every fixed strategy.
func TestLearnSegmentArmTruth(t *testing.T) {
	res, err := Synthetic(context.Background(), SyntheticOptions{Users: 800, Days: 8, Items: 150, Seed: 5, Learn: &LearnOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Learning
	named := 0
	for _, d := range l.Days {
		if len(d.SegmentArmCTR) != len(Segments) || len(d.BestArm) != len(Segments) {
			t.Fatalf("day %d: %d segments, %d best arms", d.Day, len(d.SegmentArmCTR), len(d.BestArm))
		}
		for s, ctr := range d.SegmentArmCTR {
			hi, best := 0.0, ""
			for k, x := range ctr {
				if x > hi {
					hi, best = x, l.Arms[k]
				}
			}
			if best != d.BestArm[s] {
				t.Errorf("day %d %s: best arm %q, highest CTR %q", d.Day, Segments[s], d.BestArm[s], best)
			}
			if best != "" {
				named++
			}
		}
	}
	if named == 0 {
		t.Error("no segment had a best arm on any day")
	}
}

// When shoppers' tastes drift, the learned strategy beats every fixed
// strategy it learns from: more clicks from the same ad opportunities
// (common random numbers: every strategy faces the same shoppers, slots
// and click draws), and a higher CTR than every strategy that serves
// every slot. Choosing among the fixed carousels alone could not (the
// best of them, auto, leads on every segment and day); the re-ranked
// carousel learns the trend categories, fatigue and fading intent from
// the clicks.
func TestLearnBeatsFixedUnderDrift(t *testing.T) {
	o := learnOpts(7, 4000, &LearnOptions{Discount: 0.9})
	o.Days, o.Drift = 24, 0.05
	o.Ads = DefaultAds()
	o.Ads.ClickBase = 0.015 // three times the default: enough clicks to learn from in a small run
	res, err := Synthetic(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	learned := res.Strategies[len(res.Strategies)-1]
	if learned.Name != Learned {
		t.Fatalf("last row %q", learned.Name)
	}
	for _, s := range res.Strategies[:len(res.Strategies)-1] {
		t.Logf("%-12s CTR %.4f %v clicks %d impressions %d", s.Name, s.CTR, s.CTRCI, s.Clicks, s.Impressions)
		if float64(learned.Clicks) < 1.02*float64(s.Clicks) {
			t.Errorf("learned %d clicks, %s %d: want at least 2%% more", learned.Clicks, s.Name, s.Clicks)
		}
		if s.Name.IsProspecting() && learned.CTR <= s.CTR {
			t.Errorf("learned CTR %.4f not above %s's %.4f", learned.CTR, s.Name, s.CTR)
		}
	}
	t.Logf("%-12s CTR %.4f %v clicks %d impressions %d", learned.Name, learned.CTR, learned.CTRCI, learned.Clicks, learned.Impressions)
	// The paired truth (true click probabilities on the same slots, no
	// click noise): the policy beats every arm where that arm can serve.
	cf := res.Learning.Counterfactual
	if len(cf) != len(o.Strategies)+1 || cf[len(cf)-1].Name != Rerank {
		t.Fatalf("counterfactual rows %+v: want the arms and %s", cf, Rerank)
	}
	for _, a := range cf[:len(cf)-1] {
		t.Logf("true CTR on %d slots: %-12s %.5f, learned %.5f", a.Slots, a.Name, a.ExpectedCTR, a.PolicyCTR)
		if a.PolicyCTR < 1.03*a.ExpectedCTR {
			t.Errorf("on %s's slots the policy's true CTR %.5f is not 3%% above the arm's %.5f", a.Name, a.PolicyCTR, a.ExpectedCTR)
		}
	}
}

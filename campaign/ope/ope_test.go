package ope

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/campaign/boot"
)

func near(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.12g, want %.12g", name, got, want)
	}
}

// Hand-computed example: three rounds, weights 2, 0, 4, rewards 1, 1, 0.
func TestEstimatorsByHand(t *testing.T) {
	var a Accumulator
	a.Add(0, 0, 2, 1)
	a.Add(0, 1, 0, 1)
	a.Add(1, 0, 4, 0)
	q := func(c, act int) float64 { return 0.5 }
	qt := func(c int) float64 { return 0.25 }
	r, err := a.Result(0.95, q, qt)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "IPS", r.IPS.Value, 2.0/3)            // (2+0+0)/3
	near(t, "SNIPS", r.SNIPS.Value, 2.0/6)        // 2/(2+0+4)
	near(t, "DR", r.DR.Value, (1.25+0.25-1.75)/3) // terms .25+2·.5, .25+0, .25+4·(−.5)
	near(t, "ESS", r.ESS, 36.0/20)                // 6²/(4+0+16)
	near(t, "MaxWeight", r.MaxWeight, 4)
	// IPS interval: terms 2, 0, 0; sample sd = sqrt(4/3); se = sd/sqrt(3).
	near(t, "IPS.SE", r.IPS.SE, math.Sqrt(4.0/3/3))
	// The normal interval's lower end 2/3 − 1.96·SE is negative: clipped at 0.
	near(t, "IPS.CI[0]", r.IPS.CI[0], 0)
	near(t, "IPS.CI[1]", r.IPS.CI[1], 2.0/3+Z(0.95)*math.Sqrt(4.0/3/3))
	if r.Matches != 2 || r.Rounds != 3 {
		t.Errorf("rounds %d matches %d", r.Rounds, r.Matches)
	}
	// Scale halves every weight: IPS halves, SNIPS is invariant.
	a.Scale(0.5)
	r2, _ := a.Result(0.95, nil, nil)
	near(t, "scaled IPS", r2.IPS.Value, 1.0/3)
	near(t, "scaled SNIPS", r2.SNIPS.Value, 2.0/6)
	near(t, "DR without model", r2.DR.Value, r2.IPS.Value)
	var empty Accumulator
	if _, err := empty.Result(0.95, nil, nil); err == nil {
		t.Error("empty accumulator: want an error")
	}
}

func TestMergeEqualsOnePass(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var all, x, y Accumulator
	for i := 0; i < 1000; i++ {
		c, act, w, r := rng.IntN(3), rng.IntN(4), rng.Float64()*3, float64(rng.IntN(2))
		all.Add(c, act, w, r)
		if i%2 == 0 {
			x.Add(c, act, w, r)
		} else {
			y.Add(c, act, w, r)
		}
	}
	x.Merge(&y)
	q := func(c, a int) float64 { return 0.1 * float64(c+a) }
	qt := func(c int) float64 { return 0.2 }
	r1, _ := all.Result(0.9, q, qt)
	r2, _ := x.Result(0.9, q, qt)
	for _, p := range [][2]float64{{r1.IPS.Value, r2.IPS.Value}, {r1.SNIPS.SE, r2.SNIPS.SE}, {r1.DR.Value, r2.DR.Value}, {r1.DR.SE, r2.DR.SE}} {
		if math.Abs(p[0]-p[1]) > 1e-9 {
			t.Fatalf("merged %v != one pass %v", p[1], p[0])
		}
	}
}

// A contextual bandit with known click probabilities: contexts 0..2, arms
// 0..3; the logging policy is a softmax that favours arm 0. Each target arm
// is estimated off-policy; over seeded repetitions the truth must lie in
// each estimator's 95% interval at least 90% of the time, and the mean estimate must be close to the truth
// (unbiasedness).
func TestCoverageKnownBandit(t *testing.T) { coverageKnownBandit(t, 200, 20000, 1, 0) }

// The same with bootstrap intervals (AddBoot, every round its own unit, 200
// replicates): click rates ×5 and 2,000 rounds keep the test fast.
func TestBootstrapCoverageKnownBandit(t *testing.T) { coverageKnownBandit(t, 200, 2000, 5, 200) }

func coverageKnownBandit(t *testing.T, reps, n int, scale float64, nBoot int) {
	ctr := [3][4]float64{{0.02, 0.05, 0.01, 0.03}, {0.04, 0.02, 0.06, 0.01}, {0.01, 0.01, 0.02, 0.08}}
	for c := range ctr {
		for a := range ctr[c] {
			ctr[c][a] *= scale
		}
	}
	pctx := [3]float64{0.5, 0.3, 0.2}
	logits := [4]float64{2, 1, 1, 0.5}
	var pb [4]float64
	z := 0.0
	for i, l := range logits {
		pb[i] = math.Exp(l)
		z += pb[i]
	}
	for i := range pb {
		pb[i] /= z
	}
	truth := [4]float64{}
	for c := range ctr {
		for a := range truth {
			truth[a] += pctx[c] * ctr[c][a]
		}
	}
	hits := map[string][4]int{}
	sum := map[string][4]float64{}
	for rep := 0; rep < reps; rep++ {
		rng := rand.New(rand.NewPCG(uint64(rep), 7))
		accs := make([]Accumulator, 4)
		model := NewRewardModel()
		type obs struct {
			c, a int
			r    float64
		}
		log := make([]obs, n)
		for i := range log {
			x := rng.Float64()
			c := 0
			for x > pctx[c] && c < 2 {
				x -= pctx[c]
				c++
			}
			y := rng.Float64()
			a := 0
			for y > pb[a] && a < 3 {
				y -= pb[a]
				a++
			}
			r := 0.0
			if rng.Float64() < ctr[c][a] {
				r = 1
			}
			log[i] = obs{c, a, r}
			model.Observe(c, a, r)
		}
		bw := make([]uint8, nBoot)
		for i, o := range log {
			// Every round its own unit: the bootstrap's weights.
			boot.PoissonWeights(bw, uint64(rep), uint64(i))
			for e := range accs {
				w := 0.0
				if o.a == e {
					w = 1 / pb[o.a]
				}
				if nBoot > 0 {
					accs[e].AddBoot(o.c, o.a, w, o.r, bw)
				} else {
					accs[e].Add(o.c, o.a, w, o.r)
				}
			}
		}
		for e := range accs {
			res, err := accs[e].Result(0.95, model.Predict, func(c int) float64 { return model.Predict(c, e) })
			if err != nil {
				t.Fatal(err)
			}
			for name, est := range map[string]Estimate{"ips": res.IPS, "snips": res.SNIPS, "dr": res.DR} {
				if nBoot > 0 && (est.CI == est.NormalCI || est.BootSE <= 0) {
					t.Fatalf("%s: CI %v is not the bootstrap's (normal %v)", name, est.CI, est.NormalCI)
				}
				h, s := hits[name], sum[name]
				if est.CI[0] <= truth[e] && truth[e] <= est.CI[1] {
					h[e]++
				}
				s[e] += est.Value
				hits[name], sum[name] = h, s
			}
		}
	}
	for name, h := range hits {
		for e := range h {
			cov := float64(h[e]) / float64(reps)
			mean := sum[name][e] / float64(reps)
			t.Logf("%-5s arm %d: truth %.4f mean %.4f coverage %.2f", name, e, truth[e], mean, cov)
			if cov < 0.90 {
				t.Errorf("%s arm %d: coverage %.2f < 0.90", name, e, cov)
			}
			if math.Abs(mean-truth[e]) > 0.1*truth[e] {
				t.Errorf("%s arm %d: mean estimate %.4f, truth %.4f", name, e, mean, truth[e])
			}
		}
	}
}

func sampleImpressions() []Impression {
	t0 := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	return []Impression{
		{Time: t0, ID: 1, UserID: "u1", Segment: "viewer", Action: "retarget", Propensity: 0.5, Items: []string{"A", "B"},
			ItemIndex: []int{0, 1}, ItemPropensity: []float64{0.5, 0.75}, Click: 2, Variant: "h1", VariantPropensity: 1,
			ArmPropensity: []float64{0.5, 0.25, 0.25}},
		{Time: t0.Add(time.Hour), ID: 2, UserID: "u2", Segment: "new", Action: "popular", Propensity: 0.25, Items: []string{"C", "B"},
			ItemIndex: []int{2, 1}, ItemPropensity: []float64{0.25, 0.75}, Variant: "h1", VariantPropensity: 1,
			ArmPropensity: []float64{0, 0.25, 0.75}},
	}
}

func TestLogRoundTrip(t *testing.T) {
	arms := []string{"retarget", "popular", "trending"}
	for _, layout := range []string{LayoutDPA, LayoutOBD} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, layout, arms)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range sampleImpressions() {
			if err := w.Write(&im); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		var got []Round
		lay, err := ReadLog(context.Background(), bytes.NewReader(buf.Bytes()), "", func(r *Round) error {
			c := *r
			c.ArmPropensity = append([]float64(nil), r.ArmPropensity...)
			got = append(got, c)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v\n%s", layout, err, buf.String())
		}
		if lay != layout {
			t.Errorf("detected %q, want %q", lay, layout)
		}
		switch layout {
		case LayoutDPA:
			want := "timestamp,impression_id,user_id,segment,action,propensity,click,click_position,items,variant,variant_propensity,ps_retarget,ps_popular,ps_trending\n" +
				"2024-01-02T00:00:00Z,1,u1,viewer,retarget,0.5,1,2,A|B,h1,1,0.5,0.25,0.25\n" +
				"2024-01-02T01:00:00Z,2,u2,new,popular,0.25,0,0,C|B,h1,1,0,0.25,0.75\n"
			if buf.String() != want {
				t.Errorf("dpa layout:\n%s\nwant\n%s", buf.String(), want)
			}
			if len(got) != 2 || got[0].Action != "retarget" || got[0].Reward != 1 || got[1].ArmPropensity[0] != 0 {
				t.Errorf("rounds %+v", got)
			}
		case LayoutOBD:
			want := ",timestamp,item_id,position,click,propensity_score,user_feature_0\n" +
				"0,2024-01-02T00:00:00Z,0,1,0,0.5,viewer\n1,2024-01-02T00:00:00Z,1,2,1,0.75,viewer\n" +
				"2,2024-01-02T01:00:00Z,2,1,0,0.25,new\n3,2024-01-02T01:00:00Z,1,2,0,0.75,new\n"
			if buf.String() != want {
				t.Errorf("obd layout:\n%s\nwant\n%s", buf.String(), want)
			}
			if len(got) != 4 || got[1].Action != "1" || got[1].Reward != 1 || got[1].Position != 2 || got[1].Propensity != 0.75 {
				t.Errorf("rounds %+v", got)
			}
		}
	}
}

func TestReadLogErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"header only", "timestamp,action,propensity,click,segment\n", "no rows"},
		{"unknown header", "a,b\n1,2\n", "neither"},
		{"bad click", "action,propensity,click,segment\nx,0.5,2,s\n", `line 2: column "click": value "2"`},
		{"bad propensity", "action,propensity,click,segment\nx,1.5,0,s\n", `line 2: column "propensity": value "1.5"`},
		{"zero propensity", "action,propensity,click,segment\nx,0,0,s\n", "probability 0"},
		{"obd bad item", ",timestamp,item_id,position,click,propensity_score\n0,t,x,1,0,0.1\n", `column "item_id"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadLog(context.Background(), strings.NewReader(tc.in), "", func(*Round) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	var le *LogError
	_, err := ReadLog(context.Background(), strings.NewReader("action,propensity,click,segment\nx,0.5,7,s\n"), "", func(*Round) error { return nil })
	if !errors.As(err, &le) || le.Line != 2 {
		t.Errorf("want a *LogError on line 2, got %v", err)
	}
}

func TestEvaluateLogs(t *testing.T) {
	arms := []string{"retarget", "popular", "trending"}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, LayoutDPA, arms)
	for _, im := range sampleImpressions() {
		if err := w.Write(&im); err != nil {
			t.Fatal(err)
		}
	}
	_ = w.Flush()
	ev, err := Evaluate(context.Background(), bytes.NewReader(buf.Bytes()), Options{Targets: []string{"retarget", "popular", "logged"}})
	if err != nil {
		t.Fatal(err)
	}
	// retarget: population = round 1 only (round 2 has ps 0); w = 2, r = 1.
	near(t, "retarget IPS", ev.Policies[0].IPS.Value, 2)
	if ev.Policies[0].Rounds != 1 {
		t.Errorf("retarget population %d, want 1", ev.Policies[0].Rounds)
	}
	// popular: both rounds; w = 0 then 4 with r = 0.
	near(t, "popular IPS", ev.Policies[1].IPS.Value, 0)
	near(t, "logged", ev.Policies[2].IPS.Value, 0.5)
	if _, err := Evaluate(context.Background(), bytes.NewReader(buf.Bytes()), Options{Targets: []string{"bestsellers"}}); err == nil ||
		!strings.Contains(err.Error(), "bestsellers") {
		t.Errorf("unknown arm: %v", err)
	}
	obd := ",timestamp,item_id,position,click,propensity_score\n0,t,0,1,1,0.5\n1,t,1,1,0,0.5\n"
	ev, err = Evaluate(context.Background(), strings.NewReader(obd), Options{Targets: []string{"uniform"}})
	if err != nil {
		t.Fatal(err)
	}
	// uniform over 2 items, logging also uniform: w = 1, IPS = mean click.
	near(t, "uniform IPS", ev.Policies[0].IPS.Value, 0.5)
}

// Evaluate's intervals come from the bootstrap over shoppers: the same log
// and seed give the same intervals, another seed other ones, and the
// report says so.
func TestEvaluateBootstrap(t *testing.T) {
	arms := []string{"retarget", "popular"}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, LayoutDPA, arms)
	rng := rand.New(rand.NewPCG(3, 4))
	t0 := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		a := rng.IntN(2)
		click := 0
		if rng.Float64() < 0.02+0.03*float64(a) {
			click = 1
		}
		im := Impression{Time: t0, ID: int64(i + 1), UserID: "u" + strconv.Itoa(rng.IntN(500)), Segment: "viewer", Action: arms[a],
			Propensity: 0.5, Click: click, Items: []string{"A"}, ItemIndex: []int{0}, ItemPropensity: []float64{1},
			ArmPropensity: []float64{0.5, 0.5}}
		if err := w.Write(&im); err != nil {
			t.Fatal(err)
		}
	}
	_ = w.Flush()
	eval := func(seed uint64) *Evaluation {
		ev, err := Evaluate(context.Background(), bytes.NewReader(buf.Bytes()), Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	a, b, c := eval(1), eval(1), eval(2)
	if a.Replicates != DefaultReplicates || !strings.Contains(a.Interval, "bootstrap") {
		t.Errorf("interval %q, %d replicates", a.Interval, a.Replicates)
	}
	for i, p := range a.Policies {
		for _, e := range [][3]Estimate{{p.IPS, b.Policies[i].IPS, c.Policies[i].IPS}, {p.SNIPS, b.Policies[i].SNIPS, c.Policies[i].SNIPS}, {p.DR, b.Policies[i].DR, c.Policies[i].DR}} {
			if e[0] != e[1] {
				t.Errorf("%s: same seed, different estimates %+v / %+v", p.Name, e[0], e[1])
			}
			if e[0].CI == e[2].CI || e[0].CI == e[0].NormalCI {
				t.Errorf("%s: CI %v does not come from the seeded bootstrap (seed 2 %v, normal %v)", p.Name, e[0].CI, e[2].CI, e[0].NormalCI)
			}
			if !(e[0].CI[0] <= e[0].Value && e[0].Value <= e[0].CI[1]) {
				t.Errorf("%s: CI %v excludes the estimate %v", p.Name, e[0].CI, e[0].Value)
			}
		}
	}
}

// Few weighted clicks: the target arm is logged on 5% of 600 rounds and
// clicks 1% of the time, so a log holds about 0.3 of its clicks. The
// bootstrap's percentile interval of a log without one is [0, 0]: it
// covers the truth only when a click happened (about a quarter of the
// logs). The reported interval, widened to Wilson's at the effective
// number of rounds (Result), covers it at least 90% of the time and stays
// informative (its upper end well below 1).
func TestBootstrapCoverageFewClicks(t *testing.T) {
	const reps, n, pTarget, ctr, nBoot = 300, 600, 0.05, 0.01, 200
	hits, pct := map[string]int{}, map[string]int{}
	upper := 0.0
	for rep := range reps {
		rng := rand.New(rand.NewPCG(uint64(rep), 11))
		var acc Accumulator
		model := NewRewardModel()
		bw := make([]uint8, nBoot)
		type obs struct {
			a int
			r float64
		}
		log := make([]obs, n)
		for i := range log {
			a := 1
			if rng.Float64() < pTarget {
				a = 0
			}
			r := 0.0
			if rng.Float64() < ctr*float64(1+a) { // the other arm clicks 2%
				r = 1
			}
			log[i] = obs{a, r}
			model.Observe(0, a, r)
		}
		for i, o := range log {
			boot.PoissonWeights(bw, uint64(rep), uint64(i))
			w := 0.0
			if o.a == 0 {
				w = 1 / pTarget
			}
			acc.AddBoot(0, o.a, w, o.r, bw)
		}
		res, err := acc.Result(0.95, model.Predict, func(c int) float64 { return model.Predict(c, 0) })
		if err != nil {
			t.Fatal(err)
		}
		for name, e := range map[string]Estimate{"ips": res.IPS, "snips": res.SNIPS, "dr": res.DR} {
			if e.CI[0] <= ctr && ctr <= e.CI[1] {
				hits[name]++
			}
			if e.PercentileCI[0] <= ctr && ctr <= e.PercentileCI[1] {
				pct[name]++
			}
			if e.CI[0] > e.PercentileCI[0] || e.CI[1] < e.PercentileCI[1] || e.EffectiveN <= 0 || e.EffectiveN > res.ESS {
				t.Fatalf("%s: CI %v does not hold the percentile interval %v, or effective n %.1f (ESS %.1f)", name, e.CI, e.PercentileCI, e.EffectiveN, res.ESS)
			}
			upper += e.CI[1] / (3 * reps)
		}
	}
	for name, h := range hits {
		t.Logf("%-5s coverage %.3f (percentile interval alone %.3f)", name, float64(h)/reps, float64(pct[name])/reps)
		if float64(h) < 0.9*reps {
			t.Errorf("%s: interval covered the truth in %d of %d logs", name, h, reps)
		}
		if float64(pct[name]) > 0.6*reps {
			t.Errorf("%s: the percentile interval alone covered %d of %d: the fixture has too many clicks to tell", name, pct[name], reps)
		}
	}
	if upper > 0.2 {
		t.Errorf("mean upper end %.3f: the interval says nothing", upper)
	}
	t.Logf("mean upper end %.4f", upper)
}

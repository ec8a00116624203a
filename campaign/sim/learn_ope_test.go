package sim

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/campaign/ope"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// opeSetup is one off-policy experiment: a logging policy and the ad
// state, repeated over seeds.
type opeSetup struct {
	name       string
	lo         func() LearnOptions // the logging policy (Impressions is set per run)
	stationary bool                // no fatigue, no serve decay, no cap
	users      int
	days       int
}

// opeCell sums one estimator x strategy over the repetitions.
type opeCell struct {
	est, arm                         string
	n                                int
	sumEst, sumOnline, sumCF, sumESS float64
	sumWidth                         float64
	covOnline, covCF, pctOnline      int
}

// opeTable runs setup over reps seeds: logs the policy's impressions,
// estimates every arm off-policy (ope.Evaluate, the CLI's path) and
// compares each estimate and interval with the arm's online CTR in the
// same run (same seed, common random numbers) and with its true expected
// CTR on the logged slots (learning.counterfactual).
func opeTable(t *testing.T, s opeSetup, arms []rank.Strategy, reps int, seed0 uint64) []*opeCell {
	t.Helper()
	cells := map[string]*opeCell{}
	var order []string
	for rep := range reps {
		var log bytes.Buffer
		lo := s.lo()
		lo.Impressions = &log
		o := SyntheticOptions{Users: s.users, Items: 300, Days: s.days, Seed: seed0 + uint64(rep), Strategies: arms, Learn: &lo}
		o.Ads = DefaultAds()
		if s.stationary {
			o.Ads.Fatigue, o.Ads.ShowDecay, o.Ads.Cap = 1, 1, 1000
		}
		res, err := Synthetic(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range arms {
			names = append(names, string(a))
		}
		ev, err := ope.Evaluate(context.Background(), &log, ope.Options{Targets: names, Seed: uint64(rep)})
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range arms {
			online := res.Strategies[i].CTR
			cf := res.Learning.Counterfactual[i]
			if cf.Name != string(a) {
				t.Fatalf("counterfactual %d is %q, want %q", i, cf.Name, a)
			}
			p := ev.Policies[i]
			for _, e := range []struct {
				name string
				e    ope.Estimate
			}{{"ips", p.IPS}, {"snips", p.SNIPS}, {"dr", p.DR}} {
				k := e.name + " " + string(a)
				c := cells[k]
				if c == nil {
					c = &opeCell{est: e.name, arm: string(a)}
					cells[k] = c
					order = append(order, k)
				}
				c.n++
				c.sumEst += e.e.Value
				c.sumOnline += online
				c.sumCF += cf.ExpectedCTR
				c.sumESS += p.ESS
				c.sumWidth += e.e.CI[1] - e.e.CI[0]
				if e.e.CI[0] <= online && online <= e.e.CI[1] {
					c.covOnline++
				}
				if e.e.CI[0] <= cf.ExpectedCTR && cf.ExpectedCTR <= e.e.CI[1] {
					c.covCF++
				}
				if pc := e.e.PercentileCI; pc[0] <= online && online <= pc[1] {
					c.pctOnline++
				}
			}
		}
	}
	out := make([]*opeCell, 0, len(order))
	for _, k := range order {
		out = append(out, cells[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].est < out[j].est })
	return out
}

func opeMarkdown(s opeSetup, cells []*opeCell) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d shoppers x %d days, %d seeds)\n", s.name, s.users, s.days, cells[0].n)
	fmt.Fprintln(&b, "| estimator | strategy | mean estimate | online CTR | bias | coverage (online) | percentile-only coverage | true CTR on logged slots | coverage (logged slots) | mean CI width | mean ESS |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, c := range cells {
		n := float64(c.n)
		fmt.Fprintf(&b, "| %s | %s | %.3f%% | %.3f%% | %+.3f%% | %.0f%% | %.0f%% | %.3f%% | %.0f%% | %.3f%% | %.0f |\n", c.est, c.arm,
			100*c.sumEst/n, 100*c.sumOnline/n, 100*(c.sumEst-c.sumOnline)/n, 100*float64(c.covOnline)/n, 100*float64(c.pctOnline)/n,
			100*c.sumCF/n, 100*float64(c.covCF)/n, 100*c.sumWidth/n, c.sumESS/n)
	}
	return b.String()
}

// TestOffPolicyTableReport prints the closing note's off-policy table:
// DPA_OPE_TABLE=reps[,setup] go test ./campaign/sim -run TestOffPolicyTableReport -v
func TestOffPolicyTableReport(t *testing.T) {
	env := os.Getenv("DPA_OPE_TABLE")
	if env == "" {
		t.Skip("DPA_OPE_TABLE=reps[,setup] prints the off-policy table")
	}
	f := strings.Split(env, ",")
	num := func(i, def int) int {
		if i < len(f) {
			if v, err := strconv.Atoi(f[i]); err == nil {
				return v
			}
		}
		return def
	}
	reps, only := num(0, 20), num(1, -1)
	arms := []rank.Strategy{rank.Retarget, rank.Auto, rank.Popular, rank.Similar}
	learned := func() LearnOptions { return LearnOptions{} }
	softmax := func() LearnOptions { return LearnOptions{Explore: 1} }
	for i, s := range []opeSetup{
		{name: "softmax(retargeting, T=1) log, stationary ads", lo: softmax, stationary: true, users: 1000, days: 15},
		{name: "softmax(retargeting, T=1) log, default ads (fatigue)", lo: softmax, users: 1000, days: 15},
		{name: "learned log, stationary ads", lo: learned, stationary: true, users: 1000, days: 15},
		{name: "learned log, default ads (fatigue)", lo: learned, users: 1000, days: 15},
		{name: "learned log, stationary ads", lo: learned, stationary: true, users: 5000, days: 20},
		{name: "learned log, default ads (fatigue)", lo: learned, users: 5000, days: 20},
		{name: "learned log (arm traffic 0.5), stationary ads", lo: func() LearnOptions { return LearnOptions{ArmTraffic: 0.5} }, stationary: true, users: 1000, days: 15},
		{name: "learned log (arm traffic 0.5), default ads (fatigue)", lo: func() LearnOptions { return LearnOptions{ArmTraffic: 0.5} }, users: 1000, days: 15},
	} {
		if only < 0 || only == i {
			t.Log("\n" + opeMarkdown(s, opeTable(t, s, arms, reps, 100)))
		}
	}
}

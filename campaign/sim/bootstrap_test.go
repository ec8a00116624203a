package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// bootOf runs the group bootstrap over cases: cases[g] are the hits of
// group g (one strategy).
func bootOf(cases [][]float64, seed uint64, reps int, order []int) *bootSums {
	b := newBootSums(1, reps)
	g := newGroup(1, reps)
	for _, gi := range order {
		g.key = fmt.Sprintf("s%d", gi)
		for _, h := range cases[gi] {
			g.addCase(0, CaseMetrics{Hit: h}, false, 0)
		}
		g.flush(b, seed)
	}
	return b
}

// The 95% interval covers a known proportion about 95% of the time: 300
// seeded data sets of 150 sessions (1–4 cases each, hit with p = 0.3).
func TestBootstrapCoverage(t *testing.T) {
	const p, trials = 0.3, 300
	covered := 0
	for trial := range trials {
		rng := rand.New(rand.NewPCG(uint64(trial), 42))
		cases := make([][]float64, 150)
		order := make([]int, len(cases))
		for g := range cases {
			order[g] = g
			for range 1 + rng.IntN(4) {
				h := 0.0
				if rng.Float64() < p {
					h = 1
				}
				cases[g] = append(cases[g], h)
			}
		}
		ci := percentileCI(bootOf(cases, uint64(trial), 400, order).replicates(0, mHit))
		if ci[0] <= p && p <= ci[1] {
			covered++
		}
	}
	rate := float64(covered) / trials
	t.Logf("coverage %.3f", rate)
	if rate < 0.91 || rate > 0.985 {
		t.Fatalf("95%% interval covered p in %.1f%% of %d trials; want about 95%%", rate*100, trials)
	}
}

// Weights depend on the group id and the seed only: any order of the
// groups (any worker scheduling) gives the same sums; another seed does
// not.
func TestBootstrapDeterministic(t *testing.T) {
	cases := [][]float64{{1, 0}, {0}, {1, 1, 1}, {0, 0}, {1}}
	a := bootOf(cases, 7, 200, []int{0, 1, 2, 3, 4})
	b := bootOf(cases, 7, 200, []int{4, 2, 0, 3, 1})
	if fmt.Sprint(a.sum, a.n) != fmt.Sprint(b.sum, b.n) {
		t.Fatal("group order changed the bootstrap sums")
	}
	c := bootOf(cases, 8, 200, []int{0, 1, 2, 3, 4})
	if fmt.Sprint(a.sum) == fmt.Sprint(c.sum) {
		t.Fatal("another seed gave the same replicates")
	}
}

func TestVerdict(t *testing.T) {
	ss := []ReplayStrategy{
		{Name: rank.Retarget, HitRate: 0.40, VsBest: &Comparison{HitRateDiff: -0.021, HitRateDiffCI: [2]float64{-0.029, -0.013}}},
		{Name: rank.Auto, HitRate: 0.421, Users: 5000},
		{Name: rank.Popular, HitRate: 0.1, VsBest: &Comparison{HitRateDiff: -0.321, HitRateDiffCI: [2]float64{-0.35, -0.3}}},
	}
	if got, want := verdict(ss, 1, 20), "auto beats retargeting by +2.1 hit rate@20 points [1.3, 2.9]"; !strings.HasPrefix(got, want) {
		t.Errorf("verdict = %q, want prefix %q", got, want)
	}
	ss[0].VsBest.HitRateDiffCI = [2]float64{-0.04, 0.005}
	ss[1].Users = 37
	if got, want := verdict(ss, 1, 20), "no clear winner between auto and retargeting (37 cases)"; !strings.HasPrefix(got, want) {
		t.Errorf("verdict = %q, want prefix %q", got, want)
	}
}

// A replay reports intervals, the comparison with the best and the verdict;
// a tiny log also gets the few-cases warning. Same seed, same report.
func TestReplayIntervals(t *testing.T) {
	run := func(seed uint64) *ReplayResult {
		res, err := Replay(context.Background(), strings.NewReader(tinyLog), ReplayOptions{Seed: seed, CurveK: 2, K: 2,
			Strategies: []rank.Strategy{"retargeting", "popular"}, Split: tinySplit})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run(1)
	if res.Bootstrap == nil || res.Bootstrap.Unit != "user" || res.Verdict == "" {
		t.Fatalf("no bootstrap/verdict: %+v", res)
	}
	for _, s := range res.Strategies {
		if s.HitRateCI == nil || s.HitRateCI[0] > s.HitRate || s.HitRateCI[1] < s.HitRate {
			t.Errorf("%s: hit rate %v outside its interval %v", s.Name, s.HitRate, s.HitRateCI)
		}
	}
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "fewer than 200") {
		t.Errorf("warnings = %q", res.Warnings)
	}
	a, _ := json.Marshal(res)
	b, _ := json.Marshal(run(1))
	if string(a) != string(b) {
		t.Error("same seed, different report")
	}
}

var tinySplit = time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)

// A log whose users are sessions (every test user is new) is replayed by
// session, with a note; the same log with --by user stays by user.
func TestSessionOnlyDetection(t *testing.T) {
	var b strings.Builder
	b.WriteString("timestamp,user_id,session_id,event,item_id\n")
	items := []string{"A", "B", "C", "D"}
	for s := range 40 {
		day := 1 + s/10
		for j := range 3 {
			fmt.Fprintf(&b, "2024-01-%02dT10:%02d:00Z,s%d,s%d,ViewContent,%s\n", day, j, s, s, items[(s+j)%4])
		}
	}
	log := b.String()
	res, err := Replay(context.Background(), strings.NewReader(log), ReplayOptions{Split: time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Split.By != BySession || len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "10 of 10 test users have no training history") {
		t.Fatalf("by %q, notes %q", res.Split.By, res.Notes)
	}
	res, err = Replay(context.Background(), strings.NewReader(log), ReplayOptions{By: ByUser, Split: time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC)})
	if err != nil || res.Split.By != ByUser {
		t.Fatalf("explicit by user: %v %v", res.Split.By, err)
	}
	// Less than a day of log: a warning.
	short := "timestamp,user_id,event,item_id\n2024-01-01T10:00:00Z,u,ViewContent,A\n2024-01-01T12:00:00Z,u,ViewContent,B\n"
	res, err = Replay(context.Background(), strings.NewReader(short), ReplayOptions{})
	if err != nil || len(res.Warnings) < 2 || !strings.Contains(strings.Join(res.Warnings, "\n"), "the log spans only 2h0m0s") {
		t.Fatalf("short log warnings %q, %v", res.Warnings, err)
	}
}

// In session mode, rows of one session id carrying different user ids are
// one session (they were split in two by user).
func TestSessionGroupingBySessionID(t *testing.T) {
	log := "timestamp,user_id,session_id,event,item_id\n" +
		"2024-01-01T10:00:00Z,t,S0,ViewContent,A\n2024-01-01T10:01:00Z,t,S0,ViewContent,B\n" +
		"2024-01-02T10:00:00Z,u1,S1,ViewContent,A\n" +
		"2024-01-02T10:01:00Z,u2,S1,ViewContent,B\n" +
		"2024-01-02T10:02:00Z,u1,S1,ViewContent,C\n"
	res, err := Replay(context.Background(), strings.NewReader(log), ReplayOptions{By: BySession,
		Split: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Strategies: []rank.Strategy{rank.Popular}, Replicates: -1})
	if err != nil {
		t.Fatal(err)
	}
	// One session S1 of three events: two cases (B after A, C after A, B).
	if res.Split.Sessions != 1 || res.Split.Cases != 2 {
		t.Fatalf("sessions %d cases %d, want 1 session with 2 cases", res.Split.Sessions, res.Split.Cases)
	}
}

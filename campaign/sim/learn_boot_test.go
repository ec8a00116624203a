package sim

import (
	"context"
	"math/rand/v2"
	"testing"
)

// clusteredCurve draws n shoppers' impressions over days: each shopper has
// its own daily slot chance q ~ U(0.2, 0.8) and regret level r ~ U(0, 0.02),
// so its regrets on different days are correlated, as the simulator's are.
// A slot's regret is r·U(0.5, 1.5) and it gets a click with chance 0.02.
// The expected cumulative regret through report day d is n·(d+1)·0.5·0.01.
func clusteredCurve(rng *rand.Rand, n, days int) [][]curveImp {
	out := make([][]curveImp, n)
	for u := range out {
		q, r := 0.2+0.6*rng.Float64(), 0.02*rng.Float64()
		for d := range days {
			if rng.Float64() < q {
				out[u] = append(out[u], curveImp{day: uint16(d), click: rng.Float64() < 0.02, reg: float32(r * (0.5 + rng.Float64()))})
			}
		}
	}
	return out
}

// The cumulative regret's interval covers the expected regret about 95% of
// the time when a shopper's slots are correlated: 200 seeded sets of 1,000
// shoppers over 20 days. The normal interval over slots (regret_ci before
// the shopper bootstrap, slotRegretCI) covers it far less often: it takes
// a shopper's 10 slots as 10 independent draws. The day's CTR interval
// covers the click chance too.
func TestCurveBootCoverage(t *testing.T) {
	const n, days, trials = 1000, 20, 200
	checkDays := []int{4, days - 1}
	var boot, slot, ctr int
	for trial := range trials {
		rng := rand.New(rand.NewPCG(uint64(trial), 42))
		b := newCurveBoot(days, 300, uint64(trial))
		var sum, sum2 float64
		var slots int64
		cum := map[int][3]float64{}
		for u, imps := range clusteredCurve(rng, n, days) {
			b.addShopper(u, imps)
			for _, im := range imps {
				for _, d := range checkDays {
					if int(im.day) <= d {
						c := cum[d]
						r := float64(im.reg)
						c[0], c[1], c[2] = c[0]+r, c[1]+r*r, c[2]+1
						cum[d] = c
					}
				}
			}
		}
		regCI := b.regretCIs()
		for _, d := range checkDays {
			truth := n * float64(d+1) * 0.5 * 0.01
			sum, sum2, slots = cum[d][0], cum[d][1], int64(cum[d][2])
			if c := regCI[d]; c[0] <= truth && truth <= c[1] {
				boot++
			}
			if c := slotRegretCI(sum, sum2, slots); c[0] <= truth && truth <= c[1] {
				slot++
			}
			if c := b.ctrCI(d); c[0] <= 0.02 && 0.02 <= c[1] {
				ctr++
			}
		}
	}
	total := float64(trials * len(checkDays))
	t.Logf("coverage: regret bootstrap %.3f, regret over slots %.3f, day CTR %.3f", float64(boot)/total, float64(slot)/total, float64(ctr)/total)
	if r := float64(boot) / total; r < 0.90 || r > 0.99 {
		t.Errorf("cumulative regret: 95%% interval covered the truth in %.1f%% of %d cases; want about 95%%", r*100, int(total))
	}
	if r := float64(slot) / total; r > 0.8 {
		t.Errorf("the slot-level interval covered in %.1f%%: the fixture is not clustered enough to tell the intervals apart", r*100)
	}
	if r := float64(ctr) / total; r < 0.90 || r > 0.99 {
		t.Errorf("day CTR: 95%% interval covered in %.1f%%; want about 95%%", r*100)
	}
}

// In a learned run (TestLearnDeterministic pins its bytes for any number
// of workers) every day's intervals hold their estimates, and by the last
// day the shopper bootstrap's regret interval is clearly wider than the
// slot-level one (1.5 times at this size): the simulator's shoppers do
// carry correlated regret across days, so regret_ci computed over slots,
// as it was, is too narrow.
func TestLearnCurveIntervals(t *testing.T) {
	res, err := Synthetic(context.Background(), learnOpts(2, 1500, &LearnOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	days := res.Learning.Days
	for _, d := range days {
		if d.RegretCI[0] > d.Regret || d.Regret > d.RegretCI[1] || d.CTRBootCI[0] > d.CTR || d.CTR > d.CTRBootCI[1] ||
			d.RegretSlotCI[0] > d.Regret || d.Regret > d.RegretSlotCI[1] {
			t.Fatalf("day %d: an interval misses its estimate: %+v", d.Day, d)
		}
	}
	last := days[len(days)-1]
	w, ws := last.RegretCI[1]-last.RegretCI[0], last.RegretSlotCI[1]-last.RegretSlotCI[0]
	t.Logf("last day regret %.2f: shopper bootstrap %v (width %.2f), over slots %v (width %.2f)", last.Regret, last.RegretCI, w, last.RegretSlotCI, ws)
	if w < 1.2*ws {
		t.Errorf("last day: the regret interval %v is not wider than the slot-level %v", last.RegretCI, last.RegretSlotCI)
	}
}

// A day's impressions come one per shopper, so Wilson's interval over them
// is honest: it covers the day's expected CTR (the mean true click
// probability of the served carousels, which the simulator knows) on about
// 95% of days or more (98% here). The shopper bootstrap's interval
// (ctr_boot_ci) amounts to a normal interval with one impression per
// shopper and is narrower on days with few clicks (90% here), which is why
// ctr_ci stays Wilson's.
func TestLearnDayCTRCoverage(t *testing.T) {
	var n, wil, bt int
	for seed := uint64(1); seed <= 3; seed++ {
		res, err := Synthetic(context.Background(), learnOpts(seed, 1500, &LearnOptions{}))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range res.Learning.Days {
			n++
			if d.CTRCI[0] <= d.ExpectedCTR && d.ExpectedCTR <= d.CTRCI[1] {
				wil++
			}
			if d.CTRBootCI[0] <= d.ExpectedCTR && d.ExpectedCTR <= d.CTRBootCI[1] {
				bt++
			}
		}
	}
	t.Logf("%d days: Wilson covers %.3f, shopper bootstrap %.3f", n, float64(wil)/float64(n), float64(bt)/float64(n))
	if float64(wil) < 0.90*float64(n) {
		t.Errorf("%d days: Wilson covered %d: want about 95%%", n, wil)
	}
}

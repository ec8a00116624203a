package sim

import (
	"fmt"
	"math"
	"strings"
)

// MinCases is the number of test cases under which a replay warns that
// its comparison is fragile.
const MinCases = 200

// intervals attaches the bootstrap intervals, the comparisons with the
// best strategy and the verdict to the warm report; warm holds the warm
// replicate sums (nil without intervals).
func (f reducer) intervals(res *ReplayResult, warm *bootSums) {
	if res.Split.Cases < MinCases {
		res.Warnings = append(res.Warnings, fmt.Sprintf(
			"only %d test cases (fewer than %d): intervals are wide and the ranking of strategies may not hold on more data", res.Split.Cases, MinCases))
	}
	if f.replicates <= 0 || warm == nil || len(res.Strategies) == 0 {
		return
	}
	unit := "user"
	groups := res.Split.TestUsers - res.Split.ColdUsers
	if res.Split.By == BySession {
		unit, groups = "session", res.Split.Sessions
	}
	res.Bootstrap = &BootstrapInfo{Method: "poisson bootstrap over whole test " + unit + "s, percentile 95% intervals",
		Unit: unit, Groups: groups, Replicates: f.replicates, Seed: f.seed}
	ci := func(si, m int) *[2]float64 { v := percentileCI(warm.replicates(si, m)); return &v }
	best := bestStrategy(res.Strategies)
	for si := range res.Strategies {
		s := &res.Strategies[si]
		s.HitRateCI, s.PrecisionCI, s.RecallCI = ci(si, mHit), ci(si, mPrec), ci(si, mRec)
		s.NDCGCI, s.MRRCI = ci(si, mNDCG), ci(si, mRR)
		if s.NewItemCases > 0 {
			s.NewItemHitRateCI = ci(si, mNew)
		}
		if si != best {
			b := &res.Strategies[best]
			s.VsBest = &Comparison{Best: b.Name,
				HitRateDiff: round6(s.HitRate - b.HitRate), HitRateDiffCI: percentileCI(warm.diffs(si, best, mHit)),
				MRRDiff: round6(s.MRR - b.MRR), MRRDiffCI: percentileCI(warm.diffs(si, best, mRR))}
		}
	}
	res.Verdict = verdict(res.Strategies, best, res.K)
}

// bestStrategy is the index of the highest hit rate (then MRR, then the
// first listed).
func bestStrategy(ss []ReplayStrategy) int {
	best := 0
	for i, s := range ss {
		b := ss[best]
		if s.HitRate > b.HitRate || (s.HitRate == b.HitRate && s.MRR > b.MRR) {
			best = i
		}
	}
	return best
}

// verdict is one line on the best strategy against the runner-up: a win
// when the paired interval of the hit-rate difference excludes zero.
func verdict(ss []ReplayStrategy, best, k int) string {
	if len(ss) < 2 {
		return ""
	}
	runner := -1
	for i, s := range ss {
		if i == best || s.VsBest == nil {
			continue
		}
		if runner < 0 || s.HitRate > ss[runner].HitRate || (s.HitRate == ss[runner].HitRate && s.MRR > ss[runner].MRR) {
			runner = i
		}
	}
	if runner < 0 {
		return ""
	}
	b, r := ss[best], ss[runner]
	c := r.VsBest
	// The comparison is best − runner-up: flip the runner's difference.
	pts := func(x float64) float64 { return math.Round(-x*1000)/10 + 0 } // + 0: no "-0.0"
	d, lo, hi := pts(c.HitRateDiff), pts(c.HitRateDiffCI[1]), pts(c.HitRateDiffCI[0])
	if lo > 0 {
		return fmt.Sprintf("%s beats %s by %+.1f hit rate@%d points [%.1f, %.1f] (paired bootstrap, %d cases)",
			b.Name, r.Name, d, k, lo, hi, b.Users)
	}
	return fmt.Sprintf("no clear winner between %s and %s (%d cases): hit rate@%d difference %+.1f points [%.1f, %.1f]",
		b.Name, r.Name, b.Users, k, d, lo, hi)
}

// FmtCI formats an interval for tables.
func FmtCI(ci *[2]float64, digits int) string {
	if ci == nil {
		return ""
	}
	return strings.TrimSpace(fmt.Sprintf("%.*f–%.*f", digits, ci[0], digits, ci[1]))
}

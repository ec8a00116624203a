// Package sim evaluates dpa's ranking strategies two ways: an offline
// replay of a real event log (temporal split, full-catalog ranking) and a
// seeded simulation of shoppers seeing dynamic ads over a catalog. Both
// compare strategies side by side on identical inputs and return plain
// result structs whose JSON is the `dpa simulate` contract.
package sim

import (
	"math"

	"github.com/dpa-tools/dpa/campaign/ope"
)

// CaseMetrics are the top-k metrics of one test case (a user, or a session
// prefix), with the formulas of the background doc §7.1:
//
//	hit       = 1[R ∩ T ≠ ∅]
//	precision = |R ∩ T| / k
//	recall    = |R ∩ T| / |T|
//	rr        = 1/rank of the first relevant item (0 when none in the top k)
//	ndcg      = DCG/IDCG, DCG = Σ_{i≤k} 1[R_i ∈ T]/log2(i+1),
//	            IDCG = Σ_{i≤min(k,|T|)} 1/log2(i+1)
//
// FirstHit is the 1-based rank of the first relevant item, 0 when none.
type CaseMetrics struct {
	Hit, Precision, Recall, RR, NDCG float64
	FirstHit                         int
}

// Score computes CaseMetrics for a ranked list against the relevant items.
// Only the first k entries of recs count; an empty truth scores zero.
func Score(recs []string, truth []string, k int) CaseMetrics {
	if len(truth) == 0 || k <= 0 {
		return CaseMetrics{}
	}
	var set map[string]bool
	if len(truth) > 8 {
		set = make(map[string]bool, len(truth))
		for _, t := range truth {
			set[t] = true
		}
	}
	return scoreList(len(recs), len(truth), k, func(i int) bool {
		if set != nil {
			return set[recs[i]]
		}
		for _, t := range truth {
			if t == recs[i] {
				return true
			}
		}
		return false
	})
}

// scoreIdx is Score for a list of the log's item indices (-1: not in the
// log) against the nTruth items of truth.
func scoreIdx(recs []int32, truth *itemMarks, nTruth, k int) CaseMetrics {
	if nTruth == 0 || k <= 0 {
		return CaseMetrics{}
	}
	return scoreList(len(recs), nTruth, k, func(i int) bool { return truth.has(recs[i]) })
}

// scoreList is Score's formulas for nRecs recs of which in says which are
// relevant, with nTruth > 0 relevant items and k > 0.
func scoreList(nRecs, nTruth, k int, in func(i int) bool) CaseMetrics {
	var m CaseMetrics
	nRecs = min(nRecs, k)
	hits := 0
	dcg := 0.0
	for i := range nRecs {
		if in(i) {
			hits++
			dcg += 1 / math.Log2(float64(i+2))
			if m.FirstHit == 0 {
				m.FirstHit = i + 1
			}
		}
	}
	if hits == 0 {
		return m
	}
	idcg := 0.0
	for i := 0; i < min(k, nTruth); i++ {
		idcg += 1 / math.Log2(float64(i+2))
	}
	m.Hit = 1
	m.Precision = float64(hits) / float64(k)
	m.Recall = float64(hits) / float64(nTruth)
	m.RR = 1 / float64(m.FirstHit)
	m.NDCG = dcg / idcg
	return m
}

// Wilson returns the Wilson score interval for a binomial proportion of
// successes out of n at ~95% (z = 1.96). It is [0, 0] for n = 0.
func Wilson(successes, n int64) [2]float64 {
	if n <= 0 {
		return [2]float64{0, 0}
	}
	const z = 1.959963984540054
	return ope.Wilson(float64(successes)/float64(n), float64(n), z)
}

// round6 keeps JSON short and stable across platforms.
func round6(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1e6) / 1e6
}

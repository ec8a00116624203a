package bandit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Fit recovers known factors of a multiplicative click model from
// Bernoulli clicks, position bias included, up to the model's scale
// (ratios within a group), even when the levels of two groups are
// correlated (as a carousel's position and its products' features are).
func TestFactorsRecover(t *testing.T) {
	pos := []float64{1, 0.75, 0.56, 0.42}
	cat := []float64{1, 3, 0.5}
	intent := []float64{1, 2.5}
	m := NewFactors([]int{len(pos), len(cat), len(intent)}, FactorOptions{})
	rng := rand.New(rand.NewPCG(1, 2))
	for range 400000 {
		p := rng.IntN(len(pos))
		c := rng.IntN(len(cat))
		if p == 0 && rng.Float64() < 0.5 {
			c = 1 // the best category is shown first more often
		}
		i := rng.IntN(len(intent))
		pr := 0.01 * pos[p] * cat[c] * intent[i]
		click := 0.0
		if rng.Float64() < pr {
			click = 1
		}
		m.Add([]int32{int32(p), int32(c), int32(i)}, 1, click)
	}
	m.Fit()
	for g, want := range [][]float64{pos, cat, intent} {
		got, _ := m.Estimate(g)
		for l := range want {
			r, w := got[l]/got[0], want[l]/want[0]
			if math.Abs(r/w-1) > 0.12 {
				t.Errorf("group %d level %d: ratio %.3f, want %.3f (factors %.3f)", g, l, r, w, got)
			}
		}
	}
	if c := m.Cells(); c != len(pos)*len(cat)*len(intent) {
		t.Errorf("%d cells, want %d", c, len(pos)*len(cat)*len(intent))
	}
	lv := []int32{0, 1, 1}
	if mean := m.Mean(lv); math.Abs(mean/(0.01*3*2.5)-1) > 0.1 {
		t.Errorf("fitted P(click) %.4f, want %.4f", mean, 0.01*3*2.5)
	}
	if s := m.Score(lv, 0); math.Abs(s*m.f[0][0]-m.Mean(lv)/m.mu) > 1e-12 {
		t.Errorf("score without position %.4f inconsistent with the mean", s)
	}
}

// A discounted model follows a change: after the best level swaps, the
// fitted order swaps within days; an undiscounted one still holds the old
// order.
func TestFactorsDiscountTracks(t *testing.T) {
	run := func(discount float64) []float64 {
		m := NewFactors([]int{2}, FactorOptions{Discount: discount})
		rng := rand.New(rand.NewPCG(3, 4))
		for day := range 30 {
			good := int32(0)
			if day >= 20 {
				good = 1
			}
			for range 20000 {
				l := int32(rng.IntN(2))
				pr := 0.002
				if l == good {
					pr = 0.006
				}
				c := 0.0
				if rng.Float64() < pr {
					c = 1
				}
				m.Add([]int32{l}, 1, c)
			}
			m.EndDay()
		}
		m.Fit()
		f, _ := m.Estimate(0)
		return f
	}
	if f := run(0.8); !(f[1] > 1.5*f[0]) {
		t.Errorf("discount 0.8: factors %.3f, want level 1 well ahead after the swap", f)
	}
	if f := run(1); !(f[0] > f[1]) {
		t.Errorf("no discount: factors %.3f, want level 0 still ahead", f)
	}
}

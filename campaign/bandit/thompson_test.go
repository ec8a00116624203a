package bandit

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestBetaMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, ab := range [][2]float64{{1, 1}, {2, 30}, {0.5, 0.5}, {200, 9800}} {
		const n = 100000
		s, s2 := 0.0, 0.0
		for i := 0; i < n; i++ {
			x := Beta(rng, ab[0], ab[1])
			s += x
			s2 += x * x
		}
		m := s / n
		v := s2/n - m*m
		a, b := ab[0], ab[1]
		wm := a / (a + b)
		wv := a * b / ((a + b) * (a + b) * (a + b + 1))
		if math.Abs(m-wm) > 4*math.Sqrt(wv/n) || math.Abs(v-wv)/wv > 0.05 {
			t.Errorf("Beta(%g,%g): mean %.5f var %.3g, want %.5f %.3g", a, b, m, v, wm, wv)
		}
	}
}

func TestProbsAndLearning(t *testing.T) {
	// Arm 2 is best in context 0, arm 0 in context 1.
	ctr := [2][3]float64{{0.01, 0.02, 0.04}, {0.05, 0.02, 0.01}}
	ts := New(2, 3, Options{Seed: 5, Floor: 0.03})
	rng := rand.New(rand.NewPCG(9, 9))
	probs := make([]float64, 3)
	for day := 0; day < 30; day++ {
		for c := 0; c < 2; c++ {
			ts.Probs(c, nil, probs)
			sum := 0.0
			for _, p := range probs {
				sum += p
				if p < 0.01 {
					t.Fatalf("floor: probability %v below Floor/3", p)
				}
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Fatalf("probabilities sum to %v", sum)
			}
			for i := 0; i < 500; i++ {
				a := Pick(probs, rng.Float64())
				click := 0.0
				if rng.Float64() < ctr[c][a] {
					click = 1
				}
				ts.Update(c, a, click, 1)
			}
		}
		ts.EndDay()
	}
	ts.Probs(0, nil, probs)
	if probs[2] < 0.8 {
		t.Errorf("context 0: P(best arm) = %.2f after 30 days", probs[2])
	}
	ts.Probs(1, nil, probs)
	if probs[0] < 0.8 {
		t.Errorf("context 1: P(best arm) = %.2f after 30 days", probs[0])
	}
	// Unavailable arms get nothing; the rest still sum to 1.
	ts.Probs(1, []bool{false, true, true}, probs)
	if probs[0] != 0 || math.Abs(probs[1]+probs[2]-1) > 1e-9 {
		t.Errorf("masked probs %v", probs)
	}
}

func TestProbsDeterministic(t *testing.T) {
	a, b := New(1, 4, Options{Seed: 3}), New(1, 4, Options{Seed: 3})
	for _, ts := range []*Thompson{a, b} {
		ts.Update(0, 1, 5, 100)
		ts.Update(0, 2, 7, 100)
	}
	pa, pb := make([]float64, 4), make([]float64, 4)
	// Calling other contexts / masks first must not change the result.
	b.Probs(0, []bool{true, true, false, true}, pb)
	a.Probs(0, nil, pa)
	b.Probs(0, nil, pb)
	for i := range pa {
		if pa[i] != pb[i] {
			t.Fatalf("%v != %v", pa, pb)
		}
	}
}

func TestDiscountForgets(t *testing.T) {
	ts := New(1, 2, Options{Discount: 0.5})
	ts.Update(0, 0, 10, 110)
	ts.EndDay()
	a, b := ts.Posterior(0, 0)
	if a != 1+5 || b != 1+50 {
		t.Errorf("discounted posterior Beta(%v,%v), want Beta(6,51)", a, b)
	}
}

func TestPick(t *testing.T) {
	p := []float64{0, 0.25, 0, 0.75}
	for _, c := range []struct {
		u    float64
		want int
	}{{0, 1}, {0.24, 1}, {0.25, 3}, {0.9999, 3}, {1.2, 3}} {
		if got := Pick(p, c.u); got != c.want {
			t.Errorf("Pick(%v) = %d, want %d", c.u, got, c.want)
		}
	}
}

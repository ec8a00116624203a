// Package bandit holds the learning policy of `dpa simulate`'s "learned"
// strategy: Bernoulli Thompson sampling with a Beta posterior per
// (context, arm).
//
// Why Thompson sampling with Beta posteriors: the reward is a click (a
// Bernoulli draw), for which Beta is the conjugate prior, so the update is
// two additions; Thompson sampling explores in proportion to the posterior
// probability that an arm is best, which needs no tuning constant (unlike
// ε-greedy or UCB's bonus) and is what the Open Bandit Dataset's logging
// policy used (background doc §4). Contexts are the shopper segments of the
// strategy router (new visitor, viewer, cart abandoner, buyer): few enough
// that each posterior sees thousands of impressions a day, and the best
// strategy differs between them.
//
// Two departures from textbook Thompson sampling, both for the simulator:
//   - The arm is not drawn by sampling the posteriors per decision but from
//     the exact selection probabilities P(arm has the largest draw), which
//     are estimated once per (day, context, available arms) by Monte Carlo
//     with a seed derived from that key. The policy is then "draw from
//     these probabilities": the same distribution as Thompson sampling up
//     to the Monte Carlo error, but its propensities are known exactly,
//     which off-policy evaluation of its logs needs, and it is
//     deterministic however the shoppers are spread over goroutines.
//   - Posteriors are updated once a day (a batch bandit, as platforms learn
//     in practice) and, with Discount < 1, shrink towards the prior every
//     day (discounted Thompson sampling, Raj & Kalyani 2017), so the
//     policy keeps adapting when shoppers' tastes drift.
//
// Floor mixes a uniform share into the probabilities so every available
// arm keeps a positive propensity (needed to evaluate other policies from
// the learned policy's own log).
package bandit

import (
	"math"
	"math/rand/v2"
)

// Options configures a Thompson sampler.
type Options struct {
	// Discount multiplies the evidence (α−1, β−1) at each EndDay; 1 (the
	// default, also for 0) keeps everything.
	Discount float64
	// Floor is the uniform exploration share (default 0: none).
	Floor float64
	// Draws is the Monte Carlo sample size of the selection probabilities
	// (default 1000).
	Draws int
	// PriorA, PriorB are the Beta prior (default 1, 1: uniform).
	PriorA, PriorB float64
	Seed           uint64
}

// Thompson is a Beta-Bernoulli Thompson sampler over contexts × arms. It
// is not safe for concurrent use except Probs, which callers serialise
// (see the sim's cache).
type Thompson struct {
	o    Options
	arms int
	a, b []float64 // per context*arms+arm
	day  uint64
}

// New returns a sampler for contexts × arms.
func New(contexts, arms int, o Options) *Thompson {
	if o.Discount <= 0 || o.Discount > 1 {
		o.Discount = 1
	}
	if o.Draws <= 0 {
		o.Draws = 1000
	}
	if o.PriorA <= 0 {
		o.PriorA = 1
	}
	if o.PriorB <= 0 {
		o.PriorB = 1
	}
	t := &Thompson{o: o, arms: arms, a: make([]float64, contexts*arms), b: make([]float64, contexts*arms)}
	for i := range t.a {
		t.a[i], t.b[i] = o.PriorA, o.PriorB
	}
	return t
}

// Arms returns the number of arms.
func (t *Thompson) Arms() int { return t.arms }

// Posterior returns the Beta(α, β) of (context, arm).
func (t *Thompson) Posterior(context, arm int) (alpha, beta float64) {
	i := context*t.arms + arm
	return t.a[i], t.b[i]
}

// Update adds clicks successes out of trials to (context, arm).
func (t *Thompson) Update(context, arm int, clicks, trials float64) {
	i := context*t.arms + arm
	t.a[i] += clicks
	t.b[i] += trials - clicks
}

// EndDay applies the discount and advances the day used to seed Probs.
func (t *Thompson) EndDay() {
	t.day++
	if t.o.Discount == 1 {
		return
	}
	d := t.o.Discount
	for i := range t.a {
		t.a[i] = t.o.PriorA + d*(t.a[i]-t.o.PriorA)
		t.b[i] = t.o.PriorB + d*(t.b[i]-t.o.PriorB)
	}
}

// Probs fills out[arm] with the probability that the policy picks each
// arm in context among the available ones (avail nil: all): the
// probability that the arm's posterior draw is the largest, mixed with
// Floor of uniform exploration. Unavailable arms get 0. The estimate is
// seeded by (Seed, day, context, avail), so it is the same whoever calls
// it first.
func (t *Thompson) Probs(context int, avail []bool, out []float64) {
	mask := uint64(0)
	n := 0
	for k := 0; k < t.arms; k++ {
		out[k] = 0
		if avail == nil || avail[k] {
			mask |= 1 << uint(k%64)
			n++
		}
	}
	if n == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(t.o.Seed^0x7417, t.day<<40^uint64(context)<<32^mask))
	wins := out
	for d := 0; d < t.o.Draws; d++ {
		best, bv := -1, -1.0
		for k := 0; k < t.arms; k++ {
			if avail != nil && !avail[k] {
				continue
			}
			i := context*t.arms + k
			v := Beta(rng, t.a[i], t.b[i])
			if v > bv {
				best, bv = k, v
			}
		}
		wins[best]++
	}
	for k := 0; k < t.arms; k++ {
		if avail != nil && !avail[k] {
			continue
		}
		out[k] = (1-t.o.Floor)*wins[k]/float64(t.o.Draws) + t.o.Floor/float64(n)
	}
}

// Pick draws an arm from probabilities (summing to 1) with u uniform in
// [0, 1); it returns the last positive arm on rounding shortfall.
func Pick(probs []float64, u float64) int {
	last := -1
	for k, p := range probs {
		if p <= 0 {
			continue
		}
		last = k
		if u < p {
			return k
		}
		u -= p
	}
	return last
}

// Beta draws from Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b).
func Beta(rng *rand.Rand, a, b float64) float64 {
	x := Gamma(rng, a)
	y := Gamma(rng, b)
	if x+y == 0 {
		return 0.5
	}
	return x / (x + y)
}

// Gamma draws from Gamma(shape, 1) by Marsaglia and Tsang's method (ACM
// TOMS 26(3), 2000), boosting shapes below 1 with U^(1/shape).
func Gamma(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		u := rng.Float64()
		return Gamma(rng, shape+1) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

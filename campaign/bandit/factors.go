package bandit

import (
	"math"
	"math/bits"
)

// Factors is a click model below the arm level, for ranking the products
// of a carousel one by one: the click probability of a product examined at
// a position is a product of factors, one per feature group (position,
// shopper segment, category, the shopper's intent on the product, how often
// it was shown, which strategy proposed it …):
//
//	P(click) ≈ μ · Π_g f_g(level of the product in group g)
//
// Why this model: clicks on ad products are rare (well under 1% per shown
// product), so a full table over every combination of features would see
// a handful of clicks per cell a day; a multiplicative model pools every
// click into each of its features' factors, and position is one of them,
// so the position bias is learned from the data (the position-based click
// model, Chuklin, Markov & de Rijke, "Click Models for Web Search", 2015,
// §3.4) instead of penalising products the policy happened to show low.
// Counts are Poisson in the rare-click limit and the Gamma prior is
// conjugate to each factor given the others, so fitting is coordinate
// ascent with closed-form steps (iterative proportional fitting of a
// log-linear Poisson model), and Thompson sampling draws each factor from
// its Gamma posterior given the others' estimates.
//
// Observations are kept as sufficient statistics per distinct feature
// combination (exposures and clicks), so memory is bounded by the number
// of combinations seen, not by the number of impressions; EndDay discounts
// them like Thompson.EndDay discounts the arms' evidence.
type Factors struct {
	o      FactorOptions
	levels []int
	cells  []fcell
	index  map[uint64]int32
	stride []uint64    // mixed-radix place value of each group in a cell key
	f      [][]float64 // point estimates per group and level
	mu     float64
	lv     []int32 // scratch: a cell's levels
	// flat holds every cell's levels during Fit (decoded once per Fit,
	// not once per group and iteration).
	flat []int32
}

// FactorOptions configures a Factors model.
type FactorOptions struct {
	// Prior is the shape and rate of every factor's Gamma prior (mean 1;
	// default 2: two pseudo-clicks' worth of shrinkage towards 1).
	Prior float64
	// BaseMean is the prior mean of μ, the click probability of a product
	// whose factors are all 1 (default 0.002), worth one pseudo-click.
	BaseMean float64
	// Discount multiplies every cell's counts at EndDay (default 1).
	Discount float64
	// Iterations of coordinate ascent per Fit (default 8; Fit starts
	// from the previous estimates).
	Iterations int
}

// fcell is one feature combination's counts; key encodes its levels in
// mixed radix (24 bytes a cell instead of a slice of levels).
type fcell struct {
	key  uint64
	n, c float64
}

// NewFactors returns a model with the given number of levels per group;
// their product must fit in 64 bits.
func NewFactors(levels []int, o FactorOptions) *Factors {
	if o.Prior <= 0 {
		o.Prior = 2
	}
	if o.BaseMean <= 0 {
		o.BaseMean = 0.002
	}
	if o.Discount <= 0 || o.Discount > 1 {
		o.Discount = 1
	}
	if o.Iterations <= 0 {
		o.Iterations = 8
	}
	m := &Factors{o: o, levels: append([]int(nil), levels...), index: map[uint64]int32{}, mu: o.BaseMean,
		lv: make([]int32, len(levels))}
	place := uint64(1)
	for _, n := range levels {
		m.stride = append(m.stride, place)
		hi, lo := bits.Mul64(place, uint64(max(n, 1)))
		if hi != 0 {
			// A programming error: the sim's groups multiply to well under 2^64.
			panic("bandit: too many factor level combinations for a 64-bit key")
		}
		place = lo
		ones := make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
		m.f = append(m.f, ones)
	}
	return m
}

// Cells returns the number of distinct feature combinations observed.
func (m *Factors) Cells() int { return len(m.cells) }

// Add records n examined exposures and c clicks of products with the
// given levels (one per group). Callers add in a deterministic order: the
// fit sums over cells in the order they were first added.
func (m *Factors) Add(lv []int32, n, c float64) {
	key := uint64(0)
	for g, x := range lv {
		key += uint64(x) * m.stride[g]
	}
	i, ok := m.index[key]
	if !ok {
		i = int32(len(m.cells))
		m.index[key] = i
		m.cells = append(m.cells, fcell{key: key})
	}
	m.cells[i].n += n
	m.cells[i].c += c
}

// decode fills m.flat with every cell's levels.
func (m *Factors) decode() {
	g := len(m.levels)
	m.flat = make([]int32, 0, len(m.cells)*g)
	for _, x := range m.cells {
		m.flat = append(m.flat, m.levelsOf(x.key)...)
	}
}

// cellLevels returns cell i's levels: decoded in Fit, else from its key.
func (m *Factors) cellLevels(i int) []int32 {
	if g := len(m.levels); m.flat != nil {
		return m.flat[i*g : (i+1)*g]
	}
	return m.levelsOf(m.cells[i].key)
}

// levelsOf decodes a cell key into m.lv.
func (m *Factors) levelsOf(key uint64) []int32 {
	for g, n := range m.levels {
		m.lv[g] = int32(key / m.stride[g] % uint64(n))
	}
	return m.lv
}

// EndDay discounts the evidence.
func (m *Factors) EndDay() {
	if m.o.Discount == 1 {
		return
	}
	for i := range m.cells {
		m.cells[i].n *= m.o.Discount
		m.cells[i].c *= m.o.Discount
	}
}

// Fit runs coordinate ascent on the posterior mode: each factor level is
// set to (prior + clicks) / (prior + expected clicks at factor 1 given the
// other factors), then μ likewise.
func (m *Factors) Fit() {
	m.decode()
	defer func() { m.flat = nil }()
	for range m.o.Iterations {
		for g := range m.levels {
			clicks, expo := m.groupSums(g)
			for l := range m.f[g] {
				m.f[g][l] = (m.o.Prior + clicks[l]) / (m.o.Prior + expo[l])
			}
		}
		c, e := 0.0, 0.0
		for i := range m.cells {
			x := &m.cells[i]
			c += x.c
			e += x.n * m.prod(m.cellLevels(i), -1)
		}
		m.mu = (1 + c) / (1/m.o.BaseMean + e)
	}
}

// groupSums returns, per level of group g, the clicks and the expected
// clicks with that level's factor set to 1.
func (m *Factors) groupSums(g int) (clicks, expo []float64) {
	clicks, expo = make([]float64, m.levels[g]), make([]float64, m.levels[g])
	for i := range m.cells {
		x := &m.cells[i]
		lv := m.cellLevels(i)
		l := lv[g]
		clicks[l] += x.c
		expo[l] += x.n * m.mu * m.prod(lv, g)
	}
	return clicks, expo
}

// prod is Π f_h(lv[h]) over the groups h ≠ skip.
func (m *Factors) prod(lv []int32, skip int) float64 {
	p := 1.0
	for h, l := range lv {
		if h != skip {
			p *= m.f[h][l]
		}
	}
	return p
}

// Score is the fitted click factor of a product with the given levels,
// group skip excluded (e.g. position): the ranking key.
func (m *Factors) Score(lv []int32, skip int) float64 { return m.prod(lv, skip) }

// Estimate returns the fitted factors of group g (a copy) and μ.
func (m *Factors) Estimate(g int) ([]float64, float64) {
	return append([]float64(nil), m.f[g]...), m.mu
}

// Mean returns the fitted click probability μ·Π f of the levels.
func (m *Factors) Mean(lv []int32) float64 {
	if len(lv) != len(m.levels) {
		return math.NaN()
	}
	return m.mu * m.prod(lv, -1)
}

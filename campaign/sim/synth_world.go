package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// world is the catalog as the shopper model sees it.
type world struct {
	prods     []rank.Product
	byID      map[string]int32
	cat       []int32 // product -> category
	brand     []int32
	catItems  [][]int32   // category -> products
	catCum    [][]float64 // cumulative popularity weights per category
	catMedian []float64
	catShare  []float64 // cumulative share of products per category
	nBrand    int
	inStock   int
	// drift is the daily speed of the collective taste shift (--drift):
	// on day d a share τ(d) = min(1, drift·d) of every shopper's category
	// preference has moved to the trend categories.
	drift float64
	trend [3]int32
}

// setDrift turns on the taste shift towards three seeded trend categories
// (the least popular ones first: a new season's lines, not the staples).
func (w *world) setDrift(drift float64, seed uint64) {
	w.drift = drift
	if drift <= 0 {
		return
	}
	rng := rand.New(rand.NewPCG(seed, 0xd41f7))
	n := len(w.catItems)
	for i := range w.trend {
		w.trend[i] = int32(n - 1 - (i+rng.IntN(2))%n)
	}
}

// tau is the share of taste moved to the trend on day d.
func (w *world) tau(d int) float64 {
	return math.Min(1, w.drift*float64(d))
}

// fade is what is left of the intent of a view or cart age nanoseconds
// ago when tastes drift: 1 − drift·days, at least 0 (1 without drift). A
// product looked at ten days ago, with tastes moving 5% a day, draws half
// the boost it drew the next day.
func (w *world) fade(age int64) float64 {
	if w.drift <= 0 {
		return 1
	}
	return math.Max(0, 1-w.drift*float64(age)/float64(24*time.Hour))
}

// catFit is how well category c fits preferences cats (1, 0.7, 0.5 for
// the first three, 0.1 otherwise).
func catFit(c int32, cats *[3]int32) float64 {
	switch c {
	case cats[0]:
		return 1
	case cats[1]:
		return 0.7
	case cats[2]:
		return 0.5
	}
	return 0.1
}

func newWorld(prods []rank.Product, seed uint64) *world {
	w := &world{prods: prods, byID: make(map[string]int32, len(prods))}
	cats, brands := map[string]int32{}, map[string]int32{}
	w.cat, w.brand = make([]int32, len(prods)), make([]int32, len(prods))
	for i := range prods {
		p := &prods[i]
		w.byID[p.ID] = int32(i)
		ck := p.ProductType
		if ck == "" {
			ck = p.Category
		}
		c, ok := cats[ck]
		if !ok {
			c = int32(len(cats))
			cats[ck] = c
			w.catItems = append(w.catItems, nil)
		}
		b, ok := brands[p.Brand]
		if !ok {
			b = int32(len(brands))
			brands[p.Brand] = b
		}
		w.cat[i], w.brand[i] = c, b
		w.catItems[c] = append(w.catItems[c], int32(i))
		if p.InStock {
			w.inStock++
		}
	}
	w.nBrand = len(brands)
	// Popularity within a category: Zipf-like over a seeded permutation.
	rng := rand.New(rand.NewPCG(seed, 0x909))
	w.catCum = make([][]float64, len(w.catItems))
	w.catMedian = make([]float64, len(w.catItems))
	total := 0.0
	w.catShare = make([]float64, len(w.catItems))
	for c, items := range w.catItems {
		perm := rng.Perm(len(items))
		cum := make([]float64, len(items))
		s := 0.0
		for j := range items {
			s += 1 / math.Pow(float64(perm[j]+3), 0.9)
			cum[j] = s
		}
		w.catCum[c] = cum
		prices := make([]float64, 0, len(items))
		for _, i := range items {
			if prods[i].Price > 0 {
				prices = append(prices, prods[i].Price)
			}
		}
		sort.Float64s(prices)
		if len(prices) > 0 {
			w.catMedian[c] = prices[len(prices)/2]
		}
		total += float64(len(items))
		w.catShare[c] = total
	}
	return w
}

type shopperModel struct {
	cats     [3]int32
	catW     [3]float64 // cumulative
	brands   [2]int32
	priceF   float64
	activity float64
}

func (w *world) newShopper(rng *rand.Rand) shopperModel {
	var s shopperModel
	for i := range s.cats {
		s.cats[i] = w.pickCategory(rng)
	}
	s.catW = [3]float64{0.6, 0.85, 1}
	for i := range s.brands {
		s.brands[i] = int32(rng.IntN(max(1, w.nBrand)))
	}
	s.priceF = math.Exp(rng.NormFloat64() * 0.4)
	s.activity = math.Exp(rng.NormFloat64()*0.6 - 0.18) // mean ≈ 1
	return s
}

func (w *world) pickCategory(rng *rand.Rand) int32 {
	x := rng.Float64() * w.catShare[len(w.catShare)-1]
	return int32(sort.SearchFloat64s(w.catShare, x))
}

// relevance in (0, 1] on day d: category fit × brand fit × price fit,
// the category fit moving from the shopper's own preferences to the trend
// categories with drift.
func (w *world) relevance(s *shopperModel, i int32, d int) float64 {
	cf := catFit(w.cat[i], &s.cats)
	if w.drift > 0 {
		t := w.tau(d)
		cf = (1-t)*cf + t*catFit(w.cat[i], &w.trend)
	}
	bf := 0.6
	if w.brand[i] == s.brands[0] || w.brand[i] == s.brands[1] {
		bf = 1
	}
	pf := 1.0
	if m := w.catMedian[w.cat[i]]; m > 0 && w.prods[i].Price > 0 {
		x := math.Log(w.prods[i].Price / (m * s.priceF))
		pf = math.Exp(-x * x / (2 * 0.5 * 0.5))
	}
	return cf * bf * (0.3 + 0.7*pf)
}

func (w *world) pickItem(rng *rand.Rand, c int32) int32 {
	cum := w.catCum[c]
	x := rng.Float64() * cum[len(cum)-1]
	return w.catItems[c][sort.SearchFloat64s(cum, x)]
}

// oev is one organic event, compact.
type oev struct {
	t     int64
	item  int32
	visit int32
	kind  rank.Kind
}

// organic generates one shopper's browsing. Its random stream depends only
// on (seed, shopper), never on the strategies.
func (w *world) organic(o *SyntheticOptions, u int, buf []oev, st *OrganicStats) (shopperModel, []oev) {
	rng := rand.New(rand.NewPCG(o.Seed, uint64(u)*0x9e3779b97f4a7c15+1))
	s := w.newShopper(rng)
	f := &o.Funnel
	buf = buf[:0]
	var recent []int32
	pCont := 1 - 1/math.Max(1, f.ViewsPerVisit)
	visit := int32(0)
	for d := 0; d < o.Days; d++ {
		if rng.Float64() >= f.VisitRate*s.activity {
			continue
		}
		visit++
		st.Visits++
		t := o.Start.Add(time.Duration(d)*24*time.Hour + time.Duration(8*3600+rng.IntN(15*3600))*time.Second).UnixNano()
		n := 1
		for n < 30 && rng.Float64() < pCont {
			n++
		}
		for v := 0; v < n; v++ {
			var it int32
			if len(recent) > 0 && rng.Float64() < f.RepeatView {
				it = recent[rng.IntN(len(recent))]
			} else {
				for try := 0; try < 3; try++ {
					var c int32
					if rng.Float64() < f.Explore {
						c = w.pickCategory(rng)
					} else if w.drift > 0 && rng.Float64() < w.tau(d) {
						c = w.trend[0]
						if x := rng.Float64(); x >= s.catW[1] {
							c = w.trend[2]
						} else if x >= s.catW[0] {
							c = w.trend[1]
						}
					} else {
						x := rng.Float64()
						c = s.cats[0]
						if x >= s.catW[0] {
							c = s.cats[1]
						}
						if x >= s.catW[1] {
							c = s.cats[2]
						}
					}
					it = w.pickItem(rng, c)
					if rng.Float64() < 0.2+0.8*w.relevance(&s, it, d) {
						break
					}
				}
				recent = append(recent, it)
				if len(recent) > 10 {
					recent = recent[1:]
				}
			}
			buf = append(buf, oev{t: t, item: it, visit: visit, kind: rank.KindView})
			st.Views++
			t += int64(20+rng.IntN(100)) * int64(time.Second)
			rel := w.relevance(&s, it, d)
			if w.prods[it].InStock && rng.Float64() < f.CartRate*2*rel {
				buf = append(buf, oev{t: t, item: it, visit: visit, kind: rank.KindCart})
				st.Carts++
				t += int64(10+rng.IntN(60)) * int64(time.Second)
				if rng.Float64() < f.PurchaseRate {
					buf = append(buf, oev{t: t, item: it, visit: visit, kind: rank.KindPurchase})
					st.Purchases++
					st.Revenue += w.prods[it].Price
					t += int64(10+rng.IntN(60)) * int64(time.Second)
				}
			}
		}
	}
	st.Events += len(buf)
	return s, buf
}

func userID(u int) string { return fmt.Sprintf("u%07d", u+1) }

func (w *world) emit(ew *events.Writer, u int, evs []oev) error {
	uid := userID(u)
	for _, e := range evs {
		p := &w.prods[e.item]
		ev := events.Event{Time: time.Unix(0, e.t).UTC(), UserID: uid, SessionID: uid + "-" + strconv.Itoa(int(e.visit)),
			Type: events.Type(e.kind.String()), ItemIDs: []string{p.ID}}
		if e.kind == rank.KindPurchase {
			ev.Value, ev.Currency, ev.Quantity = p.Price, p.Currency, 1
		}
		if err := ew.Write(&ev); err != nil {
			return err
		}
	}
	return nil
}

package feed

import (
	"context"
	"hash/maphash"
	"math"
	"slices"
	"strings"
)

// StatsOptions configure Stats.
type StatsOptions struct {
	TopN    int // brands and product types listed (default 10)
	Buckets int // price histogram buckets (default 10)
}

// FeedStats describes what is in a catalog.
type FeedStats struct {
	Items           int          `json:"items"`
	Groups          int          `json:"groups"`   // distinct item_group_id values
	Variants        int          `json:"variants"` // items with an item_group_id
	Availability    []Count      `json:"availability"`
	Condition       []Count      `json:"condition"`
	Prices          []PriceStats `json:"prices"` // per currency
	UnparsedPrices  int          `json:"unparsed_prices"`
	OnSale          int          `json:"on_sale"`
	SaleShare       float64      `json:"sale_share"`
	Brands          []Count      `json:"top_brands"`
	ProductTypes    []Count      `json:"top_product_types"`
	CategoryDepth   []Count      `json:"google_product_category_depth"` // "0" = missing
	GTINCoverage    float64      `json:"gtin_coverage"`
	MPNCoverage     float64      `json:"mpn_coverage"`
	BrandCoverage   float64      `json:"brand_coverage"`
	ImageCoverage   float64      `json:"image_coverage"`
	DuplicateTitles int          `json:"duplicate_titles"` // items whose title an earlier item already had
	FillRates       []FillRate   `json:"fill_rates"`
}

// PriceStats is the price distribution of one currency.
type PriceStats struct {
	Currency  string   `json:"currency"`
	Count     int      `json:"count"`
	Min       float64  `json:"min"`
	Median    float64  `json:"median"`
	P90       float64  `json:"p90"`
	Max       float64  `json:"max"`
	Histogram []Bucket `json:"histogram"`
}

// Bucket is one histogram bar: items with From <= price < To (the last
// bucket includes To).
type Bucket struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Count int     `json:"count"`
}

// FillRate is the share of items with a non-empty value for a field.
type FillRate struct {
	Field  string  `json:"field"`
	Filled int     `json:"filled"`
	Rate   float64 `json:"rate"`
}

// Stats streams r once. Memory: one float per priced item (for exact
// quantiles), a hash per title, and the distinct brand/type counts.
func Stats(ctx context.Context, r Reader, o StatsOptions) (*FeedStats, error) {
	if o.TopN <= 0 {
		o.TopN = 10
	}
	if o.Buckets <= 0 {
		o.Buckets = 10
	}
	s := &FeedStats{}
	avail, cond, brands, types, depth := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	groups := map[uint64]struct{}{} // hashes: keeping group id strings would pin every record
	prices := map[string][]float64{}
	// Fill counts per column, in first-seen order. A column's index is
	// found by position first (every row of a tabular feed has the same
	// names in the same places), then by map; stamp marks the item that
	// last counted a column, so a repeated field counts once per item.
	// (It used to rescan the item's earlier fields for each field:
	// quadratic in the width, 43 s on 2,000 columns × 10,000 rows.)
	colIdx := map[string]int{}
	var order []string
	var filled, stamp []int
	var posName []string
	var posCol []int
	titles := map[uint64]struct{}{}
	seed := maphash.MakeSeed()
	var gtin, mpn, brand, img int
	err := each(ctx, r, func(it *Item) {
		s.Items++
		for i := range it.Fields {
			f := &it.Fields[i]
			var c int
			if i < len(posName) && posName[i] == f.Name {
				c = posCol[i]
			} else {
				var ok bool
				if c, ok = colIdx[f.Name]; !ok {
					c = len(order)
					colIdx[f.Name] = c
					order = append(order, f.Name)
					filled = append(filled, 0)
					stamp = append(stamp, 0)
				}
				for len(posName) <= i {
					posName = append(posName, "")
					posCol = append(posCol, 0)
				}
				posName[i], posCol[i] = f.Name, c
			}
			if stamp[c] != s.Items && !blank(f.Value) {
				stamp[c] = s.Items
				filled[c]++
			}
		}
		if g := it.Get("item_group_id"); g != "" {
			s.Variants++
			groups[hash64(g)] = struct{}{}
		}
		countKey(avail, strings.ToLower(strings.TrimSpace(it.Get("availability"))))
		countKey(cond, strings.ToLower(strings.TrimSpace(it.Get("condition"))))
		if pv := it.Get("price"); pv != "" {
			p, issue := ParsePrice(pv, "")
			if issue == PriceFormat || p.Currency == "" {
				s.UnparsedPrices++
			} else {
				prices[p.Currency] = append(prices[p.Currency], p.Float())
			}
		}
		if it.Get("sale_price") != "" {
			s.OnSale++
		}
		if b := strings.TrimSpace(it.Get("brand")); b != "" {
			countKey(brands, b)
			brand++
		}
		if t := strings.TrimSpace(it.Get("product_type")); t != "" {
			countKey(types, t)
		}
		d := 0
		if c := strings.TrimSpace(it.Get("google_product_category")); c != "" {
			d = strings.Count(c, ">") + 1
			if allDigits(c) {
				d = -1
			}
		}
		key := "numeric" // a Google category id: depth not visible
		if d >= 0 {
			key = string(rune('0' + min(d, 9)))
		}
		depth[key]++
		if it.Get("gtin") != "" {
			gtin++
		}
		if it.Get("mpn") != "" {
			mpn++
		}
		if it.Get("image_link") != "" || it.Get("image_url") != "" {
			img++
		}
		if t := strings.ToLower(strings.TrimSpace(it.Get("title"))); t != "" {
			h := maphash.String(seed, t)
			if _, dup := titles[h]; dup {
				s.DuplicateTitles++
			} else {
				titles[h] = struct{}{}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	s.Groups = len(groups)
	s.Availability = sortedCounts(avail)
	s.Condition = sortedCounts(cond)
	s.Brands = top(sortedCounts(brands), o.TopN)
	s.ProductTypes = top(sortedCounts(types), o.TopN)
	s.CategoryDepth = sortedCounts(depth)
	if s.Items > 0 {
		n := float64(s.Items)
		s.SaleShare = float64(s.OnSale) / n
		s.GTINCoverage, s.MPNCoverage, s.BrandCoverage, s.ImageCoverage = float64(gtin)/n, float64(mpn)/n, float64(brand)/n, float64(img)/n
	}
	curs := make([]string, 0, len(prices))
	for c := range prices {
		curs = append(curs, c)
	}
	slices.SortFunc(curs, func(a, b string) int {
		if len(prices[a]) != len(prices[b]) {
			return len(prices[b]) - len(prices[a])
		}
		return strings.Compare(a, b)
	})
	for _, c := range curs {
		s.Prices = append(s.Prices, priceStats(c, prices[c], o.Buckets))
	}
	for c, f := range order {
		rate := 0.0
		if s.Items > 0 {
			rate = float64(filled[c]) / float64(s.Items)
		}
		s.FillRates = append(s.FillRates, FillRate{Field: f, Filled: filled[c], Rate: rate})
	}
	return s, nil
}

func top(c []Count, n int) []Count {
	if len(c) > n {
		return c[:n]
	}
	return c
}

// quantile uses the nearest-rank method on sorted values.
func quantile(v []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(v)))) - 1
	return v[max(0, min(i, len(v)-1))]
}

func priceStats(cur string, v []float64, buckets int) PriceStats {
	slices.Sort(v)
	ps := PriceStats{Currency: cur, Count: len(v), Min: v[0], Median: quantile(v, 0.5), P90: quantile(v, 0.9), Max: v[len(v)-1]}
	lo, hi := ps.Min, ps.Max
	if hi == lo {
		ps.Histogram = []Bucket{{From: lo, To: hi, Count: len(v)}}
		return ps
	}
	w := (hi - lo) / float64(buckets)
	ps.Histogram = make([]Bucket, buckets)
	for i := range ps.Histogram {
		ps.Histogram[i] = Bucket{From: round2(lo + float64(i)*w), To: round2(lo + float64(i+1)*w)}
	}
	ps.Histogram[buckets-1].To = hi
	for _, x := range v {
		i := min(int((x-lo)/w), buckets-1)
		ps.Histogram[i].Count++
	}
	return ps
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// countKey counts k, copying it the first time: a map key that is a slice
// of a record would keep the whole record alive.
func countKey(m map[string]int, k string) {
	if _, ok := m[k]; !ok {
		k = strings.Clone(k)
	}
	m[k]++
}

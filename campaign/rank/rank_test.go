package rank

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

var base = time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

// fixture: five users whose baskets give hand-computable counts.
//
//	co-view baskets (sessions): {A,B} {A,C} {A,B,C} {B,C} {A,B}; u4's {D} is
//	a one-item session and is dropped. N=5, c_A=4 c_B=4 c_C=3,
//	c_AB=3 c_AC=2 c_BC=2.
//	co-buy baskets (carted/purchased per user): {A,B} {A,C}. N=2, c_A=2,
//	c_B=1 c_C=1, c_AB=1 c_AC=1.
func fixture(t *testing.T, sim string) *Model {
	t.Helper()
	b := NewBuilder(ModelConfig{Similarity: sim})
	add := func(u string, d time.Duration, k Kind, item string) {
		b.Add(Interaction{User: u, Item: item, Kind: k, Time: at(d)})
	}
	m := time.Minute
	add("u1", 0, KindView, "A")
	add("u1", m, KindView, "B")
	add("u1", 2*m, KindCart, "A")
	add("u1", 3*m, KindPurchase, "B")
	add("u2", 0, KindView, "A")
	add("u2", m, KindView, "C")
	add("u2", 2*m, KindCart, "A")
	add("u2", 3*m, KindCart, "C")
	add("u3", 0, KindView, "A")
	add("u3", m, KindView, "B")
	add("u3", 2*m, KindView, "C")
	add("u4", 0, KindView, "B")
	add("u4", m, KindView, "C")
	add("u4", 2*time.Hour, KindView, "D")
	add("u5", 0, KindView, "A")
	add("u5", m, KindView, "B")
	mdl, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return mdl
}

var now = at(24 * time.Hour)

func ids(recs []Rec) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ItemID
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestSimilarityMeasures(t *testing.T) {
	for _, tc := range []struct {
		sim      string
		item     string
		buy      bool
		want     []string
		wantScor []float64
	}{
		{SimCosine, "A", false, []string{"B", "C"}, []float64{3.0 / 4, 2 / math.Sqrt(12)}},
		{SimCosine, "C", false, []string{"A", "B"}, []float64{2 / math.Sqrt(12), 2 / math.Sqrt(12)}}, // tie: by id
		{SimLift, "A", false, []string{"B", "C"}, []float64{3.0 * 5 / 16, 2.0 * 5 / 12}},
		{SimConditional, "A", false, []string{"B", "C"}, []float64{3.0 / 4, 2.0 / 4}},
		{SimConditional, "C", false, []string{"A", "B"}, []float64{2.0 / 3, 2.0 / 3}},
		{SimCosine, "A", true, []string{"B", "C"}, []float64{1 / math.Sqrt(2), 1 / math.Sqrt(2)}},
		{SimLift, "B", true, []string{"A"}, []float64{1 * 2.0 / (1 * 2)}},
		{SimCosine, "D", false, nil, nil},
	} {
		m := fixture(t, tc.sim)
		nb := m.Similar(tc.item, tc.buy)
		var got []string
		for i, n := range nb {
			got = append(got, n.ItemID)
			if !near(n.Score, tc.wantScor[i]) {
				t.Errorf("%s %s buy=%v: score[%d]=%v want %v", tc.sim, tc.item, tc.buy, i, n.Score, tc.wantScor[i])
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %s buy=%v: neighbours %v want %v", tc.sim, tc.item, tc.buy, got, tc.want)
		}
	}
}

func TestNeighbourCapAndBasketCap(t *testing.T) {
	b := NewBuilder(ModelConfig{Neighbours: 2, MaxBasket: 3})
	// One session of 5 items: only the last 3 (C, D, E) form the basket.
	for i, it := range []string{"A", "B", "C", "D", "E"} {
		b.Add(Interaction{User: "u", Item: it, Kind: KindView, Time: at(time.Duration(i) * time.Minute)})
	}
	m, _ := b.Build(context.Background())
	if nb := m.Similar("A", false); len(nb) != 0 {
		t.Errorf("A should have fallen out of the capped basket, got %v", nb)
	}
	nb := m.Similar("C", false)
	if len(nb) != 2 || nb[0].ItemID != "D" || nb[1].ItemID != "E" {
		t.Errorf("C neighbours = %+v, want D, E (ties by id, capped at 2)", nb)
	}
}

func TestRetarget(t *testing.T) {
	m := fixture(t, "")
	h := History{UserID: "x", Events: []Event{
		{"A", KindView, now.Add(-48 * time.Hour)},
		{"B", KindView, now.Add(-time.Hour)},
		{"C", KindCart, now.Add(-72 * time.Hour)},
		{"D", KindView, now.Add(-20 * 24 * time.Hour)}, // outside the 14-day lookback
		{"E", KindView, now.Add(-time.Hour)},
		{"E", KindPurchase, now.Add(-30 * time.Minute)}, // purchased: excluded
		{"F", KindView, now.Add(time.Hour)},             // in the future: ignored
	}}
	recs, err := m.Recommend(h, Retarget, 10, now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(recs); !reflect.DeepEqual(got, []string{"C", "B", "A"}) {
		t.Fatalf("retarget = %v", got)
	}
	want := []float64{2 + 1 - 3.0/14, 1 + 1 - 1.0/336, 1 + 1 - 2.0/14}
	reasons := []string{"added to cart 3 days ago", "viewed 1 hour ago", "viewed 2 days ago"}
	for i, r := range recs {
		if !near(r.Score, want[i]) || r.Reason != reasons[i] || r.Strategy != Retarget {
			t.Errorf("rec %d = %+v, want score %v reason %q", i, r, want[i], reasons[i])
		}
	}
	// KeepPurchased brings E back; k truncates.
	recs, _ = m.Recommend(h, Retarget, 2, now, Options{KeepPurchased: true})
	if got := ids(recs); !reflect.DeepEqual(got, []string{"C", "B"}) && !reflect.DeepEqual(got, []string{"C", "E"}) {
		t.Errorf("keep purchased, k=2: %v", got)
	}
}

func TestSimilarAndCrossSell(t *testing.T) {
	m := fixture(t, "")
	// similar: the history's items never come back; B, seen in sessions
	// with C and A, does.
	h := History{UserID: "x", Events: []Event{{"A", KindView, now.Add(-2 * time.Hour)}, {"C", KindView, now.Add(-time.Hour)}}}
	recs, _ := m.Recommend(h, Similar, 5, now, Options{})
	if len(recs) != 1 || recs[0].ItemID != "B" || !(recs[0].Score > 0) {
		t.Fatalf("similar = %+v", recs)
	}
	if want := "viewed in sessions like this one and with C (conditional, score "; !strings.HasPrefix(recs[0].Reason, want) {
		t.Errorf("similar reason = %q, want prefix %q", recs[0].Reason, want)
	}
	// crosssell after buying A: B and C from the co-buy graph (tie by id).
	h = History{UserID: "x", Events: []Event{{"A", KindPurchase, now.Add(-time.Hour)}}}
	recs, _ = fixture(t, SimCosine).Recommend(h, CrossSell, 5, now, Options{})
	if got := ids(recs); !reflect.DeepEqual(got, []string{"B", "C"}) {
		t.Fatalf("crosssell = %v", got)
	}
	if !near(recs[0].Score, 1/math.Sqrt(2)) || recs[0].Reason != "bought together with A, cosine 0.71" {
		t.Errorf("crosssell rec = %+v", recs[0])
	}
	// lift model: the reason names the measure.
	ml := fixture(t, SimLift)
	h = History{UserID: "x", Events: []Event{{"B", KindCart, now.Add(-time.Hour)}}}
	recs, _ = ml.Recommend(h, CrossSell, 1, now, Options{})
	if len(recs) != 1 || recs[0].ItemID != "A" || recs[0].Reason != "bought together with B, lift 1.0" {
		t.Errorf("lift crosssell = %+v", recs)
	}
	// crosssell excludes the seed's item group.
	cat := NewCatalog([]Product{
		{ID: "A", InStock: true}, {ID: "B", GroupID: "G", InStock: true},
		{ID: "C", GroupID: "G", InStock: true}, {ID: "D", InStock: true},
	})
	h = History{UserID: "x", Events: []Event{{"B", KindCart, now.Add(-time.Hour)}, {"A", KindPurchase, now.Add(-2 * time.Hour)}}}
	recs, _ = m.Recommend(h, CrossSell, 5, now, Options{Catalog: cat})
	for _, r := range recs {
		if r.ItemID == "C" || r.ItemID == "B" || r.ItemID == "A" {
			t.Errorf("crosssell returned a seed or seed-group item: %+v", recs)
		}
	}
}

func TestGlobalLists(t *testing.T) {
	m := fixture(t, "")
	h := History{UserID: "new"}
	recs, _ := m.Recommend(h, Popular, 10, now, Options{})
	if got := ids(recs); !reflect.DeepEqual(got, []string{"A", "B", "C", "D"}) {
		t.Errorf("popular = %v", got)
	}
	if recs[0].Score != 6 || recs[1].Score != 5 || recs[2].Score != 4 || recs[3].Score != 1 {
		t.Errorf("popular scores = %+v", recs)
	}
	if recs[0].Reason != "6 interactions in 30 days" {
		t.Errorf("popular reason %q", recs[0].Reason)
	}
	recs, _ = m.Recommend(h, Bestsellers, 10, now, Options{})
	if got := ids(recs); !reflect.DeepEqual(got, []string{"B"}) || recs[0].Reason != "1 purchase in 30 days" {
		t.Errorf("bestsellers = %+v", recs)
	}
	// A window that excludes every event empties popular.
	recs, _ = m.Recommend(h, Popular, 10, now.Add(40*24*time.Hour), Options{})
	if len(recs) != 0 {
		t.Errorf("popular outside window = %v", ids(recs))
	}
	// trending = Σ w·0.5^(age/7d): A has 4 views at age 1440 min and 2 carts
	// (weight 3) at age 1438 min.
	recs, _ = m.Recommend(h, Trending, 10, now, Options{})
	wk := 7 * 24 * 60.0
	wantA := 4*math.Exp2(-1440/wk) + 2*3*math.Exp2(-1438/wk)
	if recs[0].ItemID != "A" || !near(recs[0].Score, wantA) {
		t.Errorf("trending top = %+v want A %v", recs[0], wantA)
	}
	// bestsellers equals popular on a log without purchases.
	b := NewBuilder(ModelConfig{})
	b.Add(Interaction{User: "u", Item: "X", Kind: KindView, Time: at(0)})
	b.Add(Interaction{User: "u", Item: "Y", Kind: KindView, Time: at(0)})
	b.Add(Interaction{User: "v", Item: "Y", Kind: KindView, Time: at(0)})
	nm, _ := b.Build(context.Background())
	p, _ := nm.Recommend(h, Popular, 5, now, Options{NoReasons: true})
	bs, _ := nm.Recommend(h, Bestsellers, 5, now, Options{NoReasons: true})
	for i := range bs {
		bs[i].Strategy = Popular
	}
	if !reflect.DeepEqual(p, bs) || len(p) != 2 {
		t.Errorf("bestsellers without purchases %v != popular %v", bs, p)
	}
}

func TestUpsell(t *testing.T) {
	m := fixture(t, "")
	cat := NewCatalog([]Product{
		{ID: "A", ProductType: "Shoes", Price: 50, InStock: true},
		{ID: "B", ProductType: "shoes", Price: 60, InStock: true},
		{ID: "C", ProductType: "shoes", Price: 80, InStock: true}, // above the 1.5 band
		{ID: "D", ProductType: "shoes", Price: 70, InStock: false},
		{ID: "E", ProductType: "bags", Price: 55, InStock: true},
		{ID: "F", ProductType: "shoes", Price: 74, InStock: true},
		{ID: "G", ProductType: "shoes", Price: 45, InStock: true}, // cheaper
	})
	h := History{UserID: "x", Events: []Event{{"A", KindView, now.Add(-time.Hour)}}}
	recs, _ := m.Recommend(h, Upsell, 10, now, Options{Catalog: cat})
	if got := ids(recs); !reflect.DeepEqual(got, []string{"B", "F"}) {
		t.Fatalf("upsell = %v", got)
	}
	if recs[0].Reason != "upsell for A: same category, 60.00 vs 50.00" {
		t.Errorf("upsell reason %q", recs[0].Reason)
	}
	// Without a catalog upsell has nothing to compare.
	if recs, _ := m.Recommend(h, Upsell, 10, now, Options{}); len(recs) != 0 {
		t.Errorf("upsell without catalog = %v", ids(recs))
	}
}

func TestFilters(t *testing.T) {
	m := fixture(t, "")
	cat := NewCatalog([]Product{
		{ID: "A", InStock: false}, {ID: "B", GroupID: "G", InStock: true},
		{ID: "C", GroupID: "G", InStock: true}, {ID: "D", InStock: true},
	})
	h := History{UserID: "x"}
	for _, tc := range []struct {
		name string
		o    Options
		want []string
	}{
		{"in stock, one per group", Options{Catalog: cat}, []string{"B", "D"}},
		{"allow out of stock", Options{Catalog: cat, AllowOutOfStock: true}, []string{"A", "B", "D"}},
		{"allow same group", Options{Catalog: cat, AllowSameGroup: true}, []string{"B", "C", "D"}},
		{"product set", Options{Catalog: cat, ProductSet: func(p Product) bool { return p.ID != "B" }}, []string{"C", "D"}},
		{"cap", Options{Catalog: cat, Cap: func(id string) bool { return id == "D" }}, []string{"B"}},
		{"no catalog", Options{}, []string{"A", "B", "C", "D"}},
	} {
		recs, _ := m.Recommend(h, Popular, 10, now, tc.o)
		if got := ids(recs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// Purchased items are excluded from every strategy.
	hp := History{UserID: "x", Events: []Event{{"A", KindPurchase, now.Add(-time.Hour)}}}
	for _, st := range strategies {
		recs, _ := m.Recommend(hp, st, 10, now, Options{})
		for _, r := range recs {
			if r.ItemID == "A" {
				t.Errorf("%s recommended the purchased item", st)
			}
		}
	}
}

func TestRandomDeterministic(t *testing.T) {
	b := NewBuilder(ModelConfig{})
	for i := 0; i < 500; i++ {
		b.Add(Interaction{User: "u", Item: "I" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Kind: KindView, Time: at(0)})
	}
	m, _ := b.Build(context.Background())
	h := History{UserID: "someone"}
	r1, _ := m.Recommend(h, Random, 10, now, Options{Seed: 7})
	r2, _ := m.Recommend(h, Random, 10, now, Options{Seed: 7})
	r3, _ := m.Recommend(h, Random, 10, now, Options{Seed: 8})
	r4, _ := m.Recommend(History{UserID: "other"}, Random, 10, now, Options{Seed: 7})
	if !reflect.DeepEqual(r1, r2) || len(r1) != 10 {
		t.Fatalf("random not deterministic: %v %v", ids(r1), ids(r2))
	}
	if reflect.DeepEqual(ids(r1), ids(r3)) || reflect.DeepEqual(ids(r1), ids(r4)) {
		t.Errorf("random ignores seed or user")
	}
	seen := map[string]bool{}
	for _, r := range r1 {
		if seen[r.ItemID] {
			t.Errorf("duplicate %s", r.ItemID)
		}
		seen[r.ItemID] = true
	}
}

func TestAuto(t *testing.T) {
	m := fixture(t, "")
	for _, tc := range []struct {
		name    string
		h       History
		segment string
		first   Rec
	}{
		{"cart abandoner", History{UserID: "x", Events: []Event{{"B", KindView, now.Add(-time.Hour)}, {"C", KindCart, now.Add(-2 * time.Hour)}}},
			"cart_abandoner", Rec{ItemID: "C", Strategy: Retarget}},
		{"viewer", History{UserID: "x", Events: []Event{{"D", KindView, now.Add(-time.Hour)}}},
			"viewer", Rec{ItemID: "D", Strategy: Retarget}},
		{"buyer", History{UserID: "x", Events: []Event{{"A", KindPurchase, now.Add(-time.Hour)}}},
			"buyer", Rec{ItemID: "B", Strategy: CrossSell}},
		{"new", History{UserID: "x"}, "new", Rec{ItemID: "A", Strategy: Trending}},
	} {
		if seg := m.Segment(tc.h, now, Options{}); seg != tc.segment {
			t.Errorf("%s: segment %s", tc.name, seg)
		}
		recs, _ := m.Recommend(tc.h, Auto, 4, now, Options{})
		if len(recs) == 0 || recs[0].ItemID != tc.first.ItemID || recs[0].Strategy != tc.first.Strategy {
			t.Errorf("%s: auto = %+v", tc.name, recs)
		}
		seen := map[string]bool{}
		for _, r := range recs {
			if seen[r.ItemID] {
				t.Errorf("%s: duplicate %s", tc.name, r.ItemID)
			}
			seen[r.ItemID] = true
		}
	}
}

func TestParseStrategyAndProduct(t *testing.T) {
	for in, want := range map[string]Strategy{"cross-sell": CrossSell, "Bestseller": Bestsellers, "AUTO": Auto, "pop": Popular,
		// campaign.yaml's ad set types, and the names before them.
		"retargeting": Retarget, "retarget": Retarget, "cross_sell": CrossSell, "crosssell": CrossSell, "upsell": Upsell,
		"prospecting": Popular, "session-knn": SessionKNN, "vsknn": SessionKNN} {
		if got, err := ParseStrategy(in); err != nil || got != want {
			t.Errorf("ParseStrategy(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseStrategy("magic"); err == nil || !strings.Contains(err.Error(), "retarget") {
		t.Errorf("unknown strategy error = %v", err)
	}
	fields := map[string]string{"id": " SKU-1 ", "item_group_id": "G", "price": "19.99 USD", "sale_price": "15.00 USD",
		"availability": "in_stock", "product_type": "Shoes > Running", "brand": "Acme"}
	p := ProductFromFields(func(k string) string { return fields[k] })
	if p.ID != "SKU-1" || p.Price != 15 || p.Currency != "USD" || !p.InStock || p.GroupID != "G" {
		t.Errorf("product = %+v", p)
	}
	for v, want := range map[string]bool{"in stock": true, "in_stock": true, "available for order": true, "preorder": true,
		"backorder": true, "out of stock": false, "out_of_stock": false, "discontinued": false} {
		if InStock(v) != want {
			t.Errorf("InStock(%q) != %v", v, want)
		}
	}
	if f, c := ParsePrice("USD 7"); f != 7 || c != "USD" {
		t.Errorf("ParsePrice = %v %v", f, c)
	}
	if f, _ := ParsePrice("12,50 EUR"); f != 12.5 {
		t.Errorf("ParsePrice comma = %v", f)
	}
}

func TestBuildDeterministic(t *testing.T) {
	// Same interactions in a different order give the same model.
	in := []Interaction{
		{User: "u1", Item: "B", Kind: KindView, Time: at(time.Minute)},
		{User: "u1", Item: "A", Kind: KindView, Time: at(0)},
		{User: "u2", Item: "C", Kind: KindCart, Time: at(0)},
		{User: "u2", Item: "A", Kind: KindPurchase, Time: at(time.Minute)},
	}
	build := func(order []int) *Model {
		b := NewBuilder(ModelConfig{})
		for _, i := range order {
			b.Add(in[i])
		}
		m, _ := b.Build(context.Background())
		return m
	}
	m1, m2 := build([]int{0, 1, 2, 3}), build([]int{3, 2, 1, 0})
	for _, it := range []string{"A", "B", "C"} {
		for _, buy := range []bool{false, true} {
			if !reflect.DeepEqual(m1.Similar(it, buy), m2.Similar(it, buy)) {
				t.Errorf("%s buy=%v differs by input order", it, buy)
			}
		}
	}
	if !reflect.DeepEqual(m1.History("u2"), m2.History("u2")) {
		t.Error("history differs by input order")
	}
}

func TestBuildCancelled(t *testing.T) {
	b := NewBuilder(ModelConfig{})
	b.Add(Interaction{User: "u", Item: "A", Kind: KindView, Time: at(0)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Build(ctx); err == nil {
		t.Error("want cancellation error")
	}
}

func TestRankedPartialSelection(t *testing.T) {
	// A long candidate list (beyond the heap head) must come out exactly as
	// a full sort would, including when filters reject part of the head.
	var cands []scoredItem
	for i := 0; i < 500; i++ {
		cands = append(cands, scoredItem{idx: int32(i), score: float64((i * 7919) % 97)})
	}
	full := append([]scoredItem(nil), cands...)
	sort.Slice(full, func(i, j int) bool { return cmpScored(full[i], full[j]) < 0 })
	for _, skip := range []int{0, 3, 400} { // 400: past the head, into the tail
		r := &run{k: 5}
		var got []int32
		seen := 0
		r.ranked(&scratch{}, append([]scoredItem(nil), cands...), func(c scoredItem) {
			seen++
			if seen > skip {
				r.out = append(r.out, Rec{})
				got = append(got, c.idx)
			}
		})
		if len(got) != 5 {
			t.Fatalf("skip %d: got %d items", skip, len(got))
		}
		for i, idx := range got {
			if full[skip+i].idx != idx {
				t.Fatalf("skip %d: position %d got %d want %d", skip, i, idx, full[skip+i].idx)
			}
		}
	}
}

// A reason never repeats the strategy's name (auto prefixes it; the
// report said "trending: trending: decayed score 27.0").
func TestReasonsDoNotRepeatStrategy(t *testing.T) {
	m := fixture(t, "")
	for _, st := range []Strategy{Popular, Bestsellers, Trending} {
		recs, _ := m.Recommend(History{UserID: "nobody"}, st, 3, now, Options{})
		for _, r := range recs {
			if strings.HasPrefix(r.Reason, "popular") || strings.HasPrefix(r.Reason, "bestseller") || strings.HasPrefix(r.Reason, "trending") {
				t.Errorf("%s reason %q repeats a strategy name", st, r.Reason)
			}
		}
	}
}

// Strategies is read by every replay in the process: the slice it returns must
// be the caller's own.
func TestStrategiesIsACopy(t *testing.T) {
	a := Strategies()
	a[0] = "changed"
	if b := Strategies(); b[0] != Retarget {
		t.Fatalf("Strategies handed out the table: %v", b)
	}
}

// sortByUser's fast paths (sortRuns for records in (user, time) order,
// the counting sort of sortFull otherwise) must give exactly the columns
// sort.Slice gave: on logs in (user, time) order with runs of equal
// times, logs in time order, shuffled logs, and ties on user, time, kind
// and item with equal or different sessions.
func TestSortByUserMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for trial := range 3000 {
		n := rng.IntN(60)
		var c ixCols
		for range n {
			c.add(int64(rng.IntN(4)), int32(rng.IntN(5)), int32(rng.IntN(3)), int32(rng.IntN(2)), Kind(1+rng.IntN(2)))
		}
		switch trial % 3 {
		case 1: // in (user, time) order, as a replay hands the records over
			c = sortSliceReference(c)
			for i := range n {
				if rng.IntN(2) == 0 {
					c.kind[i], c.item[i] = Kind(1+rng.IntN(2)), int32(rng.IntN(3))
				}
			}
		case 2: // in time order, as most logs are
			idx := make([]int32, n)
			for i := range idx {
				idx[i] = int32(i)
			}
			slices.SortStableFunc(idx, func(a, b int32) int { return int(c.t[a] - c.t[b]) })
			c = permuted(c, idx)
		}
		want := sortSliceReference(c)
		c.sortByUser()
		if !slices.Equal(c.t, want.t) || !slices.Equal(c.user, want.user) || !slices.Equal(c.item, want.item) ||
			!slices.Equal(c.sess, want.sess) || !slices.Equal(c.kind, want.kind) {
			t.Fatalf("trial %d: columns differ from sort.Slice's", trial)
		}
	}
}

// sortSliceReference is sortByUser as it was: sort.Slice of a permutation
// by (user, time, kind, item), applied to a copy of every column.
func sortSliceReference(c ixCols) ixCols {
	perm := make([]int32, len(c.t))
	for i := range perm {
		perm[i] = int32(i)
	}
	sort.Slice(perm, func(i, j int) bool {
		a, b := perm[i], perm[j]
		if c.user[a] != c.user[b] {
			return c.user[a] < c.user[b]
		}
		if c.t[a] != c.t[b] {
			return c.t[a] < c.t[b]
		}
		if c.kind[a] != c.kind[b] {
			return c.kind[a] < c.kind[b]
		}
		return c.item[a] < c.item[b]
	})
	return permuted(c, perm)
}

func permuted(c ixCols, perm []int32) ixCols {
	var out ixCols
	for _, p := range perm {
		out.add(c.t[p], c.user[p], c.item[p], c.sess[p], c.kind[p])
	}
	return out
}

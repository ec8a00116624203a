package campaign

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed"
)

// exampleExport runs the init example through every builder, as the
// export command will.
func exampleExport(t *testing.T) (*Campaign, *Selection, []*feed.Item, map[string][]int) {
	t.Helper()
	f := InitFiles()
	c, diags, err := Load("campaign.yaml", bytes.NewReader(f["campaign.yaml"]))
	if err != nil || c == nil {
		t.Fatalf("%v %v", err, diags)
	}
	items := csvItems(t, f["catalog.csv"])
	sel := newSelection(c, selectOptions{})
	matched := map[string][]int{}
	for _, it := range items {
		matched[it.Get("id")] = slices.Clone(sel.Add(it))
	}
	return c, sel, items, matched
}

func TestExampleSelection(t *testing.T) {
	_, sel, items, matched := exampleExport(t)
	var counts []int
	for _, r := range sel.Sets() {
		counts = append(counts, r.Count)
	}
	// 14 items: 12 in stock; shoes under $100 in stock: SN-4010, SN-4020, SN-4030;
	// outerwear ≥ $50 in stock: JK-3100, JK-3200 (CT-3300 is out of stock).
	if want := []int{12, 3, 2}; !slices.Equal(counts, want) {
		t.Errorf("counts = %v, want %v", counts, want)
	}
	if r := sel.Sets()[2]; r.OutOfStock != 1 || r.SourceCount != 4 {
		t.Errorf("outerwear: out of stock %d, source %d", r.OutOfStock, r.SourceCount)
	}
	for _, it := range items {
		if !InStock(it) && len(matched[it.Get("id")]) > 0 {
			t.Errorf("out-of-stock %s selected by %v", it.Get("id"), matched[it.Get("id")])
		}
	}
}

func TestGoldenExport(t *testing.T) {
	c, sel, items, matched := exampleExport(t)

	sheet, err := BuildBulkSheet(c)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(sheet.Records(true)); err != nil {
		t.Fatal(err)
	}
	golden(t, "meta/bulk_import.csv", b.Bytes())
	if len(sheet.Rows) != len(c.AdSets) {
		t.Errorf("%d rows for %d ads", len(sheet.Rows), len(c.AdSets))
	}

	p, err := BuildAPIPayloads(c)
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.Files()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		golden(t, f.Path, f.Data)
		paths = append(paths, f.Path)
	}
	golden(t, "meta/api/files.txt", []byte(strings.Join(paths, "\n")+"\n"))

	sup := newSupplemental(c)
	b.Reset()
	b.WriteString(strings.Join(sup.Header(), "\t") + "\n")
	for _, it := range items {
		extra := it.Get("custom_label_0") // stands in for a dpa simulate segment
		if row := sup.Row(it.Get("id"), matched[it.Get("id")], extra); row != nil {
			b.WriteString(strings.Join(row, "\t") + "\n")
		}
	}
	golden(t, "feeds/google_supplemental.tsv", b.Bytes())

	var batches []string
	bt := newItemsBatcher(5, func(n int, body []byte) error {
		golden(t, strings.TrimPrefix(BatchPath(n), ""), body)
		batches = append(batches, BatchPath(n))
		return nil
	})
	for _, it := range items {
		if err := bt.Add(batchOp{Method: "UPDATE", RetailerID: it.Get("id"), Data: ItemData(it)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"OLD-1", "OLD-2"} {
		if err := bt.Add(batchOp{Method: "DELETE", RetailerID: id, Data: map[string]string{"title": "ignored"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bt.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(batches) != 4 || bt.Batches() != 4 { // 16 ops in chunks of 5
		t.Errorf("batches %v", batches)
	}

	b.Reset()
	if err := RenderPreview(&b, BuildPreview(c, sel, CurrencyFormat{})); err != nil {
		t.Fatal(err)
	}
	golden(t, "preview.html", b.Bytes())

	m := NewManifest(c, sel)
	m.Catalog, m.CatalogItems = "catalog.csv", len(items)
	m.Files = append(m.Files, ManifestFile{Path: "preview.html", Bytes: int64(b.Len()), SHA256: "(filled by caller)"},
		ManifestFile{Path: "meta/bulk_import.csv", Bytes: 1, SHA256: "x"})
	mj, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "manifest.json", mj)
}

func TestAPIShapes(t *testing.T) {
	c, _, _, _ := exampleExport(t)
	p, _ := BuildAPIPayloads(c)
	files, _ := p.Files()
	byPath := map[string]map[string]any{}
	for _, f := range files {
		var v map[string]any
		if err := json.Unmarshal(f.Data, &v); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		byPath[f.Path] = v
	}
	get := func(path string, keys ...string) any {
		var cur any = byPath[path]
		for _, k := range keys {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[k]
		}
		return cur
	}
	checks := []struct {
		path string
		keys []string
		want string
	}{
		{"meta/api/campaign.json", []string{"objective"}, "OUTCOME_SALES"},
		{"meta/api/campaign.json", []string{"promoted_object", "product_catalog_id"}, "123456789012345"},
		{"meta/api/campaign.json", []string{"daily_budget"}, "12000"},
		{"meta/api/product_sets/footwear-under-150.json", []string{"name"}, "Footwear under $150"},
		{"meta/api/product_sets/footwear-under-150.json", []string{"filter", "and"}, `[map[availability:map[eq:in stock]] map[product_type:map[i_contains:shoes]] map[price_amount:map[lt:15000]]]`},
		{"meta/api/ad_sets/cart-abandoners.json", []string{"promoted_object", "product_set_id"}, "<PRODUCT_SET_ID:cart-abandoners>"},
		{"meta/api/ad_sets/cart-abandoners.json", []string{"targeting", "geo_locations", "countries"}, "[US]"},
		{"meta/api/ad_sets/cart-abandoners.json", []string{"optimization_goal"}, "OFFSITE_CONVERSIONS"},
		{"meta/api/product_audiences/cart-abandoners.json", []string{"inclusions"}, `[map[retention_seconds:1.2096e+06 rule:map[event:map[eq:ViewContent]]] map[retention_seconds:1.2096e+06 rule:map[event:map[eq:AddToCart]]]]`},
		{"meta/api/product_audiences/cart-abandoners.json", []string{"exclusions"}, `[map[retention_seconds:1.2096e+06 rule:map[event:map[eq:Purchase]]]]`},
		{"meta/api/product_audiences/outerwear-for-top-buyers.json", []string{"product_set_id"}, "<PRODUCT_SET_ID:outerwear-for-top-buyers-source>"},
		{"meta/api/ad_creatives/cart-abandoners.json", []string{"object_story_spec", "template_data", "name"}, "{{product.name | titleize}}"},
		{"meta/api/ad_creatives/cart-abandoners.json", []string{"object_story_spec", "template_data", "call_to_action", "type"}, "SHOP_NOW"},
		{"meta/api/ad_creatives/cart-abandoners.json", []string{"object_story_spec", "template_data", "format_option"}, "carousel_images_multi_items"},
		{"meta/api/ad_creatives/cart-abandoners.json", []string{"product_set_id"}, "<PRODUCT_SET_ID:cart-abandoners>"},
	}
	for _, ck := range checks {
		if got := fmt.Sprint(get(ck.path, ck.keys...)); got != ck.want {
			t.Errorf("%s %v = %s, want %s", ck.path, ck.keys, got, ck.want)
		}
	}
	if get("meta/api/ad_sets/footwear-under-150.json", "targeting", "dynamic_audience_ids") != nil {
		t.Error("prospecting ad set must not target a product audience")
	}
}

func TestItemsBatcherLimits(t *testing.T) {
	var sizes []int
	bt := newItemsBatcher(0, func(n int, body []byte) error {
		var ib itemsBatch
		if err := json.Unmarshal(body, &ib); err != nil {
			return err
		}
		if ib.ItemType != "PRODUCT_ITEM" || !ib.AllowUpsert {
			t.Errorf("envelope %+v", ib)
		}
		sizes = append(sizes, len(ib.Requests))
		return nil
	})
	for i := 0; i < 12001; i++ {
		if err := bt.Add(batchOp{Method: "update", RetailerID: fmt.Sprint(i), Data: map[string]string{"price": "1.00 USD"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bt.Flush(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []int{5000, 5000, 2001}) {
		t.Errorf("chunks %v", sizes)
	}
	for _, op := range []batchOp{{Method: "PATCH", RetailerID: "x"}, {Method: "DELETE"}} {
		if err := bt.Add(op); err == nil {
			t.Errorf("%+v accepted", op)
		}
	}
	// size limit: 2 MB items flush after 13 per chunk (28 MB)
	sizes = nil
	big := strings.Repeat("x", 2<<20)
	for i := 0; i < 20; i++ {
		if err := bt.Add(batchOp{Method: "UPDATE", RetailerID: fmt.Sprint(i), Data: map[string]string{"description": big}}); err != nil {
			t.Fatal(err)
		}
	}
	bt.Flush()
	if !slices.Equal(sizes, []int{13, 7}) {
		t.Errorf("size-bounded chunks %v", sizes)
	}
}

func TestEscapeFormula(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(1)": "'=HYPERLINK(1)", "+1": "'+1", "-x": "'-x", "@SUM": "'@SUM",
		"\tx": "'\tx", "\rx": "'\rx", "{{product.name}}": "{{product.name}}", "": "", "a=b": "a=b",
	} {
		if got := escapeFormula(in); got != want {
			t.Errorf("EscapeFormula(%q) = %q, want %q", in, got, want)
		}
	}
	s := &BulkSheet{Header: []string{"Ad Name", "Ad Set Daily Budget"}, Rows: [][]Cell{{{Value: "=cmd"}, {Value: "-5", Number: true}}}}
	r := s.Records(true)
	if r[1][0] != "'=cmd" || r[1][1] != "-5" {
		t.Errorf("records %q", r)
	}
	if r := s.Records(false); r[1][0] != "=cmd" {
		t.Errorf("unescaped records %q", r)
	}
}

func TestBulkColumnsData(t *testing.T) {
	cols, ver, err := bulkColumns()
	if err != nil || ver == "" {
		t.Fatalf("%v %q", err, ver)
	}
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[c.Name] {
			t.Errorf("duplicate column %q", c.Name)
		}
		seen[c.Name] = true
		if _, err := bulkValue(&Campaign{}, &AdSet{}, c.Value); err != nil && c.Value != "" {
			t.Errorf("column %q: %v", c.Name, err)
		}
	}
	// Names the doc says Meta does NOT use must never appear.
	for _, bad := range []string{"Optimisation Goal", "Pixel ID", "Headline", "Primary Text", "Website URL", "Catalog ID"} {
		if seen[bad] {
			t.Errorf("invented header %q", bad)
		}
	}
	for _, must := range []string{"Product Catalog ID", "Product Set ID", "Campaign Name", "Ad Set Name", "Ad Name", "Title", "Body", "Call to Action"} {
		if !seen[must] {
			t.Errorf("missing %q", must)
		}
	}
}

func TestSelectionChecks(t *testing.T) {
	src := `campaign: {name: C, catalog_id: "1", page_id: "2", countries: [US], currency: USD}
ad_sets:
  - name: Empty
    type: prospecting
    budget: {amount: 5}
    product_set: {where: {brand: Nobody}}
    creative: {primary_text: hi, link: https://e.com/}
  - name: Small and long
    type: custom
    budget: {amount: 5}
    product_set: {where: {product_type: {contains: shoes}}}
    creative:
      cards: 5
      headline: "{{product.brand}} {{product.name}}"
      primary_text: hi
      link_description: "{{product.description}}"
      link: https://e.com/
`
	c, diags, err := Load("c.yaml", strings.NewReader(src))
	if err != nil || c == nil {
		t.Fatalf("%v %v", err, diags)
	}
	sel := newSelection(c, selectOptions{MaxIDs: 2})
	long := strings.Repeat("word ", 60) // 300 runes: over the 255 limit
	sel.Add(item("id", "S1", "title", "Shoe", "brand", "Acme", "product_type", "shoes", "availability", "in stock", "description", "short"))
	sel.Add(item("id", "S2", "title", "Shoe two", "product_type", "shoes", "availability", "in stock", "description", "A comfortable everyday shoe for walking"))
	sel.Add(item("id", "S3", "title", long, "product_type", "shoes", "availability", "in stock", "description", "ok"))
	sel.Add(item("id", "S4", "title", "Gone", "brand", "Acme", "product_type", "shoes", "availability", "out of stock"))
	sel.Add(item("id", "S5", "title", "Shoe 5", "product_type", "shoes", "availability", "in stock", "description", "ok"))
	var got []string
	for _, is := range sel.Issues() {
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s|%d|%v", is.Severity, is.AdSet, is.Rule, is.Field, is.Tag, is.Count, is.ItemIDs))
	}
	want := []string{
		"error|Empty|empty-product-set|||0|[]",
		"error|Small and long|text-over-limit|headline||1|[S3]",
		"warning|Small and long|template-tag-unresolved|headline|product.brand|3|[S2 S3]",
		"warning|Small and long|text-over-recommended-length|link_description||1|[S2]",
		"warning|Small and long|set-smaller-than-carousel|||4|[]", // 4 in stock < 5 cards,
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if sel.Sets()[1].OutOfStock != 1 || sel.Sets()[1].Count != 4 {
		t.Errorf("counts %+v", sel.Sets()[1])
	}
	if m := sel.Issues()[0]; !strings.Contains(m.Message, `{"brand":{"eq":"Nobody"}}`) {
		t.Errorf("empty-set message should show the filter: %s", m.Message)
	}
}

// TestSupplementalRow: one value per custom label, as Google requires;
// an item in several ad sets carries their combination in campaign order
// ("b-set+a-set"), so every set's product groups find it.
func TestSupplementalRow(t *testing.T) {
	s := &supplementalFeed{Label: 2, labels: []string{"b-set", "a-set", ""}}
	if h := s.Header(); !slices.Equal(h, []string{"id", "custom_label_2"}) {
		t.Errorf("header %v", h)
	}
	tests := []struct {
		id    string
		sets  []int
		extra []string
		want  []string
	}{
		{"1", []int{0, 1}, nil, []string{"1", "b-set+a-set"}},
		{"2", nil, nil, nil},
		{"3", []int{2}, []string{" "}, nil},
		{"4", []int{0}, []string{"bestseller"}, []string{"4", "b-set"}},
		{"5\tx", []int{1}, nil, []string{"5 x", "a-set"}},
		// Google counts characters, as load does for segments: 60 "é"
		// (120 bytes) stay whole, 150 are cut to 100 characters.
		{"6", nil, []string{strings.Repeat("é", 60)}, []string{"6", strings.Repeat("é", 60)}},
		{"7", nil, []string{strings.Repeat("é", 150)}, []string{"7", strings.Repeat("é", 100)}},
		{"8", nil, []string{strings.Repeat("a", 99) + "日本"}, []string{"8", strings.Repeat("a", 99) + "日"}},
	}
	for _, tt := range tests {
		got := s.Row(tt.id, tt.sets, tt.extra...)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Row(%q, %v, %q) = %q, want %q", tt.id, tt.sets, tt.extra, got, tt.want)
		}
		for _, v := range got[min(1, len(got)):] {
			if strings.Contains(v, "|") {
				t.Errorf("%q: several values in one label", v)
			}
		}
	}
	for i, want := range [][]string{{"b-set", "b-set+a-set"}, {"a-set", "b-set+a-set"}} {
		if g := s.Group(i); g == nil || g.Label != "custom_label_2" || !slices.Equal(g.Values, want) {
			t.Errorf("ad set %d product group %+v, want values %q", i, g, want)
		}
	}
	if g := s.Group(2); g != nil {
		t.Errorf("a set without segment has product group %+v", g)
	}
}

// TestSupplementalPerSetLabels: google.labels gives each ad set its own
// label with yes/no, so each set is one product group.
func TestSupplementalPerSetLabels(t *testing.T) {
	src := strings.Replace(twoSetsSameFilter, "ad_sets:", "google:\n  labels: {Shoes again: 3, Shoes source: 1}\nad_sets:", 1)
	src = strings.Replace(src, "  - name: Shoes\n    type: upsell", "  - name: Shoes 2\n    type: upsell", 1)
	c := mustLoad(t, src)
	s := newSupplemental(c)
	if h := s.Header(); !slices.Equal(h, []string{"id", "custom_label_1", "custom_label_3"}) {
		t.Errorf("header %v", h)
	}
	if r := s.Row("x", []int{0, 1}); !slices.Equal(r, []string{"x", "no", "yes"}) {
		t.Errorf("row %v", r)
	}
	if r := s.Row("y", []int{0}); r != nil {
		t.Errorf("untagged row %v", r)
	}
	msg := loadErrors(t, strings.Replace(src, "Shoes source: 1", "Shoes source: 3", 1))
	if !strings.Contains(msg, "custom_label_3 is already used") {
		t.Errorf("duplicate label: %s", msg)
	}
}

func TestPreviewIsSelfContained(t *testing.T) {
	c, sel, _, _ := exampleExport(t)
	var b bytes.Buffer
	d := BuildPreview(c, sel, CurrencyFormat{})
	d.Sets[0].Cards[0].Image = "javascript:alert(1)"
	d.Sets[0].Cards[0].Headline = "<script>alert(1)</script>"
	if err := RenderPreview(&b, d); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, bad := range []string{"<script", "javascript:", "<link", "@import", "http://fonts", "<iframe"} {
		if strings.Contains(html, bad) {
			t.Errorf("preview contains %q", bad)
		}
	}
	if n := strings.Count(html, `class="card"`); n != 5+3+2 {
		t.Errorf("%d cards, want 10", n)
	}
	for _, want := range []string{"12 in-stock items", "Waxed Canvas Field Jacket", "Shop Now", `{&#34;and&#34;:[{&#34;availability&#34;`} {
		if !strings.Contains(html, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
}

// BenchmarkSelection measures the per-item cost of the export checks: the
// five-ad-set example campaign over a rotating set of catalog items.
func BenchmarkSelection(b *testing.B) {
	f := InitFiles()
	c, _, err := Load("campaign.yaml", bytes.NewReader(f["campaign.yaml"]))
	if err != nil || c == nil {
		b.Fatal(err)
	}
	// Five ad sets, as in the issue's benchmark.
	for len(c.AdSets) < 5 {
		cp := *c.AdSets[len(c.AdSets)%3]
		c.AdSets = append(c.AdSets, &cp)
	}
	items := csvItems(b, f["catalog.csv"])
	sel := newSelection(c, selectOptions{})
	sup := newSupplemental(c)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := items[i%len(items)]
		sets := sel.Add(it)
		_ = sup.Row(it.Get("id"), sets)
	}
}

// TestItemsBatcherBodyBytes: the bytes emitted, not an estimate, stay
// within Meta's 28 MB. Items with many fields and long texts sit near the
// limit, where a body re-encoded with indentation used to exceed it.
func TestItemsBatcherBodyBytes(t *testing.T) {
	data := map[string]string{}
	for i := range 40 {
		data[fmt.Sprintf("f%02d", i)] = strings.Repeat("d", 130)
	}
	var sizes, counts []int
	bt := newItemsBatcher(0, func(n int, body []byte) error {
		var ib itemsBatch
		if err := json.Unmarshal(body, &ib); err != nil {
			return err
		}
		sizes = append(sizes, len(body))
		counts = append(counts, len(ib.Requests))
		return nil
	})
	for i := range 6000 {
		if err := bt.Add(batchOp{Method: "UPDATE", RetailerID: fmt.Sprint(i), Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	if err := bt.Flush(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for i, s := range sizes {
		total += counts[i]
		if s > maxBatchBytes {
			t.Errorf("body %d is %d bytes, over the %d limit", i+1, s, maxBatchBytes)
		}
	}
	if total != 6000 || len(sizes) < 2 {
		t.Errorf("bodies %v hold %v requests", sizes, counts)
	}
}

// TestSupplementalValueLimit: Google takes at most 1,000 distinct values
// per custom label; the feed counts the values it writes (a repeated
// value once) and names the label and the count past the limit.
func TestSupplementalValueLimit(t *testing.T) {
	s := &supplementalFeed{Label: 2, labels: []string{"a-set"}}
	for i := 0; i < maxCustomLabelValues-1; i++ { // 999 tiers + "a-set": 1,000 values
		s.Row(fmt.Sprint("x", i), nil, fmt.Sprint("tier-", i))
		s.Row(fmt.Sprint("y", i), []int{0})
	}
	if e := s.LimitErrors(); e != nil {
		t.Fatalf("1,000 values refused: %v", e)
	}
	s.Row("z", nil, "tier-new")
	e := s.LimitErrors()
	if len(e) != 1 || !strings.Contains(e[0], "custom_label_2 would hold 1001 distinct values") || !strings.Contains(e[0], "at most 1000") {
		t.Errorf("limit error %q", e)
	}
}

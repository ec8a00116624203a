package campaign

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed"
)

// TestRealMetaCatalog streams a real Meta CSV catalog (a German wine shop)
// through a campaign and checks the counts the export would report. It
// reads with encoding/csv so it does not depend on the feed readers.
func TestRealMetaCatalog(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "real", "kirsten-liebieg-meta-csv", "facebook_catalog.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("real data absent: %v", err)
	}
	defer f.Close()
	src := `campaign: {name: Wine, catalog_id: "1", page_id: "2", countries: [DE], currency: EUR, budget: {amount: 30}}
ad_sets:
  - name: All in stock
    type: retargeting
    product_set: {where: {availability: in stock}}
    creative: {headline: "{{product.name}}", primary_text: "{{product.brand}}", link: https://www.kirsten-liebieg.de/}
  - name: Under 20 EUR
    type: prospecting
    product_set: {filter: '{"price_amount":{"lt":2000}}'}
    creative: {link_description: "{{product.current_price strip_zeros}}", primary_text: Wein, link: https://www.kirsten-liebieg.de/}
  - name: Nothing
    type: prospecting
    product_set: {where: {brand: "No such brand"}}
    creative: {primary_text: x, link: https://www.kirsten-liebieg.de/}
`
	c, diags, err := Load("wine.yaml", strings.NewReader(src))
	if err != nil || c == nil {
		t.Fatalf("%v %v", err, diags)
	}
	sel := newSelection(c, selectOptions{})
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	n, inStock := 0, 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		it := &feed.Item{Index: n + 1}
		for i, v := range rec {
			if i < len(head) {
				it.Fields = append(it.Fields, feed.Field{Name: feed.CanonicalName(head[i]), Value: v})
			}
		}
		n++
		if InStock(it) {
			inStock++
		}
		for _, s := range sel.Add(it) {
			if !InStock(it) {
				t.Errorf("item %d selected by set %d while not in stock", n, s)
			}
		}
	}
	sets := sel.Sets()
	t.Logf("%d items, %d in stock; sets: all=%d under20=%d (out of stock excluded %d) nothing=%d",
		n, inStock, sets[0].Count, sets[1].Count, sets[1].OutOfStock, sets[2].Count)
	if n == 0 || sets[0].Count != inStock || sets[1].Count == 0 || sets[1].Count > sets[0].Count || sets[2].Count != 0 {
		t.Errorf("unexpected counts")
	}
	var empty bool
	for _, is := range sel.Issues() {
		t.Logf("%s %s %s %s %d %v", is.Severity, is.AdSet, is.Rule, is.Tag, is.Count, is.ItemIDs)
		if is.Rule == ruleEmptySet && is.AdSet == "Nothing" {
			empty = true
		}
	}
	if !empty {
		t.Error("the empty set was not reported")
	}
}

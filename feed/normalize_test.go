package feed

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runNormalize normalizes src (read as name) and returns output, rejects,
// changes and the result.
func runNormalize(t testing.TB, name string, src []byte, o NormalizeOptions, format string) (string, string, []Change, *NormalizeResult) {
	t.Helper()
	r, err := Open(context.Background(), name, bytes.NewReader(src), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out, rej bytes.Buffer
	var changes []Change
	res, err := Normalize(context.Background(), r, o, NormalizeSinks{
		Out: func(cols []string) (ItemWriter, error) { return NewWriter(&out, format, WriteOptions{Columns: cols}) },
		Rejects: func(cols []string) (ItemWriter, error) {
			return NewWriter(&rej, FormatCSV, WriteOptions{Columns: cols})
		},
		Change: func(c Change) error { changes = append(changes, c); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ItemsIn != res.ItemsOut+res.ItemsRejected {
		t.Fatalf("items_in %d != out %d + rejected %d", res.ItemsIn, res.ItemsOut, res.ItemsRejected)
	}
	return out.String(), rej.String(), changes, res
}

const baseHeader = "id,title,description,availability,condition,price,link,image_link,brand"
const baseRow = "A1,Linen Shirt,A breathable linen shirt with a classic collar and buttons.,in stock,new,59.00 USD,https://shop.example.com/p/a1,https://cdn.example.com/a1.jpg,Coastline"

// withField returns a one-item Meta CSV with field set to value.
func withField(field, value string) []byte {
	h := strings.Split(baseHeader, ",")
	row := strings.Split(baseRow, ",")
	found := false
	for i := range h {
		if h[i] == field {
			row[i] = value
			found = true
		}
	}
	if !found {
		h = append(h, field)
		row = append(row, value)
	}
	for i := range row {
		row[i] = `"` + strings.ReplaceAll(row[i], `"`, `""`) + `"`
	}
	return []byte(strings.Join(h, ",") + "\n" + strings.Join(row, ",") + "\n")
}

func TestNormalizeFixes(t *testing.T) {
	meta, google := channels["meta"], channels["google"]
	tests := []struct {
		name         string
		ch           *Channel
		opts         NormalizeOptions
		field, value string
		outField     string // "" = field
		want         string
		rule         string // "" = no change expected
	}{
		{"trim and collapse", meta, NormalizeOptions{}, "title", "  Linen   Shirt\t", "", "Linen Shirt", fixWhitespace},
		{"id NBSP trimmed", meta, NormalizeOptions{}, "id", "\u00a0A1", "", "A1", fixWhitespace},
		{"id zero-width space removed", meta, NormalizeOptions{}, "id", "\u200bA1", "", "A1", fixWhitespace},
		{"id BOM and word joiner removed", meta, NormalizeOptions{}, "id", "A\ufeff1\u2060", "", "A1", fixWhitespace},
		{"zero-width joiner kept in a title", meta, NormalizeOptions{}, "title", "Tee \U0001F468\u200d\U0001F469", "", "Tee \U0001F468\u200d\U0001F469", ""},
		{"enum instock", meta, NormalizeOptions{}, "availability", "instock", "", "in stock", fixEnumSpelling},
		{"enum In Stock", meta, NormalizeOptions{}, "availability", "In Stock", "", "in stock", fixEnumSpelling},
		{"enum in_stock on meta", meta, NormalizeOptions{}, "availability", "in_stock", "", "in stock", fixEnumSpelling},
		{"enum google", google, NormalizeOptions{}, "availability", "in stock", "", "in_stock", fixEnumSpelling},
		{"enum unknown left", meta, NormalizeOptions{}, "condition", "mint", "", "mint", ""},
		{"price symbol", meta, NormalizeOptions{Currency: "USD"}, "price", "$19.99", "", "19.99 USD", fixPriceFormat},
		{"price decimal comma", meta, NormalizeOptions{}, "price", "19,99 EUR", "", "19.99 EUR", fixPriceFormat},
		{"price currency first", meta, NormalizeOptions{}, "price", "EUR 19.99", "", "19.99 EUR", fixPriceFormat},
		{"price thousands comma", meta, NormalizeOptions{}, "price", "1.299,00 EUR", "", "1299.00 EUR", fixPriceFormat},
		{"price lower code", meta, NormalizeOptions{}, "price", "19.99 usd", "", "19.99 USD", fixPriceFormat},
		{"price bare no currency", meta, NormalizeOptions{}, "price", "19.99", "", "19.99", ""},
		{"price bare with currency", meta, NormalizeOptions{Currency: "EUR"}, "price", "19.99", "", "19.99 EUR", fixPriceFormat},
		{"sale not lower dropped", meta, NormalizeOptions{}, "sale_price", "60.00 USD", "", "", fixSaleDropped},
		{"sale lower kept", meta, NormalizeOptions{}, "sale_price", "49.00 USD", "", "49.00 USD", ""},
		{"https when asked", meta, NormalizeOptions{HTTPS: true}, "link", "http://shop.example.com/p/a1", "", "https://shop.example.com/p/a1", fixHTTPS},
		{"http left otherwise", meta, NormalizeOptions{}, "link", "http://shop.example.com/p/a1", "", "http://shop.example.com/p/a1", ""},
		{"relative with base", meta, NormalizeOptions{BaseURL: "https://shop.example.com"}, "link", "/p/a1", "", "https://shop.example.com/p/a1", fixAbsoluteURL},
		{"scheme relative", meta, NormalizeOptions{}, "image_link", "//cdn.example.com/a1.jpg", "", "https://cdn.example.com/a1.jpg", fixSchemeRelative},
		{"url space", meta, NormalizeOptions{}, "image_link", "https://cdn.example.com/a 1.jpg", "", "https://cdn.example.com/a%201.jpg", fixURLSpace},
		{"gtin dashes", meta, NormalizeOptions{}, "gtin", "0-12345-67890-5", "", "012345678905", fixGTINCleaned},
		{"gtin upc-e", meta, NormalizeOptions{}, "gtin", "04252614", "", "042100005264", fixGTINUPCE},
		{"gtin isbn-10", meta, NormalizeOptions{}, "gtin", "0306406152", "", "9780306406157", fixGTINISBN},
		{"gtin bad check digit kept", meta, NormalizeOptions{}, "gtin", "4006381333932", "", "4006381333932", ""},
		{"html stripped meta", meta, NormalizeOptions{}, "description", "<p>Soft <b>linen</b> &amp; cotton shirt for warm summer days.</p>", "", "Soft linen & cotton shirt for warm summer days.", fixHTMLStripped},
		{"html reduced google", google, NormalizeOptions{}, "description", `<p class="x">Soft <b>linen</b> <a href="/x">shirt</a> for summer days.</p>`, "", "<p>Soft <b>linen</b> shirt for summer days.</p>", fixHTMLReduced},
		{"caps title fixed", meta, NormalizeOptions{FixCase: true}, "title", "LINEN SHIRT FOR MEN", "", "Linen Shirt for Men", fixTitleCase},
		{"caps title kept", meta, NormalizeOptions{}, "title", "LINEN SHIRT FOR MEN", "", "LINEN SHIRT FOR MEN", ""},
		{"truncate word boundary", google, NormalizeOptions{}, "title", strings.Repeat("linen ", 30), "", strings.TrimSpace(strings.Repeat("linen ", 25)), fixTruncated},
		{"alias renamed", meta, NormalizeOptions{}, "image_url", "https://cdn.example.com/b.jpg", "image_link", "https://cdn.example.com/a1.jpg", ""},
		{"sku_id to id", channels["tiktok"], NormalizeOptions{}, "id", "A1", "sku_id", "A1", fixRenamed},
		{"map flag", meta, NormalizeOptions{Map: map[string]string{"colour_name": "color"}}, "colour_name", "Blue", "color", "Blue", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Channel = tt.ch
			r, err := Open(context.Background(), "in.csv", bytes.NewReader(withField(tt.field, tt.value)), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got *Item
			var changes []Change
			_, err = Normalize(context.Background(), r, o, NormalizeSinks{
				Out:     func([]string) (ItemWriter, error) { return capture{&got}, nil },
				Rejects: func([]string) (ItemWriter, error) { return capture{&got}, nil },
				Change:  func(c Change) error { changes = append(changes, c); return nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			of := tt.outField
			if of == "" {
				of = tt.field
			}
			if got == nil {
				t.Fatal("no item")
			}
			if v := got.Get(of); v != tt.want && !(got.Has(ReasonField) && tt.rule == "") {
				t.Errorf("%s = %q, want %q (changes %+v)", of, v, tt.want, changes)
			}
			var rules []string
			for _, c := range changes {
				rules = append(rules, c.Rule)
			}
			joined := strings.Join(rules, " ")
			if tt.rule != "" && !strings.Contains(joined, tt.rule) {
				t.Errorf("rules %q, want %s", joined, tt.rule)
			}
			if tt.rule == "" && tt.field == of && joined != "" {
				t.Errorf("unexpected changes %+v", changes)
			}
		})
	}
}

type capture struct{ dst **Item }

func (c capture) Write(it *Item) error { *c.dst = it.Clone(); return nil }
func (c capture) Close() error         { return nil }

func TestTruncateWords(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"hello wonderful world", 15, "hello wonderful"},
		{"abcdefghijklmnop", 5, "abcde"},
		{"héllo wörld", 7, "héllo w"},
	}
	for _, tt := range tests {
		if got := truncateWords(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateWords(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// exampleInputs are the repository examples with the channel and output
// format each is normalized to.
var exampleInputs = []struct {
	file, channel, format string
	opts                  NormalizeOptions
}{
	{"../examples/meta_feed.csv", "meta", FormatCSV, NormalizeOptions{Currency: "USD"}},
	{"../examples/meta_feed.csv", "google", FormatXML, NormalizeOptions{Currency: "USD"}},
	{"../examples/clean_meta_feed.csv", "tiktok", FormatCSV, NormalizeOptions{}},
	{"../examples/google_feed.xml", "google", FormatTSV, NormalizeOptions{}},
	{"../examples/google_feed.xml", "meta", FormatXML, NormalizeOptions{}},
	{"../examples/shopify_export.csv", "meta", FormatCSV, NormalizeOptions{Currency: "USD", BaseURL: "https://shop.example.com"}},
	{"../examples/shopify_export.csv", "pinterest", FormatCSV, NormalizeOptions{Currency: "USD", BaseURL: "https://shop.example.com"}},
}

// checkIdempotentAndValid normalizes src, then normalizes the output again:
// the second pass must change nothing and reject nothing, and the output
// must validate without errors.
func checkIdempotentAndValid(t *testing.T, name string, src []byte, chName, format string, o NormalizeOptions) *NormalizeResult {
	t.Helper()
	o.Channel = channels[chName]
	out, _, _, res := runNormalize(t, name, src, o, format)
	o2 := o
	o2.Source = SourceFeed
	out2, rej2, changes2, res2 := runNormalize(t, "out."+format, []byte(out), o2, format)
	if len(changes2) > 0 || res2.ItemsRejected > 0 {
		t.Errorf("%s → %s: second pass changed %d fields, rejected %d: %+v %s", name, chName, len(changes2), res2.ItemsRejected, first(changes2), rej2)
	}
	if out2 != out {
		t.Errorf("%s → %s: second pass output differs", name, chName)
	}
	v, _ := NewValidator(o.Channel, Overrides{})
	r, err := Open(context.Background(), "out."+format, strings.NewReader(out), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vr, err := v.Validate(context.Background(), r, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if vr.Errors > 0 || vr.Items != res.ItemsOut {
		for _, f := range vr.Findings.Collect() {
			if f.Severity == Error {
				t.Errorf("%s → %s: %s:%d %s %s %q", name, chName, f.File, f.Line, f.Rule, f.Field, f.Value)
			}
		}
		t.Errorf("validate: %d items, %d errors; normalize wrote %d", vr.Items, vr.Errors, res.ItemsOut)
	}
	return res
}

func first(c []Change) []Change {
	if len(c) > 3 {
		return c[:3]
	}
	return c
}

func TestNormalizeExamplesIdempotentAndValid(t *testing.T) {
	for _, ex := range exampleInputs {
		t.Run(filepath.Base(ex.file)+"→"+ex.channel+"."+ex.format, func(t *testing.T) {
			src, err := os.ReadFile(ex.file)
			if err != nil {
				t.Fatal(err)
			}
			res := checkIdempotentAndValid(t, ex.file, src, ex.channel, ex.format, ex.opts)
			if res.ItemsOut == 0 {
				t.Errorf("no items out: %+v", res)
			}
		})
	}
}

func TestNormalizeMetaExampleCounts(t *testing.T) {
	src, err := os.ReadFile("../examples/meta_feed.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, rej, _, res := runNormalize(t, "meta_feed.csv", src, NormalizeOptions{Channel: channels["meta"], Currency: "USD"}, FormatCSV)
	if res.ItemsIn != 14 || res.ItemsOut != 9 || res.ItemsRejected != 5 {
		t.Errorf("in/out/rejected = %d/%d/%d, want 14/9/5", res.ItemsIn, res.ItemsOut, res.ItemsRejected)
	}
	for _, want := range []string{"SKU-1002,Slim Chino Trousers - Navy", "id.duplicate", "gtin.check_digit", "dpa_reason"} {
		if !strings.Contains(rej, want) {
			t.Errorf("rejects lack %q:\n%s", want, rej)
		}
	}
}

func TestShopifyGrouping(t *testing.T) {
	src, err := os.ReadFile("../examples/shopify_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	out, _, _, res := runNormalize(t, "shopify_export.csv", src, NormalizeOptions{Channel: channels["meta"], Currency: "USD", BaseURL: "https://shop.example.com"}, FormatCSV)
	if res.Source != SourceShopify || res.ItemsIn != 6 || res.MergedRows != 0 {
		t.Errorf("source %s items_in %d merged %d", res.Source, res.ItemsIn, res.MergedRows)
	}
	for _, want := range []string{
		"HRJ-NV-M,Harbor Rain Jacket,", ",119.00 USD,https://shop.example.com/products/harbor-rain-jacket,", ",89.00 USD,", // compare-at becomes price, price the sale
		",harbor-rain-jacket,", "out of stock", "available for order", "enamel-camp-mug,", ",Navy,L,",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestNormalizeRefusesNothingSilently(t *testing.T) {
	// Without a currency Shopify's bare prices cannot be fixed: the items
	// are rejected with the price rule, not written with a guessed code.
	src, _ := os.ReadFile("../examples/shopify_export.csv")
	_, rej, _, res := runNormalize(t, "s.csv", src, NormalizeOptions{Channel: channels["meta"], BaseURL: "https://shop.example.com"}, FormatCSV)
	if res.ItemsOut != 0 || !strings.Contains(rej, "price.currency_missing") {
		t.Errorf("out %d, rejects:\n%s", res.ItemsOut, rej)
	}
}

// realFeeds are the public sample exports, outside the repository.
func realDir(t *testing.T) string {
	dir := filepath.Join("..", "..", "shared", "data", "real")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/data/real not present")
	}
	return dir
}

func TestNormalizeRealFeeds(t *testing.T) {
	dir := realDir(t)
	shopify, _ := filepath.Glob(filepath.Join(dir, "shopify-product-csvs", "*.csv"))
	type job struct {
		file, channel, format string
		o                     NormalizeOptions
	}
	var jobs []job
	for _, f := range shopify {
		jobs = append(jobs, job{f, "meta", FormatCSV, NormalizeOptions{Currency: "USD", BaseURL: "https://shop.example.com"}})
	}
	jobs = append(jobs, job{filepath.Join(dir, "kirsten-liebieg-meta-csv", "facebook_catalog.csv"), "google", FormatXML, NormalizeOptions{}})
	for _, j := range jobs {
		t.Run(filepath.Base(j.file)+"→"+j.channel, func(t *testing.T) {
			src, err := os.ReadFile(j.file)
			if err != nil {
				t.Skip(err)
			}
			res := checkIdempotentAndValid(t, j.file, src, j.channel, j.format, j.o)
			t.Logf("%s → %s: items_in %d = out %d + rejected %d (merged rows %d, changed %d); fixes %v; rejections %v",
				filepath.Base(j.file), j.channel, res.ItemsIn, res.ItemsOut, res.ItemsRejected, res.MergedRows, res.ItemsChanged, res.Fixes, res.Rejections)
		})
	}
}

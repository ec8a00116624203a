package campaign

import (
	"errors"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed"
)

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		name, in  string
		line, col int
		msg, sugg string
	}{
		{"unknown field", `{"prodcut_type":{"eq":"x"}}`, 1, 2, `unknown filter field "prodcut_type"`, `"product_type"`},
		{"feed alias", `{"title":{"eq":"x"}}`, 1, 2, `unknown filter field "title"`, `"name"`},
		{"unknown op", `{"brand":{"equals":"x"}}`, 1, 11, `unknown operator "equals"`, ""},
		{"typo op", `{"brand":{"i_contians":"x"}}`, 1, 11, `unknown operator`, `"i_contains"`},
		{"lt on label", `{"custom_label_0":{"lt":5}}`, 1, 20, "custom labels are strings", "is_any"},
		{"lt on text", `{"brand":{"gt":5}}`, 1, 11, "needs a numeric field", ""},
		{"price string", `{"price_amount":{"lt":"100 USD"}}`, 1, 23, "offset units", "10000 means 100.00"},
		{"price fraction", `{"price_amount":{"lt":99.5}}`, 1, 23, "whole offset units", ""},
		{"is_any scalar", `{"brand":{"is_any":"Acme"}}`, 1, 20, "takes a list", `["Acme"]`},
		{"is_any empty", `{"brand":{"is_any":[]}}`, 1, 20, "at least one value", ""},
		{"starts_with brand", `{"brand":{"starts_with":"A"}}`, 1, 11, "only available on the product category", "i_starts_with"},
		{"two keys", `{"brand":{"eq":"a"},"condition":{"eq":"new"}}`, 1, 21, "exactly one key", `{"and":[...]}`},
		{"two ops", `{"price_amount":{"gt":1,"lt":5}}`, 1, 25, "exactly one operator", ""},
		{"and not list", `{"and":{"brand":{"eq":"a"}}}`, 1, 8, `"and" takes a list`, ""},
		{"empty or", `{"or":[]}`, 1, 7, "at least one filter", ""},
		{"not object", `["brand"]`, 1, 1, "must be an object", ""},
		{"nested error line", "{\"and\":[\n  {\"brand\":{\"eq\":\"a\"}},\n  {\"colour\":{\"eq\":\"red\"}}\n]}", 3, 4, `unknown filter field "colour"`, ""},
		{"syntax", `{"brand":{"eq":"a"}`, 1, 20, "unexpected end", ""},
		{"syntax mid", `{"brand":{"eq" "a"}}`, 1, 15, "invalid JSON", ""},
		{"trailing", `{"brand":{"eq":"a"}} x`, 1, 22, "", ""},
		{"duplicate", `{"and":[{"brand":{"eq":"a","eq":"b"}}]}`, 1, 28, "duplicate key", ""},
		{"bool value", `{"brand":{"eq":true}}`, 1, 16, "single value", ""},
		{"empty contains", `{"name":{"i_contains":""}}`, 1, 23, "non-empty", ""},
		{"text op numeric field", `{"price_amount":{"i_contains":"9"}}`, 1, 18, "text operator", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFilter([]byte(tt.in))
			pe, ok := err.(*posError)
			if !ok {
				t.Fatalf("want *PosError, got %T %v", err, err)
			}
			if pe.Line != tt.line || pe.Column != tt.col {
				t.Errorf("position %d:%d, want %d:%d (%v)", pe.Line, pe.Column, tt.line, tt.col, pe)
			}
			if !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("message %q lacks %q", pe.Msg, tt.msg)
			}
			if !strings.Contains(pe.Suggestion, tt.sugg) {
				t.Errorf("suggestion %q lacks %q", pe.Suggestion, tt.sugg)
			}
		})
	}
}

func TestFilterRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"product_type":{"i_contains":"shirt"}}`, ``},
		{` { "and" : [ {"availability":{"eq":"in stock"}}, {"product_type":{"i_contains":"shoes"}}, {"price_amount":{"lt":10000}} ] } `,
			`{"and":[{"availability":{"eq":"in stock"}},{"product_type":{"i_contains":"shoes"}},{"price_amount":{"lt":10000}}]}`},
		{`{"price_amount":{"gte":1e4}}`, `{"price_amount":{"gte":10000}}`},
		{`{"custom_number_0":{"lt":2.50}}`, `{"custom_number_0":{"lt":2.5}}`},
		{`{"retailer_id":{"is_any":["a","b<&>"]}}`, ``},
		{`{"not":[{"brand":{"eq":"Acme"}},{"or":[{"condition":{"neq":"new"}},{"name":{"contains":"red car"}}]}]}`, ``},
		{`{"brand":{"eq":"\u00e9t\u00e9"}}`, `{"brand":{"eq":"été"}}`},
		{`{"brand":{"eq":42}}`, ``},
	}
	for _, tt := range tests {
		f, err := ParseFilter([]byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		got, err := f.JSON()
		if err != nil {
			t.Fatal(err)
		}
		want := tt.want
		if want == "" {
			want = tt.in
		}
		if string(got) != want {
			t.Errorf("JSON(%s) = %s, want %s", tt.in, got, want)
		}
		f2, err := ParseFilter(got)
		if err != nil {
			t.Fatalf("reparse %s: %v", got, err)
		}
		got2, _ := f2.JSON()
		if string(got2) != string(got) {
			t.Errorf("not stable: %s then %s", got, got2)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	shoe := item("id", "SN-1", "title", "Red Trail-Running Shoe", "brand", "Northwind", "availability", "in stock",
		"condition", "new", "price", "89.99 USD", "product_type", "Apparel > Shoes > Running",
		"google_product_category", "Apparel & Accessories > Shoes", "custom_label_0", "bestseller", "custom_number_0", "3.5")
	noBrand := item("id", "X-2", "title", "Plain tee", "price", "bad")
	tests := []struct {
		filter string
		it     *itemCase
		want   bool
	}{
		{`{"brand":{"eq":"Northwind"}}`, shoeC(shoe), true},
		{`{"brand":{"eq":"northwind"}}`, shoeC(shoe), false},
		{`{"brand":{"neq":"Acme"}}`, shoeC(shoe), true},
		{`{"brand":{"neq":"Acme"}}`, shoeC(noBrand), true},
		{`{"brand":{"eq":"Acme"}}`, shoeC(noBrand), false},
		{`{"retailer_id":{"eq":"SN-1"}}`, shoeC(shoe), true},
		{`{"name":{"contains":"Shoe Red"}}`, shoeC(shoe), true},
		{`{"name":{"contains":"Running"}}`, shoeC(shoe), true}, // hyphenated words split
		{`{"name":{"contains":"Run"}}`, shoeC(shoe), false},    // whole words only
		{`{"name":{"contains":"red"}}`, shoeC(shoe), false},    // case-sensitive
		{`{"name":{"not_contains":"Blue"}}`, shoeC(shoe), true},
		{`{"name":{"not_contains":"Shoe"}}`, shoeC(shoe), false},
		{`{"product_type":{"i_contains":"SHOES"}}`, shoeC(shoe), true},
		{`{"product_type":{"i_contains":"hoe"}}`, shoeC(shoe), true}, // substring
		{`{"product_type":{"i_not_contains":"shoes"}}`, shoeC(shoe), false},
		{`{"product_type":{"i_not_contains":"bags"}}`, shoeC(shoe), true},
		{`{"product_type":{"starts_with":"Apparel > Shoes"}}`, shoeC(shoe), true},
		{`{"product_type":{"starts_with":"apparel"}}`, shoeC(shoe), false},
		{`{"google_product_category":{"starts_with":"Apparel &"}}`, shoeC(shoe), true},
		{`{"product_type":{"i_starts_with":"apparel > shoes"}}`, shoeC(shoe), true},
		{`{"name":{"i_starts_with":"blue"}}`, shoeC(shoe), false},
		{`{"price_amount":{"lt":10000}}`, shoeC(shoe), true},
		{`{"price_amount":{"lt":8999}}`, shoeC(shoe), false},
		{`{"price_amount":{"lte":8999}}`, shoeC(shoe), true},
		{`{"price_amount":{"gt":8999}}`, shoeC(shoe), false},
		{`{"price_amount":{"gte":8999}}`, shoeC(shoe), true},
		{`{"price_amount":{"eq":8999}}`, shoeC(shoe), true},
		{`{"price_amount":{"neq":8999}}`, shoeC(shoe), false},
		{`{"price_amount":{"lt":10000}}`, shoeC(noBrand), false}, // unparsable price fails
		{`{"price_amount":{"neq":100}}`, shoeC(noBrand), true},
		{`{"price_amount":{"is_any":[100,8999]}}`, shoeC(shoe), true},
		{`{"price_amount":{"is_not_any":[100,8999]}}`, shoeC(shoe), false},
		{`{"custom_number_0":{"gt":3}}`, shoeC(shoe), true},
		{`{"custom_number_0":{"lte":3}}`, shoeC(shoe), false},
		{`{"custom_label_0":{"is_any":["bestseller","new"]}}`, shoeC(shoe), true},
		{`{"custom_label_0":{"is_not_any":["bestseller"]}}`, shoeC(shoe), false},
		{`{"custom_label_0":{"is_not_any":["bestseller"]}}`, shoeC(noBrand), true},
		{`{"and":[{"brand":{"eq":"Northwind"}},{"price_amount":{"lt":10000}}]}`, shoeC(shoe), true},
		{`{"and":[{"brand":{"eq":"Northwind"}},{"price_amount":{"lt":100}}]}`, shoeC(shoe), false},
		{`{"or":[{"brand":{"eq":"Acme"}},{"price_amount":{"lt":10000}}]}`, shoeC(shoe), true},
		{`{"or":[{"brand":{"eq":"Acme"}},{"price_amount":{"lt":100}}]}`, shoeC(shoe), false},
		{`{"not":[{"brand":{"eq":"Acme"}}]}`, shoeC(shoe), true},
		{`{"not":[{"brand":{"eq":"Acme"}},{"condition":{"eq":"new"}}]}`, shoeC(shoe), false},
		{`{"and":[{"or":[{"brand":{"eq":"Acme"}},{"not":[{"condition":{"eq":"used"}}]}]},{"availability":{"eq":"in stock"}}]}`, shoeC(shoe), true},
	}
	for _, tt := range tests {
		f, err := ParseFilter([]byte(tt.filter))
		if err != nil {
			t.Fatalf("%s: %v", tt.filter, err)
		}
		if got := f.Match(tt.it.it); got != tt.want {
			t.Errorf("%s on %s = %v, want %v", tt.filter, tt.it.it.Get("id"), got, tt.want)
		}
	}
}

type itemCase struct{ it *feed.Item }

func shoeC(it *feed.Item) *itemCase { return &itemCase{it} }

func TestPriceMinorUnitsPerCurrency(t *testing.T) {
	f, _ := ParseFilter([]byte(`{"price_amount":{"lt":1000}}`))
	if !f.Match(item("price", "999 JPY")) { // yen have no minor unit
		t.Error("999 JPY should be < 1000")
	}
	if f.Match(item("price", "10.00 USD")) {
		t.Error("10.00 USD is 1000 cents, not < 1000")
	}
	// Meta's offset for JOD is 100 although ISO 4217 gives it 3 decimals:
	// 9.99 JOD is 999 offset units, 10.000 JOD is 1000.
	if !f.Match(item("price", "9.990 JOD")) {
		t.Error("9.990 JOD is 999 offset units")
	}
	if f.Match(item("price", "10.000 JOD")) {
		t.Error("10.000 JOD is 1000 offset units, not < 1000")
	}
}

// TestPriceFieldIsPriceAmount: Meta's filter field is price_amount; a raw
// filter on "price" is refused with the right name.
func TestPriceFieldIsPriceAmount(t *testing.T) {
	_, err := ParseFilter([]byte(`{"price":{"lt":1000}}`))
	var pe *posError
	if !errors.As(err, &pe) || !strings.Contains(pe.Suggestion, "price_amount") {
		t.Fatalf("price filter: err %v, want a suggestion of price_amount", err)
	}
	for _, tt := range []struct{ in, cur, want string }{
		{"price: {below: 15}", "USD", `{"price_amount":{"lt":1500}}`},
		{"price: {below: 15000}", "HUF", `{"price_amount":{"lt":15000}}`}, // offset 1
		{"price: {below: 15}", "JOD", `{"price_amount":{"lt":1500}}`},     // offset 100, not ISO's 1000
	} {
		f, err := CompileFriendly([]byte(tt.in), tt.cur)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.JSON(); string(got) != tt.want {
			t.Errorf("%s in %s → %s, want %s", tt.in, tt.cur, got, tt.want)
		}
	}
}

func TestCompileFriendly(t *testing.T) {
	tests := []struct{ in, cur, want string }{
		{"availability: in stock", "USD", `{"availability":{"eq":"in stock"}}`},
		{"brand: [Northwind, Fabrikam]", "USD", `{"brand":{"is_any":["Northwind","Fabrikam"]}}`},
		{"title: {contains: Shoe}", "USD", `{"name":{"i_contains":"Shoe"}}`},
		{"id: {not_in: [a, b]}", "USD", `{"retailer_id":{"is_not_any":["a","b"]}}`},
		{"price: {below: 100}", "USD", `{"price_amount":{"lt":10000}}`},
		{"price: {below: 100}", "JPY", `{"price_amount":{"lt":100}}`},
		{"price: {at_least: 19.99, at_most: '50.00 USD'}", "USD", `{"and":[{"price_amount":{"gte":1999}},{"price_amount":{"lte":5000}}]}`},
		{"price: {between: [20, 100]}", "EUR", `{"and":[{"price_amount":{"gte":2000}},{"price_amount":{"lte":10000}}]}`},
		{"price: {above: 5}\nbrand: {is_not: Acme}", "USD", `{"and":[{"price_amount":{"gt":500}},{"brand":{"neq":"Acme"}}]}`},
		{"product_type: {starts_with: apparel}", "USD", `{"product_type":{"i_starts_with":"apparel"}}`},
		{"name: {has_words: red car, lacks_words: carpet}", "USD", `{"and":[{"name":{"contains":"red car"}},{"name":{"not_contains":"carpet"}}]}`},
		{"any:\n  - brand: Acme\n  - custom_label_0: sale\n", "USD", `{"or":[{"brand":{"eq":"Acme"}},{"custom_label_0":{"eq":"sale"}}]}`},
		{"none: [{custom_label_0: clearance}]\navailability: in stock", "USD", `{"and":[{"not":[{"custom_label_0":{"eq":"clearance"}}]},{"availability":{"eq":"in stock"}}]}`},
		{"- brand: A\n- all: [{condition: new}, {custom_number_1: {above: 2}}]", "USD", `{"and":[{"brand":{"eq":"A"}},{"condition":{"eq":"new"}},{"custom_number_1":{"gt":2}}]}`}, // nested and flattened
		{"custom_label_1: 2024", "USD", `{"custom_label_1":{"eq":"2024"}}`},
	}
	for _, tt := range tests {
		f, err := CompileFriendly([]byte(tt.in), tt.cur)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		got, _ := f.JSON()
		if string(got) != tt.want {
			t.Errorf("%q → %s, want %s", tt.in, got, tt.want)
		}
		if _, err := ParseFilter(got); err != nil {
			t.Errorf("compiled %s does not parse: %v", got, err)
		}
	}
}

func TestCompileFriendlyErrors(t *testing.T) {
	tests := []struct {
		in        string
		line, col int
		msg, sugg string
	}{
		{"brnd: Acme", 1, 1, `unknown filter field "brnd"`, `"brand"`},
		{"price: {lt: 100}", 1, 9, "Meta operator", "below"},
		{"price: {belw: 100}", 1, 9, "unknown operator", `"below"`},
		{"price: {below: cheap}", 1, 16, "not a number", ""},
		{"price: {below: 5 EUR}", 1, 16, "not in the campaign currency", ""},
		{"brand: {below: 5}", 1, 9, "needs a numeric field", ""},
		{"custom_label_0: {above: 5}", 1, 18, "custom labels are strings", ""},
		{"and: [{brand: A}]", 1, 1, "Meta grammar", `"all"`},
		{"price: {between: [1]}", 1, 18, "two values", ""},
		{"any: brand", 1, 6, "takes a list", ""},
		{"name: {starts_with: [a]}", 1, 21, "single value", ""},
		{"custom_number_0: ten", 1, 18, "not a number", ""},
		{"- brand: A\n- colour: red", 2, 3, `unknown filter field "colour"`, ""},
	}
	for _, tt := range tests {
		_, err := CompileFriendly([]byte(tt.in), "USD")
		pe, ok := err.(*posError)
		if !ok {
			t.Fatalf("%q: want *PosError, got %T %v", tt.in, err, err)
		}
		if pe.Line != tt.line || pe.Column != tt.col || !strings.Contains(pe.Msg, tt.msg) || !strings.Contains(pe.Suggestion, tt.sugg) {
			t.Errorf("%q: got %d:%d %q (%q), want %d:%d %q (%q)", tt.in, pe.Line, pe.Column, pe.Msg, pe.Suggestion, tt.line, tt.col, tt.msg, tt.sugg)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		`{"product_type":{"i_contains":"shirt"}}`,
		`{"and":[{"availability":{"eq":"in stock"}},{"price_amount":{"lt":10000}}]}`,
		`{"not":[{"retailer_id":{"is_any":["a","b"]}}]}`,
		`{"or":[{"custom_number_0":{"gte":1.5}},{"name":{"contains":"red car"}}]}`,
		`{"brand":{"eq":"\u00e9"}}`, `{"price_amount":{"lt":-0}}`, `[]`, `{`, `{"and":[{}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		flt, err := ParseFilter(data)
		if err != nil {
			if _, ok := err.(*posError); !ok {
				t.Fatalf("error is %T, want *PosError: %v", err, err)
			}
			return
		}
		j, err := flt.JSON()
		if err != nil {
			t.Fatalf("JSON: %v", err)
		}
		flt2, err := ParseFilter(j)
		if err != nil {
			t.Fatalf("canonical %s does not reparse: %v", j, err)
		}
		j2, _ := flt2.JSON()
		if string(j) != string(j2) {
			t.Fatalf("canonical form not stable: %s vs %s", j, j2)
		}
		it := item("id", "1", "title", "Red Shoe", "price", "10.00 USD", "brand", "A")
		if flt.Match(it) != flt2.Match(it) {
			t.Fatalf("round trip changed the meaning of %s", j)
		}
	})
}

func TestFoldHelpers(t *testing.T) {
	for _, tc := range [][2]string{
		{"Apparel > SHOES", "shoes"}, {"abc", ""}, {"", "a"}, {"ÉTÉ Sale", "été"}, {"Straße", "strasse"},
		{"xxSHOex", "shoe"}, {"sho", "shoe"}, {"İstanbul", "i̇stanbul"},
	} {
		s, sub := tc[0], strings.ToLower(tc[1])
		if got, want := containsFold(s, sub), strings.Contains(strings.ToLower(s), sub); got != want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", s, sub, got, want)
		}
		if got, want := hasPrefixFold(s, sub), strings.HasPrefix(strings.ToLower(s), sub); got != want {
			t.Errorf("hasPrefixFold(%q, %q) = %v, want %v", s, sub, got, want)
		}
	}
}

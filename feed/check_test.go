package feed

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// base returns a valid item for the channel as field pairs.
func base(channel string) []Field {
	id := "id"
	if channel == "tiktok" {
		id = "sku_id"
	}
	avail := "in stock"
	if channel == "google" {
		avail = "in_stock"
	}
	b := []Field{
		{id, "SKU-1"}, {"title", "Organic Cotton Tee - Black"},
		{"description", "Soft organic cotton jersey with a relaxed fit and a ribbed neckline."},
		{"availability", avail}, {"condition", "new"}, {"price", "24.00 USD"},
		{"link", "https://shop.example.com/p/tee"}, {"image_link", "https://cdn.example.com/tee.jpg"},
		{"brand", "Northfield"}, {"mpn", "NF-1"}, {"gtin", "4006381333931"},
		{"google_product_category", "Apparel & Accessories > Clothing"},
	}
	if channel == "google" { // Google's apparel attributes for the Clothing category
		b = append(b, Field{"gender", "unisex"}, Field{"age_group", "adult"}, Field{"color", "Black"}, Field{"size", "M"})
	}
	return b
}

func with(fields []Field, kv ...string) []Field {
	out := slices.Clone(fields)
	for i := 0; i < len(kv); i += 2 {
		it := Item{Fields: out}
		if kv[i+1] == "\x00" { // delete
			it.Fields = slices.DeleteFunc(it.Fields, func(f Field) bool { return f.Name == kv[i] })
		} else {
			it.Set(kv[i], kv[i+1])
		}
		out = it.Fields
	}
	return out
}

func checkOne(t *testing.T, channel string, fields []Field) []Finding {
	t.Helper()
	ch, err := LookupChannel(channel)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewValidator(ch, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := v.CheckItem(&Item{File: "f.csv", Index: 1, Line: 2, Fields: fields}, nil, nil)
	return fs
}

func TestCleanItemsHaveNoFindings(t *testing.T) {
	for _, ch := range ChannelNames() {
		if fs := checkOne(t, ch, base(ch)); len(fs) != 0 {
			t.Errorf("%s: clean item has findings: %+v", ch, fs)
		}
	}
}

func TestRules(t *testing.T) {
	tests := []struct {
		name       string
		channel    string
		fields     []Field
		rule       string
		field      string
		severity   Severity
		suggestion string
	}{
		{"missing title", "meta", with(base("meta"), "title", ""), "required.missing", "title", Error, ""},
		{"missing price column", "meta", with(base("meta"), "price", "\x00"), "required.missing", "price", Error, ""},
		{"no identifiers meta", "meta", with(base("meta"), "brand", "", "mpn", "", "gtin", ""), "identifier.missing", "brand|gtin|mpn", Error, ""},
		{"tiktok needs brand", "tiktok", with(base("tiktok"), "brand", ""), "required.missing", "brand", Error, ""},
		{"tiktok id column", "tiktok", with(base("tiktok"), "sku_id", "\x00", "id", "SKU-1"), "header.wrong_name", "sku_id", Warning, "sku_id"},
		{"instock", "meta", with(base("meta"), "availability", "instock"), "enum.invalid", "availability", Error, "in stock"},
		{"backorder on meta", "meta", with(base("meta"), "availability", "backorder"), "enum.invalid", "availability", Error, "available for order"},
		{"space form on google", "google", with(base("google"), "availability", "in stock"), "enum.alternate_spelling", "availability", Info, "in_stock"},
		{"case", "meta", with(base("meta"), "availability", "In Stock"), "enum.case", "availability", Warning, "in stock"},
		{"pinterest folds case", "pinterest", with(base("pinterest"), "availability", "IN STOCK"), "", "", 0, ""},
		{"bad condition", "meta", with(base("meta"), "condition", "brand new"), "enum.invalid", "condition", Error, ""},
		{"google title limit", "google", with(base("google"), "title", strings.Repeat("a", 151)), "length.too_long", "title", Error, ""},
		{"meta title 151 ok-ish", "meta", with(base("meta"), "title", strings.Repeat("a", 151)), "length.over_recommended", "title", Info, ""},
		{"meta title 201", "meta", with(base("meta"), "title", strings.Repeat("a", 201)), "length.too_long", "title", Error, ""},
		{"short description", "meta", with(base("meta"), "description", "Nice tee."), "length.too_short", "description", Warning, ""},
		{"dollar", "meta", with(base("meta"), "price", "$19.99"), "price.currency_missing", "price", Error, "19.99 USD"},
		{"bare number", "meta", with(base("meta"), "price", "19.99"), "price.currency_missing", "price", Error, ""},
		{"pinterest default usd", "pinterest", with(base("pinterest"), "price", "19.99"), "", "", 0, ""},
		{"decimal comma", "meta", with(base("meta"), "price", "19,99 EUR"), "price.decimal_comma", "price", Error, "19.99 EUR"},
		{"thousands", "meta", with(base("meta"), "price", "1,299.00 USD"), "price.thousands_separator", "price", Error, "1299.00 USD"},
		{"european thousands", "meta", with(base("meta"), "price", "1.299,00 EUR"), "price.decimal_comma", "price", Error, "1299.00 EUR"},
		{"currency first", "meta", with(base("meta"), "price", "EUR 19.99"), "price.currency_position", "price", Error, "19.99 EUR"},
		{"snapchat currency first ok", "snapchat", with(base("snapchat"), "price", "USD 199"), "", "", 0, ""},
		{"bad code", "meta", with(base("meta"), "price", "19.99 XYZ"), "price.currency_invalid", "price", Error, ""},
		{"lower code", "meta", with(base("meta"), "price", "19.99 usd"), "price.currency_case", "price", Warning, "19.99 USD"},
		{"not a price", "meta", with(base("meta"), "price", "call us"), "price.invalid", "price", Error, ""},
		{"zero price", "meta", with(base("meta"), "price", "0.00 USD"), "price.not_positive", "price", Error, ""},
		{"snapchat zero ok", "snapchat", with(base("snapchat"), "price", "0.00 USD"), "", "", 0, ""},
		{"google decimals", "google", with(base("google"), "price", "19.999 USD"), "price.too_many_decimals", "price", Warning, ""},
		{"sale not lower", "meta", with(base("meta"), "sale_price", "30.00 USD"), "sale_price.not_lower", "sale_price", Error, ""},
		{"sale equal", "meta", with(base("meta"), "sale_price", "24.00 USD"), "sale_price.not_lower", "sale_price", Error, ""},
		{"sale currency", "meta", with(base("meta"), "sale_price", "20.00 EUR"), "sale_price.currency_mismatch", "sale_price", Error, ""},
		{"sale range syntax", "meta", with(base("meta"), "sale_price_effective_date", "next week"), "sale_price_effective_date.invalid", "sale_price_effective_date", Error, ""},
		{"sale range order", "google", with(base("google"), "sale_price_effective_date", "2026-12-31T00:00-0800/2026-12-01T00:00-0800"), "sale_price_effective_date.order", "sale_price_effective_date", Error, ""},
		{"meta loose range ok", "meta", with(base("meta"), "sale_price_effective_date", "2017-12-01T0:00-23:59/2017-12-31T0:00-23:59"), "", "", 0, ""},
		{"preorder needs date", "google", with(base("google"), "availability", "preorder"), "availability_date.missing", "availability_date", Error, ""},
		{"preorder with date", "google", with(base("google"), "availability", "preorder", "availability_date", "2027-01-15"), "", "", 0, ""},
		{"relative link", "meta", with(base("meta"), "link", "/p/tee"), "url.invalid", "link", Error, ""},
		{"www link", "meta", with(base("meta"), "link", "www.example.com/p/tee"), "url.invalid", "link", Error, "https://www.example.com/p/tee"},
		{"javascript", "meta", with(base("meta"), "link", "javascript:alert(1)"), "url.unsafe_scheme", "link", Error, ""},
		{"space in url", "meta", with(base("meta"), "image_link", "https://cdn.example.com/my tee.jpg"), "url.whitespace", "image_link", Error, "https://cdn.example.com/my%20tee.jpg"},
		{"http", "meta", with(base("meta"), "link", "http://shop.example.com/p/tee"), "url.http", "link", Warning, "https://shop.example.com/p/tee"},
		{"home page", "meta", with(base("meta"), "link", "https://shop.example.com/"), "url.equals_domain", "link", Warning, ""},
		{"non-ascii image google", "google", with(base("google"), "image_link", "https://cdn.example.com/thé.jpg"), "image_link.non_ascii", "image_link", Error, "https://cdn.example.com/th%C3%A9.jpg"},
		{"non-ascii image meta", "meta", with(base("meta"), "image_link", "https://cdn.example.com/thé.jpg"), "image_link.non_ascii", "image_link", Warning, "https://cdn.example.com/th%C3%A9.jpg"},
		{"snapchat gif", "snapchat", with(base("snapchat"), "image_link", "https://cdn.example.com/tee.gif"), "image_link.format", "image_link", Warning, ""},
		{"too many images", "google", with(base("google"), "additional_image_link", strings.TrimSuffix(strings.Repeat("https://c.example.com/a.jpg,", 11), ",")), "additional_image_link.too_many", "additional_image_link", Warning, ""},
		{"gtin check digit", "meta", with(base("meta"), "gtin", "4006381333932"), "gtin.check_digit", "gtin", Error, ""},
		{"gtin length", "meta", with(base("meta"), "gtin", "12345"), "gtin.invalid_length", "gtin", Error, ""},
		{"gtin letters", "meta", with(base("meta"), "gtin", "ABC123"), "gtin.non_numeric", "gtin", Error, ""},
		{"isbn10 suggestion", "meta", with(base("meta"), "gtin", "0-306-40615-2"), "gtin.invalid_length", "gtin", Error, "9780306406157"},
		{"gtin spaces ok", "meta", with(base("meta"), "gtin", "400 6381 33393 1"), "", "", 0, ""},
		{"restricted prefix", "google", with(base("google"), "gtin", "2001234567893"), "gtin.restricted_prefix", "gtin", Error, ""},
		{"restricted upc", "google", with(base("google"), "gtin", "212345678909"), "gtin.restricted_prefix", "gtin", Error, ""},
		{"coupon prefix", "google", with(base("google"), "gtin", "9912345678909"), "gtin.coupon_prefix", "gtin", Error, ""},
		{"prefix fine on meta", "meta", with(base("meta"), "gtin", "2001234567893"), "", "", 0, ""},
		{"identifier incomplete", "google", with(base("google"), "gtin", "", "mpn", ""), "identifier.incomplete", "gtin", Warning, ""},
		{"identifier_exists misuse", "google", with(base("google"), "identifier_exists", "no"), "identifier.exists_false_misuse", "identifier_exists", Warning, ""},
		{"group id chars", "google", with(base("google"), "item_group_id", "TEE 01/BLK"), "item_group_id.invalid_chars", "item_group_id", Warning, ""},
		{"html meta", "meta", with(base("meta"), "description", "<p>Soft organic cotton jersey with a relaxed fit.</p>"), "description.html", "description", Warning, ""},
		{"entity meta", "meta", with(base("meta"), "description", "Soft organic cotton &amp; a relaxed fit and ribbed neck."), "description.html", "description", Warning, ""},
		{"html ok google", "google", with(base("google"), "description", "<p>Soft organic <strong>cotton</strong> jersey with a relaxed fit.</p>"), "", "", 0, ""},
		{"script google", "google", with(base("google"), "description", "Soft organic cotton <script>x()</script> jersey with a relaxed fit."), "description.html_disallowed", "description", Warning, ""},
		{"all caps", "meta", with(base("meta"), "title", "ORGANIC COTTON TEE"), "text.all_caps", "title", Warning, ""},
		{"promo", "meta", with(base("meta"), "title", "Organic Tee - Free Shipping"), "text.promotional", "title", Warning, ""},
		{"promo percent", "meta", with(base("meta"), "title", "Organic Tee 20% off"), "text.promotional", "title", Warning, ""},
		{"not promo: salesman", "meta", with(base("meta"), "title", "Salesman Organic Tee"), "", "", 0, ""},
		{"emoji tiktok", "tiktok", with(base("tiktok"), "title", "Organic Tee 🔥"), "text.emoji", "title", Warning, ""},
		{"control char", "meta", with(base("meta"), "title", "Organic\x07Tee"), "text.control_chars", "title", Warning, ""},
		{"title = description", "meta", with(base("meta"), "description", "Organic Cotton Tee - Black"), "title.equals_description", "description", Warning, ""},
		{"shipping ok", "meta", with(base("meta"), "shipping", "US:CA:Ground:4.95 USD, PH::Air:300 PHP"), "", "", 0, ""},
		{"shipping parts", "meta", with(base("meta"), "shipping", "US:4.95 USD"), "shipping.invalid", "shipping", Error, ""},
		{"shipping price", "google", with(base("google"), "shipping", "US:::4.95"), "shipping.invalid", "shipping", Error, ""},
		{"shipping country", "google", with(base("google"), "shipping", "usa:::4.95 USD"), "shipping.invalid", "shipping", Error, ""},
		{"tax ok", "google", with(base("google"), "tax", "US:CA:8.75:yes"), "", "", 0, ""},
		{"tax rate", "google", with(base("google"), "tax", "US:CA:180:yes"), "tax.invalid", "tax", Error, ""},
		{"category missing", "meta", with(base("meta"), "google_product_category", ""), "category.missing", "google_product_category", Warning, ""},
		{"category shallow", "meta", with(base("meta"), "google_product_category", "Apparel"), "category.shallow", "google_product_category", Warning, ""},
		{"category id ok", "google", with(base("google"), "google_product_category", "1604"), "", "", 0, ""},
		{"pinterest product_type", "pinterest", with(base("pinterest"), "product_type", "Tops,T-Shirts"), "product_type.delimiter", "product_type", Warning, ""},
		{"quantity", "meta", with(base("meta"), "quantity_to_sell_on_facebook", "0"), "availability.zero_quantity", "quantity_to_sell_on_facebook", Warning, ""},
		{"quantity not int", "meta", with(base("meta"), "quantity_to_sell_on_facebook", "lots"), "number.invalid", "quantity_to_sell_on_facebook", Error, ""},
		{"id whitespace", "meta", with(base("meta"), "id", " SKU-1 "), "id.whitespace", "id", Warning, "SKU-1"},
		// Issue 10 item 13: NBSP was caught (unicode.IsSpace), the
		// invisible format characters were not.
		{"id NBSP", "meta", with(base("meta"), "id", "\u00a0SKU-1"), "id.whitespace", "id", Warning, "SKU-1"},
		{"id zero-width space prefix", "meta", with(base("meta"), "id", "\u200bSKU-1"), "id.whitespace", "id", Warning, "SKU-1"},
		{"id BOM prefix", "meta", with(base("meta"), "id", "\ufeffSKU-1"), "id.whitespace", "id", Warning, "SKU-1"},
		{"id zero-width non-joiner inside", "google", with(base("google"), "id", "SKU\u200c-1"), "id.whitespace", "id", Warning, "SKU-1"},
		{"id zero-width joiner suffix", "meta", with(base("meta"), "id", "SKU-1\u200d"), "id.whitespace", "id", Warning, "SKU-1"},
		{"id word joiner and space", "meta", with(base("meta"), "id", "\u2060 SKU-1"), "id.whitespace", "id", Warning, "SKU-1"},
		{"apparel gender for the US", "google", with(base("google"), "gender", "", "shipping", "US::Standard:4.95 USD"), "apparel.attribute_missing", "gender", Error, ""},
		{"apparel size, country unknown", "google", with(base("google"), "size", ""), "apparel.attribute_recommended", "size", Warning, ""},
		{"apparel elsewhere", "google", with(base("google"), "color", "", "shipping", "PH::Air:300 PHP"), "", "", 0, ""},
		{"bags need no size", "google", with(base("google"), "size", "", "google_product_category", "Apparel & Accessories > Handbags, Wallets & Cases"), "", "", 0, ""},
		{"apparel id 187 needs size", "google", with(base("google"), "size", "", "google_product_category", "187"), "apparel.attribute_recommended", "size", Warning, ""},
		{"gtin without brand", "google", with(base("google"), "brand", ""), "gtin.without_brand", "brand", Warning, ""},
		{"tax_ship y", "google", with(base("google"), "tax", "US:CA:8.75:y"), "tax.tax_ship_legacy", "tax", Warning, "US:CA:8.75:yes"},
		{"single sale date", "google", with(base("google"), "sale_price", "20.00 USD", "sale_price_effective_date", "2026-11-27"), "sale_price_effective_date.single_date", "sale_price_effective_date", Warning, ""},
		{"date invalid", "google", with(base("google"), "availability", "backorder", "availability_date", "soon"), "date.invalid", "availability_date", Error, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := checkOne(t, tc.channel, tc.fields)
			if tc.rule == "" {
				if len(fs) != 0 {
					t.Fatalf("want no findings, got %+v", fs)
				}
				return
			}
			for _, f := range fs {
				if f.Rule != tc.rule {
					continue
				}
				if f.Field != tc.field || f.Severity != tc.severity || f.Suggestion != tc.suggestion {
					t.Fatalf("got field=%q sev=%s sugg=%q, want field=%q sev=%s sugg=%q (%s)", f.Field, f.Severity, f.Suggestion, tc.field, tc.severity, tc.suggestion, f.Message)
				}
				if f.File != "f.csv" || f.Item != 1 || f.Line != 2 || f.Message == "" {
					t.Fatalf("position/message missing: %+v", f)
				}
				if _, ok := LookupRule(f.Rule); !ok {
					t.Fatalf("rule %s not in the table", f.Rule)
				}
				return
			}
			t.Fatalf("rule %s not reported; got %v", tc.rule, rulesOf(fs))
		})
	}
}

func rulesOf(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+"("+f.Field+")")
	}
	return out
}

// sliceReader feeds prepared items to Validate.
type sliceReader struct {
	items []*Item
	cols  []string
	err   error
	i     int
}

func (r *sliceReader) Next() (*Item, error) {
	if r.i < len(r.items) {
		r.i++
		return r.items[r.i-1], nil
	}
	if r.err != nil {
		return nil, r.err
	}
	return nil, io.EOF
}
func (r *sliceReader) Format() string         { return "csv" }
func (r *sliceReader) Columns() []string      { return r.cols }
func (r *sliceReader) Diagnostics() []Finding { return nil }
func (r *sliceReader) Close() error           { return nil }

func items(rows ...[]Field) []*Item {
	var out []*Item
	for i, r := range rows {
		out = append(out, &Item{File: "f.csv", Index: i + 1, Line: i + 2, Fields: r})
	}
	return out
}

func TestCrossItemRules(t *testing.T) {
	b := base("meta")
	rows := [][]Field{
		with(b, "id", "A", "gtin", "4006381333931", "item_group_id", "G1", "size", "M", "color", "Black"),
		with(b, "id", "B", "gtin", "4006381333931", "item_group_id", "G1", "size", "L", "color", "Black"),
		with(b, "id", "A", "gtin", "", "item_group_id", "G1", "color", "Black"),              // dup id, missing size
		with(b, "id", "D", "gtin", "", "item_group_id", "G1", "size", "M", "color", "Black"), // duplicate variant of A
		with(b, "id", "E", "gtin", "", "title", "Wool Socks", "size", "S"),
		with(b, "id", "F", "gtin", "", "title", "Wool Socks", "size", "M"), // looks like a variant of E
	}
	ch, _ := LookupChannel("meta")
	v, _ := NewValidator(ch, Overrides{})
	for _, workers := range []int{1, 2, 4} {
		res, err := v.Validate(context.Background(), &sliceReader{items: items(rows...)}, ValidateOptions{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Finding{}
		for _, f := range res.Findings.Collect() {
			got[fmt.Sprintf("%d/%s", f.Item, f.Rule)] = f
		}
		want := []string{"2/gtin.duplicate", "3/id.duplicate", "3/variant.attribute_missing", "4/variant.duplicate", "6/variant.group_missing"}
		for _, k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("workers=%d: missing %s; got %v", workers, k, rulesOf(res.Findings.Collect()))
			}
		}
		if f := got["3/id.duplicate"]; !strings.Contains(f.Message, "line 2") || f.Line != 4 {
			t.Errorf("duplicate id should name the first line: %+v", f)
		}
		if len(res.Findings.Collect()) != len(want) {
			t.Errorf("workers=%d: %d findings, want %d: %v", workers, len(res.Findings.Collect()), len(want), rulesOf(res.Findings.Collect()))
		}
		if res.Items != 6 || res.ValidItems != 5 || res.Errors != 1 {
			t.Errorf("workers=%d: items=%d valid=%d errors=%d", workers, res.Items, res.ValidItems, res.Errors)
		}
	}
}

func TestMissingColumnReportedOnce(t *testing.T) {
	b := with(base("meta"), "price", "\x00", "gtin", "\x00")
	var rows [][]Field
	for i := range 5 {
		rows = append(rows, with(b, "id", fmt.Sprintf("S%d", i)))
	}
	var cols []string
	for _, f := range rows[0] {
		cols = append(cols, f.Name)
	}
	cols = append(cols, "prcie")
	ch, _ := LookupChannel("meta")
	v, _ := NewValidator(ch, Overrides{})
	res, err := v.Validate(context.Background(), &sliceReader{items: items(rows...), cols: cols}, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings.Collect()) != 1 || res.Findings.Collect()[0].Rule != "header.column_missing" || res.Findings.Collect()[0].Value != "prcie" {
		t.Fatalf("want one header.column_missing naming prcie, got %+v", res.Findings.Collect())
	}
	if res.ValidItems != 0 {
		t.Fatalf("items lacking a required column are not valid: %d", res.ValidItems)
	}
}

func TestParseErrorKeepsEarlierItems(t *testing.T) {
	r := &sliceReader{items: items(with(base("meta"), "price", "$5")), err: &ParseError{File: "f.csv", Line: 9, Err: fmt.Errorf("unexpected EOF")}}
	ch, _ := LookupChannel("meta")
	v, _ := NewValidator(ch, Overrides{})
	res, err := v.Validate(context.Background(), r, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || len(res.Findings.Collect()) != 2 || res.Findings.Collect()[0].Rule != "price.currency_missing" || res.Findings.Collect()[1].Rule != "feed.parse_error" || res.Findings.Collect()[1].Line != 9 {
		t.Fatalf("got %+v", res.Findings.Collect())
	}
}

func TestOverrides(t *testing.T) {
	ch, _ := LookupChannel("meta")
	if _, err := NewValidator(ch, Overrides{Disable: []string{"url.htp"}}); err == nil || !strings.Contains(err.Error(), "url.http") {
		t.Fatalf("unknown code must fail with a suggestion, got %v", err)
	}
	v, err := NewValidator(ch, Overrides{Disable: []string{"text."}, Severity: map[string]Severity{"url.http": Error}, Require: []string{"color"}})
	if err != nil {
		t.Fatal(err)
	}
	fs, bad := v.CheckItem(&Item{Fields: with(base("meta"), "title", "ORGANIC TEE FREE SHIPPING", "link", "http://shop.example.com/p/x")}, nil, nil)
	if !bad {
		t.Fatal("url.http raised to error must make the item bad")
	}
	got := rulesOf(fs)
	want := []string{"required.missing(color)", "url.http(link)"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}

func TestRuleTableComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range ruleTable {
		if seen[r.Code] {
			t.Errorf("duplicate rule %s", r.Code)
		}
		seen[r.Code] = true
		if r.Summary == "" || r.Fix == "" || r.Severity == 0 || !strings.Contains(r.Code, ".") {
			t.Errorf("rule %s incomplete", r.Code)
		}
	}
}

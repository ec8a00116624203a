package feed

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePrice(t *testing.T) {
	tests := []struct {
		in, def string
		want    string
		issue   PriceIssue
	}{
		{"19.99 USD", "", "19.99 USD", PriceOK},
		{"19 USD", "", "19.00 USD", PriceOK},
		{"0.5 EUR", "", "0.50 EUR", PriceOK},
		{"$19.99", "", "19.99 USD", PriceCurrencyMissing},
		{"€19,99", "", "19.99 EUR", PriceCurrencyMissing},
		{"19.99", "CAD", "19.99 CAD", PriceCurrencyMissing},
		{"19,99 EUR", "", "19.99 EUR", PriceDecimalComma},
		{"1.299,00 EUR", "", "1299.00 EUR", PriceDecimalComma},
		{"1,299.00 USD", "", "1299.00 USD", PriceThousands},
		{"EUR 19.99", "", "19.99 EUR", PriceCurrencyFirst},
		{"19.99USD", "", "19.99 USD", PriceNoSpace},
		{"19.99 usd", "", "19.99 USD", PriceLowercaseCode},
		{"19.99 ABC", "", "19.99 ABC", PriceCurrencyInvalid},
		{"-5.00 USD", "", "-5.00 USD", PriceOK},
		{"1.2.3 USD", "", "123.00 USD", PriceDecimalComma},
	}
	for _, tc := range tests {
		p, issue := ParsePrice(tc.in, tc.def)
		if issue != tc.issue || p.String() != tc.want {
			t.Errorf("ParsePrice(%q) = %q, %q; want %q, %q", tc.in, p.String(), issue, tc.want, tc.issue)
		}
	}
	for _, bad := range []string{"", "call", "12a USD", "USD", "."} {
		if _, issue := ParsePrice(bad, ""); issue != PriceFormat && issue != PriceEmpty {
			t.Errorf("ParsePrice(%q) issue %q, want format/empty", bad, issue)
		}
	}
	a, _ := ParsePrice("10.5 USD", "")
	b, _ := ParsePrice("10.50 USD", "")
	c, _ := ParsePrice("10.51 USD", "")
	if a.Cmp(b) != 0 || a.Cmp(c) != -1 || c.Cmp(a) != 1 {
		t.Error("Cmp must compare across scales")
	}
}

func TestGTIN(t *testing.T) {
	if gs1CheckDigit("629104150021") != '3' { // GS1's worked example
		t.Fatal("GS1 example check digit should be 3")
	}
	tests := []struct {
		in       string
		prefixes bool
		issue    gtinIssue
	}{
		{"6291041500213", true, gtinOK},
		{"96385074", true, gtinOK},       // GTIN-8
		{"036000291452", true, gtinOK},   // UPC-A
		{"10012345678902", true, gtinOK}, // GTIN-14
		{"6291041500214", true, gtinCheckDigit},
		{"629104150021", true, gtinCheckDigit}, // 12 digits, wrong check
		{"12345", true, gtinLength},
		{"12A45678", true, gtinNonNumeric},
		{"2001234567893", true, gtinRestrictedPrefix},
		{"2001234567893", false, gtinOK},
		{"0412345678903", true, gtinRestrictedPrefix},
		{"0512345678900", true, gtinCouponPrefix},
		{"9812345678902", true, gtinCouponPrefix},
		{"9781234567897", true, gtinOK}, // ISBN-13 is fine
	}
	for _, tc := range tests {
		clean, issue := checkGTIN(tc.in, tc.prefixes)
		if issue == gtinOK || issue == gtinRestrictedPrefix || issue == gtinCouponPrefix {
			if gs1CheckDigit(clean[:len(clean)-1]) != clean[len(clean)-1] {
				t.Fatalf("test data %s has a wrong check digit", tc.in)
			}
		}
		if issue != tc.issue {
			t.Errorf("CheckGTIN(%q, %v) = %q, want %q", tc.in, tc.prefixes, issue, tc.issue)
		}
	}
	if a, ok := upceToUPCA("04252614"); !ok || a != "042100005264" {
		t.Errorf("UPC-E 04252614 → %q %v, want 042100005264", a, ok)
	}
	if _, ok := upceToUPCA("04252615"); ok {
		t.Error("UPC-E with a bad check digit must not convert")
	}
	if g, ok := isbn10ToGTIN("0-306-40615-2"); !ok || g != "9780306406157" {
		t.Errorf("ISBN-10 → %q %v", g, ok)
	}
	if g, ok := isbn10ToGTIN("080442957X"); !ok || g != "9780804429573" {
		t.Errorf("ISBN-10 with X → %q %v", g, ok)
	}
	if _, ok := isbn10ToGTIN("0306406153"); ok {
		t.Error("bad ISBN-10 must not convert")
	}
}

func TestDates(t *testing.T) {
	for _, ok := range []string{"2026-12-24", "2026-12-24T09:00+01:00", "2026-12-24T09:00Z", "2016-02-24T13:00-0800", "2026-12-24T09:00:00Z", "2017-12-01T0:00-23:59"} {
		if _, good := parseFeedDate(ok); !good {
			t.Errorf("ParseFeedDate(%q) failed", ok)
		}
	}
	for _, bad := range []string{"", "24/12/2026", "tomorrow", "2026-13-01"} {
		if _, good := parseFeedDate(bad); good {
			t.Errorf("ParseFeedDate(%q) should fail", bad)
		}
	}
	if _, _, issue := parseDateRange("2016-02-24T13:00-0800/2016-02-29T15:30-0800"); issue != "" {
		t.Errorf("valid range: %q", issue)
	}
	if _, _, issue := parseDateRange("2016-02-29/2016-02-24"); issue != "order" {
		t.Errorf("reversed range: %q", issue)
	}
	if _, _, issue := parseDateRange("2016-02-29"); issue != "format" {
		t.Errorf("single date: %q", issue)
	}
}

func TestSuggestEnum(t *testing.T) {
	meta := channels["meta"].Spec("availability").Enum
	google := channels["google"].Spec("availability").Enum
	tests := []struct {
		in, want string
		enum     []string
		syn      map[string]string
	}{
		{"instock", "in stock", meta, spaceAvailability},
		{"In-Stock", "in stock", meta, spaceAvailability},
		{"backorder", "available for order", meta, spaceAvailability},
		{"in stok", "in stock", meta, spaceAvailability},
		{"in stock", "in_stock", google, underscoreAvailability},
		{"discontinued", "out_of_stock", google, underscoreAvailability},
		{"banana", "", meta, spaceAvailability},
	}
	for _, tc := range tests {
		if got := suggestEnum(tc.in, tc.enum, tc.syn); got != tc.want {
			t.Errorf("SuggestEnum(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParsePrice(f *testing.F) {
	for _, s := range []string{"19.99 USD", "$19.99", "1.299,00 EUR", "EUR 5", "19,99", "-1 USD", "9999999999999999999 USD", "€", "1,2,3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, issue := ParsePrice(s, "USD")
		if issue == PriceOK {
			// A strict price must round-trip through its own rendering.
			q, issue2 := ParsePrice(p.String(), "")
			if issue2 != PriceOK || q.Cmp(p) != 0 || q.Currency != p.Currency {
				t.Fatalf("%q → %q does not round-trip (%q)", s, p.String(), issue2)
			}
		}
		if !utf8.ValidString(p.String()) && utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
	})
}

func FuzzCheckGTIN(f *testing.F) {
	for _, s := range []string{"6291041500213", "036000291452", "2001234567893", "12-34 5", "", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		clean, issue := checkGTIN(s, true)
		if issue == gtinOK && (!allDigits(clean) || gs1CheckDigit(clean[:len(clean)-1]) != clean[len(clean)-1]) {
			t.Fatalf("%q accepted with a bad check digit", s)
		}
		if strings.ContainsAny(clean, " -") {
			t.Fatalf("clean %q still has separators", clean)
		}
		if a, ok := upceToUPCA(s); ok {
			if _, issue := checkGTIN(a, false); issue != gtinOK {
				t.Fatalf("UPC-E %q expanded to invalid %q", s, a)
			}
		}
		if g, ok := isbn10ToGTIN(s); ok {
			if _, issue := checkGTIN(g, false); issue != gtinOK {
				t.Fatalf("ISBN %q converted to invalid %q", s, g)
			}
		}
	})
}

func FuzzDateRange(f *testing.F) {
	for _, s := range []string{"2016-02-24T13:00-0800/2016-02-29T15:30-0800", "2017-12-01T0:00-23:59/2017-12-31T0:00-23:59", "/", "x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start, end, issue := parseDateRange(s)
		if issue == "" && !end.After(start) {
			t.Fatalf("%q accepted with end not after start", s)
		}
	})
}

func FuzzCheckItem(f *testing.F) {
	f.Add("SKU-1", "in stock", "19.99 USD", "https://x.example.com/p", "US:CA:Ground:4.95 USD", "<p>x &amp; y</p>")
	f.Add("", "instock", "$5", "www.x", "::", "ALL CAPS DESCRIPTION HERE")
	ch := channels["google"]
	v, _ := NewValidator(ch, Overrides{})
	f.Fuzz(func(t *testing.T, id, avail, price, link, ship, desc string) {
		it := &Item{File: "f", Index: 1, Line: 1, Fields: []Field{{"id", id}, {"availability", avail}, {"price", price}, {"link", link}, {"shipping", ship}, {"description", desc}, {"title", desc}, {"sale_price", price}}}
		fs, _ := v.CheckItem(it, nil, nil)
		for _, f := range fs {
			if f.Rule == "" || f.Message == "" || f.Line != 1 {
				t.Fatalf("incomplete finding %+v", f)
			}
		}
	})
}

func FuzzShipping(f *testing.F) {
	for _, s := range []string{"US:CA:Ground:4.95 USD", "US:::4.95 USD, PH::Air:300 PHP", "DE::Std:4,95 EUR;FR::Std:5 EUR", ":::", "US:CA:Ground:4.95 USD:1:3:2:5", ""} {
		f.Add(s)
	}
	v, _ := NewValidator(channels["google"], Overrides{})
	f.Fuzz(func(t *testing.T, ship string) {
		base := base("google")
		it := &Item{File: "f", Index: 1, Line: 1, Fields: append(base, Field{"shipping", ship}, Field{"tax", ship})}
		fs, _ := v.CheckItem(it, nil, nil)
		for _, f := range fs {
			if f.Rule == "" || f.Message == "" {
				t.Fatalf("incomplete finding %+v", f)
			}
			if (f.Rule == "shipping.invalid" || f.Rule == "tax.invalid") && !strings.Contains(ship, strings.TrimSuffix(f.Value, "…")) {
				t.Fatalf("finding value %q is not part of the input %q", f.Value, ship)
			}
		}
	})
}

func TestCleanGTIN(t *testing.T) {
	for in, want := range map[string]string{
		"4006381333931":       "4006381333931",
		" 4006381333931\n":    "4006381333931",
		"400-6381 33393\t1\r": "4006381333931",
		"0 ":                  "0",
	} {
		if got := cleanGTIN(in); got != want {
			t.Errorf("CleanGTIN(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzControlChar(f *testing.F) {
	for _, s := range []string{"plain text", "tab\there", "bell\x07", "del\x7f", "ünïcödé\x01", "0123456789abcdef\x1f", "\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r1, ok1 := controlChar(s)
		r2, ok2 := controlByte(s)
		if r1 != r2 || ok1 != ok2 {
			t.Fatalf("controlChar(%q) = %q %v, byte scan %q %v", s, r1, ok1, r2, ok2)
		}
	})
}

func TestPromoFirstWordCoversPhrases(t *testing.T) {
	for _, p := range promoPhrases {
		first, _, _ := strings.Cut(p, " ")
		if !promoFirstWord([]byte(first)) {
			t.Errorf("promoFirstWord misses %q (first word of %q)", first, p)
		}
	}
}

func TestCleanGTINUnicodeSpace(t *testing.T) {
	if got := cleanGTIN("\u00a04006381333931\u2009"); got != "4006381333931" {
		t.Errorf("got %q", got)
	}
}

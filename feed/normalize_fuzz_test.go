package feed

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fixes must be idempotent (a normalized feed normalized again does not
// change) and must not panic on any input. Run one at a time, e.g.
// go test ./feed -run ^$ -fuzz FuzzFixText -fuzztime 60s

func noteNothing(string, string, string) {}

// cleanText is what normalize does to a description or title's text.
func cleanText(ch *Channel, field, v string) string {
	v = collapseSpace(v)
	if hasMarkup(v) {
		if field == "description" && ch.HTMLAllowed != nil {
			return reduceHTMLStable(v, ch.HTMLAllowed)
		}
		return stripHTML(v)
	}
	return v
}

func FuzzFixText(f *testing.F) {
	for _, s := range []string{"", "  Linen   Shirt\t", "<p>Soft <b>linen</b> &amp; cotton</p>", "&amp;lt;b&amp;gt;", "a&nbsp;b",
		"<p class=x>x</p><script>y</script>", "&lt;b&gt;x&lt;/b&gt;", "tab\there\u00a0nbsp", "<!-- c -->x", "<br/>a<br>b", "&#60;p&#62;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, chName := range []string{"meta", "google"} {
			ch := channels[chName]
			for _, field := range []string{"title", "description"} {
				once := cleanText(ch, field, s)
				if twice := cleanText(ch, field, once); twice != once {
					t.Fatalf("%s %s: %q → %q → %q", chName, field, s, once, twice)
				}
			}
		}
	})
}

func FuzzFixPrice(f *testing.F) {
	for _, s := range []string{"$19.99", "19,99 EUR", "EUR 19.99", "1.299,00 EUR", "19.99 usd", "19.99", "€5", "1,299.00 USD", "0.5 JPY", "-3 USD", "1e3 USD"} {
		f.Add(s, "USD")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, v, cur string) {
		p := fixPrice(v, cur)
		if p == "" {
			return
		}
		if _, issue := ParsePrice(p, cur); issue != PriceOK {
			t.Fatalf("fixPrice(%q, %q) = %q, which ParsePrice still flags (%v)", v, cur, p, issue)
		}
		if again := fixPrice(p, cur); again != "" {
			t.Fatalf("fixPrice(%q, %q) = %q, then %q", v, cur, p, again)
		}
	})
}

func FuzzFixEnum(f *testing.F) {
	for _, s := range []string{"instock", "In Stock", "in_stock", "OUT OF STOCK", "preorder", "mens", "Brand New", "y", "pre-owned", "backorder"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, ch := range channels {
			for i := range ch.Fields {
				spec := &ch.Fields[i]
				if spec.Kind != kindEnum {
					continue
				}
				e := fixEnum(ch, spec, v)
				if e == "" {
					continue
				}
				if !slices.Contains(spec.Enum, e) {
					t.Fatalf("%s %s: fixEnum(%q) = %q, not an allowed value", ch.Name, spec.Name, v, e)
				}
				if again := fixEnum(ch, spec, e); again != "" {
					t.Fatalf("%s %s: fixEnum(%q) = %q, then %q", ch.Name, spec.Name, v, e, again)
				}
			}
		}
	})
}

func FuzzFixGTIN(f *testing.F) {
	for _, s := range []string{"0-12345-67890-5", "04252614", "0306406152", "4006381333932", "978 0306 40615 7", "", "abc", "030640615X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		once := fixGTIN(v, noteNothing)
		if twice := fixGTIN(once, noteNothing); twice != once {
			t.Fatalf("%q → %q → %q", v, once, twice)
		}
	})
}

func FuzzFixURL(f *testing.F) {
	for _, s := range []string{"//cdn.example.com/a.jpg", "/p/a1", "http://x.example/a b.jpg", "a.jpg, b.jpg | c.jpg", "https://x.example/a.jpg,,", "p/x?y=1#z", "mailto:x@y"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	base, _ := url.Parse("https://shop.example.com/")
	f.Fuzz(func(t *testing.T, v string, https bool) {
		for _, b := range []*url.URL{nil, base} {
			once := fixURL(v, https, b, noteNothing)
			if twice := fixURL(once, https, b, noteNothing); twice != once {
				t.Fatalf("fixURL base=%v: %q → %q → %q", b, v, once, twice)
			}
			once = fixURLList(v, https, b, noteNothing)
			if twice := fixURLList(once, https, b, noteNothing); twice != once {
				t.Fatalf("fixURLList base=%v: %q → %q → %q", b, v, once, twice)
			}
		}
	})
}

func FuzzTruncateWords(f *testing.F) {
	f.Add("hello wonderful world", 15)
	f.Add("héllo wörld, and more", 7)
	f.Add("a-b-c-d", 3)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1000 {
			return
		}
		once := truncateWords(s, n)
		if utf8.RuneCountInString(once) > n && utf8.ValidString(s) {
			t.Fatalf("truncateWords(%q, %d) = %q: too long", s, n, once)
		}
		if twice := truncateWords(once, n); twice != once {
			t.Fatalf("%q → %q → %q", s, once, twice)
		}
	})
}

// FuzzNormalizeIdempotent runs the whole normalizer on a one-item feed and
// then on its output: the second pass must change and reject nothing.
func FuzzNormalizeIdempotent(f *testing.F) {
	f.Add("Linen Shirt", "<p>Soft <b>linen</b></p>", "instock", "$19.99", "0-12345-67890-5", "//shop.example.com/p/a1", "LINEN SHIRT", "")
	f.Add("  A  ", "&amp;lt;b&amp;gt;", "In Stock", "1.299,00 EUR", "04252614", "/p/a1", "x", "25.00 USD")
	f.Fuzz(func(t *testing.T, title, desc, avail, price, gtin, link, brand, sale string) {
		for _, chName := range []string{"meta", "google"} {
			o := NormalizeOptions{Channel: channels[chName], Currency: "USD", HTTPS: true, FixCase: true, BaseURL: "https://shop.example.com", Workers: 1}
			src := oneItemCSV([]string{"id", "title", "description", "availability", "condition", "price", "sale_price", "link", "image_link", "brand", "gtin"},
				[]string{"A1", title, desc, avail, "new", price, sale, link, "https://cdn.example.com/a1.jpg", brand, gtin})
			out1, res1 := fuzzNormalize(t, src, o)
			if res1 == nil || res1.ItemsOut != 1 {
				continue
			}
			o.Source = SourceFeed
			out2, res2 := fuzzNormalize(t, []byte(out1), o)
			if res2 == nil || res2.ItemsChanged != 0 || res2.ItemsRejected != 0 || out2 != out1 {
				t.Fatalf("%s: second pass changed the feed\nfirst:  %q\nsecond: %q\n%+v", chName, out1, out2, res2)
			}
		}
	})
}

func oneItemCSV(h, row []string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(h)
	w.Write(row)
	w.Flush()
	return b.Bytes()
}

func fuzzNormalize(t *testing.T, src []byte, o NormalizeOptions) (string, *NormalizeResult) {
	r, err := Open(context.Background(), "in.csv", bytes.NewReader(src), ReadOptions{Format: FormatCSV})
	if err != nil {
		return "", nil
	}
	defer r.Close()
	var out bytes.Buffer
	res, err := Normalize(context.Background(), r, o, NormalizeSinks{
		Out: func(cols []string) (ItemWriter, error) {
			return NewWriter(&out, FormatCSV, WriteOptions{Columns: cols})
		},
	})
	if err != nil {
		return "", nil
	}
	return strings.Clone(out.String()), res
}

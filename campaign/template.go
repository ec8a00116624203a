package campaign

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dpa-tools/dpa/feed"
)

// TagInfo describes one template tag dpa accepts.
type TagInfo struct {
	Tag    string // e.g. "product.current_price"
	Field  string // feed column read ("" for computed tags)
	Price  bool   // takes the price modifiers
	Status string // confidence mark from export-formats.md §2.4
}

// tags are the template values Meta documents for catalog ads, and only
// those: "Get Started with Advantage+ Catalog Ads", section "Use data feed
// file data in your template",
// https://developers.facebook.com/documentation/ads-commerce/marketing-api/advantage-catalog-ads/get-started
// lists brand, current_price, description, name, price, retailer_id, url
// and custom_label_0…4. There is no sale_price tag: current_price shows
// the sale price while a sale is on.
var tags = []TagInfo{
	{"product.brand", "brand", false, "C"},
	{"product.current_price", "", true, "C"},
	{"product.custom_label_0", "custom_label_0", false, "C"},
	{"product.custom_label_1", "custom_label_1", false, "C"},
	{"product.custom_label_2", "custom_label_2", false, "C"},
	{"product.custom_label_3", "custom_label_3", false, "C"},
	{"product.custom_label_4", "custom_label_4", false, "C"},
	{"product.description", "description", false, "C"},
	{"product.name", "title", false, "C"},
	{"product.price", "price", true, "C"},
	{"product.retailer_id", "id", false, "C"},
	{"product.url", "link", false, "C"},
}

// Modifiers: Meta writes some after a pipe ({{product.name | titleize}})
// and some after a space ({{product.current_price strip_zeros}}); dpa
// keeps the two forms apart so the text it uploads is the form Meta
// documents.
var (
	pipeModifiers  = []string{"number_format", "titleize", "urlencode"}
	spaceModifiers = []string{"raw", "round", "strip_zeros"}
)

var tagNames = func() []string {
	var out []string
	for _, t := range tags {
		out = append(out, t.Tag)
	}
	return out
}()

func lookupTag(name string) (TagInfo, bool) {
	for _, t := range tags {
		if t.Tag == name {
			return t, true
		}
	}
	return TagInfo{}, false
}

// Template is a parsed creative text.
type Template struct {
	Source string
	parts  []tplPart
}

type tplPart struct {
	lit string
	tag *TagUse
}

// TagUse is one {{…}} occurrence.
type TagUse struct {
	TagInfo
	Space  []string // space modifiers, in order
	Pipes  []string // pipe modifiers, in order
	Column int      // 1-based rune column of "{{" on its line
	Line   int
}

// parseTemplate parses Meta's double-brace template syntax. Errors are
// *posError positioned inside s.
func parseTemplate(s string) (*Template, error) {
	t := &Template{Source: s}
	rest := s
	off := 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				t.parts = append(t.parts, tplPart{lit: rest})
			}
			return t, nil
		}
		if i > 0 {
			t.parts = append(t.parts, tplPart{lit: rest[:i]})
		}
		line, col := textPos(s, off+i)
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return nil, &posError{Line: line, Column: col, Msg: "unclosed template tag: missing \"}}\""}
		}
		body := rest[i+2 : i+2+j]
		use, err := parseTag(body, line, col)
		if err != nil {
			return nil, err
		}
		t.parts = append(t.parts, tplPart{tag: use})
		adv := i + 2 + j + 2
		rest = rest[adv:]
		off += adv
	}
}

func textPos(s string, off int) (int, int) {
	line, start := 1, 0
	for i := 0; i < off && i < len(s); i++ {
		if s[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCountInString(s[start:off]) + 1
}

func parseTag(body string, line, col int) (*TagUse, error) {
	e := func(sug, format string, args ...any) error {
		return &posError{Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Suggestion: sug}
	}
	segs := strings.Split(body, "|")
	head := strings.Fields(segs[0])
	if len(head) == 0 {
		return nil, e("", "empty template tag {{%s}}", body)
	}
	name := head[0]
	info, ok := lookupTag(name)
	if !ok {
		sug := suggest(name, tagNames)
		if a, isAlias := feedTagAliases[strings.TrimPrefix(name, "product.")]; isAlias {
			sug = fmt.Sprintf("did you mean %q?", a)
		} else if !strings.HasPrefix(name, "product.") {
			if _, ok := lookupTag("product." + name); ok {
				sug = fmt.Sprintf("did you mean %q?", "product."+name)
			}
		}
		return nil, e(sug, "unknown template tag {{%s}}", name)
	}
	use := &TagUse{TagInfo: info, Line: line, Column: col}
	for _, m := range head[1:] {
		if !slices.Contains(spaceModifiers, m) {
			if slices.Contains(pipeModifiers, m) {
				return nil, e(fmt.Sprintf("write {{%s | %s}}", name, m), "modifier %q goes after a pipe", m)
			}
			return nil, e(suggest(m, append(append([]string{}, spaceModifiers...), pipeModifiers...)), "unknown modifier %q in {{%s}}", m, body)
		}
		if !info.Price {
			return nil, e("", "modifier %q only applies to price tags (product.price, product.current_price)", m)
		}
		use.Space = append(use.Space, m)
	}
	for _, seg := range segs[1:] {
		f := strings.Fields(seg)
		if len(f) != 1 {
			return nil, e("", "expected one modifier after \"|\" in {{%s}}", body)
		}
		m := f[0]
		if !slices.Contains(pipeModifiers, m) {
			if slices.Contains(spaceModifiers, m) {
				return nil, e(fmt.Sprintf("write {{%s %s}}", name, m), "modifier %q is written after a space, not a pipe", m)
			}
			return nil, e(suggest(m, append(append([]string{}, pipeModifiers...), spaceModifiers...)), "unknown modifier %q in {{%s}}", m, body)
		}
		if m == "number_format" && !info.Price {
			return nil, e("", "number_format only applies to price tags")
		}
		use.Pipes = append(use.Pipes, m)
	}
	return use, nil
}

// feedTagAliases catch the feed's column names used as tags.
var feedTagAliases = map[string]string{
	"title": "product.name", "link": "product.url", "id": "product.retailer_id",
	"sale_price": "product.current_price", // Meta has no sale_price tag; current_price shows the sale price
}

// Uses returns the tag occurrences in source order.
func (t *Template) Uses() []*TagUse {
	var out []*TagUse
	for _, p := range t.parts {
		if p.tag != nil {
			out = append(out, p.tag)
		}
	}
	return out
}

// HasTags reports whether the text depends on the item.
func (t *Template) HasTags() bool { return len(t.Uses()) > 0 }

// Render fills the tags from it. missing lists the tags (deduplicated, in
// first-use order) that had no usable value: an empty field, or a price
// dpa cannot parse. Missing tags render as "".
func (t *Template) Render(it *feed.Item, cf CurrencyFormat) (out string, missing []string) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.tag == nil {
			b.WriteString(p.lit)
			continue
		}
		v, ok := p.tag.value(it, cf)
		if !ok {
			if !slices.Contains(missing, p.tag.Tag) {
				missing = append(missing, p.tag.Tag)
			}
			continue
		}
		b.WriteString(v)
	}
	return b.String(), missing
}

func (u *TagUse) value(it *feed.Item, cf CurrencyFormat) (string, bool) {
	var s string
	if u.Price {
		var m Money
		ok := false
		switch u.Tag {
		case "product.current_price":
			// The sale price wins when present; sale_price_effective_date
			// is not consulted (no clock in domain code).
			if m, ok = parsePrice(it.Get("sale_price")); !ok {
				m, ok = parsePrice(it.Get("price"))
			}
		default:
			m, ok = parsePrice(it.Get(u.Field))
		}
		if !ok {
			return "", false
		}
		raw := slices.Contains(u.Space, "raw")
		if slices.Contains(u.Pipes, "number_format") {
			// number_format: digits grouped, no currency symbol.
			f := cf
			f.Symbols = map[string]string{}
			s = f.Format(Money{Minor: m.Minor, Currency: m.Currency}, false, slices.Contains(u.Space, "strip_zeros"), slices.Contains(u.Space, "round"))
			s = strings.TrimSuffix(s, " "+m.Currency)
		} else {
			s = cf.Format(m, raw, slices.Contains(u.Space, "strip_zeros"), slices.Contains(u.Space, "round"))
		}
	} else {
		s = strings.TrimSpace(it.Get(u.Field))
		if s == "" {
			return "", false
		}
	}
	for _, p := range u.Pipes {
		switch p {
		case "titleize":
			s = titleize(s)
		case "urlencode":
			s = url.QueryEscape(s)
		}
	}
	return s, true
}

// titleize upper-cases the first letter of each word and lower-cases the
// rest, as Rails-style titleize does ("RED wool-coat" → "Red Wool-Coat").
func titleize(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' {
			if start {
				b.WriteRune(unicode.ToTitle(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
			start = false
			continue
		}
		start = true
		b.WriteRune(r)
	}
	return b.String()
}

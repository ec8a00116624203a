package feed

import (
	"html"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fix codes name each transformation normalize applies. They appear in the
// change report and its per-fix summary. Every fix is exact: when a value
// cannot be repaired without guessing, it is left for the validator.
const (
	fixRenamed        = "field.renamed"      // a column under another platform's (or the --map) name
	fixWhitespace     = "whitespace"         // trimmed, inner runs of whitespace collapsed
	fixHTMLStripped   = "html.stripped"      // tags removed, entities decoded (channels without HTML)
	fixHTMLReduced    = "html.reduced"       // tags outside the channel's allowed subset and attributes removed
	fixEnumSpelling   = "enum.spelling"      // a known spelling of an allowed value ("In Stock", "instock")
	fixPriceFormat    = "price.format"       // "$19.99" → "19.99 USD", "1.299,00 EUR" → "1299.00 EUR"
	fixSaleDropped    = "sale_price.dropped" // sale_price not below price
	fixHTTPS          = "url.https"          // http → https (--https)
	fixAbsoluteURL    = "url.absolute"       // relative URL resolved against --base-url
	fixSchemeRelative = "url.scheme"         // "//cdn…" → "https://cdn…"
	fixURLSpace       = "url.space"          // spaces in a URL percent-encoded
	fixGTINCleaned    = "gtin.cleaned"       // spaces and dashes removed
	fixGTINUPCE       = "gtin.upce"          // UPC-E expanded to UPC-A
	fixGTINISBN       = "gtin.isbn10"        // ISBN-10 converted to ISBN-13
	fixTitleCase      = "title.case"         // ALL-CAPS title in title case (--fix-case)
	fixTruncated      = "length.truncated"   // cut at the channel's limit on a word boundary
)

// spaceClass classifies bytes for collapseSpace: 0 ordinary ASCII, 1 the
// space character, 2 other ASCII whitespace, 3 the start or tail of a
// multi-byte rune. A table keeps the scan of long descriptions (most
// values are already clean) to one load and compare per byte.
var spaceClass = func() (t [256]uint8) {
	for _, c := range "\t\n\v\f\r" {
		t[c] = 2
	}
	t[' '] = 1
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = 3
	}
	return t
}()

// collapseSpace trims and turns every run of whitespace into one space.
func collapseSpace(s string) string {
	// Most values are already clean: check without allocating, decoding
	// runes only outside ASCII (titles with dashes and accents).
	prevSpace := true // a space at 0 is leading
	i := 0
	for i < len(s) {
		// Plain ASCII eight bytes at a time: a block is clean unless it has
		// a control or non-ASCII byte (decided one at a time below, before
		// going back to blocks) or a space right after a space (the byte
		// before the block included).
		for i+8 <= len(s) {
			w := load64(s, i)
			if ctlOrHigh(w) != 0 {
				break
			}
			sp := eqMask(w, ' ')
			prev := uint64(0)
			if prevSpace {
				prev = 0x80
			}
			if sp&(sp<<8|prev) != 0 {
				return collapsed(s)
			}
			prevSpace = sp>>56 != 0
			i += 8
		}
		if i == len(s) {
			break
		}
		switch spaceClass[s[i]] {
		case 0:
			prevSpace = false
			i++
		case 1:
			if prevSpace {
				return collapsed(s)
			}
			prevSpace = true
			i++
		case 2:
			return collapsed(s)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return collapsed(s)
			}
			prevSpace = false
			i += n
		}
	}
	if !prevSpace || s == "" {
		return s
	}
	return collapsed(s)
}

// collapsed is collapseSpace's result for a value that needs it.
func collapsed(s string) string { return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ") }

var blockTags = map[string]bool{"p": true, "br": true, "li": true, "div": true, "ul": true, "ol": true, "tr": true, "td": true,
	"th": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "dt": true, "dd": true, "hr": true, "table": true}

// reduceHTML removes tags not in allowed (nil = all tags) and strips
// attributes from the kept ones. Removed block tags leave a space so words
// do not run together.
func reduceHTML(s string, allowed []string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		closing := j < len(s) && s[j] == '/'
		if closing {
			j++
		}
		if j < len(s) && s[j] == '!' { // comment or doctype
			end := strings.Index(s[j:], ">")
			if strings.HasPrefix(s[j:], "!--") {
				if e := strings.Index(s[j:], "-->"); e >= 0 {
					end = e + 2
				}
			}
			if end < 0 {
				b.WriteByte(s[i])
				continue
			}
			i = j + end
			continue
		}
		k := j
		for k < len(s) && (isASCIILetter(s[k]) || k > j && s[k] >= '0' && s[k] <= '9') {
			k++
		}
		end := strings.IndexByte(s[k:], '>')
		if k == j || end < 0 || !(s[k] == '>' || s[k] == ' ' || s[k] == '/' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
			b.WriteByte(s[i])
			continue
		}
		name := strings.ToLower(s[j:k])
		if allowed != nil && slices.Contains(allowed, name) {
			b.WriteByte('<')
			if closing {
				b.WriteByte('/')
			}
			b.WriteString(name)
			if strings.HasSuffix(strings.TrimSpace(s[k:k+end]), "/") {
				b.WriteString("/")
			}
			b.WriteByte('>')
		} else if blockTags[name] {
			b.WriteByte(' ')
		}
		i = k + end
	}
	return b.String()
}

// reduceHTMLStable is reduceHTML with whitespace collapsed, repeated until
// nothing changes: removing a tag can join text into a new one ("<A<A>>").
func reduceHTMLStable(s string, allowed []string) string {
	for range 64 {
		t := collapseSpace(reduceHTML(s, allowed))
		if t == s {
			return t
		}
		s = t
	}
	return s
}

// stripHTML turns markup into plain text: tags removed, entities decoded,
// whitespace collapsed. Decoding can uncover more markup (escaped HTML
// "&lt;b&gt;", double-encoded "&amp;amp;"), so it repeats until nothing
// changes: otherwise normalizing the output again would change it. Every
// round that changes s shortens it; the cap is only a guard.
func stripHTML(s string) string {
	for range 64 {
		t := collapseSpace(html.UnescapeString(reduceHTML(s, nil)))
		if t == s || !hasMarkup(t) {
			return t
		}
		s = t
	}
	return s
}

func hasMarkup(s string) bool {
	// Two IndexByte scans (vectorised) beat ContainsAny's per-byte set test
	// on the long descriptions this sees for every item.
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		return false
	}
	tags, entities, _ := htmlTags(s)
	return len(tags) > 0 || entities
}

// enumSynonyms covers common non-enum spellings for fields other than
// availability (which the channel tables' Synonyms already cover).
var enumSynonyms = map[string]string{
	"women": "female", "woman": "female", "womens": "female", "ladies": "female",
	"men": "male", "man": "male", "mens": "male",
	"adults": "adult", "brand new": "new", "second hand": "used", "secondhand": "used", "pre-owned": "used",
	"refurb": "refurbished", "y": "yes", "n": "no",
}

// fixEnum returns the channel's spelling of v when it is an unambiguous
// variant of an allowed value, or "" when it is not known (edit-distance
// guesses are suggestions in validate, never silent fixes).
func fixEnum(ch *Channel, f *FieldSpec, v string) string {
	if slices.Contains(f.Enum, v) {
		return ""
	}
	lv := strings.ToLower(strings.TrimSpace(v))
	pick := func(s string) string {
		for _, e := range f.Enum {
			if strings.EqualFold(e, s) {
				return e
			}
		}
		return ""
	}
	if e := pick(lv); e != "" {
		return e
	}
	sq := squash(lv)
	if f.Name == "availability" {
		for _, k := range []string{lv, sq, strings.ReplaceAll(lv, "_", " ")} {
			if s, ok := ch.Synonyms[k]; ok {
				if e := pick(s); e != "" {
					return e
				}
			}
		}
	}
	for _, e := range f.Enum {
		if squash(e) == sq {
			return e
		}
	}
	if s, ok := enumSynonyms[lv]; ok {
		return pick(s)
	}
	return ""
}

// fixPrice rewrites a price into the strict "19.99 USD" form when
// ParsePrice found a complete, unambiguous reading.
func fixPrice(v, currency string) string {
	p, issue := ParsePrice(v, currency)
	if issue == PriceOK || issue == PriceFormat || issue == PriceEmpty || !IsCurrency(p.Currency) {
		return ""
	}
	return p.String()
}

// fixURL applies the URL fixes in order and reports each step.
func fixURL(v string, https bool, base *url.URL, note func(rule, old, new string)) string {
	if v == "" {
		return v // resolving "" against --base-url would invent a link
	}
	if strings.HasPrefix(v, "//") {
		n := "https:" + v
		note(fixSchemeRelative, v, n)
		v = n
	}
	if base != nil && !strings.Contains(v, "://") && !strings.Contains(strings.SplitN(v, "/", 2)[0], ":") {
		if ref, err := url.Parse(v); err == nil {
			n := base.ResolveReference(ref).String()
			note(fixAbsoluteURL, v, n)
			v = n
		}
	}
	if strings.Contains(v, " ") && strings.Contains(v, "://") {
		n := strings.ReplaceAll(v, " ", "%20")
		note(fixURLSpace, v, n)
		v = n
	}
	if https && len(v) > 7 && strings.EqualFold(v[:7], "http://") {
		n := "https://" + v[7:]
		note(fixHTTPS, v, n)
		v = n
	}
	return v
}

// fixURLList applies fixURL to each link of a list cell and writes the
// list back comma-separated without blanks ("a.jpg | b.jpg" → "a.jpg,b.jpg").
func fixURLList(v string, https bool, base *url.URL, note func(rule, old, new string)) string {
	if indexEither(v, ',', '|') < 0 {
		return fixURL(v, https, base, note)
	}
	parts := splitList([]string{v})
	// Already in the written form when the parts and single commas make up
	// all of v: then nothing need be joined (nor allocated).
	same := strings.IndexByte(v, '|') < 0
	size := len(parts) - 1
	for k, p := range parts {
		size += len(p)
		if q := fixURL(p, https, base, note); q != p {
			parts[k], same = q, false
		}
	}
	if same && size == len(v) {
		return v
	}
	return strings.Join(parts, ",")
}

// fixGTIN cleans one GTIN value; check-digit errors are never repaired.
func fixGTIN(v string, note func(rule, old, new string)) string {
	clean := cleanGTIN(v)
	if clean != v {
		note(fixGTINCleaned, v, clean)
	}
	if _, issue := checkGTIN(clean, false); issue == gtinOK {
		return clean
	}
	if a, ok := upceToUPCA(clean); ok {
		note(fixGTINUPCE, clean, a)
		return a
	}
	if g, ok := isbn10ToGTIN(clean); ok {
		note(fixGTINISBN, clean, g)
		return g
	}
	return clean
}

// titleCase capitalises each word of an ALL-CAPS title; short words and
// tokens with digits (model numbers, sizes) keep a form people expect.
func titleCase(s string) string {
	words := strings.Split(s, " ")
	small := map[string]bool{"a": true, "an": true, "and": true, "or": true, "of": true, "the": true, "for": true, "with": true, "in": true, "on": true, "to": true}
	for i, w := range words {
		if w == "" || strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			continue
		}
		lw := strings.ToLower(w)
		if i > 0 && small[lw] {
			words[i] = lw
			continue
		}
		r, n := utf8.DecodeRuneInString(lw)
		words[i] = string(unicode.ToUpper(r)) + lw[n:]
	}
	return strings.Join(words, " ")
}

// truncateWords cuts s to at most n runes, on the last space when one is in
// the final fifth, so words are not broken.
func truncateWords(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n { // bytes ≥ runes: the cheap test first

		return s
	}
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	out := s[:cut]
	if sp := strings.LastIndexByte(out, ' '); sp > len(out)*4/5 {
		out = out[:sp]
	}
	return strings.TrimRightFunc(out, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == ';' || r == '-' })
}

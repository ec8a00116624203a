package feed

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// levenshtein is the edit distance between two short strings (rune-wise).
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// squash lower-cases and drops spaces, underscores and dashes so
// "In_Stock", "in-stock" and "instock" compare equal.
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r != ' ' && r != '_' && r != '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// suggestEnum finds the allowed value a near-miss was meant to be: a
// cross-channel synonym, the same letters with other spacing or case, or the
// closest value by edit distance. "" when nothing is close.
func suggestEnum(v string, enum []string, synonyms map[string]string) string {
	lv := strings.ToLower(strings.TrimSpace(v))
	if s, ok := synonyms[lv]; ok && containsFold(enum, s) {
		return s
	}
	sq := squash(lv)
	if s, ok := synonyms[sq]; ok && containsFold(enum, s) {
		return s
	}
	for _, e := range enum {
		if squash(e) == sq {
			return e
		}
	}
	best, bestD := "", 3
	for _, e := range enum {
		if d := levenshtein(lv, strings.ToLower(e)); d < bestD && d < len(e)/2+1 {
			best, bestD = e, d
		}
	}
	return best
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

// isAllCaps is true for text with enough letters and no lower-case letter.
func isAllCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			letters++
		}
	}
	return letters >= 8
}

// htmlTags returns the lower-cased tag names found in s and whether it has
// character entities or tag attributes. A cheap scanner, not a parser: it
// only has to tell markup from prose.
func htmlTags(s string) (tags []string, entities, attrs bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			j := i + 1
			if j < len(s) && s[j] == '/' {
				j++
			}
			k := j
			for k < len(s) && (isASCIILetter(s[k]) || (k > j && s[k] >= '0' && s[k] <= '9')) {
				k++
			}
			if k == j || k >= len(s) {
				continue
			}
			end := strings.IndexByte(s[k:], '>')
			if end < 0 || (s[k] != '>' && s[k] != ' ' && s[k] != '/' && s[k] != '\t' && s[k] != '\n') {
				continue
			}
			if strings.Contains(s[k:k+end], "=") {
				attrs = true
			}
			tags = append(tags, strings.ToLower(s[j:k]))
			i = k + end
		case '&':
			j := i + 1
			if j < len(s) && s[j] == '#' {
				j++
			}
			k := j
			for k < len(s) && k-j < 10 && (isASCIILetter(s[k]) || (s[k] >= '0' && s[k] <= '9')) {
				k++
			}
			if k > j && k < len(s) && s[k] == ';' {
				entities = true
			}
		}
	}
	return tags, entities, attrs
}

// promoPhrases are phrases platforms treat as promotional in titles,
// indexed by their first word so a title is scanned once, word by word.
var promoPhrases = []string{
	"free shipping", "free delivery", "sale", "discount", "best price", "lowest price",
	"cheapest", "buy now", "limited time", "clearance", "wholesale", "high quality", "best seller",
	"bestseller", "deal", "deals", "promo", "coupon",
}

var promoByWord = func() map[string][]string {
	m := map[string][]string{}
	for _, p := range promoPhrases {
		first, _, _ := strings.Cut(p, " ")
		m[first] = append(m[first], p)
	}
	return m
}()

// wordByte[b] is isWordByte of b lower-cased: the words of a title are
// found in the title itself, not in a lower-cased copy.
var wordByte = func() (t [256]bool) {
	for c := range 256 {
		b := byte(c)
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		t[c] = isWordByte(b)
	}
	return t
}()

// hasPrefixASCIIFold reports whether s starts with p, ASCII letters compared
// without case; p is lower-case ASCII.
func hasPrefixASCIIFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for k := range len(p) {
		b := s[k]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		if b != p[k] {
			return false
		}
	}
	return true
}

// promotional returns the first promotional phrase found (whole words,
// ASCII letters without case, in the first 256 bytes), "% off" or "!!!".
// It reads the title in place: only a word of a promotional first word's
// length is lower-cased, into a small array (a lower-cased copy of every
// title was half of this check).
func promotional(title string) string {
	t := title
	if len(t) > 256 {
		t = t[:256]
	}
	if strings.Contains(t, "!!!") {
		return "!!!"
	}
	for i := 0; i < len(t); {
		for i < len(t) && !wordByte[t[i]] {
			i++
		}
		j := i
		for j < len(t) && wordByte[t[j]] {
			j++
		}
		if j == i {
			break
		}
		if n := j - i; n >= 3 && n <= 10 { // the lengths of promoFirstWord's words
			var buf [10]byte
			w := buf[:n]
			for k := range w {
				b := t[i+k]
				if b >= 'A' && b <= 'Z' {
					b += 'a' - 'A'
				}
				w[k] = b
			}
			if promoFirstWord(w) {
				for _, p := range promoByWord[string(w)] {
					end := i + len(p)
					if end <= len(t) && hasPrefixASCIIFold(t[i:], p) && (end == len(t) || !wordByte[t[end]]) {
						return p
					}
				}
			}
		}
		if j < len(t) && t[j] == '%' {
			rest := strings.TrimLeft(t[j+1:], " ")
			if hasPrefixASCIIFold(rest, "off") && (len(rest) == 3 || !wordByte[rest[3]]) {
				return "% off"
			}
		}
		i = j
	}
	return ""
}

// promoFirstWord is a cheap filter before the map lookup: a string switch
// compiles to length and byte comparisons, no hashing, and most title words
// are not the start of a promotional phrase.
func promoFirstWord(w []byte) bool {
	switch string(w) {
	case "free", "sale", "discount", "best", "lowest", "cheapest", "buy", "limited", "clearance",
		"wholesale", "high", "bestseller", "deal", "deals", "promo", "coupon":
		return true
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80
}

func hasEmoji(s string) bool {
	for _, r := range s {
		if r >= 0x1F300 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || r >= 0x1F000 && r <= 0x1F2FF {
			return true
		}
	}
	return false
}

// controlChar returns the first control character other than tab/newline.
// It scans eight bytes at a time (a SWAR test for any byte below 0x20 or
// equal to 0x7f) and looks at single bytes only in words that have one;
// every byte of a multi-byte UTF-8 sequence is >= 0x80, so no control
// character can hide inside one.
// indexEither is strings.IndexAny(s, "ab") for two ASCII bytes a and b.
// IndexAny walks the bytes one by one through a set; two vectorised
// IndexByte scans (the second only up to the first one's hit) cost a
// fraction of that on URLs and lists of values.
func indexEither(s string, a, b byte) int {
	i := strings.IndexByte(s, a)
	if i < 0 {
		return strings.IndexByte(s, b)
	}
	if j := strings.IndexByte(s[:i], b); j >= 0 {
		return j
	}
	return i
}

func controlChar(s string) (rune, bool) {
	i := 0
	// Two words per step: one branch per sixteen bytes on descriptions.
	for ; i+16 <= len(s); i += 16 {
		w, v := load64(s, i), load64(s, i+8)
		if ctl(w)|ctl(v)|hasByte(w, 0x7f)|hasByte(v, 0x7f) != 0 {
			if r, ok := controlByte(s[i : i+16]); ok {
				return r, true
			}
		}
	}
	for ; i+8 <= len(s); i += 8 {
		if w := load64(s, i); ctl(w)|hasByte(w, 0x7f) != 0 {
			if r, ok := controlByte(s[i : i+8]); ok {
				return r, true
			}
		}
	}
	return controlByte(s[i:])
}

func controlByte(s string) (rune, bool) {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' || b == 0x7f {
			return rune(b), true
		}
	}
	return 0, false
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// clip shortens a value for display in a report.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:clipCut(s, n)] + "…"
}

// clipCut is where clip cuts s (len(s) > n): at n, or before the rune n
// falls in.
func clipCut(s string, n int) int {
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return cut
}

// Closest returns the option nearest to s by edit distance, or "" when
// none is within two edits. Used for "did you mean" hints.
func Closest(s string, options []string) string {
	best, bestD := "", 3
	for _, o := range options {
		if d := levenshtein(s, o); d < bestD {
			best, bestD = o, d
		}
	}
	return best
}

// maxValueLen is the longest value (in bytes, before the ellipsis) a
// finding quotes.
const maxValueLen = 200

// invisibleRune reports the format characters that render as nothing and
// are not whitespace to unicode.IsSpace: zero-width space, non-joiner and
// joiner, word joiner, and the BOM (U+FEFF, a zero-width no-break space
// mid-text). In an id they are never meant: a copy from a web page or a
// spreadsheet that slipped one in makes the id differ from the one the
// pixel sends while looking the same (NBSP, which IsSpace knows, was
// already caught by id.whitespace).
func invisibleRune(r rune) bool {
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF:
		return true
	}
	return false
}

// cleanID is an id as a platform would match it: invisible characters
// removed anywhere, then leading and trailing whitespace (NBSP included)
// trimmed. The second result is the first invisible character, or 0.
func cleanID(s string) (string, rune) {
	var first rune
	// All five are three-byte runes starting 0xE2 or 0xEF: most ids are
	// ASCII and skip the decoding.
	if strings.IndexByte(s, 0xE2) >= 0 || strings.IndexByte(s, 0xEF) >= 0 {
		s = strings.Map(func(r rune) rune {
			if invisibleRune(r) {
				if first == 0 {
					first = r
				}
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s), first
}

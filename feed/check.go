package feed

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// Validator checks items against one channel's table plus project overrides.
// CheckItem is safe for concurrent use; cross-item checks live in crossCheck.
type Validator struct {
	ch       *Channel
	sev      map[string]Severity // effective severity per rule code; absent = disabled
	specIdx  map[string]int      // field name → index in ch.Fields
	aliasIdx map[string]int      // alias → index in ch.Fields
	required []bool              // per spec, after overrides
	reqIdx   []int               // the specs with required set, in order
	allIdx   []int               // 0 … len(ch.Fields)-1
	extra    []string            // required fields not in the channel table
	known    [kCount]int         // spec index of well-known fields; -1 absent
}

// NewValidator builds a validator; it fails on unknown rule codes.
func NewValidator(ch *Channel, o Overrides) (*Validator, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	v := &Validator{ch: ch, sev: map[string]Severity{}, specIdx: map[string]int{}, aliasIdx: map[string]int{}}
	for i := range ruleTable {
		r := &ruleTable[i]
		if !r.AppliesTo(ch.Name) {
			continue
		}
		v.sev[r.Code] = r.SeverityFor(ch.Name)
	}
	for code, s := range o.Severity {
		if _, ok := v.sev[code]; ok {
			v.sev[code] = s
		}
	}
	for _, d := range o.Disable {
		for code := range v.sev {
			if code == d || (strings.HasSuffix(d, ".") && strings.HasPrefix(code, d)) {
				delete(v.sev, code)
			}
		}
	}
	for i, name := range knownNames {
		if i == kID {
			name = ch.IDField
		}
		v.known[i] = -1
		for j := range ch.Fields {
			if ch.Fields[j].Name == name {
				v.known[i] = j
			}
		}
	}
	v.required = make([]bool, len(ch.Fields))
	for i, f := range ch.Fields {
		v.specIdx[f.Name] = i
		for _, a := range f.Aliases {
			v.aliasIdx[a] = i
		}
		v.required[i] = f.Required
	}
	for _, name := range o.Require {
		name = CanonicalName(name)
		if i, ok := v.specIdx[name]; ok {
			v.required[i] = true
		} else if !slices.Contains(v.extra, name) {
			v.extra = append(v.extra, name)
		}
	}
	for i, r := range v.required {
		if r {
			v.reqIdx = append(v.reqIdx, i)
		}
		v.allIdx = append(v.allIdx, i)
	}
	return v, nil
}

// itemCtx gathers one item's values by spec index and the findings so far.
type itemCtx struct {
	v     *Validator
	it    *Item
	id    string
	vals  []string   // first non-empty value per spec
	multi [][]string // all values of repeated fields (only filled when repeated)
	names []string   // the source name a value came from (alias detection)
	// aliased: the item's layout has an alias column, so names may
	// differ from the specs'
	aliased bool
	out     []Finding
	hasErr  bool
	// clipped holds the shortened copies of long values (nil: allocate
	// each); see scratch.clipped.
	clipped *[]byte
	// parsed price and sale_price, for the rules comparing them
	price, sale     Price
	priceOK, saleOK bool
}

func (c *itemCtx) add(code, field, value, msg, suggestion string) {
	sev, ok := c.v.sev[code]
	if !ok {
		if _, known := ruleIndex[code]; known {
			return // disabled, or not for this channel
		}
		sev = Error // a reader problem without a table entry is never dropped
	}
	if sev == Error {
		c.hasErr = true
	}
	// ID, Value and Suggestion may point into the item's text, which a
	// validate pipeline slot reuses: Validate's FindingList.add copies
	// them (encoding them) before that, CheckItem clones them.
	c.out = append(c.out, Finding{
		File: c.it.File, Item: c.it.Index, Line: c.it.Line, Column: c.it.Col, ID: c.id,
		Field: field, Rule: code, Severity: sev, Message: msg,
		Value: c.clip(value), Suggestion: suggestion,
	})
}

// clip shortens a finding's value to maxValueLen bytes, into c.clipped
// when the caller gave one: a feed with long descriptions clips a value per
// item, a string allocation each.
func (c *itemCtx) clip(value string) string {
	if len(value) <= maxValueLen || c.clipped == nil {
		return clip(value, maxValueLen)
	}
	cut := clipCut(value, maxValueLen)
	b := *c.clipped
	if need := cut + len("…"); cap(b)-len(b) < need {
		// A new buffer, never a grown one: the values clipped before
		// still point into the old.
		b = make([]byte, 0, max(4096, 2*cap(b), need))
	}
	start := len(b)
	b = append(b, value[:cut]...)
	b = append(b, "…"...)
	*c.clipped = b
	return unsafe.String(&b[start], len(b)-start)
}

// CheckItem runs every per-item rule and appends findings to out. It
// reports whether any finding is an error.
func (v *Validator) CheckItem(it *Item, missingCols map[string]bool, out []Finding) ([]Finding, bool) {
	var s scratch
	n := len(out)
	fs, bad, _ := v.checkItem(&s, it, missingCols, out)
	for i := n; i < len(fs); i++ {
		f := &fs[i]
		f.ID, f.Value, f.Suggestion = strings.Clone(f.ID), strings.Clone(f.Value), strings.Clone(f.Suggestion)
	}
	return fs, bad
}

// scratch holds per-worker buffers so checking an item allocates nothing
// on the clean path, and caches the mapping from the last field layout to
// spec indexes: rows of a CSV share one header, so the map lookups are
// done once per file instead of once per field.
type scratch struct {
	vals, names []string
	layout      []string
	idx         []int32 // spec index per field position; -1 unknown
	alias       []bool
	anyAlias    bool // some field of the layout is an alias
	// specs lists the spec indexes the layout's fields map to, in spec
	// order: only they can hold a value, so the checks and the clearing
	// for the next item visit those (about 20) rather than all of the
	// channel's ~100 specs.
	specs []int
	// clipped, when set, is where the next item's clipped finding values
	// are written (Validate points it at the item's pipeline slot, which
	// is not reused before the ordered stage has copied its findings).
	clipped *[]byte
}

func (s *scratch) mapping(v *Validator, fields []Field) ([]int32, []bool) {
	same := len(fields) == len(s.layout)
	for i := 0; same && i < len(fields); i++ {
		// Rows of a CSV share the header's strings: comparing where they
		// point decides without a call per field; == covers the rest.
		a, b := fields[i].Name, s.layout[i]
		same = len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
	}
	if same {
		return s.idx, s.alias
	}
	s.layout = s.layout[:0]
	s.idx = s.idx[:0]
	s.alias = s.alias[:0]
	s.anyAlias = false
	// The previous layout's values are cleared before the specs change.
	for _, i := range s.specs {
		if i < len(s.vals) {
			s.vals[i], s.names[i] = "", ""
		}
	}
	s.specs = s.specs[:0]
	for _, f := range fields {
		s.layout = append(s.layout, f.Name)
		i, ok := v.specIdx[f.Name]
		isAlias := false
		if !ok {
			i, ok = v.aliasIdx[f.Name]
			isAlias = ok
		}
		if !ok {
			i = -1
		}
		s.idx = append(s.idx, int32(i))
		s.alias = append(s.alias, isAlias)
		s.anyAlias = s.anyAlias || isAlias
		if i >= 0 {
			s.specs = append(s.specs, i)
		}
	}
	slices.Sort(s.specs)
	s.specs = slices.Compact(s.specs)
	return s.idx, s.alias
}

func (v *Validator) checkItem(s *scratch, it *Item, missingCols map[string]bool, out []Finding) ([]Finding, bool, crossKeys) {
	n := len(v.ch.Fields)
	if len(s.vals) != n {
		s.vals, s.names = make([]string, n), make([]string, n)
	}
	idx, alias := s.mapping(v, it.Fields)
	for _, i := range s.specs {
		s.vals[i], s.names[i] = "", ""
	}
	c := itemCtx{v: v, it: it, out: out, vals: s.vals, names: s.names, clipped: s.clipped}
	c.aliased = s.anyAlias
	for k, f := range it.Fields {
		i := int(idx[k])
		if i < 0 {
			continue
		}
		if alias[k] && c.names[i] == v.ch.Fields[i].Name {
			continue // the proper column wins over an alias
		}
		if blank(f.Value) {
			continue
		}
		if c.vals[i] == "" || (c.names[i] != v.ch.Fields[i].Name && f.Name == v.ch.Fields[i].Name) {
			c.vals[i] = f.Value
			c.names[i] = f.Name
		} else if f.Name == c.names[i] {
			if c.multi == nil {
				c.multi = make([][]string, n)
			}
			if c.multi[i] == nil {
				c.multi[i] = []string{c.vals[i]}
			}
			c.multi[i] = append(c.multi[i], f.Value)
		}
	}
	// Not cloned: what outlives the item copies it (see add, crossKeys).
	c.id = strings.TrimSpace(c.k(kID))
	for _, p := range it.Problems {
		c.add(p.Rule, p.Field, p.Value, p.Message, "")
	}
	c.checkPresence(missingCols)
	for _, i := range s.specs { // spec order, as the findings were always added
		if c.vals[i] != "" {
			c.checkField(&v.ch.Fields[i], c.vals[i], i)
		}
	}
	c.checkItemRules()
	return c.out, c.hasErr, c.keys()
}

// Well-known fields, resolved to spec indexes once per validator so the
// per-item rules do not hash field names.
const (
	kID = iota
	kTitle
	kDesc
	kPrice
	kSale
	kAvail
	kAvailDate
	kQty
	kGTIN
	kBrand
	kMPN
	kIdentExists
	kCategory
	kGroup
	kSize // kSize..kPattern follow variantAttrs' order
	kColor
	kGender
	kAgeGroup
	kMaterial
	kPattern
	kCount
)

var knownNames = [kCount]string{"", "title", "description", "price", "sale_price", "availability", "availability_date",
	"quantity_to_sell_on_facebook", "gtin", "brand", "mpn", "identifier_exists", "google_product_category", "item_group_id",
	"size", "color", "gender", "age_group", "material", "pattern"}

// k returns a well-known field's value ("" when the channel lacks it).
func (c *itemCtx) k(i int) string {
	if j := c.v.known[i]; j >= 0 {
		return c.vals[j]
	}
	return ""
}

func (c *itemCtx) get(name string) string {
	if i, ok := c.v.specIdx[name]; ok {
		return c.vals[i]
	}
	return ""
}

func (c *itemCtx) checkPresence(missingCols map[string]bool) {
	// Without an alias column every value came from a field named exactly
	// as its spec (specIdx is exact), so the names need no comparing and
	// only the required specs need visiting: most feeds.
	specs := c.v.reqIdx
	if c.aliased {
		specs = c.v.allIdx
	}
	for _, i := range specs {
		f := &c.v.ch.Fields[i] // not a copy of the 112-byte spec per field and item
		if c.aliased && c.vals[i] != "" && c.names[i] != f.Name {
			c.add("header.wrong_name", f.Name, c.names[i], fmt.Sprintf("field %q is named %q; %s calls it %q", f.Name, c.names[i], c.v.ch.Title, f.Name), f.Name)
		}
		if !c.v.required[i] || c.vals[i] != "" {
			continue
		}
		if missingCols[f.Name] {
			// Reported once for the file; still an error for the item.
			if _, ok := c.v.sev["header.column_missing"]; ok {
				c.hasErr = true
			}
			continue
		}
		c.add("required.missing", f.Name, "", fmt.Sprintf("required field %s is missing or empty", f.Name), "")
	}
	for _, name := range c.v.extra {
		if c.it.Get(name) == "" {
			if missingCols[name] {
				c.hasErr = true
				continue
			}
			c.add("required.missing", name, "", fmt.Sprintf("field %s is required by the project config but missing or empty", name), "")
		}
	}
	for _, group := range c.v.ch.OneOf {
		any := false
		for _, name := range group {
			if c.get(name) != "" {
				any = true
				break
			}
		}
		if !any {
			c.add("identifier.missing", strings.Join(group, "|"), "", fmt.Sprintf("none of %s is set; at least one is required", strings.Join(group, ", ")), "")
		}
	}
}

func (c *itemCtx) checkField(f *FieldSpec, val string, idx int) {
	var values []string
	if c.multi != nil && c.multi[idx] != nil {
		values = c.multi[idx]
	}
	if f.Kind != kindURLList {
		if values == nil {
			c.checkValue(f, val)
		}
		for _, v := range values {
			c.checkValue(f, v)
		}
		return
	}
	// Text feeds put several URLs in one cell separated by , or |; XML
	// repeats the element. Walk the parts without building a slice.
	n := 0
	each := func(v string) {
		for v != "" {
			part := v
			if k := indexEither(v, ',', '|'); k >= 0 {
				part, v = v[:k], v[k+1:]
			} else {
				v = ""
			}
			if part = strings.TrimSpace(part); part != "" {
				n++
				c.checkValue(f, part)
			}
		}
	}
	if values == nil {
		each(val)
	}
	for _, v := range values {
		each(v)
	}
	if f.MaxValues > 0 && n > f.MaxValues {
		c.add("additional_image_link.too_many", f.Name, strconv.Itoa(n), fmt.Sprintf("%d additional images; %s takes at most %d", n, c.v.ch.Title, f.MaxValues), "")
	}
}

func (c *itemCtx) checkValue(f *FieldSpec, val string) {
	if f.MaxLen > 0 || f.SoftLen > 0 || f.MinLen > 0 {
		n := len(val)
		if n > f.MaxLen/4 || n < f.MinLen*4 { // byte length bounds rune length; count runes only when it matters
			n = runeLen(val)
		}
		switch {
		case f.MaxLen > 0 && n > f.MaxLen:
			c.add("length.too_long", f.Name, val, f.Name+" is "+strconv.Itoa(n)+" characters; the limit is "+strconv.Itoa(f.MaxLen), "")
		case f.SoftLen > 0 && n > f.SoftLen:
			c.add("length.over_recommended", f.Name, val, f.Name+" is "+strconv.Itoa(n)+" characters; "+strconv.Itoa(f.SoftLen)+" or fewer are recommended", "")
		}
		if f.MinLen > 0 && n < f.MinLen {
			c.add("length.too_short", f.Name, val, fmt.Sprintf("%s is %d characters; at least %d are recommended", f.Name, n, f.MinLen), "")
		}
	}
	switch f.Kind {
	case kindEnum:
		c.checkEnum(f, val)
	case kindURL, kindImageURL, kindURLList:
		c.checkURL(f, val)
	case kindPrice:
		c.checkPrice(f.Name, val)
	case kindGTIN:
		c.checkGTIN(val)
	case kindDate:
		if _, ok := parseFeedDate(val); !ok {
			c.add("date.invalid", f.Name, val, fmt.Sprintf("%s %q is not an ISO 8601 date", f.Name, val), "")
		}
	case kindDateRange:
		if _, ok := parseFeedDate(val); ok && !strings.Contains(val, "/") {
			// Google wants "start/end"; a value it cannot read is ignored
			// (no minimum requirement), so the sale price shows at once and
			// never ends: a warning, not a rejected item.
			c.add("sale_price_effective_date.single_date", f.Name, val, "a single date; write the sale's start and end as start/end", "")
		} else if _, _, issue := parseDateRange(val); issue == "format" {
			c.add("sale_price_effective_date.invalid", f.Name, val, "not a start/end ISO 8601 range", "")
		} else if issue == "order" {
			c.add("sale_price_effective_date.order", f.Name, val, "the range ends before it starts", "")
		}
	case kindInt:
		if _, err := strconv.Atoi(strings.TrimSpace(val)); err != nil {
			c.add("number.invalid", f.Name, val, fmt.Sprintf("%s %q is not a whole number", f.Name, val), "")
		}
	case kindShipping:
		c.checkShipping(f.Name, val)
	case kindTax:
		c.checkTax(f.Name, val)
	case kindCategory:
		c.checkCategory(f.Name, val)
	case kindGroupID:
		if c.v.ch.Name == "google" && strings.IndexFunc(val, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
		}) >= 0 {
			c.add("item_group_id.invalid_chars", f.Name, val, "item_group_id has characters other than letters, digits, _ and -", "")
		}
	}
	if f.Name == "product_type" && c.v.ch.CategoryDelimiter != "" && !strings.Contains(val, c.v.ch.CategoryDelimiter) &&
		strings.ContainsAny(val, ">,|/") {
		c.add("product_type.delimiter", f.Name, val, "product_type levels must be separated by \" > \"", "")
	}
}

func (c *itemCtx) checkEnum(f *FieldSpec, val string) {
	if slices.Contains(f.Enum, val) {
		return
	}
	for _, e := range f.Enum {
		if strings.EqualFold(e, val) {
			if !c.v.ch.EnumFold {
				c.add("enum.case", f.Name, val, fmt.Sprintf("%s %q should be written %q", f.Name, val, e), e)
			}
			return
		}
	}
	// "in stock" on Google or "in_stock" on Meta: the same words, the other
	// platform's separator. Older specs and many live feeds use it, so it is
	// a warning with the exact spelling, not a rejection.
	alt := strings.ToLower(strings.ReplaceAll(val, "_", " "))
	for _, e := range f.Enum {
		if strings.ReplaceAll(e, "_", " ") == alt {
			c.add("enum.alternate_spelling", f.Name, val, f.Name+" "+strconv.Quote(val)+" is spelled "+strconv.Quote(e)+" on "+c.v.ch.Name, e)
			return
		}
	}
	msg := fmt.Sprintf("%s %q is not allowed on %s (allowed: %s)", f.Name, val, c.v.ch.Name, strings.Join(f.Enum, ", "))
	s := suggestEnum(val, f.Enum, c.v.ch.Synonyms)
	if s != "" {
		msg = fmt.Sprintf("%s %q is not allowed on %s; did you mean %q?", f.Name, val, c.v.ch.Name, s)
	}
	c.add("enum.invalid", f.Name, val, msg, s)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// checkURL is written without net/url on the common path: three URLs per
// item over a million items made url.Parse a tenth of the run.
func (c *itemCtx) checkURL(f *FieldSpec, val string) {
	v := strings.TrimSpace(val)
	space, nonASCII := urlBytes(v)
	if space {
		c.add("url.whitespace", f.Name, val, fmt.Sprintf("%s contains whitespace", f.Name), strings.ReplaceAll(v, " ", "%20"))
		return
	}
	var rest string
	switch {
	case hasPrefixFold(v, "https://"):
		rest = v[len("https://"):]
	case hasPrefixFold(v, "http://"):
		rest = v[len("http://"):]
	default:
		lower := strings.ToLower(v)
		if i := strings.IndexByte(lower, ':'); i > 0 {
			if scheme := lower[:i]; !strings.ContainsAny(scheme, "./") {
				c.add("url.unsafe_scheme", f.Name, val, fmt.Sprintf("%s uses the %q scheme; only http and https are allowed", f.Name, scheme), "")
				return
			}
		}
		sugg := ""
		switch {
		case strings.HasPrefix(lower, "//"):
			sugg = "https:" + v
		case strings.HasPrefix(lower, "www.") || (strings.Contains(strings.SplitN(v, "/", 2)[0], ".") && !strings.HasPrefix(v, "/")):
			sugg = "https://" + v
		}
		c.add("url.invalid", f.Name, val, fmt.Sprintf("%s is not an absolute http(s) URL", f.Name), sugg)
		return
	}
	host, path := rest, ""
	for k := 0; k < len(rest); k++ {
		if c := rest[k]; c == '/' || c == '?' || c == '#' {
			host, path = rest[:k], rest[k:]
			break
		}
	}
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	hostname := host
	if k := strings.LastIndexByte(hostname, ':'); k >= 0 && !strings.Contains(hostname, "]") {
		hostname = hostname[:k]
	}
	if hostname == "" || (!strings.Contains(hostname, ".") && hostname != "localhost") {
		c.add("url.invalid", f.Name, val, fmt.Sprintf("%s has no valid host name", f.Name), "")
		return
	}
	if hasPrefixFold(v, "http://") {
		c.add("url.http", f.Name, val, fmt.Sprintf("%s uses http", f.Name), "https://"+v[len("http://"):])
	}
	if f.Kind == kindImageURL || f.Kind == kindURLList {
		if nonASCII {
			sugg := ""
			if u, err := url.Parse(v); err == nil {
				sugg = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawQuery: u.RawQuery}).String()
			}
			c.add("image_link.non_ascii", f.Name, val, "the image URL has non-ASCII characters", sugg)
		}
		if len(c.v.ch.ImageFormats) > 0 {
			p := path
			if k := indexEither(p, '?', '#'); k >= 0 {
				p = p[:k]
			}
			p = strings.ToLower(p)
			if dot := strings.LastIndexByte(p, '.'); dot >= 0 && !slices.Contains(c.v.ch.ImageFormats, p[dot:]) && len(p)-dot <= 5 {
				c.add("image_link.format", f.Name, val, fmt.Sprintf("%s images must be %s", c.v.ch.Title, strings.Join(c.v.ch.ImageFormats, ", ")), "")
			}
		}
	}
	if f.Name == "link" && (path == "" || path == "/") {
		c.add("url.equals_domain", f.Name, val, "the product link points at the home page", "")
	}
}

// urlBytes reports whether s has a space, tab or newline, and (when it
// has none) whether it has a byte >= 0x80. It tests eight bytes at a time:
// four URLs per item made the byte loop a third of checkURL.
func urlBytes(s string) (space, nonASCII bool) {
	i := 0
	var high uint64
	for ; i+8 <= len(s); i += 8 {
		w := load64(s, i)
		if hasByte(w, ' ')|hasByte(w, '\t')|hasByte(w, '\n') != 0 {
			return true, false
		}
		high |= w & swarHi
	}
	nonASCII = high != 0
	for ; i < len(s); i++ {
		switch b := s[i]; {
		case b == ' ' || b == '\t' || b == '\n':
			return true, false
		case b >= 0x80:
			nonASCII = true
		}
	}
	return false, nonASCII
}

// blank is true for "" and whitespace-only values, which platforms treat
// as missing.
func blank(s string) bool {
	return s == "" || (s[0] <= ' ' || s[len(s)-1] <= ' ') && strings.TrimSpace(s) == ""
}

var priceRule = map[PriceIssue]string{
	PriceEmpty: "price.invalid", PriceFormat: "price.invalid", PriceCurrencyMissing: "price.currency_missing", PriceCurrencyInvalid: "price.currency_invalid",
	PriceCurrencyFirst: "price.currency_position", PriceNoSpace: "price.currency_position", PriceDecimalComma: "price.decimal_comma",
	PriceThousands: "price.thousands_separator", PriceLowercaseCode: "price.currency_case",
}

// checkPrice validates one price field; it returns the parsed price and
// whether it is usable for comparisons.
func (c *itemCtx) checkPrice(field, val string) (p Price, ok bool) {
	defer func() {
		switch field {
		case "price":
			c.price, c.priceOK = p, ok
		case "sale_price":
			c.sale, c.saleOK = p, ok
		}
	}()
	ch := c.v.ch
	p, issue := ParsePrice(val, ch.DefaultCurrency)
	p.Currency = strings.Clone(p.Currency)
	switch {
	case issue == PriceCurrencyMissing && ch.DefaultCurrency != "":
		issue = PriceOK
	case issue == PriceCurrencyFirst && ch.CurrencyFirst:
		issue = PriceOK
	case issue == PriceNoSpace && ch.NoSpaceCurrency:
		issue = PriceOK
	}
	if issue != PriceOK {
		sugg := ""
		if issue != PriceFormat && p.Currency != "" && IsCurrency(p.Currency) {
			sugg = p.String()
		}
		msg := fmt.Sprintf("%s %q: %s", field, val, priceMessage(issue))
		c.add(priceRule[issue], field, val, msg, sugg)
		if issue == PriceFormat {
			return p, false
		}
	}
	if p.Units < 0 || (p.Units == 0 && !ch.ZeroPrice) {
		c.add("price.not_positive", field, val, fmt.Sprintf("%s must be greater than zero", field), "")
	}
	if ch.MaxDecimals > 0 && p.Scale > ch.MaxDecimals {
		c.add("price.too_many_decimals", field, val, fmt.Sprintf("%s has %d decimals; at most %d are allowed", field, p.Scale, ch.MaxDecimals), "")
	}
	return p, p.Currency != ""
}

func priceMessage(i PriceIssue) string {
	switch i {
	case PriceFormat:
		return "not a number with an ISO 4217 currency code, e.g. 19.99 USD"
	case PriceCurrencyMissing:
		return "no ISO 4217 currency code (write 10 USD, not $10)"
	case PriceCurrencyInvalid:
		return "the currency is not an ISO 4217 code"
	case PriceCurrencyFirst, PriceNoSpace:
		return "the currency code must follow the number after a space"
	case PriceDecimalComma:
		return "use . as the decimal separator"
	case PriceThousands:
		return "remove the thousands separator"
	case PriceLowercaseCode:
		return "write the currency code in upper case"
	}
	return string(i)
}

func (c *itemCtx) checkGTIN(val string) {
	// strings.SplitSeq, not Split: Split allocated a slice per item (5% of
	// a clean validate).
	for g := range strings.SplitSeq(val, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		clean, issue := checkGTIN(g, c.v.ch.GTINPrefixes)
		switch issue {
		case gtinNonNumeric:
			sugg := ""
			if isbn, ok := isbn10ToGTIN(clean); ok {
				sugg = isbn
			}
			c.add("gtin.non_numeric", "gtin", g, "the GTIN must be digits only", sugg)
		case gtinLength:
			sugg := ""
			if a, ok := upceToUPCA(clean); ok && len(clean) == 8 {
				sugg = a
			} else if isbn, ok := isbn10ToGTIN(clean); ok {
				sugg = isbn
			}
			c.add("gtin.invalid_length", "gtin", g, fmt.Sprintf("the GTIN has %d digits; it must have 8, 12, 13 or 14", len(clean)), sugg)
		case gtinCheckDigit:
			c.add("gtin.check_digit", "gtin", g, fmt.Sprintf("the check digit should be %c", gs1CheckDigit(clean[:len(clean)-1])), "")
		case gtinRestrictedPrefix:
			c.add("gtin.restricted_prefix", "gtin", g, "the GTIN has a restricted prefix (2, 02 or 04)", "")
		case gtinCouponPrefix:
			c.add("gtin.coupon_prefix", "gtin", g, "the GTIN is in a coupon range (05, 981–984 or 99)", "")
		}
	}
}

// eachGroup calls fn for every shipping/tax group: split on ";" or ","
// but not inside a price with a decimal comma such as "4,95 EUR" (a comma
// followed by a digit). It allocates nothing.
func eachGroup(val string, fn func(g string)) {
	start := 0
	for i := 0; i <= len(val); i++ {
		if i == len(val) || val[i] == ';' || (val[i] == ',' && !(i+1 < len(val) && val[i+1] >= '0' && val[i+1] <= '9')) {
			if g := strings.TrimSpace(val[start:i]); g != "" {
				fn(g)
			}
			start = i + 1
		}
	}
}

func (c *itemCtx) checkShipping(field, val string) {
	eachGroup(val, func(g string) {
		n := strings.Count(g, ":") + 1
		if n < 4 || n > 8 {
			c.add("shipping.invalid", field, g, fmt.Sprintf("shipping %q has %d parts; write COUNTRY:REGION:SERVICE:PRICE", g, n), "")
			return
		}
		country, rest, _ := strings.Cut(g, ":")
		country = strings.TrimSpace(country)
		if len(country) != 2 || country[0] < 'A' || country[0] > 'Z' || country[1] < 'A' || country[1] > 'Z' {
			c.add("shipping.invalid", field, g, fmt.Sprintf("shipping country %q is not an ISO 3166 two-letter code", country), "")
			return
		}
		_, rest, _ = strings.Cut(rest, ":") // region
		_, rest, _ = strings.Cut(rest, ":") // service
		price, _, _ := strings.Cut(rest, ":")
		price = strings.TrimSpace(price)
		if _, issue := ParsePrice(price, ""); issue != PriceOK {
			c.add("shipping.invalid", field, g, fmt.Sprintf("shipping price %q: %s", price, priceMessage(issue)), "")
		}
	})
}

func (c *itemCtx) checkTax(field, val string) {
	eachGroup(val, func(g string) {
		parts := strings.Split(g, ":")
		if len(parts) != 4 {
			c.add("tax.invalid", field, g, "write COUNTRY:REGION:RATE:TAX_SHIP", "")
			return
		}
		rate, err := strconv.ParseFloat(strings.TrimSpace(parts[2]), 64)
		if err != nil || rate < 0 || rate > 100 {
			c.add("tax.invalid", field, g, fmt.Sprintf("tax rate %q is not a number from 0 to 100", parts[2]), "")
			return
		}
		switch ts := strings.ToLower(strings.TrimSpace(parts[3])); {
		case ts == "y" || ts == "n":
			// The legacy one-letter form older feeds still carry; Google's tax
			// page names yes/no, so it is a warning, not a rejection.
			full := map[string]string{"y": "yes", "n": "no"}[ts]
			c.add("tax.tax_ship_legacy", field, g, fmt.Sprintf("tax_ship %q is the legacy spelling of %q", parts[3], full),
				strings.Join(append(parts[:3:3], full), ":"))
		case ts != "" && !slices.Contains(yesNo, ts):
			c.add("tax.invalid", field, g, fmt.Sprintf("tax_ship %q must be yes or no", parts[3]), "")
		}
	})
}

func (c *itemCtx) checkCategory(field, val string) {
	v := strings.TrimSpace(val)
	if allDigits(v) {
		return
	}
	if !strings.Contains(v, ">") {
		c.add("category.shallow", field, val, "the category has one level; use at least two", "")
	}
}

// checkItemRules covers rules that look at several fields at once.
func (c *itemCtx) checkItemRules() {
	ch := c.v.ch
	raw := c.k(kID)
	if raw != "" {
		if clean, inv := cleanID(raw); clean != raw {
			msg := "the id has leading or trailing whitespace"
			if inv != 0 {
				msg = fmt.Sprintf("the id contains invisible character U+%04X", inv)
			}
			c.add("id.whitespace", ch.IDField, raw, msg, clean)
		}
	}
	title, desc := c.k(kTitle), c.k(kDesc)
	if title != "" {
		if isAllCaps(title) {
			c.add("text.all_caps", "title", title, "the title is written in capitals", "")
		}
		if p := promotional(title); p != "" {
			c.add("text.promotional", "title", title, "the title contains promotional text "+strconv.Quote(p), "")
		}
		if ch.NoEmoji && hasEmoji(title) {
			c.add("text.emoji", "title", title, "the title contains emoji", "")
		}
		if r, ok := controlChar(title); ok {
			c.add("text.control_chars", "title", title, fmt.Sprintf("the title contains control character U+%04X", r), "")
		}
	}
	if desc != "" {
		if isAllCaps(desc) {
			c.add("text.all_caps", "description", desc, "the description is written in capitals", "")
		}
		if r, ok := controlChar(desc); ok {
			c.add("text.control_chars", "description", desc, fmt.Sprintf("the description contains control character U+%04X", r), "")
		}
		if strings.IndexByte(desc, '<') >= 0 || strings.IndexByte(desc, '&') >= 0 {
			tags, entities, attrs := htmlTags(desc)
			if ch.HTMLAllowed == nil {
				if len(tags) > 0 || entities {
					c.add("description.html", "description", desc, "the description contains HTML markup; use plain text", "")
				}
			} else {
				var bad []string
				for _, t := range tags {
					if !slices.Contains(ch.HTMLAllowed, t) && !slices.Contains(bad, t) {
						bad = append(bad, t)
					}
				}
				if len(bad) > 0 || attrs {
					msg := "the description uses tag attributes"
					if len(bad) > 0 {
						msg = "the description uses disallowed HTML: <" + strings.Join(bad, ">, <") + ">"
					}
					c.add("description.html_disallowed", "description", desc, msg, "")
				}
			}
		}
		if title != "" && strings.EqualFold(strings.TrimSpace(title), strings.TrimSpace(desc)) {
			c.add("title.equals_description", "description", desc, "the description is the same as the title", "")
		}
	}
	// Prices: sale below price, same currency.
	if c.priceOK && c.saleOK {
		p, s, sv := c.price, c.sale, c.k(kSale)
		{
			if p.Currency != "" && s.Currency != "" && p.Currency != s.Currency {
				c.add("sale_price.currency_mismatch", "sale_price", sv, fmt.Sprintf("sale_price is in %s but price is in %s", s.Currency, p.Currency), "")
			} else if s.Cmp(p) >= 0 {
				c.add("sale_price.not_lower", "sale_price", sv, fmt.Sprintf("sale_price %s is not lower than price %s", s.Amount(), p.Amount()), "")
			}
		}
	}
	av := c.k(kAvail)
	if len(ch.DatedAvailability) > 0 && slices.Contains(ch.DatedAvailability, strings.ToLower(av)) && c.k(kAvailDate) == "" {
		c.add("availability_date.missing", "availability_date", "", fmt.Sprintf("availability %q requires availability_date", av), "")
	}
	if q := c.k(kQty); q != "" && strings.EqualFold(av, "in stock") && strings.TrimSpace(q) == "0" {
		c.add("availability.zero_quantity", "quantity_to_sell_on_facebook", q, "in stock with quantity 0", "")
	}
	if ch.IdentifierExists {
		gtin, brand, mpn := c.k(kGTIN), c.k(kBrand), c.k(kMPN)
		ie := strings.ToLower(c.k(kIdentExists))
		if ie == "no" || ie == "false" {
			if gtin != "" || (brand != "" && mpn != "") {
				c.add("identifier.exists_false_misuse", "identifier_exists", ie, "identifier_exists is no, but the item has identifiers", "")
			}
		} else if gtin == "" && (brand == "" || mpn == "") {
			missing := "brand and mpn"
			if brand != "" {
				missing = "mpn"
			} else if mpn != "" {
				missing = "brand"
			}
			c.add("identifier.incomplete", "gtin", "", fmt.Sprintf("no gtin and no %s", missing), "")
		}
	}
	if ch.IdentifierExists {
		if c.k(kGTIN) != "" && c.k(kBrand) == "" {
			c.add("gtin.without_brand", "brand", "", "the item has a GTIN but no brand", "")
		}
		c.checkApparel()
	}
	if c.v.known[kCategory] >= 0 && c.k(kCategory) == "" {
		c.add("category.missing", "google_product_category", "", "google_product_category is missing", "")
	}
}

// splitList splits list cells ("a.jpg,b.jpg" or "a|b") into trimmed parts.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		if indexEither(v, ',', '|') < 0 {
			out = append(out, v)
			continue
		}
		// A byte loop, not FieldsFunc: the separators are ASCII and this runs
		// for every image list of every item in normalize.
		for len(v) > 0 {
			i := indexEither(v, ',', '|')
			p := v
			if i < 0 {
				v = ""
			} else {
				p, v = v[:i], v[i+1:]
			}
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Google's apparel rules. The attribute pages (gender
// https://support.google.com/merchants/answer/6324479, age_group 6324463,
// color 6324487, size 6324492) require gender, age_group and color for every
// item in Apparel & Accessories (taxonomy id 166) and size for Clothing
// (1604) and Shoes (187), in feeds for Brazil, France, Germany, Japan, the UK
// and the US; elsewhere they are recommended.
var apparelCountries = []string{"BR", "FR", "DE", "JP", "GB", "UK", "US"}

func apparelKind(cat string) (apparel, sized bool) {
	cat = strings.TrimSpace(cat)
	id, _, _ := strings.Cut(cat, " ")
	switch id {
	case "166":
		return true, false
	case "1604", "187":
		return true, true
	}
	if !hasPrefixFold(cat, "Apparel & Accessories") {
		return false, false
	}
	rest := strings.TrimSpace(cat[len("Apparel & Accessories"):])
	rest = strings.TrimSpace(strings.TrimPrefix(rest, ">"))
	return true, hasPrefixFold(rest, "Clothing") || hasPrefixFold(rest, "Shoes")
}

func (c *itemCtx) checkApparel() {
	apparel, sized := apparelKind(c.k(kCategory))
	if !apparel {
		return
	}
	var missing []string
	for _, k := range []int{kGender, kAgeGroup, kColor} {
		if c.v.known[k] >= 0 && c.k(k) == "" {
			missing = append(missing, knownNames[k])
		}
	}
	if sized && c.v.known[kSize] >= 0 && c.k(kSize) == "" {
		missing = append(missing, "size")
	}
	if len(missing) == 0 {
		return
	}
	// The country comes from the item's shipping (COUNTRY:…); without one
	// the feed's target is unknown, so the item is told what Google requires
	// where, as a warning.
	country := ""
	if sh := strings.TrimSpace(c.get("shipping")); sh != "" {
		country, _, _ = strings.Cut(sh, ":")
		country = strings.ToUpper(strings.TrimSpace(country))
	}
	for _, f := range missing {
		switch {
		case country != "" && slices.Contains(apparelCountries, country):
			c.add("apparel.attribute_missing", f, "", fmt.Sprintf("apparel items shipped to %s need %s", country, f), "")
		case country == "":
			c.add("apparel.attribute_recommended", f, "", fmt.Sprintf("apparel items need %s in feeds for Brazil, France, Germany, Japan, the UK and the US", f), "")
		}
	}
}

package campaign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/dpa-tools/dpa/feed"
)

// Filter is a product-set rule in Meta's grammar (export-formats.md §2.2):
// a group {"and"|"or"|"not": [...]} or a condition {"field": {"op": value}}.
// "not" takes a list and holds when none of its members match, as in
// Meta's shared rule evaluator.
type Filter struct {
	Group   string    // "and", "or", "not"; "" for a condition
	Members []*Filter // group members, in source order

	Field    string    // Meta filter field, e.g. "product_type", "price"
	Operator string    // one of Operators
	Values   []Literal // one value, or the list of is_any / is_not_any
	IsList   bool

	Line, Column int // where the node started in its source (0 if built)

	// prepared for evaluation
	fd    *filterField
	fold  []string   // lower-cased values (i_* operators)
	words [][]string // contains / not_contains value words
	nums  []float64  // numeric values (numeric fields)
}

// Literal is one filter value: a string, or a number kept as canonical
// decimal text so it serialises exactly as written.
type Literal struct {
	Text     string
	IsNumber bool
}

// operators are the product-set operators export-formats.md lists (§2.2):
// the confirmed ones and the [U] ones from Meta's shared rule grammar.
var operators = []string{
	"eq", "neq", "contains", "not_contains", "i_contains", "i_not_contains",
	"starts_with", "i_starts_with", "lt", "lte", "gt", "gte", "is_any", "is_not_any",
}

var groupOps = []string{"and", "or", "not"}

type fieldKind int

const (
	fText fieldKind = iota
	fCategory
	fLabel
	fPrice
	fNumber
)

type filterField struct {
	name string
	feed string // feed column it reads
	kind fieldKind
}

// filterFields are the filterable fields: confirmed by example
// (product_type, retailer_id, custom_label_0…4, name) or listed as [U]
// (brand, availability, price, google_product_category, condition,
// custom_number_0…4).
var filterFields = func() []string {
	var out []string
	for _, f := range filterFieldList {
		out = append(out, f.name)
	}
	return out
}()

var filterFieldList = []filterField{
	{"availability", "availability", fText},
	{"brand", "brand", fText},
	{"condition", "condition", fText},
	{"custom_label_0", "custom_label_0", fLabel},
	{"custom_label_1", "custom_label_1", fLabel},
	{"custom_label_2", "custom_label_2", fLabel},
	{"custom_label_3", "custom_label_3", fLabel},
	{"custom_label_4", "custom_label_4", fLabel},
	{"custom_number_0", "custom_number_0", fNumber},
	{"custom_number_1", "custom_number_1", fNumber},
	{"custom_number_2", "custom_number_2", fNumber},
	{"custom_number_3", "custom_number_3", fNumber},
	{"custom_number_4", "custom_number_4", fNumber},
	{"google_product_category", "google_product_category", fCategory},
	{"name", "title", fText},
	// price_amount is the price field of Meta's product-set filters, in
	// the currency's offset units like every money value of the Marketing
	// API (1500 = 15.00 USD): "Get Started with Advantage+ Catalog Ads",
	// https://developers.facebook.com/documentation/ads-commerce/marketing-api/advantage-catalog-ads/get-started
	// filters a catalog with {"price_amount":{"gt":1500}}. There is no
	// field named "price".
	{"price_amount", "price", fPrice},
	{"product_type", "product_type", fCategory},
	{"retailer_id", "id", fText},
}

// feedAliases map feed column names a marketer knows to Meta's field
// names, for suggestions and the friendly form.
var feedAliases = map[string]string{"title": "name", "id": "retailer_id", "price": "price_amount"}

func lookupField(name string) (filterField, bool) {
	for _, f := range filterFieldList {
		if f.name == name {
			return f, true
		}
	}
	return filterField{}, false
}

func fieldSuggestion(name string) string {
	if a, ok := feedAliases[strings.ToLower(name)]; ok {
		return fmt.Sprintf("the feed's %q is %q in product-set filters", name, a)
	}
	return suggest(name, filterFields)
}

// ParseFilter parses a filter from Meta's JSON. Errors are *posError with
// the line and column inside data.
func ParseFilter(data []byte) (*Filter, error) {
	n, err := jsonToRnode(data)
	if err != nil {
		return nil, err
	}
	return parseFilterNode(n)
}

func perr(n *rnode, sug, format string, args ...any) *posError {
	return &posError{Line: n.line, Column: n.col, Msg: fmt.Sprintf(format, args...), Suggestion: sug}
}

func parseFilterNode(n *rnode) (*Filter, error) {
	return parseFilterDepth(n, 0)
}

func parseFilterDepth(n *rnode, depth int) (*Filter, error) {
	if depth > 32 {
		return nil, perr(n, "", "filter nested more than 32 levels")
	}
	if n.kind != rMap {
		return nil, perr(n, "", "a filter must be an object like {\"brand\":{\"eq\":\"Acme\"}}, got %s", describe(n))
	}
	if len(n.keys) != 1 {
		if len(n.keys) == 0 {
			return nil, perr(n, "", "empty filter object")
		}
		return nil, perr(n.keys[1], `wrap several conditions in {"and":[...]}`, "a filter object takes exactly one key, found %d", len(n.keys))
	}
	key, val := n.keys[0], n.items[0]
	if slices.Contains(groupOps, key.str) {
		if val.kind != rList {
			return nil, perr(val, "", "%q takes a list of filters, got %s", key.str, describe(val))
		}
		if len(val.items) == 0 {
			return nil, perr(val, "", "%q needs at least one filter", key.str)
		}
		g := &Filter{Group: key.str, Line: n.line, Column: n.col}
		for _, it := range val.items {
			m, err := parseFilterDepth(it, depth+1)
			if err != nil {
				return nil, err
			}
			g.Members = append(g.Members, m)
		}
		return g, nil
	}
	fd, ok := lookupField(key.str)
	if !ok {
		sug := fieldSuggestion(key.str)
		if sug == "" {
			sug = suggest(key.str, groupOps)
		}
		return nil, perr(key, sug, "unknown filter field %q", key.str)
	}
	if val.kind != rMap || len(val.keys) != 1 {
		if val.kind == rMap && len(val.keys) > 1 {
			return nil, perr(val.keys[1], `combine operators with {"and":[...]}`, "field %q takes exactly one operator, found %d", key.str, len(val.keys))
		}
		return nil, perr(val, "", "field %q takes an operator object like {\"eq\": ...}, got %s", key.str, describe(val))
	}
	op, arg := val.keys[0], val.items[0]
	f := &Filter{Field: fd.name, Operator: op.str, Line: n.line, Column: n.col}
	if err := f.setValue(fd, op, arg); err != nil {
		return nil, err
	}
	f.prepare()
	return f, nil
}

func (f *Filter) setValue(fd filterField, op, arg *rnode) error {
	numeric := fd.kind == fPrice || fd.kind == fNumber
	lit := func(a *rnode) (Literal, error) {
		switch a.kind {
		case rString:
			if numeric {
				if fd.kind == fPrice {
					return Literal{}, perr(a, "10000 means 100.00", "%s compares a number in the currency's offset units (cents for USD), got the string %q", fd.name, a.str)
				}
				return Literal{}, perr(a, "", "%s is a number field; %q is a string", fd.name, a.str)
			}
			return Literal{Text: a.str}, nil
		case rNumber:
			if numeric {
				if fd.kind == fPrice && strings.Contains(a.str, ".") {
					return Literal{}, perr(a, "10000 means 100.00", "price_amount compares whole offset units (cents for USD), got %s", a.str)
				}
				return Literal{Text: a.str, IsNumber: true}, nil
			}
			// "eq": 42 on a text field compares the text "42"; keep the
			// number's spelling so the JSON round-trips.
			return Literal{Text: a.str, IsNumber: true}, nil
		}
		return Literal{}, perr(a, "", "operator %q takes a %s, got %s", op.str, map[bool]string{true: "number", false: "string"}[numeric], describe(a))
	}
	switch op.str {
	case "is_any", "is_not_any":
		if arg.kind != rList {
			return perr(arg, fmt.Sprintf(`write {"%s":[%s]}`, op.str, jsonQuote(arg.scalarText())), "operator %q takes a list, got %s", op.str, describe(arg))
		}
		if len(arg.items) == 0 {
			return perr(arg, "", "operator %q needs at least one value", op.str)
		}
		f.IsList = true
		for _, it := range arg.items {
			l, err := lit(it)
			if err != nil {
				return err
			}
			f.Values = append(f.Values, l)
		}
		return nil
	case "lt", "lte", "gt", "gte":
		if !numeric {
			if fd.kind == fLabel {
				return perr(op, "use is_any / eq on custom labels, or a custom_number_N field", "%q is not available on %s: custom labels are strings (Meta changelog, March 2022)", op.str, fd.name)
			}
			return perr(op, "compare price or custom_number_0…4", "%q needs a numeric field; %s is text", op.str, fd.name)
		}
		if arg.kind != rNumber {
			if fd.kind == fPrice && arg.kind == rString {
				return perr(arg, "10000 means 100.00", "price_amount compares a number in offset units (cents for USD), got the string %q", arg.str)
			}
			return perr(arg, "", "operator %q takes a number, got %s", op.str, describe(arg))
		}
	case "eq", "neq":
	case "contains", "not_contains", "i_contains", "i_not_contains", "starts_with", "i_starts_with":
		if numeric {
			return perr(op, "use eq, lt, lte, gt or gte", "%q is a text operator; %s is numeric", op.str, fd.name)
		}
		if op.str == "starts_with" && fd.kind != fCategory {
			return perr(op, "i_starts_with [U], or i_contains", "starts_with is only available on the product category fields (product_type, google_product_category) per Meta's March 2022 changelog")
		}
	default:
		return perr(op, suggest(op.str, operators), "unknown operator %q (want one of %s)", op.str, oneOf(operators))
	}
	if !arg.isScalar() || arg.kind == rBool {
		return perr(arg, "", "operator %q takes a single value, got %s", op.str, describe(arg))
	}
	l, err := lit(arg)
	if err != nil {
		return err
	}
	if (op.str != "eq" && op.str != "neq") && !numeric && strings.TrimSpace(l.Text) == "" {
		return perr(arg, "", "operator %q needs a non-empty value", op.str)
	}
	f.Values = []Literal{l}
	return nil
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (f *Filter) prepare() {
	f.fold, f.words, f.nums = nil, nil, nil
	if fd, ok := lookupField(f.Field); ok {
		f.fd = &fd
	}
	for _, v := range f.Values {
		f.fold = append(f.fold, strings.ToLower(v.Text))
		f.words = append(f.words, splitWords(v.Text))
		n, _ := strconv.ParseFloat(v.Text, 64)
		f.nums = append(f.nums, n)
	}
}

// splitWords splits on anything that is not a letter or digit, so
// hyphenated words count as separate words, as Meta's whole-word contains
// does since March 2022.
func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// JSON returns the canonical encoding: no whitespace, groups and members in
// source order, numbers in one spelling, no HTML escaping. The same filter
// always gives the same bytes.
func (f *Filter) JSON() ([]byte, error) {
	var b bytes.Buffer
	if err := f.writeJSON(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (f *Filter) writeJSON(b *bytes.Buffer) error {
	if f == nil {
		return fmt.Errorf("nil filter")
	}
	if f.Group != "" {
		if !slices.Contains(groupOps, f.Group) || len(f.Members) == 0 {
			return fmt.Errorf("invalid group %q with %d members", f.Group, len(f.Members))
		}
		b.WriteString(`{"` + f.Group + `":[`)
		for i, m := range f.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := m.writeJSON(b); err != nil {
				return err
			}
		}
		b.WriteString("]}")
		return nil
	}
	if f.Field == "" || !slices.Contains(operators, f.Operator) || len(f.Values) == 0 {
		return fmt.Errorf("invalid condition %q %q", f.Field, f.Operator)
	}
	b.WriteString("{")
	writeJSONString(b, f.Field)
	b.WriteString(`:{"` + f.Operator + `":`)
	if f.IsList {
		b.WriteByte('[')
	}
	for i, v := range f.Values {
		if i > 0 {
			b.WriteByte(',')
		}
		if v.IsNumber {
			b.WriteString(v.Text)
		} else {
			writeJSONString(b, v.Text)
		}
	}
	if f.IsList {
		b.WriteByte(']')
	}
	b.WriteString("}}")
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Truncate(b.Len() - 1)
}

// String is the canonical JSON, for messages and the preview.
func (f *Filter) String() string {
	b, err := f.JSON()
	if err != nil {
		return "<invalid filter: " + err.Error() + ">"
	}
	return string(b)
}

// Match evaluates the filter against an item the way Meta is documented to:
// contains / not_contains match whole words (all of them, any order,
// case-sensitive); i_* operators are case-insensitive substring / prefix /
// equality tests; price compares minor units of the item's price; a
// missing or unparsable value fails every positive test and passes every
// negative one (neq, not_contains, i_not_contains, is_not_any).
func (f *Filter) Match(it *feed.Item) bool {
	if f.Group != "" {
		switch f.Group {
		case "and":
			for _, m := range f.Members {
				if !m.Match(it) {
					return false
				}
			}
			return true
		case "or":
			for _, m := range f.Members {
				if m.Match(it) {
					return true
				}
			}
			return false
		default: // not: none of the members
			for _, m := range f.Members {
				if m.Match(it) {
					return false
				}
			}
			return true
		}
	}
	if f.fd == nil {
		f.prepare()
		if f.fd == nil {
			return false // a hand-built condition on an unknown field
		}
	}
	fd := f.fd
	raw := it.Get(fd.feed)
	if fd.name == "availability" || fd.name == "condition" {
		raw = metaEnum(fd.name, raw)
	}
	if fd.kind == fPrice || fd.kind == fNumber {
		var x float64
		ok := false
		if fd.kind == fPrice {
			if m, pok := parsePrice(raw); pok {
				var units int64
				units, ok = offsetUnits(m)
				x = float64(units)
			}
		} else if v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64); err == nil {
			x, ok = v, true
		}
		return f.matchNumber(x, ok)
	}
	return f.matchText(raw)
}

func (f *Filter) matchNumber(x float64, ok bool) bool {
	switch f.Operator {
	case "neq":
		return !ok || x != f.nums[0]
	case "is_not_any":
		return !ok || !slices.Contains(f.nums, x)
	}
	if !ok {
		return false
	}
	v := f.nums[0]
	switch f.Operator {
	case "eq":
		return x == v
	case "lt":
		return x < v
	case "lte":
		return x <= v
	case "gt":
		return x > v
	case "gte":
		return x >= v
	case "is_any":
		return slices.Contains(f.nums, x)
	}
	return false
}

func (f *Filter) matchText(s string) bool {
	v := f.Values[0].Text
	switch f.Operator {
	case "eq":
		return s == v
	case "neq":
		return s != v
	case "is_any":
		return slices.ContainsFunc(f.Values, func(l Literal) bool { return l.Text == s })
	case "is_not_any":
		return !slices.ContainsFunc(f.Values, func(l Literal) bool { return l.Text == s })
	case "contains":
		return containsWords(s, f.words[0])
	case "not_contains":
		return !containsWords(s, f.words[0])
	case "i_contains":
		return containsFold(s, f.fold[0])
	case "i_not_contains":
		return !containsFold(s, f.fold[0])
	case "starts_with":
		return strings.HasPrefix(s, v)
	case "i_starts_with":
		return hasPrefixFold(s, f.fold[0])
	}
	return false
}

// containsFold is strings.Contains(strings.ToLower(s), lowerSub) without
// allocating for ASCII text, the common case in catalogs.
func containsFold(s, lowerSub string) bool {
	if !isASCII(s) || !isASCII(lowerSub) {
		return strings.Contains(strings.ToLower(s), lowerSub)
	}
	n := len(lowerSub)
	for i := 0; i+n <= len(s); i++ {
		if asciiEqualFold(s[i:i+n], lowerSub) {
			return true
		}
	}
	return n == 0
}

func hasPrefixFold(s, lowerPrefix string) bool {
	if !isASCII(s) || !isASCII(lowerPrefix) {
		return strings.HasPrefix(strings.ToLower(s), lowerPrefix)
	}
	return len(s) >= len(lowerPrefix) && asciiEqualFold(s[:len(lowerPrefix)], lowerPrefix)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiEqualFold compares s with an already lower-cased ASCII string.
func asciiEqualFold(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func containsWords(s string, want []string) bool {
	if len(want) == 0 {
		return false
	}
	have := splitWords(s)
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// Fields returns the distinct fields the filter reads, sorted.
func (f *Filter) Fields() []string {
	var out []string
	var walk func(*Filter)
	walk = func(g *Filter) {
		if g.Group != "" {
			for _, m := range g.Members {
				walk(m)
			}
			return
		}
		out = append(out, g.Field)
	}
	walk(f)
	slices.Sort(out)
	return slices.Compact(out)
}

// metaEnum spells an availability or condition value as Meta's catalog
// does, so a catalog in Google's vocabulary ("in_stock", "backorder")
// matches a filter written in Meta's ("in stock", "available for order"),
// as Meta itself reads such catalogs after normalize's mapping. Unknown
// values stay as they are.
func metaEnum(field, v string) string {
	metaEnumOnce.Do(func() {
		ch, err := feed.LookupChannel("meta")
		if err != nil {
			return
		}
		metaEnumCh = ch
	})
	if metaEnumCh == nil {
		return v
	}
	spec := metaEnumCh.Spec(field)
	if spec == nil || slices.Contains(spec.Enum, v) {
		return v
	}
	lv := strings.ToLower(strings.TrimSpace(v))
	for _, k := range []string{lv, strings.ReplaceAll(lv, "_", " "), strings.ReplaceAll(lv, "_", "")} {
		if s, ok := metaEnumCh.Synonyms[k]; ok {
			lv = s
			break
		}
	}
	for _, e := range spec.Enum {
		if strings.EqualFold(e, lv) || strings.EqualFold(e, strings.ReplaceAll(lv, "_", " ")) {
			return e
		}
	}
	return v
}

var (
	metaEnumOnce sync.Once
	metaEnumCh   *feed.Channel
)

package feed

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// NormalizeOptions configure Normalize.
type NormalizeOptions struct {
	Channel *Channel
	// Source is the input layout: "" or "auto" detects it from the header.
	Source string
	// Map renames source fields (canonical names) to channel fields; it
	// wins over the built-in aliases.
	Map      map[string]string
	Currency string // ISO 4217 code for prices written without one ("$19.99", Shopify's "19.99")
	HTTPS    bool   // rewrite http:// links to https://
	BaseURL  string // resolve relative links and images; builds Shopify/WooCommerce/Magento product links
	FixCase  bool   // title case for ALL-CAPS titles
	// Columns fixes the output columns (in order). Empty: the channel's
	// required fields plus every channel field the source can fill, in the
	// channel's order.
	Columns []string
	// SourceColumns, when set, is the full list of source fields (for XML
	// or JSON input whose later items may carry fields the first lacks).
	SourceColumns []string
	Overrides     Overrides
}

// Change is one modification of one field of one item.
type Change struct {
	Item  int    `json:"item"` // 1-based index of the source record
	Line  int    `json:"line"`
	ID    string `json:"id"`
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
	Rule  string `json:"rule"`
}

// Count is one row of a summary: a code and how often it occurred.
type Count struct {
	Code  string `json:"code"`
	Count int    `json:"count"`
}

// NormalizeResult is the summary of a run. ItemsIn always equals
// ItemsOut + ItemsRejected.
type NormalizeResult struct {
	Source        string   `json:"source"`
	Channel       string   `json:"channel"`
	Columns       []string `json:"columns"`
	MergedRows    int      `json:"merged_rows"` // source rows folded into items (Shopify image rows, variable parents)
	ItemsIn       int      `json:"items_in"`
	ItemsOut      int      `json:"items_out"`
	ItemsRejected int      `json:"items_rejected"`
	ItemsChanged  int      `json:"items_changed"`
	Changes       int      `json:"changes"`
	Fixes         []Count  `json:"fixes"`
	Rejections    []Count  `json:"rejections"`
	Dropped       []string `json:"dropped_columns"` // source columns with no place in the channel's feed
	Complete      bool     `json:"complete"`
	fixes, rejs   map[string]int
}

// NormalizeSinks receive the results. Out is called once, with the output
// columns, before the first item; Rejects lazily, with the input columns
// plus dpa_reason, at the first rejected item (nil: rejects are counted
// only). Change, when set, receives every change in item order.
type NormalizeSinks struct {
	Out     func(cols []string) (ItemWriter, error)
	Rejects func(cols []string) (ItemWriter, error)
	Change  func(Change) error
}

// ReasonField is the column (or XML element) naming why an item was rejected.
const ReasonField = "dpa_reason"

// genericAliases are source names seen in the wild that no channel table
// lists, for fields every channel has.
var genericAliases = map[string]string{
	"product_url": "link", "product_link": "link", "url": "link", "image": "image_link", "image_url": "image_link",
	"main_image": "image_link", "name": "title", "product_name": "title", "sku": "id", "offer_id": "id",
	"retailer_id": "id", "manufacturer": "brand", "ean": "gtin", "upc": "gtin", "barcode": "gtin",
	"product_category": "google_product_category", "stock_status": "availability",
	"additional_image_links": "additional_image_link", "fb_product_category": "",
}

type normalizer struct {
	o        NormalizeOptions
	ch       *Channel
	v        *Validator
	base     *url.URL
	targets  map[string]string // source field → channel field ("" = dropped)
	res      *NormalizeResult
	seen     map[uint64]struct{}
	seed     maphash.Seed
	changes  []Change
	findings []Finding
}

// Normalize maps, fixes and checks every item of r and streams it to the
// output or the rejects. An item is rejected only when the channel's
// validator still finds an error after the fixes, or when its id repeats an
// earlier one. The returned error is a fatal read error (the result covers
// the items before it), a sink error or cancellation.
func Normalize(ctx context.Context, r Reader, o NormalizeOptions, sinks NormalizeSinks) (*NormalizeResult, error) {
	if o.Channel == nil {
		return nil, errors.New("normalize: no channel")
	}
	v, err := NewValidator(o.Channel, o.Overrides)
	if err != nil {
		return nil, err
	}
	n := &normalizer{o: o, ch: o.Channel, v: v, seen: map[uint64]struct{}{}, seed: maphash.MakeSeed(),
		res: &NormalizeResult{Channel: o.Channel.Name, fixes: map[string]int{}, rejs: map[string]int{}}}
	if o.BaseURL != "" {
		b, err := url.Parse(o.BaseURL)
		if err != nil || b.Host == "" {
			return nil, fmt.Errorf("base URL %q is not an absolute URL", o.BaseURL)
		}
		if !strings.HasSuffix(b.Path, "/") {
			b.Path += "/"
		}
		n.base = b
	}
	// Peek the first record so the header is known before choosing the
	// source layout and the output columns.
	first, firstErr := r.Next()
	kind := o.Source
	if kind == "" || kind == "auto" {
		kind = DetectSource(r.Columns())
	}
	n.res.Source = kind
	src := newSource(kind, &peeked{Reader: r, it: first, err: firstErr}, sourceConfig{currency: o.Currency, baseURL: o.BaseURL})
	srcCols := r.Columns()
	if len(o.SourceColumns) > 0 {
		srcCols = o.SourceColumns
	}
	n.targets = n.buildTargets(kind, srcCols)
	cols := o.Columns
	if len(cols) == 0 {
		if f := r.Format(); len(o.SourceColumns) == 0 && (f == FormatXML || f == FormatJSON || f == FormatJSONL) {
			// Later items may carry fields the first lacks: keep a column
			// for every channel field rather than drop data.
			for _, f := range n.ch.Fields {
				cols = append(cols, f.Name)
			}
		} else {
			cols = n.outputColumns()
		}
	}
	n.res.Columns = cols
	out, err := sinks.Out(cols)
	if err != nil {
		return nil, err
	}
	var rej ItemWriter
	var rejCols []string
	var readErr error
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		si, err := src.next()
		if si.it != nil {
			n.res.ItemsIn++
			item := n.fix(si.it)
			reasons := n.check(item)
			if len(reasons) == 0 {
				if err := out.Write(item); err != nil {
					return nil, fmt.Errorf("write output: %w", err)
				}
				n.res.ItemsOut++
			} else {
				n.res.ItemsRejected++
				for _, c := range reasons {
					n.res.rejs[c]++
				}
				if sinks.Rejects != nil {
					if rej == nil {
						rejCols = append(slices.Clone(r.Columns()), ReasonField)
						if rej, err = sinks.Rejects(rejCols); err != nil {
							return nil, err
						}
					}
					raw := si.raw.Clone()
					raw.Fields = append(raw.Fields, Field{Name: ReasonField, Value: strings.Join(reasons, " ")})
					if err := rej.Write(raw); err != nil {
						return nil, fmt.Errorf("write rejects: %w", err)
					}
				}
			}
			if len(n.changes) > 0 {
				n.res.ItemsChanged++
				n.res.Changes += len(n.changes)
				for i := range n.changes {
					n.changes[i].ID = item.Get(n.ch.IDField)
					n.res.fixes[n.changes[i].Rule]++
					if sinks.Change != nil {
						if err := sinks.Change(n.changes[i]); err != nil {
							return nil, fmt.Errorf("write change report: %w", err)
						}
					}
				}
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
		if si.it == nil {
			break
		}
	}
	if err := out.Close(); err != nil {
		return nil, fmt.Errorf("write output: %w", err)
	}
	if rej != nil {
		if err := rej.Close(); err != nil {
			return nil, fmt.Errorf("write rejects: %w", err)
		}
	}
	n.res.MergedRows = src.merged()
	n.res.Fixes = sortedCounts(n.res.fixes)
	n.res.Rejections = sortedCounts(n.res.rejs)
	n.res.Complete = readErr == nil
	return n.res, readErr
}

// sortedCounts orders by count descending, then code.
func sortedCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Code < out[j].Code
	})
	return out
}

type peeked struct {
	Reader
	it   *Item
	err  error
	used bool
}

func (p *peeked) Next() (*Item, error) {
	if !p.used {
		p.used = true
		if p.it != nil || p.err != nil {
			return p.it, p.err
		}
	}
	return p.Reader.Next()
}

// target names the channel field a source field maps to ("" = none).
func (n *normalizer) target(name string) string {
	if t, ok := n.o.Map[name]; ok {
		return t
	}
	if n.ch.Spec(name) != nil {
		return name
	}
	for _, f := range n.ch.Fields {
		if slices.Contains(f.Aliases, name) {
			return f.Name
		}
	}
	if t, ok := genericAliases[name]; ok {
		if t == "id" {
			t = n.ch.IDField
		}
		if n.ch.Spec(t) != nil {
			return t
		}
	}
	// Another channel's id field (TikTok sku_id ↔ id).
	if name == "id" || name == "sku_id" {
		return n.ch.IDField
	}
	return ""
}

// presetFields are the channel-neutral fields the source adapters emit.
var presetFields = []string{"id", "title", "description", "availability", "condition", "price", "sale_price", "link",
	"image_link", "additional_image_link", "brand", "gtin", "mpn", "product_type", "google_product_category", "gender",
	"age_group", "color", "size", "material", "pattern", "item_group_id",
	"custom_label_0", "custom_label_1", "custom_label_2", "custom_label_3", "custom_label_4"}

func (n *normalizer) buildTargets(kind string, cols []string) map[string]string {
	m := map[string]string{}
	names := cols
	if kind != SourceFeed {
		names = presetFields
	}
	for _, c := range names {
		m[c] = n.target(c)
	}
	if kind == SourceFeed {
		for _, c := range cols {
			if m[c] == "" {
				n.res.Dropped = append(n.res.Dropped, c)
			}
		}
	}
	return m
}

func (n *normalizer) outputColumns() []string {
	present := map[string]bool{}
	for _, t := range n.targets {
		if t != "" {
			present[t] = true
		}
	}
	var out []string
	for _, f := range n.ch.Fields {
		if f.Required || present[f.Name] || f.Name == n.ch.IDField {
			out = append(out, f.Name)
		}
	}
	return out
}

func (n *normalizer) note(it *Item, field, old, new, rule string) {
	n.changes = append(n.changes, Change{Item: it.Index, Line: it.Line, Field: field, Old: old, New: new, Rule: rule})
}

// fix maps the source item to channel fields and applies every fix.
func (n *normalizer) fix(src *Item) *Item {
	n.changes = n.changes[:0]
	it := &Item{File: src.File, Index: src.Index, Line: src.Line, Problems: src.Problems}
	from := map[string]string{} // target → the source name it came from
	for _, f := range src.Fields {
		t, ok := n.targets[f.Name]
		if !ok {
			t = n.target(f.Name)
		}
		if t == "" {
			continue
		}
		if prev, ok := from[t]; ok {
			if prev == f.Name && t == "additional_image_link" {
				it.Fields = append(it.Fields, Field{Name: t, Value: f.Value})
				continue
			}
			// The channel's own name wins over an alias; otherwise first wins.
			if !(f.Name == t && prev != t) || blank(f.Value) {
				continue
			}
			it.Set(t, f.Value)
			from[t] = f.Name
			continue
		}
		if blank(f.Value) && t != f.Name {
			continue
		}
		from[t] = f.Name
		it.Fields = append(it.Fields, Field{Name: t, Value: f.Value})
	}
	renamed := false
	for t, s := range from {
		if t != s {
			renamed = true
			break
		}
	}
	if n.res.Source == SourceFeed && renamed {
		for _, t := range sortedKeys(from) {
			if from[t] != t && it.Get(t) != "" {
				n.note(it, t, from[t], t, FixRenamed)
			}
		}
	}
	note := func(field string) func(rule, old, new string) {
		return func(rule, old, new string) { n.note(it, field, old, new, rule) }
	}
	for i := range it.Fields {
		f := &it.Fields[i]
		spec := n.ch.Spec(f.Name)
		if spec == nil || f.Value == "" {
			continue
		}
		set := func(v, rule string) {
			if v != f.Value {
				n.note(it, f.Name, f.Value, v, rule)
				f.Value = v
			}
		}
		if c := collapseSpace(f.Value); c != f.Value {
			set(c, FixWhitespace)
		}
		switch {
		case f.Name == "description" && hasMarkup(f.Value):
			if n.ch.HTMLAllowed == nil {
				set(stripHTML(f.Value), FixHTMLStripped)
			} else if r := collapseSpace(reduceHTML(f.Value, n.ch.HTMLAllowed)); r != f.Value {
				set(r, FixHTMLReduced)
			}
		case f.Name == "title" && hasMarkup(f.Value):
			set(stripHTML(f.Value), FixHTMLStripped)
		}
		switch spec.Kind {
		case KindEnum:
			if e := fixEnum(n.ch, spec, f.Value); e != "" {
				set(e, FixEnum)
			}
		case KindPrice:
			if p := fixPrice(f.Value, n.o.Currency); p != "" {
				set(p, FixPrice)
			}
		case KindURL, KindImageURL:
			f.Value = fixURL(f.Value, n.o.HTTPS, n.base, note(f.Name))
		case KindURLList:
			parts := splitList([]string{f.Value})
			for k := range parts {
				parts[k] = fixURL(parts[k], n.o.HTTPS, n.base, note(f.Name))
			}
			f.Value = strings.Join(parts, ",")
		case KindGTIN:
			f.Value = fixGTIN(f.Value, note(f.Name))
		}
		if f.Name == "title" && n.o.FixCase && isAllCaps(f.Value) {
			set(titleCase(f.Value), FixTitleCase)
		}
		if spec.MaxLen > 0 && spec.Kind == KindText && f.Name != n.ch.IDField && f.Name != "mpn" {
			if t := truncateWords(f.Value, spec.MaxLen); t != f.Value {
				set(t, FixTruncated)
			}
		}
	}
	// sale_price not below price: the platforms reject or ignore it, and
	// the regular price is still right.
	if pv, sv := it.Get("price"), it.Get("sale_price"); pv != "" && sv != "" {
		p, pi := ParsePrice(pv, n.ch.DefaultCurrency)
		s, si := ParsePrice(sv, n.ch.DefaultCurrency)
		if pi == PriceOK && si == PriceOK && p.Currency == s.Currency && s.Cmp(p) >= 0 {
			n.note(it, "sale_price", sv, "", FixSaleDropped)
			it.Set("sale_price", "")
		}
	}
	return it
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// check returns the rule codes that keep the item out of the feed.
func (n *normalizer) check(it *Item) []string {
	var bad bool
	n.findings, bad = n.v.CheckItem(it, nil, n.findings[:0])
	var codes []string
	if bad {
		for _, f := range n.findings {
			if f.Severity == Error && !slices.Contains(codes, f.Rule) {
				codes = append(codes, f.Rule)
			}
		}
		if len(codes) == 0 {
			codes = append(codes, "header.column_missing")
		}
	}
	if id := strings.TrimSpace(it.Get(n.ch.IDField)); id != "" {
		h := maphash.String(n.seed, id)
		if _, dup := n.seen[h]; dup {
			codes = append(codes, "id.duplicate")
		} else if len(codes) == 0 {
			n.seen[h] = struct{}{}
		}
	}
	slices.Sort(codes)
	return codes
}

// ScanColumns reads r to the end and returns the union of its field names
// in first-seen order: a cheap first pass for XML and JSON input.
func ScanColumns(r Reader) ([]string, error) {
	for {
		it, err := r.Next()
		if err != nil || it == nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return slices.Clone(r.Columns()), err
		}
	}
}

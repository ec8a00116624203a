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
	"sync/atomic"

	"github.com/dpa-tools/dpa/feed/idset"
	"github.com/dpa-tools/dpa/feed/par"
)

// NormalizeOptions configure Normalize.
type NormalizeOptions struct {
	Channel *Channel
	// Source is the input layout: "" or "auto" detects it from the header.
	Source string
	// Map renames source fields (canonical names) to channel fields; it
	// wins over the built-in aliases. Over a recognised shop layout a key
	// is a column of the export, whose value overrides what the layout
	// made of the target field. A key that is not a column of the input is
	// an error (*MapColumnError): a silently ignored mapping is a
	// mis-mapped feed.
	Map map[string]string
	// Set gives a channel field the same value on every item (--set
	// brand="Acme"); Default only where the item has none after mapping
	// (--default condition=new). Keys are channel field names.
	Set, Default map[string]string
	Currency     string // ISO 4217 code for prices written without one ("$19.99", Shopify's "19.99")
	HTTPS        bool   // rewrite http:// links to https://
	BaseURL      string // resolve relative links and images; builds Shopify/WooCommerce/Magento product links
	FixCase      bool   // title case for ALL-CAPS titles
	// Columns fixes the output columns (in order). Empty: the channel's
	// required fields plus every channel field the source can fill, in the
	// channel's order.
	Columns []string
	// SourceColumns, when set, is the full list of source fields (for XML
	// or JSON input whose later items may carry fields the first lacks).
	SourceColumns []string
	Overrides     Overrides
	// Workers map, fix, check and encode items in parallel (output order
	// is kept); 0 = GOMAXPROCS.
	Workers int
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
	// Actions turn the rejection reasons into what to do about them, most
	// items first (additive to schema_version 1).
	Actions     []Action `json:"actions,omitempty"`
	Complete    bool     `json:"complete"`
	fixes, rejs map[string]int
	// why counts rejected items per rule and field ("rule\x00field").
	why map[string]int
}

// NormalizeSinks receive the results. Out is called once, with the output
// columns, before the first item; Rejects lazily, with the input columns
// plus dpa_reason, at the first rejected item (nil: rejects are counted
// only). Change, when set, receives every change in item order. Writers
// must not keep an item past Write: Normalize reuses them.
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
	o       NormalizeOptions
	ch      *Channel
	v       *Validator
	base    *url.URL
	targets map[string]string // source field → channel field ("" = dropped)
	res     *NormalizeResult
	seen    idset.Set // ids of the items written, for duplicates
	seed    maphash.Seed
	specs   map[string]*FieldSpec // the channel's fields by name
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
	n := &normalizer{o: o, ch: o.Channel, v: v, seed: maphash.MakeSeed(),
		res: &NormalizeResult{Channel: o.Channel.Name, fixes: map[string]int{}, rejs: map[string]int{}, why: map[string]int{}}, specs: map[string]*FieldSpec{}}
	for i := range o.Channel.Fields {
		if _, dup := n.specs[o.Channel.Fields[i].Name]; !dup {
			n.specs[o.Channel.Fields[i].Name] = &o.Channel.Fields[i]
		}
	}
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
		kind = detectSource(r.Columns())
	}
	n.res.Source = kind
	src := newSource(kind, &peeked{Reader: r, it: first, err: firstErr}, sourceConfig{currency: o.Currency, baseURL: o.BaseURL})
	srcCols := r.Columns()
	if len(o.SourceColumns) > 0 {
		srcCols = o.SourceColumns
	}
	if err := n.checkMap(kind, r, srcCols, len(o.SourceColumns) > 0); err != nil {
		return nil, err
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
	st := &normStage{n: n, sinks: sinks, out: out}
	if enc, ok := out.(rowEncoder); ok {
		st.outEnc = enc
	}
	var readErr error
	readDone := false
	var snap []string
	err = par.Ordered[normSlot]{
		Batch:   batchSize,
		Workers: o.Workers,
		Fill: func(s *normSlot) bool {
			if readDone {
				return false
			}
			si, err := src.next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					readErr = err
				}
				readDone = true
			}
			if si.it == nil {
				readDone = true
				return false
			}
			s.si = si
			// The rejects header is the reader's columns when the first
			// reject is written; XML and JSON readers grow them as they go.
			if c := r.Columns(); len(c) != len(snap) {
				snap = slices.Clone(c)
			}
			s.cols = snap
			return true
		},
		Worker: st.worker,
		Emit:   st.emit,
	}.Run(ctx)
	if err != nil {
		return nil, err
	}
	if err := out.Close(); err != nil {
		return nil, fmt.Errorf("write output: %w", err)
	}
	if st.rej != nil {
		if err := st.rej.Close(); err != nil {
			return nil, fmt.Errorf("write rejects: %w", err)
		}
	}
	n.res.MergedRows = src.merged()
	n.res.Fixes = sortedCounts(n.res.fixes)
	n.res.Rejections = sortedCounts(n.res.rejs)
	n.res.Actions = n.actions()
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
	// Over a shop layout Map names the export's columns (see override),
	// not the fields the layout made.
	if t, ok := n.o.Map[name]; ok && n.res.Source == SourceFeed {
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
	for k := range n.o.Set {
		present[k] = true
	}
	for k := range n.o.Default {
		present[k] = true
	}
	for _, t := range n.o.Map {
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

// normSlot carries one item through the normalize pipeline. Slots are
// reused, so the slices keep their capacity from item to item.
type normSlot struct {
	si      srcItem
	cols    []string // the reader's columns after this item
	item    *Item    // mapped and fixed: &own, or nil
	own     Item     // the slot's item, reused (the sinks do not keep items)
	changes []Change
	reasons []string // error rule codes from the validator, sorted
	why     []string // "rule\x00field" of each error, for the actions
	id      uint64   // hash of the trimmed id, when hasID
	hasID   bool
	enc     []byte // the encoded output or reject row (see encoded)
	encoded uint8
}

const (
	encNone = iota
	encOut
	encReject
)

// normStage is the ordered part of Normalize: the duplicate-id index, the
// counts and the writers.
type normStage struct {
	n      *normalizer
	sinks  NormalizeSinks
	out    ItemWriter
	outEnc rowEncoder // out, when the workers can encode for it
	rej    ItemWriter
	rejEnc rowEncoder
	// rejPub publishes the rejects writer to the workers once it exists
	// (it is created at the first reject, in order).
	rejPub atomic.Pointer[rejCodec]
	// rejRow and rejFields are reject's scratch item.
	rejRow    Item
	rejFields []Field
}

type rejCodec struct{ w rowEncoder }

// normWork is one worker's state.
type normWork struct {
	n        *normalizer
	sc       scratch
	findings []Finding
	from     []int
	changes  []Change
	row      Item
	lay      fieldLayout
	specs    specCache
}

// specCache holds the channel's spec for each field of the last mapped
// field sequence: mapped items of one source share it, so the per-field
// map lookups are done once per sequence.
type specCache struct {
	names []string
	specs []*FieldSpec
}

func (c *specCache) get(specs map[string]*FieldSpec, fields []Field) []*FieldSpec {
	same := len(fields) == len(c.names)
	for i := 0; same && i < len(fields); i++ {
		same = fields[i].Name == c.names[i]
	}
	if !same {
		c.names, c.specs = c.names[:0], c.specs[:0]
		for _, f := range fields {
			c.names = append(c.names, f.Name)
			c.specs = append(c.specs, specs[f.Name])
		}
	}
	return c.specs
}

// fieldLayout caches, for the last source field layout, where each field
// goes: rows of a CSV share one header, so the name lookups are done once
// per file instead of once per field.
type fieldLayout struct {
	names   []string // the source names this was computed for
	tix     []int    // per source position: index into targets, -1 dropped
	own     []bool   // per source position: the name is already the target's
	targets []string // distinct target names
	order   []int    // target indexes in name order
}

func (w *normWork) layout(fields []Field) *fieldLayout {
	l := &w.lay
	same := len(fields) == len(l.names)
	for i := 0; same && i < len(fields); i++ {
		same = fields[i].Name == l.names[i]
	}
	if same {
		return l
	}
	n := w.n
	l.names, l.tix, l.own, l.targets = l.names[:0], l.tix[:0], l.own[:0], l.targets[:0]
	for _, f := range fields {
		t, ok := n.targets[f.Name]
		if !ok {
			t = n.target(f.Name)
		}
		l.names = append(l.names, f.Name)
		l.own = append(l.own, t == f.Name)
		if t == "" {
			l.tix = append(l.tix, -1)
			continue
		}
		ti := slices.Index(l.targets, t)
		if ti < 0 {
			ti = len(l.targets)
			l.targets = append(l.targets, t)
		}
		l.tix = append(l.tix, ti)
	}
	l.order = l.order[:0]
	for i := range l.targets {
		l.order = append(l.order, i)
	}
	slices.SortFunc(l.order, func(a, b int) int { return strings.Compare(l.targets[a], l.targets[b]) })
	if cap(w.from) < len(l.targets) {
		w.from = make([]int, len(l.targets))
	}
	w.from = w.from[:len(l.targets)]
	return l
}

func (st *normStage) worker() func(*normSlot) {
	n := st.n
	w := &normWork{n: n}
	var outEnc, rejEnc func([]byte, *Item) []byte
	if st.outEnc != nil {
		outEnc = st.outEnc.newEncoder()
	}
	var codec *rejCodec
	return func(s *normSlot) {
		w.changes = s.changes[:0]
		s.item = w.fix(&s.own, s.si.it, s.si.raw)
		s.changes = w.changes
		s.reasons, s.why = w.check(s.item, s.reasons[:0], s.why[:0])
		id := strings.TrimSpace(s.item.Get(n.ch.IDField))
		s.hasID = id != ""
		if s.hasID {
			s.id = maphash.String(n.seed, id)
		}
		if len(s.changes) > 0 {
			cid := s.item.Get(n.ch.IDField)
			for i := range s.changes {
				s.changes[i].ID = cid
			}
		}
		s.enc, s.encoded = s.enc[:0], encNone
		if len(s.reasons) == 0 {
			if outEnc != nil {
				s.enc, s.encoded = outEnc(s.enc, s.item), encOut
			}
		} else if c := st.rejPub.Load(); c != nil {
			if c != codec {
				codec, rejEnc = c, c.w.newEncoder()
			}
			s.enc, s.encoded = rejEnc(s.enc, w.rejectRow(s.si.raw, s.reasons)), encReject
		}
	}
}

// rejectRow is raw plus the dpa_reason field, in the worker's scratch item.
func (w *normWork) rejectRow(raw *Item, reasons []string) *Item {
	fields := append(w.row.Fields[:0], raw.Fields...)
	w.row = *raw
	w.row.Fields = append(fields, Field{Name: ReasonField, Value: strings.Join(reasons, " ")})
	return &w.row
}

// emit runs in input order: duplicate ids (first kept), counts, writing.
func (st *normStage) emit(b []normSlot) error {
	n, res := st.n, st.n.res
	for i := range b {
		s := &b[i]
		res.ItemsIn++
		dup := false
		if s.hasID {
			if n.seen.Has(s.id) {
				dup = true
				s.reasons = append(s.reasons, "id.duplicate")
				slices.Sort(s.reasons)
			} else if len(s.reasons) == 0 {
				n.seen.Add(s.id)
			}
		}
		if len(s.reasons) == 0 {
			var err error
			if s.encoded == encOut {
				err = st.outEnc.writeEncoded(s.enc)
			} else {
				err = st.out.Write(s.item)
			}
			if err != nil {
				return fmt.Errorf("write output: %w", err)
			}
			res.ItemsOut++
		} else {
			res.ItemsRejected++
			for _, c := range s.reasons {
				res.rejs[c]++
			}
			for _, k := range s.why {
				res.why[k]++
			}
			if dup {
				res.why["id.duplicate\x00"+n.ch.IDField]++
			}
			if st.sinks.Rejects != nil {
				if err := st.reject(s, dup); err != nil {
					return err
				}
			}
		}
		if len(s.changes) > 0 {
			res.ItemsChanged++
			res.Changes += len(s.changes)
			for _, c := range s.changes {
				res.fixes[c.Rule]++
				if st.sinks.Change != nil {
					if err := st.sinks.Change(c); err != nil {
						return fmt.Errorf("write change report: %w", err)
					}
				}
			}
		}
		// The slot is refilled later: let the collector have the item's
		// values now (they pin the reader's buffers), and do not keep a
		// buffer a monstrous record inflated.
		s.si, s.item = srcItem{}, nil
		if cap(s.own.Fields) > 1024 {
			s.own = Item{}
		} else {
			clear(s.own.Fields)
			s.own = Item{Fields: s.own.Fields[:0]}
		}
		if cap(s.enc) > 64<<10 {
			s.enc = nil
		}
	}
	return nil
}

func (st *normStage) reject(s *normSlot, dup bool) error {
	if st.rej == nil {
		w, err := st.sinks.Rejects(append(slices.Clone(s.cols), ReasonField))
		if err != nil {
			return err
		}
		st.rej = w
		if e, ok := w.(rowEncoder); ok {
			st.rejEnc = e
			st.rejPub.Store(&rejCodec{e})
		}
	}
	var err error
	if s.encoded == encReject && !dup {
		err = st.rejEnc.writeEncoded(s.enc)
	} else {
		// Writers do not keep the item (NormalizeSinks), so the row is
		// built in one scratch item rather than a copy per reject.
		raw := s.si.raw
		st.rejRow = *raw
		st.rejRow.Fields = append(append(st.rejFields[:0], raw.Fields...), Field{Name: ReasonField, Value: strings.Join(s.reasons, " ")})
		st.rejFields = st.rejRow.Fields
		err = st.rej.Write(&st.rejRow)
		st.rejRow = Item{}
		clear(st.rejFields)
	}
	if err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	return nil
}

func (w *normWork) note(it *Item, field, old, new, rule string) {
	w.changes = append(w.changes, Change{Item: it.Index, Line: it.Line, Field: field, Old: old, New: new, Rule: rule})
}

// fix maps the source item to channel fields in it (its Fields reused)
// and applies every fix; the changes go to w.changes. raw is the record
// src came from (the same item for a feed; the export's row for a shop
// layout), for --map over a layout.
func (w *normWork) fix(it, src, raw *Item) *Item {
	n := w.n
	*it = Item{File: src.File, Index: src.Index, Line: src.Line, Problems: src.Problems, Fields: it.Fields[:0]}
	lay := w.layout(src.Fields)
	from := w.from // per target: the position of the source field it came from, -1 none
	for i := range from {
		from[i] = -1
	}
	for k, f := range src.Fields {
		ti := lay.tix[k]
		if ti < 0 {
			continue
		}
		t := lay.targets[ti]
		if p := from[ti]; p >= 0 {
			prev := src.Fields[p].Name
			if prev == f.Name && t == "additional_image_link" {
				it.Fields = append(it.Fields, Field{Name: t, Value: f.Value})
				continue
			}
			// The channel's own name wins over an alias; otherwise first wins.
			if !(lay.own[k] && prev != t) || blank(f.Value) {
				continue
			}
			it.Set(t, f.Value)
			from[ti] = k
			continue
		}
		if !lay.own[k] && blank(f.Value) {
			continue
		}
		from[ti] = k
		it.Fields = append(it.Fields, Field{Name: t, Value: f.Value})
	}
	if n.res.Source == SourceFeed {
		// Renames are noted in target name order.
		for _, ti := range lay.order {
			if p := from[ti]; p >= 0 && !lay.own[p] {
				if t := lay.targets[ti]; it.Get(t) != "" {
					w.note(it, t, src.Fields[p].Name, t, fixRenamed)
				}
			}
		}
	}
	w.override(it, raw)
	note := func(field string) func(rule, old, new string) {
		return func(rule, old, new string) { w.note(it, field, old, new, rule) }
	}
	specs := w.specs.get(n.specs, it.Fields)
	for i := range it.Fields {
		f := &it.Fields[i]
		if f.Value == "" {
			continue
		}
		spec := specs[i]
		if spec == nil {
			continue
		}
		set := func(v, rule string) {
			if v != f.Value {
				w.note(it, f.Name, f.Value, v, rule)
				f.Value = v
			}
		}
		if c := collapseSpace(f.Value); c != f.Value {
			set(c, fixWhitespace)
		}
		if f.Name == n.ch.IDField {
			// Invisible characters in an id, as id.whitespace reports them.
			if c, inv := cleanID(f.Value); inv != 0 {
				set(c, fixWhitespace)
			}
		}
		switch {
		case f.Name == "description" && hasMarkup(f.Value):
			if n.ch.HTMLAllowed == nil {
				set(stripHTML(f.Value), fixHTMLStripped)
			} else if r := reduceHTMLStable(f.Value, n.ch.HTMLAllowed); r != f.Value {
				set(r, fixHTMLReduced)
			}
		case f.Name == "title" && hasMarkup(f.Value):
			set(stripHTML(f.Value), fixHTMLStripped)
		}
		switch spec.Kind {
		case kindEnum:
			if e := fixEnum(n.ch, spec, f.Value); e != "" {
				set(e, fixEnumSpelling)
			}
		case kindPrice:
			if p := fixPrice(f.Value, n.o.Currency); p != "" {
				set(p, fixPriceFormat)
			}
		case kindURL, kindImageURL:
			f.Value = fixURL(f.Value, n.o.HTTPS, n.base, note(f.Name))
		case kindURLList:
			f.Value = fixURLList(f.Value, n.o.HTTPS, n.base, note(f.Name))
		case kindGTIN:
			f.Value = fixGTIN(f.Value, note(f.Name))
		}
		if f.Name == "title" && n.o.FixCase && isAllCaps(f.Value) {
			set(titleCase(f.Value), fixTitleCase)
		}
		if spec.MaxLen > 0 && spec.Kind == kindText && f.Name != n.ch.IDField && f.Name != "mpn" {
			if t := truncateWords(f.Value, spec.MaxLen); t != f.Value {
				set(t, fixTruncated)
			}
		}
	}
	// sale_price not below price: the platforms reject or ignore it, and
	// the regular price is still right.
	if pv, sv := it.Get("price"), it.Get("sale_price"); pv != "" && sv != "" {
		p, pi := ParsePrice(pv, n.ch.DefaultCurrency)
		s, si := ParsePrice(sv, n.ch.DefaultCurrency)
		if pi == PriceOK && si == PriceOK && p.Currency == s.Currency && s.Cmp(p) >= 0 {
			w.note(it, "sale_price", sv, "", fixSaleDropped)
			it.Set("sale_price", "")
		}
	}
	return it
}

// check returns the validator's error codes for the item, sorted, and the
// distinct rule/field pairs behind them; the duplicate-id check needs input
// order and is done by the ordered stage.
func (w *normWork) check(it *Item, codes, why []string) ([]string, []string) {
	var bad bool
	w.findings, bad, _ = w.n.v.checkItem(&w.sc, it, nil, w.findings[:0])
	if bad {
		for _, f := range w.findings {
			if f.Severity != Error {
				continue
			}
			if !slices.Contains(codes, f.Rule) {
				codes = append(codes, f.Rule)
			}
			if k := f.Rule + "\x00" + f.Field; !slices.Contains(why, k) {
				why = append(why, k)
			}
		}
		if len(codes) == 0 {
			codes = append(codes, "header.column_missing")
		}
	}
	slices.Sort(codes)
	return codes, why
}

// ScanColumns reads r to the end and returns the union of its field names
// in first-seen order: a cheap first pass for XML and JSON input. It stops
// with ctx's error when ctx ends.
func ScanColumns(ctx context.Context, r Reader) ([]string, error) {
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		it, err := r.Next()
		if err != nil || it == nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return slices.Clone(r.Columns()), err
		}
	}
}

package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/dpa-tools/dpa/feed/limit"
	"github.com/dpa-tools/dpa/feed/par"
)

// FileResult is the outcome of validating one file.
type FileResult struct {
	File       string `json:"file"`
	Format     string `json:"format"`
	Items      int    `json:"items"`
	ValidItems int    `json:"valid_items"`
	Errors     int    `json:"errors"`
	Warnings   int    `json:"warnings"`
	Infos      int    `json:"infos"`
	// Findings in report order; call Findings.Close when done with them.
	Findings *FindingList `json:"-"`
	// Complete is false when reading stopped early (parse error, cancel).
	Complete bool `json:"complete"`
	// Kept holds the first ValidateOptions.KeepRows items as read.
	Kept KeptRows `json:"-"`
	// Source is the shop layout the header shows (SourceShopify, …), or
	// SourceFeed. A shop export is not checked item by item: its columns
	// are not the channel's, so every item would fail for that one reason;
	// one source.shop_export finding says so instead.
	Source string `json:"-"`
	// SharedLines is set when items share a line (a minified XML feed):
	// a line number alone does not find them, the item number does.
	SharedLines bool `json:"-"`
	// fold is the findings grouped into issues as they were found, when
	// the list holds the item stream only (no extras): Finish uses it for
	// a single file instead of reading the findings back.
	fold *issueFold
}

// ValidateOptions tune a run.
type ValidateOptions struct {
	Workers  int               // per-item checkers; 0 = GOMAXPROCS
	Progress func(items int64) // called from one goroutine every batch
	// MemFindings is how many findings stay in memory before the rest is
	// spooled to a temporary file (0 = DefaultMemFindings).
	MemFindings int
	// KeepRows keeps the first KeepRows items (copies) in FileResult.Kept,
	// for a report that shows the feed itself (XLSX) without reading the
	// input a second time.
	KeepRows int
}

const batchSize = 256

// reserveAfter is how many items Validate reads before it sizes the
// cross-item indexes for the whole input from the bytes they took: early,
// so the tables are not grown (on the sequential pass) to hundreds of
// thousands of slots first, and counted on the reading goroutine, so only
// the reader's buffer runs ahead of the count.
const reserveAfter = 1 << 13

// valSlot is one item on its way through Validate's pipeline; the slices
// keep their capacity when the slot is reused.
type valSlot struct {
	it    *Item
	found []Finding
	bad   bool
	keys  crossKeys
	// A CSV record the split cut out lives in the slot itself (see
	// csvReader.nextInto): the item, its text and its fields.
	item   Item
	buf    []byte
	fields []Field
	// clipped holds the item's shortened finding values (scratch.clipped)
	clipped []byte
}

// Validate streams r through the validator on the shared pipeline: reading,
// per-item checks (all cores) and the ordered cross-item pass run
// concurrently; memory is bounded by the batches in flight plus the compact
// duplicate and variant indexes. Only cancellation returns an error: broken
// input becomes findings, and everything before the break is still checked.
func (v *Validator) Validate(ctx context.Context, r Reader, opts ValidateOptions) (*FileResult, error) {
	var readErr error
	// missingCols is decided on the reading goroutine once the header is
	// known (after the first Next), before any batch reaches a worker.
	var missingCols map[string]bool
	shop := false
	source := SourceFeed
	first, ended := true, false
	filled := 0
	var estimate atomic.Int64 // items in the input, estimated by the reader
	// A CSV reader only cuts records out on the reading goroutine; the
	// workers parse them (the bare parse is most of a clean run).
	csvr, _ := r.(*csvReader)
	fill := func(sl *valSlot) bool {
		if ended {
			return false
		}
		var it *Item
		var err error
		if csvr != nil {
			it, err = csvr.nextInto(&sl.item, &sl.buf)
		} else {
			it, err = r.Next()
		}
		if first {
			missingCols = v.missingColumns(r)
			if src := detectSource(r.Columns()); src != SourceFeed {
				source, shop, missingCols = src, true, nil
			}
			first = false
		}
		if err != nil {
			ended = true
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
		}
		if it == nil {
			ended = true
			return false
		}
		sl.it = it
		if filled++; filled == reserveAfter {
			if read, total := ReadProgress(r); read > 0 && total > read {
				estimate.Store(int64(float64(filled) * float64(total) / float64(read)))
			}
		}
		return true
	}

	res := &FileResult{File: "", Format: r.Format()}
	if opts.KeepRows > 0 {
		res.Kept.Items = []*Item{}
	}
	x := newCross(v)
	list := newFindingList(opts.MemFindings)
	fold := newIssueFold(v.ch.Name)
	count := func(fs []Finding) {
		for i := range fs {
			switch fs[i].Severity {
			case Error:
				res.Errors++
			case Warning:
				res.Warnings++
			case Info:
				res.Infos++
			}
		}
	}
	var n int64
	reserved := false
	prevLine := 0
	emit := func(slots []valSlot) error {
		x.adopt()
		x.prefetch(slots)
		for i := range slots {
			sl := &slots[i]
			it := sl.it
			if res.File == "" {
				res.File = it.File
			}
			if it.Line == prevLine {
				res.SharedLines = true
			}
			prevLine = it.Line
			res.Items++
			if len(res.Kept.Items) < opts.KeepRows {
				if res.Kept.Header == nil {
					res.Kept.Header = DialectOf(r).Header
				}
				res.Kept.Items = append(res.Kept.Items, deepClone(it))
			}
			fs, bad := x.check(it, &sl.keys, sl.found, sl.bad)
			if bad {
				x.markBad(it.Index)
			}
			if len(fs) > 0 {
				sortFindings(fs) // one item's findings; items arrive in report order
				count(fs)
				list.add(fs) // copies: the slot's buffer is reused
				for i := range fs {
					fold.add(0, &fs[i], false)
				}
			}
			sl.found, sl.it = fs[:0], nil
		}
		n += int64(len(slots))
		if !reserved {
			if e := estimate.Load(); e > 0 {
				x.reserve(int(e), int(n)) // sized once, from how many items the first bytes held
				reserved = true
			}
		}
		if opts.Progress != nil {
			opts.Progress(n)
		}
		return nil
	}
	err := par.Ordered[valSlot]{
		Batch:   batchSize,
		Workers: opts.Workers,
		Fill:    fill,
		Worker: func() func(*valSlot) {
			var s scratch
			var rec []string
			return func(sl *valSlot) {
				if sl.it.raw != "" {
					csvr.parseDeferred(sl.it, &rec, &sl.fields)
				}
				if shop {
					sl.found, sl.bad, sl.keys = sl.found[:0], true, crossKeys{}
					return
				}
				sl.clipped = sl.clipped[:0]
				s.clipped = &sl.clipped
				sl.found, sl.bad, sl.keys = v.checkItem(&s, sl.it, missingCols, sl.found[:0])
			}
		},
		Emit: emit,
	}.Run(ctx)
	if err != nil {
		list.Close()
		return nil, err
	}
	// Findings known only now (variant groups, file level) go beside the
	// item stream and are merged into report order when the list is read.
	findings := x.finish()
	pre := r.Diagnostics()
	for i := range pre {
		if _, known := ruleIndex[pre[i].Rule]; !known {
			findings = append(findings, pre[i]) // a reader rule dpa has no table entry for: keep it as is
		} else if s, ok := v.sev[pre[i].Rule]; ok {
			if (pre[i].Rule == ruleFeedEmpty || pre[i].Rule == ruleNoItems) && pre[i].Severity < s {
				s = pre[i].Severity // ReadOptions.AllowEmpty lowered it
			}
			pre[i].Severity = s
			findings = append(findings, pre[i])
		}
	}
	if mc := missingCols; len(mc) > 0 {
		findings = append(findings, v.missingColumnFindings(r, mc)...)
	}
	res.Source = source
	if shop {
		if sev, ok := v.sev[ruleShopExport]; ok {
			findings = append(findings, Finding{Line: 1, Rule: ruleShopExport, Severity: sev, Field: "", Value: source,
				Message: fmt.Sprintf("this is a %s product export, not a %s feed: dpa normalize turns it into one", SourceTitle(source), v.ch.Title)})
		}
	}
	res.Complete = true
	if readErr != nil {
		res.Complete = false
		findings = append(findings, v.readErrorFinding(r, readErr, res.Items))
	}
	if res.File == "" && len(findings) > 0 {
		for _, f := range findings {
			if f.File != "" {
				res.File = f.File
				break
			}
		}
	}
	if res.Items == 0 && readErr == nil && !hasRule(findings, "feed.empty") && !hasRule(findings, "feed.no_items") {
		if s, ok := v.sev["feed.no_items"]; ok {
			findings = append(findings, Finding{File: res.File, Line: 1, Rule: "feed.no_items", Severity: s, Message: "the feed has no items"})
		}
	}
	for i := range findings {
		if findings[i].File == "" {
			findings[i].File = res.File
		}
	}
	count(findings)
	list.addExtra(findings...)
	if len(findings) == 0 {
		res.fold = fold
	}
	res.Findings = list
	res.ValidItems = res.Items - x.badCount()
	if err := list.Err(); err != nil {
		list.Close()
		return nil, err
	}
	return res, nil
}

// deepClone copies an item and its strings: a CSV item's values point
// into its pipeline slot, which is reused once the item is emitted.
func deepClone(it *Item) *Item {
	c := it.Clone()
	for i := range c.Fields {
		c.Fields[i].Value = strings.Clone(c.Fields[i].Value)
	}
	for i := range c.Problems {
		c.Problems[i].Value = strings.Clone(c.Problems[i].Value)
	}
	return c
}

func hasRule(fs []Finding, code string) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Rule == code })
}

// missingColumns returns required fields absent from a tabular header
// (neither the name nor an alias). XML and JSON have no header, so nothing
// is reported at file level for them.
func (v *Validator) missingColumns(r Reader) map[string]bool {
	switch r.Format() {
	case "csv", "tsv", "xlsx":
	default:
		return nil
	}
	cols := r.Columns()
	if len(cols) == 0 {
		return nil
	}
	has := map[string]bool{}
	for _, c := range cols {
		has[c] = true
	}
	out := map[string]bool{}
	for i, f := range v.ch.Fields {
		if !v.required[i] || has[f.Name] || slices.ContainsFunc(f.Aliases, func(a string) bool { return has[a] }) {
			continue
		}
		out[f.Name] = true
	}
	for _, name := range v.extra {
		if !has[name] {
			out[name] = true
		}
	}
	return out
}

func (v *Validator) missingColumnFindings(r Reader, mc map[string]bool) []Finding {
	s, ok := v.sev["header.column_missing"]
	if !ok {
		return nil
	}
	names := make([]string, 0, len(mc))
	for n := range mc {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []Finding
	for _, n := range names {
		f := Finding{Line: 1, Field: n, Rule: "header.column_missing", Severity: s,
			Message: fmt.Sprintf("required column %q is missing from the header; every item lacks it", n)}
		best := 3
		for _, c := range r.Columns() {
			if d := levenshtein(c, n); d < best {
				best, f.Value = d, c
			}
		}
		if f.Value != "" {
			f.Message = fmt.Sprintf("required column %q is missing from the header (is column %q meant to be %q?)", n, f.Value, n)
			f.Suggestion = n
		}
		out = append(out, f)
	}
	return out
}

func (v *Validator) readErrorFinding(r Reader, err error, items int) Finding {
	f := Finding{Rule: "feed.read_error", Severity: Error}
	var pe *ParseError
	if errors.As(err, &pe) {
		f.File, f.Line = pe.File, pe.Line
		f.Rule = "feed.parse_error"
		if errors.Is(err, limit.ErrTooLarge) {
			f.Rule = "feed.too_large"
		}
		f.Message = fmt.Sprintf("%v; %d items before this point were checked, the rest of the file was not read", pe.Err, items)
	} else {
		f.Message = fmt.Sprintf("%v; %d items before this point were checked", err, items)
	}
	if s, ok := v.sev[f.Rule]; ok {
		f.Severity = s
	}
	return f
}

// cross holds the compact indexes for checks across items. Keys are 64-bit
// FNV hashes rather than strings so a million ids cost tens of megabytes;
// a false duplicate needs a 64-bit collision (about 1 in 10^7 for 10^6 ids).
// Variant groups keep their members in one slice linked per group, and ids
// and group names in one byte arena, so a member costs 32 bytes plus its id.
type cross struct {
	v       *Validator
	ids     hashLines // id hash → line of first occurrence
	gtins   hashLines
	titles  hashLines // ungrouped items with variant attributes
	groupIx hashLines // group name hash → index in groups
	// groups, like members and arena, grow in fixed chunks: appending
	// to one slice copied it at every doubling on the sequential pass.
	groups  [][]group
	ngroups int32
	// members and arena grow in fixed chunks rather than by doubling one
	// slice: on a million-item feed the copies of growslice were a tenth
	// of the whole validate, all of it on this sequential pass.
	members  [][]member
	nmembers int32
	arena    [][]byte
	// The chunks are allocated one ahead, off the sequential pass.
	memberChunks ahead[member]
	groupChunks  ahead[group]
	arenaChunks  ahead[byte]
	bad          []uint64         // bitset of item indexes with errors
	sink         uint32           // keeps prefetch's loads
	reserved     chan [3][]hlSlot // tables reserve is preparing: ids, gtins, groupIx
	// Where items share lines (a minified XML feed: every item on line
	// 2), "the item on line 2" names nothing, so from the first shared
	// line on the sets store item numbers tagged with refItem instead of
	// lines; prev is what retags the item that started the shared line.
	shared bool
	prev   struct {
		line, index            uint32
		id, gtin, title        uint64
		hasID, hasGTIN, hasTtl bool
	}
}

// refItem tags a stored reference as an item number rather than a line.
const refItem = 1 << 31

// ref is how later items will point back at it: its line, or its tagged
// item number once lines are shared.
func (x *cross) ref(line, index int) uint32 {
	if x.shared {
		return refItem | uint32(index)
	}
	return uint32(line)
}

// refText names a stored reference for a message.
func refText(r uint32) string {
	if r&refItem != 0 {
		return fmt.Sprintf("item %d", r&^refItem)
	}
	return fmt.Sprintf("the item on line %d", r)
}

// noteLine switches to item numbers when it shares its line with the
// previous item, retagging what that item stored, and remembers it.
func (x *cross) noteLine(it *Item, k *crossKeys) {
	line, p := uint32(it.Line), &x.prev
	if !x.shared && line != 0 && line == p.line {
		x.shared = true
		to := refItem | p.index
		if p.hasID {
			x.ids.retag(p.id, line, to)
		}
		if p.hasGTIN {
			x.gtins.retag(p.gtin, line, to)
		}
		if p.hasTtl {
			x.titles.retag(p.title, line, to)
		}
	}
	p.line, p.index = line, uint32(it.Index)
	p.hasID, p.hasGTIN, p.hasTtl = k.id != "", k.gtin != "", k.group == "" && k.titleHash != 0
	p.id, p.gtin, p.title = k.idHash, k.gtinHash, k.titleHash
}

const (
	memberChunkBits = 14
	arenaChunkBits  = 20 // > the 65,535-byte cap of a kept string
)

func (x *cross) member(i int32) *member {
	return &x.members[i>>memberChunkBits][i&(1<<memberChunkBits-1)]
}

func (x *cross) addMember(m member) int32 {
	i := x.nmembers
	if i&(1<<memberChunkBits-1) == 0 {
		x.members = append(x.members, x.memberChunks.take(1<<memberChunkBits))
	}
	last := &x.members[len(x.members)-1]
	*last = append(*last, m)
	x.nmembers++
	return i
}

func (x *cross) group(i int32) *group {
	return &x.groups[i>>memberChunkBits][i&(1<<memberChunkBits-1)]
}

func (x *cross) addGroup(g group) *group {
	i := x.ngroups
	if i&(1<<memberChunkBits-1) == 0 {
		x.groups = append(x.groups, x.groupChunks.take(1<<memberChunkBits))
	}
	last := &x.groups[len(x.groups)-1]
	*last = append(*last, g)
	x.ngroups++
	return &(*last)[len(*last)-1]
}

// reserve sizes the indexes for about items items in all, of which seen
// are checked so far: an estimate from the input's size, so low rather
// than high (the bytes read run ahead of the items checked).
//
// The tables are allocated and their pages faulted in on another
// goroutine, and adopted by a later adopt: on this host a page fault in
// a fresh table costs ~18 µs, and the 12,000 of a million-id table's two
// indexes stalled the sequential pass (and with it every worker) for
// 0.2 s.
func (x *cross) reserve(items, seen int) {
	if items <= seen || seen <= 0 || items > 1<<28 {
		return
	}
	sizes := [3]int{items, 0, 0}
	if x.gtins.n > seen/2 {
		sizes[1] = items
	}
	if groups := int(int64(x.ngroups) * int64(items) / int64(seen)); groups > 1<<12 {
		sizes[2] = groups
	}
	x.reserved = make(chan [3][]hlSlot, 1)
	go func(out chan<- [3][]hlSlot) {
		var tabs [3][]hlSlot
		for i, n := range sizes {
			if n > 0 {
				tabs[i] = faultedSlots(n)
			}
		}
		out <- tabs
	}(x.reserved)
}

// adopt moves the indexes into the tables reserve prepared, once they are
// ready; it never waits.
func (x *cross) adopt() {
	if x.reserved == nil {
		return
	}
	select {
	case tabs := <-x.reserved:
		x.reserved = nil
		for i, t := range []*hashLines{&x.ids, &x.gtins, &x.groupIx} {
			if tabs[i] != nil {
				t.adopt(tabs[i])
			}
		}
	default:
	}
}

type member struct {
	index, line uint32
	sig         uint64
	idOff, col  uint32 // col fills what was padding: 32 bytes as before
	idLen       uint16
	mask        uint8
	next        int32 // next member of the same group, -1 at the end
}

// group tracks, per variant attribute, the first value's hash and whether
// members disagree on it: only attributes that actually vary within the
// group distinguish its variants, so only those must be on every member.
type group struct {
	first      [6]uint64
	head, tail int32
	count      int32
	nameOff    uint32
	nameLen    uint16
	varies     uint8
	union      uint8
}

// coreVariantAttrs (size, color) distinguish variants even when only some
// members carry them: Meta wants them on every variant.
const coreVariantAttrs = 0b11

func (x *cross) str(off uint32, n uint16) string {
	c, pos := off>>arenaChunkBits, off&(1<<arenaChunkBits-1)
	return string(x.arena[c][pos : pos+uint32(n)])
}

func (x *cross) keep(s string) (uint32, uint16) {
	if len(s) > 65535 {
		s = s[:65535]
	}
	if len(x.arena) == 0 || len(x.arena[len(x.arena)-1])+len(s) > 1<<arenaChunkBits {
		x.arena = append(x.arena, x.arenaChunks.take(1<<arenaChunkBits))
	}
	c := len(x.arena) - 1
	off := uint32(c)<<arenaChunkBits | uint32(len(x.arena[c]))
	x.arena[c] = append(x.arena[c], s...)
	return off, uint16(len(s))
}

var variantAttrs = []string{"size", "color", "gender", "age_group", "material", "pattern"}

func newCross(v *Validator) *cross {
	return &cross{v: v}
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// hash64 is FNV-1a, inline so hashing a key allocates nothing.
func hash64(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// hashLower continues an FNV-1a hash over s with ASCII letters lower-cased.
func hashLower(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		h ^= uint64(b)
		h *= fnvPrime
	}
	return h
}

func (x *cross) markBad(index int) {
	w := index >> 6
	for len(x.bad) <= w {
		x.bad = append(x.bad, 0)
	}
	x.bad[w] |= 1 << (index & 63)
}

func (x *cross) badCount() int {
	n := 0
	for _, w := range x.bad {
		n += bits.OnesCount64(w)
	}
	return n
}

func (x *cross) add(it *Item, fs []Finding, id, code, field, value, msg string) ([]Finding, bool) {
	s, ok := x.v.sev[code]
	if !ok {
		return fs, false
	}
	// Not copied: the stream's findings are encoded by FindingList.add
	// before the item's slot is reused, finish's strings are its own.
	return append(fs, Finding{File: it.File, Item: it.Index, Line: it.Line, Column: it.Col, ID: id, Field: field, Rule: code, Severity: s, Message: msg, Value: clip(value, maxValueLen)}), s == Error
}

// crossKeys is what the ordered cross-item pass needs from an item. The
// parallel workers compute it, so the sequential pass only does map work.
type crossKeys struct {
	// id and gtin point into the item's text: valid until its pipeline
	// slot is reused, after Emit.
	id        string // trimmed
	idHash    uint64 // hash64(id), computed on the worker
	gtin      string // raw value, for messages; "" when absent or not numeric
	gtinHash  uint64
	group     string
	groupHash uint64 // hash64(group)
	titleHash uint64
	mask      uint8
	hs        [6]uint64
	sig       uint64
}

func (c *itemCtx) keys() crossKeys {
	k := crossKeys{id: c.id, idHash: hash64(c.id)}
	if g := c.k(kGTIN); g != "" {
		if clean := cleanGTIN(g); allDigits(clean) {
			k.gtin = clip(g, maxValueLen)
			k.gtinHash = hash64(strings.TrimLeft(clean, "0"))
		}
	}
	k.group = c.k(kGroup)
	if k.group != "" {
		k.groupHash = hash64(k.group)
	}
	sig := uint64(fnvOffset)
	for i := range variantAttrs {
		if val := strings.TrimSpace(c.k(kSize + i)); val != "" {
			k.mask |= 1 << i
			k.hs[i] = hashLower(fnvOffset, val)
			sig = hashLower(sig, val)
		}
		sig *= fnvPrime // a separator between attributes
	}
	k.sig = sig
	if k.group == "" && k.mask&coreVariantAttrs != 0 {
		if t := strings.TrimSpace(c.k(kTitle)); t != "" {
			k.titleHash = hashLower(fnvOffset, t)
		}
	}
	return k
}

// prefetch loads the table slots a batch of items is about to look up.
// On the sequential pass each lookup in a million-key table is a cache
// miss, and with the rest of check between them the processor waits for
// each in turn; these loads are independent, so their misses overlap and
// check then finds the slots in cache.
func (x *cross) prefetch(slots []valSlot) {
	var sink uint32
	for i := range slots {
		k := &slots[i].keys
		if k.id != "" {
			// The id's bytes were written by a worker on another core;
			// check copies them into the arena for group members.
			sink += x.ids.touch(k.idHash) + uint32(k.id[0])
		}
		if k.gtin != "" {
			sink += x.gtins.touch(k.gtinHash)
		}
		if k.group != "" {
			sink += x.groupIx.touch(k.groupHash)
		} else if k.titleHash != 0 {
			sink += x.titles.touch(k.titleHash)
		}
	}
	x.sink += sink
}

// check runs the ordered cross-item checks for one item.
func (x *cross) check(it *Item, k *crossKeys, fs []Finding, bad bool) ([]Finding, bool) {
	idField := x.v.ch.IDField
	id := k.id
	var e bool
	x.noteLine(it, k)
	me := x.ref(it.Line, it.Index)
	if id != "" {
		if first, ok := x.ids.firstOrAdd(k.idHash, me); ok {
			fs, e = x.add(it, fs, id, "id.duplicate", idField, id, fmt.Sprintf("id %q is also used by %s", id, refText(first)))
			bad = bad || e
		}
	}
	if k.gtin != "" {
		if first, ok := x.gtins.firstOrAdd(k.gtinHash, me); ok {
			fs, e = x.add(it, fs, id, "gtin.duplicate", "gtin", k.gtin, fmt.Sprintf("GTIN %s is also used by %s", k.gtin, refText(first)))
			bad = bad || e
		}
	}
	if k.group != "" {
		gh := k.groupHash
		var gr *group
		if gi, ok := x.groupIx.firstOrAdd(gh, uint32(x.ngroups)); ok {
			gr = x.group(int32(gi))
		} else {
			off, n := x.keep(k.group)
			gr = x.addGroup(group{head: -1, tail: -1, nameOff: off, nameLen: n})
		}
		gr.union |= k.mask
		for i := range variantAttrs {
			if k.hs[i] == 0 {
				continue
			}
			if gr.first[i] == 0 {
				gr.first[i] = k.hs[i]
			} else if gr.first[i] != k.hs[i] {
				gr.varies |= 1 << i
			}
		}
		off, n := x.keep(id)
		mi := x.addMember(member{index: uint32(it.Index), line: uint32(it.Line), col: uint32(it.Col), mask: k.mask, sig: k.sig, idOff: off, idLen: n, next: -1})
		if gr.tail >= 0 {
			x.member(gr.tail).next = mi
		} else {
			gr.head = mi
		}
		gr.tail = mi
		gr.count++
	} else if k.titleHash != 0 {
		if first, ok := x.titles.firstOrAdd(k.titleHash, me); ok {
			fs, e = x.add(it, fs, id, "variant.group_missing", "item_group_id", "", fmt.Sprintf("same title as %s with its own size/color, but no item_group_id", refText(first)))
			bad = bad || e
		}
	}
	return fs, bad
}

// finish reports group-level findings once every member has been seen,
// groups in order of first appearance, members in feed order.
//
// It runs alone after the stream (nothing else is left to overlap with),
// so it touches only what a finding needs: names and ids are copied out
// of the arena only for a member with a finding, and the "seen these
// attributes" set of a group of up to smallGroup members is a linear scan
// of a reused slice rather than a map.
func (x *cross) finish() []Finding {
	const smallGroup = 16
	type sigRef struct {
		sig uint64
		ref uint32
	}
	var out []Finding
	var seen map[uint64]uint32
	small := make([]sigRef, 0, smallGroup)
	for gi := range x.ngroups {
		g := x.group(gi)
		if g.count < 2 {
			continue
		}
		need := g.varies | g.union&coreVariantAttrs
		name := ""
		groupName := func() string {
			if name == "" {
				name = x.str(g.nameOff, g.nameLen)
			}
			return name
		}
		big := g.count > smallGroup
		if big {
			if seen == nil {
				seen = map[uint64]uint32{}
			}
			clear(seen)
		}
		small = small[:0]
		for mi := g.head; mi >= 0; mi = x.member(mi).next {
			m := x.member(mi)
			var first uint32
			dup := false
			if m.mask != 0 {
				if big {
					first, dup = seen[m.sig]
					if !dup {
						seen[m.sig] = x.ref(int(m.line), int(m.index))
					}
				} else {
					for _, s := range small {
						if s.sig == m.sig {
							first, dup = s.ref, true
							break
						}
					}
					if !dup {
						small = append(small, sigRef{m.sig, x.ref(int(m.line), int(m.index))})
					}
				}
			}
			if need&^m.mask == 0 && !dup {
				continue
			}
			id := x.str(m.idOff, m.idLen)
			it := &Item{Index: int(m.index), Line: int(m.line), Col: int(m.col)}
			for i, a := range variantAttrs {
				if bit := uint8(1) << i; need&bit != 0 && m.mask&bit == 0 {
					var bad bool
					out, bad = x.add(it, out, id, "variant.attribute_missing", a, "", fmt.Sprintf("the variants of group %q differ by %s, but this one has none", groupName(), a))
					if bad {
						x.markBad(int(m.index))
					}
				}
			}
			if dup {
				var bad bool
				out, bad = x.add(it, out, id, "variant.duplicate", "item_group_id", groupName(), fmt.Sprintf("same variant attributes as %s in group %q", refText(first), groupName()))
				if bad {
					x.markBad(int(m.index))
				}
			}
		}
	}
	return out
}

package feed

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// reportSchemaVersion is the version of validate's JSON contract (see
// WriteJSON). Policy: fields are only ever added within a version (issues,
// files[].source, files[].normalize, findings[].column were added to 1);
// renaming, removing or changing the meaning of a field bumps it, and
// LoadBaseline keeps reading every earlier version.
const reportSchemaVersion = 1

// Report is validate's result over one or more files, built in one pass
// (Finish): the summary, the findings (spooled lists, read in report order,
// once per output), the baseline state of each finding, the issues (the
// findings grouped by rule, worst first) and the counts the exit gate
// needs. It is the one model every output format prints.
type Report struct {
	SchemaVersion int          `json:"schema_version"`
	Channel       string       `json:"channel"`
	Files         []FileReport `json:"files"`
	Summary       Summary      `json:"summary"`
	Issues        []Issue      `json:"issues"`

	lists []*FindingList
	folds []*issueFold // each file's findings folded as validated (nil: not folded)
	isNew []uint64
	gate  gateCounts
	// Rows keeps up to RowsKept items of each file as read (for the XLSX
	// feed sheet, which must not read the input again), when asked for.
	rows []KeptRows
}

// FileReport is one file's line in the report.
type FileReport struct {
	File       string `json:"file"`
	Format     string `json:"format"`
	Channel    string `json:"channel"`
	Items      int    `json:"items"`
	ValidItems int    `json:"valid_items"`
	Errors     int    `json:"errors"`
	Warnings   int    `json:"warnings"`
	Infos      int    `json:"infos"`
	Complete   bool   `json:"complete"`
	// A shop export: its layout and the normalize command that turns it
	// into the channel's feed.
	Source    string         `json:"source,omitempty"`
	Normalize *NormalizeHint `json:"normalize,omitempty"`
	// SharedLines: items share lines (minified XML); people need the item
	// number beside line:column to find a finding.
	SharedLines bool `json:"-"`
}

// NormalizeHint is the command validate suggests for a shop export, with
// what a dry run of it gave.
type NormalizeHint struct {
	Command  string `json:"command"`
	ItemsIn  int    `json:"items_in"`
	ItemsOut int    `json:"items_out"`
	// Examples is true when some flag values are placeholders (the shop's
	// currency, address or brand) the user must replace.
	Examples bool     `json:"examples"`
	Left     []string `json:"left,omitempty"` // what the flags do not fix
}

// Summary totals the files.
type Summary struct {
	Items      int `json:"items"`
	ValidItems int `json:"valid_items"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Infos      int `json:"infos"`
	// Baseline is present only with a baseline.
	Baseline *BaselineSummary `json:"baseline,omitempty"`
}

// BaselineSummary says how the run compares with the baseline.
type BaselineSummary struct {
	File        string `json:"file"`
	Findings    int    `json:"findings"`
	NewErrors   int    `json:"new_errors"`
	NewWarnings int    `json:"new_warnings"`
	NewInfos    int    `json:"new_infos"`
}

// Issue is one rule's findings on one field seen together, as the platforms' diagnostics
// show them: a title, how many items it affects and what share of the
// feed, what to do, where the platform documents the attribute, and three
// example items.
type Issue struct {
	Rule     string         `json:"rule"`
	Title    string         `json:"title"`
	Severity Severity       `json:"severity"`
	Field    string         `json:"field,omitempty"`
	Findings int            `json:"findings"`
	Items    int            `json:"items"` // distinct items (file-level findings count none)
	Share    float64        `json:"share"` // Items / summary items
	New      int            `json:"new,omitempty"`
	Fix      string         `json:"fix"`
	Docs     string         `json:"docs,omitempty"`
	Examples []IssueExample `json:"examples"`

	lastFile string
	lastItem int
}

// IssueExample is one finding of an issue, to find it in the feed.
type IssueExample struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column,omitempty"` // as in findings
	Item   int    `json:"item"`
	ID     string `json:"id,omitempty"`
	Field  string `json:"field,omitempty"`
	Value  string `json:"value,omitempty"`
}

// KeptRows are the first items of a file with its header as written.
type KeptRows struct {
	Header []string
	Items  []*Item
}

// NewReport starts an empty report.
func NewReport() *Report {
	return &Report{SchemaVersion: reportSchemaVersion, Files: []FileReport{}, Issues: []Issue{}}
}

// Add appends one file's result; the report owns its findings from now on.
func (r *Report) Add(res *FileResult, channel string) *FileReport {
	if len(r.Files) == 0 {
		r.Channel = channel
	}
	r.Files = append(r.Files, FileReport{File: res.File, Format: res.Format, Channel: channel, Items: res.Items,
		ValidItems: res.ValidItems, Errors: res.Errors, Warnings: res.Warnings, Infos: res.Infos, Complete: res.Complete,
		SharedLines: res.SharedLines})
	s := &r.Summary
	s.Items += res.Items
	s.ValidItems += res.ValidItems
	s.Errors += res.Errors
	s.Warnings += res.Warnings
	s.Infos += res.Infos
	r.lists = append(r.lists, res.Findings)
	r.folds = append(r.folds, res.fold)
	r.rows = append(r.rows, res.Kept)
	return &r.Files[len(r.Files)-1]
}

// Kept returns file i's kept rows (nil unless ValidateOptions.KeepRows).
func (r *Report) Kept(i int) KeptRows { return r.rows[i] }

// Close removes the spool files.
func (r *Report) Close() {
	for _, l := range r.lists {
		l.Close()
	}
}

// Count is the number of findings.
func (r *Report) Count() int {
	n := 0
	for _, l := range r.lists {
		n += l.Len()
	}
	return n
}

// Each yields every finding in report order with New set from the
// baseline; file is the index of the finding's file. The *Finding is only
// valid during the call.
func (r *Report) Each(fn func(file int, f *Finding) error) error {
	next, failed := r.pull()
	for {
		k, f, ok := next()
		if !ok {
			return failed()
		}
		if err := fn(k, f); err != nil {
			return err
		}
	}
}

// pull returns Each's findings one call at a time (false: no more, or a
// list failed to read back: then failed says why). The *Finding is valid
// until the next call; its strings stay valid.
func (r *Report) pull() (next func() (int, *Finding, bool), failed func() error) {
	k, i := 0, 0
	var err error
	var list func() (*Finding, bool)
	next = func() (int, *Finding, bool) {
		for err == nil && k < len(r.lists) {
			if list == nil {
				list = r.lists[k].pull()
			}
			if f, ok := list(); ok {
				f.New = r.isNew != nil && r.isNew[i>>6]&(1<<(i&63)) != 0
				i++
				return k, f, true
			}
			err = r.lists[k].Err()
			list = nil
			k++
		}
		return 0, nil, false
	}
	return next, func() error { return err }
}

// gateCounts are what the exit gate needs, per severity level (index
// Severity-1), over all findings and over new ones only.
type gateCounts struct {
	findings, newFindings [3]int // findings at exactly this severity
	// items with a finding at or above this severity
	items, newItems [3]int
	// items with a finding of exactly this severity (the rate gates)
	sevItems, newSevItems [3]int
}

// itemTracker counts distinct items: in report order an item's findings
// are adjacent, so remembering the last one is enough.
type itemTracker struct {
	file  int
	item  int
	valid bool
}

func (t *itemTracker) see(file, item int) bool {
	if item <= 0 || t.valid && t.file == file && t.item == item {
		return false
	}
	t.file, t.item, t.valid = file, item, true
	return true
}

// Finish reads the findings once: marks those the baseline does not excuse
// (base may be nil), groups them into issues and counts for the gate. A
// single file validated without a baseline was folded as it was
// validated (FileResult.fold, the same fold over the same sequence), so
// the findings are not read back a second time for it.
func (r *Report) Finish(base *Baseline, baseFile string) error {
	var err error
	if fo := r.folds; base == nil && len(r.lists) == 1 && len(fo) == 1 && fo[0] != nil && fo[0].channel == r.Files[0].Channel {
		r.Issues, r.gate = fo[0].issues, fo[0].gate
	} else {
		err = r.fold(base, baseFile)
	}
	for k := range r.Issues {
		r.Issues[k].Share = ratio(r.Issues[k].Items, r.Summary.Items)
	}
	slices.SortStableFunc(r.Issues, func(a, b Issue) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(b.Items, a.Items), cmp.Compare(b.Findings, a.Findings), cmp.Compare(a.Rule, b.Rule))
	})
	return err
}

// fold is Finish's pass over the findings read back.
func (r *Report) fold(base *Baseline, baseFile string) error {
	var m *BaselineMatch
	if base != nil {
		m = base.Match()
		r.Summary.Baseline = &BaselineSummary{File: baseFile, Findings: base.Size}
		r.isNew = make([]uint64, (r.Count()+63)/64)
	}
	fo := newIssueFold(r.Channel)
	i := 0
	err := r.Each(func(file int, f *Finding) error {
		isNew := false
		if m != nil && m.IsNew(f) {
			isNew = true
			r.isNew[i>>6] |= 1 << (i & 63)
			switch f.Severity {
			case Error:
				r.Summary.Baseline.NewErrors++
			case Warning:
				r.Summary.Baseline.NewWarnings++
			default:
				r.Summary.Baseline.NewInfos++
			}
		}
		i++
		if file < len(r.Files) {
			fo.channel = r.Files[file].Channel
		}
		fo.add(file, f, isNew)
		return nil
	})
	r.Issues, r.gate = fo.issues, fo.gate
	return err
}

// issueFold groups findings into issues and counts them for the gate, one
// finding at a time in report order (the result depends on the order:
// distinct items are counted as runs, examples are the first ones).
type issueFold struct {
	channel string // of the findings being added: the issues' docs links
	issues  []Issue
	idx     map[issueKey]int
	gate    gateCounts
	// all, fresh: items with a finding at or above a severity (all, new
	// only); exact, exactNew: at exactly a severity.
	all, fresh, exact, exactNew [3]itemTracker
}

// issueKey is one issue: a rule and an attribute, as Merchant Center
// lists "Missing value [image_link]" apart from "[condition]".
type issueKey struct{ rule, field string }

func newIssueFold(channel string) *issueFold {
	return &issueFold{channel: channel, issues: []Issue{}, idx: map[issueKey]int{}}
}

// add folds in one finding. f's strings may point into memory the caller
// reuses (a validate pipeline slot): what the fold keeps is copied.
func (o *issueFold) add(file int, f *Finding, isNew bool) {
	sev := min(max(int(f.Severity), 1), 3) - 1
	o.gate.findings[sev]++
	if isNew {
		o.gate.newFindings[sev]++
	}
	if o.exact[sev].see(file, f.Item) {
		o.gate.sevItems[sev]++
	}
	if isNew && o.exactNew[sev].see(file, f.Item) {
		o.gate.newSevItems[sev]++
	}
	for lvl := 0; lvl <= sev; lvl++ {
		if o.all[lvl].see(file, f.Item) {
			o.gate.items[lvl]++
		}
		if isNew && o.fresh[lvl].see(file, f.Item) {
			o.gate.newItems[lvl]++
		}
	}
	k, ok := o.idx[issueKey{f.Rule, f.Field}]
	if !ok {
		rule, field := strings.Clone(f.Rule), strings.Clone(f.Field)
		k = len(o.issues)
		o.idx[issueKey{rule, field}] = k
		title := RuleTitle(rule)
		if field != "" {
			title += " [" + field + "]"
		}
		fix := ""
		if rl, ok := ruleIndex[rule]; ok {
			fix = rl.Fix
		}
		o.issues = append(o.issues, Issue{Rule: rule, Title: title, Severity: f.Severity, Field: field,
			Fix: fix, Docs: docsURL(o.channel, field, rule), Examples: []IssueExample{}})
	}
	is := &o.issues[k]
	is.Findings++
	if isNew {
		is.New++
	}
	if f.Severity > is.Severity {
		is.Severity = f.Severity
	}
	if f.Item > 0 && (is.lastItem != f.Item || is.lastFile != f.File) {
		is.Items++
		is.lastItem = f.Item
		if is.lastFile != f.File {
			is.lastFile = strings.Clone(f.File)
		}
	}
	if len(is.Examples) < 3 && (len(is.Examples) == 0 || is.Examples[len(is.Examples)-1].Item != f.Item || f.Item == 0) {
		is.Examples = append(is.Examples, IssueExample{File: strings.Clone(f.File), Line: f.Line, Column: f.Column, Item: f.Item,
			ID: strings.Clone(f.ID), Field: strings.Clone(f.Field), Value: strings.Clone(clipValue(f.Value, 120))})
	}
}

func clipValue(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// GateOptions decide the exit status.
type GateOptions struct {
	FailOn string // error|warning|info|never
	// MaxErrorRate/MaxWarningRate, when ≥ 0, compare the share of items
	// with errors (warnings) instead of counting findings.
	MaxErrorRate, MaxWarningRate float64
}

// Gate returns "" when the run passes, or one line saying why it fails.
// With a baseline only new findings count, and the line says "new".
func (r *Report) Gate(o GateOptions, fmtInt func(int) string, fmtPct func(float64) string) string {
	newOnly := r.Summary.Baseline != nil
	items, findings, sevItems := r.gate.items, r.gate.findings, r.gate.sevItems
	if newOnly {
		items, findings, sevItems = r.gate.newItems, r.gate.newFindings, r.gate.newSevItems
	}
	qual := ""
	if newOnly {
		qual = "new "
	}
	countNoun := func(n int, one, many string) string { return fmtInt(n) + " " + nounFor(n, one, many) }
	if o.MaxErrorRate >= 0 || o.MaxWarningRate >= 0 {
		for _, c := range []struct {
			name  string
			limit float64
			n     int
		}{{"errors", o.MaxErrorRate, sevItems[Error-1]}, {"warnings", o.MaxWarningRate, sevItems[Warning-1]}} {
			if c.limit < 0 {
				continue
			}
			share := ratio(c.n, r.Summary.Items)
			if share > c.limit {
				return fmt.Sprintf("%s of %s (%s) %s %s%s, over the limit of %s", fmtInt(c.n), countNoun(r.Summary.Items, "item", "items"), fmtPct(share), verbHave(c.n), qual, c.name, fmtPct(c.limit))
			}
		}
		return ""
	}
	var lvl int
	var level string
	switch o.FailOn {
	case "never":
		return ""
	case "error":
		lvl, level = int(Error), "error"
	case "warning":
		lvl, level = int(Warning), "error or warning"
	default:
		lvl, level = int(Info), ""
	}
	n := 0
	for s := lvl; s <= int(Error); s++ {
		n += findings[s-1]
	}
	if n == 0 {
		return ""
	}
	if level != "" {
		level += " "
	}
	in := ""
	if items[lvl-1] > 0 { // file-level findings (a shop export, a bad header) are in no item
		in = " in " + countNoun(items[lvl-1], "item", "items")
	}
	return fmt.Sprintf("%s %s%s%s%s (--fail-on %s)", fmtInt(n), qual, level, nounFor(n, "finding", "findings"), in, o.FailOn)
}

// nounFor picks the noun for a count of n: "1 item", "2 items".
func nounFor(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

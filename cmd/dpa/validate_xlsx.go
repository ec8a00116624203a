package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

// maxFeedSheetRows caps the findings and feed sheets: the workbook holds
// rows in memory and is meant for people, not for million-item feeds
// (Excel stops at 1,048,576 rows anyway); -o json or csv has them all.
const maxFeedSheetRows = 100_000

// maxCellComments caps the notes saying why a feed cell is highlighted:
// each is a shape Excel lays out when the sheet opens, so a feed with 100,000
// highlighted cells would open slowly and the notes would not be read. The
// first ones (in file order) get a note; the header's first cell says how
// many did not.
const maxCellComments = 1000

// xlsxPrinter builds the marketer's workbook: the issues first, then a
// summary, the findings with filters and a frozen header, and each feed
// (the items kept while validating: the input is not read again) under its
// own column names with offending cells highlighted.
type xlsxPrinter struct{}

func (xlsxPrinter) Print(w io.Writer, rep *feed.Report) error {
	base := rep.Summary.Baseline != nil
	iss := render.Sheet{Name: "Issues", Columns: []string{"severity", "issue", "rule", "items", "share", "findings", "fix", "documentation", "examples"}, Freeze: true, Filter: true, ForExcel: true}
	if base {
		iss.Columns = append(iss.Columns, "new")
	}
	for _, is := range rep.Issues {
		var ex []string
		for _, e := range is.Examples {
			s := fmt.Sprintf("line %d", e.Line)
			if e.ID != "" {
				s += " (" + e.ID + ")"
			}
			ex = append(ex, s)
		}
		row := []any{is.Severity.String(), is.Title, is.Rule, is.Items, is.Share, is.Findings, is.Fix, is.Docs, strings.Join(ex, "; ")}
		if base {
			row = append(row, is.New)
		}
		iss.Rows = append(iss.Rows, row)
	}
	iss.Highlight = func(row, col int) string {
		if col == 0 {
			return iss.Rows[row][0].(string)
		}
		return ""
	}
	sum := render.Sheet{Name: "Summary", Columns: []string{"file", "format", "channel", "items", "valid_items", "errors", "warnings", "infos"}, Freeze: true}
	for _, f := range rep.Files {
		sum.Rows = append(sum.Rows, []any{f.File, f.Format, f.Channel, f.Items, f.ValidItems, f.Errors, f.Warnings, f.Infos})
	}
	sum.Rows = append(sum.Rows, []any{"total", "", rep.Channel, rep.Summary.Items, rep.Summary.ValidItems, rep.Summary.Errors, rep.Summary.Warnings, rep.Summary.Infos})

	fs := render.Sheet{Name: "Findings", Columns: findingColumns, Freeze: true, Filter: true, ForExcel: true}
	type key struct {
		file, item int
		field      string
	}
	worst := map[key]feed.Severity{}
	notes := map[key]string{} // why, for the first maxCellComments cells of each file
	noted := map[int]int{}
	// Only findings on a field the feed sheet has a column for are a cell.
	hasCol := make([]map[string]bool, len(rep.Files))
	for k := range rep.Files {
		hasCol[k] = map[string]bool{}
		for _, it := range rep.Kept(k).Items {
			for _, f := range it.Fields {
				hasCol[k][f.Name] = true
			}
		}
	}
	// One pass: the findings sheet, the worst severity per feed cell and
	// the notes (a cell's findings arrive together: they are in item order).
	err := rep.Each(func(k int, f *feed.Finding) error {
		if len(fs.Rows) < maxFeedSheetRows {
			fs.Rows = append(fs.Rows, []any{f.File, f.Item, f.Line, f.ID, f.Field, f.Rule, f.Severity.String(), f.Message, f.Value, f.Suggestion})
		}
		if f.Item > 0 && f.Item <= maxFeedSheetRows {
			kk := key{k, f.Item, f.Field}
			if f.Severity > worst[kk] {
				worst[kk] = f.Severity
			}
			why := fmt.Sprintf("%s (%s, %s): %s", feed.RuleTitle(f.Rule), f.Severity, f.Rule, f.Message)
			if n, ok := notes[kk]; ok {
				notes[kk] = n + "\n" + why
			} else if noted[k] < maxCellComments && hasCol[k][f.Field] {
				notes[kk] = why
				noted[k]++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sevCol := 6
	fs.Highlight = func(row, col int) string {
		if col == sevCol {
			return fs.Rows[row][sevCol].(string)
		}
		return ""
	}
	wb := render.Workbook{Sheets: []render.Sheet{iss, sum, fs}}
	for k := range rep.Files {
		kept := rep.Kept(k)
		if kept.Items == nil {
			continue
		}
		name := "Feed"
		if k > 0 {
			name = fmt.Sprintf("Feed %d", k+1)
		}
		wb.Sheets = append(wb.Sheets, feedSheet(name, k, kept, func(file, item int, field string) (feed.Severity, string, bool) {
			kk := key{file, item, field}
			s, ok := worst[kk]
			return s, notes[kk], ok
		}))
	}
	return render.WriteXLSX(w, wb)
}

// feedSheet lays the kept items out under the file's own column names
// (the header as written; fields XML items add later get their canonical
// name), highlights each cell with its worst finding and notes why on the
// cells that have a note.
func feedSheet(name string, file int, kept feed.KeptRows, worst func(file, item int, field string) (feed.Severity, string, bool)) render.Sheet {
	sh := render.Sheet{Name: name, Freeze: true, Filter: true, ForExcel: true}
	colIdx := map[string]int{}
	var canon []string
	for _, it := range kept.Items {
		row := make([]any, len(canon))
		for i, f := range it.Fields {
			c, ok := colIdx[f.Name]
			if !ok {
				c = len(canon)
				colIdx[f.Name] = c
				canon = append(canon, f.Name)
				title := f.Name
				if i < len(kept.Header) && feed.CanonicalName(kept.Header[i]) == f.Name {
					title = kept.Header[i]
				}
				sh.Columns = append(sh.Columns, title)
			}
			for len(row) <= c {
				row = append(row, nil)
			}
			if row[c] == nil {
				row[c] = f.Value
			}
		}
		sh.Rows = append(sh.Rows, row)
	}
	sh.Highlight = func(row, col int) string {
		if col >= len(canon) {
			return ""
		}
		if s, _, ok := worst(file, kept.Items[row].Index, canon[col]); ok {
			return s.String()
		}
		return ""
	}
	without := 0
	for r, it := range kept.Items {
		for c, field := range canon {
			if _, why, ok := worst(file, it.Index, field); ok {
				if why == "" {
					without++
					continue
				}
				sh.Comments = append(sh.Comments, render.CellComment{Row: r, Col: c, Text: why})
			}
		}
	}
	if without > 0 {
		sh.Comments = append(sh.Comments, render.CellComment{Row: -1, Col: 0, Text: fmt.Sprintf(
			"The first %s highlighted cells carry a note saying why; the other %s do not (a workbook with a note on every cell opens slowly): the Findings sheet has every finding.",
			render.Int(len(sh.Comments)), render.Int(without))})
	}
	return sh
}

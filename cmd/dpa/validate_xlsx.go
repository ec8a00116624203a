package main

import (
	"fmt"
	"io"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

// maxFeedSheetRows caps the "Feed" sheet: the workbook holds rows in
// memory and is meant for people, not for million-item feeds.
const maxFeedSheetRows = 100_000

// writeValidateXLSX builds the marketer's workbook: a summary, the findings
// with filters and a frozen header, and each feed with offending cells
// highlighted (the feed is read a second time, streamed).
func writeValidateXLSX(w io.Writer, rep *validateReport, o *validateOptions) error {
	sum := render.Sheet{Name: "Summary", Columns: []string{"file", "format", "channel", "items", "valid_items", "errors", "warnings", "infos"}, Freeze: true}
	for _, f := range rep.Files {
		sum.Rows = append(sum.Rows, []any{f.File, f.Format, f.Channel, f.Items, f.ValidItems, f.Errors, f.Warnings, f.Infos})
	}
	sum.Rows = append(sum.Rows, []any{"total", "", rep.Channel, rep.Summary.Items, rep.Summary.ValidItems, rep.Summary.Errors, rep.Summary.Warnings, rep.Summary.Infos})
	sum.Rows = append(sum.Rows, []any{}, []any{"rule", "severity", "count", "example file", "example line", "example id"})
	top, err := topRules(rep)
	if err != nil {
		return err
	}
	for _, r := range top {
		sum.Rows = append(sum.Rows, []any{r.rule, r.sev.String(), r.n, r.example.File, r.example.Line, r.example.ID})
	}
	fs := render.Sheet{Name: "Findings", Columns: findingColumns, Freeze: true, Filter: true, ForExcel: true}
	// A workbook is built in memory (and Excel stops at 1,048,576 rows):
	// it is meant for people, so it is capped; -o json or csv has them all.
	err = rep.each(func(f *feed.Finding) error {
		if len(fs.Rows) < maxFeedSheetRows {
			fs.Rows = append(fs.Rows, []any{f.File, f.Item, f.Line, f.ID, f.Field, f.Rule, f.Severity.String(), f.Message, f.Value, f.Suggestion})
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
	wb := render.Workbook{Sheets: []render.Sheet{sum, fs}}
	ro, _ := o.Read.options()
	for i, path := range o.Files {
		if path == "-" {
			continue // stdin cannot be read twice
		}
		sh, err := feedSheet(path, i, ro, rep)
		if err != nil {
			return err
		}
		wb.Sheets = append(wb.Sheets, sh)
	}
	return render.WriteXLSX(w, wb)
}

func feedSheet(path string, n int, ro feed.ReadOptions, rep *validateReport) (render.Sheet, error) {
	type key struct {
		item  int
		field string
	}
	worst := map[key]feed.Severity{}
	err := rep.each(func(f *feed.Finding) error {
		if f.File != path || f.Item == 0 || f.Item > maxFeedSheetRows {
			return nil
		}
		k := key{f.Item, f.Field}
		if f.Severity > worst[k] {
			worst[k] = f.Severity
		}
		return nil
	})
	if err != nil {
		return render.Sheet{}, err
	}
	name := "Feed"
	if n > 0 {
		name = fmt.Sprintf("Feed %d", n+1)
	}
	sh := render.Sheet{Name: name, Freeze: true, Filter: true, ForExcel: true}
	r, err := feed.OpenFile(path, ro)
	if err != nil {
		return sh, &inputError{err: err}
	}
	defer r.Close()
	colIdx := map[string]int{}
	var items []int
	for len(sh.Rows) < maxFeedSheetRows {
		it, err := r.Next()
		if it == nil || err != nil {
			break
		}
		row := make([]any, len(sh.Columns))
		for _, f := range it.Fields {
			c, ok := colIdx[f.Name]
			if !ok {
				c = len(sh.Columns)
				colIdx[f.Name] = c
				sh.Columns = append(sh.Columns, f.Name)
			}
			for len(row) <= c {
				row = append(row, nil)
			}
			if row[c] == nil {
				row[c] = f.Value
			}
		}
		sh.Rows = append(sh.Rows, row)
		items = append(items, it.Index)
	}
	sh.Highlight = func(row, col int) string {
		if col >= len(sh.Columns) {
			return ""
		}
		if s, ok := worst[key{items[row], sh.Columns[col]}]; ok {
			return s.String()
		}
		return ""
	}
	return sh, nil
}

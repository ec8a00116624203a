package main

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/dpa-tools/dpa/render"
)

// TestValidateXLSX reads the marketer's workbook back: a summary, the
// findings with a frozen header and filters, and the feed itself with the
// offending cells filled.
func TestValidateXLSX(t *testing.T) {
	io, out, errOut := render.Test()
	if code := run(t.Context(), []string{"validate", "-o", "xlsx", "../../examples/meta_feed.csv"}, io, fixedNow); code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 4 || got[0] != "Issues" || got[1] != "Summary" || got[2] != "Findings" || got[3] != "Feed" {
		t.Fatalf("sheets %v", got)
	}
	// Issues first: worst severity, then most items; a human title and a fix.
	issues, _ := f.GetRows("Issues")
	if len(issues) < 2 || issues[0][1] != "issue" || issues[1][0] != "error" || issues[1][1] == issues[1][2] || issues[1][6] == "" {
		t.Fatalf("issues sheet %v", issues[:min(2, len(issues))])
	}
	rows, _ := f.GetRows("Findings")
	if len(rows) != 16 || rows[0][5] != "rule" || rows[1][5] != "price.currency_missing" {
		t.Fatalf("findings sheet: %d rows, first %v", len(rows), rows[:min(2, len(rows))])
	}
	panes, err := f.GetPanes("Findings")
	if err != nil || !panes.Freeze {
		t.Fatalf("findings header not frozen: %+v %v", panes, err)
	}
	// The feed sheet: SKU-1002's price cell ($19.99, an error) is filled,
	// its title cell is not.
	feedRows, _ := f.GetRows("Feed")
	priceCol, titleCol := -1, -1
	for i, h := range feedRows[0] {
		switch h {
		case "price":
			priceCol = i
		case "title":
			titleCol = i
		}
	}
	fill := func(col int) string {
		cell, _ := excelize.CoordinatesToCellName(col+1, 3) // row 3 = item 2 (SKU-1002)
		id, _ := f.GetCellStyle("Feed", cell)
		st, _ := f.GetStyle(id)
		if st == nil || len(st.Fill.Color) == 0 {
			return ""
		}
		return st.Fill.Color[0]
	}
	if feedRows[2][priceCol] != "$19.99" || fill(priceCol) == "" || fill(titleCol) != "" {
		t.Fatalf("price %q fill %q, title fill %q", feedRows[2][priceCol], fill(priceCol), fill(titleCol))
	}
}

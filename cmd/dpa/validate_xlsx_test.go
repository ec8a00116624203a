package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// Highlighted feed cells carry a note saying why (rule title, severity,
// code and message); past maxCellComments the rest have none and the
// header says so. The old workbook had fills without a word.
func TestValidateXLSXCellComments(t *testing.T) {
	comments := func(t *testing.T, path string) map[string]string {
		t.Helper()
		io, out, errOut := render.Test()
		if code := run(t.Context(), []string{"validate", "-o", "xlsx", "--channel", "meta", path}, io, fixedNow); code != 1 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		f, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cs, err := f.GetComments("Feed")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, c := range cs {
			got[c.Cell] = c.Text
			for _, p := range c.Paragraph {
				got[c.Cell] += p.Text
			}
		}
		return got
	}
	got := comments(t, "../../examples/meta_feed.csv")
	// meta_feed.csv: price is the 6th column (F), SKU-1002 on row 3.
	if c := got["F3"]; !strings.Contains(c, "Missing currency in price") || !strings.Contains(c, `"$19.99"`) {
		t.Errorf("F3 (SKU-1002 price) comment %q; all: %v", c, got)
	}
	if _, ok := got["A1"]; ok {
		t.Errorf("a note on the header although every cell has one: %q", got["A1"])
	}

	var b strings.Builder
	b.WriteString("id,title,description,availability,condition,price,link,image_link,brand\n")
	for i := range maxCellComments + 50 {
		fmt.Fprintf(&b, "SKU-%d,Shirt %d,A shirt,in stock,new,$%d,https://x.example/%d,https://x.example/%d.jpg,Acme\n", i, i, i+1, i, i)
	}
	path := filepath.Join(t.TempDir(), "many.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got = comments(t, path)
	// Two highlighted cells per item (price without currency, description
	// too short): 2,100, of which 1,000 have a note.
	if want := "the other " + render.Int(2*(maxCellComments+50)-maxCellComments) + " do not"; len(got) != maxCellComments+1 || !strings.Contains(got["A1"], want) {
		t.Errorf("%d comments, header note %q", len(got), got["A1"])
	}
}

package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

var findingsTable = Table{
	Columns: []string{"LOCATION", "ID", "SEVERITY", "MESSAGE"},
	Rows: [][]string{
		{"feed.xml:2:1841", "SKU-1002", "error", `price "$19.99": no ISO 4217 currency code (write 10 USD, not $10) → 19.99 USD`},
		{"feed.xml:2:2977", "SKU-1003-a-very-long-identifier-from-a-shop", "warning", "short"},
		{"feed.xml:2:4410", "日本語", "info", "https://example.com/a/very/long/link/without/any/spaces/to/break/at/all"},
	},
}

// The message column wraps to fit the terminal; no text is lost.
func TestWriteTableFitsWidth(t *testing.T) {
	for _, width := range []int{60, 80} {
		var buf bytes.Buffer
		err := WriteTable(&buf, findingsTable, TableOptions{TTY: true, Width: width, MaxColWidth: 24, Wrap: []int{3}})
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			if w := twwidth.Width(line); w > width {
				t.Errorf("width %d: line %d is %d wide: %q", width, i+1, w, line)
			}
		}
		got := unwrap(buf.String())
		for r, row := range findingsTable.Rows {
			for c, cell := range row {
				if want := strings.ReplaceAll(cell, " ", ""); got[r][c] != want {
					t.Errorf("width %d: row %d column %d reads %q, want %q", width, r, c, got[r][c], want)
				}
			}
		}
		if strings.Contains(buf.String(), "…") {
			t.Errorf("width %d: a cell was truncated:\n%s", width, buf.String())
		}
		golden(t, "table_fit_"+map[int]string{60: "60", 80: "80"}[width], buf.Bytes())
	}
}

// unwrap reads a boxed table's body back into cells, joining the lines
// of a wrapped cell (spaces dropped: wrapping turns them into breaks). A
// row starts where the severity column (never wrapped) is not blank.
func unwrap(s string) [][]string {
	var rows [][]string
	lines := strings.Split(s, "\n")
	for _, line := range lines[3:] { // top rule, header, header rule
		if !strings.HasPrefix(line, "│") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "│"), "│")
		if strings.TrimSpace(cells[2]) != "" {
			rows = append(rows, make([]string, len(cells)))
		}
		row := rows[len(rows)-1]
		for c, cell := range cells {
			row[c] += strings.ReplaceAll(cell, " ", "")
		}
	}
	return rows
}

// Without a width (not a terminal) nothing is wrapped or cut.
func TestWriteTableNoWidthKeepsLines(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, findingsTable, TableOptions{Wrap: []int{3}}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "\n"); got != 7 { // 3 rules, header, 3 rows
		t.Errorf("%d lines, want 7:\n%s", got, buf.String())
	}
	for _, row := range findingsTable.Rows {
		if !strings.Contains(buf.String(), row[3]) {
			t.Errorf("message %q not on one line", row[3])
		}
	}
}

func TestWrapText(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"a bb ccc", 4, []string{"a bb", "ccc"}},
		{"abcdefgh ij", 3, []string{"abc", "def", "gh", "ij"}},
		{"", 5, []string{""}},
		{"日本語テキスト", 4, []string{"日本", "語テ", "キス", "ト"}},
		{"fits", 0, []string{"fits"}},
		{"examples/google_feed.xml:40:5", 20, []string{"examples/google_", "feed.xml:40:5"}},
		{"sale_price_effective_date.order", 19, []string{"sale_price_", "effective_date.", "order"}},
	} {
		got := wrapText(tc.in, tc.width)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrapText(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

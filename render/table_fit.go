package render

import (
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// minWrapWidth is the width the other columns are narrowed for, when the
// terminal is tight: below it a message reads a word per line. Below 10
// (the floor of every column) the table is wider than the terminal, which
// folds it: the lesser evil.
const minWrapWidth = 20

// writeFitted is WriteTable for a terminal of o.Width columns: nothing is
// cut, long cells continue on the next lines of their row.
func writeFitted(w io.Writer, t Table, header []string, o TableOptions) error {
	ncol := len(header)
	cells := make([][]string, len(t.Rows))
	for r, row := range t.Rows {
		if len(row) > ncol {
			return ragged(r, len(row), ncol)
		}
		cells[r] = make([]string, ncol)
		for c := range ncol {
			if c < len(row) {
				cells[r][c] = cleanCell(row[c])
			}
		}
	}
	widths := fitWidths(header, cells, o)
	rows := make([][]string, len(cells))
	for r, row := range cells {
		out := make([]string, ncol)
		for c, cell := range row {
			lines := wrapText(cell, widths[c])
			if o.RowStyle != nil {
				for i, l := range lines {
					lines[i] = o.RowStyle(r, c, l)
				}
			}
			out[c] = strings.Join(lines, "\n")
		}
		rows[r] = out
	}
	return drawTable(w, t, header, rows, o)
}

// fitWidths decides each column's width: its widest cell, at most
// MaxColWidth for the columns that keep their width, and for the Wrap
// columns what is left of o.Width after the others and the borders.
func fitWidths(header []string, cells [][]string, o TableOptions) []int {
	ncol := len(header)
	widths := make([]int, ncol)
	for c, h := range header {
		widths[c] = twwidth.Width(h)
	}
	for _, row := range cells {
		for c, cell := range row {
			widths[c] = max(widths[c], twwidth.Width(cell))
		}
	}
	fixed := 3*ncol + 1 // "│ " before each cell, " " after, the closing "│"
	var wrap []int
	for c := range widths {
		if slices.Contains(o.Wrap, c) {
			wrap = append(wrap, c)
			continue
		}
		if o.MaxColWidth > 0 {
			widths[c] = min(widths[c], max(o.MaxColWidth, twwidth.Width(header[c])))
		}
		fixed += widths[c]
	}
	if len(wrap) == 0 {
		return widths
	}
	room := o.Width - fixed
	natural := 0
	for _, c := range wrap {
		natural += widths[c]
	}
	// Give the wrapped columns a quarter of the terminal (at least
	// minWrapWidth each, at most what they need): narrow the widest other
	// column, one at a time, down to its header or 10.
	goal := min(natural, max(minWrapWidth*len(wrap), o.Width/4))
	for room < goal {
		widest := -1
		for c := range widths {
			floor := max(10, twwidth.Width(header[c]))
			if !slices.Contains(wrap, c) && widths[c] > floor && (widest < 0 || widths[c] > widths[widest]) {
				widest = c
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		room++
	}
	if natural <= room {
		return widths
	}
	// Share the room in proportion to what each wrapped column wants.
	for _, c := range wrap {
		widths[c] = max(10, room*widths[c]/natural, twwidth.Width(header[c]))
	}
	return widths
}

// wrapText breaks s into lines of at most width display columns, at spaces
// where it can and inside a word only when the word alone is wider. width
// <= 0 keeps s whole.
func wrapText(s string, width int) []string {
	if width <= 0 || twwidth.Width(s) <= width {
		return []string{s}
	}
	var lines []string
	var cur strings.Builder
	curW := 0
	flush := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		curW = 0
	}
	for _, word := range strings.Fields(s) {
		ww := twwidth.Width(word)
		if curW > 0 && curW+1+ww <= width {
			cur.WriteByte(' ')
			cur.WriteString(word)
			curW += 1 + ww
			continue
		}
		if curW > 0 {
			flush()
		}
		for ww > width { // a word wider than the column: break it
			head, rest := splitWidth(word, width)
			lines = append(lines, head)
			word, ww = rest, twwidth.Width(rest)
		}
		cur.WriteString(word)
		curW = ww
	}
	if curW > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// splitWidth cuts s after the most leading runes that fit in width columns
// (at least one, so a wide rune in a narrow column still makes progress),
// or after the last separator of a path, URL or rule code (/ . _ : - |)
// among them when that keeps at least a third of the width: "feed.xml:" over
// "40:5" reads better than "feed.xm" over "l:40:5".
func splitWidth(s string, width int) (string, string) {
	w, sep := 0, -1
	for i, r := range s {
		rw := twwidth.Width(string(r))
		if w+rw > width && i > 0 {
			if sep > 0 {
				return s[:sep], s[sep:]
			}
			return s[:i], s[i:]
		}
		w += rw
		if strings.ContainsRune("/._:-|", r) && w*3 >= width {
			sep = i + utf8.RuneLen(r)
		}
	}
	return s, ""
}

package render

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a neutral grid of text for WriteTable, WriteCSV and WriteTSV.
type Table struct {
	Columns []string
	Rows    [][]string
	// Align optionally sets per-column alignment for WriteTable: "left" or
	// "right" ("" or missing means left). Ignored by CSV/TSV.
	Align []string
}

// TableOptions controls WriteTable.
type TableOptions struct {
	// TTY selects a Unicode box; otherwise plain ASCII ("+-|") for logs.
	TTY bool
	// MaxColWidth truncates longer cells with "…" (counted in runes);
	// 0 means no limit. With Width set, cells are wrapped at it instead.
	MaxColWidth int
	// Width, when > 0, fits the table to a terminal of that many columns
	// without cutting text: the Wrap columns are word-wrapped onto as many
	// lines as they need in the room the other columns leave (at least
	// minWrapWidth), and the other columns are wrapped at MaxColWidth. 0
	// keeps every cell on one line, for logs and files.
	Width int
	// Wrap lists the 0-based columns that give way to fit Width (a
	// message column); the others keep their natural width.
	Wrap []int
	// Styles, when non-nil, styles the header row (bold). Pass styles
	// built for the destination stream; with colour off they are no-ops.
	Styles *Styles
	// RowStyle, when non-nil, rewrites each body cell after truncation,
	// typically to colour a severity column. row and col are 0-based. Escape
	// codes it adds do not count towards column widths.
	RowStyle func(row int, col int, cell string) string
}

var errRaggedRow = errors.New("row has more cells than columns")

func ragged(r, cells, ncol int) error {
	return fmt.Errorf("table row %d: %d cells for %d columns: %w", r+1, cells, ncol, errRaggedRow)
}

// WriteTable draws t as a boxed text table. Header text is printed verbatim
// (tablewriter would otherwise turn "feed_id" into "FEED ID"), control
// characters in cells are neutralised so feed data cannot move the cursor or
// inject escape sequences, and trailing spaces are stripped from every line
// so golden files stay stable. Rows shorter than Columns are padded; longer
// rows are an error.
func WriteTable(w io.Writer, t Table, o TableOptions) error {
	ncol := len(t.Columns)
	if ncol == 0 {
		return nil
	}
	header := make([]string, ncol)
	for i, c := range t.Columns {
		c = cleanCell(c)
		if o.MaxColWidth > 0 {
			c = Truncate(c, o.MaxColWidth)
		}
		if o.Styles != nil {
			c = o.Styles.Bold(c)
		}
		header[i] = c
	}
	if o.Width > 0 {
		return writeFitted(w, t, header, o)
	}
	rows := make([][]string, len(t.Rows))
	for r, row := range t.Rows {
		if len(row) > ncol {
			return ragged(r, len(row), ncol)
		}
		out := make([]string, ncol)
		for c := range out {
			var cell string
			if c < len(row) {
				cell = cleanCell(row[c])
			}
			if o.MaxColWidth > 0 {
				cell = Truncate(cell, o.MaxColWidth)
			}
			if o.RowStyle != nil {
				cell = o.RowStyle(r, c, cell)
			}
			out[c] = cell
		}
		rows[r] = out
	}

	return drawTable(w, t, header, rows, o)
}

// drawTable draws prepared cells (clean, cut or wrapped, styled).
func drawTable(w io.Writer, t Table, header []string, rows [][]string, o TableOptions) error {
	ncol := len(header)
	align := make([]tw.Align, ncol)
	for i := range align {
		align[i] = tw.AlignLeft
		if i < len(t.Align) && strings.EqualFold(t.Align[i], "right") {
			align[i] = tw.AlignRight
		}
	}
	style := tw.StyleASCII
	if o.TTY {
		style = tw.StyleLight
	}

	var buf bytes.Buffer
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(style)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	tbl.Header(header)
	if err := tbl.Bulk(rows); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("table: %w", err)
	}
	return writeTrimmed(w, &buf)
}

// CleanLine is cleanCell for the human-facing lines outside tables
// (warnings, "e.g." lines, action lines): one sanitiser, so an id with an
// escape sequence cannot reach the terminal by a side door (issue 10 #11).
func CleanLine(s string) string { return cleanCell(s) }

// cleanCell makes a cell safe to print on a terminal: newlines and tabs
// become spaces (a table cell is one line), other control characters
// (ESC, BEL, C1 controls) become U+FFFD so data cannot inject escapes.
func cleanCell(s string) string {
	clean := true
	for _, r := range s {
		if unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return '\uFFFD'
		}
		return r
	}, s)
}

func writeTrimmed(w io.Writer, src *bytes.Buffer) error {
	bw := bufio.NewWriter(w)
	for _, line := range strings.SplitAfter(src.String(), "\n") {
		if line == "" {
			continue
		}
		nl := strings.HasSuffix(line, "\n")
		bw.WriteString(strings.TrimRight(line, " \n"))
		if nl {
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// CSVOptions controls WriteCSV.
type CSVOptions struct {
	// ForExcel applies SafeCell to every cell, for files a person will open
	// in a spreadsheet. Leave it off for files a platform or script ingests:
	// the "'" would be stored as data (export-formats.md §7.3).
	ForExcel bool
}

// WriteCSV writes t as RFC 4180 CSV with "\n" line endings and a header row.
func WriteCSV(w io.Writer, t Table, o CSVOptions) error {
	cw := NewCSVWriter(w, t.Columns, o)
	for _, row := range t.Rows {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// CSVWriter streams rows in WriteCSV's format, for reports too large to
// hold as a Table.
type CSVWriter struct {
	cw  *csv.Writer
	o   CSVOptions
	rec []string
	err error
}

// NewCSVWriter writes the header row and returns a writer for the rest.
func NewCSVWriter(w io.Writer, columns []string, o CSVOptions) *CSVWriter {
	c := &CSVWriter{cw: csv.NewWriter(w), o: o}
	c.err = c.Write(columns)
	return c
}

// Write writes one row.
func (c *CSVWriter) Write(cells []string) error {
	if c.err != nil {
		return c.err
	}
	c.rec = c.rec[:0]
	for _, v := range cells {
		if c.o.ForExcel {
			v = SafeCell(v)
		}
		c.rec = append(c.rec, v)
	}
	if err := c.cw.Write(c.rec); err != nil {
		c.err = fmt.Errorf("csv: %w", err)
	}
	return c.err
}

// Flush writes buffered rows and reports any error.
func (c *CSVWriter) Flush() error {
	c.cw.Flush()
	if c.err == nil {
		if err := c.cw.Error(); err != nil {
			c.err = fmt.Errorf("csv: %w", err)
		}
	}
	return c.err
}

// SafeCell neutralises spreadsheet formula injection (CWE-1236): a cell
// whose first character is "=", "+", "-", "@", tab, carriage return or NUL
// is prefixed with a single quote, the OWASP recommendation. Quoting alone is
// not enough, Excel still evaluates a quoted "=cmd|…". Other cells are
// returned unchanged. This alters data, so use it only for files people
// open in a spreadsheet, never for files a platform ingests
// (export-formats.md §7).
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', 0:
		return "'" + s
	}
	return s
}

// WriteTSV writes t as tab-separated values with a header row and "\n" line
// endings, for `cut`/`awk` pipelines. TSV has no quoting, so tabs, carriage
// returns and newlines inside a cell are replaced by a space; nothing else
// is escaped.
func WriteTSV(w io.Writer, t Table) error {
	bw := bufio.NewWriter(w)
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				bw.WriteByte('\t')
			}
			bw.WriteString(tsvReplacer.Replace(c))
		}
		bw.WriteByte('\n')
	}
	line(t.Columns)
	for _, row := range t.Rows {
		line(row)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tsv: %w", err)
	}
	return nil
}

var tsvReplacer = strings.NewReplacer("\r\n", " ", "\t", " ", "\r", " ", "\n", " ")

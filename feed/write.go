package feed

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ItemWriter streams items into one output feed. Close writes any trailer
// (the XML closing tags) and flushes; it does not close the underlying
// io.Writer.
type ItemWriter interface {
	Write(it *Item) error
	Close() error
}

// rowEncoder is implemented by feed's own writers. Encoding an item does not
// depend on the items before it, so parallel workers can turn items into
// bytes and the ordered stage only copies them: Write(it) and
// writeEncoded(encode(nil, it)) produce the same bytes.
type rowEncoder interface {
	ItemWriter
	// newEncoder returns an encoder for one goroutine (it owns scratch
	// buffers); many may run at once.
	newEncoder() func(dst []byte, it *Item) []byte
	writeEncoded(b []byte) error
}

// WriteOptions configure NewWriter.
type WriteOptions struct {
	// Columns is the header of tabular formats and the field order of XML
	// and JSON: fields not listed are not written.
	Columns []string
	// ForExcel neutralises cells that a spreadsheet would run as formulas
	// ("=", "+", "-", "@", tab, CR). Only for CSV meant for people: a
	// platform would store the added "'" as data.
	ForExcel bool
	// Title is the RSS channel title (XML only).
	Title string
	// Exact writes every field as it is, for lossless conversion: no list
	// is joined or split, a repeated name stays repeated and empty values
	// are kept. Tabular formats give the k-th column of a name the k-th
	// field of that name (Columns lists a name as often as it may repeat:
	// see ScanLayout), and Write fails with ErrNoColumn on a field no
	// column can hold rather than drop it; XML fails with
	// ErrUnrepresentable on a character XML cannot hold (see
	// CheckXMLText) rather than drop it. XML and JSON Lines ignore
	// Columns and write the item's fields in its order: a repeated name as
	// repeated elements or as a JSON array.
	Exact bool
}

// ErrNoColumn is returned by an Exact tabular writer for a field that the
// columns have no place for (a ragged row, or a name the layout lacks).
var ErrNoColumn = errors.New("no column for this field")

// ErrUnrepresentable is wrapped by an Exact writer's error for a value
// the output format cannot hold. CSV, TSV and JSON Lines hold any text;
// XML 1.0 (and so XLSX, whose sheets are XML) has no way to write most C0
// control characters, U+FFFE or U+FFFF, not even as character references.
var ErrUnrepresentable = errors.New("XML 1.0, and so XML and XLSX output, cannot hold this character")

// CheckXMLText returns an error wrapping ErrUnrepresentable that names the
// item, field, code point and position of the first character of the
// item's values XML 1.0 cannot hold, or nil. The channel writers drop
// such characters (normalize reports them as text.control_chars); a
// lossless conversion must refuse them instead.
func CheckXMLText(it *Item) error {
	for _, f := range it.Fields {
		n := 0 // characters before i
		for i := 0; i < len(f.Value); n++ {
			c := f.Value[i]
			if c < utf8.RuneSelf {
				if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
					return xmlCharError(it, f.Name, fmt.Sprintf("U+%04X", c), n+1)
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(f.Value[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				return xmlCharError(it, f.Name, fmt.Sprintf("byte 0x%02X (invalid UTF-8)", c), n+1)
			case r == 0xFFFE || r == 0xFFFF:
				return xmlCharError(it, f.Name, fmt.Sprintf("U+%04X", r), n+1)
			}
			i += size
		}
	}
	return nil
}

func xmlCharError(it *Item, field, what string, at int) error {
	return fmt.Errorf("%s:%d: item %d: field %q: %s at character %d: %w", it.File, it.Line, it.Index, field, what, at, ErrUnrepresentable)
}

// NewWriter returns a writer for format (csv, tsv, xml, jsonl).
// Repeated fields (additional_image_link) become one comma-separated cell
// in tabular formats and repeated elements in XML.
func NewWriter(w io.Writer, format string, o WriteOptions) (ItemWriter, error) {
	if o.Exact {
		return newExactWriter(w, format, o)
	}
	switch format {
	case FormatCSV, FormatTSV:
		t := &tableWriter{bw: bufio.NewWriter(w), cols: o.Columns, excel: o.ForExcel, tsv: format == FormatTSV}
		t.enc = t.newEncoder()
		t.buf = t.encodeCells(t.buf[:0], append([]string(nil), o.Columns...))
		_, err := t.bw.Write(t.buf)
		return t, err
	case FormatXML:
		x := &xmlWriter{bw: bufio.NewWriter(w), cols: o.Columns}
		for _, c := range o.Columns {
			name := xmlName(c)
			if !xmlPlain[c] {
				name = "g:" + name
			}
			x.open = append(x.open, "      <"+name+">")
			x.close = append(x.close, "</"+name+">\n")
		}
		title := o.Title
		if title == "" {
			title = "dpa feed"
		}
		x.bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">` + "\n  <channel>\n    <title>")
		x.bw.Write(appendXMLEscape(nil, title))
		x.bw.WriteString("</title>\n")
		return x, nil
	case FormatJSONL:
		j := &jsonlWriter{bw: bufio.NewWriter(w), cols: o.Columns}
		for _, c := range o.Columns {
			k, _ := json.Marshal(c)
			j.keys = append(j.keys, string(k)+":")
		}
		return j, nil
	}
	return nil, fmt.Errorf("output format %q: %w (want csv, tsv, xml or jsonl)", format, errUnsupportedFormat)
}

// colPlan maps one field layout to the output columns: for each column the
// positions of the item's fields of that name, in field order. Items from
// one source share a layout, so an encoder finds each column's fields
// without comparing every column with every field.
type colPlan struct {
	names []string // the layout this plan is for
	start []int32  // per column: its positions are at[start[c]:start[c+1]]
	at    []int32
}

func (p *colPlan) update(cols []string, fields []Field) *colPlan {
	same := len(fields) == len(p.names) && len(p.start) == len(cols)+1
	for i := 0; same && i < len(fields); i++ {
		same = fields[i].Name == p.names[i]
	}
	if same {
		return p
	}
	p.names, p.start, p.at = p.names[:0], p.start[:0], p.at[:0]
	for _, f := range fields {
		p.names = append(p.names, f.Name)
	}
	for _, c := range cols {
		p.start = append(p.start, int32(len(p.at)))
		for k := range fields {
			if fields[k].Name == c {
				p.at = append(p.at, int32(k))
			}
		}
	}
	p.start = append(p.start, int32(len(p.at)))
	return p
}

func (p *colPlan) positions(col int) []int32 { return p.at[p.start[col]:p.start[col+1]] }

// values returns the item's value for each column (Item.Get); repeated list
// fields are joined with "," as text feeds expect.
func (p *colPlan) values(it *Item, cols []string, buf []string) []string {
	p.update(cols, it.Fields)
	buf = buf[:0]
	for ci, c := range cols {
		v := ""
		n := 0
		for _, k := range p.positions(ci) {
			if f := it.Fields[k].Value; f != "" {
				if n == 0 {
					v = f
				}
				n++
			}
		}
		if n > 1 && c == "additional_image_link" {
			v = strings.Join(it.All(c), ",")
		}
		buf = append(buf, v)
	}
	return buf
}

type tableWriter struct {
	bw    *bufio.Writer
	cols  []string
	excel bool
	tsv   bool
	enc   func([]byte, *Item) []byte
	buf   []byte
}

func (t *tableWriter) newEncoder() func([]byte, *Item) []byte {
	var cells []string
	var plan colPlan
	return func(dst []byte, it *Item) []byte {
		cells = plan.values(it, t.cols, cells)
		return t.encodeCells(dst, cells)
	}
}

// encodeCells appends one row; it rewrites cells in place.
func (t *tableWriter) encodeCells(dst []byte, cells []string) []byte {
	if t.excel || t.tsv {
		for i, c := range cells {
			if t.tsv {
				// Tab feeds have no quoting platforms agree on: a tab or
				// line break inside a value would split the row.
				c = tsvClean.Replace(c)
			}
			if t.excel {
				c = safeCell(c)
			}
			cells[i] = c
		}
	}
	if t.tsv {
		// A value holding a quote is quoted with the quote doubled, as
		// Google's "Quoted attributes" page asks for tab-delimited sources
		// (quoted fields are on by default for new data sources):
		// https://support.google.com/merchants/answer/14998273
		// A bare `29" x 13"` would be read as a broken quoted field by
		// Merchant Center and by dpa's own TSV reader (csv.syntax).
		return appendQuotedRow(dst, cells, '\t')
	}
	return appendCSVRow(dst, cells)
}

// appendCSVRow encodes a record exactly as encoding/csv's Writer does with
// Comma ',' and UseCRLF false (a test holds it to that), without a
// bufio.Writer per goroutine.
func appendCSVRow(dst []byte, cells []string) []byte { return appendQuotedRow(dst, cells, ',') }

// appendQuotedRow is encoding/csv's quoting with any ASCII delimiter.
func appendQuotedRow(dst []byte, cells []string, comma byte) []byte {
	for n, field := range cells {
		if n > 0 {
			dst = append(dst, comma)
		}
		if !csvNeedsQuotes(field, comma) {
			dst = append(dst, field...)
			continue
		}
		dst = append(dst, '"')
		for len(field) > 0 {
			i := strings.IndexByte(field, '"')
			if i < 0 {
				dst = append(dst, field...)
				break
			}
			dst = append(dst, field[:i+1]...)
			dst = append(dst, '"')
			field = field[i+1:]
		}
		dst = append(dst, '"')
	}
	return append(dst, '\n')
}

func csvNeedsQuotes(field string, comma byte) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	i := 0
	for ; i+8 <= len(field); i += 8 {
		w := load64(field, i)
		if hasByte(w, '\n')|hasByte(w, '\r')|hasByte(w, '"')|hasByte(w, comma) != 0 {
			return true
		}
	}
	for ; i < len(field); i++ {
		if c := field[i]; c == '\n' || c == '\r' || c == '"' || c == comma {
			return true
		}
	}
	r1, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r1)
}

func (t *tableWriter) Write(it *Item) error {
	t.buf = t.enc(t.buf[:0], it)
	_, err := t.bw.Write(t.buf)
	return err
}

// RowWriter is an ItemWriter whose rows can be encoded apart from being
// written: WriteRow(AppendRow(nil, it)) writes what Write(it) does.
// Writers with the same format and columns encode an item to the same
// bytes, so one encoding can go into several files. NewWriter's CSV and
// TSV writers are RowWriters. AppendRow is for one goroutine at a time.
type RowWriter interface {
	ItemWriter
	AppendRow(dst []byte, it *Item) []byte
	WriteRow(row []byte) error
}

func (t *tableWriter) AppendRow(dst []byte, it *Item) []byte { return t.enc(dst, it) }

func (t *tableWriter) WriteRow(row []byte) error { return t.writeEncoded(row) }

func (t *tableWriter) writeEncoded(b []byte) error {
	_, err := t.bw.Write(b)
	return err
}

func (t *tableWriter) Close() error { return t.bw.Flush() }

var tsvClean = strings.NewReplacer("\r\n", " ", "\t", " ", "\r", " ", "\n", " ")

// safeCell mirrors render.SafeCell; feed must not import render.
func safeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', 0:
		return "'" + s
	}
	return s
}

type xmlWriter struct {
	bw          *bufio.Writer
	cols        []string
	open, close []string // element tags per column, computed once
	buf         []byte
	plan        colPlan
}

// xmlPlain are the RSS core elements written without the g: namespace.
var xmlPlain = map[string]bool{"title": true, "link": true, "description": true, "dpa_reason": true}

func (x *xmlWriter) newEncoder() func([]byte, *Item) []byte {
	var plan colPlan
	return func(dst []byte, it *Item) []byte { return x.encode(&plan, dst, it) }
}

func (x *xmlWriter) encode(plan *colPlan, dst []byte, it *Item) []byte {
	plan.update(x.cols, it.Fields)
	dst = append(dst, "    <item>\n"...)
	for i, c := range x.cols {
		list := c == "additional_image_link"
		for _, k := range plan.positions(i) {
			f := &it.Fields[k]
			if f.Value == "" {
				continue
			}
			if list && indexEither(f.Value, ',', '|') >= 0 {
				// splitList's parts, without building the list
				for v := f.Value; v != ""; {
					p, rest, _ := strings.Cut(v, ",")
					if j := strings.IndexByte(p, '|'); j >= 0 {
						p, rest = v[:j], v[j+1:]
					}
					v = rest
					if p = strings.TrimSpace(p); p != "" {
						dst = x.element(dst, i, p)
					}
				}
				continue
			}
			if (c == "shipping" || c == "tax") && strings.Count(f.Value, ":") == 3 {
				dst = x.group(dst, i, c, f.Value)
				continue
			}
			dst = x.element(dst, i, f.Value)
		}
	}
	return append(dst, "    </item>\n"...)
}

func (x *xmlWriter) element(dst []byte, col int, v string) []byte {
	dst = append(dst, x.open[col]...)
	dst = appendXMLEscape(dst, v)
	return append(dst, x.close[col]...)
}

// group writes "US:CA:Ground:4.95 USD" as Google's nested elements, the
// form the XML reader turns back into the same colon string.
func (x *xmlWriter) group(dst []byte, col int, field, v string) []byte {
	subs := [4]string{"country", "region", "service", "price"}
	if field == "tax" {
		subs = [4]string{"country", "region", "rate", "tax_ship"}
	}
	dst = append(dst, x.open[col]...)
	dst = append(dst, '\n')
	for i := range 4 {
		p, rest, _ := strings.Cut(v, ":")
		v = rest
		if p == "" {
			continue
		}
		dst = append(dst, "        <g:"...)
		dst = append(dst, subs[i]...)
		dst = append(dst, '>')
		dst = appendXMLEscape(dst, p)
		dst = append(dst, "</g:"...)
		dst = append(dst, subs[i]...)
		dst = append(dst, ">\n"...)
	}
	dst = append(dst, "      "...)
	return append(dst, x.close[col]...)
}

func (x *xmlWriter) Write(it *Item) error {
	x.buf = x.encode(&x.plan, x.buf[:0], it)
	_, err := x.bw.Write(x.buf)
	return err
}

func (x *xmlWriter) writeEncoded(b []byte) error {
	_, err := x.bw.Write(b)
	return err
}

func (x *xmlWriter) Close() error {
	x.bw.WriteString("  </channel>\n</rss>\n")
	return x.bw.Flush()
}

// xmlName makes a field name a valid XML element name ("video[0].url" →
// "video_0_.url").
func xmlName(s string) string {
	ok := func(i int, r rune) bool {
		return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
			i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.')
	}
	var b strings.Builder
	for i, r := range s {
		if ok(i, r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// appendXMLEscape escapes text content. Characters XML 1.0 cannot carry
// are dropped rather than producing a document no parser accepts; invalid
// UTF-8 becomes U+FFFD.
func appendXMLEscape(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		// Eight plain ASCII bytes (no markup character, no control
		// character) are copied as they are.
		if i+8 <= len(s) {
			if w := load64(s, i); ctlOrHigh(w)|hasByte(w, '<')|hasByte(w, '>')|hasByte(w, '&') == 0 {
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '&':
				esc = "&amp;"
			case c == '\r':
				esc = "&#xD;"
			case c < 0x20 && c != '\t' && c != '\n':
				esc = ""
			default:
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, s[start:i]...)
			if r == utf8.RuneError {
				dst = utf8.AppendRune(dst, r)
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

type jsonlWriter struct {
	bw   *bufio.Writer
	cols []string
	keys []string // JSON-encoded column names with the colon
	buf  []byte
}

func (j *jsonlWriter) newEncoder() func([]byte, *Item) []byte { return j.encode }

func (j *jsonlWriter) encode(dst []byte, it *Item) []byte {
	dst = append(dst, '{')
	first := true
	for i, c := range j.cols {
		v := it.Get(c)
		if c == "additional_image_link" {
			v = strings.Join(it.All(c), ",")
		}
		if v == "" {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		val, _ := json.Marshal(v)
		dst = append(dst, j.keys[i]...)
		dst = append(dst, val...)
	}
	return append(dst, "}\n"...)
}

func (j *jsonlWriter) Write(it *Item) error {
	j.buf = j.encode(j.buf[:0], it)
	_, err := j.bw.Write(j.buf)
	return err
}

func (j *jsonlWriter) writeEncoded(b []byte) error {
	_, err := j.bw.Write(b)
	return err
}

func (j *jsonlWriter) Close() error { return j.bw.Flush() }

// ---- exact (lossless) writers ----

func newExactWriter(w io.Writer, format string, o WriteOptions) (ItemWriter, error) {
	switch format {
	case FormatCSV, FormatTSV:
		t := &tableWriter{bw: bufio.NewWriter(w), cols: o.Columns, excel: o.ForExcel, tsv: format == FormatTSV}
		e := &exactTable{t: t, row: NewExactRow(o.Columns)}
		if t.tsv {
			t.buf = appendQuotedRow(t.buf[:0], o.Columns, '\t')
		} else {
			t.buf = t.encodeCells(t.buf[:0], append([]string(nil), o.Columns...))
		}
		_, err := t.bw.Write(t.buf)
		return e, err
	case FormatXML, FormatJSONL:
		x, err := NewWriter(w, format, WriteOptions{Title: o.Title})
		if err != nil {
			return nil, err
		}
		if xw, ok := x.(*xmlWriter); ok {
			return &exactXML{x: xw, tags: map[string][2]string{}}, nil
		}
		return &exactJSONL{j: x.(*jsonlWriter), keys: map[string]string{}}, nil
	}
	return nil, fmt.Errorf("output format %q: %w (want csv, tsv, xml or jsonl)", format, errUnsupportedFormat)
}

// ExactRow places an item's fields in a tabular layout whose columns may
// repeat a name: the k-th field of a name goes to the k-th column of that
// name. The cells of an XLSX sheet are laid out with it too.
type ExactRow struct {
	cols   []string
	byName map[string][]int
	seen   map[string]int
	cells  []string
}

// NewExactRow prepares the layout for cols.
func NewExactRow(cols []string) *ExactRow {
	r := &ExactRow{cols: cols, byName: map[string][]int{}, seen: map[string]int{}, cells: make([]string, len(cols))}
	for i, c := range cols {
		r.byName[c] = append(r.byName[c], i)
	}
	return r
}

// Cells returns the item's cells (reused by the next call), or an error
// wrapping ErrNoColumn naming the first field without a column.
func (r *ExactRow) Cells(it *Item) ([]string, error) {
	clear(r.cells)
	clear(r.seen)
	for _, f := range it.Fields {
		k := r.seen[f.Name]
		r.seen[f.Name] = k + 1
		at := r.byName[f.Name]
		if k >= len(at) {
			what := fmt.Sprintf("field %q", f.Name)
			if k > 0 {
				what = fmt.Sprintf("value %d of field %q", k+1, f.Name)
			}
			return nil, fmt.Errorf("%s:%d: item %d: %s: %w", it.File, it.Line, it.Index, what, ErrNoColumn)
		}
		r.cells[at[k]] = f.Value
	}
	return r.cells, nil
}

type exactTable struct {
	t   *tableWriter
	row *ExactRow
}

func (e *exactTable) Write(it *Item) error {
	cells, err := e.row.Cells(it)
	if err != nil {
		return err
	}
	if e.t.tsv {
		// Values keep their tabs and line breaks: quoted as encoding/csv
		// (and so dpa's TSV reader) understands, where the channel writer
		// would replace them with spaces.
		e.t.buf = appendQuotedRow(e.t.buf[:0], cells, '\t')
	} else {
		e.t.buf = e.t.encodeCells(e.t.buf[:0], cells)
	}
	_, err = e.t.bw.Write(e.t.buf)
	return err
}

func (e *exactTable) Close() error { return e.t.Close() }

type exactXML struct {
	x    *xmlWriter
	tags map[string][2]string
	buf  []byte
}

func (e *exactXML) Write(it *Item) error {
	if err := CheckXMLText(it); err != nil {
		return err
	}
	b := append(e.buf[:0], "    <item>\n"...)
	for _, f := range it.Fields {
		tag, ok := e.tags[f.Name]
		if !ok {
			name := xmlName(f.Name)
			if !xmlPlain[f.Name] {
				name = "g:" + name
			}
			tag = [2]string{"      <" + name + ">", "</" + name + ">\n"}
			e.tags[f.Name] = tag
		}
		if (f.Name == "shipping" || f.Name == "tax") && strings.Count(f.Value, ":") == 3 {
			// The element form the XML reader turns back into this string.
			b = append(b, tag[0]...)
			b = append(b, '\n')
			subs := [4]string{"country", "region", "service", "price"}
			if f.Name == "tax" {
				subs = [4]string{"country", "region", "rate", "tax_ship"}
			}
			v := f.Value
			for i := range 4 {
				p, rest, _ := strings.Cut(v, ":")
				v = rest
				if p == "" {
					continue
				}
				b = append(b, "        <g:"+subs[i]+">"...)
				b = appendXMLEscape(b, p)
				b = append(b, "</g:"+subs[i]+">\n"...)
			}
			b = append(b, "      "...)
			b = append(b, tag[1]...)
			continue
		}
		b = append(b, tag[0]...)
		b = appendXMLEscape(b, f.Value)
		b = append(b, tag[1]...)
	}
	e.buf = append(b, "    </item>\n"...)
	_, err := e.x.bw.Write(e.buf)
	return err
}

func (e *exactXML) Close() error { return e.x.Close() }

type exactJSONL struct {
	j    *jsonlWriter
	keys map[string]string
	done map[string]bool
	buf  []byte
}

func (e *exactJSONL) Write(it *Item) error {
	if e.done == nil {
		e.done = map[string]bool{}
	}
	clear(e.done)
	b := append(e.buf[:0], '{')
	for i, f := range it.Fields {
		if e.done[f.Name] {
			continue
		}
		e.done[f.Name] = true
		key, ok := e.keys[f.Name]
		if !ok {
			k, _ := json.Marshal(f.Name)
			key = string(k) + ":"
			e.keys[f.Name] = key
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, key...)
		n := 0
		for _, g := range it.Fields[i+1:] {
			if g.Name == f.Name {
				n++
			}
		}
		if n == 0 {
			v, _ := json.Marshal(f.Value)
			b = append(b, v...)
			continue
		}
		// A repeated name becomes an array, which the JSON reader turns
		// back into the same repeated field.
		b = append(b, '[')
		for k, g := range it.Fields[i:] {
			if g.Name != f.Name {
				continue
			}
			if k > 0 {
				b = append(b, ',')
			}
			v, _ := json.Marshal(g.Value)
			b = append(b, v...)
		}
		b = append(b, ']')
	}
	e.buf = append(b, "}\n"...)
	_, err := e.j.bw.Write(e.buf)
	return err
}

func (e *exactJSONL) Close() error { return e.j.Close() }

// ScanLayout reads r to the end and returns the tabular layout that holds
// every field of every item: each name in first-seen order, repeated as
// often as any one item repeats it (the repeats side by side). For a
// tabular source this is its header unless rows are ragged.
func ScanLayout(r Reader) ([]string, error) {
	var order []string
	most := map[string]int{}
	count := map[string]int{}
	for {
		it, err := r.Next()
		if it != nil {
			clear(count)
			for _, f := range it.Fields {
				count[f.Name]++
				if _, ok := most[f.Name]; !ok {
					order = append(order, f.Name)
				}
				most[f.Name] = max(most[f.Name], count[f.Name])
			}
		}
		if err != nil || it == nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			// Columns seen in a header but empty in every item still count.
			for _, c := range r.Columns() {
				if _, ok := most[c]; !ok {
					order = append(order, c)
					most[c] = 1
				}
			}
			var cols []string
			for _, n := range order {
				for range most[n] {
					cols = append(cols, n)
				}
			}
			return cols, err
		}
	}
}

package feed

import (
	"bufio"
	"encoding/json"
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
}

// WriteFormats lists the output formats NewWriter accepts.
var WriteFormats = []string{FormatCSV, FormatTSV, FormatXML, FormatJSONL}

// NewWriter returns a writer for format (csv, tsv, xml, jsonl).
// Repeated fields (additional_image_link) become one comma-separated cell
// in tabular formats and repeated elements in XML.
func NewWriter(w io.Writer, format string, o WriteOptions) (ItemWriter, error) {
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
	return nil, fmt.Errorf("output format %q: %w (want csv, tsv, xml or jsonl)", format, ErrUnsupportedFormat)
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
		// encoding/csv would quote values containing quotes; Google's TSV
		// reader takes them literally, so write the row by hand.
		for i, c := range cells {
			if i > 0 {
				dst = append(dst, '\t')
			}
			dst = append(dst, c...)
		}
		return append(dst, '\n')
	}
	return appendCSVRow(dst, cells)
}

// appendCSVRow encodes a record exactly as encoding/csv's Writer does with
// Comma ',' and UseCRLF false (a test holds it to that), without a
// bufio.Writer per goroutine.
func appendCSVRow(dst []byte, cells []string) []byte {
	for n, field := range cells {
		if n > 0 {
			dst = append(dst, ',')
		}
		if !csvNeedsQuotes(field) {
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

func csvNeedsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	for i := 0; i < len(field); i++ {
		if c := field[i]; c == '\n' || c == '\r' || c == '"' || c == ',' {
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
			if list && strings.ContainsAny(f.Value, ",|") {
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

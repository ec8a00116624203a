package feed

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ItemWriter streams items into one output feed. Close writes any trailer
// (the XML closing tags) and flushes; it does not close the underlying
// io.Writer.
type ItemWriter interface {
	Write(it *Item) error
	Close() error
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
		bw := bufio.NewWriter(w)
		t := &tableWriter{bw: bw, cw: csv.NewWriter(bw), cols: o.Columns, excel: o.ForExcel, tsv: format == FormatTSV}
		return t, t.row(o.Columns)
	case FormatXML:
		x := &xmlWriter{bw: bufio.NewWriter(w), cols: o.Columns}
		title := o.Title
		if title == "" {
			title = "dpa feed"
		}
		x.bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">` + "\n  <channel>\n    <title>")
		xmlEscape(x.bw, title)
		x.bw.WriteString("</title>\n")
		return x, nil
	case FormatJSONL:
		return &jsonlWriter{bw: bufio.NewWriter(w), cols: o.Columns}, nil
	}
	return nil, fmt.Errorf("output format %q: %w (want csv, tsv, xml or jsonl)", format, ErrUnsupportedFormat)
}

// values returns the item's value for each column; repeated list fields
// are joined with "," as text feeds expect.
func values(it *Item, cols []string, buf []string) []string {
	buf = buf[:0]
	for _, c := range cols {
		if c == "additional_image_link" {
			buf = append(buf, strings.Join(it.All(c), ","))
			continue
		}
		buf = append(buf, it.Get(c))
	}
	return buf
}

type tableWriter struct {
	bw    *bufio.Writer
	cw    *csv.Writer
	cols  []string
	excel bool
	tsv   bool
	buf   []string
}

func (t *tableWriter) row(cells []string) error {
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
		return t.rawTSV(cells)
	}
	return t.cw.Write(cells)
}

func (t *tableWriter) rawTSV(cells []string) error {
	for i, c := range cells {
		if i > 0 {
			t.bw.WriteByte('\t')
		}
		t.bw.WriteString(c)
	}
	return t.bw.WriteByte('\n')
}

func (t *tableWriter) Write(it *Item) error {
	t.buf = values(it, t.cols, t.buf)
	return t.row(append([]string(nil), t.buf...))
}

func (t *tableWriter) Close() error {
	t.cw.Flush()
	if err := t.cw.Error(); err != nil {
		return err
	}
	return t.bw.Flush()
}

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
	bw   *bufio.Writer
	cols []string
}

// xmlPlain are the RSS core elements written without the g: namespace.
var xmlPlain = map[string]bool{"title": true, "link": true, "description": true, "dpa_reason": true}

func (x *xmlWriter) Write(it *Item) error {
	x.bw.WriteString("    <item>\n")
	for _, c := range x.cols {
		vals := it.All(c)
		if c == "additional_image_link" {
			vals = splitList(vals)
		}
		for _, v := range vals {
			name := xmlName(c)
			if !xmlPlain[c] {
				name = "g:" + name
			}
			if (c == "shipping" || c == "tax") && strings.Count(v, ":") == 3 {
				x.group(name, c, v)
				continue
			}
			x.bw.WriteString("      <" + name + ">")
			xmlEscape(x.bw, v)
			x.bw.WriteString("</" + name + ">\n")
		}
	}
	_, err := x.bw.WriteString("    </item>\n")
	return err
}

// group writes "US:CA:Ground:4.95 USD" as Google's nested elements, the
// form the XML reader turns back into the same colon string.
func (x *xmlWriter) group(name, field, v string) {
	parts := strings.Split(v, ":")
	subs := []string{"country", "region", "service", "price"}
	if field == "tax" {
		subs = []string{"country", "region", "rate", "tax_ship"}
	}
	x.bw.WriteString("      <" + name + ">\n")
	for i, p := range parts {
		if p == "" {
			continue
		}
		x.bw.WriteString("        <g:" + subs[i] + ">")
		xmlEscape(x.bw, p)
		x.bw.WriteString("</g:" + subs[i] + ">\n")
	}
	x.bw.WriteString("      </" + name + ">\n")
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

func xmlEscape(w *bufio.Writer, s string) {
	for _, r := range s {
		switch r {
		case '<':
			w.WriteString("&lt;")
		case '>':
			w.WriteString("&gt;")
		case '&':
			w.WriteString("&amp;")
		case '\r':
			w.WriteString("&#xD;")
		default:
			// Characters XML 1.0 cannot carry are dropped rather than
			// producing a document no parser accepts.
			if r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF {
				continue
			}
			w.WriteRune(r)
		}
	}
}

type jsonlWriter struct {
	bw   *bufio.Writer
	cols []string
}

func (j *jsonlWriter) Write(it *Item) error {
	j.bw.WriteByte('{')
	first := true
	for _, c := range j.cols {
		v := it.Get(c)
		if c == "additional_image_link" {
			v = strings.Join(it.All(c), ",")
		}
		if v == "" {
			continue
		}
		if !first {
			j.bw.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(c)
		val, _ := json.Marshal(v)
		j.bw.Write(k)
		j.bw.WriteByte(':')
		j.bw.Write(val)
	}
	_, err := j.bw.WriteString("}\n")
	return err
}

func (j *jsonlWriter) Close() error { return j.bw.Flush() }

package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// readResult is everything a Reader produced, for comparisons.
type readResult struct {
	format string
	items  []*Item
	diags  []Finding
	cols   []string
	err    error // the fatal error that ended the stream, if any
}

func readAllFrom(t *testing.T, r Reader) readResult {
	t.Helper()
	var res readResult
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.err = err
			break
		}
		if it == nil {
			t.Fatal("Next returned nil item without error")
		}
		res.items = append(res.items, it)
	}
	res.format = r.Format()
	res.diags = r.Diagnostics()
	res.cols = r.Columns()
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	return res
}

func readBytes(t *testing.T, name string, data []byte, opts ReadOptions) readResult {
	t.Helper()
	r, err := Open(context.Background(), name, bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	return readAllFrom(t, r)
}

func readFixture(t *testing.T, name string, opts ReadOptions) readResult {
	t.Helper()
	r, err := OpenFile(context.Background(), filepath.Join("testdata", "read", name), opts)
	if err != nil {
		t.Fatalf("OpenFile(%s): %v", name, err)
	}
	return readAllFrom(t, r)
}

// pos is an item's position and a few of its values.
type pos struct {
	Index, Line int
	ID          string
}

func positions(items []*Item) []pos {
	var out []pos
	for _, it := range items {
		out = append(out, pos{it.Index, it.Line, it.Get("id")})
	}
	return out
}

func rules(items []*Item) []string {
	var out []string
	for _, it := range items {
		for _, p := range it.Problems {
			out = append(out, p.Rule)
		}
	}
	return out
}

func diagRules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+":"+f.Severity.String())
	}
	return out
}

func TestCSVPositions(t *testing.T) {
	for _, name := range []string{"meta.csv", "meta.csv.gz"} {
		t.Run(name, func(t *testing.T) {
			res := readFixture(t, name, ReadOptions{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			want := []pos{{1, 3, "SKU-1"}, {2, 6, "SKU-2"}, {3, 7, "SKU-3"}, {4, 10, "SKU-4"}}
			if got := positions(res.items); !reflect.DeepEqual(got, want) {
				t.Errorf("positions\n got %v\nwant %v", got, want)
			}
			if res.format != FormatCSV {
				t.Errorf("format %q", res.format)
			}
			if got := res.items[0].Get("description"); got != "A relaxed shirt\nin washed linen." {
				t.Errorf("multi-line description %q", got)
			}
			if got := res.items[1].Get("title"); got != "Wool Throw, Grey" {
				t.Errorf("quoted title %q", got)
			}
			if len(res.diags) != 0 || len(rules(res.items)) != 0 {
				t.Errorf("unexpected findings %v %v", res.diags, rules(res.items))
			}
			wantCols := []string{"id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand"}
			if !reflect.DeepEqual(res.cols, wantCols) {
				t.Errorf("columns %v", res.cols)
			}
		})
	}
}

func TestCSVDelimiters(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		data  string
		opts  ReadOptions
		fmt   string
		title string
	}{
		{"comma", "f.csv", "id,title\n1,\"A; B|C\tD\"\n", ReadOptions{}, FormatCSV, "A; B|C\tD"},
		{"tab", "f.csv", "id\ttitle\n1\tA, B\n", ReadOptions{}, FormatTSV, "A, B"},
		{"semicolon", "f.csv", "id;title;price\n1;A, B;3,50 EUR\n", ReadOptions{}, FormatCSV, "A, B"},
		{"pipe", "f.txt", "id|title|price\n1|A, B|3 USD\n", ReadOptions{}, FormatCSV, "A, B"},
		{"tsv ext single column defaults to tab", "f.tsv", "title\nA, B\n", ReadOptions{}, FormatTSV, "A, B"},
		{"quoted commas in header ignored", "f.csv", "\"id,x\";title\n1;T\n", ReadOptions{}, FormatCSV, "T"},
		{"override", "f.csv", "id,x;title\n1,y;A,B\n", ReadOptions{Delimiter: ';'}, FormatCSV, "A,B"},
		{"forced tsv", "f.csv", "id\ttitle,x\n1\tA,B\n", ReadOptions{Format: "tsv"}, FormatTSV, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, tc.file, []byte(tc.data), tc.opts)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if res.format != tc.fmt {
				t.Errorf("format %q, want %q", res.format, tc.fmt)
			}
			if len(res.items) != 1 {
				t.Fatalf("%d items", len(res.items))
			}
			if tc.title != "" {
				if got := res.items[0].Get("title"); got != tc.title {
					t.Errorf("title %q, want %q (fields %v)", got, tc.title, res.items[0].Fields)
				}
			}
		})
	}
	// forced tsv keeps "title,x" as one column name
	res := readBytes(t, "f.csv", []byte("id\ttitle,x\n1\tA,B\n"), ReadOptions{Format: "tsv"})
	if got := res.items[0].Get("title,x"); got != "A,B" {
		t.Errorf("forced tsv: %v", res.items[0].Fields)
	}
}

func TestCSVHeaderNames(t *testing.T) {
	data := "\ufeff  ID , Title,IMAGE LINK,g:Price,,Extra  Col \n1,T,http://x,1 USD,blank,e\n"
	res := readBytes(t, "f.csv", []byte(data), ReadOptions{})
	want := []string{"id", "title", "image_link", "price", "column_5", "extra_col"}
	if !reflect.DeepEqual(res.cols, want) {
		t.Errorf("columns %q, want %q", res.cols, want)
	}
	if got := res.items[0].Get("image_link"); got != "http://x" {
		t.Errorf("image_link %q", got)
	}
}

func TestCSVRaggedRows(t *testing.T) {
	data := "id,title,price\n1,A,1 USD\n2,B\n3,C,3 USD,Yellow,Blue\n4,D,4 USD\n"
	res := readBytes(t, "f.csv", []byte(data), ReadOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.items) != 4 {
		t.Fatalf("%d items", len(res.items))
	}
	short, long := res.items[1], res.items[2]
	if short.Has("price") || len(short.Problems) != 1 || short.Problems[0].Rule != ruleCSVColumnCount ||
		short.Problems[0].Message != "row has 2 fields, header has 3" {
		t.Errorf("short row: %+v", short)
	}
	if got := long.All("column_4"); !reflect.DeepEqual(got, []string{"Yellow"}) || long.Get("column_5") != "Blue" {
		t.Errorf("long row fields: %v", long.Fields)
	}
	if len(long.Problems) != 1 || long.Problems[0].Message != "row has 5 fields, header has 3" {
		t.Errorf("long row problems: %+v", long.Problems)
	}
	if len(res.items[3].Problems) != 0 {
		t.Errorf("row after ragged rows: %+v", res.items[3].Problems)
	}
}

func TestCSVSyntaxErrorKeepsRow(t *testing.T) {
	data := "id\ttitle\tprice\n1\t12\" Pizza Pan\t9 USD\n2\t\"Quoted \"Bad\" Title\"\t8 USD\n3\tFine\t7 USD\n"
	res := readBytes(t, "f.tsv", []byte(data), ReadOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if got := positions(res.items); !reflect.DeepEqual(got, []pos{{1, 2, "1"}, {2, 3, "2"}, {3, 4, "3"}}) {
		t.Errorf("positions %v", got)
	}
	if got := res.items[0].Get("title"); got != "12\" Pizza Pan" {
		t.Errorf("bare-quote title %q", got)
	}
	if got := res.items[0].Get("price"); got != "9 USD" {
		t.Errorf("field after the bad one lost: %v", res.items[0].Fields)
	}
	if got := res.items[1].Get("title"); got != "Quoted \"Bad\" Title" {
		t.Errorf("stray quote title %q", got)
	}
	for i := 0; i < 2; i++ {
		p := res.items[i].Problems
		if len(p) != 1 || p[0].Rule != ruleCSVSyntax {
			t.Errorf("item %d problems %+v", i+1, p)
			continue
		}
		if !strings.Contains(p[0].Message, "line "+string(rune('2'+i))) {
			t.Errorf("item %d message lacks its line: %q", i+1, p[0].Message)
		}
	}
	if len(res.items[2].Problems) != 0 {
		t.Errorf("clean row got problems %+v", res.items[2].Problems)
	}
}

func TestEmptyAndHeaderOnly(t *testing.T) {
	tests := []struct {
		name, file, data string
		items            int
		diags            []string
	}{
		{"empty csv", "f.csv", "", 0, []string{"feed.empty:error"}},
		{"whitespace only", "f.csv", " \n\n", 0, []string{"feed.empty:error"}},
		{"empty xml", "f.xml", "", 0, []string{"feed.empty:error"}},
		{"comment only", "f.csv", "# ref_application_id 1\n", 0, []string{"feed.empty:error"}},
		{"header only", "f.csv", "id,title\n", 0, []string{"feed.no_items:error"}},
		{"header and blank lines", "f.csv", "id,title\n\n\n,\n", 0, []string{"feed.no_items:error"}},
		{"xml without items", "f.xml", "<rss><channel><title>x</title></channel></rss>", 0, []string{"feed.no_items:error"}},
		{"blank lines between rows", "f.csv", "id\n\n1\n\n\n2\n", 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, tc.file, []byte(tc.data), ReadOptions{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			if len(res.items) != tc.items {
				t.Errorf("%d items, want %d", len(res.items), tc.items)
			}
			if got := diagRules(res.diags); !reflect.DeepEqual(got, tc.diags) {
				t.Errorf("diagnostics %v, want %v", got, tc.diags)
			}
		})
	}
}

func TestEncodings(t *testing.T) {
	const want = "Café crème|Price 5 €|Naïve"
	tests := []struct {
		name  string
		file  string
		opts  ReadOptions
		diags []string
	}{
		{"utf-8 BOM", "utf8-bom.csv", ReadOptions{}, nil},
		{"utf-16le BOM", "utf16le-bom.csv", ReadOptions{}, []string{"encoding.detected:info"}},
		{"utf-16be BOM", "utf16be-bom.csv", ReadOptions{}, []string{"encoding.detected:info"}},
		{"windows-1252 detected", "win1252.csv", ReadOptions{}, []string{"encoding.detected:info"}},
		{"windows-1252 forced", "win1252.csv", ReadOptions{Encoding: "windows-1252"}, nil},
		{"latin-1 forced means cp1252", "win1252.csv", ReadOptions{Encoding: "Latin-1"}, nil},
		{"utf-16 forced", "utf16le-bom.csv", ReadOptions{Encoding: "utf-16"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readFixture(t, tc.file, tc.opts)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if len(res.items) != 2 {
				t.Fatalf("%d items", len(res.items))
			}
			got := res.items[0].Get("title") + "|" + res.items[0].Get("description") + "|" + res.items[1].Get("title")
			if got != want {
				t.Errorf("decoded %q, want %q", got, want)
			}
			if res.items[0].Get("id") != "SKU-1" || res.cols[0] != "id" {
				t.Errorf("BOM not stripped: columns %q", res.cols)
			}
			if g := diagRules(res.diags); !reflect.DeepEqual(g, tc.diags) {
				t.Errorf("diagnostics %v, want %v", g, tc.diags)
			}
			if len(rules(res.items)) != 0 {
				t.Errorf("problems %v", rules(res.items))
			}
		})
	}
	t.Run("windows-1252 message", func(t *testing.T) {
		res := readFixture(t, "win1252.csv", ReadOptions{})
		if len(res.diags) != 1 || res.diags[0].Message != "not UTF-8; decoded as windows-1252" || res.diags[0].Item != 0 {
			t.Errorf("diagnostic %+v", res.diags)
		}
	})
	t.Run("utf-16le without BOM", func(t *testing.T) {
		var b []byte
		for _, r := range "id,title\n1,Ünï\n" {
			b = append(b, byte(r), byte(r>>8))
		}
		res := readBytes(t, "f.csv", b, ReadOptions{})
		if len(res.items) != 1 || res.items[0].Get("title") != "Ünï" {
			t.Errorf("items %v", res.items)
		}
	})
}

func TestInvalidUTF8PerField(t *testing.T) {
	// Valid for the whole sniff window, then a bad byte: the file stays
	// utf-8 and only that field is flagged.
	var buf bytes.Buffer
	buf.WriteString("id,title\n")
	n := 0
	for buf.Len() < sniffSize+100 {
		n++
		buf.WriteString("ok,plain title\n")
	}
	buf.WriteString("bad,Caf\xe9 \xff\n")
	buf.WriteString("last,fine\n")
	tests := []struct {
		name string
		opts ReadOptions
		data []byte
		line int
	}{
		{"late bad byte, detected utf-8", ReadOptions{}, buf.Bytes(), n + 2},
		{"forced utf-8", ReadOptions{Encoding: "utf-8"}, []byte("id,title\nbad,Caf\xe9 \xff\n"), 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, "f.csv", tc.data, tc.opts)
			if res.err != nil {
				t.Fatal(res.err)
			}
			var bad *Item
			for _, it := range res.items {
				if it.Get("id") == "bad" {
					bad = it
				} else if len(it.Problems) > 0 {
					t.Fatalf("item %d has problems %+v", it.Index, it.Problems)
				}
			}
			if bad == nil {
				t.Fatal("bad row missing")
			}
			if bad.Line != tc.line {
				t.Errorf("line %d, want %d", bad.Line, tc.line)
			}
			if got := bad.Get("title"); got != "Caf\uFFFD \uFFFD" {
				t.Errorf("value %q", got)
			}
			want := []Problem{{Rule: ruleInvalidUTF8, Field: "title", Value: `Caf\xe9 \xff`,
				Message: `field "title" is not valid UTF-8; the bad bytes were replaced with U+FFFD`}}
			if !reflect.DeepEqual(bad.Problems, want) {
				t.Errorf("problems %+v", bad.Problems)
			}
			if len(res.diags) != 0 {
				t.Errorf("diagnostics %v", res.diags)
			}
		})
	}
}

func TestStdinAndGzipStream(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "read", "meta.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(raw)
	w.Close()
	for _, tc := range []struct {
		name string
		data []byte
	}{{"plain", raw}, {"gzip", gz.Bytes()}} {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, "-", tc.data, ReadOptions{})
			if res.err != nil || len(res.items) != 4 || res.items[3].Line != 10 || res.items[3].File != "-" {
				t.Errorf("err %v items %v", res.err, positions(res.items))
			}
		})
	}
}

func TestXMLRSS(t *testing.T) {
	res := readFixture(t, "rss.xml", ReadOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if got, want := positions(res.items), []pos{{1, 6, "SKU-1"}, {2, 32, "SKU-2"}, {3, 34, "SKU-3"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("positions %v, want %v", got, want)
	}
	it := res.items[0]
	wantFields := []Field{
		{"id", "SKU-1"},
		{"title", "Linen Shirt"},
		{"link", "https://shop.example.com/p/1"},
		{"description", "A relaxed shirt & more"},
		{"price", "39.00 USD"},
		{"additional_image_link", "https://img.example.com/1b.jpg"},
		{"additional_image_link", "https://img.example.com/1c.jpg"},
		{"shipping", "US:CA:Ground:4.95 USD"},
		{"shipping", "US::Express:9.95 USD"},
		{"tax", "US:NY:8.875:yes"},
	}
	if !reflect.DeepEqual(it.Fields, wantFields) {
		t.Errorf("fields\n got %q\nwant %q", it.Fields, wantFields)
	}
	if got := res.items[1].Get("title"); got != "Wool <Throw>" {
		t.Errorf("CDATA title %q", got)
	}
	if got := res.items[2].Get("product_detail"); got != "General:Material:Cotton" {
		t.Errorf("product_detail %q", got)
	}
	wantCols := []string{"id", "title", "link", "description", "price", "additional_image_link", "shipping", "tax", "product_detail"}
	if !reflect.DeepEqual(res.cols, wantCols) {
		t.Errorf("columns %v", res.cols)
	}
}

func TestXMLAtom(t *testing.T) {
	res := readFixture(t, "atom.xml", ReadOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := [][]Field{
		{{"atom_id", "tag:shop.example.com,2024:1"}, {"id", "SKU-1"}, {"title", "Linen Shirt"},
			{"link", "https://shop.example.com/p/1"}, {"description", "A relaxed shirt"}, {"price", "39.00 USD"}},
		{{"id", "tag:shop.example.com,2024:2"}, {"title", "Wool Throw"}, {"link", "https://shop.example.com/p/2"}},
	}
	if len(res.items) != 2 {
		t.Fatalf("%d items", len(res.items))
	}
	for i, w := range want {
		if !reflect.DeepEqual(res.items[i].Fields, w) {
			t.Errorf("entry %d\n got %q\nwant %q", i+1, res.items[i].Fields, w)
		}
	}
	if res.items[0].Line != 4 || res.items[1].Line != 13 {
		t.Errorf("lines %v", positions(res.items))
	}
}

func TestXMLErrors(t *testing.T) {
	deep := "<rss><channel><item><g:id>1</g:id></item><item>" + strings.Repeat("<a>", 200) + "x" + strings.Repeat("</a>", 200) + "</item></channel></rss>"
	tests := []struct {
		name    string
		data    string
		items   []string
		line    int
		errText string
	}{
		{"mismatched tag", "<rss><channel>\n<item><id>1</id></item>\n<item><id>2</id></item>\n<item><id>3</ID></item>\n</channel></rss>", []string{"1", "2"}, 4, "closed by"},
		{"syntax error", "<rss><channel>\n<item><id>1</id></item>\n<item><id>2 & 3</id></item>\n</channel></rss>", []string{"1"}, 3, ""},
		{"undeclared entity", "<rss><channel>\n<item><id>1</id></item>\n<item><id>&nbsp;</id></item></channel></rss>", []string{"1"}, 3, ""},
		{"depth cap", deep, []string{"1"}, 1, "nested deeper"},
		{"not xml at all", "<<<>>>", nil, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, "f.xml", []byte(tc.data), ReadOptions{})
			var ids []string
			for _, it := range res.items {
				ids = append(ids, it.Get("id"))
			}
			if !reflect.DeepEqual(ids, tc.items) {
				t.Errorf("items %v, want %v", ids, tc.items)
			}
			var pe *ParseError
			if !errors.As(res.err, &pe) {
				t.Fatalf("error %v is not a *ParseError", res.err)
			}
			if pe.Line != tc.line || pe.File != "f.xml" || !strings.Contains(pe.Error(), tc.errText) {
				t.Errorf("error %q line %d, want line %d containing %q", pe, pe.Line, tc.line, tc.errText)
			}
		})
	}
	t.Run("truncated file", func(t *testing.T) {
		res := readFixture(t, "truncated.xml", ReadOptions{})
		if got := positions(res.items); !reflect.DeepEqual(got, []pos{{1, 4, "A"}, {2, 7, "B"}}) {
			t.Errorf("items %v", got)
		}
		var pe *ParseError
		if !errors.As(res.err, &pe) || pe.Line != 12 || !strings.Contains(pe.Error(), "not closed") {
			t.Errorf("error %v", res.err)
		}
	})
}

func TestXMLEncodings(t *testing.T) {
	body := "<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel><item><g:id>1</g:id><title>Café €</title></item></channel></rss>"
	cp := []byte(strings.NewReplacer("é", "\xe9", "€", "\x80").Replace(body))
	tests := []struct {
		name  string
		data  []byte
		opts  ReadOptions
		title string
		probs []Problem
		diags []string
	}{
		{"declared windows-1252", append([]byte(`<?xml version="1.0" encoding="windows-1252"?>`), cp...), ReadOptions{}, "Café €", nil, nil},
		{"declared iso-8859-1 means cp1252", append([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`), cp...), ReadOptions{}, "Café €", nil, nil},
		{"undeclared cp1252 detected", cp, ReadOptions{}, "Café €", nil, []string{"encoding.detected:info"}},
		{"utf-16le with utf-16 declaration", utf16le(`<?xml version="1.0" encoding="UTF-16"?>` + body), ReadOptions{}, "Café €", nil, []string{"encoding.detected:info"}},
		{"forced utf-8 with bad bytes", cp, ReadOptions{Encoding: "utf-8"}, "Caf\uFFFD \uFFFD",
			[]Problem{{Rule: ruleInvalidUTF8, Field: "title", Value: `Caf\xe9 \x80`, Message: `field "title" is not valid UTF-8; the bad bytes were replaced with U+FFFD`}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, "f.xml", tc.data, tc.opts)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if len(res.items) != 1 {
				t.Fatalf("%d items", len(res.items))
			}
			if got := res.items[0].Get("title"); got != tc.title {
				t.Errorf("title %q, want %q", got, tc.title)
			}
			if !reflect.DeepEqual(res.items[0].Problems, tc.probs) {
				t.Errorf("problems %+v, want %+v", res.items[0].Problems, tc.probs)
			}
			if got := diagRules(res.diags); !reflect.DeepEqual(got, tc.diags) {
				t.Errorf("diagnostics %v, want %v", got, tc.diags)
			}
		})
	}
}

func utf16le(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

func makeXLSX(t testing.TB, sheets map[string][][]any, order []string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if row == nil {
				continue
			}
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSX(t *testing.T) {
	data := makeXLSX(t, map[string][][]any{
		"Products": {
			{" ID ", "Title", "Price", "Quantity"},
			{"SKU-1", "Linen Shirt", "39.00 USD", 12},
			nil,
			{"SKU-2", "Wool Throw", "", 3.5},
			{"SKU-3"},
		},
		"Other": {{"id"}, {"X"}},
	}, []string{"Products", "Other"})
	dir := t.TempDir()
	path := filepath.Join(dir, "catalog.xlsx")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("file", func(t *testing.T) {
		r, err := OpenFile(context.Background(), path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res := readAllFrom(t, r)
		if res.err != nil || res.format != FormatXLSX {
			t.Fatal(res.err, res.format)
		}
		if got := positions(res.items); !reflect.DeepEqual(got, []pos{{1, 2, "SKU-1"}, {2, 4, "SKU-2"}, {3, 5, "SKU-3"}}) {
			t.Errorf("positions %v", got)
		}
		if got := res.items[0].Get("quantity"); got != "12" {
			t.Errorf("numeric cell %q", got)
		}
		if got := res.items[1].Get("quantity"); got != "3.5" {
			t.Errorf("numeric cell %q", got)
		}
		if !res.items[2].Has("price") || res.items[2].Get("price") != "" {
			t.Errorf("short row should keep empty columns: %v", res.items[2].Fields)
		}
		if !reflect.DeepEqual(res.cols, []string{"id", "title", "price", "quantity"}) {
			t.Errorf("columns %v", res.cols)
		}
	})
	t.Run("stdin spooled, named sheet", func(t *testing.T) {
		res := readBytes(t, "-", data, ReadOptions{Sheet: "Other"})
		if res.err != nil || len(res.items) != 1 || res.items[0].Get("id") != "X" {
			t.Errorf("err %v items %v", res.err, positions(res.items))
		}
	})
	t.Run("unknown sheet", func(t *testing.T) {
		_, err := Open(context.Background(), "-", bytes.NewReader(data), ReadOptions{Sheet: "Nope"})
		if err == nil || !strings.Contains(err.Error(), "Products, Other") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(data)
		w.Close()
		res := readBytes(t, "catalog.xlsx.gz", gz.Bytes(), ReadOptions{})
		if res.err != nil || len(res.items) != 3 {
			t.Errorf("err %v items %d", res.err, len(res.items))
		}
	})
}

func TestJSONL(t *testing.T) {
	res := readFixture(t, "products.jsonl", ReadOptions{})
	if res.err != nil || res.format != FormatJSONL {
		t.Fatal(res.err, res.format)
	}
	if got := positions(res.items); !reflect.DeepEqual(got, []pos{{1, 1, "SKU-1"}, {2, 3, "SKU-2"}, {3, 4, "SKU-3"}}) {
		t.Errorf("positions %v", got)
	}
	want := []Field{
		{"id", "SKU-1"}, {"title", "Linen Shirt"}, {"price", "39.00 USD"}, {"in_stock", "true"}, {"quantity", "12"},
		{"shipping.country", "US"}, {"shipping.price", "4.95 USD"},
		{"additional_image_link", "https://img.example.com/a.jpg"}, {"additional_image_link", "https://img.example.com/b.jpg"},
		{"brand", ""},
	}
	if !reflect.DeepEqual(res.items[0].Fields, want) {
		t.Errorf("fields\n got %q\nwant %q", res.items[0].Fields, want)
	}
	if got := rules(res.items); !reflect.DeepEqual(got, []string{ruleJSONSyntax}) || len(res.items[1].Problems) != 1 {
		t.Errorf("problems %v", got)
	}
	if res.items[2].Get("price") != "19.5" {
		t.Errorf("number %q", res.items[2].Get("price"))
	}
	t.Run("invalid utf-8", func(t *testing.T) {
		res := readBytes(t, "f.jsonl", []byte("{\"id\":\"1\",\"title\":\"Caf\xe9\"}\n"), ReadOptions{Encoding: "utf-8"})
		if len(res.items) != 1 || len(res.items[0].Problems) != 1 || res.items[0].Problems[0].Value != `Caf\xe9` {
			t.Errorf("items %+v", res.items)
		}
	})
}

func TestJSONArray(t *testing.T) {
	res := readFixture(t, "products.json", ReadOptions{})
	if res.err != nil || res.format != FormatJSON {
		t.Fatal(res.err, res.format)
	}
	if got := positions(res.items); !reflect.DeepEqual(got, []pos{{1, 2, "SKU-1"}, {2, 3, "SKU-2"}, {3, 8, "SKU-3"}}) {
		t.Errorf("positions %v", got)
	}
	if got := res.items[2].All("tags"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("tags %v", got)
	}
	bad := "[\n{\"id\":\"1\"},\n{\"id\":\"2\"},\n{\"id\": oops}\n]"
	res = readBytes(t, "f.json", []byte(bad), ReadOptions{})
	var pe *ParseError
	if len(res.items) != 2 || !errors.As(res.err, &pe) || pe.Line != 4 {
		t.Errorf("items %v err %v", positions(res.items), res.err)
	}
	res = readBytes(t, "f.json", []byte("[{\"id\":\"1\",\"t\":\"Caf\xe9\"}]"), ReadOptions{Encoding: "utf-8"})
	if res.err != nil || len(res.items) != 1 || len(res.items[0].Problems) != 1 || res.items[0].Problems[0].Value != `Caf\xe9` {
		t.Errorf("invalid utf-8 in array: %v %+v", res.err, res.items)
	}
}

func TestOpenErrors(t *testing.T) {
	zipNoBook := func() []byte {
		var buf bytes.Buffer
		buf.Write([]byte("PK\x05\x06"))
		buf.Write(make([]byte, 18))
		return append([]byte("PK\x03\x04"), buf.Bytes()...)
	}()
	tests := []struct {
		name        string
		file        string
		data        []byte
		opts        ReadOptions
		unsupported bool
		text        string
	}{
		{"legacy xls", "old.xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), ReadOptions{}, true, "legacy .xls is not supported; save as .xlsx or CSV"},
		{"unknown format flag", "f.csv", []byte("id\n1\n"), ReadOptions{Format: "parquet"}, true, "parquet"},
		{"binary", "f.bin", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00"), ReadOptions{}, true, "binary"},
		{"zip that is no workbook", "f.zip", zipNoBook, ReadOptions{}, true, "not an XLSX"},
		{"xlsx forced on text", "f.csv", []byte("id\n"), ReadOptions{Format: "xlsx"}, true, "not an XLSX"},
		{"unknown encoding", "f.csv", []byte("id\n"), ReadOptions{Encoding: "klingon"}, false, "unknown encoding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(context.Background(), tc.file, bytes.NewReader(tc.data), tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errUnsupportedFormat) != tc.unsupported || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q (unsupported=%v)", err, errors.Is(err, errUnsupportedFormat))
			}
		})
	}
	if _, err := OpenFile(context.Background(), filepath.Join("testdata", "read", "legacy.xls"), ReadOptions{}); !errors.Is(err, errUnsupportedFormat) {
		t.Errorf("legacy.xls: %v", err)
	}
	if _, err := OpenFile(context.Background(), filepath.Join("testdata", "read", "missing.csv"), ReadOptions{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestFormatDetection(t *testing.T) {
	tests := []struct {
		file, data string
		opts       ReadOptions
		want       string
	}{
		{"feed.csv", "<?xml version=\"1.0\"?><rss><channel></channel></rss>", ReadOptions{}, FormatXML},
		{"feed", "  \n<rss><channel></channel></rss>", ReadOptions{}, FormatXML},
		{"feed.dat", "{\"id\":\"1\"}\n", ReadOptions{}, FormatJSONL},
		{"feed.json", "[{\"id\":\"1\"}]", ReadOptions{}, FormatJSON},
		{"feed.ndjson", "{\"id\":\"1\"}\n", ReadOptions{}, FormatJSONL},
		{"feed.txt", "id\ttitle\n1\tx\n", ReadOptions{}, FormatTSV},
		{"feed", "id,title\n1,x\n", ReadOptions{}, FormatCSV},
		{"feed.xml", "id,title\n1,x\n", ReadOptions{Format: "csv"}, FormatCSV},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.want, func(t *testing.T) {
			r, err := Open(context.Background(), tc.file, strings.NewReader(tc.data), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Format() != tc.want {
				t.Errorf("format %q, want %q", r.Format(), tc.want)
			}
		})
	}
}

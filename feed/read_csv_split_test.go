package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// readAllCSV reads data to the end and describes everything a caller can
// see: columns, items (index, line, fields, problems), the final error and
// the diagnostics.
func readAllCSV(t testing.TB, data []byte, opts ReadOptions, classic bool) string {
	t.Helper()
	forceEncodingCSV = classic
	defer func() { forceEncodingCSV = false }()
	r, err := Open(context.Background(), "f.csv", bytes.NewReader(data), opts)
	if err != nil {
		return "open: " + err.Error()
	}
	defer r.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "columns %q\n", r.Columns())
	for {
		it, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(&b, "error %v\n", err)
			}
			break
		}
		fmt.Fprintf(&b, "item %d line %d %q %+v\n", it.Index, it.Line, it.Fields, it.Problems)
	}
	fmt.Fprintf(&b, "diags %+v\n", r.Diagnostics())
	return b.String()
}

func checkSplitSame(t *testing.T, data []byte, opts ReadOptions) {
	t.Helper()
	fast, classic := readAllCSV(t, data, opts, false), readAllCSV(t, data, opts, true)
	if fast != classic {
		t.Fatalf("input %q\nsplit:\n%s\nencoding/csv:\n%s", data, fast, classic)
	}
}

// TestCSVSplitMatchesEncodingCSV: the fast split must read every input,
// well-formed or broken, exactly as encoding/csv does (fields, lines,
// problems, errors). Fails on a split that mishandles \r\n in quotes, a
// trailing \r, blank lines, a stray quote or an empty row.
func TestCSVSplitMatchesEncodingCSV(t *testing.T) {
	cases := []string{
		"id,title\n1,a\n2,b\n",
		"id,title\r\n1,a\r\n2,b",
		"id,title\n1,\"a,b\"\n2,\"x\"\"y\"\n",
		"id,title\n1,\"multi\r\nline\r\nvalue\"\n2,\"lone\rcr\"\n",
		"id,title\n\n\r\n1,a\n\n\n2,b\n\n",
		"id,title\n1,a\r",
		"id,title\n1,\"a\"\r",
		"id,title\n1,\"a\"\rx\n2,b\n",
		"id,title\n1,ab\"c\n2,d\n",
		"id,title\n1,\"ab\"c\n2,d\n",
		"id,title\n1,\"unterminated\n2,d\n",
		"id,title\n,,\n\"\",\"\"\n1,\n",
		"id,title\n1,\"\"\"\"\n",
		"id,title\n1,a,b,c\n2\n",
		"id,title\n1,a\r\r\n2,\"b\r\r\n\"\n",
		"id,title\n1,Caf\xe9\n2,\"Caf\xe9\"\n",
		"id,title,\n1,a,\n2,\"b\",\n",
		"\"id\",\"title\"\n\"1\",\"a\"",
		"id\"x,title\n1,a\n",
		"# comment\n\nid,title\n1,a\n",
		"id,title\n1,\"a\"\"\n",
		"id;title\n1;\"a;b\"\n",
		"id\ttitle\n1\t12\" pizza\n2\t\"a\"b\n",
		"",
		"\n\n",
		"id,title\n",
	}
	for _, c := range cases {
		checkSplitSame(t, []byte(c), ReadOptions{Format: "csv"})
	}
	checkSplitSame(t, []byte("id|title\n1|\"a|b\"\n"), ReadOptions{Delimiter: '|'})
	checkSplitSame(t, []byte("id,title\n1,"+strings.Repeat("x", 300)+"\n2,b\n"), ReadOptions{Format: "csv", MaxRecordBytes: 100})

	// Random inputs over the characters that matter to CSV syntax.
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", ",", ",", "\"", "\"", "\n", "\r", "\r\n", " ", "é", "\xff", ";"}
	for range 3000 {
		var b strings.Builder
		b.WriteString("id,title,c\n")
		for range rng.IntN(60) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		checkSplitSame(t, []byte(b.String()), ReadOptions{Format: "csv"})
	}
	// Records that straddle the read buffer: a small reader hands the
	// stream over a few bytes at a time.
	var gen bytes.Buffer
	if err := GenerateFeed(context.Background(), &gen, GenerateOptions{Items: 300, Seed: 3, FaultRate: 0.1}); err != nil {
		t.Fatal(err)
	}
	checkSplitSame(t, gen.Bytes(), ReadOptions{})
}

// TestCSVSplitSmallReads runs the split over a source that returns a few
// bytes per Read, so every record boundary falls at a buffer edge somewhere.
func TestCSVSplitSmallReads(t *testing.T) {
	var gen bytes.Buffer
	if err := GenerateFeed(context.Background(), &gen, GenerateOptions{Items: 50, Seed: 4, FaultRate: 0.1}); err != nil {
		t.Fatal(err)
	}
	data := append(gen.Bytes(), "\"q\"\"x\r\ny\",z\r\n\r\n"...)
	want := readAllCSV(t, data, ReadOptions{}, true)
	for _, step := range []int{1, 2, 3, 7, 64} {
		s := newCSVSplit(&stepReader{data: data, step: step}, ',', 16, 0)
		var got []string
		for {
			body, _, st := s.next()
			if st != splitRecord {
				if st != splitEOF {
					t.Fatalf("step %d: status %d", step, st)
				}
				break
			}
			got = append(got, fmt.Sprintf("%q", parseCSVBody(body, ',', nil)))
		}
		if len(got) != 52 || !strings.Contains(want, strings.Join(got[1:3], "")[:0]) {
			t.Fatalf("step %d: %d records", step, len(got))
		}
		if last := got[len(got)-1]; last != `["q\"x\ny" "z"]` {
			t.Fatalf("step %d: last record %s", step, last)
		}
	}
}

type stepReader struct {
	data []byte
	step int
}

func (s *stepReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := min(s.step, len(p), len(s.data))
	copy(p, s.data[:n])
	s.data = s.data[n:]
	return n, nil
}

func FuzzCSVSplit(f *testing.F) {
	addFixtureSeeds(f, "meta.csv", "win1252.csv")
	f.Add([]byte("id,title\n1,\"a\r\nb\"\n\"\",\n"))
	f.Add([]byte("id,title\n1,ab\"c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSplitSame(t, data, ReadOptions{Format: "csv"})
	})
}

// TestDeferredParseMatchesNext: items finished by parseDeferred on another
// goroutine equal the ones Next returns, with the item, its text and its
// fields reused from one record to the next as a validate slot reuses
// them, and with invalid UTF-8 (checked per record, then per field).
func TestDeferredParseMatchesNext(t *testing.T) {
	var gen bytes.Buffer
	if err := GenerateFeed(context.Background(), &gen, GenerateOptions{Items: 500, Seed: 5, FaultRate: 0.2}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Clone(gen.Bytes())
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i := 300; i < len(lines); i += 7 { // a bad byte in some records, in a quoted field or not
		if k := bytes.IndexByte(lines[i], ','); k > 0 {
			lines[i] = append(append(bytes.Clone(lines[i][:k]), 0xff, 0xfe), lines[i][k:]...)
		}
	}
	data = append(bytes.Join(lines, nil), "x,\"y\xc3\nz\",1,2\nbad\"quote,1\nlast,2\n"...)
	open := func() *csvReader {
		r, err := Open(context.Background(), "f.csv", bytes.NewReader(data), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r.(*csvReader)
	}
	a, b := open(), open()
	var rec []string
	var slot Item
	var buf []byte
	var fields []Field
	n, bad := 0, 0
	for {
		want, err1 := a.Next()
		got, err2 := b.nextInto(&slot, &buf)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("errors differ: %v / %v", err1, err2)
		}
		if err1 != nil {
			break
		}
		if got.raw != "" {
			done := make(chan struct{})
			go func() { b.parseDeferred(got, &rec, &fields); close(done) }()
			<-done
		}
		w, g := *want, *got
		if len(g.Problems) == 0 { // the slot keeps an emptied slice
			w.Problems, g.Problems = nil, nil
		}
		if !reflect.DeepEqual(w, g) {
			for i := range want.Fields {
				if i < len(got.Fields) && want.Fields[i] != got.Fields[i] {
					t.Logf("field %d: %q / %q", i, want.Fields[i].Value, got.Fields[i].Value)
				}
			}
			t.Fatalf("item %d: Next %+v, deferred %+v", want.Index, *want, *got)
		}
		n++
		if len(got.Problems) > 0 {
			bad++
		}
	}
	if n < 500 || bad < 20 {
		t.Fatalf("%d items, %d with problems: the test feed lost its point", n, bad)
	}
}

// TestValidateKeptRowsOwnTheirText: validate reuses a CSV item's memory
// once the item is checked, so the rows it keeps (for the XLSX feed sheet)
// must be copies that still read as the input after thousands more items.
func TestValidateKeptRowsOwnTheirText(t *testing.T) {
	var gen bytes.Buffer
	if err := GenerateFeed(context.Background(), &gen, GenerateOptions{Items: 6000, Seed: 3, FaultRate: 0.1}); err != nil {
		t.Fatal(err)
	}
	data := gen.Bytes()
	v, err := NewValidator(channels["meta"], Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), "f.csv", bytes.NewReader(data), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Validate(context.Background(), r, ValidateOptions{KeepRows: 5000, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	res.Findings.Close()
	ref, err := Open(context.Background(), "f.csv", bytes.NewReader(data), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Kept.Items) != 5000 {
		t.Fatalf("kept %d rows", len(res.Kept.Items))
	}
	for _, got := range res.Kept.Items {
		want, err := ref.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(want.Fields, got.Fields) {
			t.Fatalf("kept item %d: %v, want %v", got.Index, got.Fields, want.Fields)
		}
	}
}

// TestValidateFindingsOwnTheirText: a finding's suggestion can be a
// substring of the item (the trimmed id), whose memory validate reuses;
// it must still read right when the report is written.
func TestValidateFindingsOwnTheirText(t *testing.T) {
	var gen bytes.Buffer
	if err := GenerateFeed(context.Background(), &gen, GenerateOptions{Items: 6000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Replace(gen.Bytes(), []byte("\nSKU0000002-"), []byte("\n SKU0000002-"), 1)
	v, err := NewValidator(channels["meta"], Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), "f.csv", bytes.NewReader(data), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Validate(context.Background(), r, ValidateOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Findings.Close()
	found := false
	for f := range res.Findings.All() {
		if f.Rule == "id.whitespace" {
			found = true
			if !strings.HasPrefix(f.Suggestion, "SKU0000002-") || f.Value != " "+f.Suggestion {
				t.Errorf("id.whitespace: value %q, suggestion %q", f.Value, f.Suggestion)
			}
		}
	}
	if !found {
		t.Fatal("no id.whitespace finding")
	}
}

package feed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// normalizeWith runs Normalize with n workers and returns everything it
// produced, for comparing runs.
func normalizeWith(t *testing.T, src []byte, name string, o NormalizeOptions, outFormat, rejFormat string) string {
	t.Helper()
	r, err := Open(context.Background(), name, bytes.NewReader(src), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out, rej, ch bytes.Buffer
	res, err := Normalize(context.Background(), r, o, NormalizeSinks{
		Out: func(cols []string) (ItemWriter, error) {
			return NewWriter(&out, outFormat, WriteOptions{Columns: cols})
		},
		Rejects: func(cols []string) (ItemWriter, error) {
			return NewWriter(&rej, rejFormat, WriteOptions{Columns: cols})
		},
		Change: func(c Change) error { fmt.Fprintf(&ch, "%+v\n", c); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ItemsIn != res.ItemsOut+res.ItemsRejected {
		t.Fatalf("items_in %d != %d + %d", res.ItemsIn, res.ItemsOut, res.ItemsRejected)
	}
	return fmt.Sprintf("%+v\n--out\n%s\n--rejects\n%s\n--changes\n%s", *res, out.String(), rej.String(), ch.String())
}

// The pipeline must give the same bytes whatever the number of workers:
// duplicate ids (first kept) and the rejects header depend on input order.
func TestNormalizeWorkersSameOutput(t *testing.T) {
	csvSrc := faultyFeed(t, 3000, 7, "csv")
	xmlSrc := faultyFeed(t, 1500, 8, "xml")
	tests := []struct {
		name, in       string
		src            []byte
		ch             string
		out, rejFormat string
	}{
		{"meta csv to google xml", "in.csv", csvSrc, "google", FormatXML, FormatCSV},
		{"meta csv to meta csv", "in.csv", csvSrc, "meta", FormatCSV, FormatCSV},
		{"meta csv to google tsv", "in.csv", csvSrc, "google", FormatTSV, FormatTSV},
		{"xml to meta jsonl", "in.xml", xmlSrc, "meta", FormatJSONL, FormatXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NormalizeOptions{Channel: channels[tt.ch], Currency: "USD", HTTPS: true, FixCase: true}
			o.Workers = 1
			want := normalizeWith(t, tt.src, tt.in, o, tt.out, tt.rejFormat)
			if !strings.Contains(want, "id.duplicate") {
				t.Fatalf("test feed has no duplicate ids: the ordered stage is not exercised")
			}
			for _, w := range []int{2, 3, 8} {
				o.Workers = w
				if got := normalizeWith(t, tt.src, tt.in, o, tt.out, tt.rejFormat); got != want {
					t.Errorf("%d workers: output differs from 1 worker (first difference at byte %d)", w, firstDiff(got, want))
				}
			}
		})
	}
}

// faultyFeed is a generated feed with injected defects (duplicate ids,
// prices without currency, misspelt availability...).
func faultyFeed(t testing.TB, n int, seed int64, format string) []byte {
	var buf bytes.Buffer
	if err := GenerateFeed(context.Background(), &buf, GenerateOptions{Items: n, Seed: seed, Format: format, FaultRate: 0.1}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// A failing sink stops the run with its error, and nothing hangs.
func TestNormalizeSinkErrorStops(t *testing.T) {
	src := faultyFeed(t, 5000, 3, "csv")
	r, err := Open(context.Background(), "in.csv", bytes.NewReader(src), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = Normalize(context.Background(), r, NormalizeOptions{Channel: channels["meta"], Workers: 2}, NormalizeSinks{
		Out: func(cols []string) (ItemWriter, error) {
			return NewWriter(&failAfter{n: 100 << 10}, FormatCSV, WriteOptions{Columns: cols})
		},
	})
	if err == nil || !strings.Contains(err.Error(), "write output") {
		t.Fatalf("err = %v, want a write output error", err)
	}
}

type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, fmt.Errorf("disk full")
	}
	return len(p), nil
}

func TestNormalizeCancel(t *testing.T) {
	src := faultyFeed(t, 5000, 3, "csv")
	r, err := Open(context.Background(), "in.csv", bytes.NewReader(src), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err = Normalize(ctx, r, NormalizeOptions{Channel: channels["meta"]}, NormalizeSinks{
		Out: func(cols []string) (ItemWriter, error) {
			return NewWriter(&bytes.Buffer{}, FormatCSV, WriteOptions{Columns: cols})
		},
		Change: func(Change) error {
			if n++; n == 10 {
				cancel()
			}
			return nil
		},
	})
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

var csvCells = [][]string{
	{"plain", "", "with,comma", `with "quote"`, "line\nbreak", "cr\rhere", "crlf\r\n", `\.`, " leading space", "\tleading tab"},
	{"\u00a0nbsp first", "\u3000ideographic", "trailing ", `"`, `""`, ",", "x\"y\"z", "é,ü", "\xff\xfe bad utf8"},
	{""},
	{"", ""},
}

// appendCSVRow must stay byte-identical to encoding/csv.
func TestAppendCSVRowMatchesEncodingCSV(t *testing.T) {
	for i, row := range csvCells {
		if got, want := string(appendCSVRow(nil, row)), encodingCSV(row); got != want {
			t.Errorf("row %d: got %q, want %q", i, got, want)
		}
	}
}

func encodingCSV(row []string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(row)
	w.Flush()
	return b.String()
}

func FuzzAppendCSVRow(f *testing.F) {
	for _, row := range csvCells {
		f.Add(strings.Join(row, "\x1f"))
	}
	f.Fuzz(func(t *testing.T, joined string) {
		row := strings.Split(joined, "\x1f")
		if got, want := string(appendCSVRow(nil, row)), encodingCSV(row); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// xmlEscapeRunes is the writer's former rune-by-rune escaper, the
// reference for the byte-wise one.
func xmlEscapeRunes(s string) string {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
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
			if r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF {
				continue
			}
			w.WriteRune(r)
		}
	}
	w.Flush()
	return b.String()
}

var xmlTexts = []string{"", "plain", "a<b>&c", "cr\r\nlf\ttab", "nul\x00bell\x07", "bad \xff utf8 \xe2\x82", "\uFFFE\uFFFF\uFFFD",
	"Carafe – Sand", "\xed\xa0\x80 surrogate", "emoji 👍 & <", strings.Repeat("é", 100)}

func TestAppendXMLEscape(t *testing.T) {
	for _, s := range xmlTexts {
		if got, want := string(appendXMLEscape(nil, s)), xmlEscapeRunes(s); got != want {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
		if got := string(appendXMLEscape(nil, s)); !utf8.ValidString(got) {
			t.Errorf("%q: output is not UTF-8: %q", s, got)
		}
	}
}

func FuzzAppendXMLEscape(f *testing.F) {
	for _, s := range xmlTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendXMLEscape(nil, s)), xmlEscapeRunes(s); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// The XML writer splits list cells as splitList does; fixURLList joins
// them back as the former split-fix-join did.
func TestListCells(t *testing.T) {
	cells := []string{"a.jpg", "a.jpg,b.jpg", "a.jpg, b.jpg", "a.jpg|b.jpg", " a.jpg ,, |b.jpg,", ",", "|", "", "a.jpg,b.jpg|c.jpg , d.jpg",
		"//cdn.example.com/a.jpg,http://x.example.com/b c.jpg"}
	cols := []string{"id", "additional_image_link"}
	for _, c := range cells {
		it := &Item{Fields: []Field{{"id", "1"}, {"additional_image_link", c}}}
		var b bytes.Buffer
		w, _ := NewWriter(&b, FormatXML, WriteOptions{Columns: cols})
		w.Write(it)
		w.Close()
		var want strings.Builder
		for _, p := range splitList(it.All("additional_image_link")) {
			want.WriteString("      <g:additional_image_link>" + xmlEscapeRunes(p) + "</g:additional_image_link>\n")
		}
		if got := b.String(); !strings.Contains(got, "<g:id>1</g:id>\n"+want.String()+"    </item>") {
			t.Errorf("%q: XML\n%s\nwant the elements\n%s", c, got, want.String())
		}

		var notes []string
		note := func(rule, old, new string) { notes = append(notes, rule) }
		parts := splitList([]string{c})
		for k := range parts {
			parts[k] = fixURL(parts[k], true, nil, func(string, string, string) {})
		}
		if c != "" && !strings.ContainsAny(c, ",|") {
			parts = []string{fixURL(c, true, nil, func(string, string, string) {})}
		}
		if got, want := fixURLList(c, true, nil, note), strings.Join(parts, ","); got != want {
			t.Errorf("fixURLList(%q) = %q, want %q", c, got, want)
		}
	}
}

package feed

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed/limit"
	"github.com/klauspost/compress/zstd"
)

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstdBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipEntry is one file of a generated zip; stored entries are not
// compressed.
type zipEntry struct {
	name   string
	data   []byte
	stored bool
}

func zipBytes(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		m := zip.Deflate
		if e.stored {
			m = zip.Store
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCompressedInputs reads the same feed through every compression and
// both entry points (a file, which zip opens in place, and a stream, which
// zip spools), and checks that nothing of the feed is lost or changed.
func TestCompressedInputs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "read", "meta.csv"))
	if err != nil {
		t.Fatal(err)
	}
	bz2, err := os.ReadFile(filepath.Join("testdata", "read", "meta.csv.bz2")) // made with bzip2 -9
	if err != nil {
		t.Fatal(err)
	}
	xml, err := os.ReadFile(filepath.Join("testdata", "read", "rss.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want := readBytes(t, "meta.csv", raw, ReadOptions{})
	wantXML := readBytes(t, "rss.xml", xml, ReadOptions{})
	tests := []struct {
		name   string // file name: only the format hint, never the compression
		data   []byte
		format string
	}{
		{"meta.csv.gz", gzipBytes(t, raw), FormatCSV},
		{"meta.csv.bz2", bz2, FormatCSV},
		{"meta.csv.zst", zstdBytes(t, raw), FormatCSV},
		{"meta.zip", zipBytes(t, zipEntry{name: "export/meta.csv", data: raw}), FormatCSV},
		{"meta.zip", zipBytes(t, zipEntry{name: "meta.csv", data: raw, stored: true}), FormatCSV},
		{"archive.zip", zipBytes(t, zipEntry{name: "__MACOSX/._meta.csv", data: []byte("junk")}, zipEntry{name: "dir/", data: nil},
			zipEntry{name: ".DS_Store", data: []byte{0, 1}}, zipEntry{name: "meta.csv", data: raw}), FormatCSV},
		{"feed", zipBytes(t, zipEntry{name: "feed.xml", data: xml}), FormatXML},
		{"two-layers.gz", gzipBytes(t, zstdBytes(t, raw)), FormatCSV},
		{"gz-in-zip.zip", zipBytes(t, zipEntry{name: "meta.csv.gz", data: gzipBytes(t, raw)}), FormatCSV},
		{"no-extension", gzipBytes(t, xml), FormatXML},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		for _, via := range []string{"stream", "file"} {
			t.Run(tc.name+"/"+via, func(t *testing.T) {
				var res readResult
				if via == "stream" {
					res = readBytes(t, tc.name, tc.data, ReadOptions{})
				} else {
					p := filepath.Join(dir, tc.name)
					if err := os.WriteFile(p, tc.data, 0o600); err != nil {
						t.Fatal(err)
					}
					r, err := OpenFile(context.Background(), p, ReadOptions{})
					if err != nil {
						t.Fatal(err)
					}
					res = readAllFrom(t, r)
				}
				if res.err != nil || res.format != tc.format {
					t.Fatalf("err %v format %s", res.err, res.format)
				}
				w := want
				if tc.format == FormatXML {
					w = wantXML
				}
				if !reflect.DeepEqual(positions(res.items), positions(w.items)) || !reflect.DeepEqual(res.cols, w.cols) {
					t.Errorf("items %v cols %v\nwant %v cols %v", positions(res.items), res.cols, positions(w.items), w.cols)
				}
				for i := range w.items {
					if !reflect.DeepEqual(res.items[i].Fields, w.items[i].Fields) {
						t.Errorf("item %d fields differ", i)
					}
				}
			})
		}
	}
}

func TestCompressedErrors(t *testing.T) {
	raw := []byte("id,title\n1,a\n")
	many := make([]zipEntry, 12)
	for i := range many {
		many[i] = zipEntry{name: string(rune('a'+i)) + ".csv", data: raw}
	}
	tests := []struct {
		name, file  string
		data        []byte
		opts        ReadOptions
		text        string
		unsupported bool
	}{
		{"two feeds in a zip", "f.zip", zipBytes(t, zipEntry{name: "b.csv", data: raw}, zipEntry{name: "a.xml", data: raw}), ReadOptions{},
			"the zip archive holds 2 files (a.xml, b.csv); dpa reads one feed per file", true},
		{"twelve feeds in a zip", "f.zip", zipBytes(t, many...), ReadOptions{}, "holds 12 files (a.csv, b.csv, c.csv, d.csv, e.csv, f.csv, g.csv, h.csv, i.csv, j.csv, and 2 more)", true},
		{"only litter in a zip", "f.zip", zipBytes(t, zipEntry{name: "__MACOSX/x", data: raw}), ReadOptions{}, "holds no feed file", true},
		{"zip forced as xlsx", "f.zip", zipBytes(t, zipEntry{name: "a.csv", data: raw}), ReadOptions{Format: "xlsx"}, "not an XLSX workbook", true},
		{"workbook forced as csv", "f.xlsx", makeXLSX(t, map[string][][]any{"S": {{"id"}, {"1"}}}, []string{"S"}), ReadOptions{Format: "csv"}, "is an XLSX workbook, not csv", true},
		{"four layers", "f.gz", gzipBytes(t, gzipBytes(t, gzipBytes(t, gzipBytes(t, raw)))), ReadOptions{}, "more than 3 layers of compression", true},
		{"gzip header cut", "f.csv.gz", gzipBytes(t, raw)[:6], ReadOptions{}, "gzip: the compressed data is truncated", false},
		{"zip cut", "f.zip", zipBytes(t, zipEntry{name: "a.csv", data: raw})[:40], ReadOptions{}, "read zip: zip: not a valid zip file", false},
		{"zip entry over MaxBytes", "f.zip", zipBytes(t, zipEntry{name: "a.csv", data: bytes.Repeat(raw, 100)}), ReadOptions{MaxBytes: 1000},
			"zip entry a.csv (1300 bytes unpacked) is larger than the 1000 bytes limit (--max-bytes)", false},
		{"zip spool over MaxBytes", "-", zipBytes(t, zipEntry{name: "a.csv", data: bytes.Repeat(raw, 100), stored: true}), ReadOptions{MaxBytes: 1000},
			"spool zip: the zip archive is larger than the 1000 bytes limit (--max-bytes)", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(context.Background(), tc.file, bytes.NewReader(tc.data), tc.opts)
			if err == nil {
				r.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.text) || errors.Is(err, errUnsupportedFormat) != tc.unsupported {
				t.Errorf("error %q (unsupported=%v), want %q", err, errors.Is(err, errUnsupportedFormat), tc.text)
			}
		})
	}
}

// TestDecompressedLimit: MaxBytes applies to what a layer produces, so a
// bomb ends with a limit.ErrTooLarge after the items read so far.
func TestDecompressedLimit(t *testing.T) {
	var feed bytes.Buffer
	feed.WriteString("id,title\n")
	for feed.Len() < 1<<20 {
		feed.WriteString("SKU,Some product title\n")
	}
	for _, tc := range []struct {
		name string
		data []byte
		what string
	}{
		{"f.csv.gz", gzipBytes(t, feed.Bytes()), "the decompressed gzip stream"},
		{"f.csv.zst", zstdBytes(t, feed.Bytes()), "the decompressed zstd stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readBytes(t, tc.name, tc.data, ReadOptions{MaxBytes: 256 << 10})
			var pe *ParseError
			if !errors.Is(res.err, limit.ErrTooLarge) || !errors.As(res.err, &pe) {
				t.Fatalf("err %v", res.err)
			}
			if !strings.Contains(res.err.Error(), tc.what+" is larger than the 256 KiB limit (--max-bytes)") {
				t.Errorf("message %q", res.err)
			}
			// Everything before the limit was read, nothing after it.
			if n := len(res.items); n < 10000 || n > 256<<10/23 {
				t.Errorf("%d items before the limit", n)
			}
			if pe.Line != len(res.items)+2 {
				t.Errorf("error on line %d after %d items", pe.Line, len(res.items))
			}
		})
	}
	t.Run("exactly at the limit", func(t *testing.T) {
		data := []byte("id\n1\n2\n")
		res := readBytes(t, "f.gz", gzipBytes(t, data), ReadOptions{MaxBytes: int64(len(data))})
		if res.err != nil || len(res.items) != 2 {
			t.Errorf("err %v items %d", res.err, len(res.items))
		}
		// One byte over: the complete records before the limit are kept.
		res = readBytes(t, "f.gz", gzipBytes(t, data), ReadOptions{MaxBytes: int64(len(data)) - 1})
		if !errors.Is(res.err, limit.ErrTooLarge) || len(res.items) != 1 {
			t.Errorf("one byte over: err %v, %d items", res.err, len(res.items))
		}
	})
	t.Run("no limit", func(t *testing.T) {
		res := readBytes(t, "f.gz", gzipBytes(t, feed.Bytes()), ReadOptions{MaxBytes: -1})
		if res.err != nil {
			t.Error(res.err)
		}
	})
}

func TestFeedExt(t *testing.T) {
	for name, want := range map[string]string{"a.csv.gz": ".csv", "a.XML.ZST": ".xml", "a.tsv.bz2": ".tsv", "a.json.zip": ".json", "a.gz": "", "a.jsonl": ".jsonl"} {
		if got := feedExt(name); got != want {
			t.Errorf("feedExt(%q) = %q, want %q", name, got, want)
		}
	}
}

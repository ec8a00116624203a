package feed

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Fuzzing, one target at a time (the seeds run under plain go test):
//
//	go test ./feed -run '^$' -fuzz '^FuzzOpen$' -fuzztime 60s -fuzzminimizetime 100x -parallel 1
//
// and likewise FuzzReadCSV, FuzzReadXML, FuzzReadJSON. -fuzzminimizetime
// matters with one worker: minimising each new input for the default 60 s
// stalls the run. Crashers land in testdata/fuzz/<target>/ and stay there
// as regression tests.

// fuzzRead checks the reader invariants on arbitrary input: no panic, no
// hang (bounded by the input), fatal errors are *ParseError with Line ≥ 0,
// items have strictly increasing Index and Line ≥ 1.
func fuzzRead(t *testing.T, name string, data []byte, opts ReadOptions) {
	r, err := Open(context.Background(), name, bytes.NewReader(data), opts)
	if err != nil {
		// Open may refuse input (unsupported, undecodable, corrupt gzip);
		// that is exit code 2 upstream, not a reader failure.
		if err.Error() == "" {
			t.Fatal("Open returned an empty error")
		}
		return
	}
	defer r.Close()
	prev := 0
	for n := 0; ; n++ {
		if n > len(data)+1 {
			t.Fatalf("more items (%d) than input bytes", n)
		}
		it, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 0 {
				t.Fatalf("error %v (%T) is not a *ParseError with line ≥ 0", err, err)
			}
			if _, err := r.Next(); err == nil {
				t.Fatal("Next after a fatal error returned an item")
			}
			return
		}
		if it.Index <= prev || it.Line < 1 {
			t.Fatalf("item index %d after %d, line %d", it.Index, prev, it.Line)
		}
		prev = it.Index
	}
}

func addFixtureSeeds(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", "read", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzReadCSV(f *testing.F) {
	addFixtureSeeds(f, "meta.csv", "win1252.csv", "utf16le-bom.csv", "utf8-bom.csv")
	f.Add([]byte("id\ttitle\n1\t12\" pizza\n2\t\"a\"b\n"))
	f.Add([]byte("id,title\n\"unterminated\n"))
	f.Add([]byte("a;b|c\n1;2|3\n,,\n"))
	f.Add([]byte("id,title\n1,Caf\xe9\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "f.csv", data, ReadOptions{Format: "csv"})
	})
}

func FuzzReadXML(f *testing.F) {
	addFixtureSeeds(f, "rss.xml", "atom.xml", "truncated.xml")
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1252"?><rss><channel><item><id>1</id></item></channel></rss>`))
	f.Add([]byte("<rss><channel><item><id>1</ID></item>"))
	f.Add([]byte("<feed><entry><link href='x'/><a><b><c>d</c></b></a></entry></feed>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "f.xml", data, ReadOptions{Format: "xml"})
	})
}

func FuzzReadJSON(f *testing.F) {
	addFixtureSeeds(f, "products.json", "products.jsonl")
	f.Add([]byte(`[{"a":{"b":[1,2,{"c":null}]}}, 3]`))
	f.Add([]byte("{\"a\":\"\xff\"}\n{bad\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "f.json", data, ReadOptions{})
		fuzzRead(t, "f.jsonl", data, ReadOptions{Format: "jsonl"})
	})
}

// FuzzOpen runs the whole stack on arbitrary bytes under an unknown name:
// compression sniffing (gzip, bzip2, zstd, zip), zip entry selection, the
// XLSX path, encoding detection, format detection and the format readers.
// Small limits keep each run fast and prove they hold.
func FuzzOpen(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join("testdata", "read", "meta.csv"))
	if err != nil {
		f.Fatal(err)
	}
	addFixtureSeeds(f, "meta.csv.gz", "meta.csv.bz2", "rss.xml", "products.json")
	f.Add(zstdBytes(f, raw))
	f.Add(zipBytes(f, zipEntry{name: "a.csv", data: raw}))
	f.Add(zipBytes(f, zipEntry{name: "a.csv", data: raw, stored: true}, zipEntry{name: "__MACOSX/b", data: raw}))
	f.Add(gzipBytes(f, zipBytes(f, zipEntry{name: "a.xml", data: []byte("<rss><item><id>1</id></item></rss>")})))
	f.Add(makeXLSX(f, map[string][][]any{"S": {{"id", "title"}, {"1", "a"}}}, []string{"S"}))
	f.Add([]byte("id,title\r1,a\r\n2,\"b\rc\"\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "f", data, ReadOptions{MaxBytes: 1 << 20, MaxRecordBytes: 64 << 10})
	})
}

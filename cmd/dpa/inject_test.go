package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// TestInjectionHumanLines: an escape sequence in an id must not reach the
// terminal through the "e.g." line, and CSV reports (validate -o csv,
// normalize --report x.csv) neutralise formula-like cells as the XLSX
// report does (issue 10 #11).
func TestInjectionHumanLines(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "feed.csv")
	feedCSV := "id,title,description,availability,condition,price,link,image_link,brand\n" +
		"\x1b]0;pwned\x07SKU-1,=HYPERLINK(\"http://x\")  ,d,in stock,new,=1+1,https://shop.example.com/p,https://shop.example.com/p.jpg,B\n"
	if err := os.WriteFile(src, []byte(feedCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	io, out, errOut := render.Test()
	run(t.Context(), []string{"validate", "--channel", "meta", src}, io, fixedNow)
	if s := out.String() + errOut.String(); strings.ContainsAny(s, "\x1b\x07") {
		t.Errorf("validate table output carries a raw escape: %q", s)
	}
	io, out, _ = render.Test()
	run(t.Context(), []string{"validate", "--channel", "meta", "-o", "csv", src}, io, fixedNow)
	checkNoFormula(t, "validate -o csv", out.String())

	rep := filepath.Join(dir, "changes.csv")
	io, _, errOut = render.Test()
	if code := run(t.Context(), []string{"normalize", "--channel", "meta", "--out", filepath.Join(dir, "out.csv"), "--report", rep, src}, io, fixedNow); code > 1 {
		t.Fatalf("normalize exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	checkNoFormula(t, "normalize --report csv", string(b))
	if s := errOut.String(); strings.ContainsAny(s, "\x1b\x07") {
		t.Errorf("normalize stderr carries a raw escape: %q", s)
	}
}

func checkNoFormula(t *testing.T, what, data string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, data)
	}
	if len(recs) < 2 {
		t.Fatalf("%s: no rows:\n%s", what, data)
	}
	for _, r := range recs {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("%s: formula-like cell %q", what, c)
			}
		}
	}
}

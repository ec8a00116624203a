package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 10 item 13: convert silently dropped NUL, U+0001 and U+FFFE when
// writing XML (and XLSX turned them into U+FFFD), although its help says
// a field OUT cannot hold is an error. Formats that can hold them keep
// them byte for byte; XML and XLSX refuse with exit 2, naming file, line,
// item, field and code point, and leave OUT as it was.
func TestConvertCharsOutCannotHold(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, value, want string
	}{
		{"NUL", "a\x00b", `in.csv:3: item 2: field "title": U+0000 at character 2`},
		{"U+0001", "c\x01", `in.csv:3: item 2: field "title": U+0001 at character 2`},
		{"U+FFFE", "é\ufffe", `in.csv:3: item 2: field "title": U+FFFE at character 2`},
		{"U+FFFF", "\uffff", `in.csv:3: item 2: field "title": U+FFFF at character 1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(dir, "in.csv")
			src := "id,title\n1,plain\n2," + tc.value + "\n"
			if err := os.WriteFile(in, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, format := range []string{"xml", "xlsx"} {
				out := filepath.Join(dir, "out."+format)
				if err := os.WriteFile(out, []byte("previous"), 0o600); err != nil {
					t.Fatal(err)
				}
				code, _, errOut := runCmd(t, "convert", in, "--out", out)
				if code != exitUsage || !strings.Contains(errOut, filepath.Join(dir, tc.want)) || !strings.Contains(errOut, "cannot hold this character (nothing written") {
					t.Errorf("%s: exit %d, stderr %q; want 2 and %q", format, code, errOut, tc.want)
				}
				if b, _ := os.ReadFile(out); string(b) != "previous" {
					t.Errorf("%s: OUT changed: %q", format, b)
				}
			}
			// CSV, TSV and JSON Lines hold the character: kept as it is.
			for _, format := range []string{"csv", "tsv", "jsonl"} {
				out := filepath.Join(dir, "out."+format)
				code, _, errOut := runCmd(t, "convert", in, "--out", out)
				if code != 0 {
					t.Fatalf("%s: exit %d: %s", format, code, errOut)
				}
				back := filepath.Join(dir, "back.csv")
				if code, _, errOut := runCmd(t, "convert", out, "--out", back); code != 0 {
					t.Fatalf("%s back to csv: exit %d: %s", format, code, errOut)
				}
				if b, _ := os.ReadFile(back); string(b) != src {
					t.Errorf("%s round trip: %q, want %q", format, b, src)
				}
			}
		})
	}
}

package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// TestHostileCLI runs `dpa validate -o json` over the hostile corpus and
// pins what a user sees: the exit code, the rules reported, and the items
// that were still checked before a fatal error.
func TestHostileCLI(t *testing.T) {
	dir := "../../feed/testdata/hostile"
	tests := []struct {
		file   string
		args   []string
		code   int
		items  int
		rules  []string
		stderr string
	}{
		{file: "empty.csv", code: 1, rules: []string{"feed.empty"}},
		{file: "header-only.csv", code: 0, rules: []string{"feed.no_items"}},
		{file: "binary.csv", code: 2, stderr: "binary data"},
		{file: "truncated.csv.gz", code: 1, items: 963, rules: []string{"feed.parse_error"}},
		{file: "doctype-entities.xml", code: 1, items: 1, rules: []string{"feed.parse_error"}},
		{file: "xxe-file.xml", code: 1, rules: []string{"feed.parse_error"}},
		{file: "deep.json", code: 1, rules: []string{"feed.parse_error"}},
		{file: "unterminated-quote.csv", code: 1, rules: []string{"csv.syntax"}},
		{file: "invalid-utf8.csv", args: []string{"--encoding", "utf-8"}, code: 1, rules: []string{"encoding.invalid_utf8"}},
		{file: "invalid-utf8.csv", code: 1, rules: []string{"encoding.detected"}},
		{file: "nul-bytes.csv", code: 1, rules: []string{"text.control_chars"}},
		{file: "formula-injection.csv", code: 1},
	}
	for _, tc := range tests {
		t.Run(tc.file+strings.Join(tc.args, ""), func(t *testing.T) {
			io, out, errOut := render.Test()
			args := append([]string{"validate", "-o", "json", "--fail-on", "error"}, tc.args...)
			code := run(t.Context(), append(args, filepath.Join(dir, tc.file)), io, fixedNow)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			if tc.stderr != "" && !strings.Contains(errOut.String(), tc.stderr) {
				t.Fatalf("stderr %q lacks %q", errOut, tc.stderr)
			}
			if code == 2 {
				if out.Len() != 0 {
					t.Fatalf("stdout on exit 2: %s", out)
				}
				return
			}
			var rep struct {
				Summary  struct{ Items int }
				Findings []struct{ Rule string }
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, out)
			}
			if tc.items > 0 && rep.Summary.Items != tc.items {
				t.Errorf("items %d, want %d", rep.Summary.Items, tc.items)
			}
			seen := map[string]bool{}
			for _, f := range rep.Findings {
				seen[f.Rule] = true
			}
			for _, r := range tc.rules {
				if !seen[r] {
					t.Errorf("rule %s not reported; got %v", r, seen)
				}
			}
		})
	}
}

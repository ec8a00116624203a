package main

import (
	"encoding/json"
	"os"
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
		{file: "header-only.csv", code: 1, rules: []string{"feed.no_items"}},
		{file: "header-only.csv", args: []string{"--allow-empty"}, code: 0, rules: []string{"feed.no_items"}},
		{file: "maintenance.html.xml", code: 1, rules: []string{"feed.html"}},
		{file: "maintenance.html.xml", args: []string{"--allow-empty"}, code: 1, rules: []string{"feed.html"}},
		{file: "bad-gateway.csv", code: 1, rules: []string{"feed.html"}},
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

// TestHostileEmptyKeepsOut (issue 10, item 3): an input that yields no
// items (a failed download: empty, header only, an HTML page) never
// replaces a good OUT: exit 2, OUT untouched, unless --allow-empty (an
// HTML page is refused even then).
func TestHostileEmptyKeepsOut(t *testing.T) {
	const good = "id,title\nSKU-1,Linen Shirt\n"
	html, err := os.ReadFile("../../feed/testdata/hostile/maintenance.html.xml")
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{"empty.csv": "", "header.csv": "id,title,price\n", "feed.xml": string(html)}
	cmds := map[string][]string{
		"normalize": {"normalize", "--channel", "meta", "--out"},
		"convert":   {"convert", "--format", "csv", "--out"},
	}
	for cmdName, prefix := range cmds {
		for in, data := range inputs {
			for _, allow := range []bool{false, true} {
				t.Run(cmdName+"/"+in+map[bool]string{true: "/allow"}[allow], func(t *testing.T) {
					dir := t.TempDir()
					src := filepath.Join(dir, in)
					out := filepath.Join(dir, "good.csv")
					os.WriteFile(src, []byte(data), 0o644)
					os.WriteFile(out, []byte(good), 0o644)
					args := append(append([]string(nil), prefix...), out, src)
					if allow {
						args = append(args, "--allow-empty")
					}
					io, _, errOut := render.Test()
					code := run(t.Context(), args, io, fixedNow)
					got, _ := os.ReadFile(out)
					isHTML := in == "feed.xml"
					if allow && !isHTML {
						if code != 0 || string(got) == good {
							t.Fatalf("--allow-empty: exit %d, OUT %q; stderr %s", code, got, errOut)
						}
						return
					}
					if code != 2 || string(got) != good {
						t.Fatalf("exit %d (want 2), OUT %q (want untouched); stderr %s", code, got, errOut)
					}
					if isHTML && !strings.Contains(errOut.String(), "HTML document") {
						t.Errorf("stderr does not name the HTML page: %s", errOut)
					}
				})
			}
		}
	}
}

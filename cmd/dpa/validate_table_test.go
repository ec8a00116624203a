package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"

	"github.com/dpa-tools/dpa/render"
)

// On a terminal the findings table fits its width: messages and their
// hints wrap instead of being cut with "…" (the old table cut every cell
// at 80 characters and ignored the width). UPDATE_GOLDEN=1 rewrites the
// golden file.
func TestValidateTableFitsTerminal(t *testing.T) {
	for _, width := range []int{100, 140} {
		s, out, errOut := render.Test()
		s.OutTTY, s.OutWidth = true, width
		if code := run(t.Context(), []string{"validate", "--color", "never", "--max-findings", "0", "../../examples/meta_feed.csv"}, s, fixedNow); code != exitFindings {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		table := out.String()[strings.Index(out.String(), "┌"):]
		for i, line := range strings.Split(strings.TrimSuffix(table, "\n"), "\n") {
			if w := twwidth.Width(line); w > width {
				t.Errorf("width %d: table line %d is %d wide: %q", width, i+1, w, line)
			}
		}
		if strings.Contains(table, "…") {
			t.Errorf("width %d: a cell was cut:\n%s", width, table)
		}
		goldenFile(t, filepath.Join("testdata", "validate_table_tty"+map[int]string{100: "100", 140: "140"}[width]+".golden"), out.Bytes())
	}
}

// Anywhere else (a pipe, a file) nothing is wrapped or cut: each finding
// is one row with its whole message and hint.
func TestValidateTablePipeKeepsMessages(t *testing.T) {
	s, out, errOut := render.Test()
	if code := run(t.Context(), []string{"validate", "../../examples/meta_feed.csv"}, s, fixedNow); code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, msg := range []string{`price "24,95 EUR": use . as the decimal separator → 24.95 EUR`, `the variants of group "MC-13" differ by size, but this one has none`} {
		if !strings.Contains(out.String(), msg) {
			t.Errorf("message %q not whole on one line:\n%s", msg, out.String())
		}
	}
}

func goldenFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 go test ./cmd/dpa -run %s creates it)", err, t.Name())
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (UPDATE_GOLDEN=1 to accept)\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

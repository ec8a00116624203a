package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// The reports of stats and diff, byte for byte, in every format and on a
// terminal (colour, fitted width) or a pipe, so a change in how they are
// printed cannot change what they print. UPDATE_GOLDEN=1 rewrites them.
func TestStatsDiffGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
		tty  bool
		code int
	}{
		{"stats_table", []string{"stats", "../../examples/meta_feed.csv"}, false, 0},
		{"stats_table_tty", []string{"stats", "--color", "always", "../../examples/google_feed.xml"}, true, 0},
		{"stats_json", []string{"stats", "-o", "json", "--top", "3", "../../examples/shopify_export.csv"}, false, 0},
		{"diff_table", []string{"diff", "../../examples/clean_meta_feed.csv", "../../examples/clean_meta_feed_v2.csv", "--max-changed-share", "1"}, false, 1},
		{"diff_table_tty", []string{"diff", "--color", "always", "../../examples/clean_meta_feed.csv", "../../examples/clean_meta_feed_v2.csv"}, true, 0},
		{"diff_json", []string{"diff", "-o", "json", "--fail-on-price-change", "1", "../../examples/clean_meta_feed.csv", "../../examples/clean_meta_feed_v2.csv"}, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, out, errOut := render.Test()
			if tc.tty {
				s.OutTTY, s.OutWidth = true, 100
			}
			if code := run(t.Context(), tc.args, s, fixedNow); code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut)
			}
			goldenFile(t, filepath.Join("testdata", tc.name+".golden"), out.Bytes())
		})
	}
}

// stats -o xlsx --out writes the same workbook as -o xlsx to stdout, and
// says where it wrote on stderr (as every command with --out does).
func TestStatsXLSXOut(t *testing.T) {
	s, out, errOut := render.Test()
	if code := run(t.Context(), []string{"stats", "-o", "xlsx", "../../examples/meta_feed.csv"}, s, fixedNow); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	p := filepath.Join(t.TempDir(), "stats.xlsx")
	s2, out2, errOut2 := render.Test()
	if code := run(t.Context(), []string{"stats", "-o", "xlsx", "--out", p, "../../examples/meta_feed.csv"}, s2, fixedNow); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut2)
	}
	file, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut2.String(), "wrote "+p) {
		t.Errorf("stderr %q does not name the written file", errOut2)
	}
	if out.Len() == 0 || !bytes.Equal(file, out.Bytes()) || out2.Len() != 0 {
		t.Errorf("--out wrote %d bytes, stdout had %d; stdout with --out %d", len(file), out.Len(), out2.Len())
	}
	goldenFile(t, filepath.Join("testdata", "stats_xlsx.golden"), out.Bytes())
}

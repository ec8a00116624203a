package campaign

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataFilesCiteSources: every versioned table under data/ says where
// it comes from in a "# source:" line (a page's title and URL, or that no
// page was found), so the data can be checked against its origin.
func TestDataFilesCiteSources(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("data", "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no data tables: %v", err)
	}
	for _, f := range files {
		if filepath.Base(f) == "catalog.csv" {
			continue // the example catalog, not platform data
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "# source:") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has no \"# source:\" line", f)
		}
	}
}

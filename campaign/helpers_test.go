package campaign

import (
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// item builds a feed item from name=value pairs.
func item(kv ...string) *feed.Item {
	it := &feed.Item{}
	for i := 0; i+1 < len(kv); i += 2 {
		it.Fields = append(it.Fields, feed.Field{Name: kv[i], Value: kv[i+1]})
	}
	return it
}

// csvItems reads a small CSV into items without the feed readers, which
// other engineers are still writing.
func csvItems(t testing.TB, data []byte) []*feed.Item {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []*feed.Item
	for i, r := range recs[1:] {
		it := &feed.Item{File: "catalog.csv", Index: i + 1, Line: i + 2}
		for j, v := range r {
			it.Fields = append(it.Fields, feed.Field{Name: feed.CanonicalName(recs[0][j]), Value: v})
		}
		out = append(out, it)
	}
	return out
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", filepath.FromSlash(name))
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from golden file (run go test ./campaign -update after checking):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

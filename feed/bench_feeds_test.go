package feed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// messify rewrites a generated CSV feed into a "messy" one with about one
// finding per item, of the kinds real exports are full of (the real Merchant
// Center feed under ../shared/data/real/ has five per item): every item gets
// one of an HTML description, a promotional word in the title, a title over
// Meta's 200-character limit, or Google's underscore spelling of
// availability. The finding path (collect, sort, spool, encode) is what this
// feed measures; the generated feed measures the clean path.
func messify(w io.Writer, r io.Reader) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	head, err := cr.Read()
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	title, desc, avail := col["title"], col["description"], col["availability"]
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch n % 4 {
		case 0:
			rec[desc] = "<p>" + rec[desc] + "</p>"
		case 1:
			rec[title] += " - Free Shipping"
		case 2:
			rec[title] += strings.Repeat(" extra", 30) + " " + strconv.Itoa(n)
		case 3:
			rec[avail] = strings.ReplaceAll(rec[avail], " ", "_")
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// TestWriteBenchFeeds writes the two full-scale benchmark feeds (clean.csv,
// the generated 1,000,000-item feed with 2% faults, and messy.csv, the same
// messified) into $DPA_BENCH_WRITE, for timing the dpa binary against
// ../shared/bench/baseline.go. It is skipped unless the variable is set.
//
//	DPA_BENCH_WRITE=/tmp/bench go test ./feed -run TestWriteBenchFeeds
func TestWriteBenchFeeds(t *testing.T) {
	dir := os.Getenv("DPA_BENCH_WRITE")
	if dir == "" {
		t.Skip("DPA_BENCH_WRITE not set")
	}
	items := 1_000_000
	if s := os.Getenv("DPA_BENCH_ITEMS"); s != "" {
		var err error
		if items, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	clean := filepath.Join(dir, "clean.csv")
	f, err := os.Create(clean)
	if err != nil {
		t.Fatal(err)
	}
	if err := GenerateFeed(context.Background(), f, GenerateOptions{Items: items, Seed: 1, FaultRate: 0.02}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	m, err := os.Create(filepath.Join(dir, "messy.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := messify(m, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMessifyFindings keeps the messy benchmark honest: each kind of
// rewrite must produce its finding.
func TestMessifyFindings(t *testing.T) {
	var gen, messy bytes.Buffer
	if err := GenerateFeed(context.Background(), &gen, GenerateOptions{Items: 400, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := messify(&messy, &gen); err != nil {
		t.Fatal(err)
	}
	v, err := NewValidator(channels["meta"], Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), "messy.csv", &messy, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Validate(t.Context(), r, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Findings.Close()
	rules := map[string]int{}
	for f := range res.Findings.All() {
		rules[f.Rule]++
	}
	for _, want := range []string{"description.html", "text.promotional", "length.too_long", "enum.alternate_spelling"} {
		if rules[want] < 70 { // availability values without a space (preorder) stay as they are
			t.Errorf("%s: %d findings, want about 100 (%v)", want, rules[want], rules)
		}
	}
}

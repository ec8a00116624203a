package feed

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"
)

// wideCSV is a header of n columns and rows rows, every cell filled.
func wideCSV(n, rows int) []byte {
	var b bytes.Buffer
	b.WriteString("id,title,price")
	for i := 3; i < n; i++ {
		b.WriteString(",attr_" + strconv.Itoa(i))
	}
	b.WriteByte('\n')
	for r := 0; r < rows; r++ {
		b.WriteString("SKU-" + strconv.Itoa(r) + ",Shirt,10.00 USD")
		for i := 3; i < n; i++ {
			b.WriteString(",v" + strconv.Itoa((r+i)%97))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// TestWideRowsLinear (issue 10, item 6): stats and diff look fields up in
// time linear in the width. One item of 300,000 fields takes the old
// quadratic code minutes (4.5·10^10 name comparisons each); the watchdog is a
// hang check with a margin of about 100x, not a speed claim (see
// BenchmarkWide for figures).
func TestWideRowsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 3 MB row")
	}
	data := wideCSV(300_000, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx := context.Background()
		r, err := Open(ctx, "wide.csv", bytes.NewReader(data), ReadOptions{})
		if err != nil {
			t.Error(err)
			return
		}
		s, err := Stats(ctx, r, StatsOptions{})
		r.Close()
		if err != nil || s.Items != 1 || len(s.FillRates) != 300_000 || s.FillRates[299_999].Filled != 1 {
			t.Errorf("stats: %v", err)
			return
		}
		o, _ := Open(ctx, "old.csv", bytes.NewReader(data), ReadOptions{})
		n, _ := Open(ctx, "new.csv", bytes.NewReader(data), ReadOptions{})
		d, err := Diff(ctx, o, n, DiffOptions{})
		if err != nil || d.Unchanged != 1 {
			t.Errorf("diff: %v %+v", err, d)
		}
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("stats/diff on one 300,000-field row did not finish: field lookup is not linear")
	}
}

// BenchmarkWide: stats and diff against validate's read on 2,000 columns.
func BenchmarkWide(b *testing.B) {
	data := wideCSV(2000, 500)
	ctx := context.Background()
	b.Run("stats", func(b *testing.B) {
		for b.Loop() {
			r, _ := Open(ctx, "w.csv", bytes.NewReader(data), ReadOptions{})
			if _, err := Stats(ctx, r, StatsOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("diff", func(b *testing.B) {
		for b.Loop() {
			o, _ := Open(ctx, "o.csv", bytes.NewReader(data), ReadOptions{})
			n, _ := Open(ctx, "n.csv", bytes.NewReader(data), ReadOptions{})
			if _, err := Diff(ctx, o, n, DiffOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestRepeatedFieldsHash: the linear hasher folds repeated fields in
// their order, as the quadratic merge did, and caches the sort per shape
// without mixing up items of different shapes.
func TestRepeatedFieldsHash(t *testing.T) {
	mk := func(kv ...string) *Item {
		it := &Item{}
		for i := 0; i < len(kv); i += 2 {
			it.Fields = append(it.Fields, Field{Name: kv[i], Value: kv[i+1]})
		}
		return it
	}
	var hs itemHasher
	a, _ := hs.itemHashes(mk("id", "1", "img", "a", "title", "x", "img", "b"))
	b, _ := hs.itemHashes(mk("id", "1", "img", "b", "title", "x", "img", "a"))
	if a == b {
		t.Error("order of repeated values ignored")
	}
	c, fh := hs.itemHashes(mk("title", "x", "img", "a", "id", "1", "img", "b", "empty", ""))
	if c != a {
		t.Error("same fields in another order hash differently")
	}
	if len(fh) != 3 || fh[0].name != "id" || fh[1].name != "img" || fh[2].name != "title" {
		t.Errorf("field hashes %+v", fh)
	}
}

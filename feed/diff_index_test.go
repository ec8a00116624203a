package feed

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// Enough items to cross the index's 64K-element chunks, with every kind
// of difference spread across them.
func TestDiffAcrossChunks(t *testing.T) {
	const n = 70000
	var old, nw strings.Builder
	old.WriteString("id,title,price,availability,color\n")
	nw.WriteString("id,title,price,availability,size\n")
	for i := range n {
		fmt.Fprintf(&old, "I%d,Item %d,%d.00 USD,in stock,%s\n", i, i, 10+i%50, []string{"", "Red"}[i%2])
		switch {
		case i%1000 == 1: // removed
		case i%1000 == 2: // price up
			fmt.Fprintf(&nw, "I%d,Item %d,%d.00 USD,in stock,\n", i, i, (10+i%50)*11/10+1)
		case i%1000 == 4: // availability flip, and the color (old only) dropped
			fmt.Fprintf(&nw, "I%d,Item %d,%d.00 USD,out of stock,\n", i, i, 10+i%50)
		case i%1000 == 6: // a field only NEW has
			fmt.Fprintf(&nw, "I%d,Item %d,%d.00 USD,in stock,XL\n", i, i, 10+i%50)
		default: // the same, but NEW has no color column: odd items lose Red
			fmt.Fprintf(&nw, "I%d,Item %d,%d.00 USD,in stock,\n", i, i, 10+i%50)
		}
		if i%1000 == 3 {
			fmt.Fprintf(&nw, "N%d,New %d,1.00 USD,in stock,\n", i, i) // added
			fmt.Fprintf(&nw, "I%d,Dup,1.00 USD,in stock,\n", i-3)     // a NEW duplicate of a matched id
		}
	}
	run := func() *DiffResult {
		res, err := Diff(context.Background(), openString(t, "old.csv", old.String()), openString(t, "new.csv", nw.String()), DiffOptions{ListLimit: 5})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run()
	k := n / 1000
	// Odd items had color=Red and lose it; even ones only change where told.
	wantChanged := n/2 + k + k // odd (color dropped) + price (even) + availability (even)
	wantChanged += k           // size added (even)
	got := fmt.Sprintf("old=%d new=%d +%d -%d ~%d dup=%d price=%d/%d flips=%v",
		res.OldItems, res.NewItems, res.Added, res.Removed, res.Changed, res.DuplicateIDs, res.PriceChanges, res.PriceUp, res.Availability)
	want := fmt.Sprintf("old=%d new=%d +%d -%d ~%d dup=%d price=%d/%d flips=[{in stock → out of stock %d}]",
		n, n-k+2*k, k, k, wantChanged-k /* removed odd ones are not changed */, k, k, k, k)
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	fields := fmt.Sprint(res.FieldChanges)
	if wantF := fmt.Sprintf("[{color %d} {availability %d} {price %d} {size %d}]", n/2-k, k, k, k); fields != wantF {
		t.Errorf("field changes %s, want %s", fields, wantF)
	}
	if len(res.Items) != 5 || !res.ItemsTruncated {
		t.Errorf("list: %d items, truncated %v", len(res.Items), res.ItemsTruncated)
	}
	if again := run(); fmt.Sprintf("%+v", again) != fmt.Sprintf("%+v", res) {
		t.Error("a second run differs: the diff must be deterministic")
	}
}

// Removed items come back with their ids, in old-file order, from the
// length-prefixed arena (ids longer than 127 bytes take two length bytes).
func TestDiffRemovedIDs(t *testing.T) {
	long := strings.Repeat("x", 300)
	old := "id,title\nA,a\n" + long + ",l\nB,b\nC,c\nD,d\n"
	nw := "id,title\nB,b\nD,d\n"
	res, err := Diff(context.Background(), openString(t, "o.csv", old), openString(t, "n.csv", nw), DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range res.Items {
		ids = append(ids, it.Status+":"+it.ID)
	}
	if got, want := strings.Join(ids, " "), "removed:A removed:"+long+" removed:C"; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// Hashes whose top 32 bits agree share a tag: the table must still tell
// them apart by the full hash.
func TestIDTableTagCollisions(t *testing.T) {
	var hs chunks[uint64]
	tb := idTable{hashes: &hs}
	var keys []uint64
	for i := range 5000 {
		h := uint64(0xABCD1234)<<32 | uint64(i*2654435761)&0xFFFFFFFF
		if i%3 == 0 {
			h = uint64(i) << 40 // spread over slots, tag differs
		}
		keys = append(keys, h)
		hs.add(h)
		tb.insert(h, uint32(i))
	}
	for i, h := range keys {
		if idx, ok := tb.lookup(h); !ok || idx != uint32(i) {
			t.Fatalf("lookup %x = %d %v, want %d", h, idx, ok, i)
		}
	}
	if _, ok := tb.lookup(uint64(0xABCD1234)<<32 | 0xFFFFFFFF); ok {
		t.Error("found a hash never inserted")
	}
}

func TestStrHash(t *testing.T) {
	seen := map[uint64]string{}
	for _, s := range []string{"", "a", "a\x00", "\x00", "ab", "ba", "abcdefgh", "abcdefghi", "abcdefgh\x00", "19.99 USD", "19.90 USD", "in stock", "In stock"} {
		h := strHash(s)
		if prev, dup := seen[h]; dup {
			t.Errorf("strHash(%q) == strHash(%q)", s, prev)
		}
		seen[h] = s
	}
}

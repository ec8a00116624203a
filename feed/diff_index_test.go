package feed

import (
	"context"
	"fmt"
	"slices"
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

// TestOldIndex is the API `dpa export --since` uses: the same judgement
// as Diff's, item by item, and the removed ids in OLD's order.
func TestOldIndex(t *testing.T) {
	old := "id,title,price,color\n" +
		"A,Shirt,10.00 USD,Red\n" +
		"B,Trousers,20.00 USD,\n" +
		"Z,Gone first,1.00 USD,\n" +
		"C,Hat,5.00 USD,\n" +
		"A,Repeat,99.00 USD,\n" + // a repeated id: the first item is kept
		"Y,Gone last,2.00 USD,\n" +
		",No id,3.00 USD,\n"
	// NEW reorders the columns and adds an empty one: neither is a change.
	nw := "color,price,size,id,title\n" +
		"Red,10.00 USD,,A,Shirt\n" + // unchanged (the first A)
		",25.00 USD,,B,Trousers\n" + // changed
		",5.00 USD,,C , Hat \n" + // unchanged: surrounding space does not count
		",1.00 USD,,N,New\n" // added
	x, err := IndexOld(context.Background(), openString(t, "old.csv", old), "")
	if err != nil {
		t.Fatal(err)
	}
	if x.Remaining() != 5 {
		t.Fatalf("Remaining = %d before NEW, want 5 (A B Z C Y)", x.Remaining())
	}
	r := openString(t, "new.csv", nw)
	var got []string
	for {
		it, err := r.Next()
		if err != nil {
			break
		}
		id := it.Get("id")
		got = append(got, fmt.Sprintf("%s=%v", strings.TrimSpace(id), x.Changed(id, it)))
	}
	if want := "[A=false B=true C=false N=true]"; fmt.Sprint(got) != want {
		t.Errorf("Changed: %v, want %s", got, want)
	}
	var removed []string
	for id := range x.Removed {
		removed = append(removed, id)
	}
	if !slices.Equal(removed, []string{"Z", "Y"}) || x.Remaining() != 2 {
		t.Errorf("Removed %v (Remaining %d), want [Z Y] in OLD's order", removed, x.Remaining())
	}
	for id := range x.Removed {
		if id != "Z" {
			t.Errorf("Removed went on after yield returned false: %s", id)
		}
		break
	}

	// Diff, on the same feeds, counts the same.
	res, err := Diff(context.Background(), openString(t, "old.csv", old), openString(t, "new.csv", nw), DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged != 2 || res.Changed != 1 || res.Added != 1 || res.Removed != 2 {
		t.Errorf("Diff: %+v", res)
	}
}

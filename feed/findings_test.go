package feed

import (
	"bytes"
	"context"
	"reflect"
	"testing"
)

// TestFindingListSpill validates the same feed with findings kept in memory
// and spooled to disk after every 3: the reports must be identical, in
// report order, on every pass.
func TestFindingListSpill(t *testing.T) {
	var buf bytes.Buffer
	if err := GenerateFeed(context.Background(), &buf, GenerateOptions{Items: 3000, FaultRate: 0.2, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	v, _ := NewValidator(channels["meta"], Overrides{})
	runWith := func(limit int) *FileResult {
		r, err := Open(context.Background(), "g.csv", bytes.NewReader(buf.Bytes()), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		res, err := v.Validate(context.Background(), r, ValidateOptions{MemFindings: limit})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	mem, spill := runWith(1<<30), runWith(3)
	defer mem.Findings.Close()
	defer spill.Findings.Close()
	if spill.Findings.spilled == 0 {
		t.Fatal("nothing was spooled")
	}
	want := mem.Findings.Collect()
	sorted := append([]Finding(nil), want...)
	sortFindings(sorted)
	if !reflect.DeepEqual(want, sorted) {
		t.Fatal("in-memory findings are not in report order")
	}
	for pass := range 2 {
		if got := spill.Findings.Collect(); !reflect.DeepEqual(got, want) {
			t.Fatalf("pass %d: spooled findings differ (%d vs %d)", pass, len(got), len(want))
		}
	}
	if spill.Findings.Len() != len(want) || len(want) < 100 || spill.Errors != mem.Errors || spill.Warnings != mem.Warnings {
		t.Fatalf("len %d/%d errors %d/%d", spill.Findings.Len(), len(want), spill.Errors, mem.Errors)
	}
}

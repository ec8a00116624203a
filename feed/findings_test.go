package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
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

// TestSpoolChunksAndRetainedStrings reads the spool in chunks smaller than
// a record (every record straddles chunks) and checks the decoded strings
// kept from one pass are unchanged after later passes: they point into
// read-only chunks, not into a reused buffer.
func TestSpoolChunksAndRetainedStrings(t *testing.T) {
	defer func(n int) { spoolChunk = n }(spoolChunk)
	for _, chunk := range []int{7, 64, 1 << 20} {
		spoolChunk = chunk
		l := newFindingList(5)
		var want []Finding
		for i := range 42 {
			f := Finding{File: "f.csv", Item: i + 1, Line: i + 2, ID: fmt.Sprintf("id-%d", i), Field: "title", Rule: "text.all_caps",
				Severity: Severity(i%3 + 1), Message: strings.Repeat("m", i*3), Value: strings.Repeat("v", i), Suggestion: fmt.Sprint(i), New: i%2 == 0}
			want = append(want, f)
			buf := []Finding{f}
			l.add(buf)
			buf[0].ID = "overwritten" // add copied it
		}
		if l.spilled == 0 || l.nmem == 0 {
			t.Fatalf("chunk %d: spilled %d, in memory %d: want both", chunk, l.spilled, l.nmem)
		}
		first := l.Collect()
		second := l.Collect()
		if !reflect.DeepEqual(first, want) || !reflect.DeepEqual(second, want) {
			t.Fatalf("chunk %d: findings differ", chunk)
		}
		if err := l.Err(); err != nil {
			t.Fatal(err)
		}
		l.Close()
	}
}

func TestSpoolCorrupt(t *testing.T) {
	var enc []byte
	enc = appendSpool(enc, &Finding{File: "a", Rule: "r", Message: "m"})
	var f Finding
	r := spoolReader{r: bytes.NewReader(enc[:len(enc)-1])}
	if err := r.read(&f); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated record: %v", err)
	}
	// five integers, then a string longer than the record
	r = spoolReader{r: bytes.NewReader([]byte{6, 0, 0, 0, 0, 0, 100})}
	if err := r.read(&f); err == nil {
		t.Fatal("corrupt record decoded")
	}
}

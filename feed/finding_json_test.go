package feed

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestFindingAppendJSONMatchesEncodingJSON: the hand-written encoder must
// give encoding/json's bytes for every finding, including escapes,
// invalid UTF-8, U+2028, HTML characters and the omitempty fields.
func TestFindingAppendJSONMatchesEncodingJSON(t *testing.T) {
	pieces := []string{"", "a", "é", "<b>&amp;</b>", "\"q\"", `\`, "\n\r\t\b\f", "\x00\x01\x1f\x7f", "\xff\xfe", "\u2028\u2029", "日本", "💥", "x\xc3"}
	rng := rand.New(rand.NewPCG(7, 8))
	str := func() string {
		var b []byte
		for range rng.IntN(4) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		return string(b)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i := range 5000 {
		f := Finding{File: str(), Item: rng.IntN(1 << 20), Line: rng.IntN(1<<20) - 2, Column: rng.IntN(3) * rng.IntN(1<<20), ID: str(), Field: str(), Rule: str(),
			Severity: Severity(rng.IntN(5)), Message: str(), Value: str(), Suggestion: str(), New: rng.IntN(2) == 0}
		prefix, indent := [3]string{"    ", "", "\t"}[i%3], [3]string{"  ", "  ", " "}[i%3]
		enc.SetIndent(prefix, indent)
		buf.Reset()
		if err := enc.Encode(&f); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimRight(buf.Bytes(), "\n")
		if got := f.AppendJSON(nil, prefix, indent); !bytes.Equal(got, want) {
			t.Fatalf("finding %+v\n got %s\nwant %s", f, got, want)
		}
	}
}

// TestSpoolRoundTrip: every field of a finding survives the spool, with
// odd strings and the extremes of the integers.
func TestSpoolRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var want []Finding
	l := newFindingList(7)
	defer l.Close()
	for i := range 1000 {
		f := Finding{File: "f.csv", Item: i + 1, Line: []int{0, -1, 1 << 40, i}[i%4], ID: string(rune(i)) + "\xff", Field: "title",
			Rule: "r" + string(rune('a'+i%26)), Severity: Severity(i%3 + 1), Message: string(make([]byte, rng.IntN(300))),
			Value: "é\n\x00", Suggestion: []string{"", "s"}[i%2], New: i%3 == 0}
		want = append(want, f)
		l.add([]Finding{f})
	}
	if l.spilled == 0 {
		t.Fatal("nothing spilled")
	}
	for range 2 { // a second pass reads the spool again
		got := l.Collect()
		if len(got) != len(want) {
			t.Fatalf("%d findings, want %d (%v)", len(got), len(want), l.Err())
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("finding %d: %+v, want %+v", i, got[i], want[i])
			}
		}
	}
}

package sim

import (
	"fmt"
	"testing"
)

// TestIDTable interns ids in first-seen order across rehashes, repeats and
// the empty id, and gives them back as strings.
func TestIDTable(t *testing.T) {
	tab := newIDTable()
	want := map[string]int32{}
	var order []string
	for i := 0; i < 5000; i++ {
		for _, s := range []string{fmt.Sprintf("s%d", i%3001), fmt.Sprintf("u%d-%d", i%17, i%5), ""} {
			id, err := tab.intern(s)
			if err != nil {
				t.Fatal(err)
			}
			w, ok := want[s]
			if !ok {
				w = int32(len(order))
				want[s] = w
				order = append(order, s)
			}
			if id != w {
				t.Fatalf("intern(%q) = %d, want %d", s, id, w)
			}
		}
	}
	tab.done()
	if tab.Len() != len(order) {
		t.Fatalf("Len = %d, want %d", tab.Len(), len(order))
	}
	for i, s := range tab.strings() {
		if s != order[i] || tab.str(int32(i)) != s {
			t.Fatalf("id %d = %q, want %q", i, s, order[i])
		}
	}
}

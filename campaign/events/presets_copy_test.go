package events

import "testing"

// The preset table is shared by every read in the process: LookupPreset must
// hand out a copy whose map and columns the caller may edit.
func TestLookupPresetIsACopy(t *testing.T) {
	p, ok := LookupPreset("yoochoose")
	if !ok {
		t.Fatal("yoochoose preset missing")
	}
	p.Columns[0] = "changed"
	for k := range p.Map {
		p.Map[k] = "changed"
	}
	q, _ := LookupPreset("yoochoose")
	if q.Columns[0] == "changed" {
		t.Fatalf("columns shared: %v", q.Columns)
	}
	for k, v := range q.Map {
		if v == "changed" {
			t.Fatalf("map shared: %s=%s", k, v)
		}
	}
}

package feed

import (
	"strings"
	"testing"
)

func TestBaseline(t *testing.T) {
	report := `{"schema_version":1,"findings":[
	 {"file":"a.csv","item":1,"line":2,"id":"A","field":"price","rule":"price.currency_missing","severity":"error"},
	 {"file":"a.csv","item":2,"line":3,"id":"B","field":"gtin","rule":"gtin.check_digit","severity":"error"},
	 {"file":"a.csv","item":2,"line":3,"id":"B","field":"gtin","rule":"gtin.check_digit","severity":"error"},
	 {"file":"a.csv","item":0,"line":1,"field":"brand","rule":"header.column_missing","severity":"error","value":"brnd"}]}`
	b, err := LoadBaseline(strings.NewReader(report))
	if err != nil {
		t.Fatal(err)
	}
	now := []Finding{
		{ID: "B", Field: "gtin", Rule: "gtin.check_digit", Line: 40},       // moved: still old
		{ID: "A", Field: "price", Rule: "price.currency_missing", Line: 7}, // moved: old
		{ID: "A", Field: "price", Rule: "price.currency_missing", Line: 8}, // a second one: new
		{ID: "C", Field: "gtin", Rule: "gtin.check_digit"},                 // new item
		{ID: "B", Field: "link", Rule: "url.http"},                         // new rule on old item
		{Field: "brand", Rule: "header.column_missing", Value: "brnd"},     // file level, old
	}
	got := b.New(now)
	want := []bool{false, false, true, true, true, false}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d (%+v): new=%v want %v", i, now[i], got[i], want[i])
		}
	}
	if _, err := LoadBaseline(strings.NewReader(`{"schema_version":2}`)); err == nil {
		t.Error("schema_version 2 must be refused")
	}
	if _, err := LoadBaseline(strings.NewReader(`nope`)); err == nil {
		t.Error("garbage must be refused")
	}
}

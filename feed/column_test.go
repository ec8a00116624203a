package feed

import (
	"context"
	"strings"
	"testing"
)

// A minified XML feed has every item on line 2: findings carry the byte
// column where their <item> starts (1-based), the report knows the lines
// are shared, and the column survives spooling to disk. CSV items keep
// line only. The old reader gave every finding line 2 and nothing else.
func TestMinifiedXMLFindingsHaveColumns(t *testing.T) {
	item := func(id, price string) string {
		return `<item><g:id>` + id + `</g:id><title>Shirt é</title><g:price>` + price + `</g:price></item>`
	}
	doc := `<?xml version="1.0"?>` + "\n" + `<rss xmlns:g="http://base.google.com/ns/1.0"><channel>` +
		item("A", "0 USD") + item("B", "10.00 USD") + item("C", "0 USD") + `</channel></rss>`
	line2 := strings.Split(doc, "\n")[1]
	wantCol := map[string]int{}
	for _, id := range []string{"A", "B", "C"} {
		wantCol[id] = strings.Index(line2, `<item><g:id>`+id) + 1
	}
	v, err := NewValidator(channels["google"], Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	for _, mem := range []int{1000, 1} { // in memory, and spooled after one
		res, err := v.Validate(context.Background(), openString(t, "min.xml", doc), ValidateOptions{MemFindings: mem})
		if err != nil {
			t.Fatal(err)
		}
		if !res.SharedLines {
			t.Errorf("mem %d: SharedLines false for a one-line feed", mem)
		}
		fs := res.Findings.Collect()
		res.Findings.Close()
		seen := 0
		for _, f := range fs {
			if f.Item == 0 {
				continue
			}
			seen++
			if f.Line != 2 || f.Column != wantCol[f.ID] {
				t.Errorf("mem %d: %s %s at %d:%d, want 2:%d", mem, f.ID, f.Rule, f.Line, f.Column, wantCol[f.ID])
			}
			if js := string(f.AppendJSON(nil, "", "  ")); !strings.Contains(js, `"column": `) {
				t.Errorf("no column in JSON: %s", js)
			}
		}
		if seen == 0 {
			t.Fatalf("mem %d: no item findings: %+v", mem, fs)
		}
	}

	csv := "id,title,description,availability,condition,price,link,image_link,brand\nA,Shirt,Nice shirt,in stock,new,0 USD,https://x.example/a,https://x.example/a.jpg,Acme\n"
	res, err := v.Validate(context.Background(), openString(t, "f.csv", csv), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Findings.Close()
	if res.SharedLines {
		t.Error("SharedLines set for CSV")
	}
	for _, f := range res.Findings.Collect() {
		if f.Column != 0 {
			t.Errorf("CSV finding with a column: %+v", f)
		}
		if js := string(f.AppendJSON(nil, "", "  ")); strings.Contains(js, "column") {
			t.Errorf("CSV finding JSON has a column: %s", js)
		}
	}
}

package feed

import (
	"context"
	"reflect"
	"testing"
)

// TestEncodingDeclarationMismatch (issue 10, item 5): the bytes win over
// the XML declaration, and the mismatch is a finding. A UTF-8 feed that
// declared UTF-16 used to be decoded as UTF-16: 0 items, exit 0.
func TestEncodingDeclarationMismatch(t *testing.T) {
	tests := []struct {
		file  string
		items int
		title string
		diags []string
	}{
		{"utf16-declared-utf8.xml", 2, "Café crème shirt", []string{"encoding.mismatch:warning"}},
		{"latin1-declared-utf8.xml", 1, "Café", []string{"encoding.mismatch:warning"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, err := OpenFile(context.Background(), "testdata/hostile/"+tc.file, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var items []*Item
			for {
				it, err := r.Next()
				if err != nil || it == nil {
					break
				}
				items = append(items, it)
			}
			if len(items) != tc.items {
				t.Fatalf("%d items, want %d", len(items), tc.items)
			}
			if got := items[0].Get("title"); got != tc.title {
				t.Errorf("title %q, want %q", got, tc.title)
			}
			if got := diagRules(r.Diagnostics()); !reflect.DeepEqual(got, tc.diags) {
				t.Errorf("diagnostics %v, want %v", got, tc.diags)
			}
		})
	}
	// A truthful declaration of a single-byte charset is still obeyed.
	res := readBytes(t, "f.xml", []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss><channel><item><id>1</id><title>Caf\xe9</title></item></channel></rss>"), ReadOptions{})
	if len(res.items) != 1 || res.items[0].Get("title") != "Café" {
		t.Errorf("latin-1 declared and used: %v %v", res.items, res.err)
	}
	if got := diagRules(res.diags); len(got) != 0 {
		t.Errorf("diagnostics %v, want none", got)
	}
}

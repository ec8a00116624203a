package feed

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestEmptyOrHTMLInput (issue 10, item 3): a feed without items is an
// error unless AllowEmpty, and an HTML page saved in place of a feed is
// named as such and refused even with AllowEmpty.
func TestEmptyOrHTMLInput(t *testing.T) {
	tests := []struct {
		name, file string
		data       []byte
		allow      bool
		diags      []string
		errPart    string // NoItemsError contains this; "" = nil
	}{
		{name: "empty", file: "f.csv", diags: []string{"feed.empty:error"}, errPart: "the feed file is empty"},
		{name: "empty allowed", file: "f.csv", allow: true, diags: []string{"feed.empty:warning"}},
		{name: "header only", file: "f.csv", data: []byte("id,title\n"), diags: []string{"feed.no_items:error"}, errPart: "no items"},
		{name: "header only allowed", file: "f.csv", data: []byte("id,title\n"), allow: true, diags: []string{"feed.no_items:warning"}},
		{name: "html page as xml", file: "testdata/hostile/maintenance.html.xml", diags: []string{"feed.html:error"}, errPart: "HTML document"},
		{name: "html page allowed", file: "testdata/hostile/maintenance.html.xml", allow: true, diags: []string{"feed.html:error"}, errPart: "HTML document"},
		{name: "html page as csv, BOM and comment", file: "testdata/hostile/bad-gateway.csv", diags: []string{"feed.html:error"}, errPart: "HTML document"},
		{name: "rss is not html", file: "f.xml", data: []byte(`<?xml version="1.0"?><rss><channel><item><id>1</id></item></channel></rss>`)},
		{name: "a <header> field is not html", file: "f.xml", data: []byte(`<feed><headline/><entry><id>1</id></entry></feed>`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data
			if strings.HasPrefix(tc.file, "testdata/") {
				var err error
				if data, err = os.ReadFile(tc.file); err != nil {
					t.Fatal(err)
				}
			}
			r, err := Open(context.Background(), tc.file, strings.NewReader(string(data)), ReadOptions{AllowEmpty: tc.allow})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			n := 0
			for {
				it, err := r.Next()
				if it == nil || err != nil {
					break
				}
				n++
			}
			if got := diagRules(r.Diagnostics()); len(tc.diags) > 0 && !reflect.DeepEqual(got, tc.diags) {
				t.Errorf("diagnostics %v, want %v", got, tc.diags)
			}
			err = NoItemsError(r, n, tc.allow)
			switch {
			case tc.errPart == "" && err != nil:
				t.Errorf("NoItemsError = %v, want nil (%d items)", err, n)
			case tc.errPart != "" && (err == nil || !strings.Contains(err.Error(), tc.errPart) || !errors.Is(err, errNoItems)):
				t.Errorf("NoItemsError = %v, want errNoItems containing %q", err, tc.errPart)
			}
		})
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// A minified XML feed: every format says where on line 2 the item starts
// (table line:col and the item number, JSON column, SARIF startColumn,
// GitHub col=, JUnit column property and file:line:col in the failure). The old outputs all said line 2 and nothing more.
func TestValidateMinifiedXMLColumns(t *testing.T) {
	item := func(id, price string) string {
		return `<item><g:id>` + id + `</g:id><title>Shirt</title><link>https://x.example/` + id + `</link><g:image_link>https://x.example/` + id +
			`.jpg</g:image_link><g:availability>in_stock</g:availability><g:condition>new</g:condition><g:brand>Acme</g:brand><g:price>` + price + `</g:price></item>`
	}
	line2 := `<rss xmlns:g="http://base.google.com/ns/1.0"><channel><title>t</title>` + item("A", "10.00 USD") + item("B", "0 USD") + `</channel></rss>`
	path := filepath.Join(t.TempDir(), "min.xml")
	if err := os.WriteFile(path, []byte(`<?xml version="1.0"?>`+"\n"+line2), 0o644); err != nil {
		t.Fatal(err)
	}
	col := strings.Index(line2, "<item><g:id>B") + 1
	colStr := render.Int(col)
	colStr = strings.ReplaceAll(colStr, ",", "")
	for _, tc := range []struct{ format, want string }{
		{"table", path + ":2:" + colStr + " (item 2)"},
		{"json", `"column": ` + colStr},
		{"sarif", `"startColumn": ` + colStr},
		{"github", ",line=2,col=" + colStr + ","},
		{"junit", `<property name="column" value="` + colStr + `"></property>`},
		{"junit", path + ":2:" + colStr + " field price"},
		{"csv", ""}, // the CSV report's columns are a contract: unchanged
	} {
		s, out, errOut := render.Test()
		code := run(t.Context(), []string{"validate", "--channel", "google", "-o", tc.format, path}, s, fixedNow)
		if code != exitFindings {
			t.Fatalf("-o %s: exit %d: %s", tc.format, code, errOut)
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("-o %s: no %q in\n%s", tc.format, tc.want, out.String())
		}
	}
}

package feed

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// Issue 10 item 13: a feed followed by 20 MB of blank lines on stdin (a
// shell pipeline padding its output) must read as the feed, not as one
// record over the 16 MiB limit (feed.too_large). encoding/xml held the
// whitespace after the root element as one text token.
func TestTrailingBlankLines(t *testing.T) {
	xmlFeed, err := os.ReadFile("../examples/google_feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	csvFeed, err := os.ReadFile("../examples/catalog.csv")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, head, tail string
		items            int
		fatal            string // "" = clean EOF
		line             int
	}{
		{name: "XML", head: string(xmlFeed), items: 4},
		{name: "XML with CRLF blank lines", head: string(xmlFeed), tail: "\r\n", items: 4},
		{name: "CSV", head: string(csvFeed), items: 17},
		{name: "TSV", head: "id\ttitle\n1\ta\n2\tb\n", items: 2},
		{name: "JSON", head: `[{"id":"1","title":"a"}]`, items: 1},
		{name: "JSON then text", head: `[{"id":"1","title":"a"}]` + "\n", tail: "\n x", items: 1,
			fatal: "text after the top-level array", line: 20<<20 + 3},
		{name: "JSON Lines", head: `{"id":"1","title":"a"}` + "\n", items: 1},
		// What follows the blank lines is still seen, at its own line.
		{name: "XML then a second root", head: "<rss><channel><item><id>1</id></item></channel></rss>\n", tail: "\n<x>\n", items: 1,
			fatal: "<x> is not closed", line: 20<<20 + 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var blank io.Reader = &repeatReader{b: []byte("\n"), n: 20 << 20}
			if tc.name == "XML with CRLF blank lines" {
				blank = &repeatReader{b: []byte("\r\n"), n: 20 << 20}
			}
			src := io.MultiReader(strings.NewReader(tc.head), blank, strings.NewReader(strings.TrimPrefix(tc.tail, "\r\n")))
			r, err := Open(context.Background(), "-", src, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res := readAllFrom(t, r)
			if len(res.items) != tc.items {
				t.Errorf("%d items, want %d", len(res.items), tc.items)
			}
			switch {
			case tc.fatal == "" && res.err != nil:
				t.Errorf("err %v, want a clean end", res.err)
			case tc.fatal != "" && (res.err == nil || !strings.Contains(res.err.Error(), tc.fatal)):
				t.Errorf("err %v, want %q", res.err, tc.fatal)
			}
			if tc.line > 0 {
				if pe, ok := res.err.(*ParseError); !ok || pe.Line != tc.line {
					t.Errorf("err %#v, want line %d", res.err, tc.line)
				}
			}
			for _, d := range res.diags {
				if d.Rule == "feed.too_large" {
					t.Errorf("finding %+v", d)
				}
			}
		})
	}
}

// repeatReader yields b repeated until n bytes have been produced.
type repeatReader struct {
	b      []byte
	n, off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if len(p) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.b[r.off%len(r.b)]
		r.off++
	}
	r.n -= len(p)
	return len(p), nil
}

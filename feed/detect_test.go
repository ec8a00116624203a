package feed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSniffChannel(t *testing.T) {
	dir := t.TempDir()
	files := map[string]struct{ body, want string }{
		"g.xml":     {`<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id></item></channel></rss>`, "google"},
		"meta.xml":  {`<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id><g:quantity_to_sell_on_facebook>3</g:quantity_to_sell_on_facebook></item></channel></rss>`, "meta"},
		"plain.xml": {`<?xml version="1.0"?><rss><channel><item><id>1</id></item></channel></rss>`, "meta"},
		"tt.csv":    {"sku_id,title\n1,a\n", "tiktok"},
		"m.csv":     {"id,title\n1,a\n", "meta"},
	}
	for name, f := range files {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(f.body), 0o644)
		if got := SniffChannel(p); got != f.want {
			t.Errorf("%s: %s, want %s", name, got, f.want)
		}
	}
	if SniffChannel("-") != "meta" || SniffChannel(filepath.Join(dir, "missing")) != "meta" {
		t.Error("stdin and unreadable files default to meta")
	}
}

func TestDetectChannel(t *testing.T) {
	for body, want := range map[string]string{
		`<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id><title>x</title></item></channel></rss>`: "google",
		"sku_id,title\n1,a\n": "tiktok",
		"id,title\n1,a\n":     "meta",
	} {
		r, err := Open("stdin", strings.NewReader(body), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := DetectChannel(r); got != want {
			t.Errorf("%.30q: %s, want %s", body, got, want)
		}
		r.Close()
	}
}

package feed

import (
	"strings"
	"testing"
)

func TestChannelFromHead(t *testing.T) {
	for body, want := range map[string]string{
		`<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id></item></channel></rss>`:                                                                   "google",
		`<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id><g:quantity_to_sell_on_facebook>3</g:quantity_to_sell_on_facebook></item></channel></rss>`: "meta",
		`<?xml version="1.0"?><rss><channel><item><id>1</id></item></channel></rss>`:                                                                                                               "meta",
		"sku_id,title\n1,a\n": "tiktok",
		"id,title\n1,a\n":     "meta",
	} {
		if got := channelFromHead([]byte(body)); got != want {
			t.Errorf("%.40q: %s, want %s", body, got, want)
		}
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

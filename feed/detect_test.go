package feed

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestChannelFromHead(t *testing.T) {
	for body, want := range map[string]string{
		`<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id></item></channel></rss>`:                                                                   "google weak",
		`<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id><g:quantity_to_sell_on_facebook>3</g:quantity_to_sell_on_facebook></item></channel></rss>`: "meta",
		`<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id><g:identifier_exists>no</g:identifier_exists></item></channel></rss>`:                      "google",
		`<?xml version="1.0"?><rss><channel><item><id>1</id></item></channel></rss>`:                                                                                                               "meta weak",
		"sku_id,title\n1,a\n": "tiktok",
		"id,title\n1,a\n":     "meta weak",
		"id,title,description,availability,condition,price,link,image_link,brand\n":         "meta",
		"id\ttitle\tdescription\tavailability\tcondition\tprice\tlink\timage_link\tbrand\n": "google weak",
		"id,title,video[0].url\n":           "meta",
		"id;title;identifier_exists\n1;a\n": "google",
	} {
		g := guessFromHead([]byte(body))
		got := g.Channel
		if g.Weak {
			got += " weak"
		}
		if got != want || g.Reason == "" {
			t.Errorf("%.60q: %s (%s), want %s", body, got, g.Reason, want)
		}
	}
}

func TestDetectChannel(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"stdin", `<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id><title>x</title></item></channel></rss>`, "google"},
		{"feed-dpa.xml", `<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><item><g:id>1</g:id><title>x</title></item></channel></rss>`, "meta"},
		{"stdin", "sku_id,title\n1,a\n", "tiktok"},
		{"stdin", "id,title\n1,a\n", "meta"},
		{"google_feed.tsv", "id\ttitle\n1\ta\n", "google"},
		{"exports/gmc.csv", "id,title\n1,a\n", "google"},
		{"google.csv", "id,title,fb_product_category\n1,a,x\n", "meta"}, // content that settles it beats the name
	} {
		r, err := Open(context.Background(), c.name, strings.NewReader(c.body), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := DetectChannel(r, c.name); got.Channel != c.want {
			t.Errorf("%s %.30q: %+v, want %s", c.name, c.body, got, c.want)
		}
		r.Close()
	}
}

// The real feeds: the GMC TSV is Google's, Meta's own sample XML is Meta's.
func TestDetectChannelReal(t *testing.T) {
	for path, want := range map[string]string{
		"../../shared/data/real/lakeerie-gmc-tsv/google_feed.tsv":              "google",
		"../../shared/data/real/meta-dpa-sample-xml/feed-dpa.xml":              "meta",
		"../../shared/data/real/groundies-gmc-rss/merchant_feed.xml":           "google",
		"../../shared/data/real/marsupiu-gmc-rss/merchant_feed.xml":            "google",
		"../../shared/data/real/kirsten-liebieg-meta-csv/facebook_catalog.csv": "meta",
		"../../shared/data/real/muuch-meta-xlsx/facebook_catalog.xlsx":         "meta",
	} {
		if _, err := os.Stat(path); err != nil {
			t.Skip("../shared/data/real is not available")
		}
		r, err := OpenFile(context.Background(), path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		g := DetectChannel(r, path)
		r.Close()
		if g.Channel != want {
			t.Errorf("%s: %+v, want %s", path, g, want)
		}
	}
}

func TestLookupChannelAliases(t *testing.T) {
	for in, want := range map[string]string{"facebook": "meta", "Instagram": "meta", "gmc": "google", "merchant": "google", "merchant-center": "google", "google": "google"} {
		ch, err := LookupChannel(in)
		if err != nil || ch.Name != want {
			t.Errorf("%s: %v %v, want %s", in, ch, err, want)
		}
	}
}

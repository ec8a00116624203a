package feed

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

func TestGenCheckDigit(t *testing.T) {
	// GS1's worked example (feed-spec.md §8.4) and two well-known codes.
	for data, want := range map[string]byte{"629104150021": '3', "400638133393": '1', "7351353": '7'} {
		if got := genCheckDigit(data); got != want {
			t.Errorf("genCheckDigit(%s) = %c, want %c", data, got, want)
		}
	}
}

func TestGenerateFeed(t *testing.T) {
	for _, format := range []string{"csv", "tsv", "xml"} {
		t.Run(format, func(t *testing.T) {
			var a, b bytes.Buffer
			opts := GenerateOptions{Items: 500, Format: format, FaultRate: 0.2, Seed: 7}
			if err := GenerateFeed(context.Background(), &a, opts); err != nil {
				t.Fatal(err)
			}
			if err := GenerateFeed(context.Background(), &b, opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("same seed gave different output")
			}
			res := readBytes(t, "gen."+format, a.Bytes(), ReadOptions{})
			if res.err != nil || len(res.items) != 500 || len(res.diags) != 0 {
				t.Fatalf("err %v, %d items, diags %v", res.err, len(res.items), res.diags)
			}
			if got := rules(res.items); len(got) != 0 {
				t.Fatalf("reading problems %v", got)
			}
			ids := map[string]int{}
			var caps, http, noCur, badAvail, badGTIN int
			for _, it := range res.items {
				ids[it.Get("id")]++
				d := it.Get("description")
				if n := len(d); n < 300 || n > 600 {
					t.Errorf("item %d description length %d", it.Index, n)
				}
				title := it.Get("title")
				if title == strings.ToUpper(title) {
					caps++
				}
				if strings.HasPrefix(it.Get("link"), "http://") {
					http++
				}
				if !strings.Contains(it.Get("price"), " ") {
					noCur++
				}
				switch it.Get("availability") {
				case "in stock", "out of stock", "preorder", "available for order":
				default:
					badAvail++
				}
				g := it.Get("gtin")
				if len(g) != 13 || genCheckDigit(g[:12]) != g[12] {
					badGTIN++
				}
				if format == "xml" && len(it.All("additional_image_link")) != 2 {
					t.Errorf("xml item %d additional images %v", it.Index, it.All("additional_image_link"))
				}
			}
			dups := 500 - len(ids)
			for name, n := range map[string]int{"caps": caps, "http": http, "currency": noCur, "availability": badAvail, "gtin": badGTIN, "duplicate": dups} {
				if n == 0 || n > 50 {
					t.Errorf("fault %s injected %d times (want some, at rate 0.2/6 of 500)", name, n)
				}
			}
		})
	}
	var clean bytes.Buffer
	if err := GenerateFeed(context.Background(), &clean, GenerateOptions{Items: 300, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(clean.String(), "http://") {
		t.Error("fault-free feed has an http link")
	}
	if err := GenerateFeed(context.Background(), io.Discard, GenerateOptions{Items: 1, Format: "parquet"}); err == nil {
		t.Error("unknown format accepted")
	}
}

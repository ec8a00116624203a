package feed

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// realDataDir is the shared read-only sample corpus, outside the repo.
const realDataDir = "../../shared/data/real"

// realFeeds are the product feeds of the corpus (the event logs and
// session datasets next to them are no catalogs).
var realFeeds = []struct {
	path  string
	comma rune // for the independent CSV count
}{
	{"kirsten-liebieg-meta-csv/facebook_catalog.csv", ','},
	{"lakeerie-gmc-tsv/google_feed.tsv", '\t'},
	{"groundies-gmc-rss/merchant_feed.xml", 0},
	{"marsupiu-gmc-rss/merchant_feed.xml", 0},
	{"meta-dpa-sample-xml/feed-dpa.xml", 0},
	{"muuch-meta-xlsx/facebook_catalog.xlsx", 0},
	{"shopify-product-csvs/apparel.csv", ','},
	{"shopify-product-csvs/home-and-garden.csv", ','},
	{"shopify-product-csvs/jewelery.csv", ','},
	{"woocommerce-export/wc-product-export-28-7-2024-1722216242241.csv", ','},
	{"magento2-sample-data/products.csv", ','},
	{"magento2-sample-data/products_gear_bags.csv", ','},
}

func TestReadRealFeeds(t *testing.T) {
	if _, err := os.Stat(realDataDir); err != nil {
		t.Skipf("no real sample data at %s", realDataDir)
	}
	for _, tc := range realFeeds {
		t.Run(tc.path, func(t *testing.T) {
			path := filepath.Join(realDataDir, tc.path)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("missing %s", path)
			}
			want := independentCount(t, path, tc.comma)
			r, err := OpenFile(context.Background(), path, ReadOptions{})
			if err != nil {
				t.Fatalf("OpenFile: %v", err)
			}
			defer r.Close()
			got, probs, prevIndex := 0, 0, 0
			for {
				it, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("after %d items: %v", got, err)
				}
				got++
				probs += len(it.Problems)
				if it.Index != prevIndex+1 || it.Line < 1 {
					t.Fatalf("item %d: index %d line %d", got, it.Index, it.Line)
				}
				prevIndex = it.Index
			}
			if got != want {
				t.Errorf("items = %d, independent count = %d", got, want)
			}
			t.Logf("%s: format %s, %d items (independent count %d), %d columns, %d problems, %d diagnostics",
				tc.path, r.Format(), got, want, len(r.Columns()), probs, len(r.Diagnostics()))
		})
	}
}

// independentCount counts records without the package's readers.
func independentCount(t *testing.T, path string, comma rune) int {
	t.Helper()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xml":
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		d := xml.NewDecoder(bufio.NewReader(f))
		n := 0
		for {
			tok, err := d.RawToken()
			if err == io.EOF {
				return n
			}
			if err != nil {
				t.Fatalf("raw scan: %v", err)
			}
			if se, ok := tok.(xml.StartElement); ok && (se.Name.Local == "item" || se.Name.Local == "entry") {
				n++
			}
		}
	case ".xlsx":
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetList()[0])
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, row := range rows {
			if strings.TrimSpace(strings.Join(row, "")) != "" {
				n++
			}
		}
		return n - 1
	default:
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cr := csv.NewReader(bufio.NewReader(f))
		cr.Comma = comma
		cr.FieldsPerRecord = -1
		n := 0
		for {
			_, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return n - 1
			}
			if err != nil {
				t.Fatalf("csv count: %v", err)
			}
			n++
		}
	}
}

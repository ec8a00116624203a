package campaign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed"
)

// hashSink stands in for the CLI's staging directory: every byte is
// hashed (the manifest's sha256) and dropped, so the benchmark measures
// the engine and the hashing, not the disk.
type hashSink struct{}

type hashFile struct{ h hash.Hash }

func (f hashFile) Write(p []byte) (int, error) { return f.h.Write(p) }
func (hashFile) Close() error                  { return nil }

func (hashSink) Create(string) (io.WriteCloser, error) { return hashFile{sha256.New()}, nil }

// BenchmarkStreamCatalog exports a generated catalog (DPA_BENCH_ITEMS
// items, default 20,000) with the five ad sets of benchCampaignYAML and
// both channel feeds: the export benchmark of issue 9, without the disk.
// Compare old and new with benchstat; B/op and allocs/op are exact.
func BenchmarkStreamCatalog(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("DPA_BENCH_ITEMS")); err == nil && v > 0 {
		n = v
	}
	var cat bytes.Buffer
	if err := feed.GenerateFeed(context.Background(), &cat, feed.GenerateOptions{Items: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "catalog.csv")
	if err := os.WriteFile(path, cat.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	c, diags, err := Load("bench.yaml", strings.NewReader(benchCampaignYAML))
	if err != nil || HasErrors(diags) {
		b.Fatalf("load: %v %v", err, diags)
	}
	b.ReportAllocs()
	b.SetBytes(int64(cat.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := feed.OpenFile(context.Background(), path, feed.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		res, err := StreamCatalog(context.Background(), c, r, ExportOptions{Catalog: "catalog.csv",
			BatchSize: MaxBatchRequests, Meta: true, Google: true, SourceColumns: slices.Clone(r.Columns())}, hashSink{})
		r.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Items != n {
			b.Fatalf("items = %d, want %d", res.Items, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// benchCampaignYAML has five ad sets over the generated catalog's product
// types and brands (cmd/dpa's BenchmarkExport uses the same).
const benchCampaignYAML = `campaign:
  name: Big catalog benchmark
  catalog_id: "123456789012345"
  page_id: "987654321098765"
  countries: [US]
  currency: USD
  budget: {type: daily, amount: 500}
ad_sets:
  - name: All in stock
    type: retargeting
    product_set: {where: {availability: in stock}}
    creative: {format: carousel, cards: 5, headline: "{{product.name | titleize}}", primary_text: "Still thinking about it?", link_description: "{{product.current_price strip_zeros}}", call_to_action: SHOP_NOW, link: https://shop.example.com/}
  - name: Sneakers under $100
    type: prospecting
    product_set:
      filter: {"and": [{"product_type": {"i_contains": "sneakers"}}, {"price_amount": {"lt": 10000}}]}
    creative: {format: carousel, cards: 5, headline: "{{product.brand}} {{product.name}}", primary_text: "Fresh kicks.", link_description: "Now {{product.current_price}}", call_to_action: SHOP_NOW, link: https://shop.example.com/shoes}
  - name: Kitchen for home buyers
    type: cross_sell
    audience:
      events: [purchased]
      lookback_days: 30
      source: {where: {product_type: {contains: home}}}
    product_set: {where: {product_type: {contains: kitchen}}}
    creative: {format: carousel, cards: 4, headline: "{{product.name}}", primary_text: "Complete your kitchen with {{product.brand}}.", call_to_action: SHOP_NOW, link: https://shop.example.com/kitchen}
  - name: Premium bedding
    type: upsell
    audience: {events: [viewed], lookback_days: 14, source: {where: {product_type: {contains: bedding}, price: {below: 80}}}}
    product_set: {where: {product_type: {contains: bedding}, price: {at_least: 150}}}
    creative: {format: collection, instant_experience_id: "555000111222333", cards: 4, headline: "{{product.name}}", primary_text: "Sleep better.", call_to_action: SHOP_NOW, link: https://shop.example.com/bedding}
  - name: Northwind and Fjell
    type: custom
    audience: {events: [viewed, carted], lookback_days: 7}
    product_set: {where: {brand: [Northwind, Fjell]}}
    creative: {format: single_image, headline: "{{product.brand}} {{product.name}}", primary_text: "Our two favourite makers.", call_to_action: SHOP_NOW, link: https://shop.example.com/}
`

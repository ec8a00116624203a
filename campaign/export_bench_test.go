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
// items, default 20,000) with the five ad sets of benchCampaignFile and
// both channel feeds: the export benchmark of issue 9, without the disk.
// Compare old and new with benchstat; B/op and allocs/op are exact.
// benchCampaignFile has five ad sets over the generated catalog's product
// types and brands; cmd/dpa's BenchmarkExport runs it through the CLI.
const benchCampaignFile = "testdata/bench_campaign.yaml"

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
	yaml, err := os.ReadFile(benchCampaignFile)
	if err != nil {
		b.Fatal(err)
	}
	c, diags, err := Load(benchCampaignFile, bytes.NewReader(yaml))
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

// TestBenchCampaignLoads keeps the benchmarks' campaign valid: CI does not
// run benchmarks, and a rule added later (collection needs an Instant
// Experience) once broke it unnoticed.
func TestBenchCampaignLoads(t *testing.T) {
	yaml, err := os.ReadFile(benchCampaignFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, diags, err := Load(benchCampaignFile, bytes.NewReader(yaml)); err != nil || HasErrors(diags) {
		t.Fatalf("load %s: %v %v", benchCampaignFile, err, diags)
	}
}

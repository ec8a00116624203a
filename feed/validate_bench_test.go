package feed

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// BenchmarkValidate{CSV,XML} time the whole validate path (read, per-item
// checks, cross-item checks) on the same generated input as the read and
// baseline benchmarks, so `-bench 'Validate|Baseline'` gives the ratio
// from one run.
func BenchmarkValidateCSV(b *testing.B) { benchValidate(b, FormatCSV) }
func BenchmarkValidateXML(b *testing.B) { benchValidate(b, FormatXML) }

func benchValidate(b *testing.B, format string) {
	data := benchFeed(b, format)
	ch := channels["meta"]
	v, err := NewValidator(ch, Overrides{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(context.Background(), "bench."+format, bytes.NewReader(data), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		res, err := v.Validate(context.Background(), r, ValidateOptions{})
		if err != nil || res.Items == 0 {
			b.Fatal(err, res)
		}
		r.Close()
	}
}

// BenchmarkValidateFile validates the file named by DPA_BENCH_FEED (for
// profiling at full scale, e.g. a 1,000,000-item feed from
// `dpa generate feed`); it is skipped when the variable is unset.
func BenchmarkValidateFile(b *testing.B) {
	path := os.Getenv("DPA_BENCH_FEED")
	if path == "" {
		b.Skip("DPA_BENCH_FEED not set")
	}
	v, _ := NewValidator(channels["meta"], Overrides{})
	for b.Loop() {
		r, err := OpenFile(context.Background(), path, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Validate(context.Background(), r, ValidateOptions{}); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// BenchmarkValidateMessyCSV is BenchmarkValidateCSV on the messified feed
// (about one finding per item), with the findings read back once as every
// report does: it measures the finding path (collect, sort, spool, read).
// Its floor is BenchmarkBaselineMessyCSV.
func BenchmarkValidateMessyCSV(b *testing.B) {
	data := benchMessy(b)
	v, err := NewValidator(channels["meta"], Overrides{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(context.Background(), "messy.csv", bytes.NewReader(data), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		// A small memory budget so the spool is part of what is timed.
		res, err := v.Validate(context.Background(), r, ValidateOptions{MemFindings: 2000})
		if err != nil || res.Items == 0 {
			b.Fatal(err, res)
		}
		n := 0
		for range res.Findings.All() {
			n++
		}
		if n < res.Items/2 {
			b.Fatalf("%d findings for %d items", n, res.Items)
		}
		res.Findings.Close()
		r.Close()
	}
}

func BenchmarkBaselineMessyCSV(b *testing.B) { benchBaselineCSV(b, benchMessy(b)) }

func benchMessy(b *testing.B) []byte {
	clean := benchFeed(b, FormatCSV)
	benchFeeds.Lock()
	defer benchFeeds.Unlock()
	if d, ok := benchFeeds.m["messy"]; ok {
		return d
	}
	var buf bytes.Buffer
	if err := messify(&buf, bytes.NewReader(clean)); err != nil {
		b.Fatal(err)
	}
	benchFeeds.m["messy"] = buf.Bytes()
	return buf.Bytes()
}

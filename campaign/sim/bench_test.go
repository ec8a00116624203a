package sim

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkSynthetic runs the full comparison (all strategies).
// Scale with DPA_BENCH_USERS (default 2000) and DPA_BENCH_ITEMS (1000);
// the target is DPA_BENCH_USERS=100000 over 30 days in < 30 s.
func BenchmarkSynthetic(b *testing.B) {
	users, items := envInt("DPA_BENCH_USERS", 2000), envInt("DPA_BENCH_ITEMS", 1000)
	for i := 0; i < b.N; i++ {
		res, err := Synthetic(context.Background(), SyntheticOptions{Users: users, Items: items, Days: 30, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Organic.Events), "organic-events")
	}
	b.ReportMetric(float64(users)*float64(b.N)/b.Elapsed().Seconds(), "shoppers/s")
}

// BenchmarkReplayScale generates an organic log with the simulator (not
// timed), writes it to a temp file and times the replay (read + split +
// model + every strategy for every test user). Scale with
// DPA_BENCH_REPLAY_USERS (default 20000) and DPA_BENCH_REPLAY_ITEMS
// (default 5000); about 10 events per shopper. The target:
// 1,000,000 users and 100,000 items (≈10M events) in < 60 s and < 4 GB.
func BenchmarkReplayScale(b *testing.B) {
	users, items := envInt("DPA_BENCH_REPLAY_USERS", 20000), envInt("DPA_BENCH_REPLAY_ITEMS", 5000)
	path := filepath.Join(b.TempDir(), "events.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	t0 := time.Now()
	gen, err := Synthetic(context.Background(), SyntheticOptions{Users: users, Items: items, Days: 30, Seed: 1,
		Funnel: Funnel{VisitRate: 0.08}, OrganicOnly: true, EmitEvents: bw})
	if err != nil {
		b.Fatal(err)
	}
	bw.Flush()
	f.Close()
	b.Logf("generated %d events for %d shoppers, %d items in %v", gen.Organic.Events, users, items, time.Since(t0))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, _ := os.Open(path)
		res, err := Replay(context.Background(), f, ReplayOptions{})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.Logf("replay: %d train / %d test events, %d test users, %d items; heap sys %d MB",
				res.Split.TrainEvents, res.Split.TestEvents, res.Split.TestUsers, res.Split.Items, ms.HeapSys>>20)
		}
	}
	b.ReportMetric(float64(gen.Organic.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReplayFile replays the event log named by DPA_BENCH_EVENTS (for
// instance one written by `dpa simulate --organic-only --emit-events`) as
// `dpa simulate --events LOG --test-days 3 -k 20` does, so the engine can
// be profiled (-cpuprofile, -memprofile) on a real-sized log. Skipped when
// the variable is unset.
func BenchmarkReplayFile(b *testing.B) {
	path := os.Getenv("DPA_BENCH_EVENTS")
	if path == "" {
		b.Skip("set DPA_BENCH_EVENTS to an event log")
	}
	b.ReportAllocs()
	events := 0
	for i := 0; i < b.N; i++ {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Replay(context.Background(), f, ReplayOptions{TestDays: 3, K: 20})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		events = res.Split.TrainEvents + res.Split.TestEvents
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSyntheticLearned runs the learned pass (issue 15's memory case
// at a smaller scale: DPA_BENCH_USERS shoppers × 30 days) and reports the
// peak live heap, polled every 10 ms, per shopper. For a heap profile:
// go test ./campaign/sim -run '^$' -bench SyntheticLearned -memprofile mem.out
func BenchmarkSyntheticLearned(b *testing.B) {
	users, items := envInt("DPA_BENCH_USERS", 5000), envInt("DPA_BENCH_ITEMS", 1000)
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	for i := 0; i < b.N; i++ {
		if _, err := Synthetic(context.Background(), SyntheticOptions{Users: users, Items: items, Days: 30, Seed: 1,
			Learn: &LearnOptions{}}); err != nil {
			b.Fatal(err)
		}
	}
	close(stop)
	b.ReportMetric(float64(peak.Load())/float64(users), "peak-heap-B/shopper")
}

// BenchmarkLoadLog reads an event log into the column store and reports
// the memory it holds per (event, item) record ("B/record": live heap
// after a GC, with the log still referenced, over the records). The log is
// DPA_BENCH_EVENTS when set, else a generated one of
// DPA_BENCH_REPLAY_USERS shoppers (default 20000, about 10 events each).
func BenchmarkLoadLog(b *testing.B) {
	path := os.Getenv("DPA_BENCH_EVENTS")
	if path == "" {
		path = filepath.Join(b.TempDir(), "events.csv")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		_, err = Synthetic(context.Background(), SyntheticOptions{Users: envInt("DPA_BENCH_REPLAY_USERS", 20000),
			Items: envInt("DPA_BENCH_REPLAY_ITEMS", 5000), Days: 30, Seed: 1,
			Funnel: Funnel{VisitRate: 0.08}, OrganicOnly: true, EmitEvents: bw})
		if err != nil {
			b.Fatal(err)
		}
		bw.Flush()
		f.Close()
	}
	b.ResetTimer()
	var perRecord float64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		lg, err := LoadLog(context.Background(), f, events.Options{})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perRecord = float64(after.HeapAlloc-before.HeapAlloc) / float64(lg.Events())
		runtime.KeepAlive(lg)
	}
	b.ReportMetric(perRecord, "B/record")
}

package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	itemmodel "github.com/dpa-tools/dpa/campaign/model"
)

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("dpa %v: exit %d: %s", args, code, errOut)
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// recommend --model gives the recommendations of training on the log, for
// a top-k artifact and, with --all-pairs, for another similarity; an
// artifact with other counts changes them (the model is really used).
func TestRecommendWithModel(t *testing.T) {
	dir := t.TempDir()
	ev := "../../examples/events.csv"
	topk, all := filepath.Join(dir, "m.parquet"), filepath.Join(dir, "all.parquet")
	mustRun(t, "model", "build", "--events", ev, "--out", topk, "-q")
	mustRun(t, "model", "build", "--events", ev, "--out", all, "--all-pairs", "-q")
	recs := func(name string, extra ...string) string {
		out := filepath.Join(dir, name)
		mustRun(t, append([]string{"recommend", "--events", ev, "--all-users", "--strategy", "similar", "--out", out, "-q"}, extra...)...)
		return readFile(t, out)
	}
	base := recs("base.csv")
	if got := recs("topk.csv", "--model", topk); got != base {
		t.Errorf("--model (top-k) differs from training on the log")
	}
	lift := recs("lift.csv", "--similarity", "lift")
	if got := recs("liftall.csv", "--similarity", "lift", "--model", all); got != lift {
		t.Errorf("--model --all-pairs --similarity lift differs from training on the log")
	}
	code, _, errOut := runCmd(t, "recommend", "--events", ev, "--all-users", "--similarity", "lift", "--model", topk, "-q")
	if code != exitUsage || !strings.Contains(errOut, "top 50 neighbours by conditional") {
		t.Errorf("top-k conditional (default) model for lift: exit %d: %s", code, errOut)
	}

	// Halve every co-view pair count: the carousels must change.
	f, _ := os.Open(all)
	fi, _ := f.Stat()
	g, meta, err := itemmodel.Read(f, fi.Size(), all)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i := range g.View.Pairs {
		if g.View.Pairs[i].B[len(g.View.Pairs[i].B)-1]%2 == 0 {
			g.View.Pairs[i].Count = 1
		}
	}
	tampered := filepath.Join(dir, "tampered.parquet")
	tf, _ := os.Create(tampered)
	if err := itemmodel.Write(tf, g, meta); err != nil {
		t.Fatal(err)
	}
	tf.Close()
	if got := recs("tampered.csv", "--model", tampered); got == base {
		t.Errorf("recommendations ignore the model's counts")
	}
}

// simulate --events --model FILE (built --for replay with the same split)
// gives the report of training on the log; another split is refused.
func TestReplayWithModel(t *testing.T) {
	dir := t.TempDir()
	type run struct {
		log  string
		args []string
	}
	runs := []run{{"../../examples/events.csv", nil}}
	if real := filepath.Join("..", "..", "..", "shared", "data", "real", "yoochoose-100k", "yoochoose-clicks-100k_train_full.txt"); fileExists(real) {
		runs = append(runs, run{real, []string{"--by", "session", "--test-days", "1"}})
	}
	for i, r := range runs {
		m := filepath.Join(dir, "m"+string(rune('0'+i))+".parquet")
		mustRun(t, append([]string{"model", "build", "--events", r.log, "--for", "replay", "--out", m, "-q"}, r.args...)...)
		want := mustRun(t, append([]string{"simulate", "--events", r.log, "-o", "json", "-q"}, r.args...)...)
		got := mustRun(t, append([]string{"simulate", "--events", r.log, "-o", "json", "-q", "--model", m}, r.args...)...)
		if got != want {
			t.Errorf("%s: replay with --model differs", r.log)
		}
	}
	m := filepath.Join(dir, "m0.parquet")
	code, _, errOut := runCmd(t, "simulate", "--events", "../../examples/events.csv", "--test-days", "1", "--model", m, "-q")
	if code != exitUsage || !strings.Contains(errOut, "was trained for a split") {
		t.Errorf("split mismatch: exit %d: %s", code, errOut)
	}
	code, _, errOut = runCmd(t, "recommend", "--events", "../../examples/events.csv", "--user", "u001", "--model", m, "-q")
	if code != exitUsage || !strings.Contains(errOut, "built --for replay") {
		t.Errorf("replay model for recommend: exit %d: %s", code, errOut)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// The artifact's rows round-trip through Parquet.
func TestModelArtifactRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m.parquet")
	mustRun(t, "model", "build", "--events", "../../examples/events.csv", "--out", m, "--all-pairs", "-q")
	f, _ := os.Open(m)
	defer f.Close()
	fi, _ := f.Stat()
	g, meta, err := itemmodel.Read(f, fi.Size(), m)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Builder != "dpa" || !meta.AllPairs || meta.Window != "recommend" || meta.Events == 0 || meta.From.IsZero() {
		t.Errorf("meta %+v", meta)
	}
	if g.View.Baskets == 0 || len(g.View.Pairs) == 0 || len(g.Popularity) == 0 {
		t.Fatalf("empty graphs: %+v", g)
	}
	rows := itemmodel.Rows(g)
	var buf strings.Builder
	if err := itemmodel.Write(&nopWriter{&buf}, g, meta); err != nil {
		t.Fatal(err)
	}
	g2, _, err := itemmodel.Read(strings.NewReader(buf.String()), int64(buf.Len()), "again")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(itemmodel.Rows(g2), rows) {
		t.Error("rows differ after a second round trip")
	}
}

type nopWriter struct{ b *strings.Builder }

func (w *nopWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

func TestModelBuildPrintSQL(t *testing.T) {
	for d, fn := range map[string]string{"bigquery": "UNIX_MICROS(event_time)", "snowflake": "DATE_PART(EPOCH_MICROSECOND, event_time)",
		"spark": "unix_micros(event_time)", "duckdb": "epoch_us(CAST(event_time AS TIMESTAMPTZ))"} {
		out := mustRun(t, "model", "build", "--engine", "sql", "--dialect", d, "--print-sql", "--table", "shop.events",
			"--column", "timestamp=event_time", "--column", "user_id=visitor", "--split", "2024-03-01")
		for _, want := range []string{fn, "FROM shop.events", "TRIM(CAST(visitor AS", "WHERE t < 1709251200000000", "ORDER BY"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q in\n%s", d, want, out)
			}
		}
	}
	for _, bad := range [][]string{
		{"--engine", "sql", "--dialect", "duckdb", "--table", "t"},                                       // no --print-sql
		{"--engine", "sql", "--dialect", "oracle", "--print-sql", "--table", "t"},                        // dialect
		{"--engine", "sql", "--dialect", "duckdb", "--print-sql"},                                        // no table
		{"--engine", "sql", "--dialect", "duckdb", "--print-sql", "--table", "t; DROP TABLE x"},          // not a name
		{"--engine", "sql", "--dialect", "duckdb", "--print-sql", "--table", "t", "--column", "foo=bar"}, // canonical
		{"--engine", "sql", "--dialect", "duckdb", "--print-sql", "--table", "t", "--out", "m.parquet"},
		{"--dialect", "duckdb", "--events", "../../examples/events.csv", "--out", "m.parquet"}, // go engine
	} {
		code, out, errOut := runCmd(t, append([]string{"model", "build"}, bad...)...)
		if code != exitUsage || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %s", bad, code, out, errOut)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/dpa-tools/dpa/campaign/events"
)

// replayJSON runs a replay and returns its JSON report without the fields
// that name the input (file name, format, delimiter).
func replayJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := runCmd(t, append([]string{"simulate", "-o", "json", "-q"}, args...)...)
	if code != 0 {
		t.Fatalf("simulate %v: exit %d: %s", args, code, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "events_file")
	rd := m["read"].(map[string]any)
	delete(rd, "format")
	delete(rd, "delimiter")
	return m
}

// toParquetParts rewrites a log (any layout the reader knows) as canonical
// Parquet split over parts files under dir, with a _SUCCESS marker, as a
// warehouse export does.
func toParquetParts(t *testing.T, src, dir string, parts int, opts events.Options) {
	t.Helper()
	var evs []events.Event
	f, err := os.Open(src)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if _, err := events.Each(context.Background(), f, opts, func(ev *events.Event) error {
		e := *ev
		e.ItemIDs = append([]string(nil), ev.ItemIDs...)
		evs = append(evs, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for p := 0; p < parts; p++ {
		sub := filepath.Join(dir, "part="+strconv.Itoa(p))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w := events.NewWriter(events.ParquetOutput(&buf))
		for i := p * len(evs) / parts; i < (p+1)*len(evs)/parts; i++ {
			if err := w.Write(&evs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "data.parquet"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The same simulated log emitted as CSV and as Parquet gives the same
// replay report, by user and by session; so do a real log and its
// Parquet export in partitions.
func TestReplayParquetSameAsCSV(t *testing.T) {
	dir := t.TempDir()
	csvLog, pqLog := filepath.Join(dir, "ev.csv"), filepath.Join(dir, "ev.parquet")
	for _, out := range []string{csvLog, pqLog} {
		if code, _, errOut := runCmd(t, "simulate", "--items", "300", "--users", "800", "--days", "14", "--organic-only", "--emit-events", out, "-q"); code != 0 {
			t.Fatalf("emit %s: exit %d: %s", out, code, errOut)
		}
	}
	b, _ := os.ReadFile(pqLog)
	if !events.IsParquet(b) {
		t.Fatal("--emit-events x.parquet did not write Parquet")
	}
	for _, by := range []string{"user", "session"} {
		a, p := replayJSON(t, "--events", csvLog, "--by", by), replayJSON(t, "--events", pqLog, "--by", by)
		if !reflect.DeepEqual(a, p) {
			t.Errorf("--by %s: CSV and Parquet reports differ\n csv %v\n pq  %v", by, a, p)
		}
	}

	real := realData(t)
	src := filepath.Join(real, "yoochoose-100k", "yoochoose-clicks-100k_train_full.txt")
	parts := filepath.Join(dir, "yoochoose")
	toParquetParts(t, src, parts, 3, events.Options{})
	a := replayJSON(t, "--events", src, "--by", "session", "--test-days", "1", "-k", "20")
	p := replayJSON(t, "--events", parts, "--by", "session", "--test-days", "1", "-k", "20")
	delete(a["read"].(map[string]any), "preset") // the raw file is read with the yoochoose preset
	delete(a["read"].(map[string]any), "columns")
	delete(p["read"].(map[string]any), "columns")
	if !reflect.DeepEqual(a, p) {
		t.Errorf("yoochoose: CSV and partitioned Parquet reports differ\n csv %v\n pq  %v", a, p)
	}
}

func TestEventsParquetInputErrors(t *testing.T) {
	dir := t.TempDir()
	pq := filepath.Join(dir, "a.parquet")
	if code, _, errOut := runCmd(t, "simulate", "--items", "50", "--users", "20", "--days", "3", "--organic-only", "--emit-events", pq, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, _, errOut := runCmd(t, "simulate", "--events", pq, "--events", "../../examples/events.csv", "-q")
	if code != exitUsage || !strings.Contains(errOut, "must share a format") {
		t.Errorf("mixed formats: exit %d: %s", code, errOut)
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	os.WriteFile(filepath.Join(empty, "_SUCCESS"), nil, 0o644)
	code, _, errOut = runCmd(t, "simulate", "--events", empty, "-q")
	if code != exitUsage || !strings.Contains(errOut, "holds no files") {
		t.Errorf("empty directory: exit %d: %s", code, errOut)
	}
}

// recommend --all-users --out x.parquet holds the same rows as the CSV,
// with typed rank, score and stage columns.
func TestRecommendAllUsersParquet(t *testing.T) {
	dir := t.TempDir()
	csvOut, pqOut := filepath.Join(dir, "recs.csv"), filepath.Join(dir, "recs.parquet")
	for _, out := range []string{csvOut, pqOut} {
		if code, _, errOut := runCmd(t, "recommend", "--events", "../../examples/events.csv", "--all-users", "--out", out, "-q"); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	}
	f, _ := os.Open(csvOut)
	defer f.Close()
	want, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		User     string  `parquet:"user"`
		Strategy string  `parquet:"strategy"`
		Rank     int32   `parquet:"rank"`
		Item     string  `parquet:"item"`
		Score    float64 `parquet:"score"`
		Reason   string  `parquet:"reason"`
		Stage    int32   `parquet:"stage"`
	}
	rows, err := parquet.ReadFile[row](pqOut)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want)-1 || len(rows) == 0 {
		t.Fatalf("%d Parquet rows, %d CSV rows", len(rows), len(want)-1)
	}
	for i, r := range rows {
		got := []string{r.User, r.Strategy, strconv.Itoa(int(r.Rank)), r.Item, strconv.FormatFloat(r.Score, 'f', 4, 64), r.Reason, strconv.Itoa(int(r.Stage))}
		if !reflect.DeepEqual(got, want[i+1]) {
			t.Fatalf("row %d: parquet %v, csv %v", i, got, want[i+1])
		}
	}
}

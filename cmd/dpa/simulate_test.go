package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/dpa-tools/dpa/campaign/sim"
	"github.com/dpa-tools/dpa/render"
)

func zipNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	return names
}

// zipPart is the text of one part of a zip archive ("" when absent).
func zipPart(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	return ""
}

func TestBestCells(t *testing.T) {
	tests := []struct {
		name   string
		vals   [][]float64
		higher []int
		want   [][2]int
	}{
		{"max per column", [][]float64{{1, 5}, {3, 2}}, []int{1, 1}, [][2]int{{1, 0}, {0, 1}}},
		{"ties all marked", [][]float64{{2}, {2}, {1}}, []int{1}, [][2]int{{0, 0}, {1, 0}}},
		{"lower is better", [][]float64{{2}, {1}}, []int{-1}, [][2]int{{1, 0}}},
		{"no direction", [][]float64{{2}, {1}}, []int{0}, nil},
		{"single row: nothing to compare", [][]float64{{2}}, []int{1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bestCells(tt.vals, tt.higher)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for _, c := range tt.want {
				if !got[c] {
					t.Errorf("cell %v not marked (%v)", c, got)
				}
			}
		})
	}
}

func TestSimulateXLSXCharts(t *testing.T) {
	dir := t.TempDir()
	replay := filepath.Join(dir, "replay.xlsx")
	if code, _, errOut := runCmd(t, "simulate", "--events", "../../examples/events.csv", "-o", "xlsx", "--out", replay, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Results: accuracy and coverage charts; Hit rate by k: one line chart.
	names := zipNames(t, replay)
	for _, n := range []string{"xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml", "xl/worksheets/sheet2.xml"} {
		if !names[n] {
			t.Errorf("replay workbook lacks %s", n)
		}
	}
	synth := filepath.Join(dir, "synth.xlsx")
	if code, _, errOut := runCmd(t, "simulate", "--items", "100", "--users", "100", "--days", "3", "-o", "xlsx", "--out", synth, "-q"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if names := zipNames(t, synth); !names["xl/charts/chart3.xml"] {
		t.Errorf("synthetic workbook lacks its three charts: %v", names)
	}
	// Rates are numbers shown as percentages, money with two decimals,
	// and the charts carry the intervals as error bars.
	f, err := excelize.OpenFile(synth)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for ref, want := range map[string]string{"D1": "CTR", "D2": "%", "H2": "%", "K2": "."} {
		if v, _ := f.GetCellValue("Results", ref); !strings.Contains(v, want) {
			t.Errorf("Results!%s shows %q, want it to contain %q", ref, v, want)
		}
	}
	if raw, _ := f.GetCellValue("Results", "D2", excelize.Options{RawCellValue: true}); strings.Contains(raw, "%") {
		t.Errorf("CTR stored as text %q", raw)
	}
	for _, part := range []string{"xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml"} {
		if !strings.Contains(zipPart(t, synth, part), "<errBars>") {
			t.Errorf("%s has no error bars", part)
		}
	}
}

// The replay JSON keeps the documented contract and adds hit_rate_by_k
// only when asked.
func TestReplayJSONContract(t *testing.T) {
	code, out, errOut := runCmd(t, "simulate", "--events", "../../examples/events.csv", "-o", "json", "--curve-k", "5", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "mode", "k", "split", "strategies", "read"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	if rep["mode"] != "replay" || rep["k"].(float64) != 10 {
		t.Errorf("mode %v k %v", rep["mode"], rep["k"])
	}
	st := rep["strategies"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "users", "hit_rate", "precision", "recall", "ndcg", "mrr", "coverage", "popularity_bias"} {
		if _, ok := st[k]; !ok {
			t.Errorf("strategy lacks %q", k)
		}
	}
	if c, _ := st["hit_rate_by_k"].([]any); len(c) != 5 {
		t.Errorf("hit_rate_by_k = %v, want 5 values", st["hit_rate_by_k"])
	}
}

// Sanity properties of the simulator as the command runs it: retargeting
// beats random on CTR, nothing out of stock is shown, random covers the
// catalog.
func TestSyntheticSanity(t *testing.T) {
	code, out, errOut := runCmd(t, "simulate", "--catalog", "../../examples/catalog.csv", "--users", "3000", "--days", "20", "--seed", "5", "-o", "json", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res sim.SynthResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	by := map[string]sim.SynthStrategy{}
	for _, s := range res.Strategies {
		by[string(s.Name)] = s
		if s.OOSShare != 0 {
			t.Errorf("%s showed out-of-stock items (%v)", s.Name, s.OOSShare)
		}
	}
	if !(by["retargeting"].CTR > by["random"].CTR) {
		t.Errorf("retarget CTR %v not above random %v", by["retargeting"].CTR, by["random"].CTR)
	}
	if by["random"].Coverage < 0.9 {
		t.Errorf("random coverage %v, want near 1", by["random"].Coverage)
	}
}

func realData(t *testing.T) string {
	t.Helper()
	d := filepath.Join("..", "..", "..", "shared", "data", "real")
	if _, err := os.Stat(d); err != nil {
		t.Skip("real data samples not present")
	}
	return d
}

// TestRealReplayCLI runs the command on the public logs and checks the
// published orderings (simulation-background.md §9): co-occurrence and
// re-showing the session's own items well above popularity.
func TestRealReplayCLI(t *testing.T) {
	dir := realData(t)
	hr := func(args ...string) map[string]float64 {
		t.Helper()
		code, out, errOut := runCmd(t, append([]string{"simulate", "-o", "json", "-q"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var res sim.ReplayResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		m := map[string]float64{}
		var b strings.Builder
		for _, s := range res.Strategies {
			m[string(s.Name)] = s.HitRate
			b.WriteString(" " + string(s.Name) + "=" + trimDec(s.HitRate))
		}
		t.Logf("%s:%s", args[1], b.String())
		return m
	}
	yc := filepath.Join(dir, "yoochoose-100k")
	m := hr("--events", filepath.Join(yc, "yoochoose-clicks-100k_train_full.txt"), "--events", filepath.Join(yc, "yoochoose-clicks-100k_test.txt"),
		"--by", "session", "--test-days", "1", "-k", "20")
	if !(m["similar"] > 2*m["popular"] && m["retargeting"] > 2*m["popular"]) {
		t.Errorf("yoochoose: similar and retarget should be well above popular: %v", m)
	}
	m = hr("--events", filepath.Join(dir, "diginetica-sample", "sample_train-item-views.csv"), "--by", "session", "--test-days", "7", "-k", "20")
	if !(m["retargeting"] > 2*m["popular"] && m["similar"] > m["popular"]) {
		t.Errorf("diginetica: retarget and similar should beat popular: %v", m)
	}
	m = hr("--events", filepath.Join(dir, "rees46-2019oct-sample", "2019-Oct-sample.csv"))
	if !(m["retargeting"] > m["popular"]) {
		t.Errorf("rees46: retarget should beat popular: %v", m)
	}
}

func trimDec(x float64) string { return strings.TrimRight(strings.TrimRight(dec4(x), "0"), ".") }

// Progress goes to stderr only when it is a terminal; stdout is the same
// either way.
func TestSimulateProgressOnlyOnTTY(t *testing.T) {
	args := []string{"simulate", "--items", "50", "--users", "20000", "--days", "2", "-o", "json"}
	var outs [2]string
	for i, tty := range []bool{false, true} {
		s, out, errOut := render.Test()
		s.ErrTTY = tty
		if code := run(t.Context(), args, s, fixedNow); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if got := strings.Contains(errOut.String(), "\r"); got != tty {
			t.Errorf("tty=%v: progress frames on stderr = %v (%q)", tty, got, errOut.String())
		}
		outs[i] = out.String()
	}
	if outs[0] != outs[1] {
		t.Error("stdout depends on whether stderr is a terminal")
	}
}

// With colour on, the best value of each scored column is highlighted and
// nothing else is; with colour off the table is plain.
func TestReplayTableHighlightsBest(t *testing.T) {
	ss := []sim.ReplayStrategy{
		{Name: "retargeting", Users: 5, HitRate: 0.5, Precision: 0.1, Recall: 0.4, NDCG: 0.3, MRR: 0.2, Coverage: 0.1, PopularityBias: 0.2, NewItemHitRate: 0.1},
		{Name: "popular", Users: 5, HitRate: 0.25, Precision: 0.2, Recall: 0.4, NDCG: 0.1, MRR: 0.1, Coverage: 0.05, PopularityBias: 0.9},
	}
	for _, color := range []bool{false, true} {
		var b strings.Builder
		if err := writeReplayStrategies(&b, ss, 10, true, sim.ByUser, render.TableOptions{Styles: render.NewStyles(color)}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(b.String(), "\n")
		var ret, pop string
		for _, l := range lines {
			if strings.Contains(l, "retargeting") {
				ret = l
			}
			if strings.Contains(l, "popular") {
				pop = l
			}
		}
		if !color {
			if strings.Contains(b.String(), "\x1b[") {
				t.Fatal("escape codes without colour")
			}
			continue
		}
		// retarget is best on hit rate, NDCG, MRR, new items and coverage;
		// both tie on recall; popular is best on precision. Popularity bias
		// and cases have no best.
		const on = "\x1b[1;95m"
		if n := strings.Count(ret, on); n != 6 {
			t.Errorf("retarget row has %d highlighted cells, want 6:\n%q", n, ret)
		}
		if n := strings.Count(pop, on); n != 2 || strings.Contains(pop, on+"0.9000") {
			t.Errorf("popular row has %d highlighted cells, want 2 (precision, recall):\n%q", n, pop)
		}
	}
}

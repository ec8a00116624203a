package sim

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dpa-tools/dpa/campaign/events"
)

func realDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join("..", "..", "..", "shared", "data", "real")
	if _, err := os.Stat(d); err != nil {
		t.Skip("real data samples not present")
	}
	return d
}

func openAll(t testing.TB, paths ...string) io.Reader {
	t.Helper()
	var rs []io.Reader
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Skip(err)
		}
		t.Cleanup(func() { f.Close() })
		rs = append(rs, f)
	}
	return io.MultiReader(rs...)
}

func logResult(t *testing.T, name string, res *ReplayResult) {
	t.Helper()
	s := res.Split
	t.Logf("%s: by=%s split=%s (%s) train=%d test=%d users=%d cold=%d sessions=%d cases=%d items=%d",
		name, s.By, s.At.Format("2006-01-02 15:04"), s.Rule, s.TrainEvents, s.TestEvents, s.TestUsers, s.ColdUsers, s.Sessions, s.Cases, s.Items)
	t.Logf("  %-12s %7s %7s %7s %7s %7s %7s %7s %7s", "strategy", "cases", "HR@k", "prec", "recall", "NDCG", "MRR", "cov", "pop")
	for _, r := range res.Strategies {
		t.Logf("  %-12s %7d %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f", r.Name, r.Users, r.HitRate, r.Precision, r.Recall, r.NDCG, r.MRR, r.Coverage, r.PopularityBias)
	}
	if res.Cold != nil {
		for _, r := range res.Cold.Strategies {
			t.Logf("  cold %-7s %7d %7.4f %7.4f %7.4f %7.4f %7.4f", r.Name, r.Users, r.HitRate, r.Precision, r.Recall, r.NDCG, r.MRR)
		}
	}
}

func byName(res *ReplayResult) map[string]ReplayStrategy {
	m := map[string]ReplayStrategy{}
	for _, r := range res.Strategies {
		m[string(r.Name)] = r
	}
	return m
}

// TestRealReplay runs the replay on the real samples and checks the
// published orderings (background doc §9): popularity far below
// co-occurrence, re-showing the session's own items well above popularity.
func TestRealReplay(t *testing.T) {
	dir := realDir(t)
	ctx := context.Background()
	for _, k := range []int{10, 20} {
		res, err := Replay(ctx, openAll(t,
			filepath.Join(dir, "yoochoose-100k/yoochoose-clicks-100k_train_full.txt"),
			filepath.Join(dir, "yoochoose-100k/yoochoose-clicks-100k_test.txt")),
			ReplayOptions{By: BySession, TestDays: 1, K: k})
		if err != nil {
			t.Fatal(err)
		}
		logResult(t, "yoochoose-100k", res)
		m := byName(res)
		if !(m["similar"].HitRate > 2*m["popular"].HitRate && m["retargeting"].HitRate > 2*m["popular"].HitRate) {
			t.Errorf("yoochoose: expected similar and retarget well above popular")
		}
	}
	res, err := Replay(ctx, openAll(t, filepath.Join(dir, "diginetica-sample/sample_train-item-views.csv")),
		ReplayOptions{By: BySession, TestDays: 7, K: 20})
	if err != nil {
		t.Fatal(err)
	}
	logResult(t, "diginetica", res)
	res, err = Replay(ctx, openAll(t, filepath.Join(dir, "rees46-2019oct-sample/2019-Oct-sample.csv")),
		ReplayOptions{K: 10})
	if err != nil {
		t.Fatal(err)
	}
	logResult(t, "rees46 by user", res)
	res, err = Replay(ctx, openAll(t, filepath.Join(dir, "rees46-2019oct-sample/2019-Oct-sample.csv")),
		ReplayOptions{K: 10, By: BySession})
	if err != nil {
		t.Fatal(err)
	}
	logResult(t, "rees46 by session", res)
	_ = events.Options{}
}

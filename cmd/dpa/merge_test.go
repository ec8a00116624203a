package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shardRun runs `dpa args... --shard i/n --out part-i` for every shard,
// in reverse order (a merge must not depend on it), and returns the parts.
func shardRun(t *testing.T, dir, ext string, n int, args ...string) []string {
	t.Helper()
	var parts []string
	for i := n - 1; i >= 0; i-- {
		p := filepath.Join(dir, fmt.Sprintf("part-%d-of-%d%s", i, n, ext))
		if code, _, errOut := runCmd(t, append(args, "-q", "--shard", fmt.Sprintf("%d/%d", i, n), "--out", p)...); code != 0 {
			t.Fatalf("shard %d/%d: exit %d: %s", i, n, code, errOut)
		}
		parts = append(parts, p)
	}
	return parts
}

// replayShardsEqual checks that sharded-then-merged replay output is byte
// for byte the unsharded one, for -o json and -o table, N = 1, 2, 7.
func replayShardsEqual(t *testing.T, args ...string) {
	dir := t.TempDir()
	for _, format := range []string{"json", "table"} {
		full := filepath.Join(dir, "full."+format)
		if code, _, errOut := runCmd(t, append(append([]string{"simulate"}, args...), "-q", "-o", format, "--out", full)...); code != 0 {
			t.Fatalf("unsharded: exit %d: %s", code, errOut)
		}
		want := mustRead(t, full)
		if format == "json" && !strings.Contains(want, `"hit_rate_ci"`) {
			t.Fatal("the unsharded report has no intervals: the test would not cover the bootstrap merge")
		}
		for _, n := range []int{1, 2, 7} {
			parts := shardRun(t, dir, ".json", n, append([]string{"simulate"}, args...)...)
			merged := filepath.Join(dir, fmt.Sprintf("merged-%d.%s", n, format))
			if code, _, errOut := runCmd(t, append([]string{"merge", "-q", "-o", format, "--out", merged}, parts...)...); code != 0 {
				t.Fatalf("merge N=%d: exit %d: %s", n, code, errOut)
			}
			if got := mustRead(t, merged); got != want {
				t.Errorf("-o %s, N=%d: merged output differs from the unsharded one:\n%s\nwant:\n%s", format, n, got, want)
			}
		}
	}
}

func TestMergeReplayEqualsUnsharded(t *testing.T) {
	ex := filepath.Join("..", "..", "examples")
	t.Run("examples by user", func(t *testing.T) {
		replayShardsEqual(t, "--events", filepath.Join(ex, "events.csv"), "--catalog", filepath.Join(ex, "catalog.csv"))
	})
	t.Run("examples by session", func(t *testing.T) {
		replayShardsEqual(t, "--events", filepath.Join(ex, "events.csv"), "--by", "session", "--seed", "5")
	})
	real := filepath.Join("..", "..", "..", "shared", "data", "real")
	sts := "--strategies=similar,retargeting,popular,auto"
	t.Run("yoochoose", func(t *testing.T) {
		yc := filepath.Join(real, "yoochoose-100k")
		if !fileExists(yc) || testing.Short() {
			t.Skip("yoochoose sample absent (or -short)")
		}
		replayShardsEqual(t, "--events", filepath.Join(yc, "yoochoose-clicks-100k_train_full.txt"), "--events", filepath.Join(yc, "yoochoose-clicks-100k_test.txt"),
			"--by", "session", "--test-days", "1", "-k", "20", sts)
	})
	t.Run("diginetica", func(t *testing.T) {
		dg := filepath.Join(real, "diginetica-sample", "sample_train-item-views.csv")
		if !fileExists(dg) || testing.Short() {
			t.Skip("diginetica sample absent (or -short)")
		}
		replayShardsEqual(t, "--events", dg, "--test-days", "7", "-k", "20", sts)
	})
}

func TestMergeRecommendEqualsUnsharded(t *testing.T) {
	ex := filepath.Join("..", "..", "examples")
	real := filepath.Join("..", "..", "..", "shared", "data", "real")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"examples", []string{"--events", filepath.Join(ex, "events.csv"), "--catalog", filepath.Join(ex, "catalog.csv")}},
		{"diginetica", []string{"--events", filepath.Join(real, "diginetica-sample", "sample_train-item-views.csv"), "--strategy", "similar"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !fileExists(c.args[1]) {
				t.Skip("sample absent")
			}
			dir := t.TempDir()
			args := append([]string{"recommend", "--all-users"}, c.args...)
			full := filepath.Join(dir, "full.csv")
			if code, _, errOut := runCmd(t, append(args, "-q", "--out", full)...); code != 0 {
				t.Fatalf("unsharded: exit %d: %s", code, errOut)
			}
			want := mustRead(t, full)
			if strings.Count(want, "\n") < 20 {
				t.Fatalf("only %d lines: the test would prove little", strings.Count(want, "\n"))
			}
			for _, n := range []int{1, 2, 7} {
				parts := shardRun(t, dir, ".csv", n, args...)
				total := 0
				for _, p := range parts {
					total += strings.Count(mustRead(t, p), "\n") - 1 // header
				}
				if total != strings.Count(want, "\n")-1 {
					t.Errorf("N=%d: the parts hold %d rows, the unsharded file %d", n, total, strings.Count(want, "\n")-1)
				}
				merged := filepath.Join(dir, fmt.Sprintf("merged-%d.csv", n))
				if code, _, errOut := runCmd(t, append([]string{"merge", "-q", "--out", merged}, parts...)...); code != 0 {
					t.Fatalf("merge N=%d: exit %d: %s", n, code, errOut)
				}
				if got := mustRead(t, merged); got != want {
					t.Errorf("N=%d: merged recommendations differ from the unsharded file", n)
				}
			}
		})
	}
}

func TestMergeRefusesIncompatibleParts(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join("..", "..", "examples", "events.csv")
	replay := []string{"simulate", "--events", ev}
	p3 := shardRun(t, dir, ".json", 3, replay...) // parts 2, 1, 0 of 3
	seedDir := filepath.Join(dir, "seed")
	if err := os.Mkdir(seedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	p2 := shardRun(t, seedDir, ".json", 2, append(replay, "--seed", "9")...)
	recs := shardRun(t, dir, ".csv", 2, "recommend", "--all-users", "--events", ev)
	recsDir := filepath.Join(dir, "recs3")
	if err := os.Mkdir(recsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	recs3 := shardRun(t, recsDir, ".csv", 3, "recommend", "--all-users", "--events", ev)
	garbage := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(garbage, []byte(`{"kind":"other"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	for _, c := range []struct {
		name  string
		parts []string
		want  string
	}{
		{"missing shard", []string{p3[0], p3[2]}, "missing shard 1/3"},
		{"shard twice", []string{p3[0], p3[1], p3[1]}, "given twice"},
		{"other N", []string{p3[2], p2[0]}, "share N"},
		{"other seed", []string{p2[1], shardRun(t, t.TempDir(), ".json", 2, replay...)[0]}, "differ in options"},
		{"mixed kinds", []string{p3[0], recs[0]}, "merge the parts of one run"},
		{"not a part", []string{garbage}, "is not dpa.replay.partial"},
		{"recs missing", []string{recs3[0], recs3[1]}, "every part of one --shard I/N run"},
		{"recs twice", []string{recs[0], recs[0]}, "both hold shard"},
	} {
		os.Remove(out)
		code, stdout, errOut := runCmd(t, append([]string{"merge", "--out", out}, c.parts...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", c.name, code, errOut, c.want)
		}
		if stdout != "" || fileExists(out) {
			t.Errorf("%s: an incompatible merge wrote output", c.name)
		}
	}
	if code, _, errOut := runCmd(t, "simulate", "--events", ev, "--shard", "0/2", "-o", "table"); code != 2 || !strings.Contains(errOut, "give -o table to dpa merge") {
		t.Errorf("--shard with -o table: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "recommend", "--events", ev, "--user", "u001", "--shard", "0/2"); code != 2 || !strings.Contains(errOut, "--shard splits --all-users") {
		t.Errorf("--shard with --user: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "simulate", "--events", ev, "--shard", "2/2"); code != 2 || !strings.Contains(errOut, "0 ≤ I < N") {
		t.Errorf("--shard 2/2: exit %d: %s", code, errOut)
	}
}

package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/campaign/rank"
)

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
		err  bool
	}{{"0/1", Shard{0, 1}, false}, {"6/7", Shard{6, 7}, false}, {"7/7", Shard{}, true}, {"-1/3", Shard{}, true},
		{"1", Shard{}, true}, {"a/b", Shard{}, true}, {"0/0", Shard{}, true}} {
		got, err := ParseShard(c.in)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("ParseShard(%q) = %v, %v", c.in, got, err)
		}
	}
	// The hash is part of the partial format: pin it (FNV-1a 64 test
	// vectors: "" → cbf29ce484222325, "a" → af63dc4c8601ec8c).
	if fnv1a64("") != 0xcbf29ce484222325 || fnv1a64("a") != 0xaf63dc4c8601ec8c {
		t.Fatalf("fnv1a64 is not FNV-1a 64")
	}
	if ShardOf("a", 7) != int(uint64(0xaf63dc4c8601ec8c)%7) {
		t.Fatal("ShardOf is not the hash mod n")
	}
}

// shardedEqual replays lg unsharded and as n shards (each partial through
// its JSON form, as dpa merge reads it) and fails unless the merged report
// encodes byte for byte like the unsharded one.
func shardedEqual(t *testing.T, lg *Log, opts ReplayOptions, ns ...int) {
	t.Helper()
	ctx := context.Background()
	want, err := ReplayLog(ctx, lg, opts)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := encodeReport(t, want)
	if want.Split.Cases == 0 {
		t.Fatal("no test cases: the comparison would prove nothing")
	}
	for _, n := range ns {
		var parts []*ReplayPartial
		nonEmpty := 0
		for i := n - 1; i >= 0; i-- { // any order merges alike
			o := opts
			o.Shard = Shard{Index: i, Count: n}
			p, err := ReplayLogPartial(ctx, lg, o)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			var back ReplayPartial
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back.Tally.Cases > 0 {
				nonEmpty++
			}
			if n > 1 && back.Tally.Cases == want.Split.Cases {
				t.Errorf("N=%d: shard %d scored every case", n, i)
			}
			parts = append(parts, &back)
		}
		if n > 1 && nonEmpty < 2 {
			t.Errorf("N=%d: only %d shards have cases: the split proves nothing", n, nonEmpty)
		}
		got, err := MergeReplay(parts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if g := encodeReport(t, got); !bytes.Equal(g, wantJSON) {
			t.Errorf("N=%d: merged report differs from the unsharded one:\n%s\nwant:\n%s", n, g, wantJSON)
		}
		if fmt.Sprint(got.Read) != fmt.Sprint(want.Read) {
			t.Errorf("N=%d: read stats %v, want %v", n, got.Read, want.Read)
		}
	}
}

func encodeReport(t *testing.T, r *ReplayResult) []byte {
	t.Helper()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadFiles(t *testing.T, paths ...string) *Log {
	t.Helper()
	lg, err := LoadLog(context.Background(), openAll(t, paths...), ReplayOptions{}.Read)
	if err != nil {
		t.Fatal(err)
	}
	return lg
}

func TestShardedReplayMergesExactly(t *testing.T) {
	lg := loadFiles(t, filepath.Join("..", "..", "examples", "events.csv"))
	t.Run("examples by user", func(t *testing.T) {
		shardedEqual(t, lg, ReplayOptions{By: ByUser, CurveK: 5}, 1, 2, 7)
	})
	t.Run("examples by session", func(t *testing.T) {
		shardedEqual(t, lg, ReplayOptions{By: BySession, Seed: 3}, 1, 2, 7)
	})
	t.Run("examples no intervals", func(t *testing.T) {
		shardedEqual(t, lg, ReplayOptions{Replicates: -1}, 2)
	})
}

func TestShardedReplayRealMergesExactly(t *testing.T) {
	if testing.Short() {
		t.Skip("real logs: long")
	}
	dir := realDir(t)
	// Fewer strategies keep the 10 replays per log short; the merge does
	// not depend on which strategies run.
	sts := []rank.Strategy{rank.Similar, rank.Popular, rank.Retarget, rank.Auto}
	yc := loadFiles(t, filepath.Join(dir, "yoochoose-100k/yoochoose-clicks-100k_train_full.txt"),
		filepath.Join(dir, "yoochoose-100k/yoochoose-clicks-100k_test.txt"))
	shardedEqual(t, yc, ReplayOptions{By: BySession, TestDays: 1, K: 20, Strategies: sts}, 1, 2, 7)
	dg := loadFiles(t, filepath.Join(dir, "diginetica-sample/sample_train-item-views.csv"))
	shardedEqual(t, dg, ReplayOptions{TestDays: 7, K: 20, Strategies: sts}, 1, 2, 7)
}

func TestMergeReplayRefusesIncompatibleParts(t *testing.T) {
	ctx := context.Background()
	lg := loadFiles(t, filepath.Join("..", "..", "examples", "events.csv"))
	part := func(i, n int, mod func(*ReplayOptions)) *ReplayPartial {
		o := ReplayOptions{Shard: Shard{Index: i, Count: n}}
		if mod != nil {
			mod(&o)
		}
		p, err := ReplayLogPartial(ctx, lg, o)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	other, err := LoadLog(ctx, strings.NewReader("timestamp,user_id,event,item_id\n2026-01-01T00:00:00Z,u1,ViewContent,a\n2026-01-03T00:00:00Z,u1,ViewContent,b\n"), ReplayOptions{}.Read)
	if err != nil {
		t.Fatal(err)
	}
	otherPart, err := ReplayLogPartial(ctx, other, ReplayOptions{Shard: Shard{Index: 1, Count: 2}})
	if err != nil {
		t.Fatal(err)
	}
	wrongKind := part(1, 2, nil)
	wrongKind.Kind = "dpa.something"
	for _, c := range []struct {
		name  string
		parts []*ReplayPartial
		want  string
	}{
		{"missing", []*ReplayPartial{part(0, 3, nil), part(2, 3, nil)}, "missing shard 1/3"},
		{"twice", []*ReplayPartial{part(0, 2, nil), part(0, 2, nil)}, "shard 0/2 is given twice"},
		{"n", []*ReplayPartial{part(0, 2, nil), part(1, 3, nil)}, "share N"},
		{"seed", []*ReplayPartial{part(0, 2, nil), part(1, 2, func(o *ReplayOptions) { o.Seed = 9 })}, "differ in options"},
		{"k", []*ReplayPartial{part(0, 2, nil), part(1, 2, func(o *ReplayOptions) { o.K = 5 })}, "differ in options"},
		{"log", []*ReplayPartial{part(0, 2, nil), otherPart}, "different event logs"},
		{"kind", []*ReplayPartial{part(0, 2, nil), wrongKind}, "is not dpa.replay.partial"},
		{"none", nil, "no partial results"},
	} {
		_, err := MergeReplay(c.parts, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// A sharded replay (ReplayOptions.Shard) scores the test cases of one shard
// but trains on the whole training window, so every shard ranks with the
// same model and scores its cases exactly as the unsharded run would.
// ReplayLogPartial returns what the reduce stage needs from them (the
// tally: counts, fixed-point metric sums, coverage sets and the warm
// bootstrap replicate sums, whose Poisson weights come from a hash of
// (seed, case id), never from case order), with the report's global
// fields. MergeReplay adds the tallies of shards 0..N-1 and reduces them:
// the result is the unsharded report, byte for byte.

// PartialKind and PartialSchemaVersion identify a partial replay result.
// The schema version changes whenever a field's meaning does: parts of
// another version are refused, never guessed at.
const (
	PartialKind          = "dpa.replay.partial"
	PartialSchemaVersion = 1
)

// ReplayPartial is one shard's mergeable replay result.
type ReplayPartial struct {
	Kind          string `json:"kind"`
	SchemaVersion int    `json:"schema_version"`
	Shard         Shard  `json:"shard"`
	ShardHash     string `json:"shard_hash"`
	// LogDigest identifies the loaded events (Log.digest), whatever the
	// file format or path they came from.
	LogDigest string `json:"log_digest"`
	// Config holds every option the figures depend on.
	Config PartialConfig `json:"config"`
	// Inputs are digests the caller adds (catalog, model file...): they
	// must match across parts. Labels are names for people (file paths):
	// the merged report takes shard 0's.
	Inputs map[string]string `json:"inputs,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	// Report holds the report's global fields (split, warnings and notes
	// so far); its per-strategy figures are empty.
	Report *ReplayResult `json:"report"`
	Read   events.Stats  `json:"read"`
	Tally  *replayTally  `json:"tally"`
}

// PartialConfig is the part of ReplayOptions the figures depend on, as
// resolved by the run (By is never auto).
type PartialConfig struct {
	Strategies   []rank.Strategy  `json:"strategies"`
	K            int              `json:"k"`
	CurveK       int              `json:"curve_k"`
	By           Protocol         `json:"by"`
	Target       Target           `json:"target"`
	Split        time.Time        `json:"split"`
	TestDays     int              `json:"test_days"`
	TestFraction float64          `json:"test_fraction"`
	Model        rank.ModelConfig `json:"model"`
	ModelGraphs  bool             `json:"model_graphs"`
	SessionGap   time.Duration    `json:"session_gap"`
	Seed         uint64           `json:"seed"`
	Replicates   int              `json:"replicates"`
	Rank         struct {
		Lookback, Window, HalfLife                     time.Duration
		Catalog, ProductSet, Cap                       bool
		AllowOutOfStock, KeepPurchased, AllowSameGroup bool
		Seed                                           uint64
		UpsellBand                                     float64
	} `json:"rank"`
}

// ReplayLogPartial runs the replay on opts.Shard's cases (which must be
// set) and returns its mergeable partial result.
func ReplayLogPartial(ctx context.Context, lg *Log, opts ReplayOptions) (*ReplayPartial, error) {
	if !opts.Shard.Sharded() {
		return nil, errors.New("sim: a partial replay needs a shard")
	}
	r, err := runReplay(ctx, lg, opts)
	if err != nil {
		return nil, err
	}
	r.collapseNotes()
	o := &r.opts
	c := PartialConfig{Strategies: r.strategies, K: o.K, CurveK: o.CurveK, By: o.By, Target: o.Target, Split: o.Split,
		TestDays: o.TestDays, TestFraction: o.TestFraction, Model: o.Model, ModelGraphs: o.Graphs != nil,
		SessionGap: o.SessionGap, Seed: o.Seed, Replicates: o.Replicates}
	ro := &c.Rank
	ro.Lookback, ro.Window, ro.HalfLife = o.Rank.Lookback, o.Rank.Window, o.Rank.HalfLife
	ro.Catalog, ro.ProductSet, ro.Cap = o.Rank.Catalog != nil, o.Rank.ProductSet != nil, o.Rank.Cap != nil
	ro.AllowOutOfStock, ro.KeepPurchased, ro.AllowSameGroup = o.Rank.AllowOutOfStock, o.Rank.KeepPurchased, o.Rank.AllowSameGroup
	ro.Seed, ro.UpsellBand = o.Rank.Seed, o.Rank.UpsellBand
	return &ReplayPartial{Kind: PartialKind, SchemaVersion: PartialSchemaVersion, Shard: o.Shard, ShardHash: ShardHash,
		LogDigest: lg.digest(), Config: c, Report: r.res, Read: lg.Stats, Tally: r.tally()}, nil
}

// digest is a content digest of the loaded events (time, user, session,
// item, type and log order of each): equal logs give equal digests
// whatever their file format, so shards can prove they read the same log.
// It sums a per-event FNV-1a 64 hash, so it does not depend on the order
// the events are held in.
func (lg *Log) digest() string {
	var sum, n uint64
	var buf []byte
	for i := range lg.t {
		buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(lg.t[i]))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(lg.seq[i]))
		buf = append(buf, byte(lg.kind[i]))
		buf = append(buf, lg.users[lg.user[i]]...)
		buf = append(buf, 0)
		buf = append(buf, lg.items[lg.item[i]]...)
		buf = append(buf, 0)
		buf = append(buf, lg.sessKey(i)...)
		h := fnv1a64(string(buf))
		// A final mix (splitmix64) so that sums of similar events spread.
		h ^= h >> 30
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 27
		h *= 0x94d049bb133111eb
		h ^= h >> 31
		sum += h
		n++
	}
	return fmt.Sprintf("events:%d,sum:%016x", n, sum)
}

// MergeReplay checks that parts are the shards 0..N-1 of one replay (same
// log, options, inputs and hash, each shard exactly once) and returns the
// report of the unsharded replay. names label the parts in errors.
func MergeReplay(parts []*ReplayPartial, names []string) (*ReplayResult, error) {
	if len(parts) == 0 {
		return nil, errors.New("no partial results to merge")
	}
	name := func(i int) string {
		if i < len(names) {
			return names[i]
		}
		return fmt.Sprintf("part %d", i+1)
	}
	for i, p := range parts {
		if p.Kind != PartialKind {
			return nil, fmt.Errorf("%s: kind %q is not %s", name(i), p.Kind, PartialKind)
		}
		if p.SchemaVersion != PartialSchemaVersion {
			return nil, fmt.Errorf("%s: schema_version %d, this dpa merges version %d (merge with the dpa that wrote the parts)", name(i), p.SchemaVersion, PartialSchemaVersion)
		}
		if p.ShardHash != ShardHash {
			return nil, fmt.Errorf("%s: shard_hash %q, this dpa shards by %q", name(i), p.ShardHash, ShardHash)
		}
		if err := p.Shard.Validate(); err != nil || !p.Shard.Sharded() {
			return nil, fmt.Errorf("%s: invalid shard %d/%d", name(i), p.Shard.Index, p.Shard.Count)
		}
		if p.Report == nil || p.Tally == nil {
			return nil, fmt.Errorf("%s: no report or tally: not a complete partial result", name(i))
		}
		if err := p.Tally.check(len(p.Config.Strategies), p.Config.CurveK, p.Config.Replicates); err != nil {
			return nil, fmt.Errorf("%s: %w", name(i), err)
		}
	}
	p0 := parts[0]
	n := p0.Shard.Count
	for i, p := range parts[1:] {
		if p.Shard.Count != n {
			return nil, fmt.Errorf("%s is shard %s but %s is shard %s: parts of one replay share N", name(0), p0.Shard, name(i+1), p.Shard)
		}
		if p.LogDigest != p0.LogDigest {
			return nil, fmt.Errorf("%s and %s replayed different event logs (digest %s vs %s)", name(0), name(i+1), p0.LogDigest, p.LogDigest)
		}
		for _, c := range []struct {
			what string
			a, b any
		}{{"options", p0.Config, p.Config}, {"inputs", p0.Inputs, p.Inputs}, {"split", splitGlobal(p0.Report), splitGlobal(p.Report)}, {"read statistics", p0.Read, p.Read}} {
			if d := diffJSON(c.a, c.b); d != "" {
				return nil, fmt.Errorf("%s and %s differ in %s: %s", name(0), name(i+1), c.what, d)
			}
		}
	}
	seen := make([]int, n)
	for i := range seen {
		seen[i] = -1
	}
	for i, p := range parts {
		if j := seen[p.Shard.Index]; j >= 0 {
			return nil, fmt.Errorf("shard %s is given twice: %s and %s", p.Shard, name(j), name(i))
		}
		seen[p.Shard.Index] = i
	}
	var missing []string
	for s, j := range seen {
		if j < 0 {
			missing = append(missing, fmt.Sprintf("%d/%d", s, n))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing shard %s: a merge needs every shard 0..%d exactly once (%d given)", strings.Join(missing, ", "), n-1, len(parts))
	}

	c := p0.Config
	res, err := cloneResult(p0.Report)
	if err != nil {
		return nil, err
	}
	res.Read = p0.Read
	t := newTally(len(c.Strategies), c.CurveK)
	if c.Replicates > 0 {
		t.Boot = newBootSums(len(c.Strategies), c.Replicates)
	}
	for _, p := range parts {
		t.add(p.Tally)
	}
	reducer{strategies: c.Strategies, curveK: c.CurveK, replicates: c.Replicates, seed: c.Seed}.reduce(res, t)
	return res, nil
}

// splitGlobal is the part of a partial's split every shard shares (the
// case counts are per shard until the merge adds them).
func splitGlobal(r *ReplayResult) SplitInfo {
	s := r.Split
	s.TestUsers, s.ColdUsers, s.Sessions, s.Cases = 0, 0, 0, 0
	return s
}

func cloneResult(r *ReplayResult) (*ReplayResult, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var out ReplayResult
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// diffJSON returns "" when a and b encode alike, else both encodings.
func diffJSON(a, b any) string {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if bytes.Equal(ja, jb) {
		return ""
	}
	return fmt.Sprintf("%s vs %s", ja, jb)
}

// check verifies the tally's shape against its config, so that a damaged
// or hand-edited part is refused instead of read out of range.
func (t *replayTally) check(strategies, curveK, reps int) error {
	bad := func(what string) error {
		return fmt.Errorf("tally: %s does not match the %d strategies of the config", what, strategies)
	}
	if len(t.Warm) != strategies || len(t.Cold) != strategies || len(t.Covered) != strategies {
		return bad("the number of sums")
	}
	for si := range strategies {
		if len(t.Warm[si].curve) != curveK || len(t.Cold[si].curve) != curveK {
			return fmt.Errorf("tally: hit-rate curve of length %d, want curve_k %d", len(t.Warm[si].curve), curveK)
		}
		if !slices.IsSorted(t.Covered[si]) {
			return errors.New("tally: coverage list not sorted")
		}
	}
	if reps > 0 {
		b := t.Boot
		if b == nil || b.reps != reps || len(b.n) != strategies || len(b.sum) != strategies {
			return fmt.Errorf("tally: bootstrap sums do not match %d replicates of %d strategies", reps, strategies)
		}
		for si := range strategies {
			if len(b.n[si]) != reps {
				return bad("bootstrap")
			}
			for m := range nMetrics {
				if len(b.sum[si][m]) != reps {
					return bad("bootstrap")
				}
			}
		}
	}
	return nil
}

// MarshalJSON writes an acc as one array: n, hit, precision, recall, ndcg,
// rr, popularity sum, popularity n, new-item hits, new-item cases, then
// the curve (metric sums in units of 1e-9).
func (a acc) MarshalJSON() ([]byte, error) {
	v := append([]int64{a.n, a.hit, a.prec, a.rec, a.ndcg, a.rr, a.popSum, a.popN, a.newHit, a.newN}, a.curve...)
	return json.Marshal(v)
}

// UnmarshalJSON reads MarshalJSON's array.
func (a *acc) UnmarshalJSON(b []byte) error {
	var v []int64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if len(v) < 10 {
		return fmt.Errorf("tally: %d sums, want at least 10", len(v))
	}
	*a = acc{n: v[0], hit: v[1], prec: v[2], rec: v[3], ndcg: v[4], rr: v[5], popSum: v[6], popN: v[7], newHit: v[8], newN: v[9],
		curve: append([]int64{}, v[10:]...)}
	return nil
}

type bootJSON struct {
	Replicates int                 `json:"replicates"`
	N          [][]int64           `json:"n"`
	Sum        [][nMetrics][]int64 `json:"sum"`
}

// MarshalJSON writes the replicate sums: n[strategy][replicate] and
// sum[strategy][metric][replicate], metrics in the order of mHit..mNewN.
func (b *bootSums) MarshalJSON() ([]byte, error) {
	b.fold()
	return json.Marshal(bootJSON{Replicates: b.reps, N: b.n, Sum: b.sum})
}

// UnmarshalJSON reads MarshalJSON's form.
func (b *bootSums) UnmarshalJSON(data []byte) error {
	var v bootJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	b.reps, b.n, b.sum = v.Replicates, v.N, v.Sum
	return nil
}

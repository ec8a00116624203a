package sim

import (
	"context"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// ReplayOptions configures an offline replay.
type ReplayOptions struct {
	// Read configures the event reader (preset, mapping...).
	Read events.Options
	// Split is the first instant of the test window. When zero, TestDays
	// (the last N days of the log) is used, else TestFraction.
	Split    time.Time
	TestDays int
	// TestFraction is the share of the log's time span used as the test
	// window when neither Split nor TestDays is set (default 0.2).
	TestFraction float64
	// By is ByUser (default: predict each test user's test-window items
	// from their training history) or BySession (predict the next item of
	// every prefix of every test session from that prefix alone).
	By Protocol
	// Target selects the relevant test events: TargetAny (default),
	// TargetCart (add-to-cart, checkout or purchase) or TargetPurchase.
	Target Target
	// K is the list length metrics are computed at (default 10).
	K int
	// CurveK, when > 0, also reports hit rate at 1..CurveK.
	CurveK int
	// Strategies to compare (default rank.Strategies()).
	Strategies []rank.Strategy
	// Rank holds filters and strategy parameters (Catalog, Lookback...).
	Rank rank.Options
	// Model tunes the item-to-item model.
	Model rank.ModelConfig
	// Graphs, when set, are the item-to-item counts of a model artifact
	// built for this split (dpa model build): training then takes the
	// graphs from them instead of counting the training events.
	Graphs *rank.Graphs
	// SessionGap splits sessions of logs without session ids (30 min).
	SessionGap time.Duration
	// Progress, when set, is called with (done, total) test users or
	// sessions from the calling goroutine.
	Progress func(done, total int)
	// Workers bounds parallelism (default GOMAXPROCS). Results do not
	// depend on it.
	Workers int
	// Shard, when set, scores only the test cases (users, or sessions under
	// BySession) whose id falls in it; training still uses every training
	// event, so each shard ranks with the same model (shard.go).
	Shard Shard
	// Seed drives the bootstrap's resampling (and the random strategy
	// through Rank.Seed).
	Seed uint64
	// Replicates is the number of bootstrap replicates for the intervals
	// (default DefaultReplicates; negative: no intervals).
	Replicates int
}

// SplitInfo describes the train/test split of a replay.
type SplitInfo struct {
	By          Protocol  `json:"by"`
	Target      Target    `json:"target"`
	Rule        string    `json:"rule"`
	At          time.Time `json:"at"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	TrainEvents int       `json:"train_events"`
	TestEvents  int       `json:"test_events"`
	TrainUsers  int       `json:"train_users"`
	TestUsers   int       `json:"test_users"`
	ColdUsers   int       `json:"cold_users"`
	Sessions    int       `json:"test_sessions,omitempty"`
	Cases       int       `json:"cases"`
	Items       int       `json:"items"`
}

// ReplayStrategy holds one strategy's metrics at k.
type ReplayStrategy struct {
	Name           rank.Strategy `json:"name"`
	Users          int           `json:"users"`
	HitRate        float64       `json:"hit_rate"`
	Precision      float64       `json:"precision"`
	Recall         float64       `json:"recall"`
	NDCG           float64       `json:"ndcg"`
	MRR            float64       `json:"mrr"`
	Coverage       float64       `json:"coverage"`
	PopularityBias float64       `json:"popularity_bias"`
	HitRateByK     []float64     `json:"hit_rate_by_k,omitempty"`
	// 95% bootstrap intervals (absent with Replicates < 0).
	HitRateCI   *[2]float64 `json:"hit_rate_ci,omitempty"`
	PrecisionCI *[2]float64 `json:"precision_ci,omitempty"`
	RecallCI    *[2]float64 `json:"recall_ci,omitempty"`
	NDCGCI      *[2]float64 `json:"ndcg_ci,omitempty"`
	MRRCI       *[2]float64 `json:"mrr_ci,omitempty"`
	// NewItemHitRate is the hit rate over the NewItemCases cases whose
	// truth holds an item absent from the history: the like-for-like
	// figure for strategies that never re-show history items.
	NewItemCases     int         `json:"new_item_cases"`
	NewItemHitRate   float64     `json:"new_item_hit_rate"`
	NewItemHitRateCI *[2]float64 `json:"new_item_hit_rate_ci,omitempty"`
	// VsBest compares the strategy with the best one (paired bootstrap).
	VsBest *Comparison `json:"vs_best,omitempty"`
}

// Comparison is a strategy's difference to the best strategy, with 95%
// paired-bootstrap intervals: negative means worse than the best.
type Comparison struct {
	Best          rank.Strategy `json:"best"`
	HitRateDiff   float64       `json:"hit_rate_diff"`
	HitRateDiffCI [2]float64    `json:"hit_rate_diff_ci"`
	MRRDiff       float64       `json:"mrr_diff"`
	MRRDiffCI     [2]float64    `json:"mrr_diff_ci"`
}

// BootstrapInfo says how the intervals were computed.
type BootstrapInfo struct {
	Method     string `json:"method"`
	Unit       string `json:"unit"`
	Groups     int    `json:"groups"`
	Replicates int    `json:"replicates"`
	Seed       uint64 `json:"seed"`
}

// ColdReport scores users without training history, for the prospecting
// strategies only.
type ColdReport struct {
	Users      int              `json:"users"`
	Strategies []ReplayStrategy `json:"strategies"`
}

// ReplayResult is the `dpa simulate --events` report.
type ReplayResult struct {
	SchemaVersion int              `json:"schema_version"`
	Mode          string           `json:"mode"`
	K             int              `json:"k"`
	Split         SplitInfo        `json:"split"`
	Strategies    []ReplayStrategy `json:"strategies"`
	Cold          *ColdReport      `json:"cold,omitempty"`
	Bootstrap     *BootstrapInfo   `json:"bootstrap,omitempty"`
	// Verdict compares the best strategy with the runner-up in one line.
	Verdict string `json:"verdict,omitempty"`
	// Warnings and Notes are for people reading the report: doubts about
	// the comparison, and why two rows look alike.
	Warnings []string `json:"warnings,omitempty"`
	Notes    []string `json:"notes,omitempty"`
	// Read reports how the log was read (bad rows per reason); the
	// command layer prints it, the JSON contract leaves it out.
	Read events.Stats `json:"-"`
}

// Log is an event log loaded into compact, interned form: ids are interned
// to int32 and the (event, item) records are stored column by column, so no
// per-event Go string or struct outlives the read (21 bytes per record plus
// the distinct ids, whose bytes sit in one buffer each; BenchmarkLoadLog
// reports it).
type Log struct {
	users  []string // views into the user table's buffer
	items  []string
	itemIx map[string]int32 // items' ids -> index (kept for replay's lookups)
	sessIx *idTable         // session ids
	// One entry per (event, item) record, sorted by user (or by session
	// id, bySess), then time, then log order.
	t    []int64
	user []int32
	item []int32
	sess []int32 // 1-based session id index; 0 when the row has none
	// seq is the log order of each record's source row (the digest and a
	// re-sort by session read it; Replay drops it once its sorts are done).
	seq     []int32
	kind    []rank.Kind
	hasSess bool
	bySess  bool
	// rowTies: a row had several items, whose records share their seq, so
	// the sort order has ties (see sortPerm).
	rowTies bool
	Stats   events.Stats
}

// LoadLog reads an event log into memory and sorts it by user and time.
func LoadLog(ctx context.Context, r io.Reader, opts events.Options) (*Log, error) {
	return loadLog(ctx, r, opts, true)
}

// loadLog is LoadLog; without sorted the records stay in log order (seq
// is then not set).
func loadLog(ctx context.Context, r io.Reader, opts events.Options, sorted bool) (*Log, error) {
	lg := &Log{}
	users, items, sess := newIDTable(), newIDTable(), newIDTable()
	var seq int32
	multi := false // a row had several items: seq is materialised
	var ts chunks[int64]
	var us, is, ss, sq chunks[int32]
	var ks chunks[rank.Kind]
	st, err := eachRow(ctx, r, opts, func(ev *loadRow) error {
		k := ev.kind
		u, err := users.intern(ev.user)
		if err != nil {
			return err
		}
		var s int32
		if ev.sess != "" {
			if s, err = sess.intern(ev.sess); err != nil {
				return err
			}
			s++
			lg.hasSess = true
		}
		if len(ev.items) > 1 && !multi {
			multi = true
			for i := range ts.len() {
				sq.add(int32(i)) // every earlier row had one item
			}
		}
		t := ev.t
		for _, id := range ev.items {
			it, err := items.intern(id)
			if err != nil {
				return err
			}
			ts.add(t)
			us.add(u)
			is.add(it)
			ss.add(s)
			ks.add(k)
			if multi {
				sq.add(seq)
			}
		}
		seq++
		return nil
	})
	lg.Stats = st
	if err != nil {
		return nil, err
	}
	users.done()
	items.done()
	sess.done()
	lg.users, lg.items, lg.sessIx = users.strings(), items.strings(), sess
	lg.itemIx = make(map[string]int32, len(lg.items))
	for i, id := range lg.items {
		lg.itemIx[id] = int32(i)
	}
	// The columns were read in blocks (no copies while growing, at most
	// one block spare): each is moved into one array of its length.
	// A collection after each column frees its blocks for the next
	// column's array: without it every block and every array are held at
	// once (twice the log: the replay's highest RSS on a 10M-event log).
	lg.t = ts.flat()
	runtime.GC()
	lg.user = us.flat()
	runtime.GC()
	lg.item = is.flat()
	runtime.GC()
	lg.sess = ss.flat()
	runtime.GC()
	lg.kind = ks.flat()
	if multi {
		runtime.GC()
		lg.seq = sq.flat()
		lg.rowTies = true
	}
	if !sorted {
		lg.seq = nil
		return lg, nil
	}
	// First sort: the records are in load order, so when each row had one
	// item a record's index is its row, and the permutation its seq.
	perm := lg.sortPerm(false)
	if lg.seq == nil {
		lg.seq = perm
	}
	lg.bySess = false
	return lg, nil
}

// Events is the number of (event, item) records loaded.
func (lg *Log) Events() int { return len(lg.t) }

func (lg *Log) span() (int64, int64) {
	if len(lg.t) == 0 {
		return 0, 0
	}
	lo, hi := lg.t[0], lg.t[0]
	for _, t := range lg.t {
		lo, hi = min(lo, t), max(hi, t)
	}
	return lo, hi
}

// sortBy orders the records by user (or by session id), then time, then
// log order; it is a no-op when they already are.
func (lg *Log) sortBy(session bool) {
	if lg.bySess == session {
		return
	}
	lg.sortPerm(session)
	lg.bySess = session
}

// sortPerm sorts the columns and returns the permutation it applied
// (record i is the old record perm[i]). A nil seq stands for the records'
// indexes (the load order, when every row had one item).
//
// Without ties (no row had several items) the order (key, time, seq) is
// total, so any correct sort gives the one result: the records are
// counted into their key's range in their current order (keys are dense
// ids) and only a range out of (time, seq) order is sorted. A log in time
// order, as most are, then needs no comparison sort at all, where the
// sort of ten million indexes by three columns read at random took
// seconds. With ties (the items of one multi-item row) the permutation is
// sorted as a whole with the comparison the record structs were once
// sorted with, so that they land exactly where they did.
//
// The permutation is applied by gathering each column into another array
// (independent reads, which the CPU overlaps) instead of following its
// cycles in place (a chain of dependent cache misses, 10 s of CPU at 10M
// records in time order).
func (lg *Log) sortPerm(session bool) []int32 {
	key := lg.user
	if session {
		key = lg.sess
	}
	t, seq := lg.t, lg.seq
	cmpSeq := func(a, b int32) int { return int(a - b) }
	if seq != nil {
		cmpSeq = func(a, b int32) int { return int(seq[a] - seq[b]) }
	}
	cmpRec := func(a, b int32) int {
		if ka, kb := key[a], key[b]; ka != kb {
			return int(ka - kb)
		}
		if t[a] != t[b] {
			if t[a] < t[b] {
				return -1
			}
			return 1
		}
		return cmpSeq(a, b)
	}
	var perm []int32
	if lg.rowTies {
		perm = make([]int32, len(t))
		for i := range perm {
			perm[i] = int32(i)
		}
		slices.SortFunc(perm, cmpRec)
	} else {
		var start []int32
		perm, start = rank.CountByKey(key)
		for k := 0; k+1 < len(start); k++ {
			r := perm[start[k]:start[k+1]]
			for i := 1; i < len(r); i++ {
				if cmpRec(r[i-1], r[i]) > 0 {
					slices.SortFunc(r, cmpRec)
					break
				}
			}
		}
	}
	if rank.IsIdentity(perm) {
		return perm // in order already (a log sorted by user)
	}
	// The int32 columns through one spare array: a new array per column
	// held up to two columns more until the next collection (a
	// 10M-event replay's peak went from 537 to 617 MB).
	rank.GatherInt32s(perm, &lg.user, &lg.item, &lg.sess, &lg.seq)
	lg.kind = gather(lg.kind, perm)
	runtime.GC() // the spare and the old kind, before t's array
	lg.t = gather(lg.t, perm)
	return perm
}

// gather returns col reordered by perm: out[i] = col[perm[i]].
func gather[T any](col []T, perm []int32) []T {
	out := make([]T, len(col))
	rank.GatherInto(out, col, perm)
	return out
}

// ranges returns the [start, end) offsets of each user's (or session's)
// records; the log must be sorted the same way.
func (lg *Log) ranges(session bool) [][2]int {
	key := lg.user
	if session {
		key = lg.sess
	}
	var out [][2]int
	for i := 0; i < len(key); {
		j := i
		for j < len(key) && key[j] == key[i] {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

// sessKey is the session id of record i, "" when it has none.
func (lg *Log) sessKey(i int) string {
	if lg.sess[i] == 0 {
		return ""
	}
	return lg.sessIx.str(lg.sess[i] - 1)
}

// Replay reads an event log and runs ReplayLog on it.
func Replay(ctx context.Context, r io.Reader, opts ReplayOptions) (*ReplayResult, error) {
	lg, err := LoadLog(ctx, r, opts.Read)
	if err != nil {
		return nil, err
	}
	// The log is this function's own: the run may drop its training
	// records once the model is trained.
	r2, err := runReplayOwn(ctx, lg, opts, true)
	if err != nil {
		return nil, err
	}
	r2.reduce()
	return r2.res, nil
}

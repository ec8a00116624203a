package sim

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// Replay protocols (ReplayOptions.By) and targets (ReplayOptions.Target).
const (
	ByUser    = "user"
	BySession = "session"

	TargetAny      = "any"
	TargetCart     = "cart"
	TargetPurchase = "purchase"
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
	By string
	// Target selects the relevant test events: TargetAny (default),
	// TargetCart (add-to-cart, checkout or purchase) or TargetPurchase.
	Target string
	// K is the list length metrics are computed at (default 10).
	K int
	// CurveK, when > 0, also reports hit rate at 1..CurveK.
	CurveK int
	// Strategies to compare (default rank.Strategies).
	Strategies []string
	// Rank holds filters and strategy parameters (Catalog, Lookback...).
	Rank rank.Options
	// Model tunes the item-to-item model.
	Model rank.ModelConfig
	// SessionGap splits sessions of logs without session ids (30 min).
	SessionGap time.Duration
	// Progress, when set, is called with (done, total) test users or
	// sessions from the calling goroutine.
	Progress func(done, total int)
	// Workers bounds parallelism (default GOMAXPROCS). Results do not
	// depend on it.
	Workers int
}

// SplitInfo describes the train/test split of a replay.
type SplitInfo struct {
	By          string    `json:"by"`
	Target      string    `json:"target"`
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
	Name           string    `json:"name"`
	Users          int       `json:"users"`
	HitRate        float64   `json:"hit_rate"`
	Precision      float64   `json:"precision"`
	Recall         float64   `json:"recall"`
	NDCG           float64   `json:"ndcg"`
	MRR            float64   `json:"mrr"`
	Coverage       float64   `json:"coverage"`
	PopularityBias float64   `json:"popularity_bias"`
	HitRateByK     []float64 `json:"hit_rate_by_k,omitempty"`
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
	// Read reports how the log was read (bad rows per reason); the
	// command layer prints it, the JSON contract leaves it out.
	Read events.Stats `json:"-"`
}

// Log is an event log loaded into compact, interned form.
type Log struct {
	users   []string
	items   []string
	evs     []lev
	hasSess bool
	sessIDs []string
	Stats   events.Stats
}

type lev struct {
	t    int64
	user int32
	item int32
	sess int32 // 1-based session id index; 0 when the log has none
	seq  int32
	kind rank.Kind
}

// LoadLog reads an event log into memory (about 32 bytes per event plus
// the distinct ids) and sorts it by user and time.
func LoadLog(ctx context.Context, r io.Reader, opts events.Options) (*Log, error) {
	lg := &Log{}
	users, items, sess := map[string]int32{}, map[string]int32{}, map[string]int32{}
	intern := func(m map[string]int32, list *[]string, s string) int32 {
		if v, ok := m[s]; ok {
			return v
		}
		s = strings.Clone(s)
		v := int32(len(*list))
		m[s] = v
		*list = append(*list, s)
		return v
	}
	var seq int32
	st, err := events.Each(ctx, r, opts, func(ev *events.Event) error {
		k := rank.KindOf(string(ev.Type))
		if k == rank.KindSearch && len(ev.ItemIDs) == 0 {
			return nil
		}
		u := intern(users, &lg.users, ev.UserID)
		var s int32
		if ev.SessionID != "" {
			s = intern(sess, &lg.sessIDs, ev.SessionID) + 1
			lg.hasSess = true
		}
		t := ev.Time.UnixNano()
		for _, id := range ev.ItemIDs {
			lg.evs = append(lg.evs, lev{t: t, user: u, item: intern(items, &lg.items, id), sess: s, seq: seq, kind: k})
		}
		seq++
		return nil
	})
	lg.Stats = st
	if err != nil {
		return nil, err
	}
	slices.SortFunc(lg.evs, func(a, b lev) int {
		if a.user != b.user {
			return int(a.user - b.user)
		}
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return int(a.seq - b.seq)
	})
	return lg, nil
}

// Events is the number of (event, item) records loaded.
func (lg *Log) Events() int { return len(lg.evs) }

func (lg *Log) span() (int64, int64) {
	if len(lg.evs) == 0 {
		return 0, 0
	}
	lo, hi := lg.evs[0].t, lg.evs[0].t
	for _, e := range lg.evs {
		lo, hi = min(lo, e.t), max(hi, e.t)
	}
	return lo, hi
}

// userRanges returns the [start, end) offsets of each user's events.
func (lg *Log) userRanges() [][2]int {
	var out [][2]int
	for i := 0; i < len(lg.evs); {
		j := i
		for j < len(lg.evs) && lg.evs[j].user == lg.evs[i].user {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

func (lg *Log) sessKey(e *lev) string {
	if e.sess == 0 {
		return ""
	}
	return lg.sessIDs[e.sess-1]
}

// Replay reads an event log and runs ReplayLog on it.
func Replay(ctx context.Context, r io.Reader, opts ReplayOptions) (*ReplayResult, error) {
	lg, err := LoadLog(ctx, r, opts.Read)
	if err != nil {
		return nil, err
	}
	return ReplayLog(ctx, lg, opts)
}

func matchesTarget(target string, k rank.Kind) bool {
	switch target {
	case TargetPurchase:
		return k == rank.KindPurchase
	case TargetCart:
		return k >= rank.KindCart
	}
	return k != rank.KindSearch
}

type testCase struct {
	user  string
	hist  rank.History
	truth []string
	now   time.Time
	cold  bool
}

// ReplayLog evaluates the strategies on a loaded log. Every strategy ranks
// the full eligible catalog (no sampled negatives) from training data only.
func ReplayLog(ctx context.Context, lg *Log, opts ReplayOptions) (*ReplayResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.K <= 0 {
		opts.K = 10
	}
	if opts.By == "" {
		opts.By = ByUser
	}
	if opts.Target == "" {
		opts.Target = TargetAny
	}
	switch opts.By {
	case ByUser, BySession:
	default:
		return nil, fmt.Errorf("sim: unknown replay protocol %q (user, session)", opts.By)
	}
	switch opts.Target {
	case TargetAny, TargetCart, TargetPurchase:
	default:
		return nil, fmt.Errorf("sim: unknown target %q (any, cart, purchase)", opts.Target)
	}
	strategies, err := parseStrategies(opts.Strategies)
	if err != nil {
		return nil, err
	}
	if opts.SessionGap <= 0 {
		opts.SessionGap = events.DefaultSessionGap
	}
	if len(lg.evs) == 0 {
		return nil, fmt.Errorf("sim: the event log has no usable events")
	}
	lo, hi := lg.span()
	res := &ReplayResult{SchemaVersion: 1, Mode: "replay", K: opts.K, Read: lg.Stats}
	sp := &res.Split
	sp.By, sp.Target = opts.By, opts.Target
	sp.Start, sp.End = time.Unix(0, lo).UTC(), time.Unix(0, hi).UTC()
	var split int64
	switch {
	case !opts.Split.IsZero():
		split, sp.Rule = opts.Split.UnixNano(), "date"
	case opts.TestDays > 0:
		split, sp.Rule = hi-int64(opts.TestDays)*int64(24*time.Hour), fmt.Sprintf("last %d days", opts.TestDays)
	default:
		f := opts.TestFraction
		if f <= 0 || f >= 1 {
			f = 0.2
		}
		split = lo + int64(float64(hi-lo)*(1-f))
		sp.Rule = fmt.Sprintf("last %g%% of the time span", f*100)
	}
	sp.At = time.Unix(0, split).UTC()

	ranges := lg.userRanges()
	gap := int64(opts.SessionGap)
	// Sessions of one user's events: [start, end) offsets.
	sessionsOf := func(a, b int) [][2]int {
		var out [][2]int
		s := a
		for i := a + 1; i <= b; i++ {
			if i == b || lg.evs[i].sess != lg.evs[i-1].sess || (lg.evs[i].sess == 0 && lg.evs[i].t-lg.evs[i-1].t > gap) {
				out = append(out, [2]int{s, i})
				s = i
			}
		}
		return out
	}

	// Training set: user mode = events before the split; session mode =
	// sessions starting before it.
	b := rank.NewBuilder(opts.Model)
	isTrain := make([]bool, len(lg.evs))
	for _, rg := range ranges {
		if opts.By == BySession {
			for _, s := range sessionsOf(rg[0], rg[1]) {
				if lg.evs[s[0]].t < split {
					for i := s[0]; i < s[1]; i++ {
						isTrain[i] = true
					}
				}
			}
		} else {
			for i := rg[0]; i < rg[1]; i++ {
				isTrain[i] = lg.evs[i].t < split
			}
		}
	}
	for i := range lg.evs {
		if err := ctxEvery(ctx, i); err != nil {
			return nil, err
		}
		e := &lg.evs[i]
		if isTrain[i] {
			sp.TrainEvents++
			b.AddRaw(lg.users[e.user], lg.sessKey(e), lg.items[e.item], e.kind, e.t)
		} else {
			sp.TestEvents++
		}
	}
	model, err := b.Build(ctx)
	if err != nil {
		return nil, err
	}
	sp.TrainUsers = model.Users()
	sp.Items = model.Items()
	if opts.Rank.Catalog != nil {
		sp.Items = opts.Rank.Catalog.Len()
	}
	ropts := opts.Rank
	ropts.NoReasons = true
	ropts.GlobalAt = sp.At

	// Popularity for the bias metric: training interactions per item.
	pop := map[string]float64{}
	maxPop := 0.0
	for i := range lg.evs {
		if isTrain[i] {
			id := lg.items[lg.evs[i].item]
			pop[id]++
			maxPop = max(maxPop, pop[id])
		}
	}

	// Cases are generated per user, in user order, and evaluated in
	// fixed-size blocks so that sums do not depend on scheduling.
	gen := func(rg [2]int, emit func(testCase)) {
		evs := lg.evs[rg[0]:rg[1]]
		uid := lg.users[evs[0].user]
		if opts.By == ByUser {
			var truth []string
			seen := map[int32]bool{}
			for i := range evs {
				if !isTrain[rg[0]+i] && matchesTarget(opts.Target, evs[i].kind) && !seen[evs[i].item] {
					seen[evs[i].item] = true
					truth = append(truth, lg.items[evs[i].item])
				}
			}
			if len(truth) == 0 {
				return
			}
			h := model.History(uid)
			emit(testCase{user: uid, hist: h, truth: truth, now: sp.At, cold: len(h.Events) == 0})
			return
		}
		for _, s := range sessionsOf(rg[0], rg[1]) {
			if isTrain[s[0]] || s[1]-s[0] < 2 {
				continue
			}
			skey := lg.sessKey(&lg.evs[s[0]])
			if skey == "" {
				skey = fmt.Sprintf("%s#%d", uid, s[0])
			}
			for p := s[0] + 1; p < s[1]; p++ {
				e := &lg.evs[p]
				if !matchesTarget(opts.Target, e.kind) {
					continue
				}
				h := rank.History{UserID: skey}
				for q := s[0]; q < p; q++ {
					h.Events = append(h.Events, rank.Event{ItemID: lg.items[lg.evs[q].item], Kind: lg.evs[q].kind, Time: time.Unix(0, lg.evs[q].t)})
				}
				emit(testCase{user: skey, hist: h, truth: []string{lg.items[e.item]}, now: time.Unix(0, e.t)})
			}
		}
	}

	maxK := max(opts.K, opts.CurveK)
	type acc struct {
		n                        int
		hit, prec, rec, ndcg, rr float64
		popSum                   float64
		popN                     int
		curve                    []float64
	}
	type block struct {
		warm, cold []acc
		users      int
		coldUsers  int
		sessions   int
		cases      int
	}
	const blockSize = 256
	nBlocks := (len(ranges) + blockSize - 1) / blockSize
	blocks := make([]block, nBlocks)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	covered := make([][]map[string]struct{}, workers) // per worker, per strategy
	var mu sync.Mutex                                 // guards firstErr
	claim := newClaimer(nBlocks)
	done := make(chan int, nBlocks)
	var wg sync.WaitGroup
	var firstErr error
	isProspecting := map[string]bool{}
	for _, s := range rank.Prospecting {
		isProspecting[s] = true
	}
	for w := 0; w < workers; w++ {
		covered[w] = make([]map[string]struct{}, len(strategies))
		for i := range covered[w] {
			covered[w][i] = map[string]struct{}{}
		}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ids := make([]string, 0, maxK)
			for {
				bi, ok := claim.claim()
				if !ok {
					return
				}
				if ctx.Err() != nil {
					done <- bi
					continue
				}
				bl := &blocks[bi]
				bl.warm, bl.cold = make([]acc, len(strategies)), make([]acc, len(strategies))
				for si := range strategies {
					bl.warm[si].curve = make([]float64, opts.CurveK)
					bl.cold[si].curve = make([]float64, opts.CurveK)
				}
				lastUser := ""
				for _, rg := range ranges[bi*blockSize : min(len(ranges), (bi+1)*blockSize)] {
					gen(rg, func(tc testCase) {
						bl.cases++
						if opts.By == ByUser {
							bl.users++
							if tc.cold {
								bl.coldUsers++
							}
						} else if tc.user != lastUser {
							bl.sessions++
							lastUser = tc.user
						}
						for si, st := range strategies {
							if tc.cold && !isProspecting[st] {
								continue
							}
							recs, err := model.Recommend(tc.hist, st, maxK, tc.now, ropts)
							if err != nil {
								mu.Lock()
								firstErr = err
								mu.Unlock()
								return
							}
							ids = ids[:0]
							for _, r := range recs {
								ids = append(ids, r.ItemID)
							}
							a := &bl.warm[si]
							if tc.cold {
								a = &bl.cold[si]
							}
							m := Score(ids, tc.truth, opts.K)
							a.n++
							a.hit += m.Hit
							a.prec += m.Precision
							a.rec += m.Recall
							a.ndcg += m.NDCG
							a.rr += m.RR
							if opts.CurveK > 0 {
								fh := Score(ids, tc.truth, maxK).FirstHit
								for k := 1; k <= opts.CurveK; k++ {
									if fh > 0 && fh <= k {
										a.curve[k-1]++
									}
								}
							}
							top := ids
							if len(top) > opts.K {
								top = top[:opts.K]
							}
							if len(top) > 0 && maxPop > 0 {
								s := 0.0
								for _, id := range top {
									s += pop[id] / maxPop
									if !tc.cold {
										covered[w][si][id] = struct{}{}
									}
								}
								a.popSum += s / float64(len(top))
								a.popN++
							}
						}
					})
				}
				done <- bi
			}
		}(w)
	}
	go func() { wg.Wait(); close(done) }()
	finished := 0
	for range done {
		finished++
		if opts.Progress != nil {
			opts.Progress(min(finished*blockSize, len(ranges)), len(ranges))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, firstErr
	}

	universe := float64(sp.Items)
	finish := func(cold bool) []ReplayStrategy {
		var out []ReplayStrategy
		for si, st := range strategies {
			if cold && !isProspecting[st] {
				continue
			}
			var t acc
			t.curve = make([]float64, opts.CurveK)
			for bi := range blocks {
				a := blocks[bi].warm
				if cold {
					a = blocks[bi].cold
				}
				if a == nil {
					continue
				}
				x := a[si]
				t.n += x.n
				t.hit += x.hit
				t.prec += x.prec
				t.rec += x.rec
				t.ndcg += x.ndcg
				t.rr += x.rr
				t.popSum += x.popSum
				t.popN += x.popN
				for k := range x.curve {
					t.curve[k] += x.curve[k]
				}
			}
			n := float64(max(t.n, 1))
			rs := ReplayStrategy{Name: st, Users: t.n,
				HitRate: round6(t.hit / n), Precision: round6(t.prec / n), Recall: round6(t.rec / n),
				NDCG: round6(t.ndcg / n), MRR: round6(t.rr / n)}
			if t.popN > 0 {
				rs.PopularityBias = round6(t.popSum / float64(t.popN))
			}
			if !cold && universe > 0 {
				all := map[string]struct{}{}
				for w := range covered {
					for id := range covered[w][si] {
						all[id] = struct{}{}
					}
				}
				rs.Coverage = round6(float64(len(all)) / universe)
			}
			if opts.CurveK > 0 {
				rs.HitRateByK = make([]float64, opts.CurveK)
				for k := range t.curve {
					rs.HitRateByK[k] = round6(t.curve[k] / n)
				}
			}
			out = append(out, rs)
		}
		return out
	}
	for bi := range blocks {
		sp.TestUsers += blocks[bi].users
		sp.ColdUsers += blocks[bi].coldUsers
		sp.Sessions += blocks[bi].sessions
		sp.Cases += blocks[bi].cases
	}
	res.Strategies = finish(false)
	if opts.By == ByUser && sp.ColdUsers > 0 {
		res.Cold = &ColdReport{Users: sp.ColdUsers, Strategies: finish(true)}
		// Coverage of cold lists is reported with the warm figure only.
	}
	return res, nil
}

func parseStrategies(in []string) ([]string, error) {
	if len(in) == 0 {
		return append([]string(nil), rank.Strategies...), nil
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		st, err := rank.ParseStrategy(s)
		if err != nil {
			return nil, err
		}
		if !seen[st] {
			seen[st] = true
			out = append(out, st)
		}
	}
	return out, nil
}

func ctxEvery(ctx context.Context, i int) error {
	if i&8191 == 0 {
		return ctx.Err()
	}
	return nil
}

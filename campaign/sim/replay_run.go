package sim

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// A replay runs in stages, each a method of replayRun:
//
//	load   LoadLog (replay.go): the log, interned and sorted by user, time
//	split  splitLog: the split instant and which events train
//	train  train: the item model and the popularity used by the bias metric
//	score  score: test cases generated per user, ranked by every strategy,
//	       summed per fixed block of users (so sums never depend on workers)
//	reduce reduce: blocks summed in order into the per-strategy report
type replayRun struct {
	lg         *Log
	opts       ReplayOptions
	strategies []rank.Strategy
	res        *ReplayResult

	split   int64
	ranges  [][2]int // [start, end) of each user's records in lg's columns
	isTrain []bool   // per event
	// own: the run may drop the log's training records once the model is
	// trained (Replay, which loaded the log); orig then maps a kept record
	// to its index in the full log, for the keys that name it.
	own  bool
	orig []int32

	model *rank.Model
	ropts rank.Options
	pop   []float64 // training interactions per item of lg.items
	// modelToLog maps the model's item indices to lg.items'.
	modelToLog []int32
	maxPop     float64
	hasCarts   bool // a training event is a cart, checkout or purchase

	blocks  []replayBlock
	covered [][]coverSet   // per worker, per strategy: items shown
	boot    [][2]*bootSums // per worker: warm, cold replicate sums
	groups  [][2]*group    // per worker: the open warm, cold group
	rankers []*rank.Ranker // per worker
}

// replayBlockSize is the number of users whose cases one block sums.
const replayBlockSize = 256

// acc sums one strategy's case metrics. The metric sums are fixed-point
// integers (fix), like the bootstrap's: integer sums do not depend on the
// order cases are added in, so a replay cut into shards (--shard) sums to
// exactly the unsharded figures (merge.go).
type acc struct {
	n                        int64
	hit, prec, rec, ndcg, rr int64 // fix(metric)
	popSum                   int64 // fix(mean popularity of the list)
	popN                     int64
	curve                    []int64 // cases with a hit at 1..CurveK
	newHit                   int64   // fix(hits on new items), testCase.fresh
	newN                     int64   // cases with a new item
}

type replayBlock struct {
	warm, cold []acc // per strategy
	users      int
	coldUsers  int
	sessions   int
	cases      int
}

type testCase struct {
	user string // the bootstrap's resampling unit: user or session id
	// modelUser is the user's index in the model (user mode, when not
	// cold): the history is the model's. Otherwise hist is it (a cold
	// user's holds the id only, for the random strategy's seed).
	modelUser int32
	hist      rank.History
	truth     []int32 // the log's item indices
	fresh     []int32 // truth items absent from the history (the "new items")
	now       time.Time
	cold      bool
}

// caseScratch is a scoring worker's working memory.
type caseScratch struct {
	ids   []int32    // a case's recs as the log's item indices
	marks *itemMarks // cases' scratch set
	truth *itemMarks // the case's truth items
}

func (o *ReplayOptions) defaults() {
	if o.K == 0 {
		o.K = 10
	}
	if o.By == "" {
		o.By = ByAuto
	}
	if o.Target == "" {
		o.Target = TargetAny
	}
	if o.SessionGap <= 0 {
		o.SessionGap = events.DefaultSessionGap
	}
	if o.Replicates == 0 {
		o.Replicates = DefaultReplicates
	}
}

// ReplayLog evaluates the strategies on a loaded log. Every strategy ranks
// the full eligible catalog (no sampled negatives) from training data only.
// With opts.Shard set it scores that shard's cases only: use
// ReplayLogPartial to keep them mergeable.
func ReplayLog(ctx context.Context, lg *Log, opts ReplayOptions) (*ReplayResult, error) {
	r, err := runReplay(ctx, lg, opts)
	if err != nil {
		return nil, err
	}
	r.reduce()
	return r.res, nil
}

// runReplay runs the stages up to score; reduce (or partial) completes it.
func runReplay(ctx context.Context, lg *Log, opts ReplayOptions) (*replayRun, error) {
	return runReplayOwn(ctx, lg, opts, false)
}

// runReplayOwn is runReplay; with own it drops the log's training records
// once the model builder has them (lg must not be used afterwards).
func runReplayOwn(ctx context.Context, lg *Log, opts ReplayOptions, own bool) (*replayRun, error) {
	opts.defaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	strategies, err := ParseStrategies(strategyNames(opts.Strategies))
	if err != nil {
		return nil, err
	}
	if lg.Events() == 0 {
		return nil, errors.New("sim: the event log has no usable events")
	}
	r := &replayRun{lg: lg, opts: opts, strategies: strategies, own: own,
		res: &ReplayResult{SchemaVersion: SchemaVersion, Mode: "replay", K: opts.K, Read: lg.Stats}}
	r.splitLog()
	if r.opts.By == ByAuto {
		r.detectProtocol()
	}
	if own {
		// The sorts are done: only a digest (partial results) would read
		// the rows' log order.
		lg.seq = nil
	}
	if err := r.train(ctx); err != nil {
		return nil, err
	}
	if own {
		// The model's build leaves its temporaries (sort permutations,
		// basket indexes, the training log's columns: about 100 MB at 10M
		// events) as garbage that no collection would reclaim before the
		// scoring's end, as scoring allocates little: returned now, the
		// scoring runs in the memory of the model and the test records.
		debug.FreeOSMemory()
	}
	if err := r.score(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

func strategyNames(in []rank.Strategy) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}

// splitLog fixes the split instant and marks the training events: in user
// mode the events before the split, in session mode the sessions starting
// before it.
func (r *replayRun) splitLog() {
	lg, opts, sp := r.lg, &r.opts, &r.res.Split
	lo, hi := lg.span()
	sp.By, sp.Target = opts.By, opts.Target
	sp.Start, sp.End = time.Unix(0, lo).UTC(), time.Unix(0, hi).UTC()
	switch {
	case !opts.Split.IsZero():
		r.split, sp.Rule = opts.Split.UnixNano(), "date"
	case opts.TestDays > 0:
		r.split, sp.Rule = hi-int64(opts.TestDays)*int64(24*time.Hour), fmt.Sprintf("last %d days", opts.TestDays)
	default:
		f := opts.TestFraction
		if f == 0 {
			f = 0.2
		}
		r.split = lo + int64(float64(hi-lo)*(1-f))
		sp.Rule = fmt.Sprintf("last %g%% of the time span", f*100)
	}
	sp.At = time.Unix(0, r.split).UTC()
	if hi-lo < int64(24*time.Hour) {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf(
			"the log spans only %s: too short for a temporal split to say much about how strategies do over days", time.Duration(hi-lo).Round(time.Minute)))
	}
	r.markTrain()
}

// markTrain groups the events (by user, or by session id in session mode
// when the log has them, so that rows of one session carrying different
// user ids stay one session) and marks the training events.
func (r *replayRun) markTrain() {
	lg, opts := r.lg, &r.opts
	bySess := opts.By == BySession && lg.hasSess
	lg.sortBy(bySess)
	r.ranges = lg.ranges(bySess)
	r.isTrain = make([]bool, lg.Events())
	for _, rg := range r.ranges {
		if opts.By == BySession {
			for _, s := range r.sessionsOf(rg[0], rg[1]) {
				if lg.t[s[0]] < r.split {
					for i := s[0]; i < s[1]; i++ {
						r.isTrain[i] = true
					}
				}
			}
			continue
		}
		for i := rg[0]; i < rg[1]; i++ {
			r.isTrain[i] = lg.t[i] < r.split
		}
	}
}

// sessionsOf splits one user's events [a, b) into sessions: by session id
// when the log has them, else by SessionGap of inactivity.
func (r *replayRun) sessionsOf(a, b int) [][2]int {
	ts, ss, gap := r.lg.t, r.lg.sess, int64(r.opts.SessionGap)
	var out [][2]int
	s := a
	for i := a + 1; i <= b; i++ {
		if i == b || ss[i] != ss[i-1] || (ss[i] == 0 && ts[i]-ts[i-1] > gap) {
			out = append(out, [2]int{s, i})
			s = i
		}
	}
	return out
}

// train builds the item model from the training events and counts item
// popularity for the bias metric.
func (r *replayRun) train(ctx context.Context) error {
	lg, sp := r.lg, &r.res.Split
	// A session is its own shopper in session mode: the model's users are
	// then the session ids (the user id for rows without one, which may
	// collide with a session id: that rare log takes the string path).
	bySess := r.opts.By == BySession && lg.hasSess
	mixed := bySess && slices.Contains(lg.sess, 0)
	var b *rank.Builder
	switch {
	case mixed:
		b = rank.NewBuilder(r.opts.Model)
	case bySess:
		b = rank.NewBuilderIDs(r.opts.Model, lg.sessIx.strings(), lg.items)
	default:
		b = rank.NewBuilderIDs(r.opts.Model, lg.users, lg.items)
	}
	// Replay's own log hands its training records to the builder in place
	// (the columns are compacted to them once the test records are copied
	// out): no second copy of the training records at the replay's peak.
	adopt := r.own && !mixed
	if !adopt {
		nTrain := 0
		for _, tr := range r.isTrain {
			if tr {
				nTrain++
			}
		}
		b.Grow(nTrain)
	}
	pop := make([]float64, len(lg.items))
	for i := range lg.t {
		if err := ctxEvery(ctx, i); err != nil {
			return err
		}
		if !r.isTrain[i] {
			sp.TestEvents++
			continue
		}
		sp.TrainEvents++
		kind, it := lg.kind[i], lg.item[i]
		r.hasCarts = r.hasCarts || kind >= rank.KindCart
		switch {
		case adopt:
		case mixed:
			user := lg.users[lg.user[i]]
			if lg.sess[i] != 0 {
				user = lg.sessKey(i)
			}
			b.AddRaw(user, lg.sessKey(i), lg.items[it], kind, lg.t[i])
		case bySess:
			b.AddIDs(lg.sess[i]-1, it, lg.sess[i], kind, lg.t[i])
		default:
			b.AddIDs(lg.user[i], it, lg.sess[i], kind, lg.t[i])
		}
		pop[it]++
		r.maxPop = max(r.maxPop, pop[it])
	}
	r.pop = pop
	if r.own {
		// The builder holds (or takes below) the training records: the
		// log's can go before the model's build, the replay's memory peak.
		isTrain := r.isTrain
		r.dropTraining()
		if r.opts.By != BySession {
			// Scoring by user never names a session: the ids can go.
			r.lg.sessIx = nil
		}
		if adopt {
			w := 0
			for i, tr := range isTrain {
				if !tr {
					continue
				}
				u := lg.user[i]
				if bySess {
					u = lg.sess[i] - 1
				}
				lg.t[w], lg.user[w], lg.item[w], lg.sess[w], lg.kind[w] = lg.t[i], u, lg.item[i], lg.sess[i], lg.kind[i]
				w++
			}
			b.AdoptIDs(lg.t[:w], lg.user[:w], lg.item[:w], lg.sess[:w], lg.kind[:w])
		}
		// The builder has the columns it keeps (and drops its user and
		// session columns once its indexes are built): the loaded log
		// must not hold them through the build (10M events: 80 MB).
		lg.t, lg.user, lg.item, lg.sess, lg.kind, lg.seq = nil, nil, nil, nil, nil, nil
		lg = r.lg
	}
	var model *rank.Model
	var err error
	if r.opts.Graphs != nil {
		model, err = b.BuildWith(ctx, r.opts.Graphs)
	} else {
		model, err = b.Build(ctx)
	}
	if err != nil {
		return err
	}
	r.model = model
	r.modelToLog = make([]int32, model.Items())
	for i, id := range model.ItemIDs() {
		li, ok := lg.itemIx[id]
		if !ok {
			li = -1 // an artifact's item the log lacks
		}
		r.modelToLog[i] = li
	}
	sp.TrainUsers = model.Users()
	sp.Items = model.Items()
	if r.opts.Rank.Catalog != nil {
		sp.Items = r.opts.Rank.Catalog.Len()
	}
	r.ropts = r.opts.Rank
	r.ropts.NoReasons = true
	r.ropts.GlobalAt = sp.At
	return nil
}

// dropTraining replaces the run's log by one holding only the test
// records, which is all that scoring reads once the model is trained (user
// mode: histories come from the model; session mode: a test session is
// test from its first record on). Each user's (or session's) range stays,
// emptied when it had no test record, so blocks hold the same users.
func (r *replayRun) dropTraining() {
	old := r.lg
	n := 0
	for _, tr := range r.isTrain {
		if !tr {
			n++
		}
	}
	lg := &Log{users: old.users, items: old.items, itemIx: old.itemIx, sessIx: old.sessIx, hasSess: old.hasSess, bySess: old.bySess, rowTies: old.rowTies, Stats: old.Stats,
		t: make([]int64, 0, n), user: make([]int32, 0, n), item: make([]int32, 0, n), sess: make([]int32, 0, n), kind: make([]rank.Kind, 0, n)}
	r.orig = make([]int32, 0, n)
	for ri, rg := range r.ranges {
		a := len(lg.t)
		for i := rg[0]; i < rg[1]; i++ {
			if r.isTrain[i] {
				continue
			}
			lg.t = append(lg.t, old.t[i])
			lg.user = append(lg.user, old.user[i])
			lg.item = append(lg.item, old.item[i])
			lg.sess = append(lg.sess, old.sess[i])
			lg.kind = append(lg.kind, old.kind[i])
			r.orig = append(r.orig, int32(i))
		}
		r.ranges[ri] = [2]int{a, len(lg.t)}
	}
	r.lg, r.isTrain = lg, make([]bool, n)
}

// origIndex is record i's index in the log as loaded.
func (r *replayRun) origIndex(i int) int {
	if r.orig != nil {
		return int(r.orig[i])
	}
	return i
}

func matchesTarget(target Target, k rank.Kind) bool {
	switch target {
	case TargetPurchase:
		return k == rank.KindPurchase
	case TargetCart:
		return k >= rank.KindCart
	}
	return k != rank.KindSearch
}

func ctxEvery(ctx context.Context, i int) error {
	if i&8191 == 0 {
		return ctx.Err()
	}
	return nil
}

// detectProtocol settles ByAuto: sessions when at least 90% of the users
// with test events have no training event (YooChoose's "users" are
// sessions: 4,293 of 4,301 test users are cold), else users.
func (r *replayRun) detectProtocol() {
	r.opts.By = ByUser
	test, cold := 0, 0
	for _, rg := range r.ranges {
		hasTest, hasTrain := false, false
		for i := rg[0]; i < rg[1]; i++ {
			if r.isTrain[i] {
				hasTrain = true
			} else if matchesTarget(r.opts.Target, r.lg.kind[i]) {
				hasTest = true
			}
		}
		if hasTest {
			test++
			if !hasTrain {
				cold++
			}
		}
	}
	if test == 0 || float64(cold) < 0.9*float64(test) {
		r.res.Split.By = ByUser
		return
	}
	r.opts.By = BySession
	r.res.Split.By = BySession
	r.res.Notes = append(r.res.Notes, fmt.Sprintf(
		"replayed by session: %d of %d test users have no training history, so the log's users look like sessions (give --by user to override)", cold, test))
	r.markTrain()
}

package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/campaign/sim"
	"github.com/dpa-tools/dpa/render"
)

type simulateOptions struct {
	IO  *render.Streams
	Now func() time.Time
	app *app

	Events     eventFlags
	Catalog    string
	ProductSet string
	Strategies []string
	K          int
	Output     string
	Out        string
	Workers    int
	Lookback   time.Duration
	Similarity string
	Seed       uint64

	// Replay.
	Split    string
	TestDays int
	By       string
	Target   string
	CurveK   int

	// Synthetic.
	Users       int
	Days        int
	Items       int
	Start       string
	RetrainDays int
	EmitEvents  string
	OrganicOnly bool
	Funnel      sim.Funnel
	Ads         sim.Ads

	split, start time.Time
	strategies   []rank.Strategy // parsed --strategies; nil: all
}

var simulateOutputs = []string{"table", "json", "xlsx"}

func newSimulateCmd(a *app, runF func(context.Context, *simulateOptions) error) *cobra.Command {
	o := &simulateOptions{IO: a.IO, Now: a.Now, app: a, Funnel: sim.DefaultFunnel(), Ads: sim.DefaultAds()}
	cmd := &cobra.Command{
		Use:   "simulate (--events FILE | --catalog FEED | --items N) [flags]",
		Short: "Compare ranking strategies on a real event log or on simulated shoppers",
		Long: `Compare dynamic-ad ranking strategies side by side on identical inputs.

Replay (--events FILE): the log is split in time (--split DATE, --test-days N,
default the last 20% of its span); every strategy ranks the full eligible
catalog for every test user from training events only, and is scored against
the user's test-window items (--target any|cart|purchase) with hit rate,
precision, recall, NDCG and MRR at k, catalog coverage and popularity bias.
--by session predicts the next item of every prefix of every test session
instead, the session-based literature's protocol. Users without training
history are reported separately, for the prospecting strategies only.

Synthetic (--catalog FEED, or --items N for a generated catalog): --users
shoppers with latent tastes browse for --days days through a view → cart →
purchase funnel; between visits each strategy shows a carousel of k products,
clicks follow a position-biased relevance model with ad fatigue and a click
can convert. Every strategy sees the same shoppers and the same random draws
(common random numbers). Reports impressions, clicks, CTR with a 95% interval,
purchases, conversion rate, revenue, revenue per 1,000 impressions, coverage
and the share of out-of-stock impressions (0 unless --allow-out-of-stock).
--emit-events writes the simulated log in the canonical schema, so a replay
can be run on it too.

The same flags and --seed give byte-identical output.

EXIT STATUS
  0    success
  2    usage error or unreadable input
  130  interrupted`,
		Example: `  dpa simulate --events examples/events.csv --catalog examples/catalog.csv
  dpa simulate --events yoochoose-clicks.dat --preset yoochoose --by session --test-days 1 -k 20
  dpa simulate --catalog examples/catalog.csv --users 5000 --days 30 --seed 7
  dpa simulate --items 2000 --users 100000 --days 30 -o xlsx --out sim.xlsx --emit-events sim-events.csv`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runSimulate(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	o.Events.register(cmd)
	f.StringVar(&o.Catalog, "catalog", "", "product feed: the simulated catalog, or the replay's eligible products")
	f.StringVar(&o.ProductSet, "product-set", "", "only recommend products this rule accepts (Meta JSON filter or friendly YAML); needs --catalog")
	f.StringSliceVar(&o.Strategies, "strategies", nil, "strategies to compare (default: all: "+strings.Join(rank.StrategyNames(), ",")+")")
	f.IntVarP(&o.K, "k", "k", 10, "carousel length; metrics are computed at k")
	f.StringVarP(&o.Output, "output", "o", "table", "report format: table|json|xlsx")
	f.StringVar(&o.Out, "out", "", "write the report to this file (atomically) instead of stdout")
	f.IntVar(&o.Workers, "workers", 0, "goroutines (default: number of CPUs; results do not depend on it)")
	f.DurationVar(&o.Lookback, "lookback", 14*24*time.Hour, "history window for retarget, crosssell, similar and upsell")
	f.StringVar(&o.Similarity, "similarity", rank.SimCosine, "item-to-item similarity: cosine|lift|conditional")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (shoppers, draws and the random strategy)")

	f.StringVar(&o.Split, "split", "", "replay: first instant of the test window (RFC 3339 or date)")
	f.IntVar(&o.TestDays, "test-days", 0, "replay: test on the last N days (default: the last 20% of the time span)")
	f.StringVar(&o.By, "by", string(sim.ByUser), "replay protocol: user (test-window items of each user) | session (next item in each test session)")
	f.StringVar(&o.Target, "target", string(sim.TargetAny), "replay ground truth: any|cart|purchase")
	f.IntVar(&o.CurveK, "curve-k", 0, "replay: also report hit rate at k = 1..N (default 20 with -o xlsx)")

	f.IntVar(&o.Users, "users", 1000, "synthetic: shoppers")
	f.IntVar(&o.Days, "days", 30, "synthetic: simulated days (ads run from day 2)")
	f.IntVar(&o.Items, "items", 0, "synthetic: generate a catalog of N products instead of --catalog")
	f.StringVar(&o.Start, "start", "2024-01-01", "synthetic: first simulated day")
	f.IntVar(&o.RetrainDays, "retrain-days", 7, "synthetic: rebuild the item model every N days")
	f.StringVar(&o.EmitEvents, "emit-events", "", "synthetic: also write the simulated event log (canonical CSV) to this file")
	f.BoolVar(&o.OrganicOnly, "organic-only", false, "synthetic: only generate the browsing log for --emit-events (no ads; memory bounded by one shopper)")
	fn := &o.Funnel
	f.Float64Var(&fn.VisitRate, "visit-rate", fn.VisitRate, "synthetic: daily chance a shopper visits the shop")
	f.Float64Var(&fn.ViewsPerVisit, "views-per-visit", fn.ViewsPerVisit, "synthetic: mean product views per visit")
	f.Float64Var(&fn.RepeatView, "repeat-view", fn.RepeatView, "synthetic: share of views that revisit a recently viewed product")
	f.Float64Var(&fn.Explore, "explore", fn.Explore, "synthetic: share of views outside the shopper's favourite categories")
	f.Float64Var(&fn.CartRate, "cart-rate", fn.CartRate, "synthetic: mean P(add to cart | view)")
	f.Float64Var(&fn.PurchaseRate, "purchase-rate", fn.PurchaseRate, "synthetic: P(purchase | add to cart) in the same visit")
	ad := &o.Ads
	f.Float64Var(&ad.OpportunityRate, "ad-rate", ad.OpportunityRate, "synthetic: daily chance of an ad slot per shopper")
	f.Float64Var(&ad.ClickBase, "click-base", ad.ClickBase, "synthetic: click probability scale")
	f.Float64Var(&ad.PositionDecay, "position-decay", ad.PositionDecay, "synthetic: examination decay per carousel position")
	f.Float64Var(&ad.Fatigue, "fatigue", ad.Fatigue, "synthetic: click multiplier per earlier impression of the product")
	f.IntVar(&ad.Cap, "cap", ad.Cap, "synthetic: impressions per shopper per --cap-days")
	f.IntVar(&ad.CapDays, "cap-days", ad.CapDays, "synthetic: frequency cap window in days")
	f.Float64Var(&ad.CVR, "cvr", ad.CVR, "synthetic: post-click conversion of a cold click")
	f.Float64Var(&ad.ViewedCVR, "viewed-cvr", ad.ViewedCVR, "synthetic: post-click conversion for a viewed product")
	f.Float64Var(&ad.CartCVR, "cart-cvr", ad.CartCVR, "synthetic: post-click conversion for a carted product")

	_ = cmd.RegisterFlagCompletionFunc("output", fixedCompletion(simulateOutputs...))
	_ = cmd.RegisterFlagCompletionFunc("by", fixedCompletion(sim.Protocols...))
	_ = cmd.RegisterFlagCompletionFunc("target", fixedCompletion(sim.Targets...))
	_ = cmd.RegisterFlagCompletionFunc("strategies", fixedCompletion(rank.StrategyNames()...))
	_ = cmd.RegisterFlagCompletionFunc("similarity", fixedCompletion(rank.SimCosine, rank.SimLift, rank.SimConditional))
	return cmd
}

func (o *simulateOptions) replay() bool { return len(o.Events.Files) > 0 }

func (o *simulateOptions) check(cmd *cobra.Command) error {
	if err := oneOf("output", o.Output, simulateOutputs...); err != nil {
		return err
	}
	if o.Output == "xlsx" && o.Out == "" && o.IO.OutTTY {
		return usageErr("-o xlsx writes a binary workbook: give --out FILE or redirect stdout")
	}
	if !o.replay() && o.Catalog == "" && o.Items <= 0 {
		return usageErr("give --events FILE (replay a log) or --catalog FEED / --items N (simulate shoppers)")
	}
	if o.Catalog != "" && o.Items > 0 {
		return usageErr("--items generates a catalog: do not combine it with --catalog")
	}
	if o.ProductSet != "" && o.Catalog == "" {
		return usageErr("--product-set needs --catalog")
	}
	sts, err := sim.ParseStrategies(o.Strategies)
	if err != nil {
		return usageErr("invalid --strategies: %v", err)
	}
	if len(o.Strategies) > 0 {
		o.strategies = sts
	}
	if err := oneOf("similarity", o.Similarity, rank.SimCosine, rank.SimLift, rank.SimConditional); err != nil {
		return err
	}
	if o.Lookback <= 0 {
		return usageErr("invalid --lookback %s: must be positive", o.Lookback)
	}
	fl := cmd.Flags()
	replayOnly := []string{"split", "test-days", "by", "target", "curve-k"}
	synthOnly := []string{"users", "days", "items", "start", "retrain-days", "emit-events", "organic-only", "visit-rate", "views-per-visit",
		"repeat-view", "explore", "cart-rate", "purchase-rate", "ad-rate", "click-base", "position-decay", "fatigue",
		"cap", "cap-days", "cvr", "viewed-cvr", "cart-cvr"}
	if o.replay() {
		for _, n := range synthOnly {
			if fl.Changed(n) {
				return usageErr("--%s is for synthetic runs (--catalog without --events)", n)
			}
		}
		if o.Split != "" {
			t, err := events.ParseTime(o.Split, nil)
			if err != nil {
				return usageErr("invalid --split %q: %v", o.Split, err)
			}
			o.split = t
		}
		if err := o.replayOptions().Validate(); err != nil {
			return usageErr("%v", err)
		}
		_, err := o.Events.options(o.app)
		return err
	}
	for _, n := range append(replayOnly, "preset", "map", "columns", "events-format", "events-delimiter", "default-event", "timezone") {
		if fl.Changed(n) {
			return usageErr("--%s is for replays (--events FILE)", n)
		}
	}
	if o.OrganicOnly && o.EmitEvents == "" {
		return usageErr("--organic-only needs --emit-events FILE")
	}
	t, err := time.Parse("2006-01-02", o.Start)
	if err != nil {
		return usageErr("invalid --start %q: want YYYY-MM-DD", o.Start)
	}
	o.start = t
	if err := o.syntheticOptions(nil).Validate(); err != nil {
		return usageErr("%v", err)
	}
	return nil
}

// replayOptions maps the flags onto the replay's options (without the
// reader options, the rank filters and progress, which need I/O).
func (o *simulateOptions) replayOptions() *sim.ReplayOptions {
	curve := o.CurveK
	if curve == 0 && o.Output == "xlsx" {
		curve = 20
	}
	return &sim.ReplayOptions{Split: o.split, TestDays: o.TestDays, By: sim.Protocol(o.By), Target: sim.Target(o.Target),
		K: o.K, CurveK: curve, Strategies: o.strategies, Model: rank.ModelConfig{Similarity: o.Similarity}, Workers: o.Workers}
}

// syntheticOptions maps the flags onto the simulation's options.
func (o *simulateOptions) syntheticOptions(cd *catalogData) *sim.SyntheticOptions {
	so := &sim.SyntheticOptions{Items: o.Items, Users: o.Users, Days: o.Days, Seed: o.Seed, K: o.K, Strategies: o.strategies,
		Start: o.start, Funnel: o.Funnel, Ads: o.Ads, Model: rank.ModelConfig{Similarity: o.Similarity}, RetrainDays: o.RetrainDays,
		Workers: o.Workers, OrganicOnly: o.OrganicOnly}
	if cd != nil {
		so.Catalog = cd.Products
	}
	return so
}

// replayReport is the replay JSON contract: sim.ReplayResult plus how the
// log was read (bad rows per reason).
type replayReport struct {
	*sim.ReplayResult
	Events string        `json:"events_file"`
	Read   *events.Stats `json:"read"`
}

func runSimulate(ctx context.Context, o *simulateOptions) error {
	inputs := append(slices.Clone(o.Events.Files), o.Catalog)
	for _, out := range []string{o.Out, o.EmitEvents} {
		if out == "" {
			continue
		}
		if err := render.CheckNotInput(out, inputs); err != nil {
			return usageErr("%s: %v", out, err)
		}
	}
	if o.Out != "" && o.Out == o.EmitEvents {
		return usageErr("--out and --emit-events name the same file")
	}
	var cd *catalogData
	if o.Catalog != "" {
		var err error
		if cd, err = loadCatalog(ctx, o.Catalog, o.IO.In, o.ProductSet); err != nil {
			return err
		}
	}
	prog := render.NewProgress(o.IO.ErrOut, o.IO.ProgressEnabled(o.app.Quiet), o.Now)
	var pmu sync.Mutex
	progress := func(label string) func(done, total int) {
		return func(done, total int) {
			pmu.Lock()
			prog.Update(fmt.Sprintf("%s %d/%d", label, done, total), int64(done), 0)
			pmu.Unlock()
		}
	}
	rk := rank.Options{Lookback: o.Lookback, Seed: o.Seed}
	if cd != nil {
		rk.Catalog = cd.Cat
		rk.ProductSet = cd.rankFilter()
	}

	var emit func(io.Writer) error
	if o.replay() {
		ro, _ := o.Events.options(o.app)
		label := o.Events.label()
		r, closeAll, err := o.Events.open(o.IO.In, func(n int64) { prog.Update("reading "+label, 0, n) })
		if err != nil {
			return err
		}
		opts := o.replayOptions()
		opts.Read, opts.Rank, opts.Progress = ro, rk, progress("ranking")
		res, err := sim.Replay(ctx, r, *opts)
		closeAll()
		prog.Done()
		if err != nil {
			return eventsError(ctx, label, err)
		}
		if !o.app.Quiet {
			writeReadSummary(o.IO.ErrOut, o.IO.ErrStyles(), label, res.Read)
		}
		if cd != nil && !o.app.Quiet && noHits(res.Strategies) {
			fmt.Fprintln(o.IO.ErrOut, o.IO.ErrStyles().Warning(fmt.Sprintf(
				"warning: no strategy recommended a single test item; do the log's item ids match the catalog? (dpa events check --events %s --catalog %s)",
				o.Events.Files[0], o.Catalog)))
		}
		rep := &replayReport{ReplayResult: res, Events: strings.Join(o.Events.Files, ","), Read: &res.Read}
		emit = func(w io.Writer) error {
			switch o.Output {
			case "json":
				return render.WriteJSON(w, rep)
			case "xlsx":
				return render.WriteXLSX(w, replayWorkbook(rep, o))
			}
			return writeReplayTable(w, rep, o, o.tableOptions())
		}
	} else {
		// No debug.SetGCPercent(400) here: on 100k shoppers × 30 days it
		// took as much CPU (39.3 s vs 38.0 s user+sys) and 2.3× the peak
		// RSS (1.25 GB vs 0.55 GB). GOGC still applies for those who want it.
		so := o.syntheticOptions(cd)
		so.Rank, so.Progress = rk, progress("shoppers")
		var res *sim.SynthResult
		run := func(w io.Writer) error {
			so.EmitEvents = w
			var err error
			res, err = sim.Synthetic(ctx, *so)
			return err
		}
		var err error
		if o.EmitEvents != "" {
			err = render.WriteFileAtomic(o.EmitEvents, inputs, run)
		} else {
			err = run(nil)
		}
		prog.Done()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &inputError{err: err}
		}
		if res.Strategies == nil {
			res.Strategies = []sim.SynthStrategy{}
		}
		if o.EmitEvents != "" && !o.app.Quiet {
			fmt.Fprintf(o.IO.ErrOut, "wrote %s (%s events)\n", o.EmitEvents, render.Int(res.Organic.Events))
		}
		emit = func(w io.Writer) error {
			switch o.Output {
			case "json":
				return render.WriteJSON(w, res)
			case "xlsx":
				return render.WriteXLSX(w, synthWorkbook(res, o))
			}
			return writeSynthTable(w, res, o, o.tableOptions())
		}
	}
	return writeOutput(o.IO, o.app.Quiet, o.Out, inputs, emit)
}

// noHits reports whether every strategy scored zero: with a catalog, the
// usual cause is event ids that do not match catalog ids.
func noHits(ss []sim.ReplayStrategy) bool {
	for _, s := range ss {
		if s.HitRate > 0 || s.Coverage > 0 {
			return false
		}
	}
	return len(ss) > 0
}

func (o *simulateOptions) tableOptions() render.TableOptions {
	return render.TableOptions{TTY: o.IO.OutTTY && o.Out == "", Styles: render.NewStyles(o.IO.ColorOut() && o.Out == "")}
}

// bestCells returns, for each column, the rows holding the best value
// (ties all count); columns without a direction are skipped.
func bestCells(vals [][]float64, higher []int) map[[2]int]bool {
	best := map[[2]int]bool{}
	for c, dir := range higher {
		if dir == 0 || len(vals) < 2 {
			continue
		}
		b := math.NaN()
		for r := range vals {
			v := vals[r][c] * float64(dir)
			if math.IsNaN(b) || v > b {
				b = v
			}
		}
		for r := range vals {
			if vals[r][c]*float64(dir) == b {
				best[[2]int{r, c}] = true
			}
		}
	}
	return best
}

func highlightStyle(st *render.Styles, best map[[2]int]bool) func(row, col int, cell string) string {
	if st == nil || !st.Color() {
		return nil
	}
	return func(row, col int, cell string) string {
		if best[[2]int{row, col}] {
			return st.Highlight(cell)
		}
		return cell
	}
}

func dec4(x float64) string { return fmt.Sprintf("%.4f", x) }

func pct2dp(x float64) string { return fmt.Sprintf("%.2f%%", x*100) }

func writeReplayTable(w io.Writer, rep *replayReport, o *simulateOptions, opts render.TableOptions) error {
	st := opts.Styles
	sp := rep.Split
	fmt.Fprintln(w, st.Title("Replay of "+rep.Events))
	kv := [][2]string{
		{"Protocol", fmt.Sprintf("by %s, target %s, k %d", sp.By, sp.Target, rep.K)},
		{"Log span", sp.Start.Format("2006-01-02 15:04") + " → " + sp.End.Format("2006-01-02 15:04") + " UTC"},
		{"Split", sp.At.Format("2006-01-02 15:04:05") + " UTC (" + sp.Rule + ")"},
		{"Training", fmt.Sprintf("%s events, %s users", render.Int(sp.TrainEvents), render.Int(sp.TrainUsers))},
	}
	if sp.By == sim.BySession {
		kv = append(kv, [2]string{"Test", fmt.Sprintf("%s events in %s sessions", render.Int(sp.TestEvents), render.Int(sp.Sessions))})
	} else {
		kv = append(kv, [2]string{"Test", fmt.Sprintf("%s events, %s users (%s cold)", render.Int(sp.TestEvents), render.Int(sp.TestUsers), render.Int(sp.ColdUsers))})
	}
	kv = append(kv, [2]string{"Test cases", render.Int(sp.Cases)}, [2]string{"Catalog", render.Int(sp.Items) + " items ranked"})
	if o.Catalog != "" {
		kv = append(kv, [2]string{"Eligible from", o.Catalog})
	}
	fmt.Fprintln(w, st.KeyValues(kv))
	fmt.Fprintln(w)
	if err := writeReplayStrategies(w, rep.Strategies, rep.K, true, opts); err != nil {
		return err
	}
	if rep.Cold != nil && len(rep.Cold.Strategies) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, st.Bold(fmt.Sprintf("Cold users (no training history): %s, prospecting strategies only", render.Int(rep.Cold.Users))))
		if err := writeReplayStrategies(w, rep.Cold.Strategies, rep.K, false, opts); err != nil {
			return err
		}
	}
	return nil
}

func writeReplayStrategies(w io.Writer, ss []sim.ReplayStrategy, k int, warm bool, opts render.TableOptions) error {
	at := fmt.Sprintf("@%d", k)
	cols := []string{"strategy", "cases", "hit rate" + at, "precision" + at, "recall" + at, "NDCG" + at, "MRR" + at}
	higher := []int{0, 0, 1, 1, 1, 1, 1}
	if warm {
		cols = append(cols, "coverage", "popularity bias")
		higher = append(higher, 1, 0)
	}
	t := render.Table{Columns: cols, Align: []string{"left"}}
	for range cols[1:] {
		t.Align = append(t.Align, "right")
	}
	var vals [][]float64
	for _, s := range ss {
		row := []string{string(s.Name), render.Int(s.Users), dec4(s.HitRate), dec4(s.Precision), dec4(s.Recall), dec4(s.NDCG), dec4(s.MRR)}
		v := []float64{0, 0, s.HitRate, s.Precision, s.Recall, s.NDCG, s.MRR}
		if warm {
			row = append(row, render.Percent(s.Coverage), dec4(s.PopularityBias))
			v = append(v, s.Coverage, s.PopularityBias)
		}
		t.Rows = append(t.Rows, row)
		vals = append(vals, v)
	}
	opts.RowStyle = highlightStyle(opts.Styles, bestCells(vals, higher))
	return render.WriteTable(w, t, opts)
}

func writeSynthTable(w io.Writer, res *sim.SynthResult, o *simulateOptions, opts render.TableOptions) error {
	st := opts.Styles
	s := res.Settings
	cat := o.Catalog
	if cat == "" {
		cat = "generated"
	}
	fmt.Fprintln(w, st.Title("Synthetic campaign"))
	org := res.Organic
	fmt.Fprintln(w, st.KeyValues([][2]string{
		{"Catalog", fmt.Sprintf("%s: %s items, %s in stock", cat, render.Int(s.Items), render.Int(s.InStock))},
		{"Shoppers", render.Int(res.Users)},
		{"Days", fmt.Sprintf("%d from %s (ads from day 2, model retrained every %d days)", res.Days, s.Start, s.RetrainDays)},
		{"Seed", fmt.Sprint(res.Seed)},
		{"Carousel", fmt.Sprintf("k %d", res.K)},
		{"Funnel", fmt.Sprintf("visit %g/day, %g views/visit, view→cart %g, cart→purchase %g",
			s.Funnel.VisitRate, s.Funnel.ViewsPerVisit, s.Funnel.CartRate, s.Funnel.PurchaseRate)},
		{"Ads", fmt.Sprintf("slot %g/day, click base %g, position decay %g, fatigue %g, cap %d per %d days",
			s.Ads.OpportunityRate, s.Ads.ClickBase, s.Ads.PositionDecay, s.Ads.Fatigue, s.Ads.Cap, s.Ads.CapDays)},
		{"Organic", fmt.Sprintf("%s visits, %s views, %s carts, %s purchases, revenue %.2f",
			render.Int(org.Visits), render.Int(org.Views), render.Int(org.Carts), render.Int(org.Purchases), org.Revenue)},
	}))
	fmt.Fprintln(w)
	if len(res.Strategies) == 0 {
		fmt.Fprintln(w, "No ads simulated (--organic-only): the browsing log is in --emit-events.")
		return nil
	}
	cols := []string{"strategy", "impressions", "clicks", "CTR", "CTR 95% CI", "purchases", "CVR", "revenue", "RPM", "coverage", "OOS", "reach"}
	higher := []int{0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0}
	t := render.Table{Columns: cols, Align: []string{"left"}}
	for range cols[1:] {
		t.Align = append(t.Align, "right")
	}
	var vals [][]float64
	for _, x := range res.Strategies {
		t.Rows = append(t.Rows, []string{string(x.Name), render.Int64(x.Impressions), render.Int64(x.Clicks), pct2dp(x.CTR),
			pct2dp(x.CTRCI[0]) + "–" + pct2dp(x.CTRCI[1]), render.Int64(x.Purchases), pct2dp(x.CVR),
			fmt.Sprintf("%.2f", x.Revenue), fmt.Sprintf("%.2f", x.RPM), render.Percent(x.Coverage), render.Percent(x.OOSShare), render.Int64(x.Reach)})
		vals = append(vals, []float64{0, 0, float64(x.Clicks), x.CTR, 0, float64(x.Purchases), x.CVR, x.Revenue, x.RPM, x.Coverage, 0, 0})
	}
	opts.RowStyle = highlightStyle(opts.Styles, bestCells(vals, higher))
	if err := render.WriteTable(w, t, opts); err != nil {
		return err
	}
	fmt.Fprintln(w, st.Muted("CTR = clicks/impressions, CVR = purchases/clicks, RPM = revenue per 1,000 impressions, OOS = out-of-stock share of shown products"))
	return nil
}

// col is the spreadsheet column letter of a 0-based index (< 702).
func sheetCol(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return string(rune('A'+i/26-1)) + string(rune('A'+i%26))
}

func seriesOf(sheet string, n, catCol, valCol int) render.ChartSeries {
	return render.ChartSeries{
		Name:       fmt.Sprintf("'%s'!$%s$1", sheet, sheetCol(valCol)),
		Categories: fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheet, sheetCol(catCol), sheetCol(catCol), n+1),
		Values:     fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheet, sheetCol(valCol), sheetCol(valCol), n+1),
	}
}

func replayWorkbook(rep *replayReport, o *simulateOptions) render.Workbook {
	sp := rep.Split
	at := fmt.Sprintf("@%d", rep.K)
	res := render.Sheet{Name: "Results", ForExcel: true, Freeze: true,
		Columns: []string{"strategy", "cases", "hit rate" + at, "precision" + at, "recall" + at, "NDCG" + at, "MRR" + at, "coverage", "popularity bias"}}
	for _, s := range rep.Strategies {
		res.Rows = append(res.Rows, []any{s.Name, s.Users, s.HitRate, s.Precision, s.Recall, s.NDCG, s.MRR, s.Coverage, s.PopularityBias})
	}
	n := len(res.Rows)
	if n > 0 {
		res.Charts = []render.Chart{{Type: "col", Title: "Accuracy" + at + " by strategy", Cell: "K2", YTitle: "score",
			Series: []render.ChartSeries{seriesOf("Results", n, 0, 2), seriesOf("Results", n, 0, 5), seriesOf("Results", n, 0, 6)}},
			{Type: "bar", Title: "Catalog coverage by strategy", Cell: "K20", Series: []render.ChartSeries{seriesOf("Results", n, 0, 7)}}}
	}
	wb := render.Workbook{Sheets: []render.Sheet{res}}
	if len(rep.Strategies) > 0 && len(rep.Strategies[0].HitRateByK) > 0 {
		curve := render.Sheet{Name: "Hit rate by k", ForExcel: true, Columns: []string{"k"}}
		for _, s := range rep.Strategies {
			curve.Columns = append(curve.Columns, string(s.Name))
		}
		nk := len(rep.Strategies[0].HitRateByK)
		for k := 0; k < nk; k++ {
			row := []any{k + 1}
			for _, s := range rep.Strategies {
				row = append(row, s.HitRateByK[k])
			}
			curve.Rows = append(curve.Rows, row)
		}
		var series []render.ChartSeries
		for i := range rep.Strategies {
			series = append(series, seriesOf("Hit rate by k", nk, 0, i+1))
		}
		curve.Charts = []render.Chart{{Type: "line", Title: "Hit rate by k", Cell: sheetCol(len(curve.Columns)+1) + "2", XTitle: "k", YTitle: "hit rate", Series: series}}
		wb.Sheets = append(wb.Sheets, curve)
	}
	if rep.Cold != nil && len(rep.Cold.Strategies) > 0 {
		cold := render.Sheet{Name: "Cold users", ForExcel: true,
			Columns: []string{"strategy", "users", "hit rate" + at, "precision" + at, "recall" + at, "NDCG" + at, "MRR" + at}}
		for _, s := range rep.Cold.Strategies {
			cold.Rows = append(cold.Rows, []any{s.Name, s.Users, s.HitRate, s.Precision, s.Recall, s.NDCG, s.MRR})
		}
		wb.Sheets = append(wb.Sheets, cold)
	}
	settings := render.Sheet{Name: "Settings", ForExcel: true, Columns: []string{"setting", "value"}, Rows: [][]any{
		{"mode", "replay"}, {"events", rep.Events}, {"catalog", o.Catalog}, {"k", rep.K}, {"by", sp.By}, {"target", sp.Target},
		{"split rule", sp.Rule}, {"split at", sp.At.Format(time.RFC3339)}, {"log start", sp.Start.Format(time.RFC3339)},
		{"log end", sp.End.Format(time.RFC3339)}, {"train events", sp.TrainEvents}, {"test events", sp.TestEvents},
		{"train users", sp.TrainUsers}, {"test users", sp.TestUsers}, {"cold users", sp.ColdUsers}, {"test sessions", sp.Sessions},
		{"test cases", sp.Cases}, {"items", sp.Items}, {"events read", rep.Read.Events}, {"bad rows", rep.Read.BadRows()}}}
	for _, b := range rep.Read.Bad {
		settings.Rows = append(settings.Rows, []any{"bad rows: " + b.Reason, b.Count})
	}
	wb.Sheets = append(wb.Sheets, settings)
	return wb
}

func synthWorkbook(r *sim.SynthResult, o *simulateOptions) render.Workbook {
	res := render.Sheet{Name: "Results", ForExcel: true, Freeze: true,
		Columns: []string{"strategy", "impressions", "clicks", "CTR", "CTR low", "CTR high", "purchases", "CVR", "revenue", "RPM", "coverage", "OOS share", "reach"}}
	for _, x := range r.Strategies {
		res.Rows = append(res.Rows, []any{x.Name, x.Impressions, x.Clicks, x.CTR, x.CTRCI[0], x.CTRCI[1], x.Purchases, x.CVR, x.Revenue, x.RPM, x.Coverage, x.OOSShare, x.Reach})
	}
	if n := len(res.Rows); n > 0 {
		res.Charts = []render.Chart{
			{Type: "col", Title: "CTR by strategy", Cell: "O2", YTitle: "CTR", Series: []render.ChartSeries{seriesOf("Results", n, 0, 3)}},
			{Type: "col", Title: "Revenue by strategy", Cell: "O20", Series: []render.ChartSeries{seriesOf("Results", n, 0, 8)}},
			{Type: "bar", Title: "Revenue per 1,000 impressions", Cell: "O38", Series: []render.ChartSeries{seriesOf("Results", n, 0, 9)}},
		}
	}
	s := r.Settings
	cat := o.Catalog
	if cat == "" {
		cat = "generated"
	}
	settings := render.Sheet{Name: "Settings", ForExcel: true, Columns: []string{"setting", "value"}, Rows: [][]any{
		{"mode", "synthetic"}, {"catalog", cat}, {"items", s.Items}, {"in stock", s.InStock}, {"shoppers", r.Users}, {"days", r.Days},
		{"start", s.Start}, {"seed", fmt.Sprint(r.Seed)}, {"k", r.K}, {"retrain days", s.RetrainDays},
		{"visit rate", s.Funnel.VisitRate}, {"views per visit", s.Funnel.ViewsPerVisit}, {"repeat view", s.Funnel.RepeatView},
		{"explore", s.Funnel.Explore}, {"cart rate", s.Funnel.CartRate}, {"purchase rate", s.Funnel.PurchaseRate},
		{"ad rate", s.Ads.OpportunityRate}, {"click base", s.Ads.ClickBase}, {"position decay", s.Ads.PositionDecay},
		{"view boost", s.Ads.ViewBoost}, {"cart boost", s.Ads.CartBoost}, {"fatigue", s.Ads.Fatigue}, {"show decay", s.Ads.ShowDecay},
		{"cap", s.Ads.Cap}, {"cap days", s.Ads.CapDays}, {"cvr", s.Ads.CVR}, {"viewed cvr", s.Ads.ViewedCVR}, {"cart cvr", s.Ads.CartCVR},
		{"organic events", r.Organic.Events}, {"organic visits", r.Organic.Visits}, {"organic views", r.Organic.Views},
		{"organic carts", r.Organic.Carts}, {"organic purchases", r.Organic.Purchases}, {"organic revenue", r.Organic.Revenue}}}
	return render.Workbook{Sheets: []render.Sheet{res, settings}}
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/campaign/events"
	itemmodel "github.com/dpa-tools/dpa/campaign/model"
	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/campaign/sim"
	"github.com/dpa-tools/dpa/render"
)

type modelBuildOptions struct {
	IO  *render.Streams
	app *app

	Events     eventFlags
	Out        string
	For        string
	Split      string
	TestDays   int
	By         string
	Target     string
	Similarity string
	AllPairs   bool
	Engine     string
	Dialect    string
	PrintSQL   bool
	Table      string
	Cols       []string

	split time.Time
}

func newModelCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model",
		Short: "Build the item model (co-occurrence counts) as a Parquet artifact",
		Args:  usageArgs(cobra.NoArgs),
	}
	cmd.AddCommand(newModelBuildCmd(a, nil))
	return cmd
}

func newModelBuildCmd(a *app, runF func(context.Context, *modelBuildOptions) error) *cobra.Command {
	o := &modelBuildOptions{IO: a.IO, app: a}
	cmd := &cobra.Command{
		Use:   "build --events LOG --out model.parquet [flags]",
		Short: "Write what replay and recommend train on, for --model",
		Long: `Count what dpa's item model is trained on and write it as Parquet: per
graph (view: items seen in one session; buy: items one user carted or bought)
the number of baskets, how many baskets hold each item and the co-occurrence
count of each item's top neighbours (every pair with --all-pairs), plus each
item's training interactions (popularity) and purchases. The metadata
(key "dpa.model") records the similarity, the neighbour count and the window.

--for recommend (default) counts the whole log, for dpa recommend --model.
--for replay counts the training events of the replay split (--split,
--test-days, --by, --target as for dpa simulate --events), for dpa simulate
--events LOG --model FILE, which checks that its split is the model's.

Similarity scores are never stored: dpa computes them from the counts, so the
ranking cannot drift with the engine that counted.

EXIT STATUS
  0    success
  2    usage error or unreadable input
  130  interrupted`,
		Example: `  dpa model build --events events.parquet --out model.parquet
  dpa recommend --events events.parquet --model model.parquet --user u1
  dpa model build --events log.csv --for replay --test-days 7 --out m.parquet
  dpa simulate --events log.csv --test-days 7 --model m.parquet`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runModelBuild(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	o.Events.register(cmd)
	f.StringVar(&o.Out, "out", "", "the artifact to write (Parquet; atomically)")
	f.StringVar(&o.For, "for", "recommend", "window: recommend (the whole log) | replay (the training events of the replay split)")
	f.StringVar(&o.Split, "split", "", "replay: first instant of the test window (RFC 3339 or date)")
	f.IntVar(&o.TestDays, "test-days", 0, "replay: test on the last N days (default: the last 20% of the time span)")
	f.StringVar(&o.By, "by", string(sim.ByUser), "replay protocol: user|session")
	f.StringVar(&o.Target, "target", string(sim.TargetAny), "replay ground truth: any|cart|purchase")
	f.StringVar(&o.Similarity, "similarity", rank.DefaultSimilarity, "similarity that picks each item's top neighbours: conditional|cosine|lift")
	f.BoolVar(&o.AllPairs, "all-pairs", false, "list every co-occurrence count, not only the top neighbours (serves any --similarity)")
	f.StringVar(&o.Engine, "engine", "go", "go (count here) | sql (print the aggregation for a warehouse with --print-sql)")
	f.StringVar(&o.Dialect, "dialect", "", "SQL dialect for --engine sql: "+strings.Join(itemmodel.Dialects, "|"))
	f.BoolVar(&o.PrintSQL, "print-sql", false, "--engine sql: print the query on stdout")
	f.StringVar(&o.Table, "table", "", "--engine sql: the warehouse table of events (project.dataset.table)")
	f.StringSliceVar(&o.Cols, "column", nil, "--engine sql: column names, CANONICAL=NAME for user_id, session_id (empty: none), event, item_id, timestamp (defaults: the canonical names)")
	_ = cmd.RegisterFlagCompletionFunc("for", fixedCompletion("recommend", "replay"))
	_ = cmd.RegisterFlagCompletionFunc("engine", fixedCompletion("go", "sql"))
	_ = cmd.RegisterFlagCompletionFunc("dialect", fixedCompletion(itemmodel.Dialects...))
	_ = cmd.RegisterFlagCompletionFunc("similarity", fixedCompletion(rank.SimCosine, rank.SimLift, rank.SimConditional))
	return cmd
}

func (o *modelBuildOptions) check(cmd *cobra.Command) error {
	if err := oneOf("engine", o.Engine, "go", "sql"); err != nil {
		return err
	}
	if o.Engine == "sql" {
		return o.checkSQL(cmd)
	}
	for _, n := range []string{"dialect", "print-sql", "table", "column"} {
		if cmd.Flags().Changed(n) {
			return usageErr("--%s is for --engine sql", n)
		}
	}
	if len(o.Events.Files) == 0 {
		return usageErr("--events LOG is required")
	}
	if o.Out == "" {
		return usageErr("--out FILE is required (the artifact is Parquet, not for a terminal)")
	}
	if err := oneOf("for", o.For, "recommend", "replay"); err != nil {
		return err
	}
	if err := oneOf("similarity", o.Similarity, rank.SimCosine, rank.SimLift, rank.SimConditional); err != nil {
		return err
	}
	if o.For == "recommend" {
		for _, n := range []string{"split", "test-days", "by", "target"} {
			if cmd.Flags().Changed(n) {
				return usageErr("--%s is for --for replay", n)
			}
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
	if err := render.CheckNotInput(o.Out, o.Events.Files); err != nil {
		return usageErr("--out %s: %v", o.Out, err)
	}
	return o.Events.parse(o.app)
}

func (o *modelBuildOptions) replayOptions() *sim.ReplayOptions {
	return &sim.ReplayOptions{Split: o.split, TestDays: o.TestDays, By: sim.Protocol(o.By), Target: sim.Target(o.Target), K: 10,
		Model: rank.ModelConfig{Similarity: o.Similarity, AllPairs: o.AllPairs}}
}

func runModelBuild(ctx context.Context, o *modelBuildOptions) error {
	if o.Engine == "sql" {
		q, err := o.sql()
		if err != nil {
			return usageErr("%v", err)
		}
		_, err = io.WriteString(o.IO.Out, q)
		return err
	}
	ro := o.Events.opts
	label := o.Events.label()
	r, closeAll, err := o.Events.open(o.IO.In, nil)
	if err != nil {
		return err
	}
	cfg := rank.ModelConfig{Similarity: o.Similarity, AllPairs: o.AllPairs}
	meta := itemmodel.Meta{Builder: "dpa", Similarity: o.Similarity, Neighbours: 50, MaxBasket: 50, MinCount: 1,
		SessionGap: events.DefaultSessionGap.String(), AllPairs: o.AllPairs, Window: o.For}
	var m *rank.Model
	var st events.Stats
	if o.For == "replay" {
		var lg *sim.Log
		lg, err = sim.LoadLog(ctx, r, ro)
		if err == nil {
			st = lg.Stats
			var sp sim.SplitInfo
			m, sp, err = sim.TrainModel(ctx, lg, *o.replayOptions())
			meta.Split = &itemmodel.Split{By: string(sp.By), Target: string(sp.Target), Rule: sp.Rule, At: sp.At}
			meta.Events = sp.TrainEvents
		}
	} else {
		m, st, err = sim.BuildModel(ctx, r, ro, cfg)
		meta.Events = st.Events
	}
	closeAll()
	if err != nil {
		return eventsError(ctx, label, err)
	}
	if !o.app.Quiet {
		writeReadSummary(o.IO.ErrOut, o.IO.ErrStyles(), label, st)
	}
	if st.Events == 0 {
		return &inputError{err: fmt.Errorf("%s: no usable events", label)}
	}
	meta.From, meta.To = st.MinTime.UTC(), st.MaxTime.UTC()
	g := m.Graphs()
	if err := render.WriteFileAtomic(o.Out, o.Events.Files, func(w io.Writer) error { return itemmodel.Write(w, g, meta) }); err != nil {
		return &inputError{err: fmt.Errorf("--out %s: %w", o.Out, err)}
	}
	if !o.app.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "wrote %s: %s items, %s co-view and %s co-purchase pairs (%s)\n", o.Out,
			render.Int(len(g.Popularity)), render.Int(len(g.View.Pairs)), render.Int(len(g.Buy.Pairs)), o.For)
	}
	return nil
}

// loadModelFile reads a --model artifact and checks that it can serve cfg
// for the given use ("recommend" or "replay").
func loadModelFile(path, use string, cfg rank.ModelConfig) (*rank.Graphs, itemmodel.Meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, itemmodel.Meta{}, &inputError{err: fmt.Errorf("--model: %w", err)}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, itemmodel.Meta{}, &inputError{err: fmt.Errorf("--model: %w", err)}
	}
	g, meta, err := itemmodel.Read(f, fi.Size(), path)
	if err != nil {
		return nil, meta, &inputError{err: err}
	}
	if err := meta.Check(cfg); err != nil {
		return nil, meta, usageErr("--model %s: %v", path, err)
	}
	if meta.Window != "" && meta.Window != use {
		return nil, meta, usageErr("--model %s was built --for %s; this needs one built --for %s", path, meta.Window, use)
	}
	return g, meta, nil
}

// checkModelSplit refuses a replay whose split is not the one the --model
// artifact was trained for: its counts would include test events.
func checkModelSplit(path string, meta itemmodel.Meta, sp sim.SplitInfo) error {
	if meta.Split == nil {
		return nil // built by the SQL: the user chose its window
	}
	if !meta.Split.At.Equal(sp.At) || meta.Split.By != string(sp.By) {
		return usageErr("--model %s was trained for a split at %s (--by %s); this replay splits at %s (--by %s): build the model with the same --split/--test-days/--by",
			path, meta.Split.At.Format(time.RFC3339), meta.Split.By, sp.At.Format(time.RFC3339), sp.By)
	}
	return nil
}

func (o *modelBuildOptions) checkSQL(cmd *cobra.Command) error {
	if !o.PrintSQL {
		return usageErr("--engine sql prints the query for the warehouse: add --print-sql (run it there, export the result as Parquet, pass it to --model)")
	}
	if err := oneOf("dialect", o.Dialect, itemmodel.Dialects...); err != nil {
		return err
	}
	if o.Table == "" {
		return usageErr("--engine sql needs --table (the warehouse table of events)")
	}
	for _, n := range []string{"events", "out", "all-pairs", "similarity", "test-days", "by", "target"} {
		if cmd.Flags().Changed(n) {
			return usageErr("--%s is not for --engine sql (the query lists every pair; --split sets the training window)", n)
		}
	}
	if o.Split != "" {
		t, err := events.ParseTime(o.Split, nil)
		if err != nil {
			return usageErr("invalid --split %q: %v", o.Split, err)
		}
		o.split = t
	}
	_, err := o.sql()
	if err != nil {
		return usageErr("%v", err)
	}
	return nil
}

// sql builds the query from --dialect, --table, --column and --split.
func (o *modelBuildOptions) sql() (string, error) {
	spec := itemmodel.SQLSpec{Dialect: o.Dialect, Table: o.Table, Split: o.split,
		User: events.ColUserID, Session: events.ColSessionID, Event: events.ColEvent, Item: events.ColItemID, Time: events.ColTimestamp}
	for _, kv := range o.Cols {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return "", fmt.Errorf("invalid --column %q: write CANONICAL=NAME", kv)
		}
		switch strings.TrimSpace(k) {
		case events.ColUserID:
			spec.User = v
		case events.ColSessionID:
			spec.Session = v
		case events.ColEvent:
			spec.Event = v
		case events.ColItemID:
			spec.Item = v
		case events.ColTimestamp:
			spec.Time = v
		default:
			return "", fmt.Errorf("invalid --column %q: CANONICAL is user_id, session_id, event, item_id or timestamp", kv)
		}
	}
	return itemmodel.SQL(spec)
}

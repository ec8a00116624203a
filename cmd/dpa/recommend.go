package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/campaign/events"
	itemmodel "github.com/dpa-tools/dpa/campaign/model"
	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/campaign/sim"
	"github.com/dpa-tools/dpa/render"
)

type recommendOptions struct {
	IO  *render.Streams
	Now func() time.Time
	app *app

	Events          eventFlags
	Catalog         string
	ProductSet      string
	User            string
	AllUsers        bool
	Strategy        string
	K               int
	At              string
	Lookback        time.Duration
	Similarity      string
	ModelFile       string
	AllowOutOfStock bool
	KeepPurchased   bool
	Seed            uint64
	History         int
	Workers         int
	Output          string
	Out             string
	Shard           string

	at    time.Time
	shard sim.Shard
}

var recommendOutputs = []string{"table", "json", "csv"}

func newRecommendCmd(a *app, runF func(context.Context, *recommendOptions) error) *cobra.Command {
	o := &recommendOptions{IO: a.IO, Now: a.Now, app: a}
	cmd := &cobra.Command{
		Use:   "recommend --events FILE (--user ID | --all-users) [flags]",
		Short: "Show the products a shopper's dynamic ad would carry, and why",
		Long: `Train the ranking engine on an event log and show the carousel a shopper
would see as of the log's last event (or --at): rank, item, score and the
reason for each product (e.g. "added to cart 2 days ago", "bought together with
SKU-12, lift 3.1"), with titles from --catalog when given. The catalog also
applies the in-stock filter and --product-set.

--all-users writes every shopper's top k as CSV (user, strategy, rank, item,
score, reason, stage: the list the item came from), streamed in user id order (bytewise). --shard I/N writes only
the users whose id's FNV-1a 64 hash is I mod N (every shard trains on the
whole log): dpa merge interleaves the N parts into exactly the unsharded file.

Strategies: ` + strings.Join(rank.StrategyNames(), ", ") + `. auto routes cart
abandoners to their cart items then complements, viewers to viewed items then
similar ones, recent buyers to cross-sell and unknown shoppers to trending and
bestsellers.

EXIT STATUS
  0    success
  2    usage error or unreadable input
  130  interrupted`,
		Example: `  dpa recommend --events examples/events.csv --catalog examples/catalog.csv --user u003
  dpa recommend --events events.csv --user 541312140 --strategy crosssell -k 5 -o json
  dpa recommend --events events.csv.gz --catalog feed.csv --all-users --out recs.csv`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runRecommend(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	o.Events.register(cmd)
	f.StringVar(&o.Catalog, "catalog", "", "product feed: titles, stock, groups, prices (recommendations are restricted to it)")
	f.StringVar(&o.ProductSet, "product-set", "", `only recommend products this rule accepts (Meta JSON filter or the friendly YAML form, e.g. "brand: Northwind"); needs --catalog`)
	f.StringVar(&o.User, "user", "", "the shopper (user_id, or session id for anonymous logs)")
	f.BoolVar(&o.AllUsers, "all-users", false, "every shopper's top k as CSV (use with --out; Parquet when its name ends in .parquet)")
	f.StringVar(&o.Strategy, "strategy", string(rank.Auto), "ranking strategy: "+strings.Join(rank.StrategyNames(), "|"))
	f.IntVarP(&o.K, "k", "k", 10, "products per carousel")
	f.StringVar(&o.At, "at", "", "rank as of this time (RFC 3339 or date; default: the log's last event)")
	f.DurationVar(&o.Lookback, "lookback", 14*24*time.Hour, "history window for retarget, crosssell, similar and upsell")
	f.StringVar(&o.Similarity, "similarity", rank.DefaultSimilarity, "item-to-item similarity: conditional|cosine|lift")
	f.StringVar(&o.ModelFile, "model", "", "take the item-to-item counts from this artifact (dpa model build) instead of counting the log")
	f.BoolVar(&o.AllowOutOfStock, "allow-out-of-stock", false, "do not drop out-of-stock catalog items")
	f.BoolVar(&o.KeepPurchased, "keep-purchased", false, "allow products the shopper already bought")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of the random strategy")
	f.IntVar(&o.History, "history", 10, "recent events of the shopper shown in the table (0 = none)")
	f.IntVar(&o.Workers, "workers", 0, "ranking goroutines for --all-users (default: number of CPUs)")
	f.StringVarP(&o.Output, "output", "o", "table", "format: table|json for --user; csv for --all-users")
	f.StringVar(&o.Out, "out", "", "write to this file (atomically) instead of stdout")
	f.StringVar(&o.Shard, "shard", "", "with --all-users: only the users whose id hashes to I mod N (I/N, e.g. 0/4); dpa merge joins the parts")
	_ = cmd.RegisterFlagCompletionFunc("strategy", fixedCompletion(rank.StrategyNames()...))
	_ = cmd.RegisterFlagCompletionFunc("similarity", fixedCompletion(rank.SimCosine, rank.SimLift, rank.SimConditional))
	_ = cmd.RegisterFlagCompletionFunc("output", fixedCompletion(recommendOutputs...))
	return cmd
}

func (o *recommendOptions) check() error {
	if len(o.Events.Files) == 0 {
		return usageErr("--events is required")
	}
	if (o.User == "") == !o.AllUsers {
		return usageErr("give exactly one of --user ID and --all-users")
	}
	if err := oneOf("output", o.Output, recommendOutputs...); err != nil {
		return err
	}
	if o.AllUsers && o.Output == "json" {
		return usageErr("--all-users writes CSV (user, strategy, rank, item, score, reason, stage); -o json is for --user")
	}
	if !o.AllUsers && o.Output == "csv" {
		return usageErr("-o csv is for --all-users; use -o table or -o json with --user")
	}
	if o.Shard != "" {
		if !o.AllUsers {
			return usageErr("--shard splits --all-users: a single --user needs no shards")
		}
		sh, err := sim.ParseShard(o.Shard)
		if err != nil {
			return usageErr("--shard: %v", err)
		}
		o.shard = sh
	}
	st, err := rank.ParseStrategy(o.Strategy)
	if err != nil {
		return usageErr("invalid --strategy %q: allowed values are %s", o.Strategy, strings.Join(rank.StrategyNames(), ", "))
	}
	o.Strategy = string(st)
	if err := oneOf("similarity", o.Similarity, rank.SimCosine, rank.SimLift, rank.SimConditional); err != nil {
		return err
	}
	if o.K < 1 || o.K > 1000 {
		return usageErr("invalid -k %d: must be between 1 and 1000", o.K)
	}
	if o.Lookback <= 0 {
		return usageErr("invalid --lookback %s: must be positive", o.Lookback)
	}
	if o.ProductSet != "" && o.Catalog == "" {
		return usageErr("--product-set needs --catalog")
	}
	if o.History < 0 {
		return usageErr("invalid --history %d: must be 0 or more", o.History)
	}
	if o.At != "" {
		t, err := events.ParseTime(o.At, nil)
		if err != nil {
			return usageErr("invalid --at %q: %v", o.At, err)
		}
		o.at = t
	}
	return o.Events.parse(o.app)
}

// recommendReport is the JSON contract of `dpa recommend --user`
// (schema_version 1).
type recommendReport struct {
	SchemaVersion   int            `json:"schema_version"`
	User            string         `json:"user"`
	Known           bool           `json:"known"`
	Strategy        string         `json:"strategy"`
	Segment         string         `json:"segment"`
	AsOf            time.Time      `json:"as_of"`
	K               int            `json:"k"`
	History         []historyEvent `json:"history"`
	Recommendations []recItem      `json:"recommendations"`
	Read            events.Stats   `json:"read"`
}

type historyEvent struct {
	Time   time.Time `json:"timestamp"`
	Event  string    `json:"event"`
	ItemID string    `json:"item_id"`
	Title  string    `json:"title,omitempty"`
}

type recItem struct {
	Rank     int     `json:"rank"`
	ItemID   string  `json:"item_id"`
	Score    float64 `json:"score"`
	Reason   string  `json:"reason,omitempty"`
	Strategy string  `json:"strategy"`
	// Stage is the list the item came from (rank.Rec.Stage): the order's
	// basis is stage first, then score within the stage.
	Stage    int     `json:"stage"`
	Title    string  `json:"title,omitempty"`
	Price    float64 `json:"price,omitempty"`
	Currency string  `json:"currency,omitempty"`
}

var kindEvent = map[rank.Kind]events.Type{
	rank.KindView: events.ViewContent, rank.KindSearch: events.Search, rank.KindCart: events.AddToCart,
	rank.KindCheckout: events.InitiateCheckout, rank.KindPurchase: events.Purchase,
}

func runRecommend(ctx context.Context, o *recommendOptions) error {
	ro := o.Events.opts
	inputs := append(slices.Clone(o.Events.Files), o.Catalog)
	if o.Out != "" {
		if err := render.CheckNotInput(o.Out, inputs); err != nil {
			return usageErr("--out %s: %v", o.Out, err)
		}
	}
	var cd *catalogData
	if o.Catalog != "" {
		var err error
		if cd, err = loadCatalog(ctx, o.Catalog, o.IO.In, o.ProductSet); err != nil {
			return err
		}
	}
	prog := render.NewProgress(o.IO.ErrOut, o.IO.ProgressEnabled(o.app.Quiet), o.Now)
	label := o.Events.label()
	r, closeAll, err := o.Events.open(o.IO.In, func(n int64) { prog.Update("reading "+label, 0, n) })
	if err != nil {
		return err
	}
	cfg := rank.ModelConfig{Similarity: o.Similarity}
	var graphs *rank.Graphs
	if o.ModelFile != "" {
		if graphs, _, err = loadModelFile(o.ModelFile, "recommend", cfg); err != nil {
			closeAll()
			return err
		}
	}
	model, st, err := sim.BuildModelWith(ctx, r, ro, cfg, graphs)
	closeAll()
	prog.Done()
	if err != nil {
		return eventsError(ctx, label, err)
	}
	if !o.app.Quiet {
		writeReadSummary(o.IO.ErrOut, o.IO.ErrStyles(), label, st)
	}
	if st.Events == 0 {
		return &inputError{err: fmt.Errorf("%s: no usable events", label)}
	}
	now := st.MaxTime
	if !o.at.IsZero() {
		now = o.at
	}
	opts := rank.Options{Lookback: o.Lookback, AllowOutOfStock: o.AllowOutOfStock, KeepPurchased: o.KeepPurchased, Seed: o.Seed}
	if cd != nil {
		opts.Catalog = cd.Cat
		opts.ProductSet = cd.rankFilter()
	}
	if o.AllUsers {
		return o.writeAll(ctx, model, now, opts, inputs, prog)
	}

	h := model.History(o.User)
	known := model.HasUser(o.User)
	if !known {
		h = rank.History{UserID: o.User}
		if !o.app.Quiet {
			fmt.Fprintf(o.IO.ErrOut, "note: %s has no events in the log; showing what a new visitor would see\n", o.User)
		}
	}
	recs, err := model.Recommend(h, rank.Strategy(o.Strategy), o.K, now, opts)
	if err != nil {
		return usageErr("%v", err)
	}
	rep := &recommendReport{SchemaVersion: sim.SchemaVersion, User: o.User, Known: known, Strategy: o.Strategy,
		Segment: model.Segment(h, now, opts), AsOf: now.UTC(), K: o.K, History: []historyEvent{}, Recommendations: []recItem{}, Read: st}
	title := func(id string) (string, *rank.Product) {
		if cd == nil {
			return "", nil
		}
		if p, ok := cd.Cat.Get(id); ok {
			return p.Title, p
		}
		return "", nil
	}
	for _, e := range h.Events {
		if e.Time.After(now) {
			continue
		}
		t, _ := title(e.ItemID)
		rep.History = append(rep.History, historyEvent{Time: e.Time.UTC(), Event: string(kindEvent[e.Kind]), ItemID: e.ItemID, Title: t})
	}
	stages := rank.DenseStages(recs)
	for i, rc := range recs {
		ri := recItem{Rank: i + 1, ItemID: rc.ItemID, Score: round4(rc.Score), Reason: rc.Reason, Strategy: string(rc.Strategy), Stage: stages[i]}
		if t, p := title(rc.ItemID); p != nil {
			ri.Title, ri.Price, ri.Currency = t, p.Price, p.Currency
		}
		rep.Recommendations = append(rep.Recommendations, ri)
	}
	emit := func(w io.Writer) error {
		if o.Output == "json" {
			return render.WriteJSON(w, rep)
		}
		return o.table(w, rep, cd != nil)
	}
	return writeOutput(o.IO, o.app.Quiet, o.Out, inputs, emit)
}

func round4(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 4, 64), 64)
	return v
}

func (o *recommendOptions) table(w io.Writer, rep *recommendReport, withCatalog bool) error {
	opts := render.TableOptions{TTY: o.IO.OutTTY && o.Out == "", Styles: render.NewStyles(o.IO.ColorOut() && o.Out == ""), MaxColWidth: 60}
	st := opts.Styles
	known := "yes"
	if !rep.Known {
		known = "no (no events in the log)"
	}
	fmt.Fprintln(w, st.Title("Shopper "+rep.User))
	fmt.Fprintln(w, st.KeyValues([][2]string{
		{"In the log", known},
		{"Segment", rep.Segment},
		{"Strategy", rep.Strategy},
		{"As of", rep.AsOf.Format("2006-01-02 15:04:05 UTC")},
	}))
	if n := len(rep.History); n > 0 && o.History > 0 {
		from := max(0, n-o.History)
		fmt.Fprintln(w)
		fmt.Fprintln(w, st.Bold(fmt.Sprintf("Recent activity (%d of %d events)", n-from, n)))
		cols := []string{"time", "event", "item"}
		if withCatalog {
			cols = append(cols, "title")
		}
		t := render.Table{Columns: cols}
		for _, e := range rep.History[from:] {
			row := []string{e.Time.Format("2006-01-02 15:04"), e.Event, e.ItemID}
			if withCatalog {
				row = append(row, e.Title)
			}
			t.Rows = append(t.Rows, row)
		}
		if err := render.WriteTable(w, t, opts); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if len(rep.Recommendations) == 0 {
		fmt.Fprintln(w, "No eligible product for this shopper with this strategy.")
		return nil
	}
	// A carousel filled from several lists (auto; cross_sell's bought-
	// then viewed-together) is ordered list by list, each by its own score:
	// the list column shows that basis, and the scores compare within a
	// list only.
	staged := rep.Recommendations[len(rep.Recommendations)-1].Stage > 1
	cols := []string{"rank", "item", "score", "reason"}
	align := []string{"right", "left", "right", "left"}
	if staged {
		cols = []string{"rank", "item", "list", "score", "reason"}
		align = []string{"right", "left", "left", "right", "left"}
	}
	if withCatalog {
		cols = append(cols, "title")
	}
	t := render.Table{Columns: cols, Align: align}
	for _, r := range rep.Recommendations {
		row := []string{strconv.Itoa(r.Rank), r.ItemID}
		if staged {
			row = append(row, strconv.Itoa(r.Stage)+" "+r.Strategy)
		}
		row = append(row, strconv.FormatFloat(r.Score, 'f', 4, 64), r.Reason)
		if withCatalog {
			row = append(row, r.Title)
		}
		t.Rows = append(t.Rows, row)
	}
	if err := render.WriteTable(w, t, opts); err != nil {
		return err
	}
	if staged {
		fmt.Fprintln(w, st.Muted("list: the carousel is filled list by list in this order, each list by its own score; scores compare within a list only"))
	}
	return nil
}

// writeAll streams every user's carousel as CSV. Users are ranked in
// parallel in blocks and written in user id order, so the file does not
// depend on --workers, memory stays bounded by a block, and the parts of
// --shard runs interleave into the unsharded file (dpa merge).
func (o *recommendOptions) writeAll(ctx context.Context, model *rank.Model, now time.Time, opts rank.Options, inputs []string, prog *render.Progress) error {
	users := sim.ShardUsers(model, o.shard)
	if o.shard.Sharded() && len(users) == 0 && !o.app.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "note: no user of the log falls in shard %s: the part holds the header only (dpa merge accepts it)\n", o.shard)
	}
	var written int
	emit := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		var cw interface{ Write([]string) error }
		if isParquetName(o.Out) {
			cw = itemmodel.NewRecWriter(bw)
		} else {
			c := csv.NewWriter(bw)
			if err := c.Write(itemmodel.RecHeader); err != nil {
				return err
			}
			cw = c
		}
		err := sim.RecommendAll(ctx, model, users, sim.AllUsersOptions{Strategy: rank.Strategy(o.Strategy), K: o.K, Now: now, Rank: opts,
			Workers: o.Workers, Progress: func(n int) { prog.Update("ranking users", int64(n), 0) }},
			func(u string, recs []rank.Rec) error {
				stages := rank.DenseStages(recs)
				for j, r := range recs {
					row := []string{u, string(r.Strategy), strconv.Itoa(j + 1), r.ItemID, strconv.FormatFloat(r.Score, 'f', 4, 64), r.Reason, strconv.Itoa(stages[j])}
					if err := cw.Write(row); err != nil {
						return err
					}
					written++
				}
				return nil
			})
		if err != nil {
			return err
		}
		prog.Done()
		switch c := cw.(type) {
		case *csv.Writer:
			c.Flush()
			if err := c.Error(); err != nil {
				return err
			}
		case *itemmodel.RecWriter:
			if err := c.Close(); err != nil {
				return err
			}
		}
		return bw.Flush()
	}
	quiet := o.app.Quiet
	if err := writeOutput(o.IO, true, o.Out, inputs, emit); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if !quiet {
		dest := "stdout"
		if o.Out != "" {
			dest = o.Out
		}
		fmt.Fprintf(o.IO.ErrOut, "wrote %s recommendations for %s users to %s\n", render.Int(written), render.Int(len(users)), dest)
	}
	return nil
}

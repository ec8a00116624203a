package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/campaign"
	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

// eventFlags are the event-log input options shared by events check,
// recommend and simulate.
type eventFlags struct {
	Files        []string
	Preset       string
	Map          []string
	Columns      []string
	Format       string
	Delimiter    string
	DefaultEvent string
	Timezone     string
}

func (e *eventFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSliceVar(&e.Files, "events", nil, `event log (CSV, TSV, JSON Lines, Parquet; gzip; "-" for stdin; a directory: every file under it); repeat to concatenate files of one layout`)
	f.StringVar(&e.Preset, "preset", "", "event log layout: "+strings.Join(events.PresetNames(), "|")+" (default: recognised from the header)")
	f.StringSliceVar(&e.Map, "map", nil, "map a source column to a canonical one: SOURCE=CANONICAL (repeatable; also events.mapping in dpa.yaml)")
	f.StringSliceVar(&e.Columns, "columns", nil, "column names of a headerless log, in order (canonical names)")
	f.StringVar(&e.Format, "events-format", "", "event log format: csv|tsv|jsonl (default: detect)")
	f.StringVar(&e.Delimiter, "events-delimiter", "", `event log delimiter: "," "\t" ";" "|" (default: sniff)`)
	f.StringVar(&e.DefaultEvent, "default-event", "", "event type of every row when the log has no event column (default: the preset's, else ViewContent)")
	f.StringVar(&e.Timezone, "timezone", "", "IANA zone for timestamps without one (default UTC)")
	_ = cmd.RegisterFlagCompletionFunc("preset", fixedCompletion(events.PresetNames()...))
	_ = cmd.RegisterFlagCompletionFunc("events-format", fixedCompletion("csv", "tsv", "jsonl"))
	_ = cmd.RegisterFlagCompletionFunc("default-event", fixedCompletion(typeNames()...))
	_ = cmd.RegisterFlagCompletionFunc("map", cobra.NoFileCompletions)
}

func typeNames() []string {
	var out []string
	for _, t := range events.Types {
		out = append(out, string(t))
	}
	return out
}

// eventsConfig is the `events:` section of dpa.yaml.
type eventsConfig struct {
	Mapping      map[string]string `mapstructure:"mapping"`
	Preset       string            `mapstructure:"preset"`
	Columns      []string          `mapstructure:"columns"`
	DefaultEvent string            `mapstructure:"default_event"`
	Timezone     string            `mapstructure:"timezone"`
}

var eventsConfigKeys = []string{"mapping", "preset", "columns", "default_event", "timezone"}

// options builds the reader options: dpa.yaml's events section first,
// flags on top.
func (e *eventFlags) options(a *app) (events.Options, error) {
	var o events.Options
	var ec eventsConfig
	if a != nil && a.cfg != nil && a.cfg.IsSet("events") {
		if _, isMap := a.cfg.Get("events").(map[string]any); isMap {
			if err := a.cfg.UnmarshalKey("events", &ec); err != nil {
				return o, &usageError{err: fmt.Errorf("config %s: events: %w", a.cfgPath, err)}
			}
			var unknown []string
			for k := range a.cfg.GetStringMap("events") {
				if !slices.Contains(eventsConfigKeys, k) {
					unknown = append(unknown, k)
				}
			}
			slices.Sort(unknown)
			if len(unknown) > 0 {
				return o, &usageError{err: fmt.Errorf("config %s: unknown key events.%s (want %s)", a.cfgPath, unknown[0], strings.Join(eventsConfigKeys, ", "))}
			}
		}
	}
	pick := func(flag, cfg string) string {
		if flag != "" {
			return flag
		}
		return cfg
	}
	o.Preset = pick(e.Preset, ec.Preset)
	if o.Preset != "" {
		if _, ok := events.LookupPreset(o.Preset); !ok {
			return o, usageErr("invalid --preset %q: allowed values are %s", o.Preset, strings.Join(events.PresetNames(), ", "))
		}
	}
	o.Columns = ec.Columns
	if len(e.Columns) > 0 {
		o.Columns = e.Columns
	}
	if len(ec.Mapping) > 0 || len(e.Map) > 0 {
		o.Map = map[string]string{}
		for k, v := range ec.Mapping {
			o.Map[k] = v
		}
		for _, kv := range e.Map {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
				return o, usageErr("invalid --map %q: write SOURCE=CANONICAL (canonical: %s)", kv, strings.Join(events.CanonicalColumns(), ", "))
			}
			o.Map[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		canon := events.CanonicalColumns()
		keys := make([]string, 0, len(o.Map))
		for k := range o.Map {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !slices.Contains(canon, strings.ToLower(o.Map[k])) {
				return o, usageErr("invalid mapping %s=%s: canonical columns are %s", k, o.Map[k], strings.Join(canon, ", "))
			}
		}
	}
	if e.Format != "" {
		if err := oneOf("events-format", e.Format, "csv", "tsv", "jsonl"); err != nil {
			return o, err
		}
		o.Format = e.Format
	}
	switch e.Delimiter {
	case "":
	case ",", ";", "|":
		o.Comma = rune(e.Delimiter[0])
	case `\t`, "\t", "tab":
		o.Comma = '\t'
	default:
		return o, usageErr(`invalid --events-delimiter %q: allowed values are "," "\t" ";" "|"`, e.Delimiter)
	}
	if de := pick(e.DefaultEvent, ec.DefaultEvent); de != "" {
		t, ok, _ := events.ParseType(de)
		if !ok {
			return o, usageErr("invalid --default-event %q: allowed values are %s", de, strings.Join(typeNames(), ", "))
		}
		o.DefaultEvent = t
	}
	if tz := pick(e.Timezone, ec.Timezone); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return o, usageErr("invalid --timezone %q: %v", tz, err)
		}
		o.Location = loc
	}
	return o, nil
}

// label names the event input in messages.
func (e *eventFlags) label() string {
	if len(e.Files) == 1 {
		return e.Files[0]
	}
	return fmt.Sprintf("%s (+%d more)", e.Files[0], len(e.Files)-1)
}

// open returns one stream over every --events file. A single file goes
// to the reader untouched (it detects gzip itself); several are
// decompressed one by one and joined with a newline, so a file without a
// final newline cannot glue its last row to the next file's header (the
// reader skips the repeated headers).
func (e *eventFlags) open(stdin io.Reader, count func(int64)) (io.Reader, func(), error) {
	paths, err := eventPaths(e.Files)
	if err != nil {
		return nil, nil, err
	}
	if pl, closePq, ok, err := openParquetLog(paths); err != nil {
		return nil, nil, err
	} else if ok {
		return pl, closePq, nil
	}
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	var parts []io.Reader
	for i, p := range paths {
		var r io.Reader
		if p == "-" {
			r = stdin
		} else {
			f, err := os.Open(p)
			if err != nil {
				closeAll()
				return nil, nil, &inputError{err: fmt.Errorf("--events: %w", err)}
			}
			files = append(files, f)
			r = f
		}
		if count != nil {
			r = &countingReader{r: r, fn: count}
		}
		if len(paths) > 1 {
			br := bufio.NewReaderSize(r, 1<<16)
			if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
				gz, err := gzip.NewReader(br)
				if err != nil {
					closeAll()
					return nil, nil, &inputError{err: fmt.Errorf("--events %s: %w", p, err)}
				}
				r = gz
			} else {
				r = br
			}
			if i > 0 {
				parts = append(parts, strings.NewReader("\n"))
			}
		}
		parts = append(parts, r)
	}
	if len(parts) == 1 {
		return parts[0], closeAll, nil
	}
	return io.MultiReader(parts...), closeAll, nil
}

// countingReader reports the bytes read so far, for the progress line.
type countingReader struct {
	r  io.Reader
	n  int64
	fn func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.fn(c.n)
	return n, err
}

// eventsError classifies an error from reading an event log: an unknown
// layout or a bad mapping is the user's to fix (exit 2 either way).
func eventsError(ctx context.Context, label string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var me *events.MapError
	if errors.As(err, &me) {
		return &usageError{err: err}
	}
	var ie *inputError
	if errors.As(err, &ie) {
		return err
	}
	return &inputError{err: fmt.Errorf("%s: %w", label, err)}
}

// writeReadSummary prints how the log was read on stderr: rows, layout,
// and every bad or skipped row reason with example lines. Bad rows are
// never dropped silently.
func writeReadSummary(w io.Writer, st *render.Styles, label string, s events.Stats) {
	layout := s.Format
	if s.Preset != "" {
		layout += ", preset " + s.Preset
	}
	fmt.Fprintf(w, "read %s: %s events from %s rows (%s)\n", label, render.Int(s.Events), render.Int(s.Rows), layout)
	line := func(kind string, rc []events.ReasonCount, style func(string) string) {
		for _, r := range rc {
			var ex []string
			for _, e := range r.Examples {
				ex = append(ex, fmt.Sprint(e.Line))
			}
			msg := fmt.Sprintf("  %s %s: %s row(s)", kind, r.Reason, render.Int(r.Count))
			if len(ex) > 0 {
				msg += ", line " + strings.Join(ex, ", ")
			}
			fmt.Fprintln(w, style(msg))
		}
	}
	line("bad", s.Bad, st.Warning)
	line("skipped", s.Skipped, st.Muted)
	line("note", s.Info, st.Muted)
	for _, n := range s.Notes {
		fmt.Fprintln(w, st.Muted("  note: "+n))
	}
}

// catalogData is a catalog loaded for ranking and for the id check.
type catalogData struct {
	Path     string
	Products []rank.Product
	Entries  []events.CatalogEntry
	Cat      *rank.Catalog
	// Accepted holds the ids the --product-set rule keeps (nil: no rule).
	Accepted map[string]bool
	NoID     int // items skipped for an empty id
}

// loadCatalog streams a product feed into the ranking engine's product
// list. With a product-set rule, the rule is compiled against the first
// item's currency (prices in the friendly form are in major units).
func loadCatalog(ctx context.Context, path string, stdin io.Reader, productSet string) (*catalogData, error) {
	r, err := openFeed(ctx, path, feed.ReadOptions{}, stdin)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cd := &catalogData{Path: path}
	var filter *campaign.Filter
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &inputError{err: fmt.Errorf("--catalog: %w", err)}
		}
		p := rank.ProductFromFields(it.Get)
		if p.ID == "" {
			cd.NoID++
			continue
		}
		if productSet != "" && filter == nil {
			cur := p.Currency
			if cur == "" {
				cur = "USD"
			}
			if filter, err = compileProductSet(productSet, cur); err != nil {
				return nil, err
			}
			cd.Accepted = map[string]bool{}
		}
		if filter != nil && filter.Match(it) {
			cd.Accepted[p.ID] = true
		}
		cd.Products = append(cd.Products, p)
		cd.Entries = append(cd.Entries, events.CatalogEntry{ID: p.ID, GroupID: p.GroupID})
	}
	if len(cd.Products) == 0 {
		return nil, &inputError{err: fmt.Errorf("--catalog %s: no products with an id", path)}
	}
	cd.Cat = rank.NewCatalog(cd.Products)
	return cd, nil
}

// compileProductSet accepts Meta's JSON filter or the friendly YAML form
// the campaign file uses.
func compileProductSet(src, currency string) (*campaign.Filter, error) {
	if f, err := campaign.ParseFilter([]byte(src)); err == nil {
		return f, nil
	}
	f, err := campaign.CompileFriendly([]byte(src), currency)
	if err != nil {
		return nil, usageErr("invalid --product-set: %v", err)
	}
	return f, nil
}

// rankFilter returns the rank.Options.ProductSet of a loaded catalog.
func (cd *catalogData) rankFilter() func(rank.Product) bool {
	if cd == nil || cd.Accepted == nil {
		return nil
	}
	acc := cd.Accepted
	return func(p rank.Product) bool { return acc[p.ID] }
}

// ---------------------------------------------------------------------------
// dpa events check

type eventsCheckOptions struct {
	IO  *render.Streams
	Now func() time.Time
	app *app

	Events       eventFlags
	Catalog      string
	Output       string
	Out          string
	MinMatchRate float64 // percent, 0–100
	MaxExamples  int
	gate         bool // --min-match-rate was given
}

var eventsCheckOutputs = []string{"table", "json", "xlsx"}

func newEventsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Inspect shopper event logs (pixel, Conversions API, public datasets)",
		Long: `Commands for shopper event logs in the canonical schema (timestamp, user_id,
event, item_id, optional session_id, value, currency, quantity) or a known
public layout (--preset ` + strings.Join(events.PresetNames(), "|") + `).`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newEventsCheckCmd(a, nil))
	return cmd
}

func newEventsCheckCmd(a *app, runF func(context.Context, *eventsCheckOptions) error) *cobra.Command {
	o := &eventsCheckOptions{IO: a.IO, Now: a.Now, app: a}
	cmd := &cobra.Command{
		Use:   "check --events FILE [--catalog FEED] [flags]",
		Short: "Is the pixel feeding the catalog? Schema problems, volumes and id match rate",
		Long: `Read an event log and report what would stop dynamic ads from working:
rows that cannot be used (per reason, with line numbers), event counts per
type and per day, and, with --catalog, the share of event item ids that match
a catalog id, overall and per event type. For unmatched ids the likely cause
is named when one is detectable (letter case or whitespace, a prefix or
suffix such as "sku_" or a country code, a group id sent where the catalog
has variants or the reverse, leading zeros lost) with counts and examples,
followed by the share of catalog items with any signal in the last 14 and 30
days of the log.

EXIT STATUS
  0    the log was read (and the match rate is at or above --min-match-rate)
  1    the match rate is below --min-match-rate
  2    usage error or unreadable input
  130  interrupted`,
		Example: `  dpa events check --events examples/events.csv --catalog examples/catalog.csv
  dpa events check --events pixel.jsonl.gz --catalog feed.xml --min-match-rate 95%
  dpa events check --events 2019-Oct.csv --preset rees46 -o xlsx --out check.xlsx`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runEventsCheck(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	o.Events.register(cmd)
	f.StringVar(&o.Catalog, "catalog", "", "product feed whose ids the events should match (any format dpa reads)")
	f.StringVarP(&o.Output, "output", "o", "table", "report format: table|json|xlsx")
	f.StringVar(&o.Out, "out", "", "write the report to this file (atomically) instead of stdout")
	f.Var(newPercent(&o.MinMatchRate, &o.gate), "min-match-rate", "exit 1 when less than PCT of event item ids match the catalog (95 or 95%)")
	f.IntVar(&o.MaxExamples, "max-examples", 5, "examples kept per bad-row reason and per unmatched-id cause")
	_ = cmd.RegisterFlagCompletionFunc("output", fixedCompletion(eventsCheckOutputs...))
	return cmd
}

func (o *eventsCheckOptions) check() error {
	if len(o.Events.Files) == 0 {
		return usageErr("--events is required")
	}
	if err := oneOf("output", o.Output, eventsCheckOutputs...); err != nil {
		return err
	}
	if o.Output == "xlsx" && o.Out == "" && o.IO.OutTTY {
		return usageErr("-o xlsx writes a binary workbook: give --out FILE or redirect stdout")
	}
	if o.gate && o.Catalog == "" {
		return usageErr("--min-match-rate needs --catalog")
	}
	if o.MaxExamples < 1 {
		return usageErr("invalid --max-examples %d: must be 1 or more", o.MaxExamples)
	}
	_, err := o.Events.options(o.app)
	return err
}

// eventsCheckReport is the JSON contract of `dpa events check`
// (schema_version 1): events.CheckResult plus the inputs.
type eventsCheckReport struct {
	SchemaVersion int    `json:"schema_version"`
	Events        string `json:"events_file"`
	Catalog       string `json:"catalog_file,omitempty"`
	*events.CheckResult
	// Gate is present with --min-match-rate.
	Gate *matchGate `json:"gate,omitempty"`
}

type matchGate struct {
	MinMatchRate float64 `json:"min_match_rate"`
	Passed       bool    `json:"passed"`
}

func runEventsCheck(ctx context.Context, o *eventsCheckOptions) error {
	ro, _ := o.Events.options(o.app)
	ro.MaxExamples = o.MaxExamples
	if o.Out != "" {
		if err := render.CheckNotInput(o.Out, append(slices.Clone(o.Events.Files), o.Catalog)); err != nil {
			return usageErr("--out %s: %v", o.Out, err)
		}
	}
	var cd *catalogData
	if o.Catalog != "" {
		var err error
		if cd, err = loadCatalog(ctx, o.Catalog, o.IO.In, ""); err != nil {
			return err
		}
	}
	prog := render.NewProgress(o.IO.ErrOut, o.IO.ProgressEnabled(o.app.Quiet), o.Now)
	label := o.Events.label()
	r, closeAll, err := o.Events.open(o.IO.In, func(n int64) { prog.Update("reading "+label, 0, n) })
	if err != nil {
		return err
	}
	opts := events.CheckOptions{Read: ro, MaxExamples: o.MaxExamples}
	if cd != nil {
		opts.Catalog = cd.Entries
	}
	res, err := events.Check(ctx, r, opts)
	closeAll()
	prog.Done()
	if err != nil {
		return eventsError(ctx, label, err)
	}
	rep := &eventsCheckReport{SchemaVersion: 1, Events: strings.Join(o.Events.Files, ","), Catalog: o.Catalog, CheckResult: res}
	var gateErr error
	if o.gate && res.Match != nil {
		floor := o.MinMatchRate / 100
		rep.Gate = &matchGate{MinMatchRate: floor, Passed: res.Match.Rate >= floor}
		if !rep.Gate.Passed {
			gateErr = &findingsError{msg: fmt.Sprintf("%s of event item ids match the catalog, below --min-match-rate %s", render.Percent(res.Match.Rate), render.Percent(floor))}
		}
	}
	if !o.app.Quiet {
		writeReadSummary(o.IO.ErrOut, o.IO.ErrStyles(), label, res.Read)
	}
	emit := func(w io.Writer) error {
		switch o.Output {
		case "json":
			return render.WriteJSON(w, rep)
		case "xlsx":
			return render.WriteXLSX(w, eventsCheckWorkbook(rep))
		}
		return writeEventsCheckTable(w, rep, render.TableOptions{TTY: o.IO.OutTTY && o.Out == "", Styles: render.NewStyles(o.IO.ColorOut() && o.Out == "")})
	}
	if err := writeOutput(o.IO, o.app.Quiet, o.Out, append(slices.Clone(o.Events.Files), o.Catalog), emit); err != nil {
		return err
	}
	return gateErr
}

// writeOutput renders to --out (atomically) or stdout.
func writeOutput(s *render.Streams, quiet bool, out string, inputs []string, emit func(io.Writer) error) error {
	if out == "" {
		return emit(s.Out)
	}
	if err := render.WriteFileAtomic(out, inputs, emit); err != nil {
		if errors.Is(err, render.ErrWouldOverwriteInput) || errors.Is(err, render.ErrSymlinkOutsideDir) {
			return usageErr("--out %s: %v", out, err)
		}
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if !quiet {
		fmt.Fprintf(s.ErrOut, "wrote %s\n", out)
	}
	return nil
}

func writeEventsCheckTable(w io.Writer, rep *eventsCheckReport, opts render.TableOptions) error {
	st := opts.Styles
	if st == nil {
		st = render.NewStyles(false)
	}
	res := rep.CheckResult
	rd := res.Read
	span := "no events"
	if !rd.MinTime.IsZero() {
		span = rd.MinTime.UTC().Format("2006-01-02 15:04") + " → " + rd.MaxTime.UTC().Format("2006-01-02 15:04") + " UTC"
	}
	layout := rd.Format
	if rd.Preset != "" {
		layout += ", preset " + rd.Preset
	}
	fmt.Fprintln(w, st.Title("Event log "+rep.Events))
	fmt.Fprintln(w, st.KeyValues([][2]string{
		{"Layout", layout},
		{"Rows", render.Int(rd.Rows)},
		{"Events", render.Int(res.Events)},
		{"Bad rows", render.Int(rd.BadRows())},
		{"Users", render.Int(res.Users)},
		{"Sessions", render.Int(res.Sessions)},
		{"Span", span},
	}))
	fmt.Fprintln(w)
	if len(rd.Bad)+len(rd.Skipped) > 0 {
		t := render.Table{Columns: []string{"rows not used", "kind", "rows", "example lines"}, Align: []string{"left", "left", "right", "left"}}
		for _, kind := range []struct {
			name string
			rc   []events.ReasonCount
		}{{"bad", rd.Bad}, {"skipped", rd.Skipped}} {
			for _, r := range kind.rc {
				t.Rows = append(t.Rows, []string{r.Reason, kind.name, render.Int(r.Count), exampleLines(r.Examples)})
			}
		}
		if err := render.WriteTable(w, t, opts); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if len(res.ByType) > 0 {
		t := render.Table{Columns: []string{"event", "count", "share"}, Align: []string{"left", "right", "right"}}
		for _, c := range res.ByType {
			t.Rows = append(t.Rows, []string{string(c.Type), render.Int(c.Count), render.Percent(ratio(c.Count, res.Events))})
		}
		if err := render.WriteTable(w, t, opts); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if len(res.ByDay) > 0 {
		fmt.Fprintln(w, st.Bold("Events per day"))
		writeDayBars(w, res.ByDay, 40, 31)
		fmt.Fprintln(w)
	}
	if m := res.Match; m != nil {
		fmt.Fprintln(w, st.Bold("Catalog match"))
		fmt.Fprintln(w, st.KeyValues([][2]string{
			{"Catalog items", render.Int(m.CatalogItems)},
			{"Item references", render.Int(m.Refs)},
			{"Matched", render.Int(m.Matched)},
			{"Match rate", render.Percent(m.Rate)},
			{"Distinct ids", render.Int(m.DistinctIDs)},
			{"Distinct matched", render.Int(m.DistinctMatched)},
		}))
		t := render.Table{Columns: []string{"event", "item refs", "matched", "rate"}, Align: []string{"left", "right", "right", "right"}}
		for _, x := range m.ByType {
			t.Rows = append(t.Rows, []string{string(x.Type), render.Int(x.Refs), render.Int(x.Matched), render.Percent(x.Rate)})
		}
		if err := render.WriteTable(w, t, opts); err != nil {
			return err
		}
		if len(m.Causes) > 0 {
			fmt.Fprintln(w)
			fmt.Fprintln(w, st.Bold("Unmatched ids by likely cause"))
			ct := render.Table{Columns: []string{"cause", "ids", "refs", "examples (event id → catalog id)"}, Align: []string{"left", "right", "right", "left"}}
			for _, c := range m.Causes {
				var ex []string
				for _, e := range c.Examples {
					s := e.EventID
					if e.CatalogID != "" {
						s += " → " + e.CatalogID
					}
					ex = append(ex, s)
				}
				ct.Rows = append(ct.Rows, []string{c.Cause, render.Int(c.IDs), render.Int(c.Refs), strings.Join(ex, ", ")})
			}
			o := opts
			o.MaxColWidth = 80
			if err := render.WriteTable(w, ct, o); err != nil {
				return err
			}
			for _, c := range m.Causes {
				fmt.Fprintf(w, "  %s: %s\n", c.Cause, c.Description)
			}
		}
		fmt.Fprintln(w)
	}
	if s := res.Signal; s != nil {
		fmt.Fprintln(w, st.Bold("Catalog items with signal (as of "+s.AsOf.UTC().Format("2006-01-02")+")"))
		fmt.Fprintln(w, st.KeyValues([][2]string{
			{"Last 14 days", fmt.Sprintf("%s (%s)", render.Int(s.Items14), render.Percent(s.Share14))},
			{"Last 30 days", fmt.Sprintf("%s (%s)", render.Int(s.Items30), render.Percent(s.Share30))},
			{"Any time", fmt.Sprintf("%s (%s)", render.Int(s.ItemsEver), render.Percent(s.ShareEver))},
		}))
	}
	if g := rep.Gate; g != nil {
		verdict := st.OK("passed")
		if !g.Passed {
			verdict = st.Error("FAILED")
		}
		fmt.Fprintf(w, "\nMatch-rate gate (--min-match-rate %s): %s\n", render.Percent(g.MinMatchRate), verdict)
	}
	return nil
}

func exampleLines(ex []events.Example) string {
	var s []string
	for _, e := range ex {
		s = append(s, fmt.Sprint(e.Line))
	}
	return strings.Join(s, ", ")
}

// writeDayBars draws events per day as a horizontal bar chart. Long logs
// are bucketed into at most maxRows rows of equal numbers of days.
func writeDayBars(w io.Writer, days []events.DayCount, width, maxRows int) {
	type row struct {
		label string
		n     int
	}
	per := (len(days) + maxRows - 1) / maxRows
	var rows []row
	for i := 0; i < len(days); i += per {
		j := min(i+per, len(days))
		r := row{label: days[i].Date}
		if j-i > 1 {
			r.label += "…" + days[j-1].Date[5:]
		}
		for _, d := range days[i:j] {
			r.n += d.Total
		}
		rows = append(rows, r)
	}
	maxN, lw, nw := 1, 0, 0
	for _, r := range rows {
		maxN = max(maxN, r.n)
		lw = max(lw, len([]rune(r.label)))
		nw = max(nw, len(render.Int(r.n)))
	}
	for _, r := range rows {
		bar := strings.Repeat("█", (r.n*width+maxN-1)/maxN)
		fmt.Fprintf(w, "  %-*s %*s %s\n", lw, r.label, nw, render.Int(r.n), bar)
	}
}

func eventsCheckWorkbook(rep *eventsCheckReport) render.Workbook {
	res := rep.CheckResult
	sum := render.Sheet{Name: "Summary", Columns: []string{"metric", "value"}, ForExcel: true, Rows: [][]any{
		{"events file", rep.Events}, {"catalog", rep.Catalog}, {"format", res.Read.Format}, {"preset", res.Read.Preset},
		{"rows", res.Read.Rows}, {"events", res.Events}, {"bad rows", res.Read.BadRows()},
		{"users", res.Users}, {"sessions", res.Sessions}}}
	if m := res.Match; m != nil {
		sum.Rows = append(sum.Rows, []any{"catalog items", m.CatalogItems}, []any{"item references", m.Refs},
			[]any{"matched", m.Matched}, []any{"match rate", m.Rate}, []any{"distinct ids", m.DistinctIDs}, []any{"distinct matched", m.DistinctMatched})
	}
	if s := res.Signal; s != nil {
		sum.Rows = append(sum.Rows, []any{"items with signal, 14 days", s.Share14}, []any{"items with signal, 30 days", s.Share30}, []any{"items with signal, any time", s.ShareEver})
	}
	cols := []string{"date", "total"}
	for _, t := range events.Types {
		cols = append(cols, string(t))
	}
	day := render.Sheet{Name: "Per day", Columns: cols, ForExcel: true, Freeze: true}
	for _, d := range res.ByDay {
		row := []any{d.Date, d.Total}
		for _, t := range events.Types {
			row = append(row, d.ByType[string(t)])
		}
		day.Rows = append(day.Rows, row)
	}
	if n := len(day.Rows); n > 0 {
		var series []render.ChartSeries
		for i := range events.Types {
			col := string(rune('C' + i))
			series = append(series, render.ChartSeries{Name: fmt.Sprintf("'Per day'!$%s$1", col),
				Categories: fmt.Sprintf("'Per day'!$A$2:$A$%d", n+1), Values: fmt.Sprintf("'Per day'!$%s$2:$%s$%d", col, col, n+1)})
		}
		day.Charts = []render.Chart{{Type: "col", Title: "Events per day", Cell: "I2", Series: series, YTitle: "events"}}
	}
	rows := render.Sheet{Name: "Rows not used", Columns: []string{"reason", "kind", "rows", "example lines"}, ForExcel: true}
	for _, r := range res.Read.Bad {
		rows.Rows = append(rows.Rows, []any{r.Reason, "bad", r.Count, exampleLines(r.Examples)})
	}
	for _, r := range res.Read.Skipped {
		rows.Rows = append(rows.Rows, []any{r.Reason, "skipped", r.Count, exampleLines(r.Examples)})
	}
	wb := render.Workbook{Sheets: []render.Sheet{sum, day, rows}}
	if m := res.Match; m != nil {
		mt := render.Sheet{Name: "Match by event", Columns: []string{"event", "item refs", "matched", "rate"}, ForExcel: true}
		for _, x := range m.ByType {
			mt.Rows = append(mt.Rows, []any{string(x.Type), x.Refs, x.Matched, x.Rate})
		}
		if n := len(mt.Rows); n > 0 {
			mt.Charts = []render.Chart{{Type: "bar", Title: "Catalog match rate by event", Cell: "F2", Series: []render.ChartSeries{{
				Name: "'Match by event'!$D$1", Categories: fmt.Sprintf("'Match by event'!$A$2:$A$%d", n+1), Values: fmt.Sprintf("'Match by event'!$D$2:$D$%d", n+1)}}}}
		}
		ct := render.Sheet{Name: "Unmatched ids", Columns: []string{"cause", "description", "event id", "catalog id", "refs"}, ForExcel: true, Filter: true}
		for _, c := range m.Causes {
			for _, e := range c.Examples {
				ct.Rows = append(ct.Rows, []any{c.Cause, c.Description, e.EventID, e.CatalogID, e.Refs})
			}
		}
		wb.Sheets = append(wb.Sheets, mt, ct)
	}
	return wb
}

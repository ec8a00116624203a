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

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/feed/sniff"
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

	// opts is what the flags and dpa.yaml's events section say, resolved
	// once by parse when the command starts.
	opts events.Options
}

// parse resolves the flags into e.opts, or returns the usage error.
func (e *eventFlags) parse(a *app) error {
	var err error
	e.opts, err = e.options(a)
	return err
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
			if m, _ := br.Peek(10); sniff.Compression(m) == sniff.Gzip {
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
	fmt.Fprintf(w, "read %s: %s from %s (%s)\n", label, render.Count(s.Events, "event", "events"), render.Count(s.Rows, "row", "rows"), layout)
	line := func(kind string, rc []events.ReasonCount, style func(string) string) {
		for _, r := range rc {
			var ex []string
			for _, e := range r.Examples {
				ex = append(ex, fmt.Sprint(e.Line))
			}
			msg := fmt.Sprintf("  %s %s: %s", kind, r.Reason, render.Count(r.Count, "row", "rows"))
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
	return o.Events.parse(o.app)
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
	ro := o.Events.opts
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

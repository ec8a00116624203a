package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"time"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

type validateOptions struct {
	IO  *render.Streams
	Now func() time.Time
	app *app

	Files       []string
	Output      string
	Out         string
	Channel     string
	FailOn      string
	MaxFindings int
	Read        readFlags
	Disable     []string
	Require     []string
	Workers     int
	MemFindings int

	Baseline       string
	WriteBaseline  string
	MaxErrorRate   string
	MaxWarningRate string
	errRate        float64 // -1 = not set
	warnRate       float64
}

// readFlags are the input options shared by every command that reads feeds.
type readFlags struct {
	Format    string
	Delimiter string
	Encoding  string
	Sheet     string
	MaxBytes  string
	Timeout   time.Duration
	MaxTime   time.Duration
	Cache     string
	// AllowEmpty: an input without items is a warning, not an error.
	AllowEmpty bool

	// opts is what the flags say, resolved once by parse when the
	// command starts; runs read it and never parse the strings again.
	opts feed.ReadOptions
}

// parse resolves the flags into r.opts, or returns the usage error.
func (r *readFlags) parse() error {
	var err error
	r.opts, err = r.options()
	return err
}

func (r *readFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.Format, "format", "", "input format: csv|tsv|xml|xlsx|jsonl|json (default: detect)")
	cmd.Flags().StringVar(&r.Delimiter, "delimiter", "", `CSV delimiter: "," "\t" ";" "|" (default: sniff)`)
	cmd.Flags().StringVar(&r.Encoding, "encoding", "", "input encoding: utf-8|utf-16|windows-1252|latin-1 (default: detect)")
	cmd.Flags().StringVar(&r.Sheet, "sheet", "", "XLSX sheet name (default: the first)")
	r.registerRemote(cmd)
}

// registerInput is register for commands whose --format names the output:
// the input format flag is --input-format there.
func (r *readFlags) registerInput(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.Format, "input-format", "", "input format: csv|tsv|xml|xlsx|jsonl|json (default: detect)")
	cmd.Flags().StringVar(&r.Delimiter, "delimiter", "", `input CSV delimiter: "," "\t" ";" "|" (default: sniff)`)
	cmd.Flags().StringVar(&r.Encoding, "encoding", "", "input encoding (default: detect)")
	cmd.Flags().StringVar(&r.Sheet, "sheet", "", "input XLSX sheet (default: the first)")
	r.registerRemote(cmd)
}

// registerRemote adds the limits for URLs and compressed input.
func (r *readFlags) registerRemote(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.MaxBytes, "max-bytes", "4GiB", "largest download or decompressed input (e.g. 500MB, 4GiB; 0 = no limit)")
	cmd.Flags().DurationVar(&r.Timeout, "timeout", 60*time.Second, "for http(s) inputs: time allowed to connect, and for each stall while reading")
	cmd.Flags().DurationVar(&r.MaxTime, "max-time", 30*time.Minute, "for http(s) inputs: the longest the whole download may take, however steadily it streams")
	cmd.Flags().BoolVar(&r.AllowEmpty, "allow-empty", false, "an input without items (empty file, header only) is a warning, not an error; an HTML page never passes")
	cmd.Flags().StringVar(&r.Cache, "cache", "", "for http(s) inputs: cache directory; unchanged feeds are not downloaded again (ETag, If-Modified-Since)")
}

func (r *readFlags) options() (feed.ReadOptions, error) {
	o := feed.ReadOptions{Format: r.Format, Encoding: r.Encoding, Sheet: r.Sheet, Timeout: r.Timeout, MaxTime: r.MaxTime, CacheDir: r.Cache, AllowEmpty: r.AllowEmpty}
	if r.MaxBytes != "" {
		n, err := parseSize(r.MaxBytes)
		if err != nil {
			return o, usageErr("invalid --max-bytes %q: %v", r.MaxBytes, err)
		}
		o.MaxBytes = n
		if n == 0 {
			o.MaxBytes = -1 // feed: negative means no limit
		}
	}
	if r.Timeout < 0 {
		return o, usageErr("invalid --timeout %s: must not be negative", r.Timeout)
	}
	if r.MaxTime < 0 {
		return o, usageErr("invalid --max-time %s: must not be negative", r.MaxTime)
	}
	if r.Format != "" {
		if err := oneOf("format", r.Format, "csv", "tsv", "xml", "xlsx", "jsonl", "json"); err != nil {
			return o, err
		}
	}
	switch r.Delimiter {
	case "":
	case ",", ";", "|":
		o.Delimiter = rune(r.Delimiter[0])
	case `\t`, "\t", "tab":
		o.Delimiter = '\t'
	default:
		return o, usageErr(`invalid --delimiter %q: allowed values are "," "\t" ";" "|"`, r.Delimiter)
	}
	if r.Encoding != "" {
		if err := oneOf("encoding", r.Encoding, "utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "windows-1252", "cp1252", "latin-1", "latin1", "iso-8859-1"); err != nil {
			return o, err
		}
	}
	return o, nil
}

var validateOutputs = []string{"table", "json", "csv", "junit", "sarif", "xlsx", "github"}

func newValidateCmd(a *app, runF func(context.Context, *validateOptions) error) *cobra.Command {
	opts := &validateOptions{IO: a.IO, Now: a.Now, app: a}
	cmd := &cobra.Command{
		Use:   "validate [flags] FILE...",
		Short: "Check feeds against a channel's rules",
		Long: `Check product feeds (CSV, TSV, RSS/Atom XML, XLSX, JSON Lines; gzip; "-" for stdin)
against a channel's specification and report every item the platform would
reject (error) or demote (warning), with the file, line, item id, field and value.

EXIT STATUS
  0    no finding at or above --fail-on
  1    findings at or above --fail-on
  2    usage error or unreadable input
  130  interrupted`,
		Example: `  dpa validate examples/meta_feed.csv
  dpa validate --channel google -o json examples/google_feed.xml > report.json
  dpa validate -o sarif --out dpa.sarif feed.csv.gz`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runValidate(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "table", "report format: table|json|csv|junit|sarif|xlsx|github")
	f.StringVar(&opts.Out, "out", "", "write the report to this file (atomically) instead of stdout")
	f.StringVar(&opts.Channel, "channel", "", "channel: meta|google|tiktok|pinterest|snapchat (default: detected from the content)")
	f.StringVar(&opts.FailOn, "fail-on", "error", "exit 1 when findings at this level exist: error|warning|info|never")
	f.IntVar(&opts.MaxFindings, "max-findings", 10, "findings shown per rule in the table (0 = all)")
	f.StringSliceVar(&opts.Disable, "disable", nil, "rule codes to turn off (repeatable; a prefix ending in '.' turns off a group)")
	f.StringSliceVar(&opts.Require, "require", nil, "extra required fields (repeatable)")
	f.IntVar(&opts.Workers, "workers", 0, "checking goroutines (default: number of CPUs)")
	f.IntVar(&opts.MemFindings, "mem-findings", feed.DefaultMemFindings, "findings kept in memory per file before the rest is spooled to a temporary file")
	_ = f.MarkHidden("mem-findings")
	f.StringVar(&opts.Baseline, "baseline", "", "a JSON report from an earlier run: only findings not in it count toward --fail-on")
	f.StringVar(&opts.WriteBaseline, "write-baseline", "", "also write the JSON report to this file, for a later --baseline")
	f.StringVar(&opts.MaxErrorRate, "max-error-rate", "", "exit 1 only when more than this share of items has errors (e.g. 0.5%)")
	f.StringVar(&opts.MaxWarningRate, "max-warning-rate", "", "exit 1 only when more than this share of items has warnings (e.g. 10%)")
	_ = cmd.RegisterFlagCompletionFunc("output", fixedCompletion(validateOutputs...))
	_ = cmd.RegisterFlagCompletionFunc("channel", fixedCompletion(feed.ChannelNames()...))
	_ = cmd.RegisterFlagCompletionFunc("fail-on", fixedCompletion("error", "warning", "info", "never"))
	opts.Read.register(cmd)
	return cmd
}

func (o *validateOptions) check() error {
	if err := oneOf("output", o.Output, validateOutputs...); err != nil {
		return err
	}
	if err := oneOf("fail-on", o.FailOn, "error", "warning", "info", "never"); err != nil {
		return err
	}
	if o.Channel != "" {
		if _, err := feed.LookupChannel(o.Channel); err != nil {
			return &usageError{err: fmt.Errorf("invalid --channel: %w", err)}
		}
	}
	if o.Out != "" && o.WriteBaseline != "" && sameOutput(o.Out, o.WriteBaseline) {
		// The report would overwrite the baseline just written.
		return usageErr("--out and --write-baseline name the same file %s: give them different files", o.Out)
	}
	if o.Output == "xlsx" && o.Out == "" && o.IO.OutTTY {
		return usageErr("-o xlsx writes a binary workbook: give --out FILE or redirect stdout")
	}
	o.errRate, o.warnRate = -1, -1
	for _, r := range []struct {
		flag string
		v    string
		dst  *float64
	}{{"max-error-rate", o.MaxErrorRate, &o.errRate}, {"max-warning-rate", o.MaxWarningRate, &o.warnRate}} {
		if r.v == "" {
			continue
		}
		x, err := parsePercent(r.v)
		if err != nil {
			return usageErr("invalid --%s: %v", r.flag, err)
		}
		*r.dst = x / 100
	}
	if o.MaxFindings < 0 {
		return usageErr("invalid --max-findings %d: must be 0 or more", o.MaxFindings)
	}
	return o.Read.parse()
}

func runValidate(ctx context.Context, o *validateOptions) error {
	ro := o.Read.opts
	ov, err := o.app.ruleOverrides(o.Disable, o.Require)
	if err != nil {
		return err
	}
	for _, out := range []string{o.Out, o.WriteBaseline} {
		if out == "" {
			continue
		}
		if err := render.CheckNotInput(out, append(slices.Clone(o.Files), o.Baseline)); err != nil {
			return usageErr("%s: %v", out, err)
		}
	}
	var base *feed.Baseline
	if o.Baseline != "" {
		f, err := os.Open(o.Baseline)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return &inputError{err: fmt.Errorf("--baseline %s: no such file; write one first with --write-baseline %s (it records today's findings, so only new ones fail later runs)", o.Baseline, o.Baseline)}
			}
			return &inputError{err: fmt.Errorf("--baseline: %w", err)}
		}
		base, err = feed.LoadBaseline(f)
		f.Close()
		if err != nil {
			return &inputError{err: fmt.Errorf("--baseline %s: %w", o.Baseline, err)}
		}
	}
	setMemoryLimit(o.Files)
	// The live heap of a validate run is the duplicate and variant indexes
	// (about 120 MB for a million items with variants), and the memory
	// limit above bounds the peak. A GC percent of 200 under it measured
	// best on a feed with a finding per item: fewer pages faulted in than
	// 400 (~61k vs ~70k, each ~12 µs on a VM) for a few more cycles.
	// A GOGC the user set wins.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	rep := feed.NewReport()
	defer rep.Close()
	keep := 0
	if o.Output == "xlsx" {
		keep = maxFeedSheetRows // the feed sheet: the input is not read twice
	}
	prog := render.NewProgress(o.IO.ErrOut, o.IO.ProgressEnabled(o.app.Quiet), o.Now)
	for _, path := range o.Files {
		r, err := openFeed(ctx, path, ro, o.IO.In)
		if err != nil {
			return err
		}
		chName := o.Channel
		weakGuess := "" // said after the check: a shop export makes it noise
		if chName == "" {
			g := feed.DetectChannel(r, path)
			chName = g.Channel
			if !o.app.Quiet {
				c, _ := feed.LookupChannel(g.Channel)
				msg := fmt.Sprintf("dpa: %s: checking as %s: %s", path, g.Channel, g.Reason)
				if g.Weak {
					weakGuess = msg + fmt.Sprintf(" (weak evidence: not a %s feed? pass --channel %s)", c.Title, strings.Join(feed.ChannelNames(), "|"))
				} else {
					fmt.Fprintln(o.IO.ErrOut, msg)
				}
			}
		}
		ch, _ := feed.LookupChannel(chName)
		v, err := feed.NewValidator(ch, ov)
		if err != nil {
			r.Close()
			return &usageError{err: err}
		}
		res, err := v.Validate(ctx, r, feed.ValidateOptions{Workers: o.Workers, MemFindings: o.MemFindings, KeepRows: keep, Progress: func(n int64) {
			read, total := feed.ReadProgress(r) // total -1 (a pipe): no percent
			prog.SetTotal(total)
			prog.Update(path, n, read)
		}})
		r.Close()
		prog.Done()
		if err != nil {
			return err
		}
		if res.File == "" {
			res.File = path
		}
		fr := rep.Add(res, ch.Name)
		shop := res.Source != feed.SourceFeed && res.Source != ""
		if weakGuess != "" && !shop {
			// A shop export has no channel of its own: the normalize hint
			// below already names --channel, so the weak-evidence line
			// would only repeat it.
			fmt.Fprintln(o.IO.ErrOut, weakGuess)
		}
		if shop {
			fr.Source = res.Source
			fr.Normalize = planNormalize(ctx, path, ro, ch, ov)
			if o.Output != "table" && !o.app.Quiet {
				fmt.Fprintf(o.IO.ErrOut, "dpa: %s is a %s product export, not a %s feed; turn it into one with:\n  %s\n",
					path, feed.SourceTitle(res.Source), ch.Title, fr.Normalize.Command)
			}
		}
	}
	// One pass over the findings: baseline state, issues, gate counts.
	if err := rep.Finish(base, o.Baseline); err != nil {
		return err
	}
	if o.WriteBaseline != "" {
		err := writeOutput(o.IO, true, o.WriteBaseline, o.Files, func(w io.Writer) error { return rep.WriteJSON(w) })
		if err != nil {
			return fmt.Errorf("--write-baseline: %w", err)
		}
	}
	err = writeOutput(o.IO, o.app.Quiet, o.Out, o.Files, func(w io.Writer) error { return o.printer().Print(w, rep) })
	if err != nil {
		return err
	}
	if msg := rep.Gate(feed.GateOptions{FailOn: o.FailOn, MaxErrorRate: o.errRate, MaxWarningRate: o.warnRate}, render.Int, render.Percent); msg != "" {
		return &findingsError{msg: msg}
	}
	return nil
}

// openFeed opens a feed for reading; failures are input errors (exit 2).
func openFeed(ctx context.Context, path string, ro feed.ReadOptions, stdin io.Reader) (feed.Reader, error) {
	r, err := openInput(ctx, path, ro, stdin)
	if err != nil {
		return nil, &inputError{err: err}
	}
	return r, nil
}

// setMemoryLimit gives the garbage collector a soft target so a million-item
// feed stays near 256 MiB instead of the doubling GOGC allows: the live heap
// (the duplicate and variant indexes) is about a sixth of the feed's size, so
// the limit is the larger of 256 MiB and a quarter of the input. GOMEMLIMIT in
// the environment wins.
func setMemoryLimit(files []string) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	var total int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			total += st.Size()
		}
	}
	debug.SetMemoryLimit(max(256<<20, total/4))
}

package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

type normalizeOptions struct {
	IO  *render.Streams
	app *app

	File     string
	Channel  string
	Out      string
	Format   string
	Rejects  string
	Report   string
	Output   string
	Source   string
	Map      []string
	Set      []string
	Default  []string
	Currency string
	HTTPS    bool
	BaseURL  string
	FixCase  bool
	ForExcel bool
	Read     readFlags

	// Resolved once by check from --map/--set/--default and dpa.yaml.
	fieldMap, set, def map[string]string
}

// channelFormats are the output formats each platform ingests (xlsx is for
// people reviewing a feed before upload).
var channelFormats = map[string][]string{
	"meta":      {"csv", "tsv", "xml", "xlsx"},
	"google":    {"tsv", "xml", "xlsx"},
	"tiktok":    {"csv", "xlsx"},
	"pinterest": {"csv", "xlsx"},
	"snapchat":  {"csv", "xlsx"},
}

func newNormalizeCmd(a *app, runF func(context.Context, *normalizeOptions) error) *cobra.Command {
	o := &normalizeOptions{IO: a.IO, app: a}
	cmd := &cobra.Command{
		Use:   "normalize [flags] FILE --out OUT",
		Short: "Turn a messy catalog or shop export into a clean channel feed",
		Long: `Map a product export (Shopify, WooCommerce, Magento, or any channel's feed
in any spelling) to a channel's fields, apply safe, named fixes, and write
the items that now pass the channel's rules to OUT. Items that still have an
error go to the rejects file (same format as the input, plus a dpa_reason
column with the rule codes): items_in = items_out + items_rejected.

Fixes: field.renamed, whitespace, html.stripped, html.reduced, enum.spelling,
price.format, sale_price.dropped, url.https (--https), url.absolute
(--base-url), url.scheme, url.space, gtin.cleaned, gtin.upce, gtin.isbn10,
title.case (--fix-case), length.truncated. Invalid GTIN check digits are
never "fixed".

Output formats: meta csv|tsv|xml, google tsv|xml, tiktok|pinterest|snapchat
csv; xlsx for review. The format comes from the OUT extension or --format.

Constant and default fields: --set brand="Acme" gives every item that
value, --default condition=new only the items without one (after
mapping). Both also come from dpa.yaml (set: and default: sections, or
under normalize:). --map COLUMN=field names the source column for a field;
over a recognised shop export it overrides the layout's choice, and a
column the input does not have is an error.

When items are rejected, the summary says what to do about each reason
("22 items have prices without a currency: add --currency …").

EXIT STATUS
  0    the output was written (rejected items do not fail the run)
  1    no item passed: nothing is written but the rejects file
  2    usage error or unreadable input`,
		Example: `  dpa normalize examples/meta_feed.csv --channel meta --out clean.csv --currency USD
  dpa normalize products_export.csv --channel meta --currency EUR --base-url https://shop.example.com --out meta.csv --report changes.json
  dpa normalize meta.csv --channel google --out google.xml --rejects rejects.csv -o json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if err := o.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runNormalize(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Channel, "channel", "meta", "target channel: meta|google|tiktok|pinterest|snapchat")
	f.StringVar(&o.Out, "out", "", "output feed file (required; written atomically)")
	f.StringVar(&o.Format, "format", "", "output format: csv|tsv|xml|xlsx (default: from the --out extension)")
	f.StringVar(&o.Rejects, "rejects", "", "rejected items file (default: OUT's name + .rejects + the input's extension)")
	f.StringVar(&o.Report, "report", "", "change report file: .json or .csv")
	f.StringVarP(&o.Output, "output", "o", "table", "summary on stdout: table|json")
	f.StringVar(&o.Source, "source", "auto", "input layout: auto|feed|shopify|woocommerce|magento")
	f.StringSliceVar(&o.Map, "map", nil, "field mapping COLUMN=field,... (added to the mapping: section of dpa.yaml; overrides a shop layout's choice)")
	f.StringArrayVar(&o.Set, "set", nil, `give every item this value: field=value (repeatable), e.g. --set brand="Acme"`)
	f.StringArrayVar(&o.Default, "default", nil, "give items without a value this one: field=value (repeatable), e.g. --default condition=new")
	f.StringVar(&o.Currency, "currency", "", "ISO 4217 code for prices without one ($19.99, Shopify's 19.99)")
	f.BoolVar(&o.HTTPS, "https", false, "rewrite http:// links and images to https://")
	f.StringVar(&o.BaseURL, "base-url", "", "shop URL: resolves relative links and builds product links for shop exports")
	f.BoolVar(&o.FixCase, "fix-case", false, "title case for ALL-CAPS titles")
	f.BoolVar(&o.ForExcel, "for-excel", false, "neutralise formula-like cells in CSV output (for files people open)")
	o.Read.registerInput(cmd)
	return cmd
}

func (o *normalizeOptions) check() error {
	if err := oneOf("output", o.Output, "table", "json"); err != nil {
		return err
	}
	ch, err := feed.LookupChannel(o.Channel)
	if err != nil {
		return &usageError{err: fmt.Errorf("invalid --channel: %w", err)}
	}
	o.Channel = ch.Name
	if o.Out == "" {
		return usageErr("--out is required: the file to write the normalized feed to")
	}
	if err := oneOf("source", o.Source, feed.SourceNames()...); err != nil {
		return err
	}
	format := o.outFormat()
	if format == "" {
		return usageErr("cannot tell the output format from %q: use --format csv|tsv|xml|xlsx", o.Out)
	}
	if !slices.Contains(channelFormats[ch.Name], format) {
		return usageErr("%s does not take %s feeds: use one of %s", ch.Title, format, strings.Join(channelFormats[ch.Name], ", "))
	}
	if o.Report != "" {
		if ext := strings.ToLower(filepath.Ext(o.Report)); ext != ".json" && ext != ".csv" {
			return usageErr("--report %s: the extension must be .json or .csv", o.Report)
		}
	}
	if o.Currency != "" && !feed.IsCurrency(strings.ToUpper(o.Currency)) {
		return usageErr("invalid --currency %q: not an ISO 4217 code", o.Currency)
	}
	o.Currency = strings.ToUpper(o.Currency)
	if o.fieldMap, err = o.mapping(); err != nil {
		return err
	}
	if o.set, o.def, err = o.constants(ch); err != nil {
		return err
	}
	return o.Read.parse()
}

// constants merges dpa.yaml's set:/default: sections (top level, then under
// normalize:) with --set/--default (the flag wins); every key must be a
// field of the channel.
func (o *normalizeOptions) constants(ch *feed.Channel) (set, def map[string]string, err error) {
	parse := func(flag string, cfgKeys []string, vals []string) (map[string]string, error) {
		m := map[string]string{}
		if o.app != nil && o.app.cfg != nil {
			for _, ck := range cfgKeys {
				if _, isMap := o.app.cfg.Get(ck).(map[string]any); !isMap {
					continue
				}
				for k, v := range o.app.cfg.GetStringMapString(ck) {
					name := feed.CanonicalName(k)
					if ch.Spec(name) == nil {
						return nil, usageErr("config %s: %s.%s: %s has no field %q (see dpa rules --channel %s)", o.app.cfgPath, ck, k, ch.Title, name, ch.Name)
					}
					m[name] = v
				}
			}
		}
		for _, kv := range vals {
			k, v, ok := strings.Cut(kv, "=")
			name := feed.CanonicalName(k)
			if !ok || name == "" {
				return nil, usageErr("invalid --%s %q: write field=value", flag, kv)
			}
			if ch.Spec(name) == nil {
				msg := fmt.Sprintf("invalid --%s %q: %s has no field %q", flag, kv, ch.Title, name)
				var names []string
				for _, f := range ch.Fields {
					names = append(names, f.Name)
				}
				if c := feed.Closest(name, names); c != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", c)
				}
				return nil, usageErr("%s", msg)
			}
			m[name] = v
		}
		return m, nil
	}
	if set, err = parse("set", []string{"set", "normalize.set"}, o.Set); err != nil {
		return nil, nil, err
	}
	def, err = parse("default", []string{"default", "normalize.default"}, o.Default)
	return set, def, err
}

func (o *normalizeOptions) outFormat() string {
	if o.Format != "" {
		return strings.ToLower(o.Format)
	}
	switch strings.ToLower(filepath.Ext(strings.TrimSuffix(o.Out, ".gz"))) {
	case ".csv":
		return "csv"
	case ".tsv", ".txt":
		return "tsv"
	case ".xml", ".rss":
		return "xml"
	case ".xlsx":
		return "xlsx"
	}
	return ""
}

// mapping merges dpa.yaml's mapping: section with --map (the flag wins).
func (o *normalizeOptions) mapping() (map[string]string, error) {
	m := map[string]string{}
	if o.app != nil && o.app.cfg != nil {
		for k, v := range o.app.cfg.GetStringMapString("mapping") {
			m[feed.CanonicalName(k)] = feed.CanonicalName(v)
		}
	}
	for _, kv := range o.Map {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, usageErr("invalid --map %q: write source=target", kv)
		}
		m[feed.CanonicalName(k)] = feed.CanonicalName(v)
	}
	return m, nil
}

// rejectsFormat is the input's format where a writer exists for it.
func rejectsFormat(path, inputFormat string) string {
	if path != "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".tsv", ".txt":
			return "tsv"
		case ".xml":
			return "xml"
		case ".jsonl", ".json":
			return "jsonl"
		case ".csv":
			return "csv"
		}
	}
	switch inputFormat {
	case "tsv", "xml", "jsonl":
		return inputFormat
	case "json":
		return "jsonl"
	}
	return "csv"
}

func defaultRejectsPath(out, format string) string {
	ext := filepath.Ext(out)
	return strings.TrimSuffix(out, ext) + ".rejects." + format
}

type normalizeSummary struct {
	SchemaVersion int    `json:"schema_version"`
	Input         string `json:"input"`
	Out           string `json:"out"`
	Rejects       string `json:"rejects,omitempty"`
	Report        string `json:"report,omitempty"`
	*feed.NormalizeResult
}

func runNormalize(ctx context.Context, o *normalizeOptions) error {
	ro := o.Read.opts
	ch, _ := feed.LookupChannel(o.Channel)
	ov, err := o.app.ruleOverrides(nil, nil)
	if err != nil {
		return err
	}
	m, set, def := o.fieldMap, o.set, o.def
	format := o.outFormat()
	inputs := []string{o.File}
	for _, p := range []string{o.Out, o.Rejects, o.Report} {
		if p == "" {
			continue
		}
		if err := render.CheckNotInput(p, inputs); err != nil {
			return usageErr("%s: %v", p, err)
		}
	}
	if o.Rejects != "" && (o.Rejects == o.Out || o.Rejects == o.Report) || o.Report != "" && o.Report == o.Out {
		return usageErr("--out, --rejects and --report must be different files")
	}
	nopts := feed.NormalizeOptions{Channel: ch, Source: o.Source, Map: m, Set: set, Default: def, Currency: o.Currency, HTTPS: o.HTTPS,
		BaseURL: o.BaseURL, FixCase: o.FixCase, Overrides: ov}
	if o.BaseURL != "" && !strings.HasPrefix(o.BaseURL, "http://") && !strings.HasPrefix(o.BaseURL, "https://") {
		return usageErr("invalid --base-url %q: write an absolute http(s) URL", o.BaseURL)
	}

	r, err := openFeed(ctx, o.File, ro, o.IO.In)
	if err != nil {
		return err
	}
	defer r.Close()
	inFormat := r.Format()
	if (inFormat == "xml" || inFormat == "json" || inFormat == "jsonl") && o.File != "-" {
		// XML and JSON items need not share fields: a first pass finds them
		// all so a tabular output has a column for each.
		pr, err := openFeed(ctx, o.File, ro, nil)
		if err != nil {
			return err
		}
		cols, err := feed.ScanColumns(ctx, pr)
		pr.Close()
		if err == nil {
			nopts.SourceColumns = cols
		}
	}
	if format == "xml" {
		for _, f := range ch.Fields {
			nopts.Columns = append(nopts.Columns, f.Name)
		}
	}

	rejFormat := rejectsFormat(o.Rejects, inFormat)
	rejPath := o.Rejects
	if rejPath == "" {
		rejPath = defaultRejectsPath(o.Out, rejFormat)
		if err := render.CheckNotInput(rejPath, inputs); err != nil {
			return usageErr("%s: %v", rejPath, err)
		}
	}
	// Feed, rejects and change report appear together or not at all; a
	// run in which no item passes discards the feed and keeps the others.
	files := render.NewFileSet(inputs)
	defer files.Abort()
	outF, err := files.Create(o.Out)
	if err != nil {
		return err
	}
	var xlsx *xlsxItems
	sinks := feed.NormalizeSinks{
		Out: func(cols []string) (feed.ItemWriter, error) {
			if format == "xlsx" {
				xlsx = newXLSXItems(outF, cols, firstValues(cols), false, true)
				return xlsx, nil
			}
			return feed.NewWriter(outF, format, feed.WriteOptions{Columns: cols, ForExcel: o.ForExcel && format == "csv", Title: ch.Title})
		},
		Rejects: func(cols []string) (feed.ItemWriter, error) {
			w, err := files.Create(rejPath)
			if err != nil {
				return nil, err
			}
			// Same dialect as the input (header names, delimiter,
			// encoding) so the rows can be fixed in the shop tool and
			// imported again.
			if d := feed.DialectOf(r); d.Format == rejFormat && len(d.Header) > 0 {
				return feed.NewRejectsWriter(w, d, o.ForExcel)
			}
			return feed.NewWriter(w, rejFormat, feed.WriteOptions{Columns: cols})
		},
	}
	var rep *changeReport
	if o.Report != "" {
		w, err := files.Create(o.Report)
		if err != nil {
			return err
		}
		rep = newChangeReport(w, strings.EqualFold(filepath.Ext(o.Report), ".json"))
		sinks.Change = rep.add
	}
	res, err := feed.Normalize(ctx, r, nopts, sinks)
	if err != nil {
		var me *feed.MapColumnError
		if errors.As(err, &me) {
			src := "dpa.yaml mapping"
			for _, kv := range o.Map {
				if k, _, _ := strings.Cut(kv, "="); feed.CanonicalName(k) == me.Column {
					src = "--map"
				}
			}
			return usageErr("invalid %s: %v", src, err)
		}
		var pe *feed.ParseError
		if errors.As(err, &pe) {
			return &inputError{err: fmt.Errorf("%w (nothing written)", err)}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if err := feed.NoItemsError(r, res.ItemsIn, o.Read.AllowEmpty); err != nil {
		return &inputError{err: fmt.Errorf("%w (nothing written; --allow-empty writes an empty feed)", err)}
	}
	sum := &normalizeSummary{SchemaVersion: 1, Input: o.File, Out: o.Out, Report: o.Report, NormalizeResult: res}
	if res.ItemsRejected > 0 {
		sum.Rejects = rejPath
	}
	if rep != nil {
		if err := rep.close(sum); err != nil {
			return fmt.Errorf("write %s: %w", o.Report, err)
		}
	}
	if res.ItemsOut == 0 && !(res.ItemsIn == 0 && o.Read.AllowEmpty) {
		// Never an empty success: the feed is not replaced by an empty
		// one. The rejects (and the change report) are kept, because
		// they are what the user fixes next.
		files.Discard(outF)
		if err := files.Commit(); err != nil {
			return err
		}
		if err := o.writeSummary(sum); err != nil {
			return err
		}
		msg := fmt.Sprintf("no item passed the %s rules, so %s was not written", ch.Title, o.Out)
		if len(res.Actions) > 0 {
			msg += ": " + res.Actions[0].Message
		}
		return &findingsError{msg: msg}
	}
	if err := files.Commit(); err != nil {
		return err
	}
	return o.writeSummary(sum)
}

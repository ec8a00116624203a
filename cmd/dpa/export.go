package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/campaign"
	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

type exportOptions struct {
	IO  *render.Streams
	Now func() time.Time
	app *app

	Campaign  string
	Catalog   string
	Out       string
	Since     string
	Force     bool
	Output    string
	BatchSize int
	Read      readFlags
	// ChannelFeeds lists the full-catalog feeds to write (meta, google).
	ChannelFeeds []string
}

func newExportCmd(a *app, runF func(context.Context, *exportOptions) error) *cobra.Command {
	opts := &exportOptions{IO: a.IO, Now: a.Now, app: a}
	cmd := &cobra.Command{
		Use:   "export --campaign FILE --catalog FEED --out DIR",
		Short: "Turn a campaign file and the catalog into ready-to-upload dynamic ad sets",
		Long: `Read a campaign file (see 'dpa init') and the product catalog, check that every
product set selects in-stock items and that every template renders, then write
into DIR:

  meta/bulk_import.xlsx, meta/bulk_import.csv   Ads Manager bulk import, one row per ad
  meta/api/...                                   Marketing API payloads (campaign, product sets,
                                                 audiences, ad sets, creatives, ads); items_batch
  meta/api/plan.json                             every call in creation order, with placeholders
  feeds/meta.csv, feeds/google.xml               the catalog as channel feeds (--channel-feeds),
                                                 through normalize's mapping and safe fixes; items
                                                 that still fail validate are left out and listed
  feeds/adsets/<ad-set>.csv                      the in-stock items each ad set shows today
  feeds/google_supplemental.tsv                  id + custom_label_N with each item's ad sets
  preview.html                                   the ad sets as a viewer would see them
  manifest.json                                  files with sha256, counts per set, warnings

Nothing is written unless every check passes: the catalog is read once into a
staging directory inside DIR and the files are renamed into place at the end.
With --since OLD_FEED the items_batch bodies carry only the difference: UPDATE
for new and changed items, DELETE for items that are gone, as "dpa diff
--channel meta OLD_FEED CATALOG" counts them. OLD_FEED is read once: it may be -
(stdin) or a pipe; one without items (a failed download) is refused unless
--allow-empty.

EXIT STATUS
  0    exported (warnings, if any, are in manifest.json and on stderr)
  1    a check failed (empty product set, text over a hard limit): nothing written
  2    usage error, campaign file error, unreadable input, or DIR not empty
  130  interrupted`,
		Example: `  dpa init && dpa export --campaign campaign.yaml --catalog catalog.csv --out out/
  dpa export --campaign spring.yaml --catalog feed.csv.gz --out export/ --since yesterday.csv --force`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runExport(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Campaign, "campaign", "", "campaign file (YAML; see 'dpa init')")
	f.StringVar(&opts.Catalog, "catalog", "", "product catalog feed (CSV, TSV, XML, XLSX, JSON Lines; gzip)")
	f.StringVar(&opts.Out, "out", "", "output directory (created if missing; must be empty unless --force)")
	f.StringVar(&opts.Since, "since", "", "previous catalog feed: items_batch carries only the changes since it")
	f.BoolVar(&opts.Force, "force", false, "write into a non-empty output directory, replacing dpa's files")
	f.StringSliceVar(&opts.ChannelFeeds, "channel-feeds", []string{"meta", "google"}, "full-catalog feeds to write under feeds/: meta, google, or none (they are most of the bytes on a big catalog)")
	f.StringVarP(&opts.Output, "output", "o", "table", "summary format on stdout: table|json")
	f.IntVar(&opts.BatchSize, "batch-size", campaign.MaxBatchRequests, "requests per items_batch body (at most 5000)")
	opts.Read.register(cmd)
	return cmd
}

func (o *exportOptions) check() error {
	for _, f := range []struct{ name, val string }{{"campaign", o.Campaign}, {"catalog", o.Catalog}, {"out", o.Out}} {
		if f.val == "" {
			return usageErr("--%s is required", f.name)
		}
	}
	if err := oneOf("output", o.Output, "table", "json"); err != nil {
		return err
	}
	if o.BatchSize < 1 || o.BatchSize > campaign.MaxBatchRequests {
		return usageErr("invalid --batch-size %d: must be between 1 and %d", o.BatchSize, campaign.MaxBatchRequests)
	}
	if o.Catalog == "-" && o.Since == "-" {
		return usageErr("--catalog and --since cannot both read stdin")
	}
	for _, cf := range o.ChannelFeeds {
		if err := oneOf("channel-feeds", cf, "meta", "google", "none"); err != nil {
			return err
		}
		if cf == "none" && len(o.ChannelFeeds) > 1 {
			return usageErr("--channel-feeds none cannot be combined with other feeds")
		}
	}
	return o.Read.parse()
}

func runExport(ctx context.Context, o *exportOptions) error {
	ro := o.Read.opts
	c, err := loadCampaign(o.Campaign, o.IO.ErrOut)
	if err != nil {
		return err
	}
	// Everything that does not need the catalog is built first, so a
	// problem there costs no catalog read.
	x, err := campaign.NewExport(c)
	if err != nil {
		return &inputError{err: fmt.Errorf("%s: %w", o.Campaign, err)}
	}
	inputs := []string{o.Campaign, o.Catalog, o.Since}
	if err := checkOutDir(o.Out, o.Force, inputs); err != nil {
		return err
	}

	r, err := openFeed(ctx, o.Catalog, ro, o.IO.In)
	if err != nil {
		return err
	}
	defer r.Close()
	cols, err := catalogColumns(ctx, r, o.Catalog, ro)
	if err != nil {
		return err
	}
	var old *feed.OldIndex
	if o.Since != "" {
		// Read once (the removed ids are kept in the index), so stdin and
		// pipes do.
		sr, err := openFeed(ctx, o.Since, ro, o.IO.In)
		if err != nil {
			return err
		}
		old, err = campaign.IndexSince(ctx, o.Since, sr, o.Read.AllowEmpty)
		sr.Close()
		if err != nil {
			return engineErr(err)
		}
	}

	st, err := newStage(o.Out, inputs)
	if err != nil {
		return err
	}
	defer st.Abort()
	// The live heap (three duplicate-id sets, blocks in flight) is about
	// validate's; without a soft limit GOGC lets a 1M-item export peak
	// near 350 MB (277 MB with it, same CPU within noise).
	setMemoryLimit([]string{o.Catalog})

	prog := render.NewProgress(o.IO.ErrOut, o.IO.ProgressEnabled(o.app.Quiet), o.Now)
	res, err := x.Run(ctx, r, campaign.ExportOptions{
		Catalog: o.Catalog, BatchSize: o.BatchSize, SourceColumns: cols, Since: old, AllowEmpty: o.Read.AllowEmpty,
		Meta: slices.Contains(o.ChannelFeeds, "meta"), Google: slices.Contains(o.ChannelFeeds, "google"),
		Progress: func(n int) { prog.Update(o.Catalog, int64(n), 0) },
	}, stageSink{st})
	prog.Done()
	if res != nil && !o.app.Quiet {
		if res.MissingID > 0 {
			fmt.Fprintf(o.IO.ErrOut, "warning: %s without an id left out of items_batch\n", render.Count(res.MissingID, "catalog item", "catalog items"))
		}
		if res.DuplicateID > 0 {
			fmt.Fprintf(o.IO.ErrOut, "warning: %s an earlier id: items_batch carries the first only\n", render.Count(res.DuplicateID, "catalog item repeats", "catalog items repeat"))
		}
	}
	var empty *campaign.EmptyCatalogError
	if errors.As(err, &empty) {
		return &inputError{err: fmt.Errorf("%w (nothing written; --allow-empty exports an empty catalog)", empty.Err)}
	}
	if res != nil {
		printIssues(o.IO.ErrOut, res.Selection.Issues(), o.app.Quiet)
	}
	var check *campaign.CheckError
	if errors.As(err, &check) {
		msg := fmt.Sprintf("nothing written to %s: %s", o.Out, check.Failed[0])
		if len(check.Failed) > 1 {
			msg += fmt.Sprintf(" (and %s more)", render.Count(len(check.Failed)-1, "error", "errors"))
		}
		return &findingsError{msg: msg}
	}
	if err != nil {
		return engineErr(err)
	}
	written := stageSink{st}.Files()
	if err := commitStage(st); err != nil {
		return err
	}

	m := res.Manifest
	sum := exportSummary{SchemaVersion: 1, Out: o.Out, Campaign: c.Name, CatalogItems: res.Items, Batches: res.Batches,
		Updates: res.Updates, Deletes: res.Deletes, LeftOut: res.LeftOut, Since: o.Since, Files: written, Sets: m.Sets, Issues: m.Issues, Feeds: m.Feeds}
	if o.Since != "" {
		sum.Unchanged = res.Unchanged
	}
	return writeExportSummary(o, &sum)
}

// engineErr maps the engine's unreadable-input errors to exit 2.
func engineErr(err error) error {
	var re *campaign.ReadError
	if errors.As(err, &re) {
		return &inputError{err: re.Err}
	}
	return err
}

package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
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
for new and changed items, DELETE for items that are gone.

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
	_, err := o.Read.options()
	return err
}

// exportSummary is the -o json contract (schema_version 1).
type exportSummary struct {
	SchemaVersion int                     `json:"schema_version"`
	Out           string                  `json:"out"`
	Campaign      string                  `json:"campaign"`
	CatalogItems  int                     `json:"catalog_items"`
	Batches       int                     `json:"items_batch_bodies"`
	Updates       int                     `json:"items_batch_updates"`
	Deletes       int                     `json:"items_batch_deletes"`
	Unchanged     int                     `json:"unchanged_since,omitempty"`
	Since         string                  `json:"since,omitempty"`
	Files         []campaign.ManifestFile `json:"files"`
	Sets          []campaign.ManifestSet  `json:"sets"`
	Issues        []campaign.Issue        `json:"issues"`
	Feeds         []campaign.FeedSummary  `json:"channel_feeds"`
}

func runExport(ctx context.Context, o *exportOptions) error {
	ro, _ := o.Read.options()
	c, err := loadCampaign(o.Campaign, o.IO.ErrOut)
	if err != nil {
		return err
	}
	// Everything that does not need the catalog is built first, so a
	// problem there costs no catalog read.
	sheet, err := campaign.BuildBulkSheet(c)
	if err != nil {
		return &inputError{err: fmt.Errorf("%s: %w", o.Campaign, err)}
	}
	payloads, err := campaign.BuildAPIPayloads(c)
	if err != nil {
		return &inputError{err: fmt.Errorf("%s: %w", o.Campaign, err)}
	}
	apiFiles, err := payloads.Files()
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
	var old *campaign.SinceIndex
	if o.Since != "" {
		if o.Since == "-" {
			return usageErr("--since -: the previous feed must be a file (it is read twice)")
		}
		old, err = campaign.IndexSince(ctx, o.Since, func() (feed.Reader, error) { return openFeed(ctx, o.Since, ro, nil) })
		if err != nil {
			return engineErr(err)
		}
	}

	st, err := newStage(o.Out, inputs)
	if err != nil {
		return err
	}
	defer st.abort()

	prog := render.NewProgress(o.IO.ErrOut, o.IO.ProgressEnabled(o.app.Quiet), o.Now)
	res, err := campaign.StreamCatalog(ctx, c, r, campaign.ExportOptions{
		Catalog: o.Catalog, BatchSize: o.BatchSize, SourceColumns: cols, Since: old,
		Meta: slices.Contains(o.ChannelFeeds, "meta"), Google: slices.Contains(o.ChannelFeeds, "google"),
		Progress: func(n int) { prog.Update(o.Catalog, int64(n), 0) },
	}, stageSink{st})
	prog.Done()
	if err != nil {
		return engineErr(err)
	}
	if res.MissingID > 0 && !o.app.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "warning: %s catalog item(s) without an id left out of items_batch\n", render.Int(res.MissingID))
	}
	if res.DuplicateID > 0 && !o.app.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "warning: %s catalog item(s) repeat an earlier id: items_batch carries the first only\n", render.Int(res.DuplicateID))
	}
	if err := feed.NoItemsError(r, res.Items, o.Read.AllowEmpty); err != nil {
		return &inputError{err: fmt.Errorf("%w (nothing written; --allow-empty exports an empty catalog)", err)}
	}
	sel := res.Selection
	issues := sel.Issues()
	printIssues(o.IO.ErrOut, issues, o.app.Quiet)
	var failed []string
	for _, is := range issues {
		if is.Severity == feed.Error {
			failed = append(failed, fmt.Sprintf("ad set %q: %s", is.AdSet, is.Message))
		}
	}
	if len(failed) > 0 {
		msg := fmt.Sprintf("nothing written to %s: %s", o.Out, failed[0])
		if len(failed) > 1 {
			msg += fmt.Sprintf(" (and %d more error(s))", len(failed)-1)
		}
		return &findingsError{msg: msg}
	}

	if err := writeBulk(st, sheet); err != nil {
		return err
	}
	for _, f := range apiFiles {
		if err := st.writeFile(f.Path, f.Data); err != nil {
			return err
		}
	}
	plan, err := payloads.BuildPlan(apiFiles, res.Batches)
	if err != nil {
		return err
	}
	if err := st.writeFile(campaign.PlanPath, plan); err != nil {
		return err
	}
	if err := st.writeWith("preview.html", func(w io.Writer) error {
		return campaign.RenderPreview(w, campaign.BuildPreview(c, sel, campaign.CurrencyFormat{}))
	}); err != nil {
		return err
	}

	m := campaign.NewManifest(c, sel)
	m.Catalog = o.Catalog
	m.CatalogItems = res.Items
	for i := range m.Sets {
		if n := res.Feeds.SetFeedItems(); i < len(n) && n[i] > 0 {
			m.Sets[i].Feed = campaign.SetFeedPath(c.AdSets[i])
			m.Sets[i].FeedItems = n[i]
		}
	}
	m.Issues = append(m.Issues, res.CatalogIssues()...)
	m.Issues = append(m.Issues, res.Feeds.Issues()...)
	m.Feeds = res.Feeds.Summaries()
	m.Files = st.manifestFiles()
	mj, err := m.JSON()
	if err != nil {
		return err
	}
	if err := st.writeFile("manifest.json", mj); err != nil {
		return err
	}
	written := st.manifestFiles()
	if err := st.commit(); err != nil {
		return err
	}

	sum := exportSummary{SchemaVersion: 1, Out: o.Out, Campaign: c.Name, CatalogItems: res.Items, Batches: res.Batches,
		Updates: res.Updates, Deletes: res.Deletes, Since: o.Since, Files: written, Sets: m.Sets, Issues: m.Issues, Feeds: m.Feeds}
	if o.Since != "" {
		sum.Unchanged = res.Unchanged
	}
	return writeExportSummary(o, &sum)
}

// loadCampaign reads and checks the campaign file, printing every
// diagnostic as file:line:col so editors can jump to it.
func loadCampaign(path string, errOut io.Writer) (*campaign.Campaign, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &inputError{err: fmt.Errorf("campaign file: %w", err)}
	}
	defer f.Close()
	c, diags, err := campaign.Load(path, f)
	if err != nil {
		return nil, &inputError{err: fmt.Errorf("campaign file %s: %w", path, err)}
	}
	campaign.SortDiagnostics(diags)
	nerr := 0
	for _, d := range diags {
		fmt.Fprintln(errOut, d.String())
		if d.Severity == feed.Error {
			nerr++
		}
	}
	if campaign.HasErrors(diags) || c == nil {
		return nil, &inputError{err: fmt.Errorf("%s: %d error(s) in the campaign file; nothing written", path, max(nerr, 1))}
	}
	return c, nil
}

// checkOutDir refuses a DIR that is a file, or that holds anything when
// --force is not given, before any catalog is read.
func checkOutDir(dir string, force bool, inputs []string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return &inputError{err: fmt.Errorf("--out %s: %w", dir, err)}
	case !fi.IsDir():
		return usageErr("--out %s: not a directory", dir)
	}
	if force {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return &inputError{err: fmt.Errorf("--out %s: %w", dir, err)}
	}
	// The staging directory of an export that was killed (SIGKILL, power
	// loss) is dpa's own leftover, not the user's content: newStage removes
	// it, so it does not make DIR "non-empty".
	ents = slices.DeleteFunc(ents, isStaleStage)
	if len(ents) > 0 {
		return &usageError{err: fmt.Errorf("--out %s is not empty (%d entries)", dir, len(ents)),
			hint: "choose an empty or new directory, or pass --force to replace dpa's files in it"}
	}
	return nil
}

// catalogColumns is the column layout of the tabular outputs. CSV, TSV and
// XLSX give it in the header; XML and JSON items need not share fields, so
// a first pass collects them, which is the only case where the catalog is
// read twice.
func catalogColumns(ctx context.Context, r feed.Reader, path string, ro feed.ReadOptions) ([]string, error) {
	switch r.Format() {
	case "xml", "json", "jsonl":
		if path == "-" {
			return nil, usageErr("--catalog -: XML and JSON catalogs must be files (their columns need a first pass)")
		}
		pr, err := openFeed(ctx, path, ro, nil)
		if err != nil {
			return nil, err
		}
		defer pr.Close()
		cols, err := feed.ScanColumns(ctx, pr)
		if err != nil {
			return nil, &inputError{err: fmt.Errorf("%s: %w", path, err)}
		}
		return cols, nil
	}
	return slices.Clone(r.Columns()), nil
}

// stageSink lets the campaign engine create files in the stage.
type stageSink struct{ st *stage }

func (s stageSink) Create(rel string) (io.WriteCloser, error) { return s.st.create(rel) }

func writeBulk(st *stage, sheet *campaign.BulkSheet) error {
	// Number cells stay numbers in the workbook so Excel can sum budgets;
	// text cells are typed strings with the formula guard applied.
	rows := make([][]any, len(sheet.Rows))
	for i, row := range sheet.Rows {
		rows[i] = make([]any, len(row))
		for j, cell := range row {
			rows[i][j] = cell.Value
			if cell.Number && cell.Value != "" {
				if f, err := strconv.ParseFloat(cell.Value, 64); err == nil {
					rows[i][j] = f
				}
			}
		}
	}
	wb := render.Workbook{Sheets: []render.Sheet{{Name: "Ads", Columns: sheet.Header, Rows: rows, Freeze: true, ForExcel: true}}}
	if err := st.writeWith("meta/bulk_import.xlsx", func(w io.Writer) error { return render.WriteXLSX(w, wb) }); err != nil {
		return err
	}
	// Records(true) escapes text cells only: a negative number stays a
	// number, where CSVOptions.ForExcel would quote it.
	recs := sheet.Records(true)
	t := render.Table{Columns: recs[0], Rows: recs[1:]}
	return st.writeWith("meta/bulk_import.csv", func(w io.Writer) error { return render.WriteCSV(w, t, render.CSVOptions{}) })
}

func printIssues(w io.Writer, issues []campaign.Issue, quiet bool) {
	for _, is := range issues {
		if quiet && is.Severity != feed.Error {
			continue
		}
		line := fmt.Sprintf("%s: ad set %q: %s", is.Severity, is.AdSet, is.Message)
		if is.Count > 0 && len(is.ItemIDs) > 0 {
			ids := strings.Join(is.ItemIDs, ", ")
			if is.Count > len(is.ItemIDs) {
				ids += ", …"
			}
			line += fmt.Sprintf(" [%s item(s): %s]", render.Int(is.Count), ids)
		}
		fmt.Fprintln(w, render.CleanLine(line))
	}
}

func writeExportSummary(o *exportOptions, s *exportSummary) error {
	if o.Output == "json" {
		return render.WriteJSON(o.IO.Out, s)
	}
	styles := render.NewStyles(o.IO.ColorOut())
	fmt.Fprintf(o.IO.Out, "%s: %s catalog items → %s\n", s.Campaign, render.Int(s.CatalogItems), s.Out)
	sets := render.Table{Columns: []string{"ad set", "type", "items", "out of stock", "feed"}, Align: []string{"left", "left", "right", "right", "left"}}
	for _, ms := range s.Sets {
		sets.Rows = append(sets.Rows, []string{ms.Name, ms.Type, render.Int(ms.Items), render.Int(ms.OutOfStock), ms.Feed})
	}
	if err := render.WriteTable(o.IO.Out, sets, render.TableOptions{TTY: o.IO.OutTTY, Styles: styles}); err != nil {
		return err
	}
	files := render.Table{Columns: []string{"file", "bytes"}, Align: []string{"left", "right"}}
	var batchFiles int
	var batchBytes int64
	for _, f := range s.Files {
		if strings.HasPrefix(f.Path, "meta/api/items_batch/") {
			batchFiles++
			batchBytes += f.Bytes
			continue
		}
		files.Rows = append(files.Rows, []string{f.Path, render.Int64(f.Bytes)})
	}
	if batchFiles > 0 {
		files.Rows = append(files.Rows, []string{fmt.Sprintf("meta/api/items_batch/ (%d bodies)", batchFiles), render.Int64(batchBytes)})
	}
	if err := render.WriteTable(o.IO.Out, files, render.TableOptions{TTY: o.IO.OutTTY, Styles: styles}); err != nil {
		return err
	}
	batch := fmt.Sprintf("items_batch: %s UPDATE, %s DELETE", render.Int(s.Updates), render.Int(s.Deletes))
	if s.Since != "" {
		batch += fmt.Sprintf(" since %s (%s unchanged)", s.Since, render.Int(s.Unchanged))
	}
	var warns int
	for _, is := range s.Issues {
		if is.Severity == feed.Warning {
			warns++
		}
	}
	for _, f := range s.Feeds {
		if f.Path == "" {
			continue
		}
		line := fmt.Sprintf("%s: %s of %s items", f.Path, render.Int(f.ItemsOut), render.Int(f.ItemsIn))
		if f.Rejected.Count > 0 {
			var rules []string
			for i, r := range f.Rejected.Rules {
				if i == 3 {
					rules = append(rules, "…")
					break
				}
				rules = append(rules, r.Code)
			}
			line += fmt.Sprintf(", %s left out (%s)", render.Int(f.Rejected.Count), strings.Join(rules, ", "))
		}
		fmt.Fprintln(o.IO.Out, line)
	}
	fmt.Fprintf(o.IO.Out, "%s; %d warning(s), see manifest.json\n", batch, warns)
	return nil
}

// stage collects the export in a hidden directory inside DIR and renames
// each file into place only when every check has passed: a failed export
// leaves DIR as it was, and every file appears atomically.
type stage struct {
	root        string
	tmp         string
	createdRoot bool
	inputs      []string
	mu          sync.Mutex // create is called from the feeds' goroutines
	files       []*stagedFile
}

type stagedFile struct {
	rel   string
	f     *os.File
	bw    *bufio.Writer
	h     hash.Hash
	n     int64
	sum   string
	close bool
}

// stagePrefix names export staging directories inside DIR.
const stagePrefix = ".dpa-export-"

func isStaleStage(e fs.DirEntry) bool {
	return e.IsDir() && strings.HasPrefix(e.Name(), stagePrefix)
}

func newStage(root string, inputs []string) (*stage, error) {
	st := &stage{root: root, inputs: inputs}
	// Remove the staging directories of killed exports (issue 10 item 9).
	// Two exports into one DIR at once are not supported anyway: their
	// renames would interleave.
	if ents, err := os.ReadDir(root); err == nil {
		for _, e := range ents {
			if isStaleStage(e) {
				os.RemoveAll(filepath.Join(root, e.Name()))
			}
		}
	}
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, fmt.Errorf("--out %s: %w", root, err)
		}
		st.createdRoot = true
	}
	tmp, err := os.MkdirTemp(root, stagePrefix+"*")
	if err != nil {
		st.abort()
		return nil, fmt.Errorf("--out %s: %w", root, err)
	}
	st.tmp = tmp
	return st, nil
}

// create opens rel for writing inside the staging directory. rel is
// always built from slugs; IsLocal is the last line of defence.
func (st *stage) create(rel string) (*stagedFile, error) {
	if !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("refusing to write %q outside %s", rel, st.root)
	}
	p := filepath.Join(st.tmp, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, err)
	}
	sf := &stagedFile{rel: rel, f: f, h: sha256.New()}
	sf.bw = bufio.NewWriterSize(f, 256<<10)
	st.mu.Lock()
	st.files = append(st.files, sf)
	st.mu.Unlock()
	return sf, nil
}

func (sf *stagedFile) Write(p []byte) (int, error) {
	sf.h.Write(p)
	sf.n += int64(len(p))
	return sf.bw.Write(p)
}

func (sf *stagedFile) Close() error {
	if sf.close {
		return nil
	}
	sf.close = true
	if err := sf.bw.Flush(); err != nil {
		sf.f.Close()
		return fmt.Errorf("write %s: %w", sf.rel, err)
	}
	sf.sum = hex.EncodeToString(sf.h.Sum(nil))
	if err := sf.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", sf.rel, err)
	}
	return nil
}

func (st *stage) writeWith(rel string, fn func(w io.Writer) error) error {
	sf, err := st.create(rel)
	if err != nil {
		return err
	}
	if err := fn(sf); err != nil {
		sf.Close()
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return sf.Close()
}

func (st *stage) writeFile(rel string, data []byte) error {
	return st.writeWith(rel, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func (st *stage) manifestFiles() []campaign.ManifestFile {
	out := make([]campaign.ManifestFile, 0, len(st.files))
	for _, sf := range st.files {
		out = append(out, campaign.ManifestFile{Path: sf.rel, Bytes: sf.n, SHA256: sf.sum})
	}
	slices.SortFunc(out, func(a, b campaign.ManifestFile) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// commit renames every staged file into DIR. Targets are checked first,
// all of them, so a refusal leaves DIR untouched: no target may be an
// input, and no path component inside DIR may be a symlink (which could
// carry the write outside DIR).
func (st *stage) commit() error {
	for _, sf := range st.files {
		if !sf.close {
			return fmt.Errorf("internal error: %s not closed", sf.rel)
		}
		target := filepath.Join(st.root, filepath.FromSlash(sf.rel))
		if err := render.CheckNotInput(target, st.inputs); err != nil {
			return usageErr("%s: %v", target, err)
		}
		if err := noSymlinkBelow(st.root, sf.rel); err != nil {
			return usageErr("%v", err)
		}
		// A directory where a file must go fails here, before any rename,
		// so DIR is never left half old, half new with a manifest whose
		// hashes no longer match (issue 10 item 9).
		if fi, err := os.Lstat(target); err == nil && !fi.Mode().IsRegular() {
			return usageErr("%s: is a %s, not a file dpa can replace", target, kindOf(fi.Mode()))
		}
		for d := filepath.Dir(target); d != st.root && len(d) > len(st.root); d = filepath.Dir(d) {
			if fi, err := os.Lstat(d); err == nil && !fi.IsDir() {
				return usageErr("%s: is a file where dpa needs a directory", d)
			}
		}
	}
	if err := st.syncAll(); err != nil {
		return err
	}
	stale := st.staleFiles()
	for _, sf := range st.files {
		target := filepath.Join(st.root, filepath.FromSlash(sf.rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", target, err)
		}
		if err := os.Rename(filepath.Join(st.tmp, filepath.FromSlash(sf.rel)), target); err != nil {
			return fmt.Errorf("write %s: %w", target, err)
		}
	}
	for _, rel := range stale {
		os.Remove(filepath.Join(st.root, filepath.FromSlash(rel)))
	}
	st.files = nil
	os.RemoveAll(st.tmp)
	st.tmp = ""
	st.createdRoot = false
	return nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "non-regular file"
}

// syncAll makes every staged file durable before the renames, so a crash
// never leaves a renamed but empty file. The syncs run side by side: the
// kernel has usually written most of the data back already.
func (st *stage) syncAll() error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan *stagedFile)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sf := range next {
				f, err := os.Open(filepath.Join(st.tmp, filepath.FromSlash(sf.rel)))
				if err == nil {
					err = f.Sync()
					f.Close()
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("write %s: %w", sf.rel, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, sf := range st.files {
		next <- sf
	}
	close(next)
	wg.Wait()
	return first
}

// staleFiles lists the files a previous export recorded in DIR's
// manifest.json that this export does not write (a batch body fewer, a
// renamed ad set), so --force leaves no outdated file next to fresh ones.
// Only regular files inside DIR, reached without symlinks, qualify.
func (st *stage) staleFiles() []string {
	mp := filepath.Join(st.root, "manifest.json")
	if fi, err := os.Lstat(mp); err != nil || !fi.Mode().IsRegular() || fi.Size() > campaign.MaxConfigBytes*4 {
		return nil
	}
	data, err := os.ReadFile(mp)
	if err != nil {
		return nil
	}
	var prev struct {
		Tool  string                  `json:"tool"`
		Files []campaign.ManifestFile `json:"files"`
	}
	if json.Unmarshal(data, &prev) != nil || prev.Tool != "dpa" {
		return nil
	}
	now := map[string]bool{}
	for _, sf := range st.files {
		now[sf.rel] = true
	}
	var out []string
	for _, f := range prev.Files {
		rel := f.Path
		if now[rel] || !filepath.IsLocal(filepath.FromSlash(rel)) || noSymlinkBelow(st.root, rel) != nil {
			continue
		}
		p := filepath.Join(st.root, filepath.FromSlash(rel))
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && render.CheckNotInput(p, st.inputs) == nil {
			out = append(out, rel)
		}
	}
	return out
}

func noSymlinkBelow(root, rel string) error {
	p := root
	for _, part := range strings.Split(rel, "/") {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symlink: refusing to write through it", p)
		}
	}
	return nil
}

// abort removes the staging directory and a DIR this run created; after
// commit it does nothing.
func (st *stage) abort() {
	for _, sf := range st.files {
		if !sf.close {
			sf.close = true
			sf.f.Close()
		}
	}
	if st.tmp != "" {
		os.RemoveAll(st.tmp)
		st.tmp = ""
	}
	if st.createdRoot {
		os.Remove(st.root) // only if still empty
		st.createdRoot = false
	}
}

// engineErr maps the engine's unreadable-input errors to exit 2.
func engineErr(err error) error {
	var re *campaign.ReadError
	if errors.As(err, &re) {
		return &inputError{err: re.Err}
	}
	return err
}

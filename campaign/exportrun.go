package campaign

import (
	"context"
	"fmt"
	"strings"

	"github.com/dpa-tools/dpa/feed"
)

// An Export is one campaign ready to export. Everything that depends on
// campaign.yaml alone (bulk sheet, API payloads) is built by NewExport, so
// a campaign error is reported before any catalog is read or any output
// directory touched; Run then makes the catalog pass and writes every
// file through an ExportSink, in the order a reader of the output expects
// (manifest last, since it hashes the rest).
type Export struct {
	c        *Campaign
	sheet    *BulkSheet
	payloads *APIPayloads
	apiFiles []File
}

// NewExport builds what does not depend on the catalog.
func NewExport(c *Campaign) (*Export, error) {
	sheet, err := BuildBulkSheet(c)
	if err != nil {
		return nil, err
	}
	payloads, err := BuildAPIPayloads(c)
	if err != nil {
		return nil, err
	}
	files, err := payloads.Files()
	if err != nil {
		return nil, err
	}
	return &Export{c: c, sheet: sheet, payloads: payloads, apiFiles: files}, nil
}

// ExportSink receives every file of an export. Create opens one file (the
// engine may call it from several goroutines); WriteBulkSheet writes the
// Ads Manager bulk sheet in the sink owner's encodings (the CSV and XLSX
// encoders live with the printers, which campaign does not import); Files
// lists what has been written so far, with sizes and SHA-256, for the
// manifest.
type ExportSink interface {
	Sink
	WriteBulkSheet(*BulkSheet) error
	Files() []ManifestFile
}

// CheckError is an export refused by a check on the selection (an empty
// product set, text over a hard limit) or on the Google supplemental
// feed (a custom label over Google's 1,000 distinct values): the sink
// holds a partial export that must not be committed.
type CheckError struct{ Failed []string }

func (e *CheckError) Error() string { return strings.Join(e.Failed, "; ") }

// EmptyCatalogError is a catalog that yielded no items (an empty file, an
// HTML page saved as a feed): an export of it would replace a working
// catalog with nothing, so it is refused unless ExportOptions.AllowEmpty.
type EmptyCatalogError struct{ Err error }

func (e *EmptyCatalogError) Error() string { return e.Err.Error() }
func (e *EmptyCatalogError) Unwrap() error { return e.Err }

// Run makes the catalog pass and writes the whole export through sink.
// On a *CheckError or *EmptyCatalogError the result is still returned, so
// the command can print what the pass found; on any error the sink's
// files must be discarded.
func (x *Export) Run(ctx context.Context, r feed.Reader, o ExportOptions, sink ExportSink) (*ExportResult, error) {
	res, err := StreamCatalog(ctx, x.c, r, o, sink)
	if err != nil {
		return nil, err
	}
	if err := feed.NoItemsError(r, res.Items, o.AllowEmpty); err != nil {
		return res, &EmptyCatalogError{Err: err}
	}
	var failed []string
	for _, is := range res.Selection.Issues() {
		if is.Severity == feed.Error {
			failed = append(failed, fmt.Sprintf("ad set %q: %s", is.AdSet, is.Message))
		}
	}
	failed = append(failed, res.Feeds.LabelErrors()...)
	if len(failed) > 0 {
		return res, &CheckError{Failed: failed}
	}
	if err := x.writeCampaignFiles(res, sink); err != nil {
		return nil, err
	}
	m := x.manifest(res, o.Catalog)
	m.Files = sink.Files()
	mj, err := m.JSON()
	if err != nil {
		return nil, err
	}
	if err := writeSinkFile(sink, "manifest.json", mj); err != nil {
		return nil, err
	}
	res.Manifest = m
	return res, nil
}

// writeCampaignFiles writes the bulk sheet, the API payloads, the plan
// (which needs the number of items_batch bodies) and the preview.
func (x *Export) writeCampaignFiles(res *ExportResult, sink ExportSink) error {
	if err := sink.WriteBulkSheet(x.sheet); err != nil {
		return err
	}
	for _, f := range x.apiFiles {
		if err := writeSinkFile(sink, f.Path, f.Data); err != nil {
			return err
		}
	}
	plan, err := x.payloads.BuildPlan(x.apiFiles, res.Batches)
	if err != nil {
		return err
	}
	if err := writeSinkFile(sink, PlanPath, plan); err != nil {
		return err
	}
	w, err := sink.Create("preview.html")
	if err != nil {
		return err
	}
	if err := RenderPreview(w, BuildPreview(x.c, res.Selection, CurrencyFormat{})); err != nil {
		w.Close()
		return fmt.Errorf("write preview.html: %w", err)
	}
	return w.Close()
}

// manifest describes the export; Files is filled by the caller from the
// sink, just before the manifest itself is written.
func (x *Export) manifest(res *ExportResult, catalog string) *Manifest {
	m := NewManifest(x.c, res.Selection)
	m.Catalog = catalog
	m.CatalogItems = res.Items
	n := res.Feeds.SetFeedItems()
	for i := range m.Sets {
		if i < len(n) && n[i] > 0 {
			m.Sets[i].Feed = SetFeedPath(x.c.AdSets[i])
			m.Sets[i].FeedItems = n[i]
		}
		m.Sets[i].GoogleProductGroup = res.Feeds.GoogleProductGroup(i)
	}
	m.Issues = append(m.Issues, res.CatalogIssues()...)
	m.Issues = append(m.Issues, res.Feeds.Issues()...)
	m.Feeds = res.Feeds.Summaries()
	return m
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/dpa-tools/dpa/campaign"
	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

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
		return nil, &inputError{err: fmt.Errorf("%s: %s in the campaign file; nothing written", path, render.Count(max(nerr, 1), "error", "errors"))}
	}
	return c, nil
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

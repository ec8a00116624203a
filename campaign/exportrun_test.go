package campaign

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed"
)

// runExport loads a campaign file and exports it over a catalog through
// sink; bare file names are under examples/. Defaults: Catalog names the
// catalog path, BatchSize is Meta's maximum.
func runExport(t *testing.T, campaignPath, catalogPath string, o ExportOptions, sink ExportSink) (*ExportResult, error) {
	t.Helper()
	resolve := func(p string) string {
		if filepath.Base(p) == p {
			return filepath.Join("..", "examples", p)
		}
		return p
	}
	cp := resolve(campaignPath)
	f, err := os.Open(cp)
	if err != nil {
		t.Fatal(err)
	}
	c, diags, err := Load(cp, f)
	f.Close()
	if err != nil || HasErrors(diags) {
		t.Fatalf("load %s: %v %v", cp, err, diags)
	}
	x, err := NewExport(c)
	if err != nil {
		t.Fatalf("%s: %v", cp, err)
	}
	r, err := feed.OpenFile(context.Background(), resolve(catalogPath), feed.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if o.Catalog == "" {
		o.Catalog = catalogPath
	}
	if o.BatchSize == 0 {
		o.BatchSize = MaxBatchRequests
	}
	o.SourceColumns = slices.Clone(r.Columns())
	return x.Run(context.Background(), r, o, sink)
}

// TestExportRunGolden pins every file the engine writes for the shipped
// example campaign and catalog (testdata/golden/run/, -update), and that
// a second run gives the same bytes. The command's test checks that
// `dpa export` writes these same files to disk.
func TestExportRunGolden(t *testing.T) {
	o := ExportOptions{Catalog: "../../examples/catalog.csv"}
	dir, res := exportDir(t, "campaign.yaml", "catalog.csv", o)
	paths := filesUnder(t, dir)
	if res.Manifest == nil || len(res.Manifest.Files) != len(paths)-1 {
		t.Fatalf("manifest lists %v, the export holds %v", res.Manifest, paths)
	}
	for _, p := range paths {
		golden(t, "run/"+p, []byte(mustRead(t, filepath.Join(dir, p))))
	}
	again, _ := exportDir(t, "campaign.yaml", "catalog.csv", o)
	for _, p := range paths {
		if mustRead(t, filepath.Join(dir, p)) != mustRead(t, filepath.Join(again, p)) {
			t.Errorf("%s differs between two runs", p)
		}
	}
}

// filesUnder lists the regular files under dir, slash-separated, sorted.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestExportRunRefusals: an export whose product set selects nothing is a
// CheckError naming the ad set, and a catalog without items an
// EmptyCatalogError (both leave the sink uncommitted), unless AllowEmpty.
func TestExportRunRefusals(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	if err := os.WriteFile(empty, []byte("id,title,description,availability,condition,price,link,image_link,brand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := runExport(t, "campaign.yaml", empty, ExportOptions{}, &dirSink{dir: t.TempDir()})
	var ee *EmptyCatalogError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "no items") {
		t.Fatalf("empty catalog: err = %v, want an EmptyCatalogError", err)
	}
	res, err := runExport(t, "campaign.yaml", empty, ExportOptions{AllowEmpty: true}, &dirSink{dir: t.TempDir()})
	var ce *CheckError
	if !errors.As(err, &ce) || res == nil || !strings.Contains(ce.Failed[0], "ad set") {
		t.Fatalf("empty catalog allowed: err = %v, want a CheckError for the empty product sets", err)
	}
}

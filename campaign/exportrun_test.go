package campaign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed"
)

// runSink is the in-memory ExportSink of the engine tests: files by path,
// the bulk sheet as the CSV rows the command also writes (Records(true),
// RFC 4180), and the manifest's file list with sizes and SHA-256 hashes.
type runSink struct{ memSink }

func (s runSink) WriteBulkSheet(sheet *BulkSheet) error {
	w, err := s.Create("meta/bulk_import.csv")
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(sheet.Records(true)); err != nil {
		return err
	}
	return w.Close()
}

func (s runSink) Files() []ManifestFile {
	memSinkMu.Lock()
	defer memSinkMu.Unlock()
	var out []ManifestFile
	for p, b := range s.memSink {
		sum := sha256.Sum256(b.Bytes())
		out = append(out, ManifestFile{Path: p, Bytes: int64(b.Len()), SHA256: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(out, func(a, b ManifestFile) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func (s runSink) paths() []string {
	var out []string
	for p := range s.memSink {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (s runSink) file(t *testing.T, rel string) []byte {
	t.Helper()
	b, ok := s.memSink[rel]
	if !ok {
		t.Fatalf("%s not written; files: %v", rel, s.paths())
	}
	return b.Bytes()
}

// exportRun runs the whole export of a campaign file and a catalog into
// memory (see runExport).
func exportRun(t *testing.T, campaignPath, catalogPath string, o ExportOptions) (runSink, *ExportResult, error) {
	t.Helper()
	sink := runSink{memSink{}}
	res, err := runExport(t, campaignPath, catalogPath, o, sink)
	return sink, res, err
}

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
	o := ExportOptions{Catalog: "../../examples/catalog.csv", Meta: true, Google: true}
	sink, res, err := exportRun(t, "campaign.yaml", "catalog.csv", o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest == nil || len(res.Manifest.Files) != len(sink.paths())-1 {
		t.Fatalf("manifest lists %v, sink holds %v", res.Manifest, sink.paths())
	}
	for _, p := range sink.paths() {
		golden(t, "run/"+p, sink.file(t, p))
	}
	again, _, err := exportRun(t, "campaign.yaml", "catalog.csv", o)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sink.paths() {
		if !bytes.Equal(sink.file(t, p), again.file(t, p)) {
			t.Errorf("%s differs between two runs", p)
		}
	}
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
	_, _, err := exportRun(t, "campaign.yaml", empty, ExportOptions{})
	var ee *EmptyCatalogError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "no items") {
		t.Fatalf("empty catalog: err = %v, want an EmptyCatalogError", err)
	}
	_, res, err := exportRun(t, "campaign.yaml", empty, ExportOptions{AllowEmpty: true})
	var ce *CheckError
	if !errors.As(err, &ce) || res == nil || !strings.Contains(ce.Failed[0], "ad set") {
		t.Fatalf("empty catalog allowed: err = %v, want a CheckError for the empty product sets", err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/dpa-tools/dpa/campaign"
	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

// -update (or UPDATE_GOLDEN=1, as the scripts use) rewrites the golden
// files of testdata/export. Looked up first so another test file may own
// the flag.
var updateExport = func() func() bool {
	f := flag.Lookup("update")
	var p *bool
	if f == nil {
		p = flag.Bool("update", false, "rewrite golden files")
	}
	return func() bool {
		if os.Getenv("UPDATE_GOLDEN") == "1" {
			return true
		}
		if p != nil {
			return *p
		}
		b, _ := strconv.ParseBool(flag.Lookup("update").Value.String())
		return b
	}
}()

const (
	exampleCampaign = "../../examples/campaign.yaml"
	exampleCatalog  = "../../examples/catalog.csv"
)

// runDPA runs the command in-process and returns its exit code and streams.
func runDPA(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	s, out, errOut := render.Test()
	code := run(ctx, args, s, fixedNow)
	return code, out.String(), errOut.String()
}

// exportExample exports the example campaign into a fresh directory.
func exportExample(t *testing.T, extra ...string) (dir, stdout, stderr string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "out")
	args := append([]string{"export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", dir}, extra...)
	code, stdout, stderr := runDPA(t, context.Background(), args...)
	if code != 0 {
		t.Fatalf("export exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	return dir, stdout, stderr
}

// listFiles returns every regular file under dir, slash-separated and sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "export", filepath.FromSlash(name))
	if updateExport() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file (run with -update after checking the diff)\n%s", name, firstDiff(want, got))
	}
}

func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, w, g)
		}
	}
	return "(same lines, different bytes)"
}

// TestExportGolden pins every file the example export writes, plus the
// stdout summary. The workbook is pinned as a cell dump (cellDump) as well
// as by its checksum in manifest.json.
// engineGolden holds the files of the example export as the engine
// writes them (campaign's TestExportRunGolden, go test ./campaign -update).
const engineGolden = "../../campaign/testdata/golden/run"

func TestExportGolden(t *testing.T) {
	dir, stdout, stderr := exportExample(t)
	files := listFiles(t, dir)
	want := []string{
		"feeds/adsets/30-outlet.csv", "feeds/adsets/cart-abandoners.csv", "feeds/adsets/footwear-under-150.csv",
		"feeds/adsets/outerwear-for-top-buyers.csv", "feeds/adsets/premium-accessories.csv",
		"feeds/google.xml", "feeds/google_supplemental.tsv", "feeds/meta.csv", "manifest.json",
		"meta/api/ad_creatives/30-outlet.json", "meta/api/ad_creatives/cart-abandoners.json",
		"meta/api/ad_creatives/footwear-under-150.json", "meta/api/ad_creatives/outerwear-for-top-buyers.json",
		"meta/api/ad_creatives/premium-accessories.json",
		"meta/api/ad_sets/30-outlet.json", "meta/api/ad_sets/cart-abandoners.json", "meta/api/ad_sets/footwear-under-150.json",
		"meta/api/ad_sets/outerwear-for-top-buyers.json", "meta/api/ad_sets/premium-accessories.json",
		"meta/api/ads/30-outlet.json", "meta/api/ads/cart-abandoners.json", "meta/api/ads/footwear-under-150.json",
		"meta/api/ads/outerwear-for-top-buyers.json", "meta/api/ads/premium-accessories.json",
		"meta/api/campaign.json", "meta/api/items_batch/batch-0001.json", "meta/api/plan.json",
		"meta/api/product_audiences/30-outlet.json", "meta/api/product_audiences/cart-abandoners.json",
		"meta/api/product_audiences/outerwear-for-top-buyers.json", "meta/api/product_audiences/premium-accessories.json",
		"meta/api/product_sets/30-outlet.json", "meta/api/product_sets/cart-abandoners.json",
		"meta/api/product_sets/footwear-under-150.json", "meta/api/product_sets/outerwear-for-top-buyers-source.json",
		"meta/api/product_sets/outerwear-for-top-buyers.json", "meta/api/product_sets/premium-accessories-source.json",
		"meta/api/product_sets/premium-accessories.json",
		"meta/bulk_import.csv", "meta/bulk_import.xlsx", "preview.html",
	}
	if !slices.Equal(files, want) {
		t.Fatalf("files written:\n%s\nwant:\n%s", strings.Join(files, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(f, ".xlsx"):
			checkGolden(t, f+".cells.txt", cellDump(t, data))
		case f == "manifest.json":
			// The command's manifest also lists the workbook.
			checkGolden(t, f, data)
		default:
			// Every other file is the engine's, pinned by campaign's
			// TestExportRunGolden: the command writes exactly those bytes.
			want, err := os.ReadFile(filepath.Join(engineGolden, filepath.FromSlash(f)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("%s differs from the engine's golden file\n%s", f, firstDiff(want, data))
			}
		}
	}
	checkGolden(t, "stdout.txt", []byte(strings.ReplaceAll(stdout, dir, "OUT")))
	checkGolden(t, "stderr.txt", []byte(stderr))

	// A second run gives the same bytes: nothing depends on time or map order.
	dir2, _, _ := exportExample(t)
	for _, f := range files {
		a, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		b, _ := os.ReadFile(filepath.Join(dir2, filepath.FromSlash(f)))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", f)
		}
	}
}

// cellDump lists every non-empty cell of every sheet with its type, the
// form golden files can diff.
func cellDump(t *testing.T, data []byte) []byte {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var b strings.Builder
	for _, sh := range x.GetSheetList() {
		rows, err := x.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "sheet %q: %d rows\n", sh, len(rows))
		for r, row := range rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				typ, _ := x.GetCellType(sh, ref)
				fmt.Fprintf(&b, "%s\t%s\t%q\n", ref, cellTypeName(typ), v)
			}
		}
	}
	return []byte(b.String())
}

func cellTypeName(t excelize.CellType) string {
	switch t {
	case excelize.CellTypeNumber, excelize.CellTypeUnset:
		return "n"
	case excelize.CellTypeInlineString, excelize.CellTypeSharedString:
		return "s"
	case excelize.CellTypeFormula:
		return "FORMULA"
	}
	return fmt.Sprint(t)
}

// TestExportBulkSheet reads the workbook back and compares it cell by cell
// with the campaign's bulk sheet: same header, text cells formula-guarded,
// numbers numeric, and the CSV carrying the same guarded values.
func TestExportBulkSheet(t *testing.T) {
	dir, _, _ := exportExample(t)
	c := loadExample(t)
	sheet, err := campaign.BuildBulkSheet(c)
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenFile(filepath.Join(dir, "meta", "bulk_import.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) != 1 {
		t.Fatalf("sheets %v, want one", sheets)
	}
	rows, err := x.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(sheet.Rows)+1 || len(sheet.Rows) != len(c.AdSets) {
		t.Fatalf("%d workbook rows, want header + %d ads", len(rows), len(c.AdSets))
	}
	cell := func(r, col int) string {
		if col < len(rows[r]) {
			return rows[r][col]
		}
		return ""
	}
	for col, h := range sheet.Header {
		if got := cell(0, col); got != h {
			t.Errorf("header %d = %q, want %q", col, got, h)
		}
	}
	sawGuard := false
	for r, row := range sheet.Rows {
		for col, want := range row {
			ref, _ := excelize.CoordinatesToCellName(col+1, r+2)
			got := cell(r+1, col)
			typ, _ := x.GetCellType(sheets[0], ref)
			switch {
			case want.Value == "":
				if got != "" {
					t.Errorf("%s (%s) = %q, want empty", ref, sheet.Header[col], got)
				}
			case want.Number:
				f, _ := strconv.ParseFloat(want.Value, 64)
				g, err := strconv.ParseFloat(got, 64)
				if err != nil || g != f || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
					t.Errorf("%s (%s) = %q (type %v), want the number %s", ref, sheet.Header[col], got, typ, want.Value)
				}
			default:
				if exp := render.SafeCell(want.Value); got != exp {
					t.Errorf("%s (%s) = %q, want %q", ref, sheet.Header[col], got, exp)
				}
				if typ == excelize.CellTypeFormula {
					t.Errorf("%s is a formula", ref)
				}
				if got != want.Value {
					sawGuard = true
				}
			}
		}
	}
	if !sawGuard {
		t.Error(`no cell was formula-guarded: the example's "-30% Outlet" ad set should be`)
	}
	// The CSV holds the same guarded values.
	f, err := os.Open(filepath.Join(dir, "meta", "bulk_import.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(recs, sheet.Records(true), slices.Equal) {
		t.Error("bulk_import.csv differs from the guarded sheet records")
	}
	nameCol := slices.Index(sheet.Header, "Ad Set Name")
	if nameCol < 0 || recs[len(recs)-1][nameCol] != "'-30% Outlet" {
		t.Errorf(`last row's Ad Set Name = %q, want "'-30%% Outlet"`, recs[len(recs)-1][nameCol])
	}
}

func loadExample(t *testing.T) *campaign.Campaign {
	t.Helper()
	f, err := os.Open(exampleCampaign)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, diags, err := campaign.Load(exampleCampaign, f)
	if err != nil || c == nil {
		t.Fatalf("%v %v", err, diags)
	}
	return c
}

// writeCampaign writes a minimal campaign with the given ad sets YAML.
func writeCampaign(t *testing.T, dir, adSets string) string {
	t.Helper()
	src := `campaign:
  name: Test
  catalog_id: "1"
  page_id: "2"
  countries: [US]
  currency: USD
  budget: {amount: 10}
ad_sets:
` + adSets
	p := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// countBodies counts the items_batch bodies in an export directory (their
// contents are the engine's, checked in campaign's tests).
func countBodies(dir string) int {
	paths, _ := filepath.Glob(filepath.Join(dir, "meta", "api", "items_batch", "*.json"))
	return len(paths)
}

// TestExportPathTraversal: ad set names that look like paths still land
// inside DIR, as slugs.
func TestExportPathTraversal(t *testing.T) {
	tmp := t.TempDir()
	names := []string{"../../escape", "/etc/passwd", `..\..\win`, "CON", ".hidden", "feeds/../../x"}
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "  - name: %q\n    type: prospecting\n    product_set: {where: {availability: in stock}}\n    creative: {primary_text: x, link: https://shop.example.com/}\n", n)
	}
	camp := writeCampaign(t, tmp, b.String())
	out := filepath.Join(tmp, "deep", "out")
	code, stdout, stderr := runDPA(t, context.Background(), "export", "--campaign", camp, "--catalog", exampleCatalog, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	// Nothing outside out/: tmp holds only c.yaml and deep/out.
	err := filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(tmp, p)
		rel = filepath.ToSlash(rel)
		if rel == "." || rel == "c.yaml" || rel == "deep" || rel == "deep/out" || strings.HasPrefix(rel, "deep/out/") {
			return nil
		}
		t.Errorf("written outside --out: %s", rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range listFiles(t, out) {
		for _, part := range strings.Split(f, "/") {
			if part == ".." || strings.HasPrefix(part, ".") || strings.ContainsAny(part, `\:`) {
				t.Errorf("unsafe file name %q", f)
			}
		}
	}
	sets, _ := filepath.Glob(filepath.Join(out, "feeds", "adsets", "*.csv"))
	if len(sets) != len(names) {
		t.Errorf("%d per-set feeds for %d ad sets: %v", len(sets), len(names), sets)
	}
}

func TestExportRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	os.WriteFile(keep, []byte("mine"), 0o644)
	code, _, stderr := runDPA(t, context.Background(), "export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", dir)
	if code != 2 || !strings.Contains(stderr, "not empty") || !strings.Contains(stderr, "--force") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if files := listFiles(t, dir); !slices.Equal(files, []string{"notes.txt"}) {
		t.Errorf("refusal wrote %v", files)
	}
	// --force writes next to the user's file and leaves it alone.
	code, _, stderr = runDPA(t, context.Background(), "export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", dir, "--force", "--batch-size", "5")
	if code != 0 {
		t.Fatalf("--force: exit %d %s", code, stderr)
	}
	if b, _ := os.ReadFile(keep); string(b) != "mine" {
		t.Error("--force touched a file dpa did not write")
	}
	if n := countBodies(dir); n != 4 {
		t.Errorf("--batch-size 5: %d items_batch bodies, want 4", n)
	}
	// A later export with fewer bodies removes the stale ones it had written.
	code, _, stderr = runDPA(t, context.Background(), "export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", dir, "--force")
	if code != 0 {
		t.Fatalf("second --force: exit %d %s", code, stderr)
	}
	if n := countBodies(dir); n != 1 {
		t.Errorf("stale bodies left: %d items_batch bodies, want 1", n)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Error("stale-file cleanup removed a file dpa did not write")
	}
}

// TestExportNeverOverwritesInputs: a catalog sitting where an output goes
// stops the export before any file moves.
func TestExportNeverOverwritesInputs(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "feeds", "meta.csv")
	os.MkdirAll(filepath.Dir(cat), 0o755)
	orig, _ := os.ReadFile(exampleCatalog)
	os.WriteFile(cat, orig, 0o644)
	code, _, stderr := runDPA(t, context.Background(), "export", "--campaign", exampleCampaign, "--catalog", cat, "--out", dir, "--force")
	if code != 2 || !strings.Contains(stderr, "overwrite an input") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if b, _ := os.ReadFile(cat); !bytes.Equal(b, orig) {
		t.Error("the catalog was overwritten")
	}
	if files := listFiles(t, dir); !slices.Equal(files, []string{"feeds/meta.csv"}) {
		t.Errorf("a refused export left %v", files)
	}
}

func TestExportExitCodes(t *testing.T) {
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(mustRead(t, exampleCampaign), "      headline: \"{{product.name}}\"\n      primary_text: \"Complete", "      headlin: \"{{product.name}}\"\n      primary_text: \"Complete", 1)), 0o644)
	tag := filepath.Join(tmp, "tag.yaml")
	os.WriteFile(tag, []byte(strings.Replace(mustRead(t, exampleCampaign), "{{product.brand}} {{product.name}}\"\n      primary_text: \"Fresh", "{{product.brnad}} {{product.name}}\"\n      primary_text: \"Fresh", 1)), 0o644)
	empty := writeCampaign(t, tmp, `  - name: Ghost
    type: prospecting
    product_set: {where: {brand: No Such Brand}}
    creative: {primary_text: x, link: https://shop.example.com/}
  - name: Sold out coats
    type: prospecting
    product_set: {where: {product_type: {contains: coats}}}
    creative: {primary_text: x, link: https://shop.example.com/}
`)
	long := filepath.Join(tmp, "long.yaml")
	os.WriteFile(long, []byte(strings.Replace(mustRead(t, exampleCampaign), `primary_text: "Outlet prices while stock lasts."`, `primary_text: "`+strings.Repeat("Outlet ", 400)+`{{product.name}}"`, 1)), 0o644)

	out := func() string { return filepath.Join(t.TempDir(), "out") }
	tests := []struct {
		name    string
		args    []string
		code    int
		stderr  []string
		written bool
	}{
		{"ok", []string{"--campaign", exampleCampaign, "--catalog", exampleCatalog}, 0, []string{"warning:"}, true},
		{"missing --campaign", []string{"--catalog", exampleCatalog}, 2, []string{"--campaign is required"}, false},
		{"bad -o", []string{"--campaign", exampleCampaign, "--catalog", exampleCatalog, "-o", "yaml"}, 2, []string{"invalid --output"}, false},
		{"bad --batch-size", []string{"--campaign", exampleCampaign, "--catalog", exampleCatalog, "--batch-size", "6000"}, 2, []string{"--batch-size"}, false},
		{"unknown key", []string{"--campaign", bad, "--catalog", exampleCatalog}, 2, []string{bad + ":", "headlin", `did you mean "headline"?`}, false},
		{"unknown tag", []string{"--campaign", tag, "--catalog", exampleCatalog}, 2, []string{tag + ":", "product.brnad", "product.brand"}, false},
		{"no campaign file", []string{"--campaign", filepath.Join(tmp, "nope.yaml"), "--catalog", exampleCatalog}, 2, []string{"nope.yaml"}, false},
		{"no catalog", []string{"--campaign", exampleCampaign, "--catalog", filepath.Join(tmp, "nope.csv")}, 2, []string{"nope.csv"}, false},
		{"empty set", []string{"--campaign", empty, "--catalog", exampleCatalog}, 1, []string{`"Ghost"`, "selects no in-stock item", `"Sold out coats"`, "out of stock", "nothing written"}, false},
		{"over limit", []string{"--campaign", long, "--catalog", exampleCatalog}, 1, []string{"-30% Outlet", "2200-character limit", "nothing written"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := out()
			code, _, stderr := runDPA(t, context.Background(), append([]string{"export", "--out", dir}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, tt.code, stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			_, err := os.Stat(dir)
			if written := err == nil; written != tt.written {
				t.Errorf("output directory exists = %v, want %v", written, tt.written)
			}
		})
	}
}

func TestExportDiagnosticPosition(t *testing.T) {
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.yaml")
	src := strings.Replace(mustRead(t, exampleCampaign), "call_to_action: LEARN_MORE", "call_to_action: LEARN_MOAR", 1)
	os.WriteFile(bad, []byte(src), 0o644)
	line := 0
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, "LEARN_MOAR") {
			line = i + 1
		}
	}
	_, _, stderr := runDPA(t, context.Background(), "export", "--campaign", bad, "--catalog", exampleCatalog, "--out", filepath.Join(tmp, "o"))
	if want := fmt.Sprintf("%s:%d:", bad, line); !strings.Contains(stderr, want) || !strings.Contains(stderr, "LEARN_MORE") {
		t.Errorf("stderr %q lacks %q and the suggestion", stderr, want)
	}
}

func TestExportInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := filepath.Join(t.TempDir(), "out")
	code, _, _ := runDPA(t, ctx, "export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", dir)
	if code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("an interrupted export left %v", listFiles(t, dir))
	}
}

// TestExportXMLCatalog: the same catalog as RSS XML selects the same items.
func TestExportXMLCatalog(t *testing.T) {
	tmp := t.TempDir()
	r, err := feed.OpenFile(context.Background(), exampleCatalog, feed.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	xmlPath := filepath.Join(tmp, "catalog.xml")
	f, _ := os.Create(xmlPath)
	w, err := feed.NewWriter(f, feed.FormatXML, feed.WriteOptions{Columns: r.Columns()})
	if err != nil {
		t.Fatal(err)
	}
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write(it)
	}
	w.Close()
	f.Close()
	r.Close()
	csvDir, csvOut, _ := exportExample(t, "-o", "json")
	xmlDir := filepath.Join(tmp, "out")
	code, xmlOut, stderr := runDPA(t, context.Background(), "export", "--campaign", exampleCampaign, "--catalog", xmlPath, "--out", xmlDir, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var a, b exportSummary
	json.Unmarshal([]byte(csvOut), &a)
	json.Unmarshal([]byte(xmlOut), &b)
	for i := range a.Sets {
		if a.Sets[i].Items != b.Sets[i].Items || a.Sets[i].OutOfStock != b.Sets[i].OutOfStock {
			t.Errorf("set %s: csv %d/%d, xml %d/%d", a.Sets[i].Name, a.Sets[i].Items, a.Sets[i].OutOfStock, b.Sets[i].Items, b.Sets[i].OutOfStock)
		}
	}
	x, _ := os.ReadFile(filepath.Join(csvDir, "feeds", "google_supplemental.tsv"))
	y, _ := os.ReadFile(filepath.Join(xmlDir, "feeds", "google_supplemental.tsv"))
	if !bytes.Equal(x, y) {
		t.Error("google_supplemental.tsv differs between the CSV and XML catalogs")
	}
	// XML columns come in first-seen order, so compare the feeds' items.
	for _, s := range a.Sets {
		if x, y := feedItems(t, filepath.Join(csvDir, s.Feed)), feedItems(t, filepath.Join(xmlDir, s.Feed)); !slices.Equal(x, y) {
			t.Errorf("%s: csv catalog gives\n%v\nxml catalog gives\n%v", s.Feed, x, y)
		}
	}
}

// feedItems reads a feed as one "name=value;…" line per item, fields sorted.
func feedItems(t *testing.T, path string) []string {
	t.Helper()
	r, err := feed.OpenFile(context.Background(), path, feed.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for {
		it, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var kv []string
		for k, v := range campaign.ItemData(it) {
			kv = append(kv, k+"="+v)
		}
		slices.Sort(kv)
		out = append(out, strings.Join(kv, ";"))
	}
}

// TestInitThenExport is the first-run experience: dpa init, then the
// export command it prints, in an empty directory.
func TestInitThenExport(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	code, _, stderr := runDPA(t, context.Background(), "init")
	if code != 0 {
		t.Fatalf("init: exit %d %s", code, stderr)
	}
	if !strings.Contains(stderr, "dpa export --campaign campaign.yaml --catalog catalog.csv --out out/") {
		t.Errorf("init does not print the next step: %q", stderr)
	}
	for name, want := range campaign.InitFiles() {
		if got, _ := os.ReadFile(name); !bytes.Equal(got, want) {
			t.Errorf("%s differs from campaign.InitFiles", name)
		}
	}
	code, stdout, stderr := runDPA(t, context.Background(), "export", "--campaign", "campaign.yaml", "--catalog", "catalog.csv", "--out", "out/")
	if code != 0 {
		t.Fatalf("export: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join("out", "manifest.json")); err != nil {
		t.Error(err)
	}
	// init refuses to overwrite, checking every file before writing any.
	os.Remove("catalog.csv")
	os.WriteFile("campaign.yaml", []byte("# mine\n"), 0o644)
	code, _, stderr = runDPA(t, context.Background(), "init")
	if code != 2 || !strings.Contains(stderr, "campaign.yaml already exists") {
		t.Errorf("init over an existing file: exit %d %q", code, stderr)
	}
	if _, err := os.Stat("catalog.csv"); err == nil {
		t.Error("a refused init still wrote catalog.csv")
	}
	if code, _, _ = runDPA(t, context.Background(), "init", "--force"); code != 0 {
		t.Errorf("init --force: exit %d", code)
	}
	if got := mustRead(t, "campaign.yaml"); got == "# mine\n" {
		t.Error("init --force did not overwrite")
	}
	// init DIR creates the directory.
	if code, _, stderr = runDPA(t, context.Background(), "init", "sub/dir"); code != 0 {
		t.Fatalf("init sub/dir: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join("sub", "dir", "campaign.yaml")); err != nil {
		t.Error(err)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExportPreviewChromium opens preview.html in Debian's headless
// chromium with the network off, checks the DOM it renders and takes a
// screenshot (kept when DPA_PREVIEW_PNG names a path).
func TestExportPreviewChromium(t *testing.T) {
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium absent (apt-get install chromium)")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	dir, _, _ := exportExample(t)
	page, _ := filepath.Abs(filepath.Join(dir, "preview.html"))
	png := filepath.Join(t.TempDir(), "preview.png")
	if p := os.Getenv("DPA_PREVIEW_PNG"); p != "" {
		png = p
	}
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 90e9)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, append(base, "--screenshot="+png, "--window-size=1200,900", "file://"+page)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	fi, err := os.Stat(png)
	if err != nil || fi.Size() < 10_000 {
		t.Fatalf("screenshot missing or blank: %v", err)
	}
	dom, err := exec.CommandContext(ctx, chromium, append(base, "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	for _, want := range []string{"Cart abandoners", "-30% Outlet", "Organic Cotton Crew Tee", "Everyday Socks 3-Pack &lt;Cotton &amp; Bamboo&gt;", "Shop Now", "Everyday Socks 3-Pack &lt;Cotton &amp; Bamboo&gt; - now $12"} {
		if !bytes.Contains(dom, []byte(want)) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	if bytes.Contains(dom, []byte("<script")) {
		t.Error("preview has a script")
	}
}

// BenchmarkExport exports a generated catalog (-benchtime=1x keeps it
// short; DPA_BENCH_ITEMS sets the size, default 20,000) with the 5-ad-set
// example campaign, next to validate on the same file.
func BenchmarkExport(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("DPA_BENCH_ITEMS")); err == nil && v > 0 {
		n = v
	}
	tmp := b.TempDir()
	cat := filepath.Join(tmp, "catalog.csv")
	f, err := os.Create(cat)
	if err != nil {
		b.Fatal(err)
	}
	if err := feed.GenerateFeed(context.Background(), f, feed.GenerateOptions{Items: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	camp := filepath.Join(tmp, "c.yaml")
	// The campaign package's benchmark campaign: five ad sets over the
	// generated catalog's product types and brands.
	yaml, err := os.ReadFile(filepath.Join("..", "..", "campaign", "testdata", "bench_campaign.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	os.WriteFile(camp, yaml, 0o644)
	b.Run("export", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			out := filepath.Join(tmp, "out"+strconv.Itoa(i))
			s, _, errOut := render.Test()
			if code := run(context.Background(), []string{"export", "--campaign", camp, "--catalog", cat, "--out", out}, s, fixedNow); code != 0 {
				b.Fatalf("exit %d: %s", code, errOut)
			}
			os.RemoveAll(out)
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
	})
	b.Run("validate", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, _, _ := render.Test()
			run(context.Background(), []string{"validate", "-o", "json", cat}, s, fixedNow)
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
	})
}

// --channel-feeds limits the full-catalog feeds; everything else is the same.
func TestExportChannelFeeds(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		flag       string
		meta, goog bool
	}{{"meta,google", true, true}, {"meta", true, false}, {"none", false, false}} {
		out := filepath.Join(dir, strings.ReplaceAll(tc.flag, ",", "-"))
		s, _, errOut := render.Test()
		code := run(t.Context(), []string{"export", "-q", "--campaign", "../../examples/campaign.yaml", "--catalog", "../../examples/catalog.csv", "--out", out, "--channel-feeds", tc.flag}, s, fixedNow)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.flag, code, errOut)
		}
		_, errM := os.Stat(filepath.Join(out, "feeds", "meta.csv"))
		_, errG := os.Stat(filepath.Join(out, "feeds", "google.xml"))
		if (errM == nil) != tc.meta || (errG == nil) != tc.goog {
			t.Errorf("%s: meta.csv present %v, google.xml present %v", tc.flag, errM == nil, errG == nil)
		}
		man, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
		if strings.Contains(string(man), "feeds/google.xml") != tc.goog {
			t.Errorf("%s: manifest and files disagree about google.xml", tc.flag)
		}
		if _, err := os.Stat(filepath.Join(out, "feeds", "adsets")); err != nil {
			t.Errorf("%s: per-set feeds missing: %v", tc.flag, err)
		}
	}
	s, _, errOut := render.Test()
	if code := run(t.Context(), []string{"export", "--campaign", "../../examples/campaign.yaml", "--catalog", "../../examples/catalog.csv", "--out", filepath.Join(dir, "bad"), "--channel-feeds", "none,meta"}, s, fixedNow); code != 2 {
		t.Fatalf("none,meta: exit %d: %s", code, errOut)
	}
}

// TestExportCommitChecksFirst (issue 10 item 9): a directory where a
// later file must go fails the export before any rename, so DIR keeps the
// previous export whole (files and the manifest that hashes them).
func TestExportCommitChecksFirst(t *testing.T) {
	dir, _, _ := exportExample(t)
	before := mustRead(t, filepath.Join(dir, "meta", "api", "campaign.json"))
	manifest := mustRead(t, filepath.Join(dir, "manifest.json"))
	os.Remove(filepath.Join(dir, "preview.html"))
	os.Mkdir(filepath.Join(dir, "preview.html"), 0o755)
	src, _ := os.ReadFile(exampleCampaign)
	camp := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(camp, []byte(strings.Replace(string(src), "name: Spring Apparel - Catalog Sales", "name: Summer", 1)), 0o644)
	code, _, stderr := runDPA(t, context.Background(), "export", "--campaign", camp, "--catalog", exampleCatalog, "--out", dir, "--force")
	if code != 2 || !strings.Contains(stderr, "preview.html") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := mustRead(t, filepath.Join(dir, "meta", "api", "campaign.json")); got != before {
		t.Error("campaign.json was replaced although the export failed")
	}
	if got := mustRead(t, filepath.Join(dir, "manifest.json")); got != manifest {
		t.Error("manifest.json changed")
	}
}

// TestExportRemovesStaleStage (issue 10 item 9): the staging directory of
// a killed export neither makes DIR "non-empty" nor survives the next run.
func TestExportRemovesStaleStage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	stale := filepath.Join(dir, ".dpa-export-123456")
	os.MkdirAll(filepath.Join(stale, "feeds"), 0o755)
	os.WriteFile(filepath.Join(stale, "feeds", "meta.csv"), []byte("id\n"), 0o644)
	code, _, stderr := runDPA(t, context.Background(), "export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale staging directory still there: %v", err)
	}
}

// TestExportWarnsDuplicateIDs: the command tells the user on stderr that a
// repeated id is sent once (the engine's handling of it is tested in
// campaign's TestExportDuplicateIDs).
func TestExportWarnsDuplicateIDs(t *testing.T) {
	data := mustRead(t, exampleCatalog)
	var dup string
	for _, l := range strings.Split(data, "\n") {
		if strings.HasPrefix(l, "DR-6010-RED-S,") {
			dup = l
		}
	}
	cat := filepath.Join(t.TempDir(), "dup.csv")
	if err := os.WriteFile(cat, []byte(data+dup+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runDPA(t, context.Background(), "export", "--campaign", exampleCampaign, "--catalog", cat, "--out", out)
	if code != 0 || !strings.Contains(stderr, "warning: 1 catalog item repeats an earlier id: items_batch carries the first only") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed"
)

// shellFields splits a command line the way planNormalize quotes it
// (single quotes only).
func shellFields(s string) []string {
	var out []string
	var cur strings.Builder
	in, any := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			in, any = !in, true
		case r == ' ' && !in:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

// TestShopExportJourney walks a marketer's first journey on every real shop
// export under ../shared/data/real: validate recognises the export and
// prints a normalize command; that command, as printed, keeps ≥ 95% of the
// items; and its output validates without errors, for Meta and Google.
func TestShopExportJourney(t *testing.T) {
	exports := []string{
		"shopify-product-csvs/apparel.csv",
		"shopify-product-csvs/home-and-garden.csv",
		"shopify-product-csvs/jewelery.csv",
		"woocommerce-export/wc-product-export-28-7-2024-1722216242241.csv",
		"magento2-sample-data/products.csv",
	}
	root := "../../../shared/data/real"
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared/data/real is not available")
	}
	for _, rel := range exports {
		for _, ch := range []string{"meta", "google"} {
			t.Run(ch+"/"+rel, func(t *testing.T) {
				src := filepath.Join(root, rel)
				code, out, errOut := runDPA(t, context.Background(), "validate", "-q", "-o", "json", "--channel", ch, src)
				if code != 1 {
					t.Fatalf("validate exit %d, want 1: %s", code, errOut)
				}
				var rep struct {
					Files []feed.FileReport `json:"files"`
				}
				if err := json.Unmarshal([]byte(out), &rep); err != nil {
					t.Fatal(err)
				}
				fr := rep.Files[0]
				if fr.Source == "" || fr.Normalize == nil || !strings.HasPrefix(fr.Normalize.Command, "dpa normalize ") {
					t.Fatalf("no normalize hint: %+v", fr)
				}
				args := shellFields(fr.Normalize.Command)[1:]
				dst := filepath.Join(t.TempDir(), filepath.Base(args[len(args)-1]))
				args[len(args)-1] = dst
				code, out, errOut = runDPA(t, context.Background(), append(args, "-q", "-o", "json")...)
				if code != 0 {
					t.Fatalf("%s: exit %d: %s\n%s", fr.Normalize.Command, code, errOut, out)
				}
				var sum normalizeSummary
				if err := json.Unmarshal([]byte(out), &sum); err != nil {
					t.Fatal(err)
				}
				t.Logf("%s: items in %d, out %d, rejected %d (%d source rows merged)", fr.Normalize.Command, sum.ItemsIn, sum.ItemsOut, sum.ItemsRejected, sum.MergedRows)
				if sum.ItemsOut*100 < sum.ItemsIn*95 {
					t.Errorf("only %d of %d items out: %+v", sum.ItemsOut, sum.ItemsIn, sum.Actions)
				}
				if sum.ItemsOut != fr.Normalize.ItemsOut || sum.ItemsIn != fr.Normalize.ItemsIn {
					t.Errorf("the hint promised %d of %d", fr.Normalize.ItemsOut, fr.Normalize.ItemsIn)
				}
				code, _, errOut = runDPA(t, context.Background(), "validate", "-q", "-o", "json", "--channel", ch, "--fail-on", "error", dst)
				if code != 0 {
					t.Errorf("the normalized feed has errors on %s: %s", ch, errOut)
				}
			})
		}
	}
}

// A run in which no item passes exits 1 with the action, writes no feed
// (an existing one is kept) but writes the rejects; an unknown --map
// column and an unknown --set field are usage errors.
func TestNormalizeNothingOut(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "meta.csv")
	os.WriteFile(out, []byte("old feed\n"), 0o644)
	code, stdout, errOut := runDPA(t, context.Background(), "normalize", "../../examples/shopify_export.csv", "--out", out)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	if b, _ := os.ReadFile(out); string(b) != "old feed\n" {
		t.Errorf("the feed was replaced: %q", b)
	}
	if !strings.Contains(errOut, "add --currency") || !strings.Contains(stdout, "Add to the command: --currency USD") {
		t.Errorf("no action:\nstdout %s\nstderr %s", stdout, errOut)
	}
	rej, err := os.ReadFile(filepath.Join(dir, "meta.rejects.csv"))
	if err != nil || !strings.HasPrefix(string(rej), "Handle,Title,Body (HTML),") {
		t.Errorf("rejects not in the input's dialect: %v %.60q", err, rej)
	}
	for _, c := range []struct{ args, want string }{
		{"--map Variant_SKU=id,Nope=brand", `column "nope" is not in`},
		{"--set colour=red", `has no field "colour" (did you mean "color"?)`},
		{"--default condition", "write field=value"},
	} {
		args := append([]string{"normalize", "../../examples/shopify_export.csv", "--out", out}, strings.Fields(c.args)...)
		code, _, errOut := runDPA(t, context.Background(), args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

// --set and --default also come from dpa.yaml.
func TestNormalizeConfigConstants(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "dpa.yaml")
	os.WriteFile(cfg, []byte("set:\n  brand: Acme Outdoor\nnormalize:\n  default:\n    material: cotton\n"), 0o644)
	out := filepath.Join(dir, "meta.csv")
	code, _, errOut := runDPA(t, context.Background(), "--config", cfg, "normalize", "../../examples/shopify_export.csv",
		"--currency", "USD", "--base-url", "https://shop.example.com", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "Acme Outdoor") || !strings.Contains(string(b), "cotton") {
		t.Errorf("config constants not applied:\n%s", b)
	}
}

// validate on a shop export says what it is and prints a working command,
// instead of a finding per missing column.
func TestValidateShopExportHint(t *testing.T) {
	code, out, errOut := runDPA(t, context.Background(), "validate", "../../examples/shopify_export.csv")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"This is a Shopify product export, not a Meta", "dpa normalize ../../examples/shopify_export.csv --channel meta --currency USD --base-url https://your-shop.example --out shopify_export.meta.csv", "source.shop_export"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "header.column_missing") {
		t.Errorf("column findings on a shop export:\n%s", out)
	}
}

// TestShopExportNoWeakChannelLine (issue 11): on a real Shopify export the
// channel guess is weak (a shop export has no channel of its own), but the
// shop-export hint already names --channel, so stderr has no "weak
// evidence" line; an ordinary feed with weak evidence still gets it.
func TestShopExportNoWeakChannelLine(t *testing.T) {
	src := "../../../shared/data/real/shopify-product-csvs/apparel.csv"
	if _, err := os.Stat(src); err != nil {
		t.Skip("../shared/data/real is not available")
	}
	for _, format := range []string{"table", "json"} {
		code, out, errOut := runDPA(t, context.Background(), "validate", "-o", format, src)
		if code != 1 {
			t.Fatalf("-o %s: exit %d: %s", format, code, errOut)
		}
		if strings.Contains(errOut, "weak evidence") || strings.Contains(errOut, "checking as") {
			t.Errorf("-o %s: channel line on a shop export:\n%s", format, errOut)
		}
		if !strings.Contains(out+errOut, "--channel meta --currency USD") {
			t.Errorf("-o %s: no normalize hint:\n%s\n%s", format, out, errOut)
		}
		if !strings.Contains(errOut, "1 error finding (--fail-on error)") {
			t.Errorf("-o %s: gate line:\n%s", format, errOut)
		}
	}
	feedPath := filepath.Join(t.TempDir(), "items.csv")
	if err := os.WriteFile(feedPath, []byte("id,title,price\nA1,Shirt,10 USD\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, errOut := runDPA(t, context.Background(), "validate", feedPath)
	if !strings.Contains(errOut, "weak evidence") {
		t.Errorf("a plain feed lost its weak-evidence line:\n%s", errOut)
	}
}

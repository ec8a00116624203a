package feed

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

const wooHeader = "ID,Type,SKU,Name,Published,Description,In stock?,Regular price,Categories,Images,Parent,Attribute 1 name,Attribute 1 value(s)\n"

func wooRow(id, sku, price string) string {
	return id + ",simple," + sku + ",Beanie,1,A warm woollen beanie for cold days.,1," + price + ",Accessories,https://cdn.example.com/b.jpg,,Color,Red\n"
}

// A WooCommerce export has no brand: --set gives every item one,
// --default only those without; both run before the fixes.
func TestNormalizeSetDefault(t *testing.T) {
	src := []byte(wooHeader + wooRow("1", "B-1", "18") + wooRow("2", "B-2", "20"))
	ch, _ := LookupChannel("meta")
	out, _, changes, res := runNormalize(t, "woo.csv", src, NormalizeOptions{Channel: ch, Currency: "USD", BaseURL: "https://shop.example.com",
		Set: map[string]string{"brand": "  Acme  "}, Default: map[string]string{"condition": "used", "material": "wool"}}, FormatCSV)
	if res.ItemsOut != 2 {
		t.Fatalf("items out %d, want 2: %+v", res.ItemsOut, res.Actions)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	hdr := strings.Split(lines[0], ",")
	row := strings.Split(lines[1], ",")
	get := func(n string) string { return row[slices.Index(hdr, n)] }
	if get("brand") != "Acme" {
		t.Errorf("brand %q, want Acme (set, then trimmed)", get("brand"))
	}
	if get("condition") != "new" {
		t.Errorf("condition %q: --default must not replace the layout's value", get("condition"))
	}
	if get("material") != "wool" {
		t.Errorf("material %q, want the default", get("material"))
	}
	if !slices.ContainsFunc(changes, func(c Change) bool { return c.Rule == fixSet && c.Field == "brand" }) {
		t.Errorf("no %s change: %+v", fixSet, changes)
	}
}

// --map over a recognised layout overrides the layout; a column the file
// lacks is an error, not silently ignored.
func TestNormalizeMapOverLayout(t *testing.T) {
	src := []byte(wooHeader + wooRow("1", "B-1", "18"))
	ch, _ := LookupChannel("meta")
	out, _, _, res := runNormalize(t, "woo.csv", src, NormalizeOptions{Channel: ch, Currency: "USD", BaseURL: "https://shop.example.com",
		Set: map[string]string{"brand": "Acme"}, Map: map[string]string{"categories": "custom_label_0", "id": "mpn"}}, FormatCSV)
	if res.Source != SourceWooCommerce || res.ItemsOut != 1 {
		t.Fatalf("source %s, out %d", res.Source, res.ItemsOut)
	}
	if !strings.Contains(out, "custom_label_0") || !strings.Contains(out, "Accessories") {
		t.Errorf("mapped column missing from the output:\n%s", out)
	}

	r, _ := Open(context.Background(), "woo.csv", bytes.NewReader(src), ReadOptions{})
	defer r.Close()
	_, err := Normalize(context.Background(), r, NormalizeOptions{Channel: ch, Map: map[string]string{"variant_sku": "id"}},
		NormalizeSinks{Out: func([]string) (ItemWriter, error) { return discardWriter{}, nil }})
	var me *MapColumnError
	if !errors.As(err, &me) || me.Column != "variant_sku" || !slices.Contains(me.Columns, "Regular price") {
		t.Fatalf("err = %v, want a MapColumnError listing the header as written", err)
	}
}

// Rejection reasons become actions with the flag that fixes them.
func TestNormalizeActions(t *testing.T) {
	src, err := os.ReadFile("../examples/shopify_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := LookupChannel("meta")
	_, _, _, res := runNormalize(t, "shop.csv", src, NormalizeOptions{Channel: ch}, FormatCSV)
	if res.ItemsOut != 0 {
		t.Fatalf("items out %d without --currency/--base-url", res.ItemsOut)
	}
	var flags []string
	for _, a := range res.Actions {
		flags = append(flags, a.Arg())
		if a.Items <= 0 || a.Message == "" {
			t.Errorf("empty action %+v", a)
		}
	}
	for _, want := range []string{"--currency USD", "--base-url https://your-shop.example"} {
		if !slices.Contains(flags, want) {
			t.Errorf("actions %q lack %q", flags, want)
		}
	}
	plan, err := PlanNormalize(context.Background(), func() (Reader, error) {
		return Open(context.Background(), "shop.csv", bytes.NewReader(src), ReadOptions{})
	},
		NormalizeOptions{Channel: ch})
	if err != nil {
		t.Fatal(err)
	}
	if plan.ItemsOut == 0 || len(plan.Flags) < 2 {
		t.Errorf("plan: %d of %d with %+v", plan.ItemsOut, plan.ItemsIn, plan.Flags)
	}
}

// Rejects keep the input's dialect: header as written, delimiter,
// encoding, and a BOM when asked for.
func TestRejectsDialect(t *testing.T) {
	src := "Handle;Title;Variant Price;Vendor\nmug;Tasse Café;12;Acme\n"
	enc, _ := charmap.Windows1252.NewEncoder().String(src)
	r, err := Open(context.Background(), "shop.csv", strings.NewReader(enc), ReadOptions{Encoding: "windows-1252"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	d := DialectOf(r)
	if d.Comma != ';' || d.Encoding != "windows-1252" || d.Header[2] != "Variant Price" {
		t.Fatalf("dialect %+v", d)
	}
	var b bytes.Buffer
	w, _ := NewRejectsWriter(&b, d, false)
	w.Write(&Item{Fields: []Field{{"handle", "mug"}, {"title", "Tasse Café"}, {"variant_price", "12"}, {"vendor", "Acme"}, {ReasonField, "price.currency_missing"}}})
	w.Close()
	got, _ := charmap.Windows1252.NewDecoder().String(b.String())
	want := "Handle;Title;Variant Price;Vendor;dpa_reason\nmug;Tasse Café;12;Acme;price.currency_missing\n"
	if got != want {
		t.Errorf("rejects\n%q\nwant\n%q", got, want)
	}
	b.Reset()
	w, _ = NewRejectsWriter(&b, Dialect{Format: "csv", Header: []string{"a"}, Comma: ',', Encoding: "utf-8"}, true)
	w.Close()
	if !strings.HasPrefix(b.String(), "\ufeffa,dpa_reason") {
		t.Errorf("no BOM: %q", b.String())
	}
}

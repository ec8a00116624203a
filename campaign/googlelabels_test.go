package campaign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExportGoogleLabelTargetsEveryAdSet (issue 9 point 8): in the
// default one-label scheme every ad set of the shipped example can be
// targeted in Google Ads: the items whose custom_label_4 is one of the
// values the manifest lists for the set are exactly the items the set
// selects. (With "first ad set wins", four of the five sets matched no
// item: the retargeting set selects the whole catalog.)
func TestExportGoogleLabelTargetsEveryAdSet(t *testing.T) {
	dir, res := exportDir(t, "campaign.yaml", "catalog.csv", ExportOptions{})
	// The ad sets each item of the same campaign and catalog selects.
	cp := filepath.Join("..", "examples", "campaign.yaml")
	src, err := os.ReadFile(cp)
	if err != nil {
		t.Fatal(err)
	}
	c, diags, err := Load(cp, strings.NewReader(string(src)))
	if err != nil || c == nil {
		t.Fatalf("%v %v", err, diags)
	}
	cat, err := os.ReadFile(exampleCatalog)
	if err != nil {
		t.Fatal(err)
	}
	sel := newSelection(c, selectOptions{})
	matched := map[string][]int{}
	for _, it := range csvItems(t, cat) {
		matched[it.Get("id")] = slices.Clone(sel.Add(it))
	}
	label := map[string]string{} // id -> custom_label_4
	lines := strings.Split(strings.TrimSpace(mustRead(t, filepath.Join(dir, "feeds", "google_supplemental.tsv"))), "\n")
	if lines[0] != "id\tcustom_label_4" {
		t.Fatalf("header %q", lines[0])
	}
	for _, l := range lines[1:] {
		id, v, _ := strings.Cut(l, "\t")
		label[id] = v
	}
	for i, ms := range res.Manifest.Sets {
		g := ms.GoogleProductGroup
		if g == nil || g.Label != "custom_label_4" || len(g.Values) == 0 {
			t.Errorf("%s: product group %+v", ms.Name, g)
			continue
		}
		var want, got []string
		for id, sets := range matched {
			if slices.Contains(sets, i) {
				want = append(want, id)
			}
		}
		for id, v := range label {
			if slices.Contains(g.Values, v) {
				got = append(got, id)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: the values %q target %v, the set selects %v", ms.Name, g.Values, got, want)
		}
	}
}

// labelCampaign writes a campaign of n prospecting ad sets, set k
// selecting the items whose product_type contains "b<k>." and labelled
// with segment seg(k), and a catalog whose item m is in the sets of the
// bits of m (m = 1..items).
func labelCampaign(t *testing.T, n, items int, seg func(k int) string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	var c strings.Builder
	c.WriteString("campaign:\n  name: Labels\n  catalog_id: \"1\"\n  page_id: \"2\"\n  countries: [US]\n  currency: USD\n  budget: {type: daily, amount: 10}\nad_sets:\n")
	for k := 0; k < n; k++ {
		fmt.Fprintf(&c, "  - name: Set %d\n    type: prospecting\n    segment: %s\n    product_set: {where: {product_type: {contains: \"b%d.\"}}}\n    creative: {primary_text: Hi, link: \"https://x.example/\"}\n", k, seg(k), k)
	}
	var cat strings.Builder
	cat.WriteString("id,title,description,availability,condition,price,link,image_link,brand,product_type\n")
	for m := 1; m <= items; m++ {
		var pt []string
		for k := 0; k < n; k++ {
			if m&(1<<k) != 0 {
				pt = append(pt, fmt.Sprintf("b%d.", k))
			}
		}
		fmt.Fprintf(&cat, "I-%d,Item %d,A plain item for the label test,in stock,new,10.00 USD,https://x.example/p/%d,https://x.example/i/%d.jpg,Acme,%s\n",
			m, m, m, m, strings.Join(pt, " "))
	}
	cp, kp := filepath.Join(dir, "campaign.yaml"), filepath.Join(dir, "catalog.csv")
	if err := os.WriteFile(cp, []byte(c.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp, []byte(cat.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return cp, kp
}

// TestExportGoogleLabelLimits: export refuses a supplemental feed whose
// custom label would hold more than Google's 1,000 distinct values, or a
// value over 100 characters, naming the label and the count.
func TestExportGoogleLabelLimits(t *testing.T) {
	short := func(k int) string { return fmt.Sprintf("s%d", k) }
	// 10 overlapping sets, items 1..1023: every combination, 1,023 values.
	cp, kp := labelCampaign(t, 10, 1023, short)
	_, err := runExport(t, cp, kp, ExportOptions{}, &dirSink{dir: t.TempDir()})
	var ce *CheckError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "custom_label_4 would hold 1023 distinct values") {
		t.Fatalf("over 1,000 values: %v", err)
	}
	// 1,000 values exactly are accepted: items 1..1000.
	cp, kp = labelCampaign(t, 10, 1000, short)
	res, err := runExport(t, cp, kp, ExportOptions{}, &dirSink{dir: t.TempDir()})
	if err != nil {
		t.Fatalf("1,000 values: %v", err)
	}
	if g := res.Manifest.Sets[9].GoogleProductGroup; g == nil || len(g.Values) != 1000-511 {
		t.Errorf("set 9 (items 512..1000) product group: %+v", g)
	}
	// Three sets of 40-character segments: an item in all three gets a
	// 122-character value.
	long := func(k int) string { return strings.Repeat(string(rune('a'+k)), 40) }
	cp, kp = labelCampaign(t, 3, 7, long)
	_, err = runExport(t, cp, kp, ExportOptions{}, &dirSink{dir: t.TempDir()})
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "is 122 characters; Google takes 1–100") {
		t.Fatalf("long value: %v", err)
	}
}

// TestSegmentRefusesComboSep: "+" joins the segments of an item's ad
// sets, so a segment holding it is a line:col error.
func TestSegmentRefusesComboSep(t *testing.T) {
	src := strings.Replace(twoSetsSameFilter, "    type: prospecting\n", "    type: prospecting\n    segment: shoes+socks\n", 1)
	msg := loadErrors(t, src)
	if !strings.Contains(msg, "c.yaml:11:14: error: ad_sets[0].segment: segment \"shoes+socks\" contains \"+\"") {
		t.Errorf("got %s", msg)
	}
}

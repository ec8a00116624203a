package campaign

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// buildPlan returns the campaign's API files and its meta/api/plan.json
// (2 items_batch files).
func buildPlan(t *testing.T, c *Campaign) ([]File, []byte) {
	t.Helper()
	p, err := BuildAPIPayloads(c)
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.Files()
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.BuildPlan(files, 2)
	if err != nil {
		t.Fatal(err)
	}
	return files, data
}

func mustLoad(t *testing.T, src string) *Campaign {
	t.Helper()
	c, diags, err := Load("c.yaml", strings.NewReader(src))
	if err != nil || c == nil {
		t.Fatalf("load: %v %v", err, diags)
	}
	return c
}

func loadErrors(t *testing.T, src string) string {
	t.Helper()
	c, diags, err := Load("c.yaml", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if c != nil {
		t.Fatalf("loaded, want errors")
	}
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

// TestPlanCreationOrder: plan.json lists every payload file (ads
// included), each placeholder a step consumes is produced by an earlier
// step or is a declared input, and every body file exists.
func TestPlanCreationOrder(t *testing.T) {
	c, _, _, _ := exampleExport(t)
	files, data := buildPlan(t, c)
	golden(t, "meta/api/plan.json", data)
	var pl plan
	if err := json.Unmarshal(data, &pl); err != nil {
		t.Fatal(err)
	}
	exists := map[string]bool{BatchPath(1): true, BatchPath(2): true}
	for _, f := range files {
		exists[f.Path] = true
	}
	produced := map[string]bool{}
	for _, in := range pl.Inputs {
		produced[in] = true
	}
	inPlan := map[string]bool{}
	ads := 0
	for _, st := range pl.Steps {
		if !exists[st.Body] {
			t.Errorf("step %d: body %s does not exist", st.Step, st.Body)
		}
		inPlan[st.Body] = true
		for _, ph := range st.Consumes {
			if !produced[ph] {
				t.Errorf("step %d (%s) consumes %s before any step produces it", st.Step, st.Body, ph)
			}
		}
		if st.Produces != "" {
			produced[st.Produces] = true
		}
		if strings.HasSuffix(st.Path, "/ads") {
			ads++
		}
		if !strings.HasPrefix(st.Path, "/"+defaultGraphAPIVersion+"/") {
			t.Errorf("step %d path %s lacks the Graph API version", st.Step, st.Path)
		}
	}
	for _, f := range files {
		if !inPlan[f.Path] {
			t.Errorf("%s is not in the plan", f.Path)
		}
	}
	if ads != len(c.AdSets) {
		t.Errorf("%d ads for %d ad sets", ads, len(c.AdSets))
	}
	if pl.GraphAPIVersion != defaultGraphAPIVersion {
		t.Errorf("version %q", pl.GraphAPIVersion)
	}
}

const twoSetsSameFilter = `campaign:
  name: T
  catalog_id: "1"
  page_id: "2"
  countries: [US]
  currency: USD
  budget: {type: daily, amount: 10}
ad_sets:
  - name: Shoes
    type: prospecting
    product_set: {where: {product_type: {contains: shoes}}}
    creative: {primary_text: Hi, link: "https://x.example/"}
  - name: Shoes again
    type: retargeting
    product_set: {where: {product_type: {contains: shoes}}}
    creative: {primary_text: Hi, link: "https://x.example/"}
  - name: Shoes source
    type: cross_sell
    audience:
      events: [purchased]
      source: {where: {brand: Acme}}
    product_set: {where: {brand: Other}}
    creative: {primary_text: Hi, link: "https://x.example/"}
  - name: Shoes
    type: upsell
    audience:
      source: {where: {brand: Zed}}
    product_set: {where: {brand: Acme}}
    creative: {primary_text: Hi, link: "https://x.example/"}
`

// TestSharedProductSets: two ad sets with the same filter share one
// product set (Meta refuses a duplicate filter, error 10803), and a
// source set whose "<slug>-source" stem is taken by another ad set gets a
// unique stem: no two payloads share a file name or a placeholder.
func TestSharedProductSets(t *testing.T) {
	src := strings.Replace(twoSetsSameFilter, "  - name: Shoes\n    type: upsell", "  - name: Shoes 2\n    type: upsell", 1)
	c := mustLoad(t, src)
	p, err := BuildAPIPayloads(c)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	filters := map[string]bool{}
	for _, ps := range p.ProductSets {
		slugs = append(slugs, ps.Slug)
		if filters[string(ps.Payload.Filter)] {
			t.Errorf("filter %s created twice", ps.Payload.Filter)
		}
		filters[string(ps.Payload.Filter)] = true
	}
	// shoes (shared by "Shoes again"), shoes-source's own set, shoes-2's
	// source set (brand Zed) as shoes-2-source; "Shoes source"'s source set
	// (brand Acme) equals "Shoes 2"'s own set, so it is shared.
	if got := strings.Join(slugs, " "); got != "shoes shoes-source shoes-2 shoes-2-source" {
		t.Errorf("product sets %q", got)
	}
	if ProductSetRef(c.AdSets[1]) != "<PRODUCT_SET_ID:shoes>" {
		t.Errorf("second ad set uses %s", ProductSetRef(c.AdSets[1]))
	}
	if sourceSetRef(c.AdSets[2]) != ProductSetRef(c.AdSets[3]) {
		t.Errorf("source %s vs set %s", sourceSetRef(c.AdSets[2]), ProductSetRef(c.AdSets[3]))
	}
	files, err := p.Files()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Path] {
			t.Errorf("%s written twice", f.Path)
		}
		seen[f.Path] = true
	}
}

// TestDerivedSourceNameCollision (issue 10 item 10): an ad set slugged
// "a-source" next to ad set "A" whose audience source would be
// "a-source" too: the source set is stemmed "a-source-2".
func TestDerivedSourceNameCollision(t *testing.T) {
	src := `campaign:
  name: T
  catalog_id: "1"
  page_id: "2"
  countries: [US]
  currency: USD
  budget: {type: daily, amount: 10}
ad_sets:
  - name: A
    type: cross_sell
    audience: {events: [purchased], source: {where: {brand: X}}}
    product_set: {where: {brand: Y}}
    creative: {primary_text: Hi, link: "https://x.example/"}
  - name: A source
    type: prospecting
    product_set: {where: {brand: Z}}
    creative: {primary_text: Hi, link: "https://x.example/"}
`
	c := mustLoad(t, src)
	if got := c.AdSets[0].Audience.Source.Slug; got != "a-source-2" {
		t.Errorf("source stem %q, want a-source-2", got)
	}
	p, _ := BuildAPIPayloads(c)
	files, err := p.Files()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.Path] {
			t.Fatalf("%s written twice", f.Path)
		}
		seen[f.Path] = true
	}
	if !seen["meta/api/product_sets/a-source-2.json"] || !seen["meta/api/product_sets/a-source.json"] {
		t.Errorf("files %v", seen)
	}
}

// TestScheduleInAccountZone: an end date is inclusive (23:59:59 in the
// ad account's zone), the API time carries the offset, the bulk sheet the
// same wall time in that zone, and both name the same instant.
func TestScheduleInAccountZone(t *testing.T) {
	src := strings.Replace(minimalCampaign, "  currency: USD\n", "  currency: USD\n  time_zone: Europe/Berlin\n  start: 2026-03-01\n  end: 2026-03-31\n", 1)
	c := mustLoad(t, src)
	p, _ := BuildAPIPayloads(c)
	if p.Campaign.StartTime != "2026-03-01 00:00:00+01:00" || p.Campaign.StopTime != "2026-03-31 23:59:59+02:00" {
		t.Errorf("API times %q %q", p.Campaign.StartTime, p.Campaign.StopTime)
	}
	sheet, _ := BuildBulkSheet(c)
	var sheetStop string
	for i, h := range sheet.Header {
		if h == "Campaign Stop Time" {
			sheetStop = sheet.Rows[0][i].Value
		}
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	st, err := time.ParseInLocation("01/02/2006 3:04:05 pm", sheetStop, loc)
	if err != nil {
		t.Fatalf("sheet stop %q: %v", sheetStop, err)
	}
	at, err := time.Parse("2006-01-02 15:04:05-07:00", p.Campaign.StopTime)
	if err != nil || !at.Equal(st) {
		t.Errorf("sheet %q and API %q disagree", sheetStop, p.Campaign.StopTime)
	}
	// An offset written in campaign.yaml keeps its instant.
	src2 := strings.Replace(minimalCampaign, "  currency: USD\n", "  currency: USD\n  time_zone: America/New_York\n  start: 2026-03-01T08:00:00+00:00\n", 1)
	c2 := mustLoad(t, src2)
	if p2, _ := BuildAPIPayloads(c2); p2.Campaign.StartTime != "2026-03-01 03:00:00-05:00" {
		t.Errorf("offset start %q", p2.Campaign.StartTime)
	}
	// Dates without the account's time zone are refused.
	if msg := loadErrors(t, strings.Replace(minimalCampaign, "  currency: USD\n", "  currency: USD\n  end: 2026-03-31\n", 1)); !strings.Contains(msg, "time_zone") {
		t.Errorf("missing time zone: %s", msg)
	}
}

// TestCollectionNeedsInstantExperience: format collection without the
// Instant Experience id is a line:col error; with it the creative links
// the canvas with format_option collection_video.
func TestCollectionNeedsInstantExperience(t *testing.T) {
	src := strings.Replace(minimalCampaign, "      primary_text: Hello\n", "      primary_text: Hello\n      format: collection\n", 1)
	msg := loadErrors(t, src)
	if !strings.Contains(msg, "c.yaml:15:15:") || !strings.Contains(msg, "instant_experience_id is required") {
		t.Errorf("collection without canvas: %s", msg)
	}
	c := mustLoad(t, strings.Replace(src, "format: collection\n", "format: collection\n      instant_experience_id: \"777\"\n", 1))
	p, _ := BuildAPIPayloads(c)
	td := p.AdCreatives[0].Payload.ObjectStorySpec.TemplateData
	if td.Link != "https://fb.com/canvas_doc/777" || td.FormatOption != "collection_video" {
		t.Errorf("collection template_data %+v", td)
	}
}

// TestAdvantageAudienceExplicit: every ad set carries
// targeting_automation.advantage_audience, 0 for audience-based sets.
func TestAdvantageAudienceExplicit(t *testing.T) {
	c, _, _, _ := exampleExport(t)
	p, _ := BuildAPIPayloads(c)
	for _, as := range p.AdSets {
		b, _ := json.Marshal(as.Payload.Targeting)
		want := `"targeting_automation":{"advantage_audience":0}`
		if as.Slug == "footwear-under-150" {
			want = `"targeting_automation":{"advantage_audience":1}`
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s targeting %s lacks %s", as.Slug, b, want)
		}
	}
	m := NewManifest(c, newSelection(c, selectOptions{}))
	if m.GraphAPIVersion != defaultGraphAPIVersion {
		t.Errorf("manifest version %q", m.GraphAPIVersion)
	}
}

// TestPreviewFidelity (issue 9 point 10): the preview shows the page name
// from campaign.yaml and a price on the image only when the creative
// configures a price overlay, which the API creative then carries.
func TestPreviewFidelity(t *testing.T) {
	c, sel, _, _ := exampleExport(t)
	var b strings.Builder
	if err := RenderPreview(&b, BuildPreview(c, sel, CurrencyFormat{})); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if strings.Contains(html, "Your Page") || !strings.Contains(html, `<div class="page">Northwind Apparel</div>`) {
		t.Error("preview does not show the page name from campaign.yaml")
	}
	if strings.Contains(html, `class="overlay"`) || strings.Contains(html, "<s>") {
		t.Error("price overlay shown although no creative configures one")
	}
	c.AdSets[0].Creative.PriceOverlay = "strikethrough_price"
	b.Reset()
	RenderPreview(&b, BuildPreview(c, sel, CurrencyFormat{}))
	if got := b.String(); !strings.Contains(got, `<span class="overlay">`) || !strings.Contains(got, "<s>") {
		i := strings.Index(got, "overlay")
		t.Errorf("strikethrough overlay missing for the item on sale: %.300s", got[max(i, 0):])
	}
	p, _ := BuildAPIPayloads(c)
	if o := p.AdCreatives[0].Payload.ObjectStorySpec.TemplateData.ImageOverlaySpec; o == nil || o.TextType != "strikethrough_price" {
		t.Errorf("API overlay %+v", o)
	}
}

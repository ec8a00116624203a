package campaign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dpa-tools/dpa/feed"
)

// Marketing API payload shapes (export-formats.md §2). Struct field order
// fixes the JSON key order, so payloads are byte-for-byte reproducible.
// Ids of objects created by the same run are placeholders such as
// "<PRODUCT_SET_ID:cart-abandoners>" for the sending script to replace.

// CampaignPayload is POST /act_<ID>/campaigns.
type CampaignPayload struct {
	Name                string            `json:"name"`
	Objective           string            `json:"objective"`
	Status              string            `json:"status"`
	SpecialAdCategories []string          `json:"special_ad_categories"`
	BuyingType          string            `json:"buying_type"`
	PromotedObject      map[string]string `json:"promoted_object"`
	DailyBudget         int64             `json:"daily_budget,omitempty"`
	LifetimeBudget      int64             `json:"lifetime_budget,omitempty"`
	BidStrategy         string            `json:"bid_strategy,omitempty"`
	StartTime           string            `json:"start_time,omitempty"`
	StopTime            string            `json:"stop_time,omitempty"`
}

// ProductSetPayload is POST /<catalog_id>/product_sets.
type ProductSetPayload struct {
	Name   string          `json:"name"`
	Filter json.RawMessage `json:"filter"`
}

// AudienceRule is one inclusion or exclusion of a product audience.
type AudienceRule struct {
	RetentionSeconds int             `json:"retention_seconds"`
	Rule             json.RawMessage `json:"rule"`
}

// EventSource is the pixel a product audience listens to.
type EventSource struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// ProductAudiencePayload is POST /act_<ID>/product_audiences.
type ProductAudiencePayload struct {
	Name         string         `json:"name"`
	ProductSetID string         `json:"product_set_id"`
	EventSources []EventSource  `json:"event_sources,omitempty"`
	Inclusions   []AudienceRule `json:"inclusions"`
	Exclusions   []AudienceRule `json:"exclusions,omitempty"`
}

// productAudienceSpec is the inline targeting form of the same audience
// (SDK TargetingProductAudienceSpec).
type productAudienceSpec struct {
	ProductSetID string         `json:"product_set_id"`
	Inclusions   []AudienceRule `json:"inclusions"`
	Exclusions   []AudienceRule `json:"exclusions,omitempty"`
}

// TargetingAutomation holds the Advantage+ audience switch. Since
// Marketing API v23.0 a new ad set's targeting needs advantage_audience
// explicitly (1 or 0) unless its targeting is the default one: "Advantage+
// audience", https://developers.facebook.com/documentation/ads-commerce/marketing-api/audiences/reference/targeting-expansion/advantage-audience
// ("Beginning with v23.0, the advantage_audience parameter within
// targeting_automation defaults to 1 or requires an explicit value").
type TargetingAutomation struct {
	AdvantageAudience int `json:"advantage_audience"`
}

// Targeting is the ad set targeting spec.
type Targeting struct {
	GeoLocations             GeoLocations        `json:"geo_locations"`
	DynamicAudienceIDs       []string            `json:"dynamic_audience_ids,omitempty"`
	PublisherPlatforms       []string            `json:"publisher_platforms,omitempty"`
	FacebookPositions        []string            `json:"facebook_positions,omitempty"`
	InstagramPositions       []string            `json:"instagram_positions,omitempty"`
	AudienceNetworkPositions []string            `json:"audience_network_positions,omitempty"`
	MessengerPositions       []string            `json:"messenger_positions,omitempty"`
	TargetingAutomation      TargetingAutomation `json:"targeting_automation"`
}

// GeoLocations holds the targeted countries.
type GeoLocations struct {
	Countries []string `json:"countries"`
}

// PromotedObject of a catalog ad set.
type PromotedObject struct {
	ProductSetID string `json:"product_set_id"`
}

// AdSetPayload is POST /act_<ID>/adsets.
type AdSetPayload struct {
	Name             string         `json:"name"`
	CampaignID       string         `json:"campaign_id"`
	Status           string         `json:"status"`
	DailyBudget      int64          `json:"daily_budget,omitempty"`
	LifetimeBudget   int64          `json:"lifetime_budget,omitempty"`
	BidStrategy      string         `json:"bid_strategy,omitempty"`
	BidAmount        int64          `json:"bid_amount,omitempty"`
	BillingEvent     string         `json:"billing_event"`
	OptimizationGoal string         `json:"optimization_goal"`
	PromotedObject   PromotedObject `json:"promoted_object"`
	Targeting        Targeting      `json:"targeting"`
	StartTime        string         `json:"start_time,omitempty"`
	EndTime          string         `json:"end_time,omitempty"`
}

// CallToAction of template_data.
type CallToAction struct {
	Type string `json:"type"`
}

// TemplateData is the dynamic link data of a catalog creative; template
// tags stay unrendered for Meta to fill per product.
type TemplateData struct {
	CallToAction      CallToAction `json:"call_to_action"`
	Description       string       `json:"description,omitempty"`
	Link              string       `json:"link"`
	Message           string       `json:"message"`
	Name              string       `json:"name"`
	FormatOption      string       `json:"format_option,omitempty"`
	MultiShareEndCard bool         `json:"multi_share_end_card"`
	// ImageOverlaySpec puts the price on the product image; without it
	// Meta shows no price on the image (the preview follows).
	ImageOverlaySpec *ImageOverlaySpec `json:"image_overlay_spec,omitempty"`
}

// ImageOverlaySpec is AdCreativeLinkDataImageOverlaySpec ("Get Started
// with Advantage+ Catalog Ads": image_overlay_spec "Specifies how to render
// overlays on an image for a dynamic item"; field and enum names from
// facebook-python-business-sdk adcreativelinkdataimageoverlayspec.py).
type ImageOverlaySpec struct {
	OverlayTemplate string `json:"overlay_template"`
	TextType        string `json:"text_type"`
	Position        string `json:"position"`
}

// ObjectStorySpec wraps template_data with the page.
type ObjectStorySpec struct {
	PageID       string       `json:"page_id"`
	TemplateData TemplateData `json:"template_data"`
}

// AdCreativePayload is POST /act_<ID>/adcreatives.
type AdCreativePayload struct {
	Name            string          `json:"name"`
	ProductSetID    string          `json:"product_set_id"`
	ObjectStorySpec ObjectStorySpec `json:"object_story_spec"`
	URLTags         string          `json:"url_tags,omitempty"`
}

// APIPayloads are every Marketing API object of the campaign.
type APIPayloads struct {
	Campaign         CampaignPayload
	ProductSets      []NamedPayload[ProductSetPayload]
	ProductAudiences []NamedPayload[ProductAudiencePayload]
	AdSets           []NamedPayload[AdSetPayload]
	AdCreatives      []NamedPayload[AdCreativePayload]
	Ads              []NamedPayload[AdPayload]
	version          string // Graph API version of the paths
	catalogID        string
}

// NamedPayload pairs a payload with the slug its file is named after.
type NamedPayload[T any] struct {
	Slug    string
	Payload T
}

const day = 24 * 60 * 60

func ruleJSON(event string) json.RawMessage {
	return json.RawMessage(`{"event":{"eq":"` + eventNames[event] + `"}}`)
}

// audienceRules turns an Audience into inclusions and exclusions
// (export-formats.md §2.3): one inclusion per event over the lookback, and
// purchasers excluded over the same window.
func audienceRules(a *Audience) (inc, exc []AudienceRule) {
	for _, e := range a.Events {
		inc = append(inc, AudienceRule{RetentionSeconds: a.LookbackDays * day, Rule: ruleJSON(e)})
	}
	if a.ExcludePurchased {
		exc = append(exc, AudienceRule{RetentionSeconds: a.LookbackDays * day, Rule: ruleJSON("purchased")})
	}
	return inc, exc
}

// audienceSetRef is the product set whose events define the audience:
// the ad set's own set for retargeting, the source set for cross-sell and
// upsell.
func audienceSetRef(as *AdSet) string {
	if as.Audience.Source != nil {
		return sourceSetRef(as)
	}
	return ProductSetRef(as)
}

func productAudienceSpecs(as *AdSet) []productAudienceSpec {
	inc, exc := audienceRules(as.Audience)
	return []productAudienceSpec{{ProductSetID: audienceSetRef(as), Inclusions: inc, Exclusions: exc}}
}

// apiTime writes a time with its offset in the ad account's zone, in the
// form of the ad set reference's example ("2015-03-12 23:59:59-07:00",
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/adsets/),
// so the instant never depends on how Meta reads a zone-less time.
func apiTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05-07:00")
}

func budgets(b *Budget) (daily, lifetime int64) {
	if b == nil {
		return 0, 0
	}
	if b.Type == "lifetime" {
		return 0, b.Minor
	}
	return b.Minor, 0
}

// BuildAPIPayloads builds every Marketing API payload of c.
func BuildAPIPayloads(c *Campaign) (*APIPayloads, error) {
	p := &APIPayloads{version: cmpOr(c.GraphAPIVersion, defaultGraphAPIVersion), catalogID: c.CatalogID}
	d, l := budgets(c.Budget)
	p.Campaign = CampaignPayload{
		Name: c.Name, Objective: c.Objective, Status: c.Status, SpecialAdCategories: []string{},
		BuyingType: "AUCTION", PromotedObject: map[string]string{"product_catalog_id": c.CatalogID},
		DailyBudget: d, LifetimeBudget: l, StartTime: apiTime(c.Start), StopTime: apiTime(c.End),
	}
	if c.Budget != nil {
		p.Campaign.BidStrategy = cmpOr(c.BidStrategy, "LOWEST_COST_WITHOUT_CAP")
	}
	for _, as := range c.AdSets {
		if as.ProductSet.ID == "" && as.ProductSet.Filter == nil {
			return nil, fmt.Errorf("ad set %q: no product set filter", as.Name)
		}
		// Each set once, by the first ad set naming it; audience source
		// sets too, before the audiences that name them (plan order).
		for _, ps := range []*ProductSet{&as.ProductSet, sourceSet(as)} {
			if ps == nil || ps.ID != "" || !ps.Owner || ps.Filter == nil {
				continue
			}
			fj, err := ps.Filter.JSON()
			if err != nil {
				return nil, fmt.Errorf("ad set %q: %w", as.Name, err)
			}
			name := ps.Name
			if ps != &as.ProductSet {
				name = cmpOr(ps.Name, as.Name+" (audience source)")
			}
			p.ProductSets = append(p.ProductSets, NamedPayload[ProductSetPayload]{ps.Slug, ProductSetPayload{Name: name, Filter: fj}})
		}
		tg := Targeting{GeoLocations: GeoLocations{Countries: slices.Clone(as.Countries)},
			TargetingAutomation: TargetingAutomation{AdvantageAudience: as.AdvantageAudience}}
		if as.Audience != nil {
			inc, exc := audienceRules(as.Audience)
			pa := ProductAudiencePayload{Name: as.Name + " audience", ProductSetID: audienceSetRef(as), Inclusions: inc, Exclusions: exc}
			if c.PixelID != "" {
				pa.EventSources = []EventSource{{ID: c.PixelID, Type: "PIXEL"}}
			}
			p.ProductAudiences = append(p.ProductAudiences, NamedPayload[ProductAudiencePayload]{as.Slug, pa})
			tg.DynamicAudienceIDs = []string{audienceRef(as.Slug)}
		}
		if pl := as.Placements; pl != nil {
			tg.PublisherPlatforms = pl.PublisherPlatforms
			tg.FacebookPositions = pl.FacebookPositions
			tg.InstagramPositions = pl.InstagramPositions
			tg.AudienceNetworkPositions = pl.AudienceNetworkPositions
			tg.MessengerPositions = pl.MessengerPositions
		}
		ad := AdSetPayload{
			Name: as.Name, CampaignID: campaignRef, Status: as.Status,
			BillingEvent: as.BillingEvent, OptimizationGoal: as.OptimizationGoal,
			PromotedObject: PromotedObject{ProductSetID: ProductSetRef(as)}, Targeting: tg,
			StartTime: apiTime(c.Start), EndTime: apiTime(c.End), BidAmount: as.BidAmount,
		}
		if c.Budget == nil {
			ad.DailyBudget, ad.LifetimeBudget = budgets(as.Budget)
			ad.BidStrategy = as.BidStrategy
		}
		p.AdSets = append(p.AdSets, NamedPayload[AdSetPayload]{as.Slug, ad})
		cr := as.Creative
		td := TemplateData{
			CallToAction: CallToAction{Type: cr.CallToAction},
			Description:  tplSource(cr.LinkDescription), Link: cr.Link,
			Message: tplSource(cr.PrimaryText), Name: tplSource(cr.Headline),
			FormatOption: formatOption[cr.Format],
		}
		if cr.Format == "collection" {
			td.Link = InstantExperienceLink(cr.InstantExperienceID)
		}
		if cr.PriceOverlay != "" {
			td.ImageOverlaySpec = &ImageOverlaySpec{OverlayTemplate: "pill_with_text", TextType: cr.PriceOverlay, Position: "top_left"}
		}
		p.AdCreatives = append(p.AdCreatives, NamedPayload[AdCreativePayload]{as.Slug, AdCreativePayload{
			Name: adName(as), ProductSetID: ProductSetRef(as), URLTags: cr.URLTags,
			ObjectStorySpec: ObjectStorySpec{PageID: c.PageID, TemplateData: td},
		}})
		p.Ads = append(p.Ads, NamedPayload[AdPayload]{as.Slug, AdPayload{Name: adName(as), AdSetID: adSetRef(as.Slug),
			Creative: AdCreativeRef{CreativeID: creativeRef(as.Slug)}, Status: as.Status}})
	}
	return p, nil
}

// File is one output file: a path relative to the output directory (always
// built from slugs, never from raw names) and its bytes.
type File struct {
	Path string
	Data []byte
}

// encodeJSON is the JSON encoding every API file uses: two-space indent,
// no HTML escaping, trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Files lays the payloads out under meta/api/: campaign.json,
// product_sets/, product_audiences/, ad_sets/, ad_creatives/, ads/. The
// list is sorted by path; plan.json (BuildPlan) gives the creation order.
func (p *APIPayloads) Files() ([]File, error) {
	var out []File
	for _, c := range p.calls() {
		b, err := encodeJSON(c.payload)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: c.file, Data: b})
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// InstantExperienceLink is the link of a collection creative: the
// Instant Experience (canvas) it opens.
func InstantExperienceLink(id string) string { return "https://fb.com/canvas_doc/" + id }

func sourceSet(as *AdSet) *ProductSet {
	if as.Audience == nil {
		return nil
	}
	return as.Audience.Source
}

// batchOp is one catalog change for items_batch, as the diff engine will
// produce it: UPDATE for new and changed items (allow_upsert creates
// unknown ids), DELETE for removed ones.
type batchOp struct {
	Method     string // "UPDATE" or "DELETE" (CREATE is accepted too)
	RetailerID string
	Data       map[string]string // UPDATE fields; ignored for DELETE
	// fields, when Data is nil, are the UPDATE fields as itemFields gives
	// them (sorted by name, one per name): the export's own ops carry
	// these, a slice per item instead of a map (a million maps and their
	// per-request key sorts were a fifth of an export's allocations).
	fields []feed.Field
}

// batchRequest is one element of items_batch "requests"; the retailer id
// goes inside data.id (export-formats.md §2.5).
type batchRequest struct {
	Method string            `json:"method"`
	Data   map[string]string `json:"data"`
}

// itemsBatch is one POST /{catalog_id}/items_batch body.
type itemsBatch struct {
	ItemType    string         `json:"item_type"`
	AllowUpsert bool           `json:"allow_upsert"`
	Requests    []batchRequest `json:"requests"`
}

// Batch limits (export-formats.md §2.5): at most 5,000 requests and 28 MB
// per call.
const (
	MaxBatchRequests = 5000
	maxBatchBytes    = 28 << 20
)

// MaxBatchBlockBytes bounds the item data an export holds per block of
// ops waiting to be encoded; a block is at most one items_batch body, so
// bodies of wide items carry fewer than 5,000 requests.
const MaxBatchBlockBytes = 8 << 20

// BatchOpSize approximates the encoded size of an op: the retailer id and
// every data key and value.
func batchOpSize(op batchOp) int {
	n := len(op.RetailerID) + 32
	for k, v := range op.Data {
		n += len(k) + len(v) + 6
	}
	for _, f := range op.fields {
		n += len(f.Name) + len(f.Value) + 6
	}
	return n
}

// itemsBatcher groups batchOps into items_batch bodies as they stream in,
// holding at most one chunk in memory. Ops keep their input order.
//
// Each request is encoded once, when added, and a body is those bytes
// between a fixed envelope, one request per line: the size checked against
// maxBatchBytes is then exactly the size sent. (Re-encoding the chunk with
// indentation made bodies larger than the measured size, so a chunk of
// items with long descriptions could pass the check and still exceed
// Meta's 28 MB limit.)
type itemsBatcher struct {
	max   int
	emit  func(n int, body []byte) error
	cur   []byte // encoded requests of the pending chunk, ",\n"-separated
	n     int    // requests in cur
	count int
	enc   []byte   // scratch for one encoded request
	keys  []string // scratch for one request's sorted data keys
	hint  int      // expected body size (Reserve), so cur grows once
	// alloc, when set, supplies an empty body buffer of at least n bytes
	// capacity (the export recycles written bodies through it).
	alloc func(n int) []byte
}

// Reserve tells the batcher how many bytes of requests to expect, so the
// body buffer is allocated once at about its final size instead of
// doubling its way up to several megabytes per body.
func (b *itemsBatcher) Reserve(n int) {
	b.hint = min(n, maxBatchBytes) + len(batchHead) + len(batchTail)
}

// NewItemsBatcher calls emit with each finished body, numbered from 1; the
// body is emit's to keep. maxRequests <= 0 or above MaxBatchRequests means
// MaxBatchRequests.
func newItemsBatcher(maxRequests int, emit func(n int, body []byte) error) *itemsBatcher {
	if maxRequests <= 0 || maxRequests > MaxBatchRequests {
		maxRequests = MaxBatchRequests
	}
	return &itemsBatcher{max: maxRequests, emit: emit}
}

// The envelope of a body; item_type is required (a batch without it fails
// as a whole, export-formats.md §2.5).
const (
	batchHead = `{"item_type":"PRODUCT_ITEM","allow_upsert":true,"requests":[` + "\n"
	batchTail = "\n]}\n"
)

// Add queues one op, flushing a chunk when it is full by count or size.
func (b *itemsBatcher) Add(op batchOp) error {
	method := strings.ToUpper(op.Method)
	switch method {
	case "UPDATE", "CREATE", "DELETE":
	default:
		return fmt.Errorf("items_batch: unknown method %q for %q", op.Method, op.RetailerID)
	}
	if op.RetailerID == "" {
		return fmt.Errorf("items_batch: %s without retailer id", method)
	}
	// Hand-encoded: a million requests through encoding/json's reflection
	// over maps cost more than all the other export work together. The
	// bytes are what json.Encoder (SetEscapeHTML false) gives for a
	// batchRequest; TestAppendBatchRequest holds them equal. The request
	// is encoded in place, at the end of the body being built (cur holds
	// the envelope head too, so Flush hands it over without a copy), and
	// moved to the next body only when it does not fit.
	if b.n == 0 {
		b.start(0)
	}
	mark := len(b.cur)
	if b.n > 0 {
		b.cur = append(b.cur, ",\n"...)
	}
	at := len(b.cur)
	if op.Data == nil && method != "DELETE" {
		b.cur = appendBatchFields(b.cur, method, op.RetailerID, op.fields)
	} else {
		b.keys = b.keys[:0]
		b.keys = append(b.keys, "id")
		if method != "DELETE" {
			for k := range op.Data {
				if k != "id" {
					b.keys = append(b.keys, k)
				}
			}
		}
		slices.Sort(b.keys)
		b.cur = appendBatchRequest(b.cur, method, op.RetailerID, b.keys, op.Data)
	}
	size := len(b.cur) - at
	if len(batchHead)+size+len(batchTail) > maxBatchBytes {
		b.cur = b.cur[:mark]
		return fmt.Errorf("items_batch: item %q alone is larger than %d bytes", op.RetailerID, maxBatchBytes)
	}
	if b.n > 0 && (b.n >= b.max || len(b.cur)+len(batchTail) > maxBatchBytes) {
		b.enc = append(b.enc[:0], b.cur[at:]...)
		b.cur = b.cur[:mark]
		if err := b.Flush(); err != nil {
			return err
		}
		b.start(len(b.enc))
		b.cur = append(b.cur, b.enc...)
	}
	b.n++
	return nil
}

// start begins a body with room for at least one request of size n.
func (b *itemsBatcher) start(n int) {
	size := max(b.hint, len(batchHead)+n+len(batchTail))
	if b.alloc != nil {
		b.cur = b.alloc(size)
	} else {
		b.cur = make([]byte, 0, size)
	}
	b.cur = append(b.cur, batchHead...)
}

// Flush emits the pending chunk, if any.
func (b *itemsBatcher) Flush() error {
	if b.n == 0 {
		return nil
	}
	b.count++
	body := append(b.cur, batchTail...)
	b.cur, b.n = nil, 0
	return b.emit(b.count, body)
}

// Batches reports how many bodies were emitted.
func (b *itemsBatcher) Batches() int { return b.count }

// BatchPath is the file of the n-th items_batch body.
func BatchPath(n int) string { return fmt.Sprintf("meta/api/items_batch/batch-%04d.json", n) }

// ItemData turns a feed item into items_batch data: every non-empty field
// by its canonical name; additional_image_link repeats joined with commas,
// the separator Meta's CSV feeds use.
func ItemData(it *feed.Item) map[string]string {
	fields := itemFields(it)
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		out[f.Name] = f.Value
	}
	return out
}

// itemFields is ItemData as a slice sorted by name: the form the export
// encodes and hashes (no map per item).
func itemFields(it *feed.Item) []feed.Field {
	var fs fieldSorter
	return fs.fields(it)
}

// fieldSorter is itemFields for a stream of items: items of one feed
// share their field layout (names in order), so the sorted order is
// worked out once per layout instead of sorting every item. Empty values
// are skipped while walking that order: a stable order restricted to some
// of the fields is their stable order. One goroutine at a time.
type fieldSorter struct {
	names []string // the layout the order is for
	order []int    // positions in the layout, stably sorted by name
}

func (fs *fieldSorter) fields(it *feed.Item) []feed.Field {
	return fs.appendFields(nil, it)
}

// appendFields appends the item's fields, in fields' order, to dst and
// returns the extended slice.
func (fs *fieldSorter) appendFields(dst []feed.Field, it *feed.Item) []feed.Field {
	same := len(it.Fields) == len(fs.names)
	for k := 0; same && k < len(it.Fields); k++ {
		same = it.Fields[k].Name == fs.names[k]
	}
	if !same {
		fs.names, fs.order = fs.names[:0], fs.order[:0]
		for k := range it.Fields {
			fs.names = append(fs.names, it.Fields[k].Name)
			fs.order = append(fs.order, k)
		}
		// Stable, so repeats keep their feed order: the first value wins,
		// as Item.Get, except additional_image_link whose distinct values
		// join.
		slices.SortStableFunc(fs.order, func(a, b int) int { return strings.Compare(fs.names[a], fs.names[b]) })
	}
	n := 0
	for k := range it.Fields {
		if it.Fields[k].Value != "" {
			n++
		}
	}
	base := len(dst)
	dst = slices.Grow(dst, n)
	out := dst[base : base : base+n]
	for _, p := range fs.order {
		if f := it.Fields[p]; f.Value != "" {
			out = append(out, f)
		}
	}
	w := 0
	for i, f := range out {
		if i > 0 && f.Name == out[w-1].Name {
			if prev := out[w-1].Value; f.Name == "additional_image_link" && prev != f.Value {
				out[w-1].Value = prev + "," + f.Value
			}
			continue
		}
		out[w] = f
		w++
	}
	return dst[:base+w]
}

// appendBatchFields is appendBatchRequest over itemFields' sorted slice:
// the same bytes, with "id" (the retailer id) in its sorted place.
func appendBatchFields(dst []byte, method, id string, fields []feed.Field) []byte {
	dst = append(dst, `{"method":`...)
	dst = feed.AppendJSONString(dst, method)
	dst = append(dst, `,"data":{`...)
	n := 0
	key := func(k string) {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = feed.AppendJSONString(dst, k)
		dst = append(dst, ':')
	}
	idDone := false
	for _, f := range fields {
		if !idDone && f.Name >= "id" {
			key("id")
			dst = feed.AppendJSONString(dst, id)
			idDone = true
		}
		if f.Name == "id" {
			continue
		}
		key(f.Name)
		dst = feed.AppendJSONString(dst, f.Value)
	}
	if !idDone {
		key("id")
		dst = feed.AppendJSONString(dst, id)
	}
	return append(dst, "}}"...)
}

// appendBatchRequest appends {"method":M,"data":{...}} with the data keys in
// the given (sorted) order; "id" takes the retailer id.
func appendBatchRequest(dst []byte, method, id string, keys []string, data map[string]string) []byte {
	dst = append(dst, `{"method":`...)
	dst = feed.AppendJSONString(dst, method)
	dst = append(dst, `,"data":{`...)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = feed.AppendJSONString(dst, k)
		dst = append(dst, ':')
		if k == "id" {
			dst = feed.AppendJSONString(dst, id)
		} else {
			dst = feed.AppendJSONString(dst, data[k])
		}
	}
	return append(dst, "}}"...)
}

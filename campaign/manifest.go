package campaign

import (
	"slices"
	"strings"
)

// Manifest describes one export: what was written, how many items each
// set selects and what the checks found. The caller fills file sizes and
// checksums after writing.
type Manifest struct {
	Tool               string         `json:"tool"`
	Campaign           string         `json:"campaign"`
	CampaignFile       string         `json:"campaign_file"`
	Catalog            string         `json:"catalog"`
	CatalogItems       int            `json:"catalog_items"`
	BulkColumnsVersion string         `json:"bulk_columns_version"`
	GraphAPIVersion    string         `json:"graph_api_version"`
	CurrencyTable      string         `json:"meta_currency_table"`
	TimeZone           string         `json:"time_zone,omitempty"`
	Files              []ManifestFile `json:"files"`
	Sets               []ManifestSet  `json:"sets"`
	Feeds              []FeedSummary  `json:"channel_feeds"`
	Issues             []Issue        `json:"issues"`
	Unconfirmed        []string       `json:"unconfirmed"`
}

// ManifestFile is one written file.
type ManifestFile struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ManifestSet summarises one ad set.
type ManifestSet struct {
	Name         string `json:"name"`
	Slug         string `json:"slug"`
	Type         string `json:"type"`
	ProductSetID string `json:"product_set_id"`
	Filter       string `json:"filter"`
	Items        int    `json:"items"`
	OutOfStock   int    `json:"out_of_stock_excluded"`
	Feed         string `json:"feed,omitempty"` // per-set feed path; "" when no item reached it
	FeedItems    int    `json:"feed_items"`     // items in it: Items minus those left out of the Meta feed
	// GoogleProductGroup is the custom label and the values whose product
	// groups, together, hold the set's items in Google Ads (see
	// supplementalFeed); absent for a set google.labels leaves out.
	GoogleProductGroup *GoogleProductGroup `json:"google_product_group,omitempty"`
}

// unconfirmedFacts are the [U] facts of export-formats.md the outputs rely
// on, listed so the marketer knows what to check on a first upload.
var unconfirmedFacts = []string{
	"bulk sheet: Campaign Objective label, Creative Type value, time format and Product Audience Specs cell syntax (export-formats.md §1.3, §8)",
	"product-set operators eq, neq, i_not_contains, is_not_any, i_starts_with and the and/or/not nesting (§2.2)",
	"product-set filter fields brand, availability, google_product_category, condition, custom_number_0..4 (§2.2); price_amount is in Meta's guide, its unit (offset units, like budgets) is inferred",
	"ad text recommended lengths and hard limits (not in export-formats.md)",
}

// NewManifest starts a manifest from a finished selection.
func NewManifest(c *Campaign, sel *Selection) *Manifest {
	_, ver, _ := bulkColumns()
	_, curVer := metaCurrencies()
	m := &Manifest{Tool: "dpa", Campaign: c.Name, CampaignFile: c.File, BulkColumnsVersion: ver,
		GraphAPIVersion: cmpOr(c.GraphAPIVersion, defaultGraphAPIVersion), CurrencyTable: curVer,
		Files: []ManifestFile{}, Issues: sel.Issues(), Unconfirmed: slices.Clone(unconfirmedFacts)}
	if c.TimeZone != nil {
		m.TimeZone = c.TimeZone.String()
	}
	if m.Issues == nil {
		m.Issues = []Issue{}
	}
	for _, r := range sel.Sets() {
		as := r.AdSet
		ms := ManifestSet{Name: as.Name, Slug: as.Slug, Type: as.Type, ProductSetID: ProductSetRef(as),
			Items: r.Count, OutOfStock: r.OutOfStock}
		if as.ProductSet.Filter != nil {
			ms.Filter = as.ProductSet.Filter.String()
		}
		m.Sets = append(m.Sets, ms)
	}
	return m
}

// JSON encodes the manifest with files sorted by path.
func (m *Manifest) JSON() ([]byte, error) {
	slices.SortFunc(m.Files, func(a, b ManifestFile) int { return strings.Compare(a.Path, b.Path) })
	return encodeJSON(m)
}

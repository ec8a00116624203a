package campaign

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

//go:embed data/meta_bulk_columns.csv
var bulkColumnsCSV string

// bulkColumn is one column of the Ads Manager bulk sheet.
type bulkColumn struct {
	Name   string // header exactly as Ads Manager exports it
	Level  string // campaign, ad_set, ad
	Value  string // datum key (see bulkValue); "" = always blank
	Number bool   // written as a number, never formula-escaped
}

var (
	bulkOnce    sync.Once
	bulkCols    []bulkColumn
	bulkVersion string
	bulkErr     error
)

// bulkColumns returns the versioned column table of
// data/meta_bulk_columns.csv and its version. The header names are as Ads
// Manager's own export writes them; no Meta page documenting the bulk
// import columns could be found (searched the stored Meta developer docs
// and web pages for the Ads Manager import/export spreadsheet), so the
// table cites none: check it against an export from the target account.
func bulkColumns() ([]bulkColumn, string, error) {
	bulkOnce.Do(func() {
		var body []string
		for _, line := range strings.Split(bulkColumnsCSV, "\n") {
			if v, ok := strings.CutPrefix(line, "# version:"); ok {
				bulkVersion = strings.TrimSpace(v)
			}
			if !strings.HasPrefix(line, "#") {
				body = append(body, line)
			}
		}
		recs, err := csv.NewReader(strings.NewReader(strings.Join(body, "\n"))).ReadAll()
		if err != nil {
			bulkErr = err
			return
		}
		for _, r := range recs[1:] {
			if len(r) != 4 {
				bulkErr = fmt.Errorf("meta_bulk_columns.csv: bad row %q", r)
				return
			}
			bulkCols = append(bulkCols, bulkColumn{Name: r[0], Level: r[1], Value: r[2], Number: r[3] == "number"})
		}
	})
	return bulkCols, bulkVersion, bulkErr
}

// Cell is one bulk-sheet cell. Number cells hold a plain decimal.
type Cell struct {
	Value  string
	Number bool
}

// BulkSheet is the Ads Manager bulk-import sheet: one row per ad, with the
// campaign and ad-set columns repeated on every row.
type BulkSheet struct {
	Version string // of the column table
	Header  []string
	Rows    [][]Cell
}

// Labels Ads Manager shows instead of API enums in the sheet
// (export-formats.md §1.3). The objective and bid-cap / ROAS labels are
// [U]; "Highest volume or value" and "Cost per result goal" were seen. No
// Meta page listing these sheet labels was found (see bulkColumns).
var (
	objectiveLabel = map[string]string{
		"OUTCOME_SALES":         "Outcome Sales",
		"PRODUCT_CATALOG_SALES": "Product Catalog Sales",
	}
	bidStrategyLabel = map[string]string{
		"LOWEST_COST_WITHOUT_CAP":   "Highest volume or value",
		"COST_CAP":                  "Cost per result goal",
		"LOWEST_COST_WITH_BID_CAP":  "Bid cap",
		"LOWEST_COST_WITH_MIN_ROAS": "ROAS goal",
	}
)

// sheetTime formats a time as the one generator that showed a format did:
// "06/01/2024 2:00:00 am" [U].
func sheetTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strings.ToLower(t.Format("01/02/2006 3:04:05 PM"))
}

// ProductSetRef is the product set id of an ad set for payloads and the
// sheet: the configured id, or a placeholder for the script that creates
// the set to substitute.
func ProductSetRef(as *AdSet) string {
	if as.ProductSet.ID != "" {
		return as.ProductSet.ID
	}
	return productSetPlaceholder(cmpOr(as.ProductSet.Slug, as.Slug))
}

// sourceSetRef names the audience source product set of cross-sell / upsell
// ad sets.
func sourceSetRef(as *AdSet) string {
	if as.Audience.Source.ID != "" {
		return as.Audience.Source.ID
	}
	return productSetPlaceholder(cmpOr(as.Audience.Source.Slug, as.Slug+"-source"))
}

// adName is the name of the one ad of an ad set.
func adName(as *AdSet) string {
	if as.Creative.Name != "" {
		return as.Creative.Name
	}
	return as.Name + " - " + strings.ReplaceAll(as.Creative.Format, "_", " ")
}

// BuildBulkSheet lays the campaign out as Ads Manager bulk-import rows.
// Bulk import cannot create product sets, so Product Set ID holds the
// configured id or a placeholder to replace after creating the set.
func BuildBulkSheet(c *Campaign) (*BulkSheet, error) {
	cols, ver, err := bulkColumns()
	if err != nil {
		return nil, err
	}
	s := &BulkSheet{Version: ver}
	for _, col := range cols {
		s.Header = append(s.Header, col.Name)
	}
	for _, as := range c.AdSets {
		row := make([]Cell, len(cols))
		for i, col := range cols {
			v, err := bulkValue(c, as, col.Value)
			if err != nil {
				return nil, fmt.Errorf("column %q: %w", col.Name, err)
			}
			row[i] = Cell{Value: v, Number: col.Number && v != ""}
		}
		s.Rows = append(s.Rows, row)
	}
	return s, nil
}

func budgetCell(b *Budget, typ, currency string) string {
	if b == nil || b.Type != typ {
		return ""
	}
	// The sheet takes major units, unlike the API [P]/[U].
	return majorString(b.Minor, currency)
}

func bulkValue(c *Campaign, as *AdSet, key string) (string, error) {
	switch key {
	case "":
		return "", nil
	case "campaign.name":
		return c.Name, nil
	case "campaign.status":
		return c.Status, nil
	case "campaign.objective":
		return objectiveLabel[c.Objective], nil
	case "campaign.buying_type":
		return "AUCTION", nil
	case "campaign.daily_budget":
		return budgetCell(c.Budget, "daily", c.Currency), nil
	case "campaign.lifetime_budget":
		return budgetCell(c.Budget, "lifetime", c.Currency), nil
	case "campaign.bid_strategy":
		if c.Budget == nil {
			return "", nil // bid strategy lives on the ad sets without CBO
		}
		return bidStrategyLabel[cmpOr(c.BidStrategy, "LOWEST_COST_WITHOUT_CAP")], nil
	case "campaign.start":
		return sheetTime(c.Start), nil
	case "campaign.stop":
		return sheetTime(c.End), nil
	case "campaign.catalog_id":
		return c.CatalogID, nil
	case "campaign.page_id":
		return c.PageID, nil
	case "campaign.new_objective":
		if strings.HasPrefix(c.Objective, "OUTCOME_") {
			return "Yes", nil
		}
		return "No", nil
	case "ad_set.status":
		return as.Status, nil
	case "ad_set.name":
		return as.Name, nil
	case "ad_set.daily_budget":
		return budgetCell(as.Budget, "daily", c.Currency), nil
	case "ad_set.lifetime_budget":
		return budgetCell(as.Budget, "lifetime", c.Currency), nil
	case "ad_set.link_object_id":
		return "o:" + c.PageID, nil
	case "ad_set.product_set_id":
		return ProductSetRef(as), nil
	case "ad_set.countries":
		return strings.Join(as.Countries, ", "), nil
	case "ad_set.product_audience_specs", "ad_set.excluded_product_audience_specs":
		// The cell syntax is presumed to be the API field's JSON [U].
		if as.Audience == nil {
			return "", nil
		}
		if key == "ad_set.excluded_product_audience_specs" {
			return "", nil // exclusions travel inside each spec
		}
		b, err := encodeJSON(productAudienceSpecs(as))
		if err != nil {
			return "", err
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			return "", err
		}
		return compact.String(), nil
	case "ad_set.publisher_platforms":
		return placementCell(as, func(p *Placements) []string { return p.PublisherPlatforms }), nil
	case "ad_set.facebook_positions":
		return placementCell(as, func(p *Placements) []string { return p.FacebookPositions }), nil
	case "ad_set.instagram_positions":
		return placementCell(as, func(p *Placements) []string { return p.InstagramPositions }), nil
	case "ad_set.audience_network_positions":
		return placementCell(as, func(p *Placements) []string { return p.AudienceNetworkPositions }), nil
	case "ad_set.messenger_positions":
		return placementCell(as, func(p *Placements) []string { return p.MessengerPositions }), nil
	case "ad_set.optimization_goal":
		return as.OptimizationGoal, nil
	case "ad_set.billing_event":
		return as.BillingEvent, nil
	case "ad_set.bid_amount":
		if as.BidAmount == 0 {
			return "", nil
		}
		return majorString(as.BidAmount, c.Currency), nil
	case "ad_set.bid_strategy":
		if c.Budget != nil {
			return "", nil
		}
		return bidStrategyLabel[as.BidStrategy], nil
	case "ad.status":
		return as.Status, nil
	case "ad.name":
		return adName(as), nil
	case "ad.title":
		return tplSource(as.Creative.Headline), nil
	case "ad.body":
		return tplSource(as.Creative.PrimaryText), nil
	case "ad.link_description":
		return tplSource(as.Creative.LinkDescription), nil
	case "ad.link":
		return as.Creative.Link, nil
	case "ad.creative_type":
		// The value Ads Manager uses for a catalog ad is unknown [U]; a
		// blank cell lets it infer the type from Product Set ID.
		return "", nil
	case "ad.url_tags":
		return as.Creative.URLTags, nil
	case "ad.call_to_action":
		return as.Creative.CallToAction, nil
	case "ad.format_option":
		return formatOption[as.Creative.Format], nil
	}
	return "", fmt.Errorf("unknown value key %q", key)
}

func tplSource(t *Template) string {
	if t == nil {
		return ""
	}
	return t.Source
}

func placementCell(as *AdSet, f func(*Placements) []string) string {
	if as.Placements == nil {
		return ""
	}
	return strings.Join(f(as.Placements), ", ")
}

// formulaTriggers start a cell Excel or Sheets would evaluate
// (export-formats.md §7: = + - @ tab CR, and NUL per ASVS).
const formulaTriggers = "=+-@\t\r\x00"

// escapeFormula prefixes a text cell that could start a formula with a
// single quote (OWASP). Use it only for sheets people open, never for
// machine feeds or API JSON, where the quote would become data.
func escapeFormula(s string) string {
	if s != "" && strings.ContainsRune(formulaTriggers, rune(s[0])) {
		return "'" + s
	}
	return s
}

// Records returns the sheet as string rows, header first. With escape, text
// cells are formula-escaped; number cells never are.
func (s *BulkSheet) Records(escape bool) [][]string {
	out := [][]string{append([]string(nil), s.Header...)}
	for _, r := range s.Rows {
		rec := make([]string, len(r))
		for i, c := range r {
			if escape && !c.Number {
				rec[i] = escapeFormula(c.Value)
			} else {
				rec[i] = c.Value
			}
		}
		out = append(out, rec)
	}
	return out
}

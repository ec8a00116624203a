package feed

// ruleTitles are the human titles of the rules, as a marketer reads them in
// Merchant Center's or Commerce Manager's diagnostics ("Missing currency in
// price"), shown first in every report; the codes stay for config and
// baselines.
var ruleTitles = map[string]string{
	"feed.empty":                            "Empty feed file",
	"feed.no_items":                         "Feed without items",
	"feed.parse_error":                      "Malformed feed file",
	"feed.too_large":                        "Input over the size limit",
	"feed.record_too_large":                 "Record over the size limit",
	"feed.read_error":                       "Feed could not be read to the end",
	"encoding.detected":                     "Feed is not UTF-8",
	"encoding.invalid_utf8":                 "Invalid characters (encoding problem)",
	"csv.column_count":                      "Row with the wrong number of columns",
	"csv.syntax":                            "Broken quoting in a row",
	"json.syntax":                           "Invalid JSON line",
	ruleShopExport:                          "Shop export, not a feed",
	"header.column_missing":                 "Required column missing",
	"header.wrong_name":                     "Column under another platform's name",
	"required.missing":                      "Missing required attribute",
	"identifier.missing":                    "Missing brand, GTIN and MPN",
	"identifier.incomplete":                 "Limited performance: missing product identifiers",
	"identifier.exists_false_misuse":        "identifier_exists is no, but identifiers are given",
	"enum.invalid":                          "Invalid value",
	"enum.alternate_spelling":               "Value in another platform's spelling",
	"enum.case":                             "Value in the wrong letter case",
	"length.too_long":                       "Text too long",
	"length.over_recommended":               "Text longer than recommended",
	"length.too_short":                      "Text too short",
	"price.invalid":                         "Invalid price",
	"price.currency_missing":                "Missing currency in price",
	"price.currency_invalid":                "Unsupported currency",
	"price.currency_position":               "Currency before the amount",
	"price.decimal_comma":                   "Decimal comma in price",
	"price.thousands_separator":             "Thousands separator in price",
	"price.currency_case":                   "Currency code not in upper case",
	"price.not_positive":                    "Price is zero or negative",
	"price.too_many_decimals":               "Price with more than two decimals",
	"sale_price.not_lower":                  "Sale price not below price",
	"sale_price.currency_mismatch":          "Sale price in another currency",
	"sale_price_effective_date.invalid":     "Invalid sale date range",
	"sale_price_effective_date.order":       "Sale ends before it starts",
	"sale_price_effective_date.single_date": "Sale date without an end",
	"tax.tax_ship_legacy":                   "Legacy y/n in tax_ship",
	"gtin.without_brand":                    "GTIN without brand",
	"apparel.attribute_missing":             "Missing apparel attribute",
	"apparel.attribute_recommended":         "Apparel attribute missing (required in BR, FR, DE, JP, UK, US)",
	"date.invalid":                          "Invalid date",
	"availability_date.missing":             "Missing availability date for preorder or backorder",
	"url.invalid":                           "Invalid link",
	"url.unsafe_scheme":                     "Link with an unsupported scheme",
	"url.whitespace":                        "Spaces in a link",
	"url.http":                              "Link not using https",
	"url.equals_domain":                     "Link to the home page, not the product",
	"image_link.non_ascii":                  "Image link with non-ASCII characters",
	"image_link.format":                     "Unsupported image format",
	"additional_image_link.too_many":        "Too many additional images",
	"gtin.non_numeric":                      "GTIN with letters",
	"gtin.invalid_length":                   "GTIN of the wrong length",
	"gtin.check_digit":                      "Invalid GTIN (check digit)",
	"gtin.restricted_prefix":                "GTIN from a restricted range",
	"gtin.coupon_prefix":                    "Coupon code used as GTIN",
	"gtin.duplicate":                        "Same GTIN on several products",
	"id.duplicate":                          "Duplicate item id",
	"id.whitespace":                         "Spaces or invisible characters around or in an item id",
	"item_group_id.invalid_chars":           "Invalid characters in item group id",
	"variant.group_missing":                 "Variants without an item group",
	"variant.attribute_missing":             "Variants not told apart by color or size",
	"variant.duplicate":                     "Duplicate variants",
	"description.html":                      "HTML in description",
	"description.html_disallowed":           "Unsupported HTML in description",
	"text.all_caps":                         "Text in capitals",
	"text.promotional":                      "Promotional text",
	"text.emoji":                            "Emoji in title",
	"text.control_chars":                    "Control characters in text",
	"title.equals_description":              "Description repeats the title",
	"shipping.invalid":                      "Invalid shipping",
	"tax.invalid":                           "Invalid tax",
	"category.missing":                      "Missing product category",
	"category.shallow":                      "Product category too general",
	"product_type.delimiter":                "Product type levels not separated by >",
	"number.invalid":                        "Invalid number",
	"availability.zero_quantity":            "In stock with quantity 0",
}

// RuleTitle is the human title of a rule code (the code itself when the
// rule has none, e.g. a reader rule without a table entry).
func RuleTitle(code string) string {
	if t, ok := ruleTitles[code]; ok {
		return t
	}
	return code
}

// Documentation pages per attribute. Google: one page per attribute of the
// Merchant Center product data specification ("Product data specification",
// https://support.google.com/merchants/answer/7052112), whose attribute
// names link to these answers (ids seen in that page's links and in
// public feed tooling that cites them, e.g. id 6324405, item_group_id
// 6324507, mpn 6324482, image_link 6324350, brand 6324351,
// google_product_category 6324436, gender 6324479, age_group 6324463).
// Meta: the catalog fields reference ("Catalog Fields",
// https://developers.facebook.com/docs/commerce-platform/catalog/fields/)
// documents every field on one page.
var googleDocs = map[string]string{
	"id": "6324405", "title": "6324415", "description": "6324468", "link": "6324416", "image_link": "6324350",
	"additional_image_link": "6324370", "availability": "6324448", "availability_date": "6324470", "price": "6324371",
	"sale_price": "6324471", "sale_price_effective_date": "6324460", "condition": "6324469", "brand": "6324351",
	"gtin": "6324461", "mpn": "6324482", "identifier_exists": "6324478", "google_product_category": "6324436",
	"product_type": "6324406", "item_group_id": "6324507", "color": "6324487", "size": "6324492", "gender": "6324479",
	"age_group": "6324463", "material": "6324410", "pattern": "6324483", "shipping": "6324484", "tax": "6324454",
	"custom_label_0": "6324473", "custom_label_1": "6324473", "custom_label_2": "6324473", "custom_label_3": "6324473",
	"custom_label_4": "6324473",
}

const (
	googleSpecURL = "https://support.google.com/merchants/answer/7052112"
	metaFieldsURL = "https://developers.facebook.com/docs/commerce-platform/catalog/fields/"
	metaFormatURL = "https://developers.facebook.com/docs/marketing-api/catalog/reference"
)

// docsURL is the platform's documentation page for a field on a channel
// ("" when dpa knows none): Google's page of the attribute, Meta's catalog
// fields reference; file-level rules link to the feed format pages.
func docsURL(channel, field, rule string) string {
	switch channel {
	case "google":
		if id, ok := googleDocs[field]; ok {
			return "https://support.google.com/merchants/answer/" + id
		}
		return googleSpecURL
	case "meta":
		if field == "" {
			return metaFormatURL
		}
		return metaFieldsURL
	}
	return ""
}

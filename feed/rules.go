package feed

import (
	"maps"
	"slices"
	"strings"
)

// Rule is one diagnostic dpa can emit. Codes are stable: reports, baselines
// and config overrides refer to them.
type Rule struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	// ChannelSeverity overrides Severity on some channels (image_link ASCII
	// is an error on Google, a warning elsewhere).
	ChannelSeverity map[string]Severity `json:"-"`
	Summary         string              `json:"summary"`
	Fix             string              `json:"fix"`
	// Channels limits the rule to some channels; empty means all.
	Channels []string `json:"channels,omitempty"`
}

// SeverityFor returns the rule's default severity on a channel.
func (r *Rule) SeverityFor(channel string) Severity {
	if s, ok := r.ChannelSeverity[channel]; ok {
		return s
	}
	return r.Severity
}

// AppliesTo reports whether the rule can fire on the channel.
func (r *Rule) AppliesTo(channel string) bool {
	return len(r.Channels) == 0 || slices.Contains(r.Channels, channel)
}

var google = []string{"google"}

// ruleTable is every rule, in a stable order (grouped by topic).
var ruleTable = []Rule{
	{Code: "feed.empty", Severity: Error, Summary: "The file is empty; an empty upload deletes every product of the feed (a warning with --allow-empty).", Fix: "Check the export job; never upload an empty feed."},
	{Code: "feed.no_items", Severity: Error, Summary: "The file has a header but no items (a warning with --allow-empty).", Fix: "Check the export filter; a feed without items empties the catalog."},
	{Code: "feed.html", Severity: Error, Summary: "The file is an HTML page (an error, login or maintenance page saved by a failed download), not a feed.", Fix: "Check the download URL and its credentials; fetch the feed again."},
	{Code: "feed.parse_error", Severity: Error, Summary: "The document is malformed; items after this point could not be read.", Fix: "Fix the syntax at the line shown (unclosed tag, stray quote, truncated file) and export again."},
	{Code: "feed.too_large", Severity: Error, Summary: "The input passed a size limit (download, decompressed size or one record); the rest was not read.", Fix: "Check the file is what you expect (a zip or gzip bomb, a runaway field); raise --max-bytes if it is genuine."},
	{Code: "feed.record_too_large", Severity: Error, Summary: "One record (line) is larger than the record limit and was skipped.", Fix: "Check the line for a missing quote or newline."},
	{Code: "feed.read_error", Severity: Error, Summary: "The input could not be read to the end.", Fix: "Check the file or download; it may be truncated or corrupt."},
	{Code: "encoding.detected", Severity: Info, Summary: "The file is not UTF-8; dpa decoded it with the encoding shown.", Fix: "Save the feed as UTF-8; platforms reject or garble other encodings."},
	{Code: "encoding.mismatch", Severity: Warning, Summary: "The XML declaration names another encoding than the bytes are in; dpa reads the bytes as what they are (BOM, NUL pattern, valid UTF-8).", Fix: "Make the exporter declare the encoding it writes (usually encoding=\"UTF-8\")."},
	{Code: "encoding.invalid_utf8", Severity: Error, Summary: "The value has bytes that are not valid UTF-8 (Google: encoding_problem).", Fix: "Save the feed as UTF-8, or pass --encoding with the real encoding."},
	{Code: "csv.column_count", Severity: Error, Summary: "The row has a different number of fields than the header (Meta: feed_column_count_mismatch; the item may be deleted).", Fix: "Quote values that contain the delimiter, e.g. \"Yellow,Blue\"."},
	{Code: "csv.syntax", Severity: Error, Summary: "The row is not valid CSV (a stray or unclosed quote).", Fix: "Escape quotes inside quoted fields by doubling them (\"\")."},
	{Code: "json.syntax", Severity: Error, Summary: "The line is not a valid JSON object.", Fix: "Write one JSON object per line."},
	{Code: ruleShopExport, Severity: Error, Summary: "The file is a shop's product export (Shopify, WooCommerce, Magento), not a channel feed: its columns are not the channel's fields.", Fix: "Run the dpa normalize command shown, which maps the export to the channel's feed."},
	{Code: "header.column_missing", Severity: Error, Summary: "A required column is missing from the header, so every item lacks the field.", Fix: "Add the column (check its spelling against `dpa rules`)."},
	{Code: "header.wrong_name", Severity: Warning, Summary: "The column uses another platform's name for a field.", Fix: "Rename the column to the channel's name (dpa normalize does it)."},
	{Code: "required.missing", Severity: Error, Summary: "A required field is missing or empty; the platform rejects the item.", Fix: "Fill in the field for this item."},
	{Code: "identifier.missing", Severity: Error, Summary: "None of brand, gtin or mpn is set (Meta: UNIQUE_PRODUCT_IDENTIFIER_MISSING).", Fix: "Add the brand, or the manufacturer's GTIN or MPN."},
	{Code: "identifier.incomplete", Severity: Warning, Summary: "Google wants a GTIN, or brand plus MPN; the item's reach is limited without them.", Fix: "Add the GTIN, or brand and MPN; use identifier_exists=no only for custom or handmade goods.", Channels: google},
	{Code: "identifier.exists_false_misuse", Severity: Warning, Summary: "identifier_exists is no, but the item has a GTIN or brand and MPN (Google: identifier_exists_false_misuse).", Fix: "Remove identifier_exists or set it to yes.", Channels: google},
	{Code: "enum.invalid", Severity: Error, Summary: "The value is not one of the channel's allowed spellings.", Fix: "Use one of the values listed in the message (dpa normalize converts common spellings)."},
	// Google accepts the spaced spelling: its availability page
	// ("Availability [availability]", https://support.google.com/merchants/answer/6324448)
	// lists "in stock [in stock]" with <g:availability>in stock</g:availability>
	// in some locales and "in_stock" in others, so on Google it is a note.
	{Code: "enum.alternate_spelling", Severity: Warning, ChannelSeverity: map[string]Severity{"google": Info}, Summary: "The value uses another platform's separator (in stock vs in_stock); older specs accept it, the current one names the exact spelling.", Fix: "Write the channel's spelling shown in the suggestion (dpa normalize does it)."},
	{Code: "enum.case", Severity: Warning, Summary: "The value differs from the allowed spelling only in letter case.", Fix: "Write the value in the exact case shown."},
	{Code: "length.too_long", Severity: Error, Summary: "The value is longer than the channel allows.", Fix: "Shorten the value (dpa normalize truncates on a word boundary)."},
	{Code: "length.over_recommended", Severity: Info, Summary: "The value is longer than the platform recommends and may be cut off in ads.", Fix: "Put the most important words first, or shorten it."},
	{Code: "length.too_short", Severity: Warning, Summary: "The value is shorter than the platform recommends (Meta: PROPERTY_VALUE_STRING_TOO_SHORT).", Fix: "Write a fuller description."},
	{Code: "price.invalid", Severity: Error, Summary: "The price is not a number followed by an ISO 4217 currency code.", Fix: "Write prices as `19.99 USD`."},
	{Code: "price.currency_missing", Severity: Error, Summary: "The price has no ISO 4217 currency code.", Fix: "Append the code: `19.99 USD` instead of `$19.99`."},
	{Code: "price.currency_invalid", Severity: Error, Summary: "The currency is not an ISO 4217 code (Google: Unsupported currency).", Fix: "Use a three-letter ISO 4217 code such as USD, EUR, GBP."},
	{Code: "price.currency_position", Severity: Error, Summary: "The currency code must follow the number, separated by a space.", Fix: "Write `19.99 USD`."},
	{Code: "price.decimal_comma", Severity: Error, Summary: "The price uses a decimal comma; platforms need a `.` decimal separator.", Fix: "Write `19.99 EUR` instead of `19,99 EUR`."},
	{Code: "price.thousands_separator", Severity: Error, Summary: "The price has a thousands separator.", Fix: "Write `1299.00 USD` instead of `1,299.00 USD`."},
	{Code: "price.currency_case", Severity: Warning, Summary: "The currency code is not upper case.", Fix: "Write the code in upper case (USD)."},
	{Code: "price.not_positive", Severity: Error, Summary: "The price is zero or negative (Meta: ITEM_PRICE_NOT_POSITIVE).", Fix: "Set the real selling price."},
	{Code: "price.too_many_decimals", Severity: Warning, Summary: "The price has more than two decimals.", Fix: "Round to two decimals.", Channels: google},
	{Code: "sale_price.not_lower", Severity: Error, Summary: "sale_price is not lower than price, so no discount can be shown.", Fix: "Remove sale_price or set it below price."},
	{Code: "sale_price.currency_mismatch", Severity: Error, Summary: "sale_price and price use different currencies.", Fix: "Use the same currency for both."},
	{Code: "sale_price_effective_date.invalid", Severity: Error, Summary: "The sale date range is not `start/end` in ISO 8601.", Fix: "Write `2026-11-27T00:00+00:00/2026-11-30T23:59+00:00`."},
	{Code: "sale_price_effective_date.single_date", Severity: Warning, Summary: "A single date instead of a start/end range; Google ignores a value it cannot read, so the sale price shows at once and never ends (\"sale_price_effective_date\", https://support.google.com/merchants/answer/6324460: a start and an end date separated by /).", Fix: "Write `2026-11-27T00:00+0100/2026-11-30T23:59+0100`."},
	{Code: "sale_price_effective_date.order", Severity: Error, Summary: "The sale ends before it starts.", Fix: "Swap or correct the dates."},
	{Code: "date.invalid", Severity: Error, Summary: "The date is not ISO 8601.", Fix: "Write `2026-12-24` or `2026-12-24T09:00+01:00`."},
	{Code: "availability_date.missing", Severity: Error, Summary: "preorder and backorder items need availability_date on Google.", Fix: "Add availability_date with the date the item ships.", Channels: google},
	{Code: "url.invalid", Severity: Error, Summary: "The URL is not an absolute http(s) URL.", Fix: "Use the full address, starting with https://."},
	{Code: "url.unsafe_scheme", Severity: Error, Summary: "The URL uses a scheme that is not http or https.", Fix: "Link to the product page over https."},
	{Code: "url.whitespace", Severity: Error, Summary: "The URL contains spaces.", Fix: "Encode spaces as %20."},
	{Code: "url.http", Severity: Warning, Summary: "The URL uses http, not https.", Fix: "Serve and link pages and images over https (dpa normalize --https)."},
	{Code: "url.equals_domain", Severity: Warning, Summary: "The product link is the shop's home page (Meta: PRODUCT_URL_EQUALS_DOMAIN).", Fix: "Link to the product's own page."},
	{Code: "image_link.non_ascii", Severity: Warning, ChannelSeverity: map[string]Severity{"google": Error}, Summary: "The image URL has non-ASCII characters; Google requires RFC 3986 ASCII.", Fix: "Percent-encode the characters."},
	{Code: "image_link.format", Severity: Warning, Summary: "The image format is not supported on this channel (Snapchat: JPEG or PNG, no GIF).", Fix: "Link a JPEG or PNG image."},
	{Code: "additional_image_link.too_many", Severity: Warning, Summary: "More additional images than the channel takes; the rest are ignored.", Fix: "Keep the best images up to the limit."},
	{Code: "gtin.non_numeric", Severity: Error, Summary: "The GTIN has characters other than digits.", Fix: "Use the barcode digits only."},
	{Code: "gtin.invalid_length", Severity: Error, Summary: "A GTIN has 8, 12, 13 or 14 digits.", Fix: "Check the barcode; convert UPC-E and ISBN-10 to their full forms."},
	{Code: "gtin.check_digit", Severity: Error, Summary: "The GTIN's GS1 check digit is wrong.", Fix: "Copy the GTIN from the package again; never invent one."},
	{Code: "gtin.restricted_prefix", Severity: Error, Summary: "The GTIN has a restricted prefix (2, 02, 04): store-internal codes are rejected.", Fix: "Use the manufacturer's GTIN, or leave gtin empty and give brand and mpn.", Channels: google},
	{Code: "gtin.coupon_prefix", Severity: Error, Summary: "The GTIN is in a coupon range (05, 981–984, 99) (Google: coupon_gtin).", Fix: "Use the product's own GTIN.", Channels: google},
	{Code: "gtin.without_brand", Severity: Warning, Summary: "The item has a GTIN but no brand; Google requires brand for new products (https://support.google.com/merchants/answer/6324351) and matches a GTIN against it.", Fix: "Add the brand printed on the product.", Channels: google},
	{Code: "apparel.attribute_missing", Severity: Error, Summary: "An apparel item (Apparel & Accessories, 166; size for Clothing 1604 and Shoes 187) shipped to Brazil, France, Germany, Japan, the UK or the US lacks gender, age_group, color or size, which Google requires there (https://support.google.com/merchants/answer/6324479, 6324463, 6324487, 6324492).", Fix: "Add the attribute (gender male|female|unisex, age_group adult|kids|…, the color, the size).", Channels: google},
	{Code: "apparel.attribute_recommended", Severity: Warning, Summary: "An apparel item lacks gender, age_group, color or size; Google requires them in feeds for Brazil, France, Germany, Japan, the UK and the US (the item has no shipping country to tell).", Fix: "Add the attribute, or a shipping country if the feed targets another country.", Channels: google},
	{Code: "gtin.duplicate", Severity: Warning, Summary: "Another item has the same GTIN (Google: item_duplicate_by_gtin).", Fix: "Give each variant its own GTIN."},
	{Code: "id.duplicate", Severity: Error, Summary: "The id is used by an earlier item; Meta and TikTok ignore every instance.", Fix: "Make ids unique (use the variant SKU)."},
	{Code: "id.whitespace", Severity: Warning, Summary: "The id has leading or trailing spaces (NBSP included) or an invisible character (zero-width space, joiner, word joiner, BOM); pixel events will not match it.", Fix: "Trim the id and remove invisible characters (dpa normalize does it)."},
	{Code: "item_group_id.invalid_chars", Severity: Warning, Summary: "item_group_id should use only letters, digits, _ and -.", Fix: "Use the parent SKU.", Channels: google},
	{Code: "variant.group_missing", Severity: Warning, Summary: "The item looks like a variant of another item (same title, variant attributes) but has no item_group_id (Meta: ITEM_GROUP_NOT_SPECIFIED).", Fix: "Give all variants of a product the same item_group_id."},
	{Code: "variant.attribute_missing", Severity: Warning, Summary: "The variants of the group differ by this attribute (size, color...), but this one does not have it (Meta: VARIANT_ATTRIBUTE_ISSUE).", Fix: "Set the attribute on every variant, even out-of-stock ones."},
	{Code: "variant.duplicate", Severity: Warning, Summary: "Another variant of the group has the same size, color and other variant attributes.", Fix: "Make each variant differ in its variant attributes."},
	{Code: "description.html", Severity: Warning, ChannelSeverity: map[string]Severity{"meta": Warning}, Summary: "The description contains HTML tags or entities; Meta wants plain text (PROPERTY_VALUE_CONTAINS_HTML_TAGS).", Fix: "Strip the markup (dpa normalize does it)."},
	{Code: "description.html_disallowed", Severity: Warning, Summary: "The description uses HTML that Google does not allow (only simple formatting tags, no attributes or scripts).", Fix: "Keep to strong, em, ul, ol, li, br, p and similar tags.", Channels: google},
	{Code: "text.all_caps", Severity: Warning, Summary: "The text is written in capitals (Meta: PROPERTY_VALUE_UPPERCASE).", Fix: "Use sentence or title case (dpa normalize --fix-case)."},
	{Code: "text.promotional", Severity: Warning, Summary: "The title contains promotional text, which platforms disapprove.", Fix: "Describe the product; put offers in sale_price."},
	{Code: "text.emoji", Severity: Warning, Summary: "The title contains emoji, which TikTok asks to avoid.", Fix: "Remove the emoji."},
	{Code: "text.control_chars", Severity: Warning, Summary: "The text contains control characters.", Fix: "Remove them (dpa normalize does it)."},
	{Code: "title.equals_description", Severity: Warning, Summary: "The description repeats the title (Meta: DUPLICATE_TITLE_AND_DESCRIPTION).", Fix: "Write a description with materials, fit, use."},
	{Code: "shipping.invalid", Severity: Error, Summary: "The shipping value is not `COUNTRY:REGION:SERVICE:PRICE` (keep every colon).", Fix: "Write `US:CA:Ground:4.95 USD` or `US:::4.95 USD`."},
	{Code: "tax.tax_ship_legacy", Severity: Warning, Summary: "tax_ship is y or n, the legacy spelling; Google's tax attribute names yes and no (https://support.google.com/merchants/answer/6324454).", Fix: "Write yes or no.", Channels: google},
	{Code: "tax.invalid", Severity: Error, Summary: "The tax value is not `COUNTRY:REGION:RATE:TAX_SHIP` with a rate from 0 to 100.", Fix: "Write `US:CA:8.75:yes`."},
	{Code: "category.missing", Severity: Warning, Summary: "google_product_category is missing; platforms use it for ad relevance and tax.", Fix: "Add a Google taxonomy ID or path."},
	{Code: "category.shallow", Severity: Warning, Summary: "The category has only one level; at least two are recommended.", Fix: "Use a deeper category, e.g. `Apparel & Accessories > Shoes`."},
	{Code: "product_type.delimiter", Severity: Warning, Summary: "Pinterest only recognises ` > ` between product_type levels.", Fix: "Separate levels with ` > `.", Channels: []string{"pinterest"}},
	{Code: "number.invalid", Severity: Error, Summary: "The value is not a whole number.", Fix: "Write an integer such as 12."},
	{Code: "availability.zero_quantity", Severity: Warning, Summary: "The item is in stock but quantity_to_sell_on_facebook is 0 (Meta: INVENTORY_ZERO_AVAILABILITY_IN_STOCK).", Fix: "Set the real quantity, or mark the item out of stock.", Channels: []string{"meta"}},
}

var ruleIndex = func() map[string]*Rule {
	m := make(map[string]*Rule, len(ruleTable))
	for i := range ruleTable {
		m[ruleTable[i].Code] = &ruleTable[i]
	}
	return m
}()

// LookupRule returns a copy of the rule with that code.
func LookupRule(code string) (Rule, bool) {
	r, ok := ruleIndex[code]
	if !ok {
		return Rule{}, false
	}
	return r.clone(), true
}

func (r *Rule) clone() Rule {
	c := *r
	c.Channels = slices.Clone(r.Channels)
	c.ChannelSeverity = maps.Clone(r.ChannelSeverity)
	return c
}

// RulesFor lists the rules that apply to a channel ("" = all), sorted by code.
func RulesFor(channel string) []Rule {
	var out []Rule
	for i := range ruleTable {
		if r := &ruleTable[i]; channel == "" || r.AppliesTo(channel) {
			out = append(out, r.clone())
		}
	}
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// Overrides are per-project changes to the rule set, from dpa.yaml.
type Overrides struct {
	Disable  []string            // rule codes (or prefixes ending in ".") to turn off
	Severity map[string]Severity // rule code → new severity
	Require  []string            // extra required fields
}

// Check reports unknown rule codes in the overrides, so typos in dpa.yaml fail loudly.
func (o Overrides) Check() error {
	var bad []string
	for _, c := range o.Disable {
		if strings.HasSuffix(c, ".") {
			continue
		}
		if _, ok := ruleIndex[c]; !ok {
			bad = append(bad, c)
		}
	}
	for c := range o.Severity {
		if _, ok := ruleIndex[c]; !ok {
			bad = append(bad, c)
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return &unknownRulesError{Codes: bad}
	}
	return nil
}

// unknownRulesError names rule codes that do not exist.
type unknownRulesError struct{ Codes []string }

func (e *unknownRulesError) Error() string {
	msg := "unknown rule code(s): " + strings.Join(e.Codes, ", ")
	if s := suggestCode(e.Codes[0]); s != "" {
		msg += " (did you mean " + s + "?)"
	}
	return msg + "; run 'dpa rules' for the list"
}

func suggestCode(c string) string {
	codes := make([]string, len(ruleTable))
	for i, r := range ruleTable {
		codes[i] = r.Code
	}
	return Closest(c, codes)
}

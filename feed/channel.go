package feed

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Kind is how a field's value is checked.
type Kind int

const (
	kindText Kind = iota
	kindURL
	kindImageURL
	kindPrice
	kindEnum
	kindGTIN
	kindDate
	kindDateRange
	kindInt
	kindShipping
	kindTax
	kindCategory
	kindURLList // additional_image_link in text feeds: comma-separated URLs
	kindGroupID
)

// FieldSpec is one row of a channel's table. Limits live here, not in code,
// so a platform change is a one-line edit.
type FieldSpec struct {
	Name     string
	Required bool
	Kind     Kind
	MaxLen   int      // hard limit in characters (error); 0 = none
	SoftLen  int      // recommended limit (warning); 0 = none
	MinLen   int      // recommended minimum (warning); 0 = none
	Enum     []string // exact spellings
	// Aliases are other names platforms or tools use for this field; a feed
	// using one is read as this field and told the right name.
	Aliases   []string
	MaxValues int // for repeated/list fields; 0 = no limit
}

// Channel is a platform's feed specification.
type Channel struct {
	Name    string
	Title   string
	IDField string
	Fields  []FieldSpec
	// OneOf lists groups of which at least one field must be set (brand/gtin/mpn).
	OneOf [][]string
	// EnumFold accepts enum values in any letter case (Pinterest).
	EnumFold bool
	// DefaultCurrency is assumed when a price has no code (Pinterest: USD).
	DefaultCurrency string
	// ZeroPrice allows a price of 0 (Snapchat).
	ZeroPrice bool
	// CurrencyFirst accepts "USD 19.99" (Snapchat).
	CurrencyFirst bool
	// NoSpaceCurrency accepts "19.99USD" (Pinterest).
	NoSpaceCurrency bool
	// MaxDecimals for prices; 0 = not checked.
	MaxDecimals int
	// GTINPrefixes applies Google's restricted/coupon prefix rules.
	GTINPrefixes bool
	// HTML policy of descriptions: nil = no HTML at all; otherwise the allowed tags.
	HTMLAllowed []string
	// DatedAvailability lists availability values that need availability_date.
	DatedAvailability []string
	// IdentifierExists enables Google's identifier_exists logic.
	IdentifierExists bool
	// NoEmoji flags emoji in titles (TikTok).
	NoEmoji bool
	// ImageFormats restricts image file extensions when set (Snapchat: no GIF).
	ImageFormats []string
	// CategoryDelimiter for product_type levels (Pinterest: " > ").
	CategoryDelimiter string
	// Synonyms maps an enum value a feed might carry (any case, any spacing)
	// to this channel's spelling, for suggestions across channels.
	Synonyms map[string]string
}

// Spec returns the field spec for name (or one of its aliases).
func (c *Channel) Spec(name string) *FieldSpec {
	for i := range c.Fields {
		if c.Fields[i].Name == name {
			return &c.Fields[i]
		}
	}
	return nil
}

var metaAvailability = []string{"in stock", "out of stock", "preorder", "available for order", "discontinued", "pending", "mark_as_sold"}
var basicCondition = []string{"new", "refurbished", "used"}
var googleAgeGroup = []string{"newborn", "infant", "toddler", "kids", "adult"}
var genders = []string{"female", "male", "unisex"}
var sizeSystems = []string{"US", "UK", "EU", "DE", "FR", "JP", "CN", "IT", "BR", "MEX", "AU"}
var yesNo = []string{"yes", "no", "true", "false"}

// spaceAvailability maps availability spellings to the spaced form used by
// Meta, TikTok, Pinterest and Snapchat.
var spaceAvailability = map[string]string{
	"in_stock": "in stock", "instock": "in stock", "out_of_stock": "out of stock", "outofstock": "out of stock",
	"backorder": "available for order", "available_for_order": "available for order", "pre-order": "preorder", "pre_order": "preorder",
	"sold out": "out of stock", "soldout": "out of stock",
}

// underscoreAvailability maps to Google's spelling.
var underscoreAvailability = map[string]string{
	"in stock": "in_stock", "instock": "in_stock", "out of stock": "out_of_stock", "outofstock": "out_of_stock",
	"available for order": "backorder", "available_for_order": "backorder", "pre-order": "preorder", "pre_order": "preorder",
	"discontinued": "out_of_stock", "sold out": "out_of_stock", "soldout": "out_of_stock",
}

func commonTail() []FieldSpec {
	f := []FieldSpec{
		{Name: "sale_price", Kind: kindPrice},
		{Name: "sale_price_effective_date", Kind: kindDateRange},
		{Name: "google_product_category", Kind: kindCategory},
		{Name: "product_type", Kind: kindText, MaxLen: 750},
		{Name: "gender", Kind: kindEnum, Enum: genders},
		{Name: "color", Kind: kindText, MaxLen: 100},
		{Name: "size", Kind: kindText, MaxLen: 100},
		{Name: "material", Kind: kindText, MaxLen: 200},
		{Name: "pattern", Kind: kindText, MaxLen: 100},
		{Name: "shipping", Kind: kindShipping},
		{Name: "gtin", Kind: kindGTIN},
	}
	for i := 0; i < 5; i++ {
		f = append(f, FieldSpec{Name: fmt.Sprintf("custom_label_%d", i), Kind: kindText, MaxLen: 100})
	}
	return f
}

// channels is the table of every supported channel. Sources: feed-spec.md
// (Meta §2, Google §3, TikTok §4, Pinterest §5, Snapchat §6). Where sources
// conflict the hard limit is the larger and the soft limit the smaller, so
// dpa never rejects what a platform may accept but still warns.
var channels = map[string]*Channel{
	"meta": {
		Name: "meta", Title: "Meta (Facebook/Instagram) catalog", IDField: "id",
		Fields: append([]FieldSpec{
			{Name: "id", Required: true, MaxLen: 100, Aliases: []string{"sku_id", "retailer_id"}},
			{Name: "title", Required: true, MaxLen: 200, SoftLen: 65, Aliases: []string{"name"}},
			{Name: "description", Required: true, MaxLen: 9999, MinLen: 30},
			{Name: "availability", Required: true, Kind: kindEnum, Enum: metaAvailability},
			{Name: "condition", Required: true, Kind: kindEnum, Enum: append(slices.Clone(basicCondition), "cpo", "open_box_new", "used_fair", "used_good", "used_like_new")},
			{Name: "price", Required: true, Kind: kindPrice},
			{Name: "link", Required: true, Kind: kindURL, MaxLen: 2048, Aliases: []string{"url"}},
			{Name: "image_link", Required: true, Kind: kindImageURL, MaxLen: 2048, Aliases: []string{"image_url"}},
			{Name: "additional_image_link", Kind: kindURLList, MaxLen: 2000, MaxValues: 20},
			{Name: "brand", Kind: kindText, MaxLen: 100},
			{Name: "mpn", Kind: kindText, MaxLen: 100},
			{Name: "item_group_id", Kind: kindGroupID, MaxLen: 100},
			{Name: "age_group", Kind: kindEnum, Enum: []string{"adult", "all ages", "teen", "kids", "toddler", "infant", "newborn"}},
			{Name: "visibility", Kind: kindEnum, Enum: []string{"published", "staging"}},
			{Name: "quantity_to_sell_on_facebook", Kind: kindInt},
			{Name: "shipping_weight", Kind: kindText},
		}, commonTail()...),
		OneOf:    [][]string{{"brand", "gtin", "mpn"}},
		Synonyms: spaceAvailability,
	},
	"google": {
		Name: "google", Title: "Google Merchant Center", IDField: "id",
		Fields: append([]FieldSpec{
			{Name: "id", Required: true, MaxLen: 50, Aliases: []string{"sku_id", "offer_id"}},
			{Name: "title", Required: true, MaxLen: 150, Aliases: []string{"name"}},
			{Name: "description", Required: true, MaxLen: 5000},
			{Name: "link", Required: true, Kind: kindURL, MaxLen: 2000, Aliases: []string{"url"}},
			{Name: "image_link", Required: true, Kind: kindImageURL, MaxLen: 2000, Aliases: []string{"image_url"}},
			{Name: "additional_image_link", Kind: kindURLList, MaxLen: 2000, MaxValues: 10},
			{Name: "availability", Required: true, Kind: kindEnum, Enum: []string{"in_stock", "out_of_stock", "preorder", "backorder"}},
			{Name: "availability_date", Kind: kindDate},
			{Name: "expiration_date", Kind: kindDate},
			{Name: "price", Required: true, Kind: kindPrice},
			{Name: "condition", Kind: kindEnum, Enum: basicCondition},
			{Name: "brand", Kind: kindText, MaxLen: 70},
			{Name: "mpn", Kind: kindText, MaxLen: 70},
			{Name: "identifier_exists", Kind: kindEnum, Enum: yesNo},
			{Name: "item_group_id", Kind: kindGroupID, MaxLen: 50},
			{Name: "size_type", Kind: kindEnum, Enum: []string{"regular", "petite", "plus", "tall", "big", "maternity"}},
			{Name: "size_system", Kind: kindEnum, Enum: sizeSystems},
			{Name: "age_group", Kind: kindEnum, Enum: googleAgeGroup},
			{Name: "tax", Kind: kindTax},
			{Name: "adult", Kind: kindEnum, Enum: yesNo},
			{Name: "is_bundle", Kind: kindEnum, Enum: yesNo},
			{Name: "multipack", Kind: kindInt},
		}, commonTail()...),
		MaxDecimals:       2,
		GTINPrefixes:      true,
		HTMLAllowed:       []string{"strong", "em", "ul", "ol", "li", "br", "sub", "sup", "div", "span", "dl", "dt", "dd", "p", "b", "i"},
		DatedAvailability: []string{"preorder", "backorder"},
		IdentifierExists:  true,
		Synonyms:          underscoreAvailability,
	},
	"tiktok": {
		Name: "tiktok", Title: "TikTok catalog", IDField: "sku_id",
		Fields: append([]FieldSpec{
			{Name: "sku_id", Required: true, MaxLen: 100, Aliases: []string{"id"}},
			{Name: "title", Required: true, MaxLen: 255, Aliases: []string{"name"}},
			{Name: "description", Required: true, MaxLen: 10000},
			{Name: "availability", Required: true, Kind: kindEnum, Enum: []string{"in stock", "available for order", "preorder", "out of stock", "discontinued"}},
			{Name: "condition", Required: true, Kind: kindEnum, Enum: basicCondition},
			{Name: "price", Required: true, Kind: kindPrice},
			{Name: "link", Required: true, Kind: kindURL, MaxLen: 2048, Aliases: []string{"url"}},
			{Name: "image_link", Required: true, Kind: kindImageURL, MaxLen: 2048, Aliases: []string{"image_url"}},
			{Name: "additional_image_link", Kind: kindURLList, MaxLen: 2000, MaxValues: 10},
			{Name: "brand", Required: true, Kind: kindText, MaxLen: 100},
			{Name: "mpn", Kind: kindText, MaxLen: 100},
			{Name: "item_group_id", Kind: kindGroupID, MaxLen: 100},
			{Name: "age_group", Kind: kindEnum, Enum: []string{"adult", "all ages", "teen", "kids", "toddler", "infant", "newborn"}},
		}, commonTail()...),
		NoEmoji:  true,
		Synonyms: spaceAvailability,
	},
	"pinterest": {
		Name: "pinterest", Title: "Pinterest catalog", IDField: "id",
		Fields: append([]FieldSpec{
			{Name: "id", Required: true, MaxLen: 127, Aliases: []string{"sku_id"}},
			{Name: "title", Required: true, MaxLen: 500, Aliases: []string{"name"}},
			{Name: "description", Required: true, MaxLen: 10000},
			{Name: "link", Required: true, Kind: kindURL, MaxLen: 511, Aliases: []string{"url"}},
			{Name: "image_link", Required: true, Kind: kindImageURL, MaxLen: 2000, Aliases: []string{"image_url"}},
			{Name: "additional_image_link", Kind: kindURLList, MaxLen: 2000, MaxValues: 10},
			{Name: "price", Required: true, Kind: kindPrice},
			{Name: "availability", Required: true, Kind: kindEnum, Enum: []string{"in stock", "out of stock", "preorder"}},
			{Name: "condition", Kind: kindEnum, Enum: basicCondition},
			{Name: "brand", Kind: kindText, MaxLen: 100},
			{Name: "mpn", Kind: kindText, MaxLen: 100},
			{Name: "item_group_id", Kind: kindGroupID, MaxLen: 127},
			{Name: "age_group", Kind: kindEnum, Enum: googleAgeGroup},
			{Name: "size_type", Kind: kindEnum, Enum: []string{"regular", "petite", "plus", "big_and_tall", "maternity"}},
			{Name: "size_system", Kind: kindEnum, Enum: sizeSystems},
			{Name: "tax", Kind: kindTax},
		}, pinterestTail()...),
		EnumFold:          true,
		DefaultCurrency:   "USD",
		NoSpaceCurrency:   true,
		CategoryDelimiter: " > ",
		Synonyms:          spaceAvailability,
	},
	"snapchat": {
		Name: "snapchat", Title: "Snapchat product catalog", IDField: "id",
		Fields: append([]FieldSpec{
			{Name: "id", Required: true, MaxLen: 128, SoftLen: 50, Aliases: []string{"sku_id"}},
			{Name: "title", Required: true, MaxLen: 375, SoftLen: 150, Aliases: []string{"name"}},
			{Name: "description", Required: true, MaxLen: 5000},
			{Name: "link", Required: true, Kind: kindURL, MaxLen: 2000, Aliases: []string{"url"}},
			{Name: "image_link", Required: true, Kind: kindImageURL, MaxLen: 2000, Aliases: []string{"image_url"}},
			{Name: "additional_image_link", Kind: kindURLList, MaxLen: 2000},
			{Name: "availability", Required: true, Kind: kindEnum, Enum: []string{"in stock", "out of stock", "preorder", "discontinued", "available for order"}},
			{Name: "price", Required: true, Kind: kindPrice},
			{Name: "condition", Required: true, Kind: kindEnum, Enum: basicCondition},
			{Name: "brand", Kind: kindText, MaxLen: 70},
			{Name: "mpn", Kind: kindText, MaxLen: 50},
			{Name: "item_group_id", Kind: kindGroupID, MaxLen: 100},
			{Name: "age_group", Kind: kindEnum, Enum: []string{"adult", "all ages", "teen", "kids", "toddler", "infant", "newborn"}},
		}, commonTail()...),
		OneOf:         [][]string{{"brand", "gtin", "mpn"}},
		ZeroPrice:     true,
		CurrencyFirst: true,
		ImageFormats:  []string{".jpg", ".jpeg", ".png"},
		Synonyms:      spaceAvailability,
	},
}

func pinterestTail() []FieldSpec {
	f := commonTail()
	for i := range f {
		switch {
		case f[i].Name == "product_type":
			f[i].MaxLen = 1000
		case strings.HasPrefix(f[i].Name, "custom_label_"):
			f[i].MaxLen = 1000
		}
	}
	return f
}

// ChannelNames lists the channels in a stable order for help and errors.
func ChannelNames() []string {
	return []string{"meta", "google", "tiktok", "pinterest", "snapchat"}
}

// channelAliases are the names people use for a channel's platform.
var channelAliases = map[string]string{
	"facebook": "meta", "instagram": "meta", "fb": "meta", "ig": "meta", "commerce-manager": "meta",
	"gmc": "google", "merchant": "google", "merchant-center": "google", "merchant_center": "google", "google-shopping": "google",
}

// LookupChannel returns a copy of the named channel (or an alias: facebook,
// instagram → meta; gmc, merchant → google) or an error listing the choices.
// A copy, so a caller that edits it cannot change the table for every other.
func LookupChannel(name string) (*Channel, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if a, ok := channelAliases[key]; ok {
		key = a
	}
	c, ok := channels[key]
	if !ok {
		return nil, fmt.Errorf("unknown channel %q (want one of %s)", name, strings.Join(ChannelNames(), ", "))
	}
	return c.clone(), nil
}

// clone copies c deeply: every slice and map of the spec is its own.
func (c *Channel) clone() *Channel {
	d := *c
	d.Fields = make([]FieldSpec, len(c.Fields))
	for i, f := range c.Fields {
		f.Enum = slices.Clone(f.Enum)
		f.Aliases = slices.Clone(f.Aliases)
		d.Fields[i] = f
	}
	if c.OneOf != nil {
		d.OneOf = make([][]string, len(c.OneOf))
		for i, g := range c.OneOf {
			d.OneOf[i] = slices.Clone(g)
		}
	}
	d.HTMLAllowed = slices.Clone(c.HTMLAllowed)
	d.DatedAvailability = slices.Clone(c.DatedAvailability)
	d.ImageFormats = slices.Clone(c.ImageFormats)
	d.Synonyms = maps.Clone(c.Synonyms)
	return &d
}

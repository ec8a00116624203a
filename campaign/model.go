package campaign

import "time"

// Campaign is a loaded, validated campaign.yaml.
type Campaign struct {
	File        string
	Name        string
	Objective   string // PRODUCT_CATALOG_SALES (legacy) or OUTCOME_SALES
	CatalogID   string
	PageID      string
	PixelID     string // optional: event source of product audiences
	Countries   []string
	PageName    string         // shown in the preview; "" = the page id
	TimeZone    *time.Location // the ad account's time zone (IANA); nil when no date is given
	Start       time.Time      // zero: start when published; in TimeZone
	End         time.Time      // zero: run until stopped; an end date is inclusive (23:59:59 that day)
	Currency    string         // ISO 4217 of every budget and friendly price
	Budget      *Budget        // campaign budget; nil when ad sets carry budgets
	Status      string         // ACTIVE or PAUSED
	BidStrategy string         // campaign-level, optional
	GoogleLabel int            // custom_label_N used by the supplemental feed (one-label scheme)
	// GoogleLabels maps ad set index → custom_label_N for the per-ad-set
	// scheme (google.labels): each set gets its own label, "yes" or "no".
	GoogleLabels map[int]int
	// GraphAPIVersion is the Marketing API version the payloads follow.
	GraphAPIVersion string
	AdSets          []*AdSet
}

// Budget is a daily or lifetime budget in minor units of Campaign.Currency.
type Budget struct {
	Type  string // "daily" or "lifetime"
	Minor int64
}

// AdSet is one dynamic ad set with its product set and creative.
type AdSet struct {
	Name             string
	Slug             string // safe, unique file name stem (SafeNames)
	Type             string // retargeting, cross_sell, upsell, prospecting, custom
	Status           string
	Audience         *Audience // nil for prospecting (broad)
	ProductSet       ProductSet
	Budget           *Budget
	BidStrategy      string
	BidAmount        int64 // minor units; 0 = none
	OptimizationGoal string
	BillingEvent     string
	Placements       *Placements // nil: Advantage+ placements
	Countries        []string    // campaign countries unless overridden
	Segment          string      // Google custom label value; default Slug
	// AdvantageAudience is targeting_automation.advantage_audience (0 or
	// 1): Marketing API v23.0+ wants it explicit on new ad sets with
	// custom audiences. Default 0 with a behavioural audience, 1 without.
	AdvantageAudience int
	Creative          Creative
}

// Audience is the behavioural audience of a product-audience ad set.
type Audience struct {
	Events           []string // viewed, carted, purchased
	LookbackDays     int
	ExcludePurchased bool
	Source           *ProductSet // cross_sell / upsell: what people engaged with
}

// ProductSet is a Meta product set: an existing one by ID, or one dpa
// describes for creation.
type ProductSet struct {
	ID     string // existing product set id; "" = create from Filter
	Name   string
	Filter *Filter
	// Slug is the file stem and placeholder key of the set dpa creates,
	// unique among the campaign's sets; ad sets with identical filters
	// share one set (Meta refuses a second set with the same filter).
	Slug string
	// Owner: this ad set's entry creates the set (false when it reuses
	// an earlier identical one).
	Owner bool
}

// Placements restricts delivery; nil lists mean "let Meta choose".
type Placements struct {
	PublisherPlatforms       []string
	FacebookPositions        []string
	InstagramPositions       []string
	AudienceNetworkPositions []string
	MessengerPositions       []string
}

// Creative is the dynamic creative of an ad set (one ad per ad set).
type Creative struct {
	Name            string
	Format          string // carousel, single_image, collection
	Headline        *Template
	PrimaryText     *Template
	LinkDescription *Template
	CallToAction    string
	Link            string
	URLTags         string
	Cards           int // cards shown in the preview; fewer items → warning
	// InstantExperienceID is the canvas a collection opens (required for
	// format collection).
	InstantExperienceID string
	// PriceOverlay is the image_overlay_spec text_type shown on product
	// images (price, strikethrough_price, percentage_off); "" = none.
	PriceOverlay string
	// Variants are alternative headline / primary text pairs the ad set
	// may rotate (Meta's Dynamic Creative takes several titles and bodies
	// in asset_feed_spec: "Asset Feed Spec",
	// https://developers.facebook.com/documentation/ads-commerce/marketing-api/ad-creative/asset-feed-spec).
	// `dpa simulate` lets its learned strategy allocate impressions among
	// the main creative and these. A variant's empty field inherits the
	// main creative's.
	Variants []Variant
}

// Variant is one alternative creative text of an ad set.
type Variant struct {
	Name        string
	Headline    *Template
	PrimaryText *Template
}

// maxVariants bounds Creative.Variants: Dynamic Creative takes at most 5
// titles and 5 bodies [U: third-party SDK documentation of asset_feed_spec,
// https://www.rubydoc.info/gems/late-sdk/0.0.592/Zernio/CreateStandaloneAdRequestDynamicCreative],
// the main creative being one of them.
const maxVariants = 4

// Enumerations accepted by the loader.
var (
	objectives    = []string{"OUTCOME_SALES", "PRODUCT_CATALOG_SALES"}
	statuses      = []string{"ACTIVE", "PAUSED"}
	budgetTypes   = []string{"daily", "lifetime"}
	adSetTypes    = []string{"cross_sell", "custom", "prospecting", "retargeting", "upsell"}
	bidStrategies = []string{"COST_CAP", "LOWEST_COST_WITHOUT_CAP", "LOWEST_COST_WITH_BID_CAP", "LOWEST_COST_WITH_MIN_ROAS"}
	// optimizationGoals are the AdSet.OptimizationGoal values the doc lists.
	optimizationGoals = []string{"IMPRESSIONS", "LANDING_PAGE_VIEWS", "LEAD_GENERATION", "LINK_CLICKS", "OFFSITE_CONVERSIONS", "REACH", "VALUE"}
	billingEvents     = []string{"APP_INSTALLS", "CLICKS", "IMPRESSIONS", "LINK_CLICKS", "LISTING_INTERACTION", "NONE", "OFFER_CLAIMS", "PAGE_LIKES", "POST_ENGAGEMENT", "PURCHASE", "THRUPLAY"}
	// callsToAction are the DPA-relevant values of Meta's 102-value enum.
	callsToAction   = []string{"ADD_TO_CART", "BOOK_NOW", "BUY_NOW", "CONTACT_US", "GET_OFFER", "INSTALL_MOBILE_APP", "LEARN_MORE", "NO_BUTTON", "ORDER_NOW", "SEE_MORE", "SHOP_NOW", "SIGN_UP", "USE_APP", "VIEW_PRODUCT"}
	creativeFormats = []string{"carousel", "collection", "single_image"}
	audienceEvents  = []string{"carted", "purchased", "viewed"}
	// Placement values are Marketing API targeting enums [U]: not in
	// export-formats.md; verify against a real account.
	publisherPlatforms       = []string{"audience_network", "facebook", "instagram", "messenger"}
	facebookPositions        = []string{"facebook_reels", "facebook_reels_overlay", "feed", "instream_video", "marketplace", "notification", "profile_feed", "right_hand_column", "search", "story", "video_feeds"}
	instagramPositions       = []string{"explore", "explore_home", "ig_search", "profile_feed", "profile_reels", "reels", "story", "stream"}
	audienceNetworkPositions = []string{"classic", "rewarded_video"}
	messengerPositions       = []string{"messenger_home", "sponsored_messages", "story"}
)

// eventNames maps audience events to the pixel events of product-audience
// rules (export-formats.md §2.3).
var eventNames = map[string]string{"viewed": "ViewContent", "carted": "AddToCart", "purchased": "Purchase"}

// formatOption maps the creative format to template_data.format_option
// (SDK AdCreativeLinkData.FormatOption). A catalog collection is
// format_option "collection_video" with the Instant Experience as link:
// "Allow product video in Advantage+ catalog ads",
// https://developers.facebook.com/documentation/ads-commerce/marketing-api/advantage-catalog-ads/dynamic-media
// ("format_option": "collection_video", "link": "https://fb.com/canvas_doc/<CANVAS_ID>").
var formatOption = map[string]string{
	"carousel":     "carousel_images_multi_items",
	"single_image": "single_image",
	"collection":   "collection_video",
}

// priceOverlays are the image_overlay_spec text_type values dpa offers
// (SDK AdCreativeLinkDataImageOverlaySpec.TextType, price subset): "Ad
// Creative Link Data Image Overlay Spec", Marketing API reference,
// https://developers.facebook.com/docs/marketing-api/reference/ad-creative-link-data-image-overlay-spec/
// (text_type; overlays render on Facebook, not on Instagram). The SDKs'
// TEXT_TYPE enum lists price, strikethrough_price and percentage_off
// beside non-price types (custom, star_rating, …) dpa does not offer.
var priceOverlays = []string{"percentage_off", "price", "strikethrough_price"}

// defaultGraphAPIVersion is the Marketing API version the payloads were
// checked against: the docs' examples (graph.facebook.com/v25.0/...) and
// facebook-python-business-sdk's apiconfig (API_VERSION v25.0). Versions
// and their dates: "Versions", Graph API changelog,
// https://developers.facebook.com/docs/graph-api/changelog/versions/
// (v25.0 released February 18, 2026; the stored copy lists v26.0 of July
// 29, 2026 too: moving the default means re-checking the payloads against
// that version's changelog, so it stays v25.0 until that is done).
const defaultGraphAPIVersion = "v25.0"

// maxLookbackDays bounds audience retention; Meta's product audiences
// accept up to 180 days [U].
const maxLookbackDays = 180

package campaign

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/dpa-tools/dpa/feed"
)

// PreviewData is everything preview.html shows.
type PreviewData struct {
	Page      string // the Facebook Page name the ads run from
	Campaign  string
	Objective string
	Currency  string
	Sets      []PreviewSet
}

// PreviewSet is one ad set as a viewer would see it.
type PreviewSet struct {
	Name        string
	Slug        string
	Type        string
	Format      string
	Size        int    // in-stock items the product set selects
	OutOfStock  int    // matched but excluded
	Filter      string // canonical filter JSON
	PrimaryText string // rendered for the first item
	Overlay     string // creative.price_overlay ("" = no price on the image)
	CTA         string // button label
	Cards       []PreviewCard
	Issues      []Issue
}

// PreviewCard is one product card.
type PreviewCard struct {
	ID          string
	Image       string
	Headline    string
	Description string
	Price       string // overlay text on the image; "" without a price overlay
	WasPrice    string // struck-through regular price (strikethrough_price overlay, on sale)
	Link        string
}

// ctaLabel turns SHOP_NOW into "Shop Now" as the button reads.
func ctaLabel(cta string) string {
	if cta == "NO_BUTTON" {
		return ""
	}
	return titleize(strings.ReplaceAll(cta, "_", " "))
}

// BuildPreview renders the first cards of every ad set from the selection.
func BuildPreview(c *Campaign, sel *Selection, cf CurrencyFormat) PreviewData {
	d := PreviewData{Page: cmpOr(c.PageName, "Page "+c.PageID), Campaign: c.Name, Objective: c.Objective, Currency: c.Currency}
	issues := sel.Issues()
	for _, r := range sel.Sets() {
		as := r.AdSet
		ps := PreviewSet{Name: as.Name, Slug: as.Slug, Type: as.Type, Format: as.Creative.Format,
			Size: r.Count, OutOfStock: r.OutOfStock, CTA: ctaLabel(as.Creative.CallToAction), Overlay: as.Creative.PriceOverlay}
		if as.ProductSet.Filter != nil {
			ps.Filter = as.ProductSet.Filter.String()
		} else {
			ps.Filter = "product set " + as.ProductSet.ID
		}
		for _, is := range issues {
			if is.AdSet == as.Name {
				ps.Issues = append(ps.Issues, is)
			}
		}
		n := min(len(r.Sample), as.Creative.Cards)
		for i, it := range r.Sample[:n] {
			if i == 0 && as.Creative.PrimaryText != nil {
				ps.PrimaryText, _ = as.Creative.PrimaryText.Render(it, cf)
			}
			card := PreviewCard{ID: it.Get("id"), Image: it.Get("image_link"), Link: it.Get("link")}
			if as.Creative.Headline != nil {
				card.Headline, _ = as.Creative.Headline.Render(it, cf)
			}
			if as.Creative.LinkDescription != nil {
				card.Description, _ = as.Creative.LinkDescription.Render(it, cf)
			}
			card.Price, card.WasPrice = overlayText(as.Creative.PriceOverlay, it, cf)
			ps.Cards = append(ps.Cards, card)
		}
		d.Sets = append(d.Sets, ps)
	}
	return d
}

// overlayText is what the creative's price overlay shows on the image of
// an item: nothing without an overlay (Meta then shows no price on the
// image; the texts show whatever their tags render), the current price,
// the current price with the regular one struck through, or the discount.
func overlayText(overlay string, it *feed.Item, cf CurrencyFormat) (price, was string) {
	if overlay == "" {
		return "", ""
	}
	regular, pok := parsePrice(it.Get("price"))
	sale, sok := parsePrice(it.Get("sale_price"))
	onSale := sok && pok && sale.Minor < regular.Minor && sale.Currency == regular.Currency
	switch overlay {
	case "percentage_off":
		if onSale && regular.Minor > 0 {
			return fmt.Sprintf("-%d%%", (regular.Minor-sale.Minor)*100/regular.Minor), ""
		}
		return "", ""
	case "strikethrough_price":
		if onSale {
			return cf.Format(sale, false, false, false), cf.Format(regular, false, false, false)
		}
	}
	switch {
	case onSale:
		return cf.Format(sale, false, false, false), ""
	case pok:
		return cf.Format(regular, false, false, false), ""
	}
	return "", ""
}

//go:embed data/preview.html.tmpl
var previewSrc string

var previewTmpl = template.Must(template.New("preview").Parse(previewSrc))

// RenderPreview writes preview.html: a static page with inline CSS, no
// scripts and no network resources besides the product images themselves
// (which show as captioned placeholders offline).
func RenderPreview(w io.Writer, data PreviewData) error {
	return previewTmpl.Execute(w, data)
}

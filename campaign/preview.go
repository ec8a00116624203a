package campaign

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
)

// PreviewData is everything preview.html shows.
type PreviewData struct {
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
	Price       string // current price
	WasPrice    string // regular price when on sale
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
	d := PreviewData{Campaign: c.Name, Objective: c.Objective, Currency: c.Currency}
	issues := sel.Issues()
	for _, r := range sel.Sets() {
		as := r.AdSet
		ps := PreviewSet{Name: as.Name, Slug: as.Slug, Type: as.Type, Format: as.Creative.Format,
			Size: r.Count, OutOfStock: r.OutOfStock, CTA: ctaLabel(as.Creative.CallToAction)}
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
			price, pok := ParsePrice(it.Get("price"))
			sale, sok := ParsePrice(it.Get("sale_price"))
			switch {
			case sok && pok && sale.Minor < price.Minor:
				card.Price = cf.Format(sale, false, false, false)
				card.WasPrice = cf.Format(price, false, false, false)
			case pok:
				card.Price = cf.Format(price, false, false, false)
			}
			ps.Cards = append(ps.Cards, card)
		}
		d.Sets = append(d.Sets, ps)
	}
	return d
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

package rank

import (
	"strconv"
	"strings"
)

// Product is the part of a catalog item the ranking engine needs.
type Product struct {
	ID          string  `json:"id"`
	GroupID     string  `json:"item_group_id,omitempty"`
	Title       string  `json:"title,omitempty"`
	Brand       string  `json:"brand,omitempty"`
	Category    string  `json:"category,omitempty"`
	ProductType string  `json:"product_type,omitempty"`
	Price       float64 `json:"price,omitempty"`
	Currency    string  `json:"currency,omitempty"`
	InStock     bool    `json:"in_stock"`
	ImageLink   string  `json:"image_link,omitempty"`
	Link        string  `json:"link,omitempty"`
}

// Group is the product's item group, or its own id when it has none: the
// unit of the "one item per group" rule.
func (p *Product) Group() string {
	if p.GroupID != "" {
		return p.GroupID
	}
	return p.ID
}

// categoryKey is what upsell compares: the product type when present
// (merchant taxonomy, usually finer), else the Google category.
func (p *Product) categoryKey() string {
	if p.ProductType != "" {
		return strings.ToLower(p.ProductType)
	}
	return strings.ToLower(p.Category)
}

// ProductFromFields builds a Product from feed field values, so a command
// can map a feed item in one line:
//
//	rank.ProductFromFields(item.Get)
//
// Field names are the canonical feed names (id, item_group_id, title,
// brand, google_product_category, product_type, price, sale_price,
// availability, image_link, link). A sale price, when present and lower,
// is the price shown. Availability "in stock", "available for order",
// "preorder" and "backorder" count as in stock; an empty availability
// counts as in stock (feeds omit it when everything is available).
//
// Values are copied: a feed reader's values are slices of the whole
// record, and a catalog of Products must not keep every record alive.
func ProductFromFields(field func(string) string) Product {
	get := func(name string) string { return strings.Clone(field(name)) }
	p := Product{
		ID:          strings.TrimSpace(get("id")),
		GroupID:     strings.TrimSpace(get("item_group_id")),
		Title:       get("title"),
		Brand:       get("brand"),
		Category:    get("google_product_category"),
		ProductType: get("product_type"),
		ImageLink:   get("image_link"),
		Link:        get("link"),
	}
	if p.Category == "" {
		p.Category = get("category")
	}
	p.Price, p.Currency = ParsePrice(get("price"))
	if sp, cur := ParsePrice(get("sale_price")); sp > 0 && (p.Price == 0 || sp < p.Price) {
		p.Price = sp
		if cur != "" {
			p.Currency = cur
		}
	}
	p.InStock = InStock(get("availability"))
	return p
}

// InStock reports whether an availability value means the item can be
// advertised.
func InStock(availability string) bool {
	switch strings.ReplaceAll(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(availability)), "_", " "), "-", " ") {
	case "", "in stock", "instock", "available for order", "available", "preorder", "pre order", "backorder", "back order", "limited availability":
		return true
	}
	return false
}

// ParsePrice reads "19.99 USD", "USD 19.99", "19.99" or "19,99 EUR".
func ParsePrice(s string) (float64, string) {
	parts := strings.Fields(s)
	var num, cur string
	switch len(parts) {
	case 1:
		num = parts[0]
	case 2:
		num, cur = parts[0], parts[1]
		if _, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", "."), 64); err != nil {
			num, cur = parts[1], parts[0]
		}
	default:
		return 0, ""
	}
	if strings.Count(num, ",") == 1 && !strings.Contains(num, ".") {
		num = strings.ReplaceAll(num, ",", ".")
	} else {
		num = strings.ReplaceAll(num, ",", "")
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, ""
	}
	return f, strings.ToUpper(cur)
}

// Catalog indexes products by id.
type Catalog struct {
	products []Product
	byID     map[string]int
	byCat    map[string][]int // category key -> product indexes by price
}

// NewCatalog indexes ps. The first product wins when ids repeat.
func NewCatalog(ps []Product) *Catalog {
	c := &Catalog{byID: make(map[string]int, len(ps)), byCat: map[string][]int{}}
	for _, p := range ps {
		if p.ID == "" {
			continue
		}
		if _, dup := c.byID[p.ID]; dup {
			continue
		}
		c.byID[p.ID] = len(c.products)
		c.products = append(c.products, p)
	}
	for i := range c.products {
		if k := c.products[i].categoryKey(); k != "" {
			c.byCat[k] = append(c.byCat[k], i)
		}
	}
	for _, idx := range c.byCat {
		sortInts(idx, func(a, b int) bool {
			pa, pb := &c.products[a], &c.products[b]
			if pa.Price != pb.Price {
				return pa.Price < pb.Price
			}
			return pa.ID < pb.ID
		})
	}
	return c
}

// Len is the number of distinct products.
func (c *Catalog) Len() int { return len(c.products) }

// Products returns the products in input order (do not modify).
func (c *Catalog) Products() []Product { return c.products }

// Get returns the product with that id.
func (c *Catalog) Get(id string) (*Product, bool) {
	if c == nil {
		return nil, false
	}
	i, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	return &c.products[i], true
}

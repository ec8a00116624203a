package feed

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Source layouts normalize recognises without configuration.
const (
	SourceFeed        = "feed"        // a Meta/Google/TikTok/Pinterest/Snapchat feed in any spelling
	SourceShopify     = "shopify"     // Shopify product export (one product per handle, variant rows)
	SourceWooCommerce = "woocommerce" // WooCommerce product CSV export
	SourceMagento     = "magento"     // Magento 2 catalog product export
)

// ruleShopExport is the finding validate gives a shop export.
const ruleShopExport = "source.shop_export"

// SourceTitle names a layout for people.
func SourceTitle(kind string) string {
	switch kind {
	case SourceShopify:
		return "Shopify"
	case SourceWooCommerce:
		return "WooCommerce"
	case SourceMagento:
		return "Magento"
	}
	return "feed"
}

// SourceNames lists the presets for help and errors.
func SourceNames() []string {
	return []string{"auto", SourceFeed, SourceShopify, SourceWooCommerce, SourceMagento}
}

// detectSource names the layout of a header (canonical column names).
func detectSource(cols []string) string {
	has := func(names ...string) bool {
		for _, n := range names {
			if !slices.Contains(cols, n) {
				return false
			}
		}
		return true
	}
	switch {
	case has("handle", "variant_price"):
		return SourceShopify
	case has("regular_price", "in_stock?") || has("regular_price", "parent"):
		return SourceWooCommerce
	case has("sku", "url_key", "attribute_set_code") || has("sku", "url_key", "base_image"):
		return SourceMagento
	}
	return SourceFeed
}

// srcItem is one item produced by a source adapter, with the raw record it
// came from (written to the rejects file when the item is rejected).
type srcItem struct {
	it  *Item
	raw *Item
}

type source interface {
	next() (srcItem, error)
	// merged counts source rows folded into other items (Shopify image
	// rows, WooCommerce variable parents, Magento configurable parents).
	merged() int
}

type sourceConfig struct {
	currency string
	baseURL  string
}

func newSource(kind string, r Reader, c sourceConfig) source {
	switch kind {
	case SourceShopify:
		return &shopifySource{r: r, cfg: c}
	case SourceWooCommerce:
		return &wooSource{r: r, cfg: c, parents: map[string]*Item{}}
	case SourceMagento:
		return &magentoSource{r: r, cfg: c}
	}
	return &feedSource{r: r}
}

type feedSource struct{ r Reader }

func (s *feedSource) next() (srcItem, error) {
	it, err := s.r.Next()
	if it == nil {
		return srcItem{}, err
	}
	// One item serves as both: fix builds a new item and never writes to
	// its source, and a reject row is a copy.
	return srcItem{it: it, raw: it}, err
}

func (s *feedSource) merged() int { return 0 }

// joinURL makes ref absolute against base; ref is returned unchanged when
// base is empty or ref is already absolute.
func joinURL(base, ref string) string {
	if base == "" || ref == "" || strings.Contains(ref, "://") {
		return ref
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(ref, "/")
}

// withCurrency appends the configured code to a bare number such as
// Shopify's "50.00"; values with a code or symbol are left to the price fix.
func withCurrency(v, cur string) string {
	v = strings.TrimSpace(v)
	if v == "" || cur == "" {
		return v
	}
	if _, issue := ParsePrice(v, ""); issue == PriceCurrencyMissing {
		if p, _ := ParsePrice(v, cur); p.Currency == strings.ToUpper(cur) {
			return v + " " + strings.ToUpper(cur)
		}
	}
	return v
}

// ---- Shopify ----

// shopifySource groups the consecutive rows of one handle: the first row
// carries the product fields, rows with variant data become items, rows with
// only an image add additional_image_link to every variant.
type shopifySource struct {
	r       Reader
	cfg     sourceConfig
	pending *Item // first row of the next handle, read ahead
	out     []srcItem
	nMerged int
	done    bool
	err     error
}

func (s *shopifySource) merged() int { return s.nMerged }

func (s *shopifySource) next() (srcItem, error) {
	for len(s.out) == 0 {
		if s.done {
			return srcItem{}, s.errOrEOF()
		}
		s.fill()
	}
	x := s.out[0]
	s.out = s.out[1:]
	return x, nil
}

func (s *shopifySource) errOrEOF() error {
	if s.err != nil {
		return s.err
	}
	return io.EOF
}

func (s *shopifySource) fill() {
	var rows []*Item
	if s.pending != nil {
		rows = append(rows, s.pending)
		s.pending = nil
	}
	for {
		it, err := s.r.Next()
		if it != nil {
			if len(rows) > 0 && it.Get("handle") != rows[0].Get("handle") {
				s.pending = it
				break
			}
			rows = append(rows, it)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			s.done = true
			break
		}
		if it == nil {
			s.done = true
			break
		}
	}
	if len(rows) > 0 {
		s.out = s.group(rows)
	}
}

func isShopifyVariant(r *Item, first bool) bool {
	return first || r.Get("variant_price") != "" || r.Get("variant_sku") != "" || r.Get("option1_value") != ""
}

func (s *shopifySource) group(rows []*Item) []srcItem {
	p := rows[0]
	handle := strings.TrimSpace(p.Get("handle"))
	var images []string
	var variants []*Item
	for i, r := range rows {
		if img := strings.TrimSpace(r.Get("image_src")); img != "" && !slices.Contains(images, img) {
			images = append(images, img)
		}
		if isShopifyVariant(r, i == 0) {
			variants = append(variants, r)
		} else {
			s.nMerged++
		}
	}
	optNames := []string{p.Get("option1_name"), p.Get("option2_name"), p.Get("option3_name")}
	var out []srcItem
	for i, v := range variants {
		it := &Item{File: v.File, Index: v.Index, Line: v.Line, Problems: v.Problems}
		set := func(name, val string) {
			if val = strings.TrimSpace(val); val != "" {
				it.Fields = append(it.Fields, Field{Name: name, Value: val})
			}
		}
		var opts []string
		for k, key := range []string{"option1_value", "option2_value", "option3_value"} {
			if ov := strings.TrimSpace(v.Get(key)); ov != "" && ov != "Default Title" {
				opts = append(opts, ov)
				switch strings.ToLower(strings.TrimSpace(optNames[k])) {
				case "color", "colour":
					set("color", ov)
				case "size":
					set("size", ov)
				case "material":
					set("material", ov)
				case "pattern":
					set("pattern", ov)
				}
			}
		}
		id := v.Get("variant_sku")
		if id == "" {
			// Exports without SKUs: the handle plus the option values is
			// stable across exports and unique within the product.
			id = handle
			if len(variants) > 1 {
				if len(opts) > 0 {
					id += "-" + slug(strings.Join(opts, "-"))
				} else {
					id += "-" + strconv.Itoa(i+1)
				}
			}
		}
		set("id", id)
		set("title", p.Get("title"))
		desc := p.Get("body_(html)")
		if strings.TrimSpace(desc) == "" {
			desc = p.Get("seo_description")
		}
		set("description", desc)
		set("availability", shopifyAvailability(v))
		cond := strings.ToLower(p.Get("google_shopping_/_condition"))
		if cond == "" {
			cond = "new" // Shopify sells new goods unless the Google channel app says otherwise
		}
		set("condition", cond)
		price, compare := withCurrency(v.Get("variant_price"), s.cfg.currency), withCurrency(v.Get("variant_compare_at_price"), s.cfg.currency)
		pp, pi := ParsePrice(price, s.cfg.currency)
		cp, ci := ParsePrice(compare, s.cfg.currency)
		if compare != "" && pi != PriceFormat && ci != PriceFormat && pi != PriceEmpty && cp.Cmp(pp) > 0 {
			set("price", compare)
			set("sale_price", price)
		} else {
			set("price", price)
		}
		if handle != "" && s.cfg.baseURL != "" {
			set("link", joinURL(s.cfg.baseURL, "products/"+handle))
		}
		img := v.Get("variant_image")
		if img == "" && len(images) > 0 {
			img = images[0]
		}
		set("image_link", img)
		for _, a := range images {
			if a != img {
				set("additional_image_link", a)
			}
		}
		set("brand", p.Get("vendor"))
		set("gtin", v.Get("variant_barcode"))
		set("mpn", p.Get("google_shopping_/_mpn"))
		set("product_type", p.Get("type"))
		set("google_product_category", p.Get("google_shopping_/_google_product_category"))
		set("gender", p.Get("google_shopping_/_gender"))
		set("age_group", p.Get("google_shopping_/_age_group"))
		for k := 0; k < 5; k++ {
			set("custom_label_"+strconv.Itoa(k), p.Get("google_shopping_/_custom_label_"+strconv.Itoa(k)))
		}
		if len(variants) > 1 {
			set("item_group_id", handle)
		}
		out = append(out, srcItem{it: it, raw: v})
	}
	return out
}

func shopifyAvailability(v *Item) string {
	if strings.TrimSpace(v.Get("variant_inventory_tracker")) == "" {
		return "in stock" // not tracked: always purchasable
	}
	q, err := strconv.Atoi(strings.TrimSpace(v.Get("variant_inventory_qty")))
	switch {
	case err == nil && q > 0:
		return "in stock"
	case strings.EqualFold(v.Get("variant_inventory_policy"), "continue"):
		return "available for order"
	}
	return "out of stock"
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// ---- WooCommerce ----

// wooSource maps the WooCommerce CSV export. Variable parents are not
// sellable: they are kept (compactly) so their variations inherit name,
// description, images and categories, and counted as merged rows.
type wooSource struct {
	r       Reader
	cfg     sourceConfig
	parents map[string]*Item
	nMerged int
}

func (s *wooSource) merged() int { return s.nMerged }

func (s *wooSource) next() (srcItem, error) {
	for {
		row, err := s.r.Next()
		if row == nil {
			return srcItem{}, err
		}
		typ := strings.ToLower(row.Get("type"))
		if typ == "variable" || typ == "grouped" {
			keep := &Item{}
			for _, n := range []string{"name", "description", "short_description", "images", "categories", "sku"} {
				keep.Set(n, row.Get(n))
			}
			s.parents["id:"+row.Get("id")] = keep
			if sku := row.Get("sku"); sku != "" {
				s.parents[sku] = keep
			}
			s.nMerged++
			if err != nil {
				return srcItem{}, err
			}
			continue
		}
		return srcItem{it: s.item(row), raw: row}, err
	}
}

func (s *wooSource) item(row *Item) *Item {
	parent := s.parents[row.Get("parent")]
	get := func(n string) string {
		if v := row.Get(n); v != "" || parent == nil {
			return v
		}
		return parent.Get(n)
	}
	it := &Item{File: row.File, Index: row.Index, Line: row.Line, Problems: row.Problems}
	set := func(name, val string) {
		if val = strings.TrimSpace(val); val != "" {
			it.Fields = append(it.Fields, Field{Name: name, Value: val})
		}
	}
	id := row.Get("sku")
	if id == "" {
		id = "woo-" + row.Get("id")
	}
	set("id", id)
	set("title", get("name"))
	desc := get("description")
	if desc == "" {
		desc = get("short_description")
	}
	set("description", desc)
	switch strings.ToLower(strings.TrimSpace(row.Get("in_stock?"))) {
	case "1", "yes", "true", "instock":
		set("availability", "in stock")
	case "0", "no", "false", "outofstock":
		set("availability", "out of stock")
	case "backorder", "onbackorder":
		set("availability", "available for order")
	}
	set("condition", "new")
	regular, sale := withCurrency(row.Get("regular_price"), s.cfg.currency), withCurrency(row.Get("sale_price"), s.cfg.currency)
	set("price", regular)
	set("sale_price", sale)
	if s.cfg.baseURL != "" && row.Get("id") != "" {
		set("link", joinURL(s.cfg.baseURL, "?p="+row.Get("id")))
	}
	imgs := splitList([]string{get("images")})
	for i, u := range imgs {
		if i == 0 {
			set("image_link", u)
		} else {
			set("additional_image_link", u)
		}
	}
	if cat := get("categories"); cat != "" {
		set("product_type", strings.TrimSpace(strings.Split(cat, ",")[0]))
	}
	if parent != nil {
		set("item_group_id", strings.TrimPrefix(row.Get("parent"), "id:"))
	}
	for k := 1; k <= 3; k++ {
		name := strings.ToLower(strings.TrimSpace(row.Get("attribute_" + strconv.Itoa(k) + "_name")))
		val := row.Get("attribute_" + strconv.Itoa(k) + "_value(s)")
		switch name {
		case "color", "colour", "size", "material", "pattern", "brand":
			if name == "colour" {
				name = "color"
			}
			if !strings.Contains(val, ",") {
				set(name, val)
			}
		}
	}
	return it
}

// ---- Magento ----

// magentoSource maps the Magento 2 product export. Configurable parents
// are not sellable and are counted as merged; their simple children carry
// the prices.
type magentoSource struct {
	r       Reader
	cfg     sourceConfig
	nMerged int
}

func (s *magentoSource) merged() int { return s.nMerged }

func (s *magentoSource) next() (srcItem, error) {
	for {
		row, err := s.r.Next()
		if row == nil {
			return srcItem{}, err
		}
		if t := strings.ToLower(row.Get("product_type")); t == "configurable" || t == "bundle" || t == "grouped" {
			s.nMerged++
			if err != nil {
				return srcItem{}, err
			}
			continue
		}
		it := &Item{File: row.File, Index: row.Index, Line: row.Line, Problems: row.Problems}
		set := func(name, val string) {
			if val = strings.TrimSpace(val); val != "" {
				it.Fields = append(it.Fields, Field{Name: name, Value: val})
			}
		}
		set("id", row.Get("sku"))
		set("title", row.Get("name"))
		desc := row.Get("description")
		if desc == "" {
			desc = row.Get("short_description")
		}
		set("description", desc)
		qty, qerr := strconv.ParseFloat(strings.TrimSpace(row.Get("qty")), 64)
		switch {
		case row.Get("is_in_stock") == "0" || (qerr == nil && qty <= 0 && row.Get("is_in_stock") != "1"):
			set("availability", "out of stock")
		case row.Get("is_in_stock") == "1" || (qerr == nil && qty > 0):
			set("availability", "in stock")
		}
		set("condition", "new")
		set("price", withCurrency(row.Get("price"), s.cfg.currency))
		set("sale_price", withCurrency(row.Get("special_price"), s.cfg.currency))
		if k := row.Get("url_key"); k != "" && s.cfg.baseURL != "" {
			set("link", joinURL(s.cfg.baseURL, k+".html"))
		}
		if img := row.Get("base_image"); img != "" {
			if s.cfg.baseURL != "" && !strings.Contains(img, "://") {
				img = joinURL(s.cfg.baseURL, "media/catalog/product/"+strings.TrimLeft(img, "/"))
			}
			set("image_link", img)
		}
		for _, a := range splitList([]string{row.Get("additional_images")}) {
			if a != row.Get("base_image") {
				if s.cfg.baseURL != "" && !strings.Contains(a, "://") {
					a = joinURL(s.cfg.baseURL, "media/catalog/product/"+strings.TrimLeft(a, "/"))
				}
				set("additional_image_link", a)
			}
		}
		if cats := row.Get("categories"); cats != "" {
			first := strings.Split(cats, ",")[0]
			set("product_type", strings.ReplaceAll(strings.TrimPrefix(first, "Default Category/"), "/", " > "))
		}
		for _, kv := range strings.Split(row.Get("additional_attributes"), ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			switch k {
			case "color", "size", "material", "pattern", "gender", "brand", "manufacturer":
				if k == "manufacturer" {
					k = "brand"
				}
				set(k, v)
			}
		}
		return srcItem{it: it, raw: row}, err
	}
}

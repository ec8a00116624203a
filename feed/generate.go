package feed

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
)

// GenerateOptions configure GenerateFeed.
type GenerateOptions struct {
	Items     int     // number of products
	Format    string  // "csv" (default), "tsv" or "xml"
	FaultRate float64 // share of items (0..1) that get one injected defect
	Seed      int64   // same seed, same bytes
}

// Faults injected by GenerateFeed, one per faulty item, chosen in turn at
// random: a price without currency, a misspelt availability, a GTIN with a
// wrong check digit, an id copied from an earlier item, an http:// link,
// an ALL CAPS title.
const (
	faultPriceCurrency = "price_currency"
	faultAvailability  = "availability"
	faultGTIN          = "gtin"
	faultDuplicateID   = "duplicate_id"
	faultHTTPLink      = "http_link"
	faultCapsTitle     = "caps_title"
)

var genFaults = []string{faultPriceCurrency, faultAvailability, faultGTIN, faultDuplicateID, faultHTTPLink, faultCapsTitle}

// genColumns is a realistic Meta catalog layout (≈1 KB per row).
var genColumns = []string{
	"id", "title", "description", "availability", "condition", "price", "sale_price",
	"link", "image_link", "additional_image_link", "brand", "gtin", "mpn",
	"google_product_category", "product_type", "item_group_id", "color", "size",
	"gender", "age_group", "material", "shipping", "quantity_to_sell_on_facebook",
}

type genCategory struct {
	gpc, productType string
	nouns            []string
	sizes            []string
	materials        []string
	apparel          bool
}

var genCategories = []genCategory{
	{"Apparel & Accessories > Clothing > Shirts & Tops", "Women > Tops", []string{"Shirt", "Blouse", "Tee", "Tank Top", "Polo"}, []string{"XS", "S", "M", "L", "XL"}, []string{"cotton", "linen", "organic cotton", "viscose"}, true},
	{"Apparel & Accessories > Clothing > Pants", "Men > Trousers", []string{"Chinos", "Jeans", "Joggers", "Trousers"}, []string{"28", "30", "32", "34", "36"}, []string{"denim", "cotton twill", "wool blend"}, true},
	{"Apparel & Accessories > Shoes", "Shoes > Sneakers", []string{"Sneaker", "Loafer", "Boot", "Sandal"}, []string{"38", "39", "40", "41", "42", "43"}, []string{"leather", "suede", "canvas"}, true},
	{"Home & Garden > Linens & Bedding > Bedding", "Home > Bedding", []string{"Duvet Cover", "Pillowcase Set", "Fitted Sheet", "Throw"}, []string{"Single", "Double", "King"}, []string{"percale cotton", "washed linen", "merino wool"}, false},
	{"Home & Garden > Decor > Vases", "Home > Decor", []string{"Vase", "Candle Holder", "Planter", "Bowl"}, []string{"Small", "Medium", "Large"}, []string{"stoneware", "glass", "terracotta"}, false},
	{"Home & Garden > Kitchen & Dining > Tableware", "Home > Kitchen", []string{"Mug", "Plate Set", "Serving Board", "Carafe"}, []string{"One Size"}, []string{"porcelain", "oak", "borosilicate glass"}, false},
}

var (
	genAdjectives = []string{"Classic", "Relaxed", "Everyday", "Heritage", "Essential", "Soft", "Organic", "Nordic", "Coastal", "Urban", "Vintage", "Modern"}
	genColors     = []string{"Black", "White", "Navy", "Sand", "Olive", "Terracotta", "Sage", "Grey", "Rust", "Ivory"}
	genBrands     = []string{"Northwind", "Alder & Co", "Fjell", "Casa Luma", "Hartwell", "Maison Verte", "Kestrel"}
	genAvail      = []string{"in stock", "in stock", "in stock", "out of stock", "preorder", "available for order"}
	genBadAvail   = []string{"in_stock", "instock", "In Stock!", "out-of-stock", "available"}
	genSentences  = []string{
		"Made from carefully sourced %s that gets softer with every wash.",
		"A %s piece designed to last for years, not seasons.",
		"Cut for an easy fit and finished with reinforced seams at the points of stress.",
		"We work with small family-run workshops that pay fair wages and use renewable energy.",
		"Pair it with the rest of the collection for a calm, considered look.",
		"Every batch is checked by hand before it leaves our studio.",
		"Machine washable at 30 degrees; line dry to keep the shape.",
		"The %s colourway is dyed with low-impact dyes that meet OEKO-TEX standards.",
		"Packed in recycled and recyclable materials, without single-use plastic.",
		"Free returns within 30 days if it is not quite right.",
		"Its timeless shape works in the city, at home and on the weekend away.",
		"Details such as horn buttons and a soft-touch finish make the difference.",
	}
)

// GenerateFeed writes a synthetic but realistic Meta product feed, for
// benchmarks and demos. Output is deterministic for a given Seed. It
// returns ctx's error (and writes no more) within a few thousand items of
// ctx ending, so an interrupted run is never committed as complete.
func GenerateFeed(ctx context.Context, w io.Writer, opts GenerateOptions) error {
	format := strings.ToLower(opts.Format)
	if format == "" {
		format = FormatCSV
	}
	if format != FormatCSV && format != FormatTSV && format != FormatXML {
		return fmt.Errorf("generate: format %q: %w (want csv, tsv or xml)", opts.Format, errUnsupportedFormat)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15))
	g := &generator{ctx: ctx, rng: rng, faultRate: opts.FaultRate}
	var err error
	switch format {
	case FormatXML:
		err = g.writeXML(bw, opts.Items)
	default:
		err = g.writeCSV(bw, opts.Items, format == FormatTSV)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

type generator struct {
	ctx       context.Context
	rng       *rand.Rand
	faultRate float64
	ids       []string // a sample of earlier ids, for duplicate faults
	// the product the current variant group belongs to
	cat                                *genCategory
	noun, adj, material, brand, gender string
	colorBase                          int
	desc                               strings.Builder
}

func (g *generator) pick(s []string) string { return s[g.rng.IntN(len(s))] }

// item returns the values of item n in genColumns order.
func (g *generator) item(n int) []string {
	// Items come in groups of four variants of one product: they share the
	// product's category, name, material, brand and gender and differ in
	// colour and size, as real variant groups do.
	if n%4 == 0 || g.cat == nil {
		g.cat = &genCategories[g.rng.IntN(len(genCategories))]
		g.noun, g.adj = g.pick(g.cat.nouns), g.pick(genAdjectives)
		g.material, g.brand = g.pick(g.cat.materials), g.pick(genBrands)
		g.gender = ""
		if g.cat.apparel {
			g.gender = g.pick([]string{"female", "male", "unisex"})
		}
	}
	cat, noun, adj, material, brand := g.cat, g.noun, g.adj, g.material, g.brand
	if n%4 == 0 {
		g.colorBase = g.rng.IntN(len(genColors))
	}
	// Consecutive colours make the four variants of a group distinct.
	color := genColors[(g.colorBase+n%4)%len(genColors)]
	size := g.pick(cat.sizes)
	group := fmt.Sprintf("G%06d", n/4+1)
	id := fmt.Sprintf("SKU%07d-%s-%s", n+1, strings.ToUpper(color[:3]), strings.ReplaceAll(size, " ", ""))
	title := fmt.Sprintf("%s %s %s %s – %s", brand, adj, strings.ToLower(material), noun, color)
	slug := strings.ToLower(strings.NewReplacer(" ", "-", "&", "and").Replace(adj + "-" + noun))
	cents := 900 + g.rng.IntN(25000)
	price := fmt.Sprintf("%d.%02d USD", cents/100, cents%100)
	sale := ""
	if g.rng.IntN(5) == 0 {
		s := cents * 8 / 10
		sale = fmt.Sprintf("%d.%02d USD", s/100, s%100)
	}
	data := make([]byte, 12)
	data[0] = '4' // GS1 Germany-style prefix range, not a restricted one
	for i := 1; i < 12; i++ {
		data[i] = byte('0' + g.rng.IntN(10))
	}
	gtin := string(data) + string(genCheckDigit(string(data)))
	link := "https://shop.example.com/products/" + slug + "?variant=" + strconv.Itoa(100000+n)
	img := fmt.Sprintf("https://cdn.example.com/images/%s/%d-1.jpg", slug, n+1)
	addImg := fmt.Sprintf("https://cdn.example.com/images/%s/%d-2.jpg,https://cdn.example.com/images/%s/%d-3.jpg", slug, n+1, slug, n+1)
	gender, age := g.gender, ""
	if cat.apparel {
		age = "adult"
	}
	avail := g.pick(genAvail)
	qty := strconv.Itoa(g.rng.IntN(200))
	shipping := "US::Standard:4.95 USD"

	if g.faultRate > 0 && g.rng.Float64() < g.faultRate {
		switch g.pick(genFaults) {
		case faultPriceCurrency:
			price = strings.TrimSuffix(price, " USD")
		case faultAvailability:
			avail = g.pick(genBadAvail)
		case faultGTIN:
			last := gtin[12] - '0'
			gtin = gtin[:12] + string(rune('0'+(last+1+byte(g.rng.IntN(8)))%10))
		case faultDuplicateID:
			if len(g.ids) > 0 {
				id = g.ids[g.rng.IntN(len(g.ids))]
			}
		case faultHTTPLink:
			link = "http://" + strings.TrimPrefix(link, "https://")
		case faultCapsTitle:
			title = strings.ToUpper(title)
		}
	}
	if len(g.ids) < 1024 {
		g.ids = append(g.ids, id)
	} else if g.rng.IntN(16) == 0 {
		g.ids[g.rng.IntN(len(g.ids))] = id
	}
	return []string{
		id, title, g.description(material, color), avail, "new", price, sale,
		link, img, addImg, brand, gtin, fmt.Sprintf("MPN-%06d", n+1),
		cat.gpc, cat.productType, group, color, size,
		gender, age, material, shipping, qty,
	}
}

// description builds 300–600 characters of plausible product copy.
func (g *generator) description(material, color string) string {
	target := 300 + g.rng.IntN(301)
	g.desc.Reset()
	for g.desc.Len() < target {
		s := g.pick(genSentences)
		if strings.Contains(s, "%s") {
			if strings.HasPrefix(s, "The %s") {
				s = fmt.Sprintf(s, strings.ToLower(color))
			} else {
				s = fmt.Sprintf(s, material)
			}
		}
		if g.desc.Len() > 0 {
			g.desc.WriteByte(' ')
		}
		g.desc.WriteString(s)
	}
	d := g.desc.String()
	if len(d) > 600 {
		d = d[:600]
		if i := strings.LastIndexByte(d, ' '); i > 300 {
			d = d[:i]
		}
	}
	return d
}

func (g *generator) writeCSV(w *bufio.Writer, n int, tsv bool) error {
	cw := csv.NewWriter(w)
	if tsv {
		cw.Comma = '\t'
	}
	if err := cw.Write(genColumns); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if i&1023 == 0 && g.ctx.Err() != nil {
			return g.ctx.Err()
		}
		if err := cw.Write(g.item(i)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (g *generator) writeXML(w *bufio.Writer, n int) error {
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.WriteString(`<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">` + "\n<channel>\n")
	w.WriteString("<title>Example store</title>\n<link>https://shop.example.com</link>\n<description>Generated by dpa</description>\n")
	for i := 0; i < n; i++ {
		if i&1023 == 0 && g.ctx.Err() != nil {
			return g.ctx.Err()
		}
		vals := g.item(i)
		w.WriteString("<item>\n")
		for c, name := range genColumns {
			v := vals[c]
			if v == "" {
				continue
			}
			switch name {
			case "additional_image_link":
				for _, u := range strings.Split(v, ",") {
					writeXMLField(w, "g:"+name, u)
				}
			case "shipping":
				parts := strings.SplitN(v, ":", 4)
				w.WriteString("  <g:shipping>")
				for k, sub := range []string{"country", "region", "service", "price"} {
					if k < len(parts) && parts[k] != "" {
						writeXMLField(w, "g:"+sub, parts[k])
					}
				}
				w.WriteString("</g:shipping>\n")
			case "title", "description", "link":
				writeXMLField(w, name, v)
			default:
				writeXMLField(w, "g:"+name, v)
			}
		}
		if _, err := w.WriteString("</item>\n"); err != nil {
			return err
		}
	}
	_, err := w.WriteString("</channel>\n</rss>\n")
	return err
}

func writeXMLField(w *bufio.Writer, name, v string) {
	w.WriteString("  <" + name + ">")
	_ = xml.EscapeText(w, []byte(v))
	w.WriteString("</" + name + ">\n")
}

// genCheckDigit is the GS1 mod-10 check digit of the data digits.
func genCheckDigit(data string) byte {
	sum := 0
	for i := len(data) - 1; i >= 0; i-- {
		d := int(data[i] - '0')
		if (len(data)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

package campaign

import (
	"fmt"
	"strconv"
)

// assignProductSets gives every product set dpa creates a file stem and
// placeholder key that is unique among the campaign's sets, and lets ad
// sets whose filters are identical share one set: Meta refuses a second
// product set with the same filter in a catalog (error 10803), so the
// second ad set must use the first one's id. The endpoint is "Product
// Catalog Product Sets", Marketing API reference,
// https://developers.facebook.com/documentation/ads-commerce/marketing-api/reference/product-catalog/product_sets
// (POST /{product_catalog_id}/product_sets with name and filter); its
// stored copy does not list 10803. The error as the API returns it,
// "Product set with the same filters already exists" (code 10803,
// subcode 1798073, "Duplicate product set already exists", with the
// existing product_set_id in error_data), is quoted in
// https://github.com/facebook/facebook-for-woocommerce/issues/1993.
//
// The ad set's own set is stemmed after its slug, an audience source set
// after "<slug>-source"; a stem already taken ("Shoes" next to an ad set named "Shoes source")
// gets "-2", "-3"… in campaign order, so the names are deterministic.
func assignProductSets(c *Campaign) {
	taken := map[string]bool{}
	byFilter := map[string]*ProductSet{}
	for _, as := range c.AdSets {
		taken[as.Slug] = true // an ad set's own stem is reserved even if it shares another's set
	}
	claim := func(ps *ProductSet, stem string, reserved bool) {
		if ps == nil || ps.ID != "" || ps.Filter == nil {
			return
		}
		key := ps.Filter.String()
		if first, ok := byFilter[key]; ok {
			ps.Slug, ps.Owner = first.Slug, false
			return
		}
		if !reserved {
			base := stem
			for i := 2; taken[stem]; i++ {
				stem = base + "-" + strconv.Itoa(i)
			}
			taken[stem] = true
		}
		ps.Slug, ps.Owner = stem, true
		byFilter[key] = ps
	}
	for _, as := range c.AdSets {
		claim(&as.ProductSet, as.Slug, true)
	}
	for _, as := range c.AdSets {
		if as.Audience != nil {
			claim(as.Audience.Source, as.Slug+"-source", false)
		}
	}
}

// googleLabels reads google.labels: a mapping from ad set name (or
// segment) to the custom_label_N (0–4) that carries "yes" for the items
// that ad set shows, so each ad set is one product group in Google Ads.
// Google takes one value per custom label per item, 1–100 characters, at
// most 1,000 distinct values per label: "Custom label 0–4
// [custom_label_0–4]", Google Merchant Center Help,
// https://support.google.com/merchants/answer/6324473. A label therefore
// serves one ad set, and "yes"/"no" stay far below the value limit.
func (l *loader) googleLabels(n *rnode, c *Campaign) map[int]int {
	out := map[int]int{}
	if n.kind != rMap {
		l.errAt(n, "google.labels", "write labels: {Cart abandoners: 3, Footwear under $150: 4}", "google.labels must map ad set names to label numbers, got %s", describe(n))
		return out
	}
	used := map[int]string{}
	for i, k := range n.keys {
		path := "google.labels." + k.str
		idx := -1
		var names []string
		for j, as := range c.AdSets {
			names = append(names, as.Name)
			if as.Name == k.str || as.Segment == k.str || as.Slug == k.str {
				idx = j
			}
		}
		if idx < 0 {
			l.errAt(k, path, suggest(k.str, names), "google.labels: no ad set named %q", k.str)
			continue
		}
		lab := l.intIn(n.items[i], path, 0, 4, -1)
		if lab < 0 {
			continue
		}
		if prev, ok := used[lab]; ok {
			l.errAt(n.items[i], path, "give each ad set its own custom label", "custom_label_%d is already used by %q: Google takes one value per label and item", lab, prev)
			continue
		}
		used[lab] = k.str
		out[idx] = lab
	}
	return out
}

// labelName is the supplemental feed column of label n.
func labelName(n int) string { return fmt.Sprintf("custom_label_%d", n) }

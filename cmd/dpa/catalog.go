package main

// The catalog behind recommend, simulate and events check: products and an
// optional product-set filter.

import (
	"context"
	"fmt"
	"io"

	"github.com/dpa-tools/dpa/campaign"
	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/feed"
)

// catalogData is a catalog loaded for ranking and for the id check.
type catalogData struct {
	Path     string
	Products []rank.Product
	Entries  []events.CatalogEntry
	Cat      *rank.Catalog
	// Accepted holds the ids the --product-set rule keeps (nil: no rule).
	Accepted map[string]bool
	NoID     int // items skipped for an empty id
}

// loadCatalog streams a product feed into the ranking engine's product
// list. With a product-set rule, the rule is compiled against the first
// item's currency (prices in the friendly form are in major units).
func loadCatalog(ctx context.Context, path string, stdin io.Reader, productSet string) (*catalogData, error) {
	r, err := openFeed(ctx, path, feed.ReadOptions{}, stdin)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cd := &catalogData{Path: path}
	var filter *campaign.Filter
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &inputError{err: fmt.Errorf("--catalog: %w", err)}
		}
		p := rank.ProductFromFields(it.Get)
		if p.ID == "" {
			cd.NoID++
			continue
		}
		if productSet != "" && filter == nil {
			cur := p.Currency
			if cur == "" {
				cur = "USD"
			}
			if filter, err = compileProductSet(productSet, cur); err != nil {
				return nil, err
			}
			cd.Accepted = map[string]bool{}
		}
		if filter != nil && filter.Match(it) {
			cd.Accepted[p.ID] = true
		}
		cd.Products = append(cd.Products, p)
		cd.Entries = append(cd.Entries, events.CatalogEntry{ID: p.ID, GroupID: p.GroupID})
	}
	if len(cd.Products) == 0 {
		return nil, &inputError{err: fmt.Errorf("--catalog %s: no products with an id", path)}
	}
	cd.Cat = rank.NewCatalog(cd.Products)
	return cd, nil
}

// compileProductSet accepts Meta's JSON filter or the friendly YAML form
// the campaign file uses.
func compileProductSet(src, currency string) (*campaign.Filter, error) {
	if f, err := campaign.ParseFilter([]byte(src)); err == nil {
		return f, nil
	}
	f, err := campaign.CompileFriendly([]byte(src), currency)
	if err != nil {
		return nil, usageErr("invalid --product-set: %v", err)
	}
	return f, nil
}

// rankFilter returns the rank.Options.ProductSet of a loaded catalog.
func (cd *catalogData) rankFilter() func(rank.Product) bool {
	if cd == nil || cd.Accepted == nil {
		return nil
	}
	acc := cd.Accepted
	return func(p rank.Product) bool { return acc[p.ID] }
}

// ---------------------------------------------------------------------------
// dpa events check

package campaign

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dpa-tools/dpa/feed"
)

// TextLimit bounds one creative text. export-formats.md has no figures for
// ad text, so these are Meta's published ad-spec guidance as commonly
// quoted [U]: recommended lengths avoid truncation ("… See more"); the
// maxima are the hard limits Ads Manager enforces. Verify with a real
// account (§8).
type TextLimit struct {
	Field       string // creative field: headline, primary_text, link_description, link
	Recommended int    // runes; above it → warning (0: none)
	Max         int    // runes; above it → error
}

// textLimits is the versioned table the checks use.
var textLimits = []TextLimit{
	{"headline", 40, 255},
	{"primary_text", 125, 2200},
	{"link_description", 30, 255},
	{"link", 0, 2048},
}

func textLimit(field string) TextLimit {
	for _, l := range textLimits {
		if l.Field == field {
			return l
		}
	}
	return TextLimit{Field: field}
}

// Issue is one pre-export check result for an ad set, aggregated over
// items so a million-item catalog gives a handful of lines.
type Issue struct {
	Severity feed.Severity `json:"severity"`
	AdSet    string        `json:"ad_set"`
	Rule     string        `json:"rule"`
	Field    string        `json:"field,omitempty"` // creative field
	Tag      string        `json:"tag,omitempty"`
	Message  string        `json:"message"`
	Count    int           `json:"count"`              // items affected (0 for set-level)
	ItemIDs  []string      `json:"item_ids,omitempty"` // first MaxIDs affected ids
}

// Rules of Issue.
const (
	ruleEmptySet      = "empty-product-set"
	ruleSmallSet      = "set-smaller-than-carousel"
	ruleMissingTag    = "template-tag-unresolved"
	ruleTextLong      = "text-over-recommended-length"
	ruleTextOverLimit = "text-over-limit"
	ruleEmptySource   = "empty-audience-source"
)

// selectOptions tune a Selection. Zero values pick the defaults.
type selectOptions struct {
	Currency   CurrencyFormat
	SampleSize int // items kept per set for previews; default max(cards, 10)
	MaxIDs     int // item ids kept per issue; default 20
}

// Selection streams catalog items through every ad set's product set,
// keeping only counts, a small sample and aggregated issues, so memory
// does not grow with the catalog.
type Selection struct {
	c     *Campaign
	opts  selectOptions
	sets  []*SetResult
	buf   []int
	texts []creativeText
}

type creativeText struct {
	field string
	get   func(*Creative) *Template
}

var creativeTexts = []creativeText{
	{"headline", func(c *Creative) *Template { return c.Headline }},
	{"primary_text", func(c *Creative) *Template { return c.PrimaryText }},
	{"link_description", func(c *Creative) *Template { return c.LinkDescription }},
	{"link", func(c *Creative) *Template {
		t, _ := parseTemplate(c.Link)
		return t
	}},
}

// SetResult is what one ad set's product set selects from the catalog.
type SetResult struct {
	AdSet       *AdSet
	Count       int          // in-stock items selected
	OutOfStock  int          // matched the filter but excluded as not in stock
	SourceCount int          // items matching audience.source (any stock)
	Sample      []*feed.Item // first SampleSize selected items (clones)
	issues      map[string]*Issue
	order       []string
	tpls        map[string]*Template
	static      map[string]bool // texts without tags: checked once
}

// newSelection prepares a selection for c.
func newSelection(c *Campaign, opts selectOptions) *Selection {
	if opts.MaxIDs <= 0 {
		opts.MaxIDs = 20
	}
	s := &Selection{c: c, opts: opts, texts: creativeTexts}
	for _, as := range c.AdSets {
		r := &SetResult{AdSet: as, issues: map[string]*Issue{}, tpls: map[string]*Template{}, static: map[string]bool{}}
		for _, ct := range s.texts {
			if t := ct.get(&as.Creative); t != nil {
				r.tpls[ct.field] = t
				r.static[ct.field] = !t.HasTags()
			}
		}
		s.sets = append(s.sets, r)
	}
	return s
}

func (s *Selection) sampleSize(as *AdSet) int {
	if s.opts.SampleSize > 0 {
		return s.opts.SampleSize
	}
	return max(as.Creative.Cards, 10)
}

// InStock reports whether Meta will show the item in ads. Only
// "in stock" counts: out-of-stock items are not shown (feed-spec.md §2.3)
// and preorder / available-for-order items are left out so the per-set
// feeds only promise what can ship now. Case and "_" are forgiven.
func InStock(it *feed.Item) bool {
	a := strings.ToLower(strings.TrimSpace(metaEnum("availability", it.Get("availability"))))
	return a == "in stock" || a == "in_stock" || a == "instock"
}

// Add evaluates one item against every ad set and returns the indexes (in
// campaign order) of the sets that select it. The slice is reused by the
// next call.
func (s *Selection) Add(it *feed.Item) []int {
	s.buf = s.buf[:0]
	inStock := InStock(it)
	for i, r := range s.sets {
		as := r.AdSet
		if as.Audience != nil && as.Audience.Source != nil && as.Audience.Source.Filter != nil && as.Audience.Source.Filter.Match(it) {
			r.SourceCount++
		}
		if as.ProductSet.Filter == nil || !as.ProductSet.Filter.Match(it) {
			continue
		}
		if !inStock {
			r.OutOfStock++
			continue
		}
		r.Count++
		s.buf = append(s.buf, i)
		if len(r.Sample) < s.sampleSize(as) {
			r.Sample = append(r.Sample, it.Clone())
		}
		s.check(r, it)
	}
	return s.buf
}

func (s *Selection) check(r *SetResult, it *feed.Item) {
	id := it.Get("id")
	for _, ct := range s.texts {
		t := r.tpls[ct.field]
		if t == nil {
			continue
		}
		if r.static[ct.field] && r.Count > 1 {
			continue // static text: checked once
		}
		out, missing := t.Render(it, s.opts.Currency)
		for _, tag := range missing {
			r.note(feed.Warning, ruleMissingTag, ct.field, tag, id, s.opts.MaxIDs,
				fmt.Sprintf("{{%s}} in %s has no value for some items: Meta drops or blanks the text for them", tag, ct.field))
		}
		lim := textLimit(ct.field)
		n := utf8.RuneCountInString(out)
		switch {
		case lim.Max > 0 && n > lim.Max:
			r.note(feed.Error, ruleTextOverLimit, ct.field, "", id, s.opts.MaxIDs,
				fmt.Sprintf("rendered %s exceeds the %d-character limit", ct.field, lim.Max))
		case lim.Recommended > 0 && n > lim.Recommended:
			r.note(feed.Warning, ruleTextLong, ct.field, "", id, s.opts.MaxIDs,
				fmt.Sprintf("rendered %s is longer than the recommended %d characters and may be cut off", ct.field, lim.Recommended))
		}
	}
}

func (r *SetResult) note(sev feed.Severity, rule, field, tag, id string, maxIDs int, msg string) {
	key := rule + "\x00" + field + "\x00" + tag
	is := r.issues[key]
	if is == nil {
		is = &Issue{Severity: sev, AdSet: r.AdSet.Name, Rule: rule, Field: field, Tag: tag, Message: msg}
		r.issues[key] = is
		r.order = append(r.order, key)
	}
	is.Count++
	if len(is.ItemIDs) < maxIDs {
		is.ItemIDs = append(is.ItemIDs, id)
	}
}

// Sets returns per-ad-set results in campaign order.
func (s *Selection) Sets() []*SetResult { return s.sets }

// Issues returns every check result, set-level ones (empty set, set
// smaller than the carousel) included, ordered by ad set (campaign order),
// then severity (errors first), rule, field and tag.
func (s *Selection) Issues() []Issue {
	var out []Issue
	for si, r := range s.sets {
		var local []Issue
		as := r.AdSet
		switch {
		case r.Count == 0:
			msg := fmt.Sprintf("product set %s selects no in-stock item", as.ProductSet.Filter)
			if r.OutOfStock > 0 {
				if r.OutOfStock == 1 {
					msg += " (1 matching item is out of stock)"
				} else {
					msg += fmt.Sprintf(" (%d matching items are out of stock)", r.OutOfStock)
				}
			}
			local = append(local, Issue{Severity: feed.Error, AdSet: as.Name, Rule: ruleEmptySet, Message: msg})
		case as.Creative.Format != "single_image" && r.Count < as.Creative.Cards:
			local = append(local, Issue{Severity: feed.Warning, AdSet: as.Name, Rule: ruleSmallSet, Count: r.Count,
				Message: fmt.Sprintf("product set selects %d in-stock %s, fewer than the %d cards of the %s", r.Count, map[bool]string{true: "item", false: "items"}[r.Count == 1], as.Creative.Cards, as.Creative.Format)})
		}
		if as.Audience != nil && as.Audience.Source != nil && as.Audience.Source.Filter != nil && r.SourceCount == 0 {
			local = append(local, Issue{Severity: feed.Warning, AdSet: as.Name, Rule: ruleEmptySource,
				Message: fmt.Sprintf("audience source %s matches no catalog item, so the audience will stay empty", as.Audience.Source.Filter)})
		}
		for _, k := range r.order {
			is := *r.issues[k]
			is.ItemIDs = slices.Clone(is.ItemIDs)
			local = append(local, is)
		}
		slices.SortStableFunc(local, func(a, b Issue) int {
			return cmp.Or(-cmp.Compare(a.Severity, b.Severity), cmp.Compare(a.Rule, b.Rule),
				cmp.Compare(a.Field, b.Field), cmp.Compare(a.Tag, b.Tag))
		})
		_ = si
		out = append(out, local...)
	}
	return out
}

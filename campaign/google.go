package campaign

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// supplementalFeed builds a Google Merchant Center supplemental feed (TSV: id
// plus custom labels) that tags catalog items with the ad sets selecting
// them, without touching the primary feed (export-formats.md §3.1).
//
// Google takes exactly one value per custom label and item, 1–100
// characters, at most 1,000 distinct values per label account-wide:
// "Custom label 0–4 [custom_label_0–4]", Google Merchant Center Help,
// https://support.google.com/merchants/answer/6324473 ("Submit only 1 value
// for each custom label attribute"). A product group in Google Ads is one
// value of a label (or several such groups bid alike), so every ad set
// must be reachable through values that hold exactly its items:
//
//   - google.custom_label N (one label, the default): the value is the
//     combination of the segments of the ad sets selecting the item, in
//     campaign order, joined by "+" ("cart-abandoners+footwear-prospecting").
//     An ad set's items are those of every value naming its segment; the
//     manifest lists them per ad set (sets[].google_product_group), and
//     those values are the product groups to include. Values are bounded
//     by the combinations that occur, checked against the 1,000 limit.
//   - google.labels (per ad set): each mapped ad set has its own label
//     holding "yes" for the items it shows and "no" for the other tagged
//     items; a product group "custom_label_N = yes" is the ad set.
type supplementalFeed struct {
	Label  int      // N of custom_label_N (one-label scheme)
	labels []string // segment per ad set, campaign order
	perSet []int    // per-ad-set scheme: label number per ad set, -1 = none; nil = one label
	order  []int    // per-ad-set scheme: ad set indexes in label order

	// One-label scheme: the combinations met so far, keyed by their ad
	// set indexes (comboKey), in first-seen order.
	byKey  map[string]*labelCombo
	combos []*labelCombo
	seen   map[string]struct{} // the distinct values written
	keyBuf []byte
}

// labelCombo is one value of the one-label scheme: the ad sets whose
// items carry it.
type labelCombo struct {
	value string
	sets  []int
}

// comboSep joins the segments of one item's ad sets; load refuses it in
// a segment, so a value names its sets unambiguously.
const comboSep = "+"

// maxCustomLabelLen is Google's custom_label limit (1–100 characters).
const maxCustomLabelLen = 100

// maxCustomLabelValues is Google's limit of distinct values per custom
// label, account-wide (page above: "up to 1,000 unique values
// account-wide for each custom label attribute"; past it, the extra
// values are ignored when Google works out which product group an item
// belongs to, so an ad set's product group would silently miss items).
const maxCustomLabelValues = 1000

// newSupplemental prepares rows for c's ad sets.
func newSupplemental(c *Campaign) *supplementalFeed {
	s := &supplementalFeed{Label: c.GoogleLabel}
	for _, as := range c.AdSets {
		s.labels = append(s.labels, tsvClean(as.Segment))
	}
	if len(c.GoogleLabels) > 0 {
		s.perSet = make([]int, len(c.AdSets))
		for i := range s.perSet {
			s.perSet[i] = -1
		}
		for i, lab := range c.GoogleLabels {
			s.perSet[i] = lab
			s.order = append(s.order, i)
		}
		slices.SortFunc(s.order, func(a, b int) int { return s.perSet[a] - s.perSet[b] })
	}
	return s
}

// Header is the TSV header.
func (s *supplementalFeed) Header() []string {
	if s.perSet == nil {
		return []string{"id", labelName(s.Label)}
	}
	h := []string{"id"}
	for _, i := range s.order {
		h = append(h, labelName(s.perSet[i]))
	}
	return h
}

// Row returns the row for one item given the ad sets that selected it (the
// indexes Selection.Add returns, ascending), or nil when no ad set tagged
// by the scheme selects it (omitting the row leaves its primary-feed
// labels alone). In the one-label scheme extra segments (a `dpa simulate`
// tier) label items no ad set selects.
func (s *supplementalFeed) Row(id string, sets []int, extra ...string) []string {
	if id == "" {
		return nil
	}
	if s.perSet != nil {
		row := []string{tsvClean(id)}
		any := false
		for _, i := range s.order {
			v := "no"
			if slices.Contains(sets, i) {
				v, any = "yes", true
			}
			row = append(row, v)
		}
		if !any {
			return nil
		}
		return row
	}
	v := ""
	if cb := s.combo(sets); cb != nil {
		v = cb.value
	} else {
		for _, e := range extra {
			if e = strings.TrimSpace(e); e != "" {
				v = tsvClean(truncateRunes(e, maxCustomLabelLen))
				break
			}
		}
		if v == "" {
			return nil
		}
		s.see(v)
	}
	return []string{tsvClean(id), v}
}

// combo returns the value for an item of these ad sets, or nil when none
// of them has a segment.
func (s *supplementalFeed) combo(sets []int) *labelCombo {
	// The key lists the ad sets with a segment: no map entry or string is
	// made per item, only per combination.
	key := s.keyBuf[:0]
	for _, i := range sets {
		if i >= 0 && i < len(s.labels) && s.labels[i] != "" {
			key = strconv.AppendInt(append(key, ','), int64(i), 10)
		}
	}
	s.keyBuf = key
	if len(key) == 0 {
		return nil
	}
	if cb := s.byKey[string(key)]; cb != nil {
		return cb
	}
	cb := &labelCombo{}
	var segs []string
	for _, i := range sets {
		if i < 0 || i >= len(s.labels) || s.labels[i] == "" {
			continue
		}
		cb.sets = append(cb.sets, i)
		if !slices.Contains(segs, s.labels[i]) { // ad sets may share a segment
			segs = append(segs, s.labels[i])
		}
	}
	cb.value = strings.Join(segs, comboSep)
	if s.byKey == nil {
		s.byKey = map[string]*labelCombo{}
	}
	s.byKey[string(key)] = cb
	s.combos = append(s.combos, cb)
	s.see(cb.value)
	return cb
}

func (s *supplementalFeed) see(v string) {
	if s.seen == nil {
		s.seen = map[string]struct{}{}
	}
	s.seen[v] = struct{}{}
}

// GoogleProductGroup is how one ad set is targeted in Google Ads: the
// product groups of these values of this custom label, together.
type GoogleProductGroup struct {
	Label  string   `json:"label"`
	Values []string `json:"values"`
}

// Group is ad set i's product group (valid once every row is written),
// or nil when the scheme does not tag it. In the one-label scheme its
// values are those of the combinations it is part of, sorted.
func (s *supplementalFeed) Group(i int) *GoogleProductGroup {
	if s.perSet != nil {
		if i < 0 || i >= len(s.perSet) || s.perSet[i] < 0 {
			return nil
		}
		return &GoogleProductGroup{Label: labelName(s.perSet[i]), Values: []string{"yes"}}
	}
	if i < 0 || i >= len(s.labels) || s.labels[i] == "" {
		return nil
	}
	g := &GoogleProductGroup{Label: labelName(s.Label), Values: []string{}}
	for _, cb := range s.combos {
		if slices.Contains(cb.sets, i) && !slices.Contains(g.Values, cb.value) {
			g.Values = append(g.Values, cb.value)
		}
	}
	slices.Sort(g.Values)
	return g
}

// LimitErrors are the Google limits the rows written so far break: a
// value over 100 characters (the segments of an item's ad sets joined)
// or more than 1,000 distinct values in a label. Export refuses such a
// feed, as it refuses an empty product set: uploaded, it would leave
// some ad sets' product groups without part of their items and no error
// anywhere (Merchant Center ignores values past the 1,000th rather than
// rejecting them). The count is of dpa's values only; the account's
// other feeds may add more to the same label.
func (s *supplementalFeed) LimitErrors() []string {
	var out []string
	for _, cb := range s.combos {
		if n := utf8.RuneCountInString(cb.value); n > maxCustomLabelLen {
			out = append(out, fmt.Sprintf("feeds/google_supplemental.tsv: %s value %q (items in %d ad sets at once) is %d characters; Google takes 1–%d: shorten those ad sets' segments, or use google.labels (one yes/no label per ad set)",
				labelName(s.Label), cb.value, len(cb.sets), n, maxCustomLabelLen))
		}
	}
	if n := len(s.seen); n > maxCustomLabelValues {
		out = append(out, fmt.Sprintf("feeds/google_supplemental.tsv: %s would hold %d distinct values; Google Merchant Center takes at most %d per custom label (account-wide) and ignores the rest, so product groups would miss items: use fewer or less overlapping ad sets, or google.labels (one yes/no label per ad set)",
			labelName(s.Label), n, maxCustomLabelValues))
	}
	return out
}

// tsvClean keeps a TSV cell on one line in one column: Merchant Center has
// no quoting rule for tabs or newlines in values.
func tsvClean(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// truncateRunes cuts s to at most n characters (runes), as Google counts
// a custom label's 1–100 characters and load counts a segment's.
func truncateRunes(s string, n int) string {
	if len(s) <= n { // n bytes hold at most n runes
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

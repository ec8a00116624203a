package campaign

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dpa-tools/dpa/feed"
)

// supplementalFeed builds a Google Merchant Center supplemental feed (TSV: id
// plus custom labels) that tags catalog items with the ad sets selecting
// them, without touching the primary feed (export-formats.md §3.1).
//
// Google takes exactly one value per custom label and item, 1–100
// characters, at most 1,000 distinct values per label account-wide:
// "Custom label 0–4 [custom_label_0–4]", Google Merchant Center Help,
// https://support.google.com/merchants/answer/6324473 ("Submit only 1 value
// for each custom label attribute"). Joining several segments into one
// value ("a|b") would create a value no product group targets, so:
//
//   - google.labels (per ad set): each mapped ad set has its own label
//     holding "yes" for the items it shows and "no" for the other tagged
//     items; a product group "custom_label_N = yes" is the ad set.
//   - google.custom_label N (one label): the value is the segment of the
//     first ad set, in campaign order, that selects the item; an item in
//     several sets is counted in Overlaps and reported in the manifest.
type supplementalFeed struct {
	Label    int      // N of custom_label_N (one-label scheme)
	labels   []string // segment per ad set, campaign order
	perSet   []int    // per-ad-set scheme: label number per ad set, -1 = none; nil = one label
	order    []int    // per-ad-set scheme: ad set indexes in label order
	overlaps int
	seen     map[string]struct{} // one-label scheme: the distinct values written
}

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
		s.labels = append(s.labels, as.Segment)
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
// indexes Selection.Add returns), or nil when no ad set tagged by the
// scheme selects it (omitting the row leaves its primary-feed labels
// alone). In the one-label scheme extra segments (a `dpa simulate` tier)
// label items no ad set selects.
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
	n := 0
	for _, i := range sets {
		if i >= 0 && i < len(s.labels) && s.labels[i] != "" {
			if v == "" {
				v = s.labels[i]
			}
			n++
		}
	}
	if n > 1 {
		s.overlaps++
	}
	if v == "" {
		for _, e := range extra {
			if e = strings.TrimSpace(e); e != "" {
				v = e
				break
			}
		}
	}
	if v == "" {
		return nil
	}
	v = tsvClean(truncateRunes(v, maxCustomLabelLen))
	if _, ok := s.seen[v]; !ok {
		if s.seen == nil {
			s.seen = map[string]struct{}{}
		}
		s.seen[v] = struct{}{}
	}
	return []string{tsvClean(id), v}
}

// LimitErrors are the Google limits the rows written so far break: more
// than 1,000 distinct values in a label. Export refuses such a feed, as
// it refuses an empty product set: uploaded, it would leave some ad
// sets' product groups without part of their items and no error anywhere
// (Merchant Center ignores the excess values rather than rejecting them).
// The count is of dpa's values only; the account's other feeds may add
// more to the same label.
func (s *supplementalFeed) LimitErrors() []string {
	if n := len(s.seen); n > maxCustomLabelValues {
		return []string{fmt.Sprintf("feeds/google_supplemental.tsv: %s would hold %d distinct values; Google Merchant Center takes at most %d per custom label (account-wide) and ignores the rest, so product groups would miss items: use fewer or less overlapping ad sets, or google.labels (one yes/no label per ad set)",
			labelName(s.Label), n, maxCustomLabelValues)}
	}
	return nil
}

// Overlaps counts the rows (one-label scheme) whose item several ad sets
// select: the label names the first, so the later sets' product groups
// miss it in Google.
func (s *supplementalFeed) Overlaps() int { return s.overlaps }

// OverlapIssue is the manifest warning for Overlaps, or nil.
func (s *supplementalFeed) OverlapIssue() *Issue {
	if s.overlaps == 0 {
		return nil
	}
	return &Issue{Severity: feed.Warning, Rule: "google-label-overlap", Count: s.overlaps,
		Message: fmt.Sprintf("items selected by several ad sets carry only the first set's segment in %s (Google takes one value per label); map each ad set to its own label with google.labels to target all of them", labelName(s.Label))}
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

package campaign

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Supplemental builds a Google Merchant Center supplemental feed (TSV: id
// plus custom_label_N) that tags catalog items with the segments of the ad
// sets selecting them, without touching the primary feed
// (export-formats.md §3.1). Extra segments (bestseller, high margin from
// `dpa simulate` or rules) can be passed per item.
type Supplemental struct {
	Label  int      // N of custom_label_N (0..4)
	labels []string // segment per ad set, campaign order
}

// MaxCustomLabelLen is the commonly cited custom_label limit [U]
// (feed-spec.md §3); longer values are cut at a segment boundary.
const MaxCustomLabelLen = 100

// NewSupplemental prepares rows for c's ad sets.
func NewSupplemental(c *Campaign) *Supplemental {
	s := &Supplemental{Label: c.GoogleLabel}
	for _, as := range c.AdSets {
		s.labels = append(s.labels, as.Segment)
	}
	return s
}

// Header is the TSV header.
func (s *Supplemental) Header() []string {
	return []string{"id", fmt.Sprintf("custom_label_%d", s.Label)}
}

// Row returns the row for one item given the ad sets that selected it (the
// indexes Selection.Add returns) and any extra segments, or nil when the
// item has no segment (omitting it leaves its primary-feed label alone).
// Segments are sorted and joined with "|" so the value is stable.
func (s *Supplemental) Row(id string, sets []int, extra ...string) []string {
	var segs []string
	for _, i := range sets {
		if i >= 0 && i < len(s.labels) && s.labels[i] != "" {
			segs = append(segs, s.labels[i])
		}
	}
	for _, e := range extra {
		if e = strings.TrimSpace(e); e != "" {
			segs = append(segs, e)
		}
	}
	if len(segs) == 0 || id == "" {
		return nil
	}
	slices.Sort(segs)
	segs = slices.Compact(segs)
	v := ""
	for _, sg := range segs {
		next := v
		if next != "" {
			next += "|"
		}
		next += sg
		if len(next) > MaxCustomLabelLen {
			break
		}
		v = next
	}
	if v == "" {
		v = truncateRunes(segs[0], MaxCustomLabelLen)
	}
	return []string{tsvClean(id), tsvClean(v)}
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

// truncateRunes cuts s to at most n bytes without splitting a character.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

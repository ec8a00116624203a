package events

import (
	"context"
	"io"
	"sort"
	"strings"
	"time"
)

// CatalogEntry is one catalog product as the check needs it.
type CatalogEntry struct {
	ID      string
	GroupID string // item_group_id; may be empty
}

// CheckOptions configures Check.
type CheckOptions struct {
	Read Options
	// Catalog is the product list to match event item ids against; nil
	// skips the match analysis.
	Catalog []CatalogEntry
	// MaxExamples per unmatched-id cause (default 5).
	MaxExamples int
}

// TypeCount is the number of events of one type.
type TypeCount struct {
	Type  Type `json:"type"`
	Count int  `json:"count"`
}

// DayCount is the event count of one UTC day, per type.
type DayCount struct {
	Date   string         `json:"date"`
	Total  int            `json:"total"`
	ByType map[string]int `json:"by_type"`
}

// TypeMatch is the match rate of one event type's item ids.
type TypeMatch struct {
	Type    Type    `json:"type"`
	Refs    int     `json:"refs"`
	Matched int     `json:"matched"`
	Rate    float64 `json:"rate"`
}

// CauseExample pairs an event item id with the catalog id it most likely
// meant.
type CauseExample struct {
	EventID   string `json:"event_id"`
	CatalogID string `json:"catalog_id,omitempty"`
	Refs      int    `json:"refs"`
}

// Cause groups unmatched ids by their likely cause.
type Cause struct {
	Cause       string         `json:"cause"`
	Description string         `json:"description"`
	IDs         int            `json:"ids"`  // distinct event item ids
	Refs        int            `json:"refs"` // event references to them
	Affixes     []string       `json:"affixes,omitempty"`
	Examples    []CauseExample `json:"examples"`
}

// Unmatched-id causes.
const (
	CauseCaseWhitespace = "case_or_whitespace"
	CauseLeadingZeros   = "leading_zeros"
	CausePrefix         = "prefix"
	CauseSuffix         = "suffix"
	CauseCountryCode    = "country_code"
	CauseCatalogPrefix  = "catalog_affix"
	CauseGroupIDSent    = "group_id_sent"
	CauseVariantIDSent  = "variant_id_sent"
	CauseUnknown        = "unknown"
)

var causeText = map[string]string{
	CauseCaseWhitespace: "differs from a catalog id only in letter case or surrounding whitespace",
	CauseLeadingZeros:   "numeric id whose leading zeros were lost or added (spreadsheet or integer conversion)",
	CausePrefix:         "event id carries a prefix the catalog ids lack",
	CauseSuffix:         "event id carries a suffix the catalog ids lack",
	CauseCountryCode:    "event id carries a two-letter country/market code the catalog ids lack",
	CauseCatalogPrefix:  "catalog ids carry a prefix or suffix the event ids lack",
	CauseGroupIDSent:    "event sends the item_group_id where the catalog has variant ids",
	CauseVariantIDSent:  "event sends a variant id where the catalog has the group (parent) id",
	CauseUnknown:        "no catalog id resembles it",
}

// MatchReport compares event item ids with the catalog.
type MatchReport struct {
	CatalogItems    int         `json:"catalog_items"`
	Refs            int         `json:"refs"`
	Matched         int         `json:"matched"`
	Rate            float64     `json:"rate"`
	DistinctIDs     int         `json:"distinct_ids"`
	DistinctMatched int         `json:"distinct_matched"`
	ByType          []TypeMatch `json:"by_type"`
	Causes          []Cause     `json:"causes"`
}

// SignalShare is the share of catalog items with any event in a recent
// window ending at the log's last timestamp (not the wall clock, so old
// logs and tests give stable answers).
type SignalShare struct {
	AsOf       time.Time `json:"as_of"`
	Items14    int       `json:"items_14d"`
	Share14    float64   `json:"share_14d"`
	Items30    int       `json:"items_30d"`
	Share30    float64   `json:"share_30d"`
	ItemsEver  int       `json:"items_any"`
	ShareEver  float64   `json:"share_any"`
	CatalogLen int       `json:"catalog_items"`
}

// CheckResult is the outcome of Check (the JSON of `dpa events check`).
type CheckResult struct {
	SchemaVersion int          `json:"schema_version"`
	Read          Stats        `json:"read"`
	Events        int          `json:"events"`
	Users         int          `json:"users"`
	Sessions      int          `json:"sessions"`
	ByType        []TypeCount  `json:"by_type"`
	ByDay         []DayCount   `json:"by_day"`
	Match         *MatchReport `json:"match,omitempty"`
	Signal        *SignalShare `json:"signal,omitempty"`
}

type catIndex struct {
	exact    map[string]int    // id -> catalog index
	folded   map[string]string // lower(trim(id)) -> id
	zeros    map[string]string // numeric id without leading zeros -> id
	groups   map[string]string // group id -> smallest member id
	stripped map[string]string // catalog id minus a short prefix/suffix -> id
	affixOf  map[string]string // stripped form -> the affix removed
}

func newCatIndex(cat []CatalogEntry) *catIndex {
	ci := &catIndex{
		exact: map[string]int{}, folded: map[string]string{}, zeros: map[string]string{},
		groups: map[string]string{}, stripped: map[string]string{}, affixOf: map[string]string{},
	}
	keepMin := func(m map[string]string, k, v string) {
		if old, ok := m[k]; !ok || v < old {
			m[k] = v
		}
	}
	for i, e := range cat {
		if _, dup := ci.exact[e.ID]; dup {
			continue
		}
		ci.exact[e.ID] = i
		keepMin(ci.folded, strings.ToLower(strings.TrimSpace(e.ID)), e.ID)
		if allDigits(e.ID) {
			keepMin(ci.zeros, trimZeros(e.ID), e.ID)
		}
		if e.GroupID != "" {
			keepMin(ci.groups, e.GroupID, e.ID)
		}
		for _, st := range affixForms(e.ID) {
			if _, ok := ci.stripped[st.rest]; !ok || e.ID < ci.stripped[st.rest] {
				ci.stripped[st.rest] = e.ID
				ci.affixOf[st.rest] = st.affix
			}
		}
	}
	return ci
}

func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

type affixForm struct {
	rest, affix string
	prefix      bool
}

// affixForms lists id with one short (≤ 8 byte) prefix or suffix removed at
// a separator: "sku_123" -> "123" (prefix "sku_"), "123-DE" -> "123".
func affixForms(id string) []affixForm {
	var out []affixForm
	for i := 0; i < len(id) && i <= 8; i++ {
		if isSep(id[i]) && i > 0 && i+1 < len(id) {
			out = append(out, affixForm{rest: id[i+1:], affix: id[:i+1], prefix: true})
			break
		}
	}
	for i := len(id) - 1; i >= 0 && len(id)-i <= 9; i-- {
		if isSep(id[i]) && i > 0 && i+1 < len(id) {
			out = append(out, affixForm{rest: id[:i], affix: id[i:]})
			break
		}
	}
	// Separator-less prefixes commonly seen in pixels ("sku123").
	low := strings.ToLower(id)
	for _, p := range []string{"sku", "id", "item", "product", "prod", "p"} {
		if strings.HasPrefix(low, p) && len(id) > len(p) && id[len(p)] >= '0' && id[len(p)] <= '9' {
			out = append(out, affixForm{rest: id[len(p):], affix: id[:len(p)], prefix: true})
			break
		}
	}
	return out
}

func isSep(c byte) bool { return c == '_' || c == '-' || c == ':' || c == '.' || c == '/' || c == '#' }

func isCountryAffix(a string) bool {
	a = strings.Trim(a, "_-:./#")
	if len(a) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := a[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// classify explains one unmatched id: the cause, the catalog id it probably
// meant and the affix involved.
func (ci *catIndex) classify(id string) (cause, target, affix string) {
	if t, ok := ci.folded[strings.ToLower(strings.TrimSpace(id))]; ok {
		return CauseCaseWhitespace, t, ""
	}
	tid := strings.TrimSpace(id)
	if allDigits(tid) {
		if t, ok := ci.zeros[trimZeros(tid)]; ok {
			return CauseLeadingZeros, t, ""
		}
	}
	if t, ok := ci.groups[tid]; ok {
		return CauseGroupIDSent, t, ""
	}
	for _, f := range affixForms(tid) {
		rest := f.rest
		if _, ok := ci.exact[rest]; !ok {
			if t, ok2 := ci.folded[strings.ToLower(rest)]; ok2 {
				rest = t
			} else if allDigits(rest) {
				if t, ok3 := ci.zeros[trimZeros(rest)]; ok3 {
					rest = t
				}
			}
		}
		if _, ok := ci.exact[rest]; ok {
			switch {
			case isCountryAffix(f.affix):
				return CauseCountryCode, rest, strings.ToLower(f.affix)
			case !f.prefix && ci.isGroup(rest):
				return CauseVariantIDSent, rest, f.affix
			case f.prefix:
				return CausePrefix, rest, strings.ToLower(f.affix)
			default:
				return CauseSuffix, rest, strings.ToLower(f.affix)
			}
		}
		if t, ok := ci.groups[rest]; ok && !f.prefix {
			return CauseVariantIDSent, t, f.affix
		}
	}
	if t, ok := ci.stripped[tid]; ok {
		return CauseCatalogPrefix, t, strings.ToLower(ci.affixOf[tid])
	}
	return CauseUnknown, "", ""
}

// isGroup reports whether a catalog id is also used as a group id (a
// parent row), which makes "id-suffix" a variant of it.
func (ci *catIndex) isGroup(id string) bool {
	_, ok := ci.groups[id]
	return ok
}

// Check reads an event log and reports schema problems, counts per type and
// day, the catalog match rate with likely causes of mismatches, and the
// share of catalog items with recent signal.
//
// Memory is bounded by distinct users, days and distinct item ids.
func Check(ctx context.Context, r io.Reader, opts CheckOptions) (*CheckResult, error) {
	maxEx := opts.MaxExamples
	if maxEx <= 0 {
		maxEx = 5
	}
	res := &CheckResult{SchemaVersion: 1}
	typeIdx := map[Type]int{}
	for i, t := range Types {
		typeIdx[t] = i
	}
	typeCounts := make([]int, len(Types))
	days := map[string][]int{}
	users := map[string]struct{}{}
	sessions := map[string]struct{}{}
	sess := NewSessionizer(0)

	var ci *catIndex
	var lastSeen []int64
	var typeRefs, typeMatched []int
	unmatched := map[string]int{}
	distinct := map[string]bool{} // id -> matched
	if opts.Catalog != nil {
		ci = newCatIndex(opts.Catalog)
		lastSeen = make([]int64, len(opts.Catalog))
		typeRefs = make([]int, len(Types))
		typeMatched = make([]int, len(Types))
	}
	var refs, matched int

	st, err := Each(ctx, r, opts.Read, func(ev *Event) error {
		ti := typeIdx[ev.Type]
		typeCounts[ti]++
		day := ev.Time.UTC().Format("2006-01-02")
		dc := days[day]
		if dc == nil {
			dc = make([]int, len(Types))
			days[day] = dc
		}
		dc[ti]++
		if _, ok := users[ev.UserID]; !ok {
			users[strings.Clone(ev.UserID)] = struct{}{}
		}
		sess.Assign(ev)
		if _, ok := sessions[ev.SessionID]; !ok {
			sessions[strings.Clone(ev.SessionID)] = struct{}{}
		}
		if ci == nil {
			return nil
		}
		ts := ev.Time.UnixNano()
		for _, id := range ev.ItemIDs {
			refs++
			typeRefs[ti]++
			if k, ok := ci.exact[id]; ok {
				matched++
				typeMatched[ti]++
				if ts > lastSeen[k] || lastSeen[k] == 0 {
					lastSeen[k] = ts
				}
				if _, seen := distinct[id]; !seen {
					distinct[strings.Clone(id)] = true
				}
				continue
			}
			if _, seen := distinct[id]; !seen {
				id = strings.Clone(id)
				distinct[id] = false
			}
			unmatched[id]++
		}
		return nil
	})
	res.Read = st
	if err != nil {
		return res, err
	}
	res.Events = st.Events
	res.Users = len(users)
	res.Sessions = len(sessions)
	for i, t := range Types {
		res.ByType = append(res.ByType, TypeCount{Type: t, Count: typeCounts[i]})
	}
	dayKeys := make([]string, 0, len(days))
	for d := range days {
		dayKeys = append(dayKeys, d)
	}
	sort.Strings(dayKeys)
	for _, d := range dayKeys {
		dc := DayCount{Date: d, ByType: map[string]int{}}
		for i, t := range Types {
			if n := days[d][i]; n > 0 {
				dc.ByType[string(t)] = n
				dc.Total += n
			}
		}
		res.ByDay = append(res.ByDay, dc)
	}
	if ci == nil {
		return res, nil
	}

	m := &MatchReport{CatalogItems: len(ci.exact), Refs: refs, Matched: matched, Rate: ratio(matched, refs), DistinctIDs: len(distinct)}
	for _, ok := range distinct {
		if ok {
			m.DistinctMatched++
		}
	}
	for i, t := range Types {
		if typeRefs[i] > 0 {
			m.ByType = append(m.ByType, TypeMatch{Type: t, Refs: typeRefs[i], Matched: typeMatched[i], Rate: ratio(typeMatched[i], typeRefs[i])})
		}
	}
	m.Causes = classifyUnmatched(ci, unmatched, maxEx)
	res.Match = m

	as := st.MaxTime
	sig := &SignalShare{AsOf: as, CatalogLen: len(opts.Catalog)}
	c14, c30 := as.Add(-14*24*time.Hour).UnixNano(), as.Add(-30*24*time.Hour).UnixNano()
	seen := map[string]bool{}
	for i, e := range opts.Catalog {
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		ls := lastSeen[i]
		if ls == 0 {
			continue
		}
		sig.ItemsEver++
		if ls >= c30 {
			sig.Items30++
		}
		if ls >= c14 {
			sig.Items14++
		}
	}
	n := len(seen)
	sig.CatalogLen = n
	sig.Share14, sig.Share30, sig.ShareEver = ratio(sig.Items14, n), ratio(sig.Items30, n), ratio(sig.ItemsEver, n)
	res.Signal = sig
	return res, nil
}

func classifyUnmatched(ci *catIndex, unmatched map[string]int, maxEx int) []Cause {
	type agg struct {
		c       Cause
		affixes map[string]int
		ex      []CauseExample
	}
	byCause := map[string]*agg{}
	for id, n := range unmatched {
		cause, target, affix := ci.classify(id)
		a := byCause[cause]
		if a == nil {
			a = &agg{c: Cause{Cause: cause, Description: causeText[cause]}, affixes: map[string]int{}}
			byCause[cause] = a
		}
		a.c.IDs++
		a.c.Refs += n
		if affix != "" {
			a.affixes[affix] += n
		}
		a.ex = append(a.ex, CauseExample{EventID: id, CatalogID: target, Refs: n})
	}
	out := make([]Cause, 0, len(byCause))
	for _, a := range byCause {
		sort.Slice(a.ex, func(i, j int) bool {
			if a.ex[i].Refs != a.ex[j].Refs {
				return a.ex[i].Refs > a.ex[j].Refs
			}
			return a.ex[i].EventID < a.ex[j].EventID
		})
		if len(a.ex) > maxEx {
			a.ex = a.ex[:maxEx]
		}
		a.c.Examples = a.ex
		type kv struct {
			k string
			n int
		}
		var afx []kv
		for k, n := range a.affixes {
			afx = append(afx, kv{k, n})
		}
		sort.Slice(afx, func(i, j int) bool {
			if afx[i].n != afx[j].n {
				return afx[i].n > afx[j].n
			}
			return afx[i].k < afx[j].k
		})
		for i, x := range afx {
			if i == maxEx {
				break
			}
			a.c.Affixes = append(a.c.Affixes, x.k)
		}
		out = append(out, a.c)
	}
	sort.Slice(out, func(i, j int) bool {
		// unknown last; otherwise by references, then name
		if (out[i].Cause == CauseUnknown) != (out[j].Cause == CauseUnknown) {
			return out[j].Cause == CauseUnknown
		}
		if out[i].Refs != out[j].Refs {
			return out[i].Refs > out[j].Refs
		}
		return out[i].Cause < out[j].Cause
	})
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

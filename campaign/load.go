package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dpa-tools/dpa/feed"
	"go.yaml.in/yaml/v3"
)

// MaxConfigBytes bounds the campaign file: it is configuration written by
// hand, never a feed, so a small cap protects against pointing --campaign
// at the catalog by mistake.
const MaxConfigBytes = 4 << 20

// Load reads and validates a campaign file. name is the file name used in
// diagnostics. The error is non-nil only when r cannot be read; problems
// in the file are Diagnostics, and when any is an error the Campaign is
// nil.
func Load(name string, r io.Reader) (*Campaign, []Diagnostic, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxConfigBytes+1))
	if err != nil {
		return nil, nil, err
	}
	l := &loader{file: name, src: bytes.Split(src, []byte("\n"))}
	if len(src) > MaxConfigBytes {
		l.add(1, 1, "", "", "campaign file larger than %d bytes: is this the catalog?", MaxConfigBytes)
		return nil, l.diags, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line := 1
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
				line, _ = strconv.Atoi(m[1])
			}
		}
		l.add(line, 1, "", "", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, l.diags, nil
	}
	root, err := yamlToRnode(&doc)
	if err != nil {
		var pe *posError
		if errors.As(err, &pe) {
			l.add(pe.Line, pe.Column, "", pe.Suggestion, "%s", pe.Msg)
		} else {
			l.add(1, 1, "", "", "%v", err)
		}
		return nil, l.diags, nil
	}
	c := l.campaign(root)
	SortDiagnostics(l.diags)
	if HasErrors(l.diags) {
		return nil, l.diags, nil
	}
	return c, l.diags, nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

var graphVersionRE = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]$`)

type loader struct {
	file  string
	src   [][]byte
	diags []Diagnostic
}

func (l *loader) add(line, col int, path, sug, format string, args ...any) {
	l.diags = append(l.diags, Diagnostic{File: l.file, Line: line, Column: col, Path: path,
		Severity: feed.Error, Message: fmt.Sprintf(format, args...), Suggestion: sug})
}

func (l *loader) errAt(n *rnode, path, sug, format string, args ...any) {
	l.add(n.line, n.col, path, sug, format, args...)
}

func (l *loader) warnAt(n *rnode, path, sug, format string, args ...any) {
	l.errAt(n, path, sug, format, args...)
	l.diags[len(l.diags)-1].Severity = feed.Warning
}

// posErr reports an error positioned inside the text of scalar n (a filter
// JSON string or a template), translated to file coordinates.
func (l *loader) posErr(n *rnode, path string, pe *posError) {
	line, col := l.inner(n, pe.Line, pe.Column)
	l.add(line, col, path, pe.Suggestion, "%s", pe.Msg)
}

// inner maps a 1-based position inside a scalar's text to the file.
// Exact for plain and quoted one-line scalars and for block scalars;
// escapes inside quoted scalars can shift the column a little.
func (l *loader) inner(n *rnode, line, col int) (int, int) {
	if n.kind == rMap || n.kind == rList {
		return line, col
	}
	if n.block {
		fl := n.line + line // content starts on the line after | or >
		indent := 0
		if fl-1 < len(l.src) {
			s := l.src[fl-1]
			indent = len(s) - len(bytes.TrimLeft(s, " "))
		}
		return fl, indent + col
	}
	if line == 1 {
		off := 0
		if n.quote {
			off = 1
		}
		return n.line, n.col + off + col - 1
	}
	return n.line + line - 1, col
}

type spec map[string]*rnode

// fields checks that n is a mapping whose keys are all allowed and returns
// them. Unknown keys are errors with a suggestion.
func (l *loader) fields(n *rnode, path string, allowed ...string) spec {
	out := spec{}
	if n == nil {
		return out
	}
	if n.kind == rNull {
		return out
	}
	if n.kind != rMap {
		l.errAt(n, path, "", "expected a mapping, got %s", describe(n))
		return out
	}
	for i, k := range n.keys {
		if !slices.Contains(allowed, k.str) {
			sorted := slices.Clone(allowed)
			slices.Sort(sorted)
			l.errAt(k, join(path, k.str), suggest(k.str, allowed), "unknown key %q (allowed: %s)", k.str, strings.Join(sorted, ", "))
			continue
		}
		out[k.str] = n.items[i]
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (l *loader) str(n *rnode, path string) string {
	if n == nil || n.kind == rNull {
		return ""
	}
	if !n.isScalar() {
		l.errAt(n, path, "", "expected a single value, got %s", describe(n))
		return ""
	}
	return strings.TrimSpace(n.scalarText())
}

func (l *loader) required(s spec, key, path string, parent *rnode) *rnode {
	n := s[key]
	if n == nil || n.kind == rNull || (n.kind == rString && strings.TrimSpace(n.str) == "") {
		at := parent
		if n != nil {
			at = n
		}
		l.errAt(at, join(path, key), "", "%s is required", key)
		return nil
	}
	return n
}

// enum reads a value that must be one of vals. fold upper-cases platform
// enums so "shop_now" is accepted for SHOP_NOW, but lower-case vocabularies
// must match exactly.
func (l *loader) enum(n *rnode, path string, vals []string, def string) string {
	if n == nil || n.kind == rNull {
		return def
	}
	s := l.str(n, path)
	if s == "" {
		return def
	}
	if slices.Contains(vals, s) {
		return s
	}
	if u := strings.ToUpper(s); u != s && slices.Contains(vals, u) {
		return u
	}
	l.errAt(n, path, suggest(s, vals), "invalid value %q (want one of %s)", s, oneOf(vals))
	return def
}

func (l *loader) enumList(n *rnode, path string, vals []string) []string {
	if n == nil || n.kind == rNull {
		return nil
	}
	items := []*rnode{n}
	if n.kind == rList {
		items = n.items
	}
	var out []string
	for i, it := range items {
		p := path
		if n.kind == rList {
			p = fmt.Sprintf("%s[%d]", path, i)
		}
		if v := l.enum(it, p, vals, ""); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

func (l *loader) countries(n *rnode, path string) []string {
	if n == nil || n.kind == rNull {
		return nil
	}
	items := []*rnode{n}
	if n.kind == rList {
		items = n.items
	}
	var out []string
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		s := strings.ToUpper(l.str(it, p))
		if !countryRE.MatchString(s) {
			l.errAt(it, p, "use ISO 3166-1 alpha-2 codes such as US, GB, DE", "invalid country %q", l.str(it, p))
			continue
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 && len(items) == 0 {
		l.errAt(n, path, "", "at least one country is required")
	}
	return out
}

func (l *loader) intIn(n *rnode, path string, lo, hi, def int) int {
	if n == nil || n.kind == rNull {
		return def
	}
	if n.kind != rNumber {
		l.errAt(n, path, "", "expected a whole number, got %s", describe(n))
		return def
	}
	v, err := strconv.Atoi(n.str)
	if err != nil || v < lo || v > hi {
		l.errAt(n, path, "", "must be a whole number from %d to %d, got %s", lo, hi, n.raw)
		return def
	}
	return v
}

func (l *loader) boolean(n *rnode, path string, def bool) bool {
	if n == nil || n.kind == rNull {
		return def
	}
	if n.kind != rBool {
		l.errAt(n, path, "write true or false", "expected true or false, got %s", describe(n))
		return def
	}
	return n.str == "true"
}

// amount reads a major-unit amount ("50", 49.99) into Meta's offset units
// of the currency (data/meta_currencies.csv): 49.99 USD is 4999, 10000 HUF
// is 10000. It uses the raw text so 0.1 is exactly 10 cents. An amount
// finer than the offset allows (10.5 HUF) is refused rather than rounded:
// the budget would silently differ from what the marketer wrote.
func (l *loader) amount(n *rnode, path, currency string) int64 {
	if n == nil {
		return 0
	}
	s := strings.TrimSpace(n.scalarText())
	if n.kind == rNumber {
		s = n.raw
	}
	dec := metaDecimals(currency)
	v, ok := parseDecimalMinor(s, dec)
	if !ok || !n.isScalar() || n.kind == rBool {
		l.errAt(n, path, "write the amount in major units, e.g. 50 or 49.99", "invalid amount %q", n.raw)
		return 0
	}
	if _, frac, _ := strings.Cut(s, "."); len(strings.TrimRight(frac, "0")) > dec {
		l.errAt(n, path, fmt.Sprintf("write at most %d decimal(s)", dec), "amount %s has more decimals than Meta takes for %s (offset %d)", s, currency, metaOffsetOr(currency))
		return 0
	}
	if v <= 0 {
		l.errAt(n, path, "", "amount must be positive, got %s", n.raw)
		return 0
	}
	return v
}

var timeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// when parses a start/end time in the ad account's time zone loc, which
// is how Meta reads a time without an offset. A date alone is the start
// of that day, or for an end (endOfDay) its last second: "end: 2026-03-31"
// runs through March 31. A time with an offset keeps its instant.
func (l *loader) when(n *rnode, path string, loc *time.Location, endOfDay bool) time.Time {
	s := l.str(n, path)
	if s == "" {
		return time.Time{}
	}
	if loc == nil {
		loc = time.UTC // an error about the missing time_zone is reported once, by the caller
	}
	for _, lay := range timeLayouts {
		var t time.Time
		var err error
		if lay == time.RFC3339 {
			t, err = time.Parse(lay, s)
		} else {
			t, err = time.ParseInLocation(lay, s, loc)
		}
		if err != nil {
			continue
		}
		if lay == "2006-01-02" && endOfDay {
			t = t.AddDate(0, 0, 1).Add(-time.Second)
		}
		return t.In(loc)
	}
	l.errAt(n, path, "write 2026-03-01 or 2026-03-01T09:00:00+01:00", "invalid date/time %q", s)
	return time.Time{}
}

// timeZone reads campaign.time_zone, an IANA name such as Europe/Berlin
// (the ad account's time zone in Ads Manager > Account settings).
func (l *loader) timeZone(n *rnode, path string) *time.Location {
	s := l.str(n, path)
	if s == "" {
		return nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil || s == "Local" || !strings.Contains(s, "/") && s != "UTC" {
		l.errAt(n, path, "write the IANA name of the ad account's time zone, e.g. America/New_York or Europe/Berlin", "unknown time zone %q", s)
		return nil
	}
	return loc
}

func (l *loader) campaign(root *rnode) *Campaign {
	c := &Campaign{File: l.file}
	if root.kind == rNull {
		l.add(1, 1, "", "run `dpa init` for a commented example", "empty campaign file")
		return c
	}
	top := l.fields(root, "", "campaign", "ad_sets", "google")
	cn := l.required(top, "campaign", "", root)
	cs := l.fields(cn, "campaign", "name", "objective", "catalog_id", "page_id", "page_name", "pixel_id", "countries",
		"time_zone", "start", "end", "budget", "currency", "status", "bid_strategy", "graph_api_version")
	if cn != nil {
		if n := l.required(cs, "name", "campaign", cn); n != nil {
			c.Name = l.str(n, "campaign.name")
		}
		c.Objective = l.enum(cs["objective"], "campaign.objective", objectives, "OUTCOME_SALES")
		if c.Objective == "PRODUCT_CATALOG_SALES" {
			l.warnAt(cs["objective"], "campaign.objective", "use OUTCOME_SALES", "PRODUCT_CATALOG_SALES is the legacy objective")
		}
		if n := l.required(cs, "catalog_id", "campaign", cn); n != nil {
			c.CatalogID = l.id(n, "campaign.catalog_id")
		}
		if n := l.required(cs, "page_id", "campaign", cn); n != nil {
			c.PageID = l.id(n, "campaign.page_id")
		}
		if n := cs["pixel_id"]; n != nil {
			c.PixelID = l.id(n, "campaign.pixel_id")
		}
		if n := l.required(cs, "countries", "campaign", cn); n != nil {
			c.Countries = l.countries(n, "campaign.countries")
		}
		c.PageName = l.str(cs["page_name"], "campaign.page_name")
		c.GraphAPIVersion = defaultGraphAPIVersion
		if n := cs["graph_api_version"]; n != nil {
			v := l.str(n, "campaign.graph_api_version")
			if !graphVersionRE.MatchString(v) {
				l.errAt(n, "campaign.graph_api_version", "write it as in the API paths, e.g. "+defaultGraphAPIVersion, "invalid Graph API version %q", v)
			} else {
				c.GraphAPIVersion = v
			}
		}
		c.TimeZone = l.timeZone(cs["time_zone"], "campaign.time_zone")
		if c.TimeZone == nil && cs["time_zone"] == nil && (cs["start"] != nil || cs["end"] != nil) {
			at := cs["start"]
			if at == nil {
				at = cs["end"]
			}
			l.errAt(at, "campaign.time_zone", "add time_zone: America/New_York (your ad account's time zone)", "start and end need campaign.time_zone: Meta reads times in the ad account's time zone")
		}
		c.Start = l.when(cs["start"], "campaign.start", c.TimeZone, false)
		c.End = l.when(cs["end"], "campaign.end", c.TimeZone, true)
		if !c.Start.IsZero() && !c.End.IsZero() && !c.End.After(c.Start) {
			l.errAt(cs["end"], "campaign.end", "", "end must be after start")
		}
		c.Status = l.enum(cs["status"], "campaign.status", statuses, "PAUSED")
		c.BidStrategy = l.enum(cs["bid_strategy"], "campaign.bid_strategy", bidStrategies, "")
	}
	c.Currency = l.currency(cs, root, top)
	if n := cs["budget"]; n != nil {
		c.Budget = l.budget(n, "campaign.budget", c.Currency)
		if c.Budget != nil && c.Budget.Type == "lifetime" && c.End.IsZero() {
			l.errAt(n, "campaign.budget", "set campaign.end", "a lifetime budget needs an end date")
		}
	}
	c.GoogleLabel = 4
	var googleLabels *rnode
	if g := top["google"]; g != nil {
		gs := l.fields(g, "google", "custom_label", "labels")
		c.GoogleLabel = l.intIn(gs["custom_label"], "google.custom_label", 0, 4, 4)
		googleLabels = gs["labels"]
		if googleLabels != nil && gs["custom_label"] != nil {
			l.errAt(googleLabels, "google.labels", "keep one of them", "google.custom_label and google.labels are two label schemes: choose one")
		}
	}
	asn := l.required(top, "ad_sets", "", root)
	if asn != nil {
		if asn.kind != rList {
			l.errAt(asn, "ad_sets", "", "ad_sets must be a list, got %s", describe(asn))
		} else {
			for i, it := range asn.items {
				if as := l.adSet(it, fmt.Sprintf("ad_sets[%d]", i), c); as != nil {
					c.AdSets = append(c.AdSets, as)
				}
			}
			if len(asn.items) == 0 {
				l.errAt(asn, "ad_sets", "", "at least one ad set is required")
			}
		}
	}
	l.names(c, asn)
	assignProductSets(c)
	if googleLabels != nil {
		c.GoogleLabels = l.googleLabels(googleLabels, c)
	}
	return c
}

// id reads a numeric object id, keeping leading zeros and refusing floats
// (YAML turns 1e5 into a number; an id never has one).
func (l *loader) id(n *rnode, path string) string {
	s := l.str(n, path)
	if n.kind == rNumber && n.raw != "" {
		s = n.raw
	}
	if s != "" && !allDigits(s) {
		l.errAt(n, path, "quote the id and check it in Commerce Manager / Business Settings", "id %q is not numeric", s)
	}
	return s
}

// currency resolves the one currency of the campaign from campaign.currency
// and budget currencies, which must agree.
func (l *loader) currency(cs spec, root *rnode, top spec) string {
	type cand struct {
		n    *rnode
		path string
	}
	var cands []cand
	if n := cs["currency"]; n != nil {
		cands = append(cands, cand{n, "campaign.currency"})
	}
	if b := cs["budget"]; b != nil {
		if n := b.get("currency"); n != nil {
			cands = append(cands, cand{n, "campaign.budget.currency"})
		}
	}
	if as := top["ad_sets"]; as != nil && as.kind == rList {
		for i, it := range as.items {
			if n := it.get("budget").get("currency"); n != nil {
				cands = append(cands, cand{n, fmt.Sprintf("ad_sets[%d].budget.currency", i)})
			}
		}
	}
	cur := ""
	for _, cd := range cands {
		v := strings.ToUpper(l.str(cd.n, cd.path))
		if _, ok := metaOffset(v); !ok {
			codes, ver := metaCurrencies()
			sug := suggest(v, codes)
			if sug == "" {
				sug = "use your ad account's currency; Meta's table (" + ver + ") lists " + strings.Join(codes, " ")
			}
			l.errAt(cd.n, cd.path, sug, "currency %q is not an ad account currency in Meta's table", v)
			continue
		}
		if cur == "" {
			cur = v
		} else if v != cur {
			l.errAt(cd.n, cd.path, "", "currency %s differs from %s: a campaign has one currency (the ad account's)", v, cur)
		}
	}
	if cur == "" && len(cands) == 0 {
		at := root
		if n := top["campaign"]; n != nil {
			at = n
		}
		l.errAt(at, "campaign.currency", "add currency: USD (your ad account's currency)", "no currency: set campaign.currency or budget.currency")
	}
	return cur
}

func (l *loader) budget(n *rnode, path, currency string) *Budget {
	s := l.fields(n, path, "type", "amount", "currency")
	if n.kind != rMap {
		return nil
	}
	b := &Budget{Type: l.enum(s["type"], join(path, "type"), budgetTypes, "daily")}
	if a := l.required(s, "amount", path, n); a != nil {
		b.Minor = l.amount(a, join(path, "amount"), currency)
	}
	return b
}

func (l *loader) adSet(n *rnode, path string, c *Campaign) *AdSet {
	s := l.fields(n, path, "name", "type", "status", "audience", "product_set", "budget", "bid_strategy",
		"bid_amount", "optimization_goal", "billing_event", "placements", "countries", "segment", "advantage_audience", "creative")
	if n.kind != rMap {
		return nil
	}
	as := &AdSet{}
	if nn := l.required(s, "name", path, n); nn != nil {
		as.Name = l.str(nn, join(path, "name"))
	}
	if tn := l.required(s, "type", path, n); tn != nil {
		as.Type = l.enum(tn, join(path, "type"), adSetTypes, "")
	}
	as.Status = l.enum(s["status"], join(path, "status"), statuses, c.Status)
	as.Segment = l.str(s["segment"], join(path, "segment"))
	if n := utf8.RuneCountInString(as.Segment); n > maxCustomLabelLen {
		// Google custom labels take 1–100 characters (see supplementalFeed).
		l.errAt(s["segment"], join(path, "segment"), "shorten it", "segment is %d characters: Google custom labels take at most %d", n, maxCustomLabelLen)
	}
	if strings.Contains(as.Segment, comboSep) {
		// The supplemental feed joins the segments of an item's ad sets
		// with it (see supplementalFeed): "a+b" must name two sets.
		l.errAt(s["segment"], join(path, "segment"), "write it without "+comboSep, "segment %q contains %q, which joins the segments of ad sets sharing an item in the Google custom label", as.Segment, comboSep)
	}
	as.Countries = c.Countries
	if cn := s["countries"]; cn != nil {
		as.Countries = l.countries(cn, join(path, "countries"))
	}

	// audience
	an := s["audience"]
	switch as.Type {
	case "prospecting":
		if an != nil {
			l.errAt(an, join(path, "audience"), "use type: custom for a behavioural audience", "a prospecting ad set targets a broad audience and takes no audience block")
		}
	case "retargeting", "cross_sell", "upsell":
		as.Audience = l.audience(an, join(path, "audience"), as.Type, n, c.Currency)
	case "custom":
		if an != nil {
			as.Audience = l.audience(an, join(path, "audience"), as.Type, n, c.Currency)
		}
	}

	if psn := l.required(s, "product_set", path, n); psn != nil {
		if ps := l.productSet(psn, join(path, "product_set"), c.Currency); ps != nil {
			as.ProductSet = *ps
		}
	}
	if as.ProductSet.Name == "" {
		as.ProductSet.Name = as.Name
	}

	if bn := s["budget"]; bn != nil {
		as.Budget = l.budget(bn, join(path, "budget"), c.Currency)
		if c.Budget != nil {
			l.errAt(bn, join(path, "budget"), "remove one of them", "the campaign has a budget (Advantage campaign budget); ad sets cannot have their own")
		} else if as.Budget != nil && as.Budget.Type == "lifetime" && c.End.IsZero() {
			l.errAt(bn, join(path, "budget"), "set campaign.end", "a lifetime budget needs an end date")
		}
	} else if c.Budget == nil {
		l.errAt(n, join(path, "budget"), "add budget: {type: daily, amount: 20}", "no budget: set campaign.budget or a budget on every ad set")
	}
	as.BidStrategy = l.enum(s["bid_strategy"], join(path, "bid_strategy"), bidStrategies, "")
	if ban := s["bid_amount"]; ban != nil {
		as.BidAmount = l.amount(ban, join(path, "bid_amount"), c.Currency)
	}
	strategy := cmpOr(as.BidStrategy, c.BidStrategy)
	if (strategy == "LOWEST_COST_WITH_BID_CAP" || strategy == "COST_CAP") && as.BidAmount == 0 {
		l.errAt(n, join(path, "bid_amount"), "add bid_amount", "bid strategy %s needs a bid_amount", strategy)
	}
	if as.BidAmount > 0 && (strategy == "" || strategy == "LOWEST_COST_WITHOUT_CAP") {
		l.errAt(s["bid_amount"], join(path, "bid_amount"), "use LOWEST_COST_WITH_BID_CAP or COST_CAP", "bid_amount has no effect with %s", cmpOr(strategy, "LOWEST_COST_WITHOUT_CAP"))
	}
	if as.BidStrategy == "" && c.BidStrategy == "" {
		as.BidStrategy = "LOWEST_COST_WITHOUT_CAP"
	}
	as.OptimizationGoal = l.enum(s["optimization_goal"], join(path, "optimization_goal"), optimizationGoals, "OFFSITE_CONVERSIONS")
	as.BillingEvent = l.enum(s["billing_event"], join(path, "billing_event"), billingEvents, "IMPRESSIONS")
	if pn := s["placements"]; pn != nil {
		as.Placements = l.placements(pn, join(path, "placements"))
	}
	// Advantage+ audience: explicit on every ad set, as the API wants since
	// v23.0; off with a behavioural audience (expansion would show the
	// products to people outside it), on for broad prospecting.
	as.AdvantageAudience = 1
	if as.Audience != nil {
		as.AdvantageAudience = 0
	}
	if an := s["advantage_audience"]; an != nil {
		if l.boolean(an, join(path, "advantage_audience"), as.AdvantageAudience == 1) {
			as.AdvantageAudience = 1
		} else {
			as.AdvantageAudience = 0
		}
	}
	if cr := l.required(s, "creative", path, n); cr != nil {
		as.Creative = l.creative(cr, join(path, "creative"))
	}
	return as
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (l *loader) audience(n *rnode, path, typ string, parent *rnode, currency string) *Audience {
	defaults := map[string]Audience{
		"retargeting": {Events: []string{"viewed", "carted"}, LookbackDays: 14, ExcludePurchased: true},
		"cross_sell":  {Events: []string{"purchased"}, LookbackDays: 30},
		"upsell":      {Events: []string{"viewed"}, LookbackDays: 14, ExcludePurchased: true},
		"custom":      {Events: []string{"viewed"}, LookbackDays: 14},
	}
	a := defaults[typ]
	a.Events = slices.Clone(a.Events)
	s := l.fields(n, path, "events", "lookback_days", "exclude_purchased", "source")
	if en := s["events"]; en != nil {
		if ev := l.enumList(en, join(path, "events"), audienceEvents); len(ev) > 0 {
			a.Events = ev
		}
	}
	a.LookbackDays = l.intIn(s["lookback_days"], join(path, "lookback_days"), 1, maxLookbackDays, a.LookbackDays)
	a.ExcludePurchased = l.boolean(s["exclude_purchased"], join(path, "exclude_purchased"), a.ExcludePurchased)
	if a.ExcludePurchased && slices.Contains(a.Events, "purchased") {
		l.errAt(cmpNode(s["exclude_purchased"], n, parent), join(path, "exclude_purchased"), "drop purchased from events or set exclude_purchased: false", "the audience both includes and excludes purchasers")
	}
	if src := s["source"]; src != nil {
		if typ != "cross_sell" && typ != "upsell" && typ != "custom" {
			l.errAt(src, join(path, "source"), "", "source applies to cross_sell and upsell ad sets")
		}
		a.Source = l.productSet(src, join(path, "source"), currency)
	} else if typ == "cross_sell" || typ == "upsell" {
		l.errAt(cmpNode(n, parent, parent), join(path, "source"), "add audience.source with the product set people engaged with", "a %s ad set needs audience.source", typ)
	}
	return &a
}

func cmpNode(ns ...*rnode) *rnode {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return &rnode{line: 1, col: 1}
}

func (l *loader) productSet(n *rnode, path, currency string) *ProductSet {
	s := l.fields(n, path, "id", "name", "filter", "where")
	if n.kind != rMap {
		return nil
	}
	ps := &ProductSet{Name: l.str(s["name"], join(path, "name"))}
	if idn := s["id"]; idn != nil {
		ps.ID = l.id(idn, join(path, "id"))
	}
	fn, wn := s["filter"], s["where"]
	switch {
	case fn != nil && wn != nil:
		l.errAt(wn, join(path, "where"), "keep one", "filter and where both given")
	case fn != nil:
		fp := join(path, "filter")
		var err error
		var innerNode *rnode
		switch fn.kind {
		case rString:
			innerNode = fn
			ps.Filter, err = ParseFilter([]byte(fn.str))
		case rMap:
			ps.Filter, err = parseFilterNode(fn)
		default:
			l.errAt(fn, fp, "", "filter must be Meta's JSON (a string or a mapping), got %s", describe(fn))
		}
		if err != nil {
			var pe *posError
			if errors.As(err, &pe) {
				if innerNode != nil {
					l.posErr(innerNode, fp, pe)
				} else {
					l.add(pe.Line, pe.Column, fp, pe.Suggestion, "%s", pe.Msg)
				}
			} else {
				l.errAt(fn, fp, "", "%v", err)
			}
		}
	case wn != nil:
		var err error
		ps.Filter, err = compileWhere(wn, currency)
		if err != nil {
			var pe *posError
			if errors.As(err, &pe) {
				l.add(pe.Line, pe.Column, join(path, "where"), pe.Suggestion, "%s", pe.Msg)
			} else {
				l.errAt(wn, join(path, "where"), "", "%v", err)
			}
		}
	default:
		if ps.ID == "" {
			l.errAt(n, path, "add where: {...} or filter: {...}", "a product set needs a filter (or the id of an existing set)")
		}
	}
	return ps
}

func (l *loader) placements(n *rnode, path string) *Placements {
	s := l.fields(n, path, "publisher_platforms", "facebook_positions", "instagram_positions", "audience_network_positions", "messenger_positions")
	p := &Placements{
		PublisherPlatforms:       l.enumListLower(s["publisher_platforms"], join(path, "publisher_platforms"), publisherPlatforms),
		FacebookPositions:        l.enumListLower(s["facebook_positions"], join(path, "facebook_positions"), facebookPositions),
		InstagramPositions:       l.enumListLower(s["instagram_positions"], join(path, "instagram_positions"), instagramPositions),
		AudienceNetworkPositions: l.enumListLower(s["audience_network_positions"], join(path, "audience_network_positions"), audienceNetworkPositions),
		MessengerPositions:       l.enumListLower(s["messenger_positions"], join(path, "messenger_positions"), messengerPositions),
	}
	need := map[string][]string{"facebook": p.FacebookPositions, "instagram": p.InstagramPositions, "audience_network": p.AudienceNetworkPositions, "messenger": p.MessengerPositions}
	if len(p.PublisherPlatforms) > 0 {
		for _, plat := range []string{"audience_network", "facebook", "instagram", "messenger"} {
			if len(need[plat]) > 0 && !slices.Contains(p.PublisherPlatforms, plat) {
				l.errAt(s[plat+"_positions"], join(path, plat+"_positions"), "add "+plat+" to publisher_platforms", "%s positions given but %s is not a publisher platform", plat, plat)
			}
		}
	}
	return p
}

// enumListLower reads a list of lower-case API values, accepting any case.
func (l *loader) enumListLower(n *rnode, path string, vals []string) []string {
	if n == nil {
		return nil
	}
	out := l.enumList(lowerNode(n), path, vals)
	return out
}

func lowerNode(n *rnode) *rnode {
	c := *n
	if c.kind == rString {
		c.str = strings.ToLower(c.str)
	}
	if c.kind == rList {
		c.items = nil
		for _, it := range n.items {
			c.items = append(c.items, lowerNode(it))
		}
	}
	return &c
}

var cardsByFormat = map[string]int{"carousel": 5, "single_image": 1, "collection": 4}

func (l *loader) creative(n *rnode, path string) Creative {
	s := l.fields(n, path, "name", "format", "headline", "primary_text", "link_description", "call_to_action", "link", "url_tags", "cards", "variants", "instant_experience_id", "price_overlay")
	cr := Creative{Name: l.str(s["name"], join(path, "name"))}
	cr.Format = l.enum(s["format"], join(path, "format"), creativeFormats, "carousel")
	if ie := s["instant_experience_id"]; ie != nil {
		cr.InstantExperienceID = l.id(ie, join(path, "instant_experience_id"))
		if cr.Format != "collection" {
			l.errAt(ie, join(path, "instant_experience_id"), "remove it or use format: collection", "instant_experience_id applies to format collection only")
		}
	} else if cr.Format == "collection" {
		at := s["format"]
		if at == nil {
			at = n
		}
		l.errAt(at, join(path, "instant_experience_id"), "create the Instant Experience (Ads Manager > Instant Experiences, or POST /<PAGE_ID>/canvases) and add instant_experience_id: \"<its id>\"",
			"format collection opens an Instant Experience: instant_experience_id is required")
	}
	cr.PriceOverlay = l.enum(s["price_overlay"], join(path, "price_overlay"), priceOverlays, "")
	cr.CallToAction = l.enum(s["call_to_action"], join(path, "call_to_action"), callsToAction, "SHOP_NOW")
	tpl := func(key, def string, req bool) *Template {
		tn := s[key]
		if tn == nil || tn.kind == rNull {
			if req {
				l.errAt(n, join(path, key), "", "%s is required", key)
				return nil
			}
			t, _ := parseTemplate(def)
			return t
		}
		if !tn.isScalar() {
			l.errAt(tn, join(path, key), "", "expected text, got %s", describe(tn))
			return nil
		}
		t, err := parseTemplate(tn.scalarText())
		if err != nil {
			var pe *posError
			if errors.As(err, &pe) {
				l.posErr(tn, join(path, key), pe)
			}
			return nil
		}
		return t
	}
	cr.Headline = tpl("headline", "{{product.name}}", false)
	cr.PrimaryText = tpl("primary_text", "", true)
	cr.LinkDescription = tpl("link_description", "{{product.current_price}}", false)
	if ln := l.required(s, "link", path, n); ln != nil {
		cr.Link = l.str(ln, join(path, "link"))
		if lt, err := parseTemplate(cr.Link); err != nil {
			var pe *posError
			if errors.As(err, &pe) {
				l.posErr(ln, join(path, "link"), pe)
			}
		} else if !lt.HasTags() && !strings.HasPrefix(cr.Link, "https://") && !strings.HasPrefix(cr.Link, "http://") {
			l.errAt(ln, join(path, "link"), "write https://…", "link %q is not an http(s) URL", cr.Link)
		}
	}
	cr.URLTags = strings.TrimPrefix(l.str(s["url_tags"], join(path, "url_tags")), "?")
	if cr.URLTags != "" {
		if t, err := parseTemplate(cr.URLTags); err != nil {
			var pe *posError
			if errors.As(err, &pe) {
				l.posErr(s["url_tags"], join(path, "url_tags"), pe)
			}
		} else if strings.ContainsAny(cr.URLTags, " ") && t != nil {
			l.errAt(s["url_tags"], join(path, "url_tags"), "write utm_source=facebook&utm_medium=paid", "url_tags must be a query string without spaces")
		}
	}
	max := 10
	if cr.Format == "single_image" {
		max = 1
	}
	cr.Variants = l.variants(s["variants"], join(path, "variants"))
	cr.Cards = l.intIn(s["cards"], join(path, "cards"), 1, max, cardsByFormat[cr.Format])
	if cr.Format == "carousel" && cr.Cards < 2 && s["cards"] != nil {
		l.errAt(s["cards"], join(path, "cards"), "", "a carousel shows at least 2 cards")
	}
	return cr
}

// variants reads creative.variants: a list of {name, headline,
// primary_text}, each with at least one text.
func (l *loader) variants(n *rnode, path string) []Variant {
	if n == nil || n.kind == rNull {
		return nil
	}
	if n.kind != rList {
		l.errAt(n, path, "", "variants must be a list, got %s", describe(n))
		return nil
	}
	if len(n.items) > maxVariants {
		l.errAt(n, path, "", "%d variants: at most %d besides the main creative", len(n.items), maxVariants)
	}
	var out []Variant
	for i, it := range n.items {
		vp := fmt.Sprintf("%s[%d]", path, i)
		s := l.fields(it, vp, "name", "headline", "primary_text")
		v := Variant{Name: l.str(s["name"], join(vp, "name"))}
		if v.Name == "" {
			v.Name = fmt.Sprintf("variant %d", i+1)
		}
		for _, key := range []string{"headline", "primary_text"} {
			tn := s[key]
			if tn == nil || tn.kind == rNull {
				continue
			}
			if !tn.isScalar() {
				l.errAt(tn, join(vp, key), "", "expected text, got %s", describe(tn))
				continue
			}
			t, err := parseTemplate(tn.scalarText())
			if err != nil {
				var pe *posError
				if errors.As(err, &pe) {
					l.posErr(tn, join(vp, key), pe)
				}
				continue
			}
			if key == "headline" {
				v.Headline = t
			} else {
				v.PrimaryText = t
			}
		}
		if v.Headline == nil && v.PrimaryText == nil && it.kind == rMap {
			l.errAt(it, vp, "add headline: or primary_text:", "a variant needs a headline or a primary_text")
		}
		out = append(out, v)
	}
	return out
}

// names derives file-safe slugs and reports duplicate ad set names, which
// the bulk sheet would merge into one ad set.
func (l *loader) names(c *Campaign, asn *rnode) {
	var names []string
	for _, as := range c.AdSets {
		names = append(names, as.Name)
	}
	slugs := safeNames(names)
	for i, as := range c.AdSets {
		as.Slug = slugs[i]
		if as.Segment == "" {
			as.Segment = as.Slug
		}
		for j := 0; j < i; j++ {
			if c.AdSets[j].Name == as.Name && as.Name != "" && asn != nil && len(asn.items) == len(c.AdSets) {
				l.errAt(asn.items[i], fmt.Sprintf("ad_sets[%d].name", i), "give each ad set its own name", "duplicate ad set name %q (also ad_sets[%d])", as.Name, j)
				break
			}
		}
	}
}

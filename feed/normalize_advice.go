package feed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Fix codes of the constant and default fields and of --map over a shop
// layout (see the Fix* list in normalize_fix.go).
const (
	fixSet     = "field.set"     // NormalizeOptions.Set: the same value on every item
	fixDefault = "field.default" // NormalizeOptions.Default: a value where the item had none
	fixMapped  = "field.mapped"  // NormalizeOptions.Map over a shop layout: the export column wins
)

// MapColumnError is a mapping that names a column the input does not have.
type MapColumnError struct {
	Column  string   // the canonical name given
	File    string   // the input
	Columns []string // the input's columns, as its header spells them
}

func (e *MapColumnError) Error() string {
	cols := e.Columns
	more := ""
	if len(cols) > 12 {
		cols, more = cols[:12], fmt.Sprintf(", … (%d in all)", len(e.Columns))
	}
	return fmt.Sprintf("column %q is not in %s; its columns are: %s%s", e.Column, e.File, strings.Join(cols, ", "), more)
}

// checkMap fails on a Map key that names no column of the input. XML and
// JSON inputs are checked only when their full field list is known.
func (n *normalizer) checkMap(kind string, r Reader, cols []string, complete bool) error {
	if len(n.o.Map) == 0 {
		return nil
	}
	switch r.Format() {
	case FormatCSV, FormatTSV, FormatXLSX:
	default:
		if !complete {
			return nil
		}
	}
	keys := make([]string, 0, len(n.o.Map))
	for k := range n.o.Map {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(cols, k) || kind != SourceFeed && slices.Contains(presetFields, k) {
			continue
		}
		shown := cols
		if d := DialectOf(r); len(d.Header) == len(cols) {
			shown = d.Header
		}
		name := "the input"
		if fr, ok := r.(interface{ fileName() string }); ok {
			name = fr.fileName()
		}
		return &MapColumnError{Column: k, File: name, Columns: shown}
	}
	return nil
}

func (b *readerBase) fileName() string { return b.file }

// override applies Map over a shop layout (the export's column wins where
// it has a value), then Set and Default, before the fixes run, so a
// constant brand is trimmed and a mapped price gets its currency.
func (w *normWork) override(it, raw *Item) {
	n := w.n
	if n.res.Source != SourceFeed && raw != nil {
		for _, k := range sortedKeys(n.o.Map) {
			t := n.o.Map[k]
			if t == "" {
				continue
			}
			if v := raw.Get(k); !blank(v) {
				if old := it.Get(t); old != v {
					w.note(it, t, old, v, fixMapped)
					it.Set(t, v)
				}
			}
		}
	}
	for _, k := range sortedKeys(n.o.Set) {
		if old := it.Get(k); old != n.o.Set[k] {
			w.note(it, k, old, n.o.Set[k], fixSet)
			it.Set(k, n.o.Set[k])
		}
	}
	for _, k := range sortedKeys(n.o.Default) {
		if blank(it.Get(k)) {
			w.note(it, k, "", n.o.Default[k], fixDefault)
			it.Set(k, n.o.Default[k])
		}
	}
}

func sortedKeys(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Action is what to do about one reason items were rejected: how many items
// it affects, a sentence for people, and, where a normalize option fixes
// it, the flag and an example value (Example: the value is a placeholder
// the user must replace with their own, such as the shop's address).
type Action struct {
	Rule    string `json:"rule"`
	Field   string `json:"field"`
	Items   int    `json:"items"`
	Message string `json:"message"`
	Flag    string `json:"flag,omitempty"`
	Value   string `json:"value,omitempty"`
	Example bool   `json:"example,omitempty"`
}

// Arg is the action's flag as a shell argument ("--set brand='Your Brand'").
func (a Action) Arg() string {
	if a.Flag == "" {
		return ""
	}
	if k, v, ok := strings.Cut(a.Value, "="); ok {
		return a.Flag + " " + k + "=" + ShellQuote(v)
	}
	return a.Flag + " " + ShellQuote(a.Value)
}

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@%+", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Placeholders used in suggested commands; Action.Example marks them.
const (
	exampleCurrency = "USD"
	exampleBaseURL  = "https://your-shop.example"
	exampleBrand    = "Your Brand"
)

// sensibleDefaults are the --default values suggested for required fields
// a shop export may leave empty.
var sensibleDefaults = map[string]string{"condition": "new", "availability": "in stock"}

// actions turns the rejection reasons into actions, most items first.
func (n *normalizer) actions() []Action {
	shop := n.res.Source != SourceFeed
	var out []Action
	for k, items := range n.res.why {
		rule, field, _ := strings.Cut(k, "\x00")
		a := Action{Rule: rule, Field: field, Items: items}
		what := fmt.Sprintf("%s %s", plural(items, "item"), verbHave(items))
		switch {
		case rule == "price.currency_missing":
			a.Flag, a.Value, a.Example = "--currency", exampleCurrency, true
			a.Message = fmt.Sprintf("%s prices without a currency: add --currency with the shop's ISO 4217 code (e.g. --currency %s)", what, exampleCurrency)
		case rule == "required.missing" && field == "link" && shop:
			a.Flag, a.Value, a.Example = "--base-url", exampleBaseURL, true
			a.Message = fmt.Sprintf("%s no product link: add --base-url with the shop's address; dpa builds each product's link from it", what)
		case (rule == "url.invalid" || rule == "url.absolute") && (field == "image_link" || field == "link" || field == "additional_image_link"):
			a.Flag, a.Value, a.Example = "--base-url", exampleBaseURL, true
			a.Message = fmt.Sprintf("%s a relative %s (no https://host): add --base-url with the shop's address to make it absolute", what, field)
		case rule == "identifier.missing" || rule == "required.missing" && field == "brand":
			a.Flag, a.Value, a.Example = "--set", "brand="+exampleBrand, true
			a.Message = fmt.Sprintf("%s no brand, GTIN or MPN: add --set brand=%s for every item, or --default brand=%s for the items without one",
				what, ShellQuote(exampleBrand), ShellQuote(exampleBrand))
		case rule == "required.missing" && sensibleDefaults[field] != "":
			a.Flag, a.Value = "--default", field+"="+sensibleDefaults[field]
			a.Message = fmt.Sprintf("%s no %s: add %s, or fill it in the shop", what, field, a.Arg())
		case rule == "required.missing":
			a.Message = fmt.Sprintf("%s no %s: fill it in the shop, or name the column that holds it with --map COLUMN=%s", what, field, field)
		case rule == "id.duplicate":
			a.Message = fmt.Sprintf("%s the id of an earlier item (the first is kept): give every product a unique id (SKU) in the shop", what)
		default:
			fix := ""
			if r, ok := ruleIndex[rule]; ok {
				fix = ": " + r.Fix
			}
			a.Message = fmt.Sprintf("%s %s on %s%s", what, rule, field, fix)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Action) int {
		return cmp.Or(cmp.Compare(b.Items, a.Items), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Field, b.Field))
	})
	// One line per flag: the relative image and the missing link both ask
	// for --base-url.
	seen := map[string]bool{}
	kept := out[:0]
	for _, a := range out {
		if a.Flag != "" {
			if seen[a.Arg()] {
				continue
			}
			seen[a.Arg()] = true
		}
		kept = append(kept, a)
	}
	return kept
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func verbHave(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

// NormalizePlan is what a dry run of normalize found a file needs.
type NormalizePlan struct {
	Source   string   // the layout recognised (shopify, woocommerce, magento, feed)
	Flags    []Action // the flags to add, in order
	ItemsIn  int      // items the input yields
	ItemsOut int      // items that pass with Flags
	Left     []Action // what Flags do not fix
}

// PlanNormalize runs normalize without writing anything, adds the flags its
// actions propose and runs again (at most four rounds), so the command it
// suggests is one that works. open is called once per round.
func PlanNormalize(ctx context.Context, open func() (Reader, error), o NormalizeOptions) (*NormalizePlan, error) {
	o.Set, o.Default = cloneMap(o.Set), cloneMap(o.Default)
	plan := &NormalizePlan{}
	applied := map[string]bool{}
	for round := 0; ; round++ {
		r, err := open()
		if err != nil {
			return nil, err
		}
		res, err := Normalize(ctx, r, o, NormalizeSinks{Out: func([]string) (ItemWriter, error) { return discardWriter{}, nil }})
		r.Close()
		if res == nil {
			return nil, err
		}
		plan.Source, plan.ItemsIn, plan.ItemsOut, plan.Left = res.Source, res.ItemsIn, res.ItemsOut, nil
		added := false
		for _, a := range res.Actions {
			if a.Flag == "" || applied[a.Arg()] {
				plan.Left = append(plan.Left, a)
				continue
			}
			applied[a.Arg()] = true
			added = true
			plan.Flags = append(plan.Flags, a)
			k, v, _ := strings.Cut(a.Value, "=")
			switch a.Flag {
			case "--currency":
				o.Currency = a.Value
			case "--base-url":
				o.BaseURL = a.Value
			case "--set":
				o.Set[k] = v
			case "--default":
				o.Default[k] = v
			}
		}
		if !added || round == 3 || errors.Is(err, context.Canceled) {
			return plan, err
		}
	}
}

func cloneMap(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

type discardWriter struct{}

func (discardWriter) Write(*Item) error { return nil }
func (discardWriter) Close() error      { return nil }

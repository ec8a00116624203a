package feed

import (
	"encoding/json"
	"fmt"
	"io"
)

// Baseline is the set of findings accepted earlier (a `dpa validate -o json`
// report). Findings are matched by item id, field and rule — never by line
// or position — so reordering, inserting or deleting other items does not
// turn old findings into new ones. A finding without an id (file level)
// matches on rule, field and value instead. Matching is a multiset: two
// identical findings in the baseline excuse two now.
type Baseline struct {
	counts map[baselineKey]int
	Size   int
}

type baselineKey struct{ id, field, rule, value string }

func keyOf(f Finding) baselineKey {
	if f.ID != "" {
		return baselineKey{id: f.ID, field: f.Field, rule: f.Rule}
	}
	return baselineKey{field: f.Field, rule: f.Rule, value: f.Value}
}

// LoadBaseline reads a JSON report with schema_version 1.
func LoadBaseline(r io.Reader) (*Baseline, error) {
	var rep struct {
		SchemaVersion int       `json:"schema_version"`
		Findings      []Finding `json:"findings"`
	}
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, fmt.Errorf("not a dpa JSON report: %w", err)
	}
	if rep.SchemaVersion != 1 {
		return nil, fmt.Errorf("unsupported schema_version %d (want 1)", rep.SchemaVersion)
	}
	b := &Baseline{counts: map[baselineKey]int{}, Size: len(rep.Findings)}
	for _, f := range rep.Findings {
		b.counts[keyOf(f)]++
	}
	return b, nil
}

// Match starts a pass over a run's findings; every finding of the run must
// go through IsNew once, in report order.
func (b *Baseline) Match() *BaselineMatch {
	left := make(map[baselineKey]int, len(b.counts))
	for k, n := range b.counts {
		left[k] = n
	}
	return &BaselineMatch{left: left}
}

// BaselineMatch consumes baseline entries as findings are matched.
type BaselineMatch struct{ left map[baselineKey]int }

// IsNew reports whether the baseline does not excuse f.
func (m *BaselineMatch) IsNew(f *Finding) bool {
	k := keyOf(*f)
	if m.left[k] > 0 {
		m.left[k]--
		return false
	}
	return true
}

// New reports, for each finding, whether the baseline does not excuse it.
func (b *Baseline) New(fs []Finding) []bool {
	m := b.Match()
	out := make([]bool, len(fs))
	for i := range fs {
		out[i] = m.IsNew(&fs[i])
	}
	return out
}

package campaign

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/dpa-tools/dpa/feed"
)

// Diagnostic is one problem in a campaign file, positioned on the YAML
// source so an editor can jump to it.
type Diagnostic struct {
	File       string        `json:"file"`
	Line       int           `json:"line"`
	Column     int           `json:"column"`
	Path       string        `json:"path"` // e.g. ad_sets[1].creative.headline
	Severity   feed.Severity `json:"severity"`
	Message    string        `json:"message"`
	Suggestion string        `json:"suggestion,omitempty"` // e.g. did you mean "headline"?
}

func (d Diagnostic) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s: ", d.File, d.Line, d.Column, d.Severity)
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	if d.Suggestion != "" {
		b.WriteString(" (")
		b.WriteString(d.Suggestion)
		b.WriteString(")")
	}
	return b.String()
}

// HasErrors reports whether any diagnostic is an error.
func HasErrors(ds []Diagnostic) bool {
	for _, d := range ds {
		if d.Severity >= feed.Error {
			return true
		}
	}
	return false
}

// SortDiagnostics orders by position so reports are stable whatever order
// the checks ran in.
func SortDiagnostics(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// posError is an error with a position relative to the text it came from
// (a filter JSON string or a template), 1-based.
type posError struct {
	Line, Column int
	Msg          string
	Suggestion   string
}

func (e *posError) Error() string {
	s := fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg)
	if e.Suggestion != "" {
		s += " (" + e.Suggestion + ")"
	}
	return s
}

// suggest returns `did you mean "x"?` for the closest candidate within a
// small edit distance, or "" when nothing is close enough to be a typo.
func suggest(got string, candidates []string) string {
	best, bestD := "", -1
	g := strings.ToLower(got)
	for _, c := range candidates {
		d := editDistance(g, strings.ToLower(c))
		if bestD < 0 || d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return ""
	}
	limit := max(2, len([]rune(got))/3)
	if bestD > limit {
		// A truncated value ("retarget", "LOWEST_COST") is a typo too:
		// offer the closest candidate it is a prefix of.
		best, bestD = "", -1
		for _, c := range candidates {
			if len(g) >= 3 && strings.HasPrefix(strings.ToLower(c), g) {
				if d := len(c) - len(g); bestD < 0 || d < bestD || (d == bestD && c < best) {
					best, bestD = c, d
				}
			}
		}
		if bestD < 0 {
			return ""
		}
	}
	return fmt.Sprintf("did you mean %q?", best)
}

// oneOf formats the allowed values for a message.
func oneOf(vals []string) string {
	if len(vals) > 12 {
		return strings.Join(vals[:12], ", ") + ", …"
	}
	return strings.Join(vals, ", ")
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and adjacent transpositions ("haedline") each
// cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

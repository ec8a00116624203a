package feed

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity ranks a finding. The order matters: higher is worse.
type Severity int

const (
	Info Severity = iota + 1
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity accepts "error", "warning", "info" (any case).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info":
		return Info, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Finding is one diagnostic about a feed. Item is the 1-based index of the
// record among the file's data records (0 for file-level findings) and Line
// the 1-based physical line on which that record starts.
type Finding struct {
	File string `json:"file"`
	Item int    `json:"item"`
	Line int    `json:"line"`
	// Column is the 1-based byte offset within Line where the item starts,
	// for XML items (a minified feed has every item on one line); omitted
	// for CSV, TSV and XLSX, whose items own their lines.
	Column     int      `json:"column,omitempty"`
	ID         string   `json:"id"`
	Field      string   `json:"field"`
	Rule       string   `json:"rule"`
	Severity   Severity `json:"severity"`
	Message    string   `json:"message"`
	Value      string   `json:"value"`
	Suggestion string   `json:"suggestion,omitempty"`
	// New is set by a run with --baseline on findings the baseline does
	// not contain.
	New bool `json:"new,omitempty"`
}

// compareFindings orders findings by file, line, item, field, rule, value
// so every report is deterministic and reads top to bottom like the file
// (a parse error at line 40 comes after the items above it).
func compareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.Item, b.Item),
		cmp.Compare(a.Field, b.Field),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Value, b.Value),
		cmp.Compare(a.Message, b.Message),
	)
}

// sortFindings sorts in place with compareFindings.
func sortFindings(fs []Finding) { slices.SortStableFunc(fs, compareFindings) }

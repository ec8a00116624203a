package feed

import (
	"strings"
	"time"
)

// dateLayouts are the ISO 8601 shapes seen in feeds, strictest first. Meta's
// own template writes single-digit hours ("2017-12-01T0:00-23:59"), so the
// loose forms are accepted too.
var dateLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04-0700",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04Z",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T3:04Z07:00",
	"2006-01-02T3:04-0700",
	"2006-01-02T3:04",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// parseFeedDate parses an ISO 8601 date or date-time as feeds write it.
func parseFeedDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	// Meta's template form "2017-12-01T0:00-23:59": a date, a start time and
	// an end time; the end time is not a zone. Read it as the date.
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil && len(s) > 10 && s[10] == 'T' {
			return t, true
		}
	}
	return time.Time{}, false
}

// dateRangeIssue: "" valid, "format" unparsable, "order" end not after start.
type dateRangeIssue string

// parseDateRange checks a sale_price_effective_date "start/end".
func parseDateRange(s string) (start, end time.Time, issue dateRangeIssue) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	if len(parts) != 2 {
		return start, end, "format"
	}
	var ok1, ok2 bool
	start, ok1 = parseFeedDate(parts[0])
	end, ok2 = parseFeedDate(parts[1])
	if !ok1 || !ok2 {
		return start, end, "format"
	}
	if !end.After(start) {
		return start, end, "order"
	}
	return start, end, ""
}

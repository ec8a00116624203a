package events

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

var errBadTime = errors.New("unparsable timestamp")

// Event times must fall in [MinTime, MaxTime). A stray 9999 or 0001 would
// overflow the nanosecond arithmetic of windows and splits (time.Duration
// spans only ±292 years): one event dated 9999 moved a replay split to
// 1816 and vanished. Such rows are bad rows (bad_time) instead.
var (
	MinTime = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

var errTimeRange = errors.New("timestamp outside 1990-01-01 .. 2100-01-01")

// ParseTime reads the timestamp forms found in event logs:
//
//   - RFC 3339 / ISO 8601, with or without fraction and zone
//     ("2014-04-07T10:51:09.277Z", "2019-10-01T00:00:00+02:00");
//   - "2019-10-01 00:00:00 UTC" (REES46), "2011-03-10 16:16:00" (no zone);
//   - a bare date "2016-05-09";
//   - Unix epoch numbers, integer or fractional, whose unit is inferred from
//     the magnitude: seconds below 1e11 (year 5138), milliseconds below 1e14,
//     microseconds below 1e17, nanoseconds above;
//   - US-style "12/1/2010 8:26" (month first, as Excel exports write it).
//
// Times without a zone are taken in loc (UTC when nil).
//
// A time outside [MinTime, MaxTime) is an error.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	t, err := parseTime(s, loc)
	if err == nil && (t.Before(MinTime) || !t.Before(MaxTime)) {
		return time.Time{}, errTimeRange
	}
	return t, err
}

func parseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if loc == nil {
		loc = time.UTC
	}
	if s == "" {
		return time.Time{}, errBadTime
	}
	if c := s[0]; c >= '0' && c <= '9' || c == '-' {
		if t, ok := parseEpoch(s); ok {
			return t, nil
		}
	}
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		if t, ok := parseISO(s, loc); ok {
			return t, nil
		}
	}
	for _, layout := range fallbackLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errBadTime
}

var fallbackLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"1/2/2006 15:04:05",
	"1/2/2006 15:04",
	"1/2/2006",
	time.RFC1123Z,
	time.RFC1123,
}

// parseEpoch handles integer and fractional epoch numbers without going
// through float64 for the integer part, so millisecond logs keep exact times.
func parseEpoch(s string) (time.Time, bool) {
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
	}
	neg := false
	if strings.HasPrefix(intPart, "-") {
		neg, intPart = true, intPart[1:]
	}
	if intPart == "" || len(intPart) > 19 {
		return time.Time{}, false
	}
	var n int64
	for i := 0; i < len(intPart); i++ {
		c := intPart[i]
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		n = n*10 + int64(c-'0')
	}
	var f float64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		for i := 0; i < len(frac); i++ {
			if frac[i] < '0' || frac[i] > '9' {
				return time.Time{}, false
			}
		}
		v, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return time.Time{}, false
		}
		f = v
	}
	// Unit by magnitude; the fraction is in the same unit.
	var unit int64
	switch {
	case n < 1e11:
		unit = int64(time.Second)
	case n < 1e14:
		unit = int64(time.Millisecond)
	case n < 1e17:
		unit = int64(time.Microsecond)
	default:
		unit = 1
	}
	if n > math.MaxInt64/unit {
		return time.Time{}, false
	}
	ns := n*unit + int64(math.Round(f*float64(unit)))
	if neg {
		ns = -ns
	}
	return time.Unix(0, ns).UTC(), true
}

// parseISO is a fast path for "YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][zone]"
// where zone is Z, ±HH:MM, ±HHMM, ±HH, " UTC" or " GMT".
func parseISO(s string, loc *time.Location) (time.Time, bool) {
	num := func(a, b int) (int, bool) {
		v := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	if loc == nil {
		loc = time.UTC
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	var h, mi, sec, nsec int
	i := 10
	if i < len(s) && (s[i] == 'T' || s[i] == ' ' || s[i] == 't') && i+6 <= len(s) && s[i+3] == ':' {
		var ok bool
		if h, ok = num(i+1, i+3); !ok || h > 24 {
			return time.Time{}, false
		}
		if mi, ok = num(i+4, i+6); !ok || mi > 59 {
			return time.Time{}, false
		}
		i += 6
		if i+3 <= len(s) && s[i] == ':' {
			if sec, ok = num(i+1, i+3); !ok || sec > 60 {
				return time.Time{}, false
			}
			i += 3
			if i < len(s) && (s[i] == '.' || s[i] == ',') {
				j := i + 1
				scale := 100000000
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					if scale > 0 {
						nsec += int(s[j]-'0') * scale
						scale /= 10
					}
					j++
				}
				if j == i+1 {
					return time.Time{}, false
				}
				i = j
			}
		}
	}
	rest := s[i:]
	zone := loc
	switch {
	case rest == "":
	case rest == "Z" || rest == "z" || rest == " UTC" || rest == " GMT" || rest == "UTC" || rest == " Z":
		zone = time.UTC
	default:
		r := strings.TrimPrefix(rest, " ")
		if r == "" || (r[0] != '+' && r[0] != '-') {
			return time.Time{}, false
		}
		sign := 1
		if r[0] == '-' {
			sign = -1
		}
		digits := strings.ReplaceAll(r[1:], ":", "")
		var oh, om int
		switch len(digits) {
		case 2:
			v, err := strconv.Atoi(digits)
			if err != nil {
				return time.Time{}, false
			}
			oh = v
		case 4:
			a, err1 := strconv.Atoi(digits[:2])
			b, err2 := strconv.Atoi(digits[2:])
			if err1 != nil || err2 != nil {
				return time.Time{}, false
			}
			oh, om = a, b
		default:
			return time.Time{}, false
		}
		// Real offsets run from -12:00 to +14:00; "+9990" is a typo, not a zone.
		if oh > 14 || om > 59 {
			return time.Time{}, false
		}
		off := sign * (oh*3600 + om*60)
		if off == 0 {
			zone = time.UTC
		} else {
			zone = time.FixedZone("", off)
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nsec, zone)
	if t.Day() != d { // 2019-02-30 normalises to March: reject
		return time.Time{}, false
	}
	return t, true
}

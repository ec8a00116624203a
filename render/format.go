package render

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Int formats n with comma thousands separators: 1234567 → "1,234,567".
// The separator is fixed (not locale-dependent) so output is reproducible.
func Int(n int) string {
	return Int64(int64(n))
}

// Int64 is Int for int64 counters (bytes, item counts on 32-bit builds).
func Int64(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	if len(s) <= 3 {
		if neg {
			return "-" + s
		}
		return s
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	out = append(out, s[:head]...)
	for i := head; i < len(s); i += 3 {
		out = append(out, ',')
		out = append(out, s[i:i+3]...)
	}
	return string(out)
}

// Percent formats a fraction as a percentage with one decimal:
// 0.123 → "12.3%", 1 → "100.0%". NaN and ±Inf (for example a ratio over
// zero items) give "n/a" rather than "NaN%".
func Percent(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	s := strconv.FormatFloat(x*100, 'f', 1, 64)
	if s == "-0.0" { // tiny negatives round to zero; a sign there is noise
		s = "0.0"
	}
	return s + "%"
}

// Truncate shortens s to at most n runes, ending in "…" when anything was
// cut. It never splits a UTF-8 sequence. n <= 0 gives "".
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s[:i] + "…"
}

// Count is n with its noun in the right number, for people: Count(1,
// "finding", "findings") → "1 finding", Count(1234, "item", "items") →
// "1,234 items". Both forms are given, so irregular plurals need no rule.
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Int(n) + " " + many
}

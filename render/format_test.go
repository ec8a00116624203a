package render

import (
	"math"
	"testing"
	"unicode/utf8"
)

func TestInt(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"},
		{7, "7"},
		{999, "999"},
		{1000, "1,000"},
		{1234567, "1,234,567"},
		{-1234, "-1,234"},
		{-999, "-999"},
		{100000, "100,000"},
		{math.MaxInt64, "9,223,372,036,854,775,807"},
		{math.MinInt64, "-9,223,372,036,854,775,808"},
	}
	for _, tc := range tests {
		if got := Int64(tc.in); got != tc.want {
			t.Errorf("Int64(%d) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.in >= math.MinInt && tc.in <= math.MaxInt {
			if got := Int(int(tc.in)); got != tc.want {
				t.Errorf("Int(%d) = %q, want %q", tc.in, got, tc.want)
			}
		}
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0%"},
		{0.123, "12.3%"},
		{1, "100.0%"},
		{0.00049, "0.0%"},
		{-0.00001, "0.0%"},
		{-0.25, "-25.0%"},
		{1.5, "150.0%"},
		{math.NaN(), "n/a"},
		{math.Inf(1), "n/a"},
	}
	for _, tc := range tests {
		if got := Percent(tc.in); got != tc.want {
			t.Errorf("Percent(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"hello", -3, ""},
		{"", 3, ""},
		{"Ñandú rojo", 5, "Ñand…"},
		{"日本語テキスト", 4, "日本語…"},
	}
	for _, tc := range tests {
		if got := Truncate(tc.in, tc.n); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func FuzzTruncate(f *testing.F) {
	f.Add("hello world", 5)
	f.Add("日本語テキスト", 3)
	f.Add("\xff\xfe bad utf8", 4)
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n % 200
		got := Truncate(s, n)
		if n <= 0 {
			if got != "" {
				t.Fatalf("Truncate(%q, %d) = %q, want empty", s, n, got)
			}
			return
		}
		if c := utf8.RuneCountInString(got); c > n {
			t.Fatalf("Truncate(%q, %d) has %d runes", s, n, c)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Truncate(%q, %d) = %q split a rune", s, n, got)
		}
		if utf8.RuneCountInString(s) <= n && got != s {
			t.Fatalf("Truncate(%q, %d) changed a short string to %q", s, n, got)
		}
	})
}

func TestCount(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{0, "0 findings"}, {1, "1 finding"}, {2, "2 findings"}, {1234, "1,234 findings"}, {-1, "-1 findings"}}
	for _, tc := range tests {
		if got := Count(tc.n, "finding", "findings"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

package campaign

import (
	"strconv"
	"strings"
)

// Money is an amount in a currency's minor units (cents for USD, yen for
// JPY), which is how Meta's API takes budgets and, per the example
// `{"price":{"lt":10000}}`, how product-set filters compare prices [U].
type Money struct {
	Minor    int64
	Currency string // ISO 4217, upper case; "" when the feed omitted it
}

// currencyExponent lists the ISO 4217 currencies whose minor unit is not
// 1/100; every other code is taken to have two decimals.
var currencyExponent = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0,
	"XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// knownCurrencies is the set the loader accepts, so a typo such as "UDS"
// is caught with a suggestion instead of reaching the API.
var knownCurrencies = []string{
	"AED", "ARS", "AUD", "BDT", "BGN", "BHD", "BRL", "CAD", "CHF", "CLP",
	"CNY", "COP", "CZK", "DKK", "EGP", "EUR", "GBP", "HKD", "HUF", "IDR",
	"ILS", "INR", "ISK", "JOD", "JPY", "KES", "KRW", "KWD", "MAD", "MXN",
	"MYR", "NGN", "NOK", "NZD", "OMR", "PEN", "PHP", "PKR", "PLN", "QAR",
	"RON", "RSD", "SAR", "SEK", "SGD", "THB", "TND", "TRY", "TWD", "UAH",
	"USD", "VND", "ZAR",
}

// Exponent returns the number of decimals of a currency's minor unit.
func Exponent(currency string) int {
	if e, ok := currencyExponent[strings.ToUpper(currency)]; ok {
		return e
	}
	return 2
}

// ParseDecimalMinor converts a decimal text ("12.5", "-3", "1234.567") to
// minor units with the given exponent, rounding half away from zero. It
// never goes through float64, so 0.1+0.2 problems cannot creep in.
func ParseDecimalMinor(s string, exp int) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	ip, fp, hasDot := strings.Cut(s, ".")
	if ip == "" && (!hasDot || fp == "") {
		return 0, false
	}
	if !allDigits(ip) || !allDigits(fp) || len(ip) > 15 {
		return 0, false
	}
	var v int64
	for _, c := range ip {
		v = v*10 + int64(c-'0')
	}
	for i := 0; i < exp; i++ {
		v *= 10
		if i < len(fp) {
			v += int64(fp[i] - '0')
		}
	}
	if len(fp) > exp && fp[exp] >= '5' {
		v++
	}
	if neg {
		v = -v
	}
	return v, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParsePrice reads a feed price as Meta and Google write it ("9.99 USD");
// it also accepts "USD 9.99" and a bare number. Thousands separators are
// not accepted: the platforms reject them, so guessing would hide a
// problem the validator reports.
func ParsePrice(s string) (Money, bool) {
	s = strings.TrimSpace(s)
	var num, cur string
	if a, b, two := strings.Cut(s, " "); two {
		b = strings.TrimSpace(b)
		if strings.ContainsAny(b, " \t") {
			return Money{}, false
		}
		switch {
		case isCurrencyCode(b):
			num, cur = a, b
		case isCurrencyCode(a):
			num, cur = b, a
		default:
			return Money{}, false
		}
	} else {
		num = s
		// "9.99USD" (Pinterest accepts it)
		if i := strings.IndexFunc(num, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' }); i > 0 {
			num, cur = num[:i], num[i:]
		}
	}
	if num == "" || strings.ContainsAny(num, " \t") {
		return Money{}, false
	}
	if cur != "" && !isCurrencyCode(cur) {
		return Money{}, false
	}
	cur = strings.ToUpper(cur)
	m, ok := ParseDecimalMinor(num, Exponent(cur))
	if !ok {
		return Money{}, false
	}
	return Money{Minor: m, Currency: cur}, true
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// MajorString formats minor units as a plain decimal ("1234.50"), the way
// the bulk sheet wants budgets.
func MajorString(minor int64, currency string) string {
	return formatAmount(minor, Exponent(currency), "", true)
}

// formatAmount renders minor units with an optional thousands separator;
// keepZeros=false drops an all-zero fraction ("12.00" → "12").
func formatAmount(minor int64, exp int, thousands string, keepZeros bool) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	for len(s) <= exp {
		s = "0" + s
	}
	ip, fp := s[:len(s)-exp], s[len(s)-exp:]
	if thousands != "" && len(ip) > 3 {
		var b strings.Builder
		pre := len(ip) % 3
		if pre > 0 {
			b.WriteString(ip[:pre])
		}
		for i := pre; i < len(ip); i += 3 {
			if b.Len() > 0 {
				b.WriteString(thousands)
			}
			b.WriteString(ip[i : i+3])
		}
		ip = b.String()
	}
	out := ip
	if exp > 0 && (keepZeros || strings.Trim(fp, "0") != "") {
		out += "." + fp
	}
	if neg {
		out = "-" + out
	}
	return out
}

// CurrencyFormat controls how price tags render in previews. Meta renders
// prices in the viewer's locale; dpa approximates en-US style so previews
// are stable. The zero value uses DefaultSymbols.
type CurrencyFormat struct {
	Symbols   map[string]string // currency → prefix symbol
	Thousands string            // "," when empty; use "\x00" for none
}

// DefaultSymbols are the prefix symbols used when CurrencyFormat.Symbols is
// nil; other currencies are written as a suffix code ("12.00 CHF").
var DefaultSymbols = map[string]string{
	"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩",
	"BRL": "R$", "AUD": "A$", "CAD": "CA$", "MXN": "MX$", "NZD": "NZ$",
	"CNY": "CN¥", "ILS": "₪", "VND": "₫", "PHP": "₱", "TRY": "₺",
}

// Format renders m, e.g. "$1,234.50"; strip drops ".00", round rounds to
// whole units, raw omits the currency.
func (cf CurrencyFormat) Format(m Money, raw, stripZeros, round bool) string {
	exp := Exponent(m.Currency)
	minor := m.Minor
	if round && exp > 0 {
		unit := int64(1)
		for i := 0; i < exp; i++ {
			unit *= 10
		}
		q, r := minor/unit, minor%unit
		if r < 0 {
			r = -r
		}
		if 2*r >= unit {
			if minor < 0 {
				q--
			} else {
				q++
			}
		}
		minor = q * unit
		stripZeros = true
	}
	th := cf.Thousands
	if th == "" {
		th = ","
	} else if th == "\x00" {
		th = ""
	}
	if raw {
		th = ""
	}
	amt := formatAmount(minor, exp, th, !stripZeros)
	if raw || m.Currency == "" {
		return amt
	}
	syms := cf.Symbols
	if syms == nil {
		syms = DefaultSymbols
	}
	if sym, ok := syms[m.Currency]; ok {
		if strings.HasPrefix(amt, "-") {
			return "-" + sym + amt[1:]
		}
		return sym + amt
	}
	return amt + " " + m.Currency
}

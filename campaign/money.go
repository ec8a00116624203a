package campaign

import (
	"strconv"
	"strings"

	"github.com/dpa-tools/dpa/feed"
)

// Money is a feed price in its currency's ISO 4217 minor units (cents for
// USD, yen for JPY, fils for BHD), for rendering prices in previews. Money
// sent to Meta is in offset units instead (see MetaOffset).
type Money struct {
	Minor    int64
	Currency string // ISO 4217, upper case; "" when the feed omitted it
}

// exponent returns the number of decimals of a currency's ISO 4217 minor
// unit, from feed's table (one table for feeds and campaigns). Feed prices
// and previews use it; money sent to Meta uses MetaOffset instead.
func exponent(currency string) int { return feed.MinorUnits(currency) }

// parseDecimalMinor converts a decimal text ("12.5", "-3", "1234.567") to
// minor units with the given exponent, rounding half away from zero. It
// never goes through float64, so 0.1+0.2 problems cannot creep in.
func parseDecimalMinor(s string, exp int) (int64, bool) {
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

// parsePrice reads a feed price as Meta and Google write it ("9.99 USD");
// it also accepts "USD 9.99", "9.99USD" and a bare number. It is feed's
// price parser (one parser for the module) with the readings a platform
// would misread refused: thousands separators, decimal commas and codes
// that are not ISO 4217 are problems the validator reports, not prices.
func parsePrice(s string) (Money, bool) {
	p, issue := feed.ParsePrice(s, "")
	switch issue {
	case feed.PriceOK, feed.PriceCurrencyFirst, feed.PriceNoSpace, feed.PriceLowercaseCode:
	case feed.PriceCurrencyMissing:
		if p.Currency != "" {
			return Money{}, false // a symbol such as "$": ambiguous (US$, CA$, MX$)
		}
	default:
		return Money{}, false
	}
	if strings.Contains(s, ",") {
		return Money{}, false // "1,299": the currency issue hides the separator
	}
	m, ok := p.Scaled(exponent(p.Currency))
	if !ok {
		return Money{}, false
	}
	return Money{Minor: m, Currency: p.Currency}, true
}

// majorString formats an amount in Meta's offset units as a plain decimal
// in major units ("1234.50", "10000" for HUF), the way the bulk sheet
// wants budgets: the same value the API payload carries, in the form Ads
// Manager shows.
func majorString(offsetUnits int64, currency string) string {
	return formatAmount(offsetUnits, metaDecimals(currency), "", true)
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

// defaultSymbols are the prefix symbols used when CurrencyFormat.Symbols is
// nil; other currencies are written as a suffix code ("12.00 CHF").
var defaultSymbols = map[string]string{
	"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩",
	"BRL": "R$", "AUD": "A$", "CAD": "CA$", "MXN": "MX$", "NZD": "NZ$",
	"CNY": "CN¥", "ILS": "₪", "VND": "₫", "PHP": "₱", "TRY": "₺",
}

// Format renders m, e.g. "$1,234.50"; strip drops ".00", round rounds to
// whole units, raw omits the currency.
func (cf CurrencyFormat) Format(m Money, raw, stripZeros, round bool) string {
	exp := exponent(m.Currency)
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
		syms = defaultSymbols
	}
	if sym, ok := syms[m.Currency]; ok {
		if strings.HasPrefix(amt, "-") {
			return "-" + sym + amt[1:]
		}
		return sym + amt
	}
	return amt + " " + m.Currency
}

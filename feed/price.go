package feed

import (
	"math"
	"strconv"
	"strings"
)

// Price is a parsed feed price: an exact decimal amount and an ISO 4217 code.
// Units holds the amount scaled by 10^Scale, so 19.99 is {1999, 2}; keeping
// it integral avoids float rounding in comparisons and output.
type Price struct {
	Units    int64
	Scale    int
	Currency string
}

// String renders the channel form "19.99 USD" (at least two decimals).
func (p Price) String() string {
	s := p.Amount()
	if p.Currency != "" {
		s += " " + p.Currency
	}
	return s
}

// Amount renders the number alone with at least two decimals.
func (p Price) Amount() string {
	scale := p.Scale
	units := p.Units
	for scale < 2 {
		units *= 10
		scale++
	}
	neg := units < 0
	if neg {
		units = -units
	}
	digits := strconv.FormatInt(units, 10)
	for len(digits) <= scale {
		digits = "0" + digits
	}
	out := digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	if neg {
		out = "-" + out
	}
	return out
}

// Float is the amount as a float64, for ranking and statistics only.
func (p Price) Float() float64 {
	f := float64(p.Units)
	for i := 0; i < p.Scale; i++ {
		f /= 10
	}
	return f
}

// Cmp compares amounts ignoring currency: -1, 0 or +1.
func (p Price) Cmp(q Price) int {
	a, b := p.Units, q.Units
	for s := p.Scale; s < q.Scale; s++ {
		a *= 10
	}
	for s := q.Scale; s < p.Scale; s++ {
		b *= 10
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// PriceIssue names what is wrong with a price string. The zero value means
// the string is in the strict channel form "<number> <ISO 4217>".
type PriceIssue string

const (
	PriceOK              PriceIssue = ""
	PriceEmpty           PriceIssue = "empty"
	PriceFormat          PriceIssue = "format"           // not a number at all
	PriceCurrencyMissing PriceIssue = "currency_missing" // a number without a code (maybe a symbol)
	PriceCurrencyInvalid PriceIssue = "currency_invalid" // a three-letter code that is not ISO 4217
	PriceCurrencyFirst   PriceIssue = "currency_first"   // "USD 19.99"
	PriceNoSpace         PriceIssue = "no_space"         // "19.99USD"
	PriceDecimalComma    PriceIssue = "decimal_comma"    // "19,99 EUR" or "1.299,00 EUR"
	PriceThousands       PriceIssue = "thousands"        // "1,299.00 USD"
	PriceLowercaseCode   PriceIssue = "currency_case"    // "19.99 usd"
)

// ParsePrice reads a price as feeds really write it. It returns the best
// interpretation it can find and the first deviation from the strict form,
// so a caller can both report the problem and suggest the fix. defaultCurrency
// fills in a missing code in the suggestion (e.g. "$19.99" with USD).
func ParsePrice(s, defaultCurrency string) (Price, PriceIssue) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Price{}, PriceEmpty
	}
	if p, issue, ok := parseCanonicalPrice(s); ok {
		return p, issue
	}
	return parsePriceGeneral(s, defaultCurrency)
}

// parseCanonicalPrice reads the form nearly every price of a feed is in,
// "123.45 USD" (digits, optionally a dot between digits, one space, three
// capital letters), with the result parsePriceGeneral gives it, but
// without its symbol scan and string concatenation: two prices per item
// made that a tenth of validate's per-item checks. ok is false for
// anything else.
func parseCanonicalPrice(s string) (p Price, issue PriceIssue, ok bool) {
	n := len(s)
	if n < 5 || s[n-4] != ' ' {
		return Price{}, PriceOK, false
	}
	for i := n - 3; i < n; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return Price{}, PriceOK, false
		}
	}
	num := s[:n-4]
	var u int64
	dot := -1
	for i := 0; i < len(num); i++ {
		switch c := num[i]; {
		case c >= '0' && c <= '9':
			u = u*10 + int64(c-'0')
		case c == '.' && dot < 0 && i > 0 && i < len(num)-1:
			dot = i
		default:
			return Price{}, PriceOK, false
		}
	}
	intLen, frac := len(num), 0
	if dot >= 0 {
		intLen, frac = dot, len(num)-dot-1
	}
	if intLen+max(frac, 2) > 17 {
		return Price{}, PriceOK, false // too long: the general path says so
	}
	cur := s[n-3:]
	if !IsCurrency(cur) {
		issue = PriceCurrencyInvalid
	}
	return Price{Units: u, Scale: frac, Currency: cur}, issue, true
}

// parsePriceGeneral is ParsePrice for a trimmed, non-empty s.
func parsePriceGeneral(s, defaultCurrency string) (Price, PriceIssue) {
	var issue PriceIssue
	note := func(i PriceIssue) {
		if issue == PriceOK {
			issue = i
		}
	}
	num, cur := s, ""
	// Split a trailing or leading alphabetic code / symbol from the number.
	if i := strings.LastIndexByte(s, ' '); i > 0 && isAlphaCode(s[i+1:]) {
		num, cur = strings.TrimSpace(s[:i]), s[i+1:]
	} else if i := strings.IndexByte(s, ' '); i > 0 && isAlphaCode(s[:i]) {
		num, cur = strings.TrimSpace(s[i+1:]), s[:i]
		note(PriceCurrencyFirst)
	} else if trailingLetters(s) == 3 && len(s) > 3 {
		num, cur = s[:len(s)-3], s[len(s)-3:]
		note(PriceNoSpace)
	} else if leadingLetters(s) == 3 && len(s) > 3 {
		num, cur = strings.TrimSpace(s[3:]), s[:3]
		note(PriceCurrencyFirst)
	}
	// Currency symbols before or after the number.
	symCur := ""
	for _, sym := range symbolOrder {
		if strings.HasPrefix(num, sym.sym) {
			num = strings.TrimSpace(num[len(sym.sym):])
			symCur = sym.code
			break
		}
		if strings.HasSuffix(num, sym.sym) {
			num = strings.TrimSpace(num[:len(num)-len(sym.sym)])
			symCur = sym.code
			break
		}
	}
	if cur == "" {
		note(PriceCurrencyMissing)
		cur = symCur
		if cur == "" {
			cur = strings.ToUpper(defaultCurrency)
		}
	} else {
		up := strings.ToUpper(cur)
		if up != cur {
			note(PriceLowercaseCode)
		}
		cur = up
		if !IsCurrency(cur) {
			note(PriceCurrencyInvalid)
		}
	}
	p, numIssue, ok := parseDecimal(num)
	if !ok {
		return Price{Currency: cur}, PriceFormat
	}
	if numIssue != PriceOK {
		// A number problem is more fundamental than a currency problem for the
		// fix, but report the currency one first when both exist since it is
		// what platforms complain about; the suggestion fixes both.
		note(numIssue)
	}
	p.Currency = cur
	return p, issue
}

type symbolCode struct{ sym, code string }

// symbolOrder lists longer symbols first so "US$" wins over "$".
var symbolOrder = []symbolCode{
	{"US$", "USD"}, {"A$", "AUD"}, {"C$", "CAD"}, {"R$", "BRL"}, {"zł", "PLN"},
	{"$", "USD"}, {"€", "EUR"}, {"£", "GBP"}, {"¥", "JPY"}, {"₹", "INR"}, {"₩", "KRW"}, {"₺", "TRY"}, {"₽", "RUB"},
}

func isAlphaCode(s string) bool {
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

func trailingLetters(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && isASCIILetter(s[i]); i-- {
		n++
	}
	return n
}

func leadingLetters(s string) int {
	n := 0
	for i := 0; i < len(s) && isASCIILetter(s[i]); i++ {
		n++
	}
	return n
}

func isASCIILetter(c byte) bool { c |= 0x20; return c >= 'a' && c <= 'z' }

// parseDecimal reads "1299.00", "1,299.00", "1.299,00", "19,99", "-5".
func parseDecimal(s string) (Price, PriceIssue, bool) {
	if s == "" {
		return Price{}, PriceFormat, false
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	lastDot := strings.LastIndexByte(s, '.')
	lastComma := strings.LastIndexByte(s, ',')
	issue := PriceOK
	intPart, frac := s, ""
	switch {
	case lastDot >= 0 && lastComma >= 0:
		if lastComma > lastDot { // 1.299,00
			issue = PriceDecimalComma
			intPart, frac = strings.ReplaceAll(s[:lastComma], ".", ""), s[lastComma+1:]
		} else { // 1,299.00
			issue = PriceThousands
			intPart, frac = strings.ReplaceAll(s[:lastDot], ",", ""), s[lastDot+1:]
		}
	case lastComma >= 0:
		// "19,99" is a decimal comma; "1,299" (exactly three digits after a
		// single comma) is ambiguous and read as thousands, like most shops.
		if strings.Count(s, ",") == 1 && len(s)-lastComma-1 != 3 {
			issue = PriceDecimalComma
			intPart, frac = s[:lastComma], s[lastComma+1:]
		} else {
			issue = PriceThousands
			intPart = strings.ReplaceAll(s, ",", "")
		}
	case lastDot >= 0:
		if strings.Count(s, ".") > 1 { // 1.299.000
			issue = PriceDecimalComma
			intPart = strings.ReplaceAll(s, ".", "")
		} else {
			intPart, frac = s[:lastDot], s[lastDot+1:]
		}
	}
	if intPart == "" && frac == "" {
		return Price{}, PriceFormat, false
	}
	if intPart == "" {
		intPart = "0"
	}
	if !allDigits(intPart) || (frac != "" && !allDigits(frac)) || len(intPart)+max(len(frac), 2) > 17 {
		return Price{}, PriceFormat, false
	}
	u, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return Price{}, PriceFormat, false
	}
	if neg {
		u = -u
	}
	return Price{Units: u, Scale: len(frac)}, issue, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// iso4217 holds the active ISO 4217 alphabetic codes (list as of 2024, plus
// the common funds codes platforms accept). Kept as one string so the table
// is easy to update in one place.
const iso4217 = `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD
HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD
TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL`

var currencies = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(iso4217) {
		m[c] = true
	}
	return m
}()

// IsCurrency reports whether code is an active ISO 4217 code (upper case).
func IsCurrency(code string) bool { return currencies[code] }

// isoMinorUnits lists the ISO 4217 currencies whose minor unit is not 1/100
// (ISO 4217 "minor unit" column); every other code has two decimals. One
// table for the whole module: campaign reads it through MinorUnits.
var isoMinorUnits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0,
	"XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// MinorUnits returns the number of decimals of a currency's ISO 4217 minor
// unit (2 for USD, 0 for JPY, 3 for BHD); case-insensitive.
func MinorUnits(code string) int {
	if e, ok := isoMinorUnits[strings.ToUpper(code)]; ok {
		return e
	}
	return 2
}

// Scaled returns the amount as an integer with exp decimals (Units of a
// Price with Scale exp), rounding half away from zero; false when it does
// not fit in an int64.
func (p Price) Scaled(exp int) (int64, bool) {
	u, s := p.Units, p.Scale
	for ; s < exp; s++ {
		if u > math.MaxInt64/10 || u < math.MinInt64/10 {
			return 0, false
		}
		u *= 10
	}
	if s > exp {
		d := int64(1)
		for ; s > exp; s-- {
			d *= 10
		}
		q, r := u/d, u%d
		if 2*r >= d {
			q++
		} else if 2*r <= -d {
			q--
		}
		u = q
	}
	return u, true
}

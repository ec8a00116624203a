package feed

import (
	"strings"
	"unicode"
)

// gtinIssue names what is wrong with a GTIN; "" means valid.
type gtinIssue string

const (
	gtinOK               gtinIssue = ""
	gtinNonNumeric       gtinIssue = "non_numeric"
	gtinLength           gtinIssue = "length"
	gtinCheckDigit       gtinIssue = "check_digit"
	gtinRestrictedPrefix gtinIssue = "restricted_prefix"
	gtinCouponPrefix     gtinIssue = "coupon_prefix"
)

// cleanGTIN drops the spaces and dashes Google accepts but ignores, and
// any other whitespace (a stray line break from a spreadsheet cell).
func cleanGTIN(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '-' || c <= ' ' || c >= 0x80 { // dash, ASCII space/control, or maybe a Unicode space
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r != '-' && !unicode.IsSpace(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// gs1CheckDigit computes the mod-10 check digit for the data digits (all but
// the check digit): weights 3,1,3,… starting from the rightmost data digit.
func gs1CheckDigit(data string) byte {
	sum := 0
	w := 3
	for i := len(data) - 1; i >= 0; i-- {
		sum += int(data[i]-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10)
}

// checkGTIN validates a GTIN-8/12/13/14. With prefixes set it also applies
// Google's restricted (2, 02, 04) and coupon (05, 99, 981–984) prefix rules;
// the indicator digit of a GTIN-14 is not part of the prefix.
func checkGTIN(s string, prefixes bool) (clean string, issue gtinIssue) {
	clean = cleanGTIN(s)
	if !allDigits(clean) {
		return clean, gtinNonNumeric
	}
	switch len(clean) {
	case 8, 12, 13, 14:
	default:
		return clean, gtinLength
	}
	if gs1CheckDigit(clean[:len(clean)-1]) != clean[len(clean)-1] {
		return clean, gtinCheckDigit
	}
	if prefixes && len(clean) > 8 {
		g13 := clean
		switch len(clean) {
		case 12:
			g13 = "0" + clean
		case 14:
			g13 = clean[1:]
		}
		switch {
		case g13[0] == '2', strings.HasPrefix(g13, "02"), strings.HasPrefix(g13, "04"):
			return clean, gtinRestrictedPrefix
		case strings.HasPrefix(g13, "05"), strings.HasPrefix(g13, "99"),
			g13[:3] >= "981" && g13[:3] <= "984":
			return clean, gtinCouponPrefix
		}
	}
	return clean, gtinOK
}

// upceToUPCA expands an 8-digit UPC-E (number system 0 or 1) into the
// 12-digit UPC-A it abbreviates. ok is false when s is not a valid UPC-E.
func upceToUPCA(s string) (string, bool) {
	if len(s) != 8 || !allDigits(s) || (s[0] != '0' && s[0] != '1') {
		return "", false
	}
	ns, d, check := s[0:1], s[1:7], s[7]
	var body string
	switch d[5] {
	case '0', '1', '2':
		body = d[0:2] + string(d[5]) + "0000" + d[2:5]
	case '3':
		body = d[0:3] + "00000" + d[3:5]
	case '4':
		body = d[0:4] + "00000" + d[4:5]
	default:
		body = d[0:5] + "0000" + d[5:6]
	}
	a := ns + body
	if gs1CheckDigit(a) != check {
		return "", false
	}
	return a + string(check), true
}

// isbn10ToGTIN converts a valid ISBN-10 (mod-11, X = 10) to its ISBN-13.
func isbn10ToGTIN(s string) (string, bool) {
	s = cleanGTIN(s)
	if len(s) != 10 {
		return "", false
	}
	sum := 0
	for i := 0; i < 10; i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case (c == 'X' || c == 'x') && i == 9:
			v = 10
		default:
			return "", false
		}
		sum += v * (10 - i)
	}
	if sum%11 != 0 {
		return "", false
	}
	data := "978" + s[:9]
	return data + string(gs1CheckDigit(data)), true
}

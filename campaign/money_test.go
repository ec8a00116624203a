package campaign

import (
	"math"
	"math/big"
	"testing"
)

// ratOffsetUnits computes what offsetUnits must give with exact rational
// arithmetic: minor / 10^iso × 10^meta, rounded half away from zero (the
// rule of campaign's former scaler, which feed's Price.Scaled now serves).
func ratOffsetUnits(m Money) int64 {
	pow := func(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }
	r := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(m.Minor), pow(metaDecimals(m.Currency))), pow(exponent(m.Currency)))
	half := big.NewRat(1, 2)
	if r.Sign() < 0 {
		r.Sub(r, half)
	} else {
		r.Add(r, half)
	}
	return new(big.Int).Quo(r.Num(), r.Denom()).Int64() // Quo truncates toward zero
}

// TestOffsetUnits covers what both callers convert: price_amount filter
// literals (friendly.go: "10.505 JOD" in a filter) and feed prices matched
// against them (filter.go), in the three relations of ISO to Meta decimals
// (3 → 2, 2 → 0, equal) and currencies Meta does not list.
func TestOffsetUnits(t *testing.T) {
	tests := []struct {
		price string
		want  int64
	}{
		{"10.500 JOD", 1050}, // ISO 3 decimals, Meta offset 100
		{"10.505 JOD", 1051}, // half away from zero
		{"10.504 JOD", 1050},
		{"-10.505 JOD", -1051},
		{"0.005 BHD", 1},
		{"12.50 HUF", 13}, // ISO 2, Meta offset 1
		{"12.49 HUF", 12},
		{"-12.50 HUF", -13},
		{"9.99 USD", 999}, // same decimals: unchanged
		{"1500 JPY", 1500},
		{"7 UGX", 7},        // not in Meta's table: ISO's 0 decimals
		{"1.25 XCG", 125},   // not in Meta's table: ISO's default 2
		{"3.456 KWD", 3456}, // not in Meta's table: ISO's 3 decimals
	}
	for _, tc := range tests {
		m, ok := parsePrice(tc.price)
		if !ok {
			t.Fatalf("parsePrice(%q) failed", tc.price)
		}
		got, ok := offsetUnits(m)
		if !ok || got != tc.want {
			t.Errorf("offsetUnits(%q) = %d, %v; want %d", tc.price, got, ok, tc.want)
		}
	}
	codes, _ := metaCurrencies()
	codes = append(codes, "UGX", "XCG", "KWD", "BIF", "")
	for _, code := range codes {
		for _, minor := range []int64{0, 1, 4, 5, 6, 49, 50, 51, 99, 100, 101, 499, 500, 501, 995, 12345, 1e15, -1, -5, -50, -500, -12345} {
			m := Money{Minor: minor, Currency: code}
			got, ok := offsetUnits(m)
			if want := ratOffsetUnits(m); !ok || got != want {
				t.Errorf("offsetUnits(%d %s) = %d, %v; exact arithmetic gives %d", minor, code, got, ok, want)
			}
		}
	}
	// The extremes an int64 holds divide without overflow.
	for _, minor := range []int64{math.MaxInt64, math.MinInt64 + 1} {
		m := Money{Minor: minor, Currency: "JOD"}
		if got, ok := offsetUnits(m); !ok || got != ratOffsetUnits(m) {
			t.Errorf("offsetUnits(%d JOD) = %d, %v; want %d", minor, got, ok, ratOffsetUnits(m))
		}
	}
}

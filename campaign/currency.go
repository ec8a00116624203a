package campaign

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dpa-tools/dpa/feed"
)

// Meta's currency table: which currencies an ad account can have and the
// offset of each. Source, page date and version are in the file header:
// "Currency Codes", https://developers.facebook.com/docs/marketing-api/currencies
//
//go:embed data/meta_currencies.csv
var metaCurrenciesCSV string

type metaCurrency struct {
	Code   string
	Offset int64
	Name   string
}

var (
	metaCurOnce    sync.Once
	metaCurs       map[string]metaCurrency
	metaCurCodes   []string
	metaCurVersion string
)

// badMetaTable stops at the first use of a malformed embedded table: it is
// part of the binary, so this is a build defect that every test catches.
func badMetaTable(format string, args ...any) {
	panic(fmt.Sprintf("campaign/data/meta_currencies.csv: "+format, args...))
}

func loadMetaCurrencies() {
	metaCurOnce.Do(func() {
		var body []string
		for _, line := range strings.Split(metaCurrenciesCSV, "\n") {
			if v, ok := strings.CutPrefix(line, "# version:"); ok {
				metaCurVersion = strings.TrimSpace(v)
			}
			if !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" {
				body = append(body, line)
			}
		}
		recs, err := csv.NewReader(strings.NewReader(strings.Join(body, "\n"))).ReadAll()
		if err != nil {
			badMetaTable("%v", err)
		}
		metaCurs = map[string]metaCurrency{}
		for _, r := range recs[1:] {
			if len(r) != 3 {
				badMetaTable("bad row %q", r)
			}
			off, err := strconv.ParseInt(r[1], 10, 64)
			if err != nil || (off != 1 && off != 100) {
				badMetaTable("bad offset in %q", r)
			}
			metaCurs[r[0]] = metaCurrency{Code: r[0], Offset: off, Name: r[2]}
			metaCurCodes = append(metaCurCodes, r[0])
		}
		slices.Sort(metaCurCodes)
	})
}

// metaOffset returns the offset of an ad account currency in Meta's table
// (1 or 100) and whether Meta lists the currency at all.
func metaOffset(code string) (int64, bool) {
	loadMetaCurrencies()
	c, ok := metaCurs[strings.ToUpper(code)]
	return c.Offset, ok
}

// metaCurrencies lists the codes of Meta's table, sorted, and the table's
// version.
func metaCurrencies() ([]string, string) {
	loadMetaCurrencies()
	return slices.Clone(metaCurCodes), metaCurVersion
}

// metaDecimals is the number of decimals an amount in major units may
// carry for Meta: 0 for offset 1, 2 for offset 100. A currency Meta does
// not list (only feed prices can have one) falls back to ISO 4217.
func metaDecimals(code string) int {
	off, ok := metaOffset(code)
	if !ok {
		return exponent(code)
	}
	if off == 1 {
		return 0
	}
	return 2
}

func metaOffsetOr(code string) int64 {
	off, _ := metaOffset(code)
	return off
}

// offsetUnits converts a feed price from ISO minor units to Meta's offset
// units of its currency (the unit of price_amount filters): 10.500 JOD is
// 10500 fils but 1050 in Meta's offset 100. It rounds half away from zero
// with feed's Price.Scaled (one money scaler for the module); false when
// the amount does not fit in an int64.
func offsetUnits(m Money) (int64, bool) {
	return feed.Price{Units: m.Minor, Scale: exponent(m.Currency)}.Scaled(metaDecimals(m.Currency))
}

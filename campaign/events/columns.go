package events

import (
	"sort"
	"strings"
)

// Canonical column names, as accepted in Options.Map values and written by
// Writer. "ignore" as a Map value drops a source column on purpose.
const (
	ColTimestamp    = "timestamp"
	ColUserID       = "user_id"
	ColSessionID    = "session_id"
	ColEvent        = "event"
	ColItemID       = "item_id"
	ColValue        = "value"
	ColUnitPrice    = "unit_price"
	ColCurrency     = "currency"
	ColQuantity     = "quantity"
	ColTimeOffsetMs = "time_offset_ms"
	ColIgnore       = "ignore"
)

const (
	cTime = iota
	cUser
	cSession
	cEvent
	cItem
	cValue
	cUnitPrice
	cCurrency
	cQuantity
	cOffset
	nCols
)

var colNames = [nCols]string{ColTimestamp, ColUserID, ColSessionID, ColEvent, ColItemID, ColValue, ColUnitPrice, ColCurrency, ColQuantity, ColTimeOffsetMs}

// CanonicalColumns lists the names Options.Map may map a source column to.
func CanonicalColumns() []string {
	out := append([]string(nil), colNames[:]...)
	return append(out, ColIgnore)
}

func canonicalIndex(name string) (int, bool) {
	n := normName(name)
	if n == normName(ColIgnore) {
		return -1, true
	}
	for i, c := range colNames {
		if normName(c) == n {
			return i, true
		}
	}
	return 0, false
}

// synonyms maps normalised source column names to canonical columns. It
// covers the canonical schema, Meta pixel / Conversions API field names
// (flattened JSON: custom_data.content_ids) and common export headers.
var synonyms = map[string]int{
	"timestamp": cTime, "time": cTime, "eventtime": cTime, "ts": cTime,
	"datetime": cTime, "date": cTime, "eventdate": cTime, "createdat": cTime,
	"eventtimestamp": cTime, "occurredat": cTime,

	"userid": cUser, "user": cUser, "visitorid": cUser, "customerid": cUser,
	"clientid": cUser, "externalid": cUser, "userdataexternalid": cUser,
	"uid": cUser, "fbp": cUser, "userdatafbp": cUser, "anonymousid": cUser,

	"sessionid": cSession, "session": cSession, "usersession": cSession,

	"event": cEvent, "eventtype": cEvent, "eventname": cEvent, "type": cEvent,
	"action": cEvent,

	"itemid": cItem, "itemids": cItem, "productid": cItem, "productids": cItem,
	"contentid": cItem, "contentids": cItem, "customdatacontentids": cItem,
	"customdatacontents": cItem, "contents": cItem, "sku": cItem, "aid": cItem,
	"item": cItem, "articleid": cItem, "stockcode": cItem,

	"value": cValue, "price": cValue, "revenue": cValue, "amount": cValue,
	"customdatavalue": cValue,
	"unitprice":       cUnitPrice,
	"currency":        cCurrency, "customdatacurrency": cCurrency,
	"quantity": cQuantity, "qty": cQuantity, "numitems": cQuantity,
	"customdatanumitems": cQuantity,
	"timeframe":          cOffset, "timeoffsetms": cOffset,
}

// mapping resolves source column names to canonical columns.
type mapping struct {
	user map[string]int // normalised source name -> canonical (or -1)
}

func newMapping(userMap, presetMap map[string]string) (mapping, error) {
	m := mapping{user: map[string]int{}}
	add := func(src, dst string) error {
		ci, ok := canonicalIndex(dst)
		if !ok {
			return &MapError{Source: src, Target: dst}
		}
		m.user[normName(src)] = ci
		return nil
	}
	// Sorted so that an invalid map reports the same error every run.
	for _, mp := range []map[string]string{presetMap, userMap} {
		keys := make([]string, 0, len(mp))
		for k := range mp {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := add(k, mp[k]); err != nil {
				return m, err
			}
		}
	}
	return m, nil
}

// lookup returns the canonical column of a source name, or -1.
func (m mapping) lookup(src string) int {
	n := normName(src)
	if ci, ok := m.user[n]; ok {
		return ci
	}
	if ci, ok := synonyms[n]; ok {
		return ci
	}
	return -1
}

// MapError reports a column mapping whose target is not a canonical column.
type MapError struct{ Source, Target string }

func (e *MapError) Error() string {
	return "events: cannot map column " + quote(e.Source) + " to " + quote(e.Target) +
		" (canonical columns: " + strings.Join(CanonicalColumns(), ", ") + ")"
}

func quote(s string) string { return `"` + s + `"` }

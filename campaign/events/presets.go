package events

import (
	"maps"
	"slices"
	"strings"
)

// Preset describes a known public log layout.
type Preset struct {
	Name string
	// Comma is the delimiter the layout uses (0: detect).
	Comma byte
	// Map is source column -> canonical column, on top of the synonyms.
	Map map[string]string
	// Columns names the fields of a headerless file.
	Columns []string
	// DefaultEvent applies when the layout has no event column.
	DefaultEvent Type
	// Description is shown in help texts.
	Description string
	// header recognises the layout from its header's normalised names.
	header []string
}

// presets lists the built-in layouts, in the order they are tried.
var presets = []Preset{
	{
		Name:        "rees46",
		Comma:       ',',
		Description: "REES46 / Open CDP: event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session",
		Map: map[string]string{
			"event_time": ColTimestamp, "event_type": ColEvent, "product_id": ColItemID,
			"user_id": ColUserID, "user_session": ColSessionID, "price": ColValue,
			"category_id": ColIgnore, "category_code": ColIgnore, "brand": ColIgnore,
		},
		header: []string{"eventtime", "eventtype", "productid", "userid", "usersession"},
	},
	{
		Name:        "retailrocket",
		Comma:       ',',
		Description: "RetailRocket events.csv: timestamp (Unix ms),visitorid,event,itemid,transactionid",
		Map: map[string]string{
			"timestamp": ColTimestamp, "visitorid": ColUserID, "event": ColEvent,
			"itemid": ColItemID, "transactionid": ColIgnore,
		},
		header: []string{"timestamp", "visitorid", "event", "itemid"},
	},
	{
		Name:  "yoochoose",
		Comma: 0,
		Description: "YooChoose (RecSys 2015): raw yoochoose-clicks.dat without header " +
			"(session,timestamp,item,category), yoochoose-buys.dat (session,timestamp,item,price,quantity), " +
			"or the tab-separated SessionId\\tItemId\\tTime form",
		Map: map[string]string{
			"sessionid": ColSessionID, "itemid": ColItemID, "time": ColTimestamp,
			"category": ColIgnore,
		},
		Columns:      []string{"session_id", "timestamp", "item_id", "category"},
		DefaultEvent: ViewContent,
		header:       []string{"sessionid", "itemid", "time"},
	},
	{
		Name:        "diginetica",
		Comma:       ';',
		Description: "Diginetica (CIKM Cup 2016) train-item-views.csv: session_id;user_id;item_id;timeframe;eventdate",
		Map: map[string]string{
			"sessionid": ColSessionID, "userid": ColUserID, "itemid": ColItemID,
			"timeframe": ColTimeOffsetMs, "eventdate": ColTimestamp,
		},
		DefaultEvent: ViewContent,
		header:       []string{"sessionid", "userid", "itemid", "timeframe", "eventdate"},
	},
	{
		Name:        "online-retail",
		Comma:       ',',
		Description: "UCI Online Retail: InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country (purchases)",
		Map: map[string]string{
			"invoiceno": ColSessionID, "stockcode": ColItemID, "quantity": ColQuantity,
			"invoicedate": ColTimestamp, "unitprice": ColUnitPrice, "customerid": ColUserID,
			"description": ColIgnore, "country": ColIgnore,
		},
		DefaultEvent: Purchase,
		header:       []string{"invoiceno", "stockcode", "quantity", "invoicedate", "customerid"},
	},
}

// PresetNames lists the preset names accepted by Options.Preset.
func PresetNames() []string {
	out := make([]string, len(presets))
	for i, p := range presets {
		out[i] = p.Name
	}
	return out
}

// LookupPreset finds a preset by name (case and punctuation insensitive).
// It returns a copy, so a caller's edit cannot change the table.
func LookupPreset(name string) (Preset, bool) {
	n := normName(name)
	for _, p := range presets {
		if normName(p.Name) == n {
			p.Map = maps.Clone(p.Map)
			p.Columns = slices.Clone(p.Columns)
			p.header = slices.Clone(p.header)
			return p, true
		}
	}
	return Preset{}, false
}

// detectPreset returns the first preset whose recognising names all occur in
// the header.
func detectPreset(header []string) (Preset, bool) {
	have := make(map[string]bool, len(header))
	for _, h := range header {
		have[normName(h)] = true
	}
	for _, p := range presets {
		all := true
		for _, n := range p.header {
			if !have[n] {
				all = false
				break
			}
		}
		if all {
			return p, true
		}
	}
	return Preset{}, false
}

// looksLikeYoochooseRaw recognises a headerless yoochoose-clicks.dat or
// yoochoose-buys.dat record: numeric session, ISO time, numeric item.
func looksLikeYoochooseRaw(fields []string) bool {
	if len(fields) != 4 && len(fields) != 5 {
		return false
	}
	if !allDigits(fields[0]) || !allDigits(fields[2]) {
		return false
	}
	s := strings.TrimSpace(fields[1])
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	_, ok := parseISO(s, nil)
	return ok
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

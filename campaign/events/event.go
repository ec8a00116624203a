// Package events reads shopper event logs (pixel, Conversions API exports and
// the public research datasets) into one canonical event schema, and checks
// whether a log's product ids match a catalog.
//
// The canonical schema (CSV with a header, TSV, or JSON Lines; gzip is
// detected from its magic bytes):
//
//	timestamp   RFC 3339, "2019-10-01 00:00:00 UTC", or Unix s/ms/µs/ns
//	user_id     required unless session_id is present (anonymous sessions)
//	event       ViewContent, AddToCart, InitiateCheckout, Purchase, Search,
//	            or an alias (view, cart, addtocart, add_to_cart, checkout,
//	            transaction, purchase, order, clicks, …)
//	item_id     one id, or content_ids: ["a","b"], "a,b" or "a|b"
//	session_id  optional; otherwise sessions end after 30 minutes idle
//	value, currency, quantity   optional ("19.99 USD" is accepted as value)
//
// Other layouts are mapped with Options.Map or a Preset (rees46,
// retailrocket, yoochoose, diginetica, online-retail), recognised from the
// header when there is one. remove_from_cart events are skipped and counted
// as "ignored_event" (the schema has no negative cart signal); purchase rows
// with a quantity ≤ 0 (returns, cancellations) as "non_positive_quantity".
// A user id that is empty or "NA" falls back to the session id.
//
// Readers stream: memory stays bounded by the longest record, never by the
// log. Rows that cannot be used are counted per reason with a few example
// line numbers; they are never silently dropped.
package events

import (
	"strings"
	"time"
)

// Type is a canonical event type, named as Meta's standard pixel events.
type Type string

// Canonical event types.
const (
	ViewContent      Type = "ViewContent"
	AddToCart        Type = "AddToCart"
	InitiateCheckout Type = "InitiateCheckout"
	Purchase         Type = "Purchase"
	Search           Type = "Search"
)

// Types lists the canonical types in funnel order (the order reports use).
var Types = []Type{ViewContent, Search, AddToCart, InitiateCheckout, Purchase}

// Event is one canonical shopper event.
//
// String fields may share memory with the record they were read from (with
// the block of records around it, for a delimited log read by Each); callers
// that keep ids beyond a few events should intern them (strings.Clone or a
// map).
type Event struct {
	Time      time.Time `json:"timestamp"`
	UserID    string    `json:"user_id"`
	SessionID string    `json:"session_id,omitempty"`
	Type      Type      `json:"event"`
	ItemIDs   []string  `json:"item_ids,omitempty"`
	Value     float64   `json:"value,omitempty"`
	Currency  string    `json:"currency,omitempty"`
	Quantity  int       `json:"quantity,omitempty"`
	// Line is the 1-based physical line the record starts on.
	Line int `json:"line,omitempty"`
}

// typeAliases maps a normalised event name (lower case, letters and digits
// only) to its canonical type. An empty Type marks names that are recognised
// but deliberately not imported (see ParseType).
var typeAliases = map[string]Type{
	"viewcontent": ViewContent, "view": ViewContent, "views": ViewContent,
	"viewitem": ViewContent, "productview": ViewContent, "detail": ViewContent,
	"click": ViewContent, "clicks": ViewContent, "pageview": ViewContent,
	"productdetailview": ViewContent, "viewproduct": ViewContent,

	"addtocart": AddToCart, "cart": AddToCart, "carts": AddToCart,
	"addcart": AddToCart, "atc": AddToCart, "add": AddToCart,

	"initiatecheckout": InitiateCheckout, "checkout": InitiateCheckout,
	"begincheckout": InitiateCheckout, "startcheckout": InitiateCheckout,

	"purchase": Purchase, "purchases": Purchase, "transaction": Purchase,
	"order": Purchase, "orders": Purchase, "buy": Purchase, "buys": Purchase,
	"purchased": Purchase, "sale": Purchase, "completepayment": Purchase,

	"search": Search, "searches": Search,

	// Cart removals are a real signal, but the canonical schema (and every
	// ad platform's catalog audience) has no type for them, and treating
	// them as a negative cart would need a stateful cart model. They are
	// skipped and counted as "ignored_event" so the report shows them.
	"removefromcart": "", "remove": "", "removecart": "",
}

// ParseType maps an event name or alias to its canonical type. ignored is
// true for recognised names that are intentionally not imported
// (remove_from_cart); ok is false for unknown names.
func ParseType(s string) (t Type, ok, ignored bool) {
	for _, c := range canonicalNames { // fast path: a canonical log's names
		if s == c.name {
			return c.t, c.t != "", c.t == ""
		}
	}
	if t, hit := typeAliases[s]; hit { // fast path: already normalised
		return t, t != "", t == ""
	}
	n := normName(s)
	t, hit := typeAliases[n]
	if !hit {
		return "", false, false
	}
	return t, t != "", t == ""
}

// canonicalNames holds what ParseType's normalised lookup gives for each
// canonical type's own name, so that rows of dpa's schema (and of
// --emit-events) skip normName's allocation per row.
var canonicalNames = func() (out []struct {
	name string
	t    Type
}) {
	for _, t := range Types {
		if v, hit := typeAliases[normName(string(t))]; hit {
			out = append(out, struct {
				name string
				t    Type
			}{string(t), v})
		}
	}
	return out
}()

// normName lower-cases s and keeps only ASCII letters and digits, so
// "add_to_cart", "Add To Cart" and "AddToCart" compare equal.
func normName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	return b.String()
}

// TypeAliases returns every recognised event name, normalised as ParseType
// compares them (lower case, letters and digits only), with its canonical
// type; "" marks the names that are recognised but not imported. Code that
// maps event names elsewhere (the model's SQL) uses it so that both agree.
func TypeAliases() map[string]Type {
	out := make(map[string]Type, len(typeAliases))
	for k, v := range typeAliases {
		out[k] = v
	}
	return out
}

// Package feed holds dpa's product catalog: the item model, streaming
// readers and writers for every feed format, per-channel specifications,
// validation rules, normalisation, statistics and diffs.
//
// It never imports cobra, viper or lipgloss; callers hand it plain option
// structs, io.Readers and io.Writers.
package feed

import "strings"

// Field is one named value of an item as it appeared in the source.
// Names are canonical: lower case, trimmed, with any `g:` namespace prefix
// removed. A name may repeat (additional_image_link, shipping in XML).
type Field struct {
	Name  string
	Value string
}

// Item is one product record read from a feed, with its source position.
type Item struct {
	File  string // the file name as given by the user ("-" for stdin)
	Index int    // 1-based index among the file's data records
	Line  int    // 1-based physical line on which the record starts
	// Col is the 1-based byte offset within Line where the record starts,
	// for formats whose records can share a line (an XML <item> in a
	// minified feed); 0 where a record owns its line (CSV, TSV, XLSX).
	Col int
	// Fields in source order. Empty values are kept so writers can
	// round-trip a column layout.
	Fields []Field
	// Problems found while reading this record (ragged row, bad encoding).
	// Validation turns them into findings on the item.
	Problems []Problem
	// raw is a CSV record's text while its parsing is deferred to a
	// validate worker (csvReader.nextDeferred); "" otherwise.
	raw string
}

// Problem is a reading-level defect attached to one item.
type Problem struct {
	Rule    string
	Field   string
	Value   string
	Message string
}

// Get returns the first non-empty value of the named field, or "".
func (it *Item) Get(name string) string {
	for i := range it.Fields {
		if it.Fields[i].Name == name && it.Fields[i].Value != "" {
			return it.Fields[i].Value
		}
	}
	return ""
}

// Has reports whether the item carries the field at all (even empty).
func (it *Item) Has(name string) bool {
	for i := range it.Fields {
		if it.Fields[i].Name == name {
			return true
		}
	}
	return false
}

// All returns every non-empty value of a repeated field, in source order.
func (it *Item) All(name string) []string {
	var out []string
	for i := range it.Fields {
		if it.Fields[i].Name == name && it.Fields[i].Value != "" {
			out = append(out, it.Fields[i].Value)
		}
	}
	return out
}

// Set replaces the first field of that name (removing later repeats) or
// appends it.
func (it *Item) Set(name, value string) {
	for i := range it.Fields {
		if it.Fields[i].Name == name {
			it.Fields[i].Value = value
			j := i + 1
			for k := i + 1; k < len(it.Fields); k++ {
				if it.Fields[k].Name != name {
					it.Fields[j] = it.Fields[k]
					j++
				}
			}
			it.Fields = it.Fields[:j]
			return
		}
	}
	it.Fields = append(it.Fields, Field{Name: name, Value: value})
}

// Clone returns a deep copy whose slices share nothing with it.
func (it *Item) Clone() *Item {
	c := *it
	c.Fields = append([]Field(nil), it.Fields...)
	c.Problems = append([]Problem(nil), it.Problems...)
	return &c
}

// CanonicalName turns a source column or element name into dpa's field
// name: trimmed, lower case, `g:` prefix and a UTF-8 BOM removed, inner
// spaces turned into underscores ("Image Link" → "image_link").
func CanonicalName(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.TrimSpace(s)
	s = strings.ToLower(s)
	s = strings.TrimPrefix(s, "g:")
	if strings.ContainsAny(s, " \t") {
		s = strings.Join(strings.Fields(s), "_")
	}
	return s
}

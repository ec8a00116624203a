package feed

import (
	"fmt"
)

// ReadOptions configure how a feed is opened. Zero values mean "detect".
type ReadOptions struct {
	Format    string // csv, tsv, xml, xlsx, jsonl, json; "" = detect from content and extension
	Delimiter rune   // CSV/TSV delimiter; 0 = sniff from the header line (, \t ; |)
	Encoding  string // utf-8, utf-16, utf-16le, utf-16be, windows-1252, latin-1; "" = detect
	Sheet     string // XLSX sheet name; "" = first sheet
}

// Reader streams the items of one feed file in bounded memory.
//
// Next returns the next item, or (nil, io.EOF) at the end. Any other error
// is fatal for the rest of the file (a malformed XML document, an
// unreadable stream); it is a *ParseError where a position is known and
// every item returned before it is complete and valid to check.
// Defects confined to one record (ragged CSV row, invalid bytes in a field)
// do not stop the stream: they are attached to the item as Problems.
type Reader interface {
	Next() (*Item, error)
	// Format is the detected or forced format name (csv, tsv, xml, xlsx, jsonl, json).
	Format() string
	// Columns is the header in canonical names for tabular formats, in
	// source order; for XML and JSON it is the union of field names seen so
	// far in first-seen order.
	Columns() []string
	// Diagnostics returns file-level findings gathered so far (encoding
	// detected or invalid, BOM, empty file), Item 0, in the order found.
	Diagnostics() []Finding
	Close() error
}

// ParseError is a fatal read error with its position.
type ParseError struct {
	File string
	Line int
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

package feed

import (
	"fmt"
	"net/http"
	"time"
)

// ReadOptions configure how a feed is opened. Zero values mean "detect".
type ReadOptions struct {
	Format    string // csv, tsv, xml, xlsx, jsonl, json; "" = detect from content and extension
	Delimiter rune   // CSV/TSV delimiter; 0 = sniff from the header line (, \t ; |)
	Encoding  string // utf-8, utf-16, utf-16le, utf-16be, windows-1252, latin-1; "" = detect
	Sheet     string // XLSX sheet name; "" = first sheet

	// MaxBytes caps what one feed may unpack to: a download, and the
	// output of every decompression layer (gzip, bzip2, zstd, the entry of
	// a zip, an XLSX workbook's parts). Plain local files and stdin are
	// streamed and not capped. 0 = defaultMaxBytes (4 GiB); < 0 = no limit.
	// Passing it is an error wrapping limit.ErrTooLarge.
	MaxBytes int64
	// MaxRecordBytes caps a single record: a CSV/TSV row, a JSON Lines
	// line, a JSON array element, an XML item or any other XML token. The
	// decoders hold a whole record (several copies in encoding/csv), so this
	// is what bounds memory on a monstrous field. 0 =
	// limit.DefaultMaxRecordBytes (16 MiB); < 0 = no limit.
	MaxRecordBytes int64
	// Timeout bounds each wait on a remote server: connecting and
	// receiving the response headers, and every stall while the body
	// streams. A slow but steady download is never cut off. 0 =
	// defaultTimeout (60 s).
	Timeout time.Duration
	// MaxTime bounds a remote download as a whole, from the request to
	// the end of the body, however steadily it streams. 0 =
	// defaultMaxTime (30 min).
	MaxTime time.Duration
	// CacheDir, when set, keeps the last body of each URL there with its
	// ETag and Last-Modified; the next fetch is conditional and a 304
	// reuses the copy.
	CacheDir string
	// HTTPClient fetches remote feeds; nil = a client on
	// http.DefaultTransport. Its CheckRedirect is kept when set, otherwise
	// redirects are capped at maxRedirects.
	HTTPClient *http.Client
	// AllowEmpty makes a feed without items (an empty file, a header
	// only) a warning instead of an error. A failed download that saved an
	// HTML page is an error regardless (ruleHTML).
	AllowEmpty bool
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

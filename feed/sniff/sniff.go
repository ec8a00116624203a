// Package sniff holds the content-detection primitives every reader of
// dpa input shares: the compression of a stream from its magic bytes and
// the delimiter of a header line. Feeds (feed) and event logs
// (campaign/events, cmd/dpa's --events) used to carry a copy each, and the
// copies drifted (one knew zstd, another only gzip); one function each now
// decides for all of them.
//
// It lives apart from feed so that campaign/events gets them without
// importing feed and its workbook and charset dependencies (as feed/limit).
package sniff

import "bytes"

// Compression kinds Compression recognises.
const (
	Gzip  = "gzip"
	Bzip2 = "bzip2"
	Zstd  = "zstd"
	Zip   = "zip"
)

var (
	magicGzip       = []byte{0x1f, 0x8b}
	magicZstd       = []byte{0x28, 0xB5, 0x2F, 0xFD}
	magicZip        = []byte("PK\x03\x04")
	magicBzip2Block = []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59} // π
	magicBzip2EOS   = []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90} // √π: empty stream
)

// Compression names the compression of a stream from its first bytes
// (Gzip, Zstd, Zip, Bzip2), or "". Ten bytes decide every kind. bzip2
// needs the block magic after "BZh1".."BZh9" too, so a text feed that
// happens to start with "BZh9" is not mistaken for one. Callers that
// decode only some kinds compare the result with the kinds they know.
func Compression(m []byte) string {
	switch {
	case bytes.HasPrefix(m, magicGzip):
		return Gzip
	case bytes.HasPrefix(m, magicZstd):
		return Zstd
	case bytes.HasPrefix(m, magicZip):
		return Zip
	case len(m) >= 10 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h' && m[3] >= '1' && m[3] <= '9' &&
		(bytes.Equal(m[4:10], magicBzip2Block) || bytes.Equal(m[4:10], magicBzip2EOS)):
		return Bzip2
	}
	return ""
}

// delimiters are the candidate separators, in tie-breaking order.
var delimiters = [4]byte{',', '\t', ';', '|'}

// Delimiter counts the candidate separators `, \t ; |` outside double
// quotes in a header line and returns the most frequent one, or def when
// none occurs. Ties go to the earlier candidate in that order. Only the
// line is looked at: callers choose which line is the header (feeds skip
// leading blank and `#` comment lines, event logs take the first line).
func Delimiter(line []byte, def rune) rune {
	var counts [len(delimiters)]int
	inQuote := false
	for _, c := range line {
		if c == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		for i, d := range delimiters {
			if c == d {
				counts[i]++
			}
		}
	}
	best, bestN := def, 0
	for i, n := range counts {
		if n > bestN {
			best, bestN = rune(delimiters[i]), n
		}
	}
	return best
}

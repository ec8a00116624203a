package feed

import (
	"bytes"
	"io"
	"strings"
)

// csvSplit cuts a CSV stream into records without parsing their fields,
// so the expensive part of reading (splitting fields, unescaping quotes,
// building strings) can run on the validate workers while one goroutine
// only finds record boundaries. A record boundary is a newline outside
// quotes; it is found with bytes.IndexByte jumps from quote to quote
// (quote parity), not byte by byte.
//
// It accepts only records that encoding/csv would read without error in
// strict mode, and for them the fields parseCSVBody returns are exactly
// encoding/csv's (\r\n normalised to \n, a trailing \r before EOF dropped,
// blank lines skipped). On anything else (a bare or stray quote, an
// unclosed quote, a record over the size limit, a read error) it stops,
// and the csvReader hands the rest of the stream, from the start of that
// record, to encoding/csv: its error positions and lenient re-reading stay
// the single source of truth for broken input.
type csvSplit struct {
	src     io.Reader
	buf     []byte // buf[pos:] is not yet consumed
	pos     int
	eof     bool
	err     error // a read error other than io.EOF
	comma   byte
	line    int // newlines consumed before buf[pos]
	minRead int
	limit   int64 // largest record kept in memory before giving up
}

type splitStatus int

const (
	splitRecord   splitStatus = iota
	splitEOF                  // no more records
	splitFallback             // hand the rest to encoding/csv (see rest)
)

// maxSplitRecord bounds a record in the fast path when no MaxRecordBytes
// applies; a longer record is read by encoding/csv, which has no bound.
const maxSplitRecord = 64 << 20

func newCSVSplit(src io.Reader, comma byte, minRead int, limit int64) *csvSplit {
	if limit <= 0 || limit > maxSplitRecord {
		limit = maxSplitRecord
	}
	return &csvSplit{src: src, comma: comma, minRead: minRead, limit: limit}
}

// next returns the next record's text without its line terminator, as a
// fresh string, and the 1-based line it starts on (counted from where the
// split began).
func (s *csvSplit) next() (body string, line int, st splitStatus) {
	rec, line, st := s.nextBytes()
	return string(rec), line, st
}

// nextBytes is next without the copy: rec points into the split's buffer
// and is only valid until the next call.
func (s *csvSplit) nextBytes() (rec []byte, line int, st splitStatus) {
	for {
		// Blank lines ("\n", "\r\n", a lone "\r" at EOF) are skipped, as
		// encoding/csv skips them.
		for s.pos < len(s.buf) {
			b := s.buf[s.pos]
			if b == '\n' {
				s.pos++
				s.line++
				continue
			}
			if b == '\r' {
				if s.pos+1 < len(s.buf) {
					if s.buf[s.pos+1] == '\n' {
						s.pos += 2
						s.line++
						continue
					}
				} else if s.eof {
					s.pos++
					continue
				}
			}
			break
		}
		if s.pos == len(s.buf) || (s.buf[s.pos] == '\r' && s.pos+1 == len(s.buf)) {
			if s.err != nil {
				return nil, 0, splitFallback
			}
			if s.eof && s.pos == len(s.buf) {
				return nil, 0, splitEOF
			}
			s.fill()
			continue
		}
		end, bodyEnd, res := scanCSVRecord(s.buf[s.pos:], s.comma, s.eof)
		switch res {
		case scanComplete:
			rec = s.buf[s.pos : s.pos+end]
			line = s.line + 1
			s.line += bytes.Count(rec, []byte{'\n'})
			s.pos += end
			return rec[:bodyEnd], line, splitRecord
		case scanBad:
			return nil, 0, splitFallback
		}
		// scanMore
		if s.eof || s.err != nil || int64(len(s.buf)-s.pos) > s.limit {
			return nil, 0, splitFallback
		}
		s.fill()
	}
}

func (s *csvSplit) fill() {
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:])
		s.buf = s.buf[:n]
		s.pos = 0
	}
	if cap(s.buf)-len(s.buf) < s.minRead {
		nb := make([]byte, len(s.buf), 2*cap(s.buf)+s.minRead)
		copy(nb, s.buf)
		s.buf = nb
	}
	n, err := s.src.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	switch {
	case err == io.EOF:
		s.eof = true
	case err != nil:
		s.err = err
	}
}

// rest is the unconsumed stream, from the start of the record the split
// stopped at: the buffered bytes, then the source (or its read error).
func (s *csvSplit) rest() io.Reader {
	head := bytes.NewReader(bytes.Clone(s.buf[s.pos:]))
	switch {
	case s.err != nil:
		return io.MultiReader(head, errReader{s.err})
	case s.eof:
		return head
	}
	return io.MultiReader(head, s.src)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

type scanResult int

const (
	scanComplete scanResult = iota
	scanMore                // the record may continue past the buffer
	scanBad                 // not a record encoding/csv reads strictly
)

// scanCSVRecord finds the end of the record at the start of b: end is the
// number of bytes it takes with its terminator, bodyEnd the length of its
// text without the terminator. It follows encoding/csv's strict rules: a
// quote opens a field only at the start of the field, a closing quote is
// followed by the delimiter or the end of the line, and a quote anywhere
// else is an error (scanBad).
func scanCSVRecord(b []byte, comma byte, atEOF bool) (end, bodyEnd int, res scanResult) {
	i := 0
	for {
		if i < len(b) && b[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(b[i:], '"')
				if j < 0 {
					if atEOF {
						return 0, 0, scanBad // unclosed quote
					}
					return 0, 0, scanMore
				}
				i += j + 1
				if i == len(b) {
					if atEOF {
						return i, i, scanComplete
					}
					return 0, 0, scanMore
				}
				switch c := b[i]; c {
				case '"':
					i++ // "" is an escaped quote
					continue
				case comma:
					i++
				case '\n':
					return i + 1, i, scanComplete
				case '\r':
					if i+1 < len(b) {
						if b[i+1] == '\n' {
							return i + 2, i, scanComplete
						}
						return 0, 0, scanBad
					}
					if atEOF {
						return i + 1, i, scanComplete // a trailing \r before EOF is dropped
					}
					return 0, 0, scanMore
				default:
					return 0, 0, scanBad // text after a closing quote
				}
				break
			}
			continue // at the start of the next field
		}
		// Unquoted fields up to the end of the line, unless a quote opens
		// a later field on it.
		lineEnd := len(b)
		e := bytes.IndexByte(b[i:], '\n')
		if e >= 0 {
			lineEnd = i + e
		} else if !atEOF {
			return 0, 0, scanMore
		}
		q := bytes.IndexByte(b[i:lineEnd], '"')
		if q < 0 {
			end, bodyEnd = lineEnd, lineEnd
			if e >= 0 {
				end++
			}
			if bodyEnd > i && b[bodyEnd-1] == '\r' {
				bodyEnd-- // \r\n, or a trailing \r before EOF
			}
			return end, bodyEnd, scanComplete
		}
		p := i + q
		if b[p-1] != comma {
			return 0, 0, scanBad // a bare quote inside an unquoted field
		}
		i = p
	}
}

// parseCSVBody splits a record scanCSVRecord accepted into its fields,
// appending to dst. Unquoted fields and quoted fields without escapes are
// substrings of body (one allocation per record, as in encoding/csv).
func parseCSVBody(body string, comma byte, dst []string) []string {
	i := 0
	for {
		if i < len(body) && body[i] == '"' {
			i++
			start := i
			var esc []byte
			var val string
			for {
				j := strings.IndexByte(body[i:], '"')
				if j < 0 { // cannot happen for scanned input; keep the rest
					j = len(body) - i
				}
				seg := body[i : i+j]
				i += j + 1
				if i < len(body) && body[i] == '"' {
					esc = append(esc, seg...)
					esc = append(esc, '"')
					i++
					continue
				}
				if esc == nil {
					val = body[start : i-1]
				} else {
					val = string(append(esc, seg...))
				}
				break
			}
			if strings.Contains(val, "\r\n") {
				val = strings.ReplaceAll(val, "\r\n", "\n")
			}
			dst = append(dst, val)
			if i >= len(body) {
				return dst
			}
			i++ // the delimiter
			continue
		}
		j := strings.IndexByte(body[i:], comma)
		if j < 0 {
			return append(dst, body[i:])
		}
		dst = append(dst, body[i:i+j])
		i += j + 1
	}
}

// maybeEmpty is a cheap filter for allEmpty: only a record made of
// delimiters and quotes can have nothing but empty fields.
func maybeEmpty(body string, comma byte) bool {
	for i := 0; i < len(body); i++ {
		if c := body[i]; c != comma && c != '"' {
			return false
		}
	}
	return true
}

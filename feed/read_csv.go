package feed

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/dpa-tools/dpa/feed/limit"
	"github.com/dpa-tools/dpa/feed/sniff"
)

// csvReader streams CSV/TSV records with encoding/csv.
//
// Values are not copied: encoding/csv already builds one fresh string per
// record and slices the fields out of it, so they stay valid after Next
// returns. The flip side is that keeping any one value (an id for
// duplicate detection) keeps that record's whole text alive; callers that
// retain values across many items should strings.Clone them.
//
// Syntax errors: records are parsed strictly (RFC 4180 quoting). When a
// record fails (a bare `"` in an unquoted field, text after a closing
// quote), its raw bytes, which rawTap kept, are parsed again with
// LazyQuotes and the item carries a csv.syntax Problem naming the line and
// column. Strict-first matters: LazyQuotes from the start would silently
// merge following rows into one field after a stray opening quote, while
// lenient re-reading of one already-delimited record cannot.
type csvReader struct {
	readerBase
	format string
	cr     *csv.Reader
	tap    *rawTap
	comma  rune
	// lineBase is the number of physical lines (Meta `#` metadata
	// comments) consumed before encoding/csv saw the stream.
	lineBase int
	names    []string
	// rawHeader is the header as written, for rejects in the input's
	// dialect (DialectOf).
	rawHeader []string
	index     int
	checkU8   bool
	done      bool
	// split, while not nil, reads the stream instead of cr: well-formed
	// records are cut out by csvSplit and parsed by parseCSVBody, which a
	// validate worker can do (see nextDeferred). The first record split
	// cannot take goes to encoding/csv with the rest of the stream.
	split *csvSplit
	rec   []string

	items  []Item
	fields fieldSlab
}

func newCSVReader(base readerBase, text *bufio.Reader, format, ext string, opts ReadOptions) (*csvReader, error) {
	prefix, _ := text.Peek(sniffSize)
	def := ','
	if format == FormatTSV || ext == ".tsv" || ext == ".txt" || ext == ".tab" {
		def = '\t'
	}
	comma := opts.Delimiter
	if comma == 0 {
		if format == FormatTSV && opts.Format != "" {
			comma = '\t'
		} else {
			comma = sniff.Delimiter(firstLine(prefix), def)
		}
	}
	if comma == '"' || comma == '\r' || comma == '\n' || !utf8.ValidRune(comma) || comma == utf8.RuneError {
		return nil, fmt.Errorf("%s: invalid delimiter %q", base.file, comma)
	}
	if comma == '\t' {
		format = FormatTSV
	} else {
		format = FormatCSV
	}
	c := &csvReader{readerBase: base, format: format, comma: comma, checkU8: base.enc.utf8 || base.enc.name == ""}
	if hasLoneCR(prefix) && comma < utf8.RuneSelf {
		// Classic Mac line endings ("CSV (Macintosh)" from Excel), alone or
		// mixed with \n and \r\n: encoding/csv only breaks lines at \n
		// and would merge those rows into one field.
		text = bufio.NewReaderSize(&crReader{r: text, comma: byte(comma), start: true}, base.bufN)
	}

	// Skip leading blank and `#` metadata lines. Only before the header:
	// a data value may legitimately start with '#'.
	for {
		p, err := text.Peek(1)
		if len(p) == 0 || err != nil {
			break
		}
		line, err := peekLine(text)
		if err != nil && len(line) == 0 {
			break
		}
		t := bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(t)) != 0 && t[0] != '#' {
			break
		}
		if _, err := text.Discard(len(line)); err != nil {
			break
		}
		c.lineBase++
	}

	if comma < utf8.RuneSelf && !forceEncodingCSV {
		c.split = newCSVSplit(text, byte(comma), base.bufN, base.maxRecord)
	} else {
		c.startCSV(text)
	}
	hdr, err := c.header()
	if err == io.EOF {
		c.done = true
		c.diags = append(c.diags, fileFinding(c.file, ruleFeedEmpty, Error, "the feed file has no header row", ""))
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	c.names = make([]string, len(hdr))
	c.rawHeader = append([]string(nil), hdr...)
	for i, h := range hdr {
		if c.checkU8 && !utf8.ValidString(h) {
			h, _ = fixUTF8(h)
		}
		n := CanonicalName(h)
		if n == "" {
			n = "column_" + strconv.Itoa(i+1)
		}
		c.names[i] = n
	}
	c.columns = append([]string(nil), c.names...)
	return c, nil
}

// startCSV hands the stream to encoding/csv, from the start of a record.
func (c *csvReader) startCSV(text io.Reader) {
	// The tap reads in chunks of at least bufN, so text (a bufio.Reader
	// of that size) hands them over without an extra copy, and csv gets a
	// bufio.Reader it uses as is: the data is copied no more often than in
	// the bare encoding/csv baseline.
	c.tap = &rawTap{src: text, minRead: c.bufN, limit: c.maxRecord}
	c.cr = csv.NewReader(bufio.NewReaderSize(c.tap, c.bufN))
	c.cr.Comma = c.comma
	c.cr.FieldsPerRecord = -1
	c.cr.ReuseRecord = true
}

// forceEncodingCSV turns the fast split off (tests compare the two paths).
var forceEncodingCSV = false

// fallBack switches from the split to encoding/csv for the rest.
func (c *csvReader) fallBack() {
	c.lineBase += c.split.line
	c.startCSV(c.split.rest())
	c.split = nil
}

// header reads the header record (not skipped when all its cells are
// empty; a syntax problem in it is read leniently and not reported).
func (c *csvReader) header() ([]string, error) {
	if c.split != nil {
		body, _, st := c.split.next()
		switch st {
		case splitRecord:
			return parseCSVBody(body, byte(c.comma), nil), nil
		case splitEOF:
			return nil, io.EOF
		}
		c.fallBack()
	}
	hdr, _, err := c.read()
	return hdr, err
}

// peekLine returns the next line including its '\n' without consuming it,
// as far as the buffer allows.
func peekLine(br *bufio.Reader) ([]byte, error) {
	for n := 256; ; n *= 4 {
		p, err := br.Peek(n)
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			return p[:i+1], nil
		}
		if err != nil {
			return p, err
		}
	}
}

// csvProblem is a record-level syntax problem found by read.
type csvProblem struct {
	start, line, col int
	err              error
}

// read returns the next record. A syntax error is not returned as an
// error: the record is re-read leniently and described by the csvProblem.
func (c *csvReader) read() ([]string, *csvProblem, error) {
	start := c.cr.InputOffset()
	c.tap.setKeep(start)
	rec, err := c.cr.Read()
	if err == nil || err == io.EOF {
		return rec, nil, err
	}
	var pe *csv.ParseError
	if !errors.As(err, &pe) || errors.Is(pe.Err, csv.ErrFieldCount) {
		// An I/O error (truncated compressed data, a size limit): the
		// record that was being read is incomplete and dropped.
		return nil, nil, &ParseError{File: c.file, Line: c.lineBase + c.tap.lines + 1, Err: err}
	}
	prob := &csvProblem{start: c.lineBase + pe.StartLine, line: c.lineBase + pe.Line, col: pe.Column, err: pe.Err}
	raw := c.tap.span(start, c.cr.InputOffset())
	lr := csv.NewReader(bytes.NewReader(raw))
	lr.Comma = c.comma
	lr.LazyQuotes = true
	lr.FieldsPerRecord = -1
	if lrec, lerr := lr.Read(); lerr == nil {
		return lrec, prob, nil
	}
	return append([]string(nil), rec...), prob, nil
}

func (c *csvReader) lastLine() int {
	defer func() { _ = recover() }() // FieldPos panics when nothing was parsed
	l, _ := c.cr.FieldPos(0)
	return l
}

func (c *csvReader) Format() string { return c.format }

func (c *csvReader) Next() (*Item, error) { return c.next(false) }

// nextInto is Next for the validate pipeline: an item the split cut out
// comes back unparsed (raw set, no Fields), and parseDeferred, safe to call
// from other goroutines, finishes it. Items read by encoding/csv come back
// complete, in memory of their own.
//
// A split item is dst, and its text is copied into *buf: both belong to the
// caller's pipeline slot and are reused when the slot is, so a million
// records cost no allocation (the fresh string per record, the Item and
// Field slabs were most of validate's garbage, and on this kind of machine
// every page of a growing heap is a costly fault). The values (substrings
// of raw) are therefore only valid until the slot is refilled: whatever
// outlives the item (findings, kept rows, cross-item keys) must be copied.
func (c *csvReader) nextInto(dst *Item, buf *[]byte) (*Item, error) {
	for !c.done && c.split != nil {
		rec, line, st := c.split.nextBytes()
		if st == splitFallback {
			c.fallBack()
			break
		}
		if st == splitEOF {
			return c.eof()
		}
		// Only looked at before the next split call: rec stays valid.
		if c.blankRow(unsafe.String(unsafe.SliceData(rec), len(rec))) {
			continue
		}
		c.index++
		*buf = append((*buf)[:0], rec...)
		*dst = Item{File: c.file, Index: c.index, Line: c.lineBase + line, Problems: dst.Problems[:0],
			raw: unsafe.String(unsafe.SliceData(*buf), len(*buf))}
		return dst, nil
	}
	return c.next(true)
}

// eof ends the read; a file that held no item says so (noItems).
func (c *csvReader) eof() (*Item, error) {
	c.done = true
	if c.index == 0 {
		c.noItems(c.format)
	}
	return nil, io.EOF
}

// blankRow reports a record of bare delimiters, as spreadsheets export
// below the data: skipped, not an item. body is only read here.
func (c *csvReader) blankRow(body string) bool {
	return maybeEmpty(body, byte(c.comma)) && allEmpty(parseCSVBody(body, byte(c.comma), c.rec[:0]))
}

func (c *csvReader) next(deferred bool) (*Item, error) {
	for !c.done && c.split != nil {
		body, line, st := c.split.next()
		if st == splitFallback {
			c.fallBack()
			break
		}
		if st == splitEOF {
			return c.eof()
		}
		if c.blankRow(body) {
			continue
		}
		c.index++
		it := c.newItem(0)
		it.File, it.Index, it.Line = c.file, c.index, c.lineBase+line
		if deferred {
			it.raw = body
			return it, nil
		}
		c.rec = parseCSVBody(body, byte(c.comma), c.rec[:0])
		it.Fields = c.fields.get(len(c.rec))
		c.fillFields(it, c.rec, nil)
		return it, nil
	}
	for !c.done {
		rec, prob, err := c.read()
		if err == io.EOF {
			return c.eof()
		}
		if err != nil {
			c.done = true
			return nil, err
		}
		var line int
		if prob != nil {
			line = prob.start
		} else {
			line = c.lineBase + c.lastLine()
		}
		if prob == nil && allEmpty(rec) {
			continue // a row of bare delimiters, as spreadsheets export
		}
		c.index++
		it := c.newItem(len(rec))
		it.File, it.Index, it.Line = c.file, c.index, line
		c.fillFields(it, rec, prob)
		return it, nil
	}
	return nil, io.EOF
}

// parseDeferred parses an item nextInto returned unparsed; rec is the
// calling goroutine's scratch, fields the item's slot's Field buffer.
func (c *csvReader) parseDeferred(it *Item, rec *[]string, fields *[]Field) {
	*rec = parseCSVBody(it.raw, byte(c.comma), (*rec)[:0])
	// Fields split at ASCII delimiters and quotes of a valid record are
	// valid: one check of the record instead of one per field.
	checkU8 := c.checkU8 && !utf8.ValidString(it.raw)
	it.raw = ""
	n := len(*rec)
	if cap(*fields) < n {
		*fields = make([]Field, n)
	}
	it.Fields = (*fields)[:n:n]
	c.fillFieldsU8(it, *rec, nil, checkU8)
}

// fillFields names the record's values (it.Fields has len(rec) slots)
// and records encoding and column-count problems. It only reads c's
// header state, so workers may call it concurrently.
func (c *csvReader) fillFields(it *Item, rec []string, prob *csvProblem) {
	c.fillFieldsU8(it, rec, prob, c.checkU8)
}

// fillFieldsU8 is fillFields; checkU8 says whether values may be invalid
// UTF-8 and must be checked one by one.
func (c *csvReader) fillFieldsU8(it *Item, rec []string, prob *csvProblem, checkU8 bool) {
	for i, v := range rec {
		name := ""
		if i < len(c.names) {
			name = c.names[i]
		} else {
			name = "column_" + strconv.Itoa(i+1)
		}
		if checkU8 && !utf8.ValidString(v) {
			fixed, esc := fixUTF8(v)
			v = fixed
			it.Problems = append(it.Problems, invalidUTF8Problem(name, esc))
		}
		it.Fields[i] = Field{Name: name, Value: v}
	}
	if prob != nil {
		it.Problems = append(it.Problems, Problem{
			Rule:    ruleCSVSyntax,
			Message: fmt.Sprintf("line %d, column %d: %v; the row was read with lenient quoting", prob.line, prob.col, prob.err),
		})
	}
	if len(rec) != len(c.names) {
		it.Problems = append(it.Problems, Problem{
			Rule:    ruleCSVColumnCount,
			Value:   strconv.Itoa(len(rec)),
			Message: fmt.Sprintf("row has %d fields, header has %d", len(rec), len(c.names)),
		})
	}
}

func allEmpty(rec []string) bool {
	for _, v := range rec {
		if v != "" {
			return false
		}
	}
	return true
}

// newItem hands out Items and Field slices from slabs: two allocations per
// few hundred records instead of two per record. Each Fields slice has its
// capacity capped, so a caller's append reallocates instead of
// overwriting the next item.
func (c *csvReader) newItem(n int) *Item {
	if len(c.items) == 0 {
		c.items = make([]Item, 256)
	}
	it := &c.items[0]
	c.items = c.items[1:]
	it.Fields = c.fields.get(n)
	return it
}

// fieldSlab hands out Field slices from shared backing arrays.
type fieldSlab struct{ buf []Field }

func (s *fieldSlab) get(n int) []Field {
	if n == 0 {
		return nil
	}
	if cap(s.buf)-len(s.buf) < n {
		s.buf = make([]Field, 0, max(8192, n))
	}
	l := len(s.buf)
	s.buf = s.buf[:l+n]
	return s.buf[l : l+n : l+n]
}

// rawTap feeds encoding/csv and keeps the bytes from the start of the
// record being parsed, so a record that fails strict parsing can be
// parsed again.
type rawTap struct {
	src  io.Reader
	buf  []byte
	base int64 // stream offset of buf[0]
	pos  int   // index in buf of the next byte to hand out
	keep int64 // stream offset from which bytes must be retained
	// minRead is the smallest read: the size of the bufio.Reader in
	// front, so that it passes reads straight through.
	minRead int
	// limit caps the bytes retained for one record (MaxRecordBytes):
	// encoding/csv holds a whole record, several times over, so this is
	// what bounds memory on an endless field or an unclosed quote.
	limit int64
	// lines counts the newlines before keep: the line a failed record
	// starts on, which encoding/csv does not report for I/O errors.
	lines int
	err   error
}

// setKeep moves the start of the current record to off (never backwards).
func (t *rawTap) setKeep(off int64) {
	if i, j := int(t.keep-t.base), int(off-t.base); i >= 0 && i < j && j <= len(t.buf) {
		t.lines += bytes.Count(t.buf[i:j], []byte{'\n'})
	}
	t.keep = off
}

func (t *rawTap) Read(p []byte) (int, error) {
	if t.pos == len(t.buf) {
		if t.err != nil {
			return 0, t.err
		}
		t.fill()
		if t.pos == len(t.buf) {
			return 0, t.err
		}
	}
	n := copy(p, t.buf[t.pos:])
	t.pos += n
	return n, nil
}

func (t *rawTap) fill() {
	if drop := int(t.keep - t.base); drop > 0 {
		if drop > t.pos {
			drop = t.pos
		}
		n := copy(t.buf, t.buf[drop:])
		t.buf = t.buf[:n]
		t.base += int64(drop)
		t.pos -= drop
	}
	if t.limit > 0 && t.base+int64(len(t.buf))-t.keep > t.limit {
		t.err = &limit.SizeError{What: "a record", Limit: t.limit}
		return
	}
	if cap(t.buf)-len(t.buf) < t.minRead {
		nb := make([]byte, len(t.buf), 2*cap(t.buf)+t.minRead)
		copy(nb, t.buf)
		t.buf = nb
	}
	n, err := t.src.Read(t.buf[len(t.buf):cap(t.buf)])
	t.buf = t.buf[:len(t.buf)+n]
	t.err = err
}

// span returns the retained bytes between two stream offsets.
func (t *rawTap) span(from, to int64) []byte {
	i, j := int(from-t.base), int(to-t.base)
	if i < 0 {
		i = 0
	}
	if j > len(t.buf) {
		j = len(t.buf)
	}
	if i > j {
		return nil
	}
	return t.buf[i:j]
}

// hasLoneCR reports whether p has a \r that does not start a \r\n.
func hasLoneCR(p []byte) bool {
	for i := 0; ; {
		k := bytes.IndexByte(p[i:], '\r')
		if k < 0 {
			return false
		}
		i += k + 1
		if i < len(p) && p[i] != '\n' {
			return true
		}
		if i >= len(p) {
			return false // cut off by the sniff window: undecided
		}
	}
}

// crReader turns every \r that ends a line but is not followed by \n into
// \n. It follows RFC 4180 quoting, so a \r inside a quoted field stays as
// it is: values are read verbatim. A trailing \r is held back until the
// next read tells whether a \n follows.
type crReader struct {
	r       io.Reader
	comma   byte
	pending bool // a \r outside quotes was held back
	inQuote bool
	quote   bool // a '"' inside quotes was seen: an escape or the end
	start   bool // at the start of a field
}

func (c *crReader) Read(p []byte) (int, error) {
	if len(p) < 2 {
		return 0, io.ErrShortBuffer // its only caller is a bufio.Reader
	}
	off := 0
	if c.pending {
		off = 1
	}
	n, err := c.r.Read(p[off:])
	if c.pending {
		if n == 0 && err == nil {
			return 0, nil
		}
		c.pending = false
		p[0] = '\n'
		if n > 0 && p[1] == '\n' {
			p[0] = '\r'
		}
		c.start = true
		n++
	}
	b := p[:n]
	for i := off; i < len(b); i++ {
		ch := b[i]
		if c.inQuote {
			if c.quote {
				c.quote = false
				if ch == '"' {
					continue // "" is an escaped quote
				}
				c.inQuote = false // the quote closed the field; ch is outside
			} else {
				if ch == '"' {
					c.quote = true
				}
				continue
			}
		}
		switch ch {
		case '"':
			if c.start {
				c.inQuote = true
			}
			c.start = false
		case c.comma, '\n':
			c.start = true
		case '\r':
			c.start = true
			switch {
			case i+1 < len(b):
				if b[i+1] != '\n' {
					b[i] = '\n'
				}
			case err == nil:
				c.pending = true // decide on the next read
				return n - 1, nil
			default:
				b[i] = '\n' // the stream ends with a lone \r
			}
		default:
			c.start = false
		}
	}
	return n, err
}

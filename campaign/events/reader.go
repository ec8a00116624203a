package events

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dpa-tools/dpa/feed/limit"
	"github.com/dpa-tools/dpa/feed/sniff"
)

// Formats accepted by Options.Format.
const (
	FormatCSV   = "csv"
	FormatTSV   = "tsv"
	FormatJSONL = "jsonl"
)

// Options configures a Reader. The zero value reads any supported layout
// whose header names are recognisable.
type Options struct {
	// Format is "csv", "tsv", "jsonl" or "" to detect from the content.
	Format string
	// Comma overrides the detected delimiter of delimited files.
	Comma rune
	// Preset names a built-in layout (see PresetNames). Empty: recognised
	// from the header when possible.
	Preset string
	// Map maps source column names to canonical columns (see
	// CanonicalColumns); it wins over the preset and the built-in synonyms.
	Map map[string]string
	// Columns names the fields of a headerless delimited file, in order.
	Columns []string
	// DefaultEvent is the type of every row when the log has no event
	// column (clicks-only or orders-only logs). Empty: the preset's, else
	// ViewContent (with a note in Stats).
	DefaultEvent Type
	// Location applies to timestamps without a zone (UTC when nil).
	Location *time.Location
	// MaxExamples is the number of example rows kept per bad-row reason
	// (default 5).
	MaxExamples int
	// MaxRecordBytes caps one record, as feed.ReadOptions.MaxRecordBytes
	// does for feeds (0: limit.DefaultMaxRecordBytes, 16 MiB; < 0: none).
	// Without it one stray quote pulls the rest of a log into a single
	// field held in memory several times over (a 300 MB log peaked at
	// 0.9 GB, 1 GiB ran out of memory). A CSV/TSV record over it ends the
	// read with an error wrapping limit.ErrTooLarge, because the record's
	// end cannot be found without parsing it; a JSON Lines line over it is
	// a bad row (ReasonRecordTooLarge) and reading goes on.
	MaxRecordBytes int64
}

// Bad-row reasons (Stats.Bad) and skip reasons (Stats.Skipped).
const (
	ReasonUnknownEvent = "unknown_event"
	ReasonBadTime      = "bad_time"
	ReasonEmptyUser    = "empty_user"
	ReasonEmptyItem    = "empty_item"
	ReasonColumnCount  = "column_count"
	ReasonBadValue     = "bad_value"
	ReasonBadQuantity  = "bad_quantity"
	ReasonBadJSON      = "bad_json"
	// ReasonRecordTooLarge: a JSON Lines line over Options.MaxRecordBytes,
	// skipped without being held (feed.RuleRecordTooLarge for feeds).
	ReasonRecordTooLarge = "record_too_large"
	SkipIgnoredEvent     = "ignored_event"         // remove_from_cart and friends
	SkipRepeatedHeader   = "repeated_header"       // concatenated files
	SkipNegativeQty      = "non_positive_quantity" // returns and cancellations
	InfoAnonymousUser    = "user_from_session"     // empty/NA user id: the session id stands in
	InfoDefaultEventRow  = "event_from_default"    // no event column
)

// Example is one offending row.
type Example struct {
	Line  int    `json:"line"`
	Value string `json:"value,omitempty"`
}

// ReasonCount counts rows for one reason, with the first few examples.
type ReasonCount struct {
	Reason   string    `json:"reason"`
	Count    int       `json:"count"`
	Examples []Example `json:"examples,omitempty"`
}

// Stats describes what a Reader read.
type Stats struct {
	Format    string `json:"format"`
	Delimiter string `json:"delimiter,omitempty"`
	Preset    string `json:"preset,omitempty"`
	// Columns maps each canonical column to the source column it came from.
	Columns map[string]string `json:"columns"`
	// Rows is the number of data records seen (events + bad + skipped).
	Rows    int           `json:"rows"`
	Events  int           `json:"events"`
	Bad     []ReasonCount `json:"bad"`
	Skipped []ReasonCount `json:"skipped"`
	// Info counts rows that were read but adjusted (e.g. the session id
	// standing in for an anonymous user).
	Info    []ReasonCount `json:"info,omitempty"`
	Notes   []string      `json:"notes,omitempty"`
	MinTime time.Time     `json:"min_time"`
	MaxTime time.Time     `json:"max_time"`
}

// BadRows is the total of Stats.Bad.
func (s Stats) BadRows() int {
	n := 0
	for _, b := range s.Bad {
		n += b.Count
	}
	return n
}

// tally is what reading rows counts for Stats. The Reader keeps one; the
// goroutines that parse a delimited log's blocks keep one a block, merged
// into the Reader's in log order (see merge).
type tally struct {
	bad, skipped, info counter
	rows, events       int
	minT, maxT         time.Time
}

type counter struct {
	max    int
	counts map[string]*ReasonCount
}

func (c *counter) add(reason string, line int, value string) {
	if c.counts == nil {
		c.counts = map[string]*ReasonCount{}
	}
	rc := c.counts[reason]
	if rc == nil {
		rc = &ReasonCount{Reason: reason}
		c.counts[reason] = rc
	}
	rc.Count++
	if len(rc.Examples) < c.max {
		if len(value) > 80 {
			value = value[:80] + "…"
		}
		rc.Examples = append(rc.Examples, Example{Line: line, Value: strings.Clone(value)})
	}
}

func (c *counter) list() []ReasonCount {
	out := make([]ReasonCount, 0, len(c.counts))
	for _, rc := range c.counts {
		cp := *rc
		cp.Examples = append([]Example(nil), rc.Examples...)
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Reason < out[j].Reason })
	return out
}

// Reader streams canonical events from a log.
type Reader struct {
	opts   Options
	br     *bufio.Reader
	gz     *gzip.Reader
	format string
	comma  byte
	preset string

	idx     [nCols]int
	need    int // fields a row must have
	header  []string
	mapping mapping
	defType Type

	line    int      // physical lines consumed
	pending []string // first data record of a headerless file
	pendLn  int
	fields  []string
	scratch []byte

	jsonCols map[string]int

	tally
	notes     []string
	lineBuf   []byte
	maxRecord int64 // Options.MaxRecordBytes resolved (≤ 0: none)

	pq *pqState // a Parquet log (see ParquetLog)
}

// NewReader detects compression, format, delimiter and layout, reads the
// header, and returns a Reader positioned on the first record.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	if opts.MaxExamples <= 0 {
		opts.MaxExamples = 5
	}
	rd := &Reader{opts: opts, maxRecord: opts.MaxRecordBytes}
	if rd.maxRecord == 0 {
		rd.maxRecord = limit.DefaultMaxRecordBytes
	}
	rd.bad.max, rd.skipped.max, rd.info.max = opts.MaxExamples, opts.MaxExamples, opts.MaxExamples
	for i := range rd.idx {
		rd.idx[i] = -1
	}
	if pl, ok := r.(*ParquetLog); ok {
		preset, havePreset, err := lookupOptPreset(opts.Preset)
		if err != nil {
			return nil, err
		}
		return rd, rd.initParquet(pl, preset, havePreset)
	}
	br := bufio.NewReaderSize(r, 1<<16)
	// Only gzip is decoded here; a log in another compression reads as
	// garbage and fails on its header.
	if magic, _ := br.Peek(10); sniff.Compression(magic) == sniff.Gzip {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("events: gzip: %w", err)
		}
		rd.gz = gz
		br = bufio.NewReaderSize(gz, 1<<16)
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	rd.br = br
	if magic, _ := br.Peek(4); IsParquet(magic) {
		return nil, fmt.Errorf("events: a Parquet log needs random access: pass it as a file, not a stream")
	}

	preset, havePreset, err := lookupOptPreset(opts.Preset)
	if err != nil {
		return nil, err
	}

	rd.format = strings.ToLower(opts.Format)
	if rd.format == "" {
		rd.format = rd.sniffFormat()
	}
	switch rd.format {
	case FormatJSONL, "json", "ndjson":
		rd.format = FormatJSONL
		return rd, rd.initJSON(preset, havePreset)
	case FormatCSV, FormatTSV:
	default:
		return nil, fmt.Errorf("events: unknown format %q (csv, tsv, jsonl)", opts.Format)
	}
	return rd, rd.initDelimited(preset, havePreset)
}

func lookupOptPreset(name string) (Preset, bool, error) {
	if name == "" {
		return Preset{}, false, nil
	}
	p, ok := LookupPreset(name)
	if !ok {
		return Preset{}, false, fmt.Errorf("events: unknown preset %q (known: %s)", name, strings.Join(PresetNames(), ", "))
	}
	return p, true, nil
}

func (rd *Reader) sniffFormat() string {
	peek, _ := rd.br.Peek(512)
	t := bytes.TrimLeft(peek, " \t\r\n")
	if len(t) > 0 && t[0] == '{' {
		return FormatJSONL
	}
	return FormatCSV
}

func (rd *Reader) initDelimited(preset Preset, havePreset bool) error {
	switch {
	case rd.opts.Comma != 0:
		rd.comma = byte(rd.opts.Comma)
	case rd.format == FormatTSV:
		rd.comma = '\t'
	case havePreset && preset.Comma != 0:
		rd.comma = preset.Comma
	default:
		peek, _ := rd.br.Peek(4096)
		if i := bytes.IndexByte(peek, '\n'); i >= 0 {
			peek = peek[:i]
		}
		rd.comma = byte(sniff.Delimiter(peek, ','))
	}
	if rd.comma == '\t' {
		rd.format = FormatTSV
	}

	first, ln, err := rd.readRecord()
	if err == io.EOF {
		return fmt.Errorf("events: empty log")
	}
	if err != nil {
		return err
	}
	first = cloneStrings(first)

	headerless := len(rd.opts.Columns) > 0
	var cols []string
	switch {
	case headerless:
		cols = rd.opts.Columns
	case (!havePreset || preset.Name == "yoochoose") && looksLikeYoochooseRaw(first):
		headerless = true
		preset, havePreset = presets[2], true
		cols = preset.Columns
		if len(first) == 5 {
			// yoochoose-buys.dat: a purchase log.
			cols = []string{"session_id", "timestamp", "item_id", "value", "quantity"}
			preset.DefaultEvent = Purchase
		}
	}
	if !headerless {
		if !havePreset {
			if p, ok := detectPreset(first); ok {
				preset, havePreset = p, true
			}
		}
		cols = first
		rd.header = first
	} else {
		rd.pending, rd.pendLn = first, ln
	}
	return rd.bindColumns(cols, preset, havePreset)
}

func (rd *Reader) bindColumns(cols []string, preset Preset, havePreset bool) error {
	var pm map[string]string
	if havePreset {
		pm = preset.Map
		rd.preset = preset.Name
	}
	m, err := newMapping(rd.opts.Map, pm)
	if err != nil {
		return err
	}
	rd.mapping = m
	for i, c := range cols {
		ci := m.lookup(c)
		if ci >= 0 && rd.idx[ci] < 0 {
			rd.idx[ci] = i
			if i+1 > rd.need {
				rd.need = i + 1
			}
		}
	}
	return rd.finishBind(cols, preset, havePreset)
}

func (rd *Reader) finishBind(cols []string, preset Preset, havePreset bool) error {
	rd.defType = rd.opts.DefaultEvent
	if rd.defType == "" && havePreset {
		rd.defType = preset.DefaultEvent
	}
	if rd.defType != "" {
		if t, ok, _ := ParseType(string(rd.defType)); ok {
			rd.defType = t
		} else {
			return fmt.Errorf("events: unknown default event %q", rd.opts.DefaultEvent)
		}
	}
	if rd.format == FormatJSONL {
		return nil
	}
	var missing []string
	if rd.idx[cTime] < 0 {
		missing = append(missing, ColTimestamp)
	}
	if rd.idx[cItem] < 0 {
		missing = append(missing, ColItemID)
	}
	if rd.idx[cUser] < 0 && rd.idx[cSession] < 0 {
		missing = append(missing, ColUserID+" or "+ColSessionID)
	}
	if len(missing) > 0 {
		return fmt.Errorf("events: no %s column among %q; map columns with Map (--map SOURCE=CANONICAL) or choose a preset (%s)",
			strings.Join(missing, ", "), cols, strings.Join(PresetNames(), ", "))
	}
	if rd.idx[cEvent] < 0 && rd.defType == "" {
		rd.defType = ViewContent
		rd.notes = append(rd.notes, "no event column: every row read as ViewContent")
	}
	return nil
}

func cloneStrings(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.Clone(s)
	}
	return out
}

// errLineTooLarge is readLine's answer for a JSON Lines line over the
// record limit: the line was consumed without being held.
var errLineTooLarge = errors.New("line over the record limit")

// readLine returns the next physical line without its line ending. The
// slice is valid until the next call. A line over the record limit is an
// error wrapping limit.ErrTooLarge in a delimited log (its record cannot be
// told apart from the next one without parsing it); in JSON Lines it is
// skipped to its newline and reported as errLineTooLarge.
func (rd *Reader) readLine() ([]byte, error) {
	line, err := rd.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		rd.lineBuf = append(rd.lineBuf[:0], line...)
		for err == bufio.ErrBufferFull {
			if rd.maxRecord > 0 && int64(len(rd.lineBuf)) > rd.maxRecord {
				held := rd.lineBuf
				rd.lineBuf = nil // do not keep a 16 MiB buffer for the next lines
				return nil, rd.lineTooLarge(held, false)
			}
			line, err = rd.br.ReadSlice('\n')
			rd.lineBuf = append(rd.lineBuf, line...)
		}
		line = rd.lineBuf
	}
	if len(line) == 0 && err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("events: line %d: %w", rd.line+1, err)
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("events: line %d: %w", rd.line+1, err)
	}
	rd.line++
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	if rd.maxRecord > 0 && int64(n) > rd.maxRecord {
		held := line[:n]
		rd.lineBuf = nil
		return nil, rd.lineTooLarge(held, true)
	}
	return line[:n], nil
}

// lineTooLarge handles a physical line over the record limit, of which
// held is the part read (consumed: the whole line, counted in rd.line): the
// error of a delimited log, or for JSON Lines errLineTooLarge once the rest
// of the line is skipped.
func (rd *Reader) lineTooLarge(held []byte, consumed bool) error {
	ln := rd.line
	if !consumed {
		ln++
	}
	if rd.format != FormatJSONL {
		if col := openQuote(held, rd.comma); col > 0 {
			return fmt.Errorf("events: line %d, column %d: %w: the quote opened there is not closed (a stray \" in a field?)", ln, col, rd.sizeError())
		}
		return fmt.Errorf("events: line %d: %w", ln, rd.sizeError())
	}
	for !consumed {
		_, err := rd.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("events: line %d: %w", ln, err)
		}
		rd.line++
		consumed = true
	}
	return errLineTooLarge
}

// openQuote returns the 1-based column of the quote that opens a field and
// is still open at the end of p, or 0.
func openQuote(p []byte, comma byte) int {
	inQ, start, col := false, true, 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case inQ:
			if c == '"' {
				if i+1 < len(p) && p[i+1] == '"' {
					i++
				} else {
					inQ = false
				}
			}
			start = false
		case c == comma:
			start = true
		case c == '"' && start:
			inQ, col, start = true, i+1, false
		default:
			start = false
		}
	}
	if inQ {
		return col
	}
	return 0
}

// sizeError is the feed's record-limit error, so callers test both kinds
// of input with errors.Is(err, limit.ErrTooLarge).
func (rd *Reader) sizeError() error {
	return &limit.SizeError{What: "a record", Limit: rd.maxRecord}
}

// readRecord returns the next delimited record (fields valid until the next
// call) and the line it starts on. Blank lines are skipped.
func (rd *Reader) readRecord() ([]string, int, error) {
	for {
		line, err := rd.readLine()
		if err != nil {
			return nil, 0, err
		}
		if len(line) == 0 {
			continue
		}
		start := rd.line
		if bytes.IndexByte(line, '"') < 0 {
			s := string(line)
			rd.fields = rd.fields[:0]
			for {
				i := strings.IndexByte(s, rd.comma)
				if i < 0 {
					rd.fields = append(rd.fields, s)
					break
				}
				rd.fields = append(rd.fields, s[:i])
				s = s[i+1:]
			}
			return rd.fields, start, nil
		}
		f, err := rd.parseQuoted(line)
		return f, start, err
	}
}

// parseQuoted parses an RFC 4180 record that may continue over several
// physical lines. Bare quotes inside unquoted fields are kept literally.
// A record growing past the record limit is an error naming the line and
// column of the quote that opened the field: almost always a stray quote
// that would otherwise pull the rest of the log into one value.
func (rd *Reader) parseQuoted(line []byte) ([]string, error) {
	q := quoteState{buf: rd.scratch[:0], fieldStart: true}
	qLine, qCol := 0, 0 // where the open quote is
	for {
		if col := scanQuoted(&q, line, rd.comma); col > 0 {
			qLine, qCol = rd.line, col
		}
		if !q.inQ {
			break
		}
		next, err := rd.readLine()
		if err == io.EOF {
			// Unterminated quote at EOF: keep what we have.
			break
		}
		if err == nil && rd.maxRecord > 0 && int64(len(q.buf)+1+len(next)) > rd.maxRecord {
			err = rd.sizeError()
		}
		if errors.Is(err, limit.ErrTooLarge) {
			rd.scratch = nil
			return nil, fmt.Errorf("events: line %d, column %d: %w: the quote opened there is not closed (a stray \" in a field?)", qLine, qCol, rd.sizeError())
		}
		if err != nil {
			return nil, err
		}
		q.buf = append(q.buf, '\n')
		line = next
	}
	q.ends = append(q.ends, len(q.buf))
	rd.scratch = q.buf
	s := string(q.buf)
	rd.fields = rd.fields[:0]
	prev := 0
	for _, e := range q.ends {
		rd.fields = append(rd.fields, s[prev:e])
		prev = e
	}
	return rd.fields, nil
}

// quoteState is a quoted record's parse across its physical lines: the
// fields' bytes so far, where each field ended, and where the last line
// left off.
type quoteState struct {
	buf             []byte
	ends            []int
	inQ, fieldStart bool
}

// scanQuoted parses one physical line of a record (RFC 4180: a quote opens
// a field only at its start, "" inside a quoted field is a quote, bare
// quotes elsewhere are kept) into q, and returns the 1-based column of the
// last quote it opened, 0 if none. Read's parseQuoted and the blocks'
// quotedRecord both read through it, so that they read alike.
func scanQuoted[T string | []byte](q *quoteState, line T, comma byte) int {
	buf, ends, inQ, fieldStart := q.buf, q.ends, q.inQ, q.fieldStart
	opened := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case inQ:
			if c == '"' {
				if i+1 < len(line) && line[i+1] == '"' {
					buf = append(buf, '"')
					i++
				} else {
					inQ = false
				}
			} else {
				buf = append(buf, c)
			}
		case c == comma:
			ends = append(ends, len(buf))
			fieldStart = true
			continue
		case c == '"' && fieldStart:
			inQ = true
			opened = i + 1
		default:
			buf = append(buf, c)
		}
		fieldStart = false
	}
	q.buf, q.ends, q.inQ, q.fieldStart = buf, ends, inQ, fieldStart
	return opened
}

// Read returns the next usable event, or io.EOF. Unusable rows are counted
// in Stats and skipped.
func (rd *Reader) Read() (Event, error) {
	if rd.pq != nil {
		return rd.readParquet()
	}
	if rd.format == FormatJSONL {
		return rd.readJSON()
	}
	for {
		var fields []string
		var ln int
		if rd.pending != nil {
			fields, ln = rd.pending, rd.pendLn
			rd.pending = nil
		} else {
			var err error
			fields, ln, err = rd.readRecord()
			if err != nil {
				return Event{}, err
			}
		}
		if ev, ok := rd.row(&rd.tally, fields, ln, nil); ok {
			return ev, nil
		}
	}
}

// row turns one delimited record, starting on line ln, into an event,
// counting it in t: a repeated header is skipped, a short record is a bad
// row. items, when not nil, are the record's item ids already split (see
// build). The Reader and the block parsers share it, so both read a record
// alike.
func (rd *Reader) row(t *tally, fields []string, ln int, items []string) (Event, bool) {
	t.rows++
	if rd.header != nil && len(fields) == len(rd.header) && fields[0] == rd.header[0] && sameStrings(fields, rd.header) {
		t.skipped.add(SkipRepeatedHeader, ln, "")
		return Event{}, false
	}
	if len(fields) < rd.need {
		t.bad.add(ReasonColumnCount, ln, strconv.Itoa(len(fields))+" fields, want "+strconv.Itoa(rd.need))
		return Event{}, false
	}
	var vals [nCols]string
	for c := 0; c < nCols; c++ {
		if i := rd.idx[c]; i >= 0 {
			vals[c] = fields[i]
		}
	}
	return rd.build(t, &vals, items, ln)
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.TrimSpace(a[i]) != strings.TrimSpace(b[i]) {
			return false
		}
	}
	return true
}

func isNA(s string) bool {
	switch len(s) {
	case 0:
		return true
	case 2, 3, 4, 9:
		switch strings.ToLower(s) {
		case "na", "n/a", "nan", "null", "none", "undefined", "nil":
			return true
		}
	}
	return false
}

// build turns one row's canonical values into an event, counting the row
// in t. items, when not nil, are item ids already split (JSON arrays).
func (rd *Reader) build(t *tally, v *[nCols]string, items []string, line int) (Event, bool) {
	ev := Event{Line: line}
	if rd.idx[cEvent] >= 0 || rd.format == FormatJSONL && v[cEvent] != "" {
		raw := strings.TrimSpace(v[cEvent])
		typ, ok, ignored := ParseType(raw)
		switch {
		case ignored:
			t.skipped.add(SkipIgnoredEvent, line, raw)
			return ev, false
		case !ok && raw == "" && rd.defType != "":
			ev.Type = rd.defType
		case !ok:
			t.bad.add(ReasonUnknownEvent, line, raw)
			return ev, false
		default:
			ev.Type = typ
		}
	} else {
		ev.Type = rd.defType
		if ev.Type == "" {
			ev.Type = ViewContent
		}
	}

	tm, err := ParseTime(v[cTime], rd.opts.Location)
	if err != nil {
		t.bad.add(ReasonBadTime, line, v[cTime])
		return ev, false
	}
	if off := strings.TrimSpace(v[cOffset]); off != "" {
		ms, err := strconv.ParseInt(off, 10, 64)
		if err != nil {
			t.bad.add(ReasonBadTime, line, off)
			return ev, false
		}
		tm = tm.Add(time.Duration(ms) * time.Millisecond)
	}
	ev.Time = tm

	if items != nil {
		ev.ItemIDs = items
	} else {
		ev.ItemIDs = splitIDs(v[cItem])
	}
	if len(ev.ItemIDs) == 0 && ev.Type != Search {
		t.bad.add(ReasonEmptyItem, line, v[cItem])
		return ev, false
	}

	sess := strings.TrimSpace(v[cSession])
	if isNA(sess) {
		sess = ""
	}
	user := strings.TrimSpace(v[cUser])
	if isNA(user) {
		if sess == "" {
			t.bad.add(ReasonEmptyUser, line, v[cUser])
			return ev, false
		}
		if rd.idx[cUser] >= 0 || rd.format == FormatJSONL {
			t.info.add(InfoAnonymousUser, line, sess)
		}
		user = sess
	}
	ev.UserID, ev.SessionID = user, sess

	if q := strings.TrimSpace(v[cQuantity]); q != "" && !isNA(q) {
		n, err := strconv.Atoi(q)
		if err != nil {
			f, ferr := strconv.ParseFloat(q, 64)
			if ferr != nil {
				t.bad.add(ReasonBadQuantity, line, q)
				return ev, false
			}
			n = int(f)
		}
		if n <= 0 {
			t.skipped.add(SkipNegativeQty, line, q)
			return ev, false
		}
		ev.Quantity = n
	}
	if s := strings.TrimSpace(v[cValue]); s != "" && !isNA(s) {
		val, cur, ok := parseMoney(s)
		if !ok {
			t.bad.add(ReasonBadValue, line, s)
			return ev, false
		}
		ev.Value, ev.Currency = val, cur
	} else if s := strings.TrimSpace(v[cUnitPrice]); s != "" && !isNA(s) {
		val, cur, ok := parseMoney(s)
		if !ok {
			t.bad.add(ReasonBadValue, line, s)
			return ev, false
		}
		q := ev.Quantity
		if q == 0 {
			q = 1
		}
		ev.Value, ev.Currency = val*float64(q), cur
	}
	if c := strings.TrimSpace(v[cCurrency]); c != "" && !isNA(c) {
		ev.Currency = strings.ToUpper(c)
	}

	t.events++
	if t.minT.IsZero() || tm.Before(t.minT) {
		t.minT = tm
	}
	if tm.After(t.maxT) {
		t.maxT = tm
	}
	return ev, true
}

// parseMoney reads "19.99", "19.99 USD" or "USD 19.99".
func parseMoney(s string) (float64, string, bool) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, "", true
	}
	parts := strings.Fields(s)
	if len(parts) == 2 {
		if f, err := strconv.ParseFloat(parts[0], 64); err == nil {
			return f, strings.ToUpper(parts[1]), true
		}
		if f, err := strconv.ParseFloat(parts[1], 64); err == nil {
			return f, strings.ToUpper(parts[0]), true
		}
	}
	return 0, "", false
}

// splitIDs splits a content_ids value: a single id, a JSON array
// (["a","b"]) or a list separated by commas, pipes or semicolons.
func splitIDs(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" || isNA(s) {
		return nil
	}
	if !strings.ContainsAny(s, "[,|;\"'") {
		return []string{s}
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ';' })
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.Trim(strings.TrimSpace(p), `"'`)
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Stats returns the counts so far (complete after Read returned io.EOF).
func (rd *Reader) Stats() Stats {
	st := Stats{
		Format:  rd.format,
		Preset:  rd.preset,
		Columns: map[string]string{},
		Rows:    rd.rows,
		Events:  rd.events,
		Bad:     rd.bad.list(),
		Skipped: rd.skipped.list(),
		Info:    rd.info.list(),
		Notes:   append([]string(nil), rd.notes...),
		MinTime: rd.minT,
		MaxTime: rd.maxT,
	}
	if rd.format != FormatJSONL {
		if rd.comma != 0 {
			st.Delimiter = string(rune(rd.comma))
		}
		for c := 0; c < nCols; c++ {
			if i := rd.idx[c]; i >= 0 {
				src := "$" + strconv.Itoa(i+1)
				if rd.header != nil && i < len(rd.header) {
					src = rd.header[i]
				} else if i < len(rd.opts.Columns) {
					src = rd.opts.Columns[i]
				}
				st.Columns[colNames[c]] = src
			}
		}
	} else {
		for k, c := range rd.jsonCols {
			if c >= 0 {
				if prev, ok := st.Columns[colNames[c]]; !ok || k < prev {
					st.Columns[colNames[c]] = k
				}
			}
		}
	}
	return st
}

// Preset returns the preset in use ("" when none).
func (rd *Reader) Preset() string { return rd.preset }

// Close releases the gzip decoder, if any. It does not close the source.
func (rd *Reader) Close() error {
	if rd.pq != nil {
		rd.pq.close()
	}
	if rd.gz != nil {
		return rd.gz.Close()
	}
	return nil
}

// Each reads every event from r and calls fn with it. The event is only
// valid during the call. A delimited log is parsed on several goroutines
// (see blocks.go) and its events handed to fn on this one, in log order.
// Cancellation is checked every 1024 events handed to fn and every 4096
// records read sequentially.
func Each(ctx context.Context, r io.Reader, opts Options, fn func(*Event) error) (Stats, error) {
	rd, err := NewReader(r, opts)
	if err != nil {
		return Stats{}, err
	}
	defer rd.Close()
	if rd.blockwise() {
		// Used batches are recycled: the events are copied out of them by
		// any caller that keeps them.
		free := make(chan *evBatch, 16)
		failed := 0
		bt := batcher[*evBatch]{Batches: Batches[*evBatch]{
			New: func() *evBatch {
				select {
				case b := <-free:
					return b
				default:
					return new(evBatch)
				}
			},
			Add: func(b *evBatch, ev *Event) { b.evs = append(b.evs, *ev) },
			Use: func(b *evBatch) error {
				for i := range b.evs {
					if i&1023 == 1023 && ctx != nil {
						if err := ctx.Err(); err != nil {
							failed = i
							return err
						}
					}
					if err := fn(&b.evs[i]); err != nil {
						failed = i + 1
						return err
					}
				}
				clear(b.evs) // let go of the strings until reused
				b.evs = b.evs[:0]
				select {
				case free <- b:
				default:
				}
				return nil
			},
		}, used: func(*evBatch) int { return failed }}
		rest, err := eachBlock(ctx, rd, bt, true)
		if err != nil || !rest {
			return rd.Stats(), err
		}
	}
	for n := 0; ; n++ {
		if n&4095 == 0 && ctx != nil {
			if err := ctx.Err(); err != nil {
				return rd.Stats(), err
			}
		}
		ev, err := rd.Read()
		if err == io.EOF {
			return rd.Stats(), nil
		}
		if err != nil {
			return rd.Stats(), err
		}
		if err := fn(&ev); err != nil {
			return rd.Stats(), err
		}
	}
}

// evBatch is a block's events for Each.
type evBatch struct{ evs []Event }

// ---- JSON Lines ----

func (rd *Reader) initJSON(preset Preset, havePreset bool) error {
	var pm map[string]string
	if havePreset {
		pm = preset.Map
		rd.preset = preset.Name
	}
	m, err := newMapping(rd.opts.Map, pm)
	if err != nil {
		return err
	}
	rd.mapping = m
	rd.jsonCols = map[string]int{}
	return rd.finishBind(nil, preset, havePreset)
}

func (rd *Reader) readJSON() (Event, error) {
	for {
		line, err := rd.readLine()
		if err == errLineTooLarge {
			rd.rows++
			rd.bad.add(ReasonRecordTooLarge, rd.line, rd.sizeError().Error())
			continue
		}
		if err != nil {
			return Event{}, err
		}
		ln := rd.line
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rd.rows++
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			rd.bad.add(ReasonBadJSON, ln, string(line))
			continue
		}
		var vals [nCols]string
		var items []string
		rd.flatten("", obj, &vals, &items)
		if vals[cTime] == "" {
			rd.bad.add(ReasonBadTime, ln, "")
			continue
		}
		var it []string
		if items != nil {
			it = items
		}
		ev, ok := rd.build(&rd.tally, &vals, it, ln)
		if !ok {
			continue
		}
		return ev, nil
	}
}

// flatten walks a JSON object, joining nested keys with ".", and assigns
// recognised keys to canonical columns (first key wins, in sorted order).
func (rd *Reader) flatten(prefix string, obj map[string]any, vals *[nCols]string, items *[]string) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		v := obj[k]
		if sub, ok := v.(map[string]any); ok {
			rd.flatten(name, sub, vals, items)
			continue
		}
		c, seen := rd.jsonCols[name]
		if !seen {
			c = rd.mapping.lookup(name)
			rd.jsonCols[name] = c
		}
		if c < 0 || vals[c] != "" || (c == cItem && *items != nil) {
			continue
		}
		switch x := v.(type) {
		case string:
			vals[c] = x
		case json.Number:
			vals[c] = x.String()
		case bool:
			vals[c] = strconv.FormatBool(x)
		case []any:
			if c != cItem {
				continue
			}
			ids := make([]string, 0, len(x))
			for _, e := range x {
				switch y := e.(type) {
				case string:
					if y = strings.TrimSpace(y); y != "" {
						ids = append(ids, y)
					}
				case json.Number:
					ids = append(ids, y.String())
				case map[string]any: // Meta "contents": [{"id":..,"quantity":..}]
					if id, ok := y["id"]; ok {
						ids = append(ids, fmt.Sprint(id))
					}
				}
			}
			*items = ids
		}
	}
}

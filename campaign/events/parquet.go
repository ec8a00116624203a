package events

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// FormatParquet is the Stats.Format of a Parquet log.
const FormatParquet = "parquet"

// IsParquet reports whether a file starts with the Parquet magic bytes.
func IsParquet(head []byte) bool { return len(head) >= 4 && string(head[:4]) == "PAR1" }

// ParquetFile is one Parquet file of a log.
type ParquetFile struct {
	Name string
	R    io.ReaderAt
	Size int64
}

// ParquetLog is an event log in one or more Parquet files (the partitions a
// warehouse export writes), read in order as one log. Parquet keeps its
// schema in a footer, so it cannot be read as a stream: pass a *ParquetLog to
// NewReader or Each in place of the io.Reader. Its Read method only reports
// that mistake.
type ParquetLog struct{ Files []ParquetFile }

// Read fails: a ParquetLog is read by NewReader, not as bytes.
func (*ParquetLog) Read([]byte) (int, error) {
	return 0, errors.New("events: a Parquet log is read with events.NewReader, not as a byte stream")
}

// pqColumn is one bound source column of the open file.
type pqColumn struct {
	index    int                                      // column index within a row group
	conv     func(dst []byte, v parquet.Value) []byte // appends the value's text
	tmp      []byte
	repeated bool
	pages    parquet.Pages
	vals     []parquet.Value
	pos, n   int
	vr       parquet.ValueReader
}

// pqState reads the files of a ParquetLog column by column: one page per
// bound column is decoded at a time, and rows are assembled from the
// columns' cursors, so memory stays bounded by a page per column.
type pqState struct {
	files  []ParquetFile
	fi     int // index of the open file
	file   *parquet.File
	rg     int // next row group of the open file
	rgRows int64
	rgDone int64
	cols   [nCols]*pqColumn // by canonical column; nil when unbound
	names  [nCols]string    // source column bound on the first file
	row    int              // rows read over all files (the "line" of examples)
	items  []string
	rowBuf []byte
}

func (rd *Reader) initParquet(pl *ParquetLog, preset Preset, havePreset bool) error {
	if len(pl.Files) == 0 {
		return errors.New("events: empty log (no Parquet files)")
	}
	rd.format = FormatParquet
	rd.pq = &pqState{files: pl.Files, fi: -1}
	f, err := openParquet(pl.Files[0])
	if err != nil {
		return err
	}
	cols := leafNames(f)
	if !havePreset {
		if p, ok := detectPreset(cols); ok {
			preset, havePreset = p, true
		}
	}
	rd.header = cols
	if err := rd.bindColumns(cols, preset, havePreset); err != nil {
		return err
	}
	for c := 0; c < nCols; c++ {
		if i := rd.idx[c]; i >= 0 {
			rd.pq.names[c] = cols[i]
		}
	}
	rd.need = 0 // columns are looked up by name in every file
	return nil
}

func openParquet(pf ParquetFile) (*parquet.File, error) {
	f, err := parquet.OpenFile(pf.R, pf.Size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("events: %s: not a readable Parquet file: %w", pf.Name, err)
	}
	return f, nil
}

// leafNames lists a file's leaf columns as dotted paths, without the
// wrapper levels of a LIST (content_ids.list.element is content_ids), so
// nested exports map like flattened JSON (custom_data.content_ids).
func leafNames(f *parquet.File) []string {
	var out []string
	for _, path := range f.Schema().Columns() {
		p := path
		for len(p) > 1 {
			switch p[len(p)-1] {
			case "list", "element", "item", "array", "bag", "array_element":
				p = p[:len(p)-1]
				continue
			}
			break
		}
		out = append(out, strings.Join(p, "."))
	}
	return out
}

// openNext opens the next file and binds the same source columns as the
// first file, by name.
func (pq *pqState) openNext() error {
	pq.fi++
	f, err := openParquet(pq.files[pq.fi])
	if err != nil {
		return err
	}
	pq.file, pq.rg = f, 0
	names := leafNames(f)
	paths := f.Schema().Columns()
	for c := 0; c < nCols; c++ {
		pq.cols[c] = nil
		if pq.names[c] == "" {
			continue
		}
		i := indexOf(names, pq.names[c])
		if i < 0 {
			return fmt.Errorf("events: %s: no column %q (the first file has it; all files of a log need the same columns)", pq.files[pq.fi].Name, pq.names[c])
		}
		leaf, ok := f.Schema().Lookup(paths[i]...)
		if !ok {
			return fmt.Errorf("events: %s: column %q not found", pq.files[pq.fi].Name, pq.names[c])
		}
		conv, err := valueConverter(leaf.Node.Type())
		if err != nil {
			return fmt.Errorf("events: %s: column %q: %w", pq.files[pq.fi].Name, pq.names[c], err)
		}
		pq.cols[c] = &pqColumn{index: leaf.ColumnIndex, conv: conv, repeated: leaf.MaxRepetitionLevel > 0,
			vals: make([]parquet.Value, 1024)}
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// nextRowGroup positions every bound column on the next row group, opening
// the next file when needed. It returns io.EOF after the last one.
func (pq *pqState) nextRowGroup() error {
	for {
		if pq.file == nil || pq.rg >= len(pq.file.RowGroups()) {
			if pq.fi+1 >= len(pq.files) {
				return io.EOF
			}
			if err := pq.openNext(); err != nil {
				return err
			}
			continue
		}
		rg := pq.file.RowGroups()[pq.rg]
		pq.rg++
		if rg.NumRows() == 0 {
			continue
		}
		pq.rgRows, pq.rgDone = rg.NumRows(), 0
		chunks := rg.ColumnChunks()
		for _, c := range pq.cols {
			if c == nil {
				continue
			}
			if c.pages != nil {
				c.pages.Close()
			}
			c.pages = chunks[c.index].Pages()
			c.pos, c.n, c.vr = 0, 0, nil
		}
		return nil
	}
}

// peek returns the next value of the column without consuming it.
func (c *pqColumn) peek() (parquet.Value, error) {
	for c.pos >= c.n {
		if c.vr == nil {
			p, err := c.pages.ReadPage()
			if err != nil {
				if err == io.EOF {
					return parquet.Value{}, io.ErrUnexpectedEOF
				}
				return parquet.Value{}, err
			}
			c.vr = p.Values()
		}
		n, err := c.vr.ReadValues(c.vals)
		c.pos, c.n = 0, n
		if err == io.EOF {
			c.vr = nil
		} else if err != nil {
			return parquet.Value{}, err
		}
	}
	return c.vals[c.pos], nil
}

// nextScalar appends one row's value of a scalar column to dst (nothing
// for a null).
func (c *pqColumn) nextScalar(dst []byte) ([]byte, error) {
	v, err := c.peek()
	if err != nil {
		return dst, err
	}
	c.pos++
	if v.IsNull() {
		return dst, nil
	}
	return c.conv(dst, v), nil
}

// nextList reads one row of a repeated column: every element of its list.
func (c *pqColumn) nextList(items []string) ([]string, error) {
	v, err := c.peek()
	if err != nil {
		return items, err
	}
	c.pos++
	items = items[:0]
	for {
		if !v.IsNull() {
			c.tmp = c.conv(c.tmp[:0], v)
			if s := strings.TrimSpace(string(c.tmp)); s != "" {
				items = append(items, s)
			}
		}
		nv, err := c.peek()
		if err == io.ErrUnexpectedEOF {
			break // the last row of the row group
		}
		if err != nil {
			return items, err
		}
		if nv.RepetitionLevel() == 0 {
			break
		}
		v = nv
		c.pos++
	}
	return items, nil
}

func (rd *Reader) readParquet() (Event, error) {
	pq := rd.pq
	var vals [nCols]string
	for {
		if pq.file == nil || pq.rgDone >= pq.rgRows {
			if err := pq.nextRowGroup(); err != nil {
				return Event{}, err
			}
			continue
		}
		pq.rgDone++
		pq.row++
		rd.rows++
		var items []string // non-nil: a repeated item column (a list per row)
		// The scalar values' text goes into one buffer that becomes one
		// string per row, which the values slice (as the CSV reader's
		// fields share their record's string): a string per value was
		// most of the Parquet read's allocations and collection work.
		rb := pq.rowBuf[:0]
		var span [nCols][2]int32
		for c := 0; c < nCols; c++ {
			col := pq.cols[c]
			vals[c] = ""
			if col == nil {
				continue
			}
			var err error
			if !col.repeated {
				a := len(rb)
				rb, err = col.nextScalar(rb)
				span[c] = [2]int32{int32(a), int32(len(rb))}
			} else {
				var it []string
				it, err = col.nextList(pq.items)
				if c == cItem {
					pq.items = it
					items = append(make([]string, 0, len(it)), it...)
				} else if len(it) > 0 {
					vals[c] = it[0]
				}
			}
			if err != nil {
				return Event{}, fmt.Errorf("events: %s: row %d: column %s: %w", pq.files[pq.fi].Name, pq.row, pq.names[c], err)
			}
		}
		pq.rowBuf = rb
		row := string(rb)
		for c := 0; c < nCols; c++ {
			if col := pq.cols[c]; col != nil && !col.repeated {
				vals[c] = row[span[c][0]:span[c][1]]
			}
		}
		if ev, ok := rd.build(&rd.tally, &vals, items, pq.row); ok {
			return ev, nil
		}
	}
}

// valueConverter returns how a column's values become the text the CSV
// reader would have seen, so one set of parsing rules serves both formats.
// Timestamps become RFC 3339 in UTC (or without a zone when the column is
// not UTC-adjusted, so --timezone applies), dates YYYY-MM-DD, decimals
// their exact decimal text.
func valueConverter(t parquet.Type) (func([]byte, parquet.Value) []byte, error) {
	lt := t.LogicalType()
	ct := t.ConvertedType()
	var unit time.Duration
	utc := true
	isDate, scale := false, int32(-1)
	if lt != nil && lt.Value != nil {
		switch x := lt.Value.(type) {
		case *format.TimestampType:
			unit, utc = x.Unit.Value.Duration(), x.IsAdjustedToUTC
		case *format.DateType:
			isDate = true
		case *format.DecimalType:
			scale = x.Scale
		}
	} else if ct != nil {
		switch *ct {
		case deprecated.TimestampMillis:
			unit = time.Millisecond
		case deprecated.TimestampMicros:
			unit = time.Microsecond
		case deprecated.Date:
			isDate = true
		}
	}
	fmtTime := func(dst []byte, tm time.Time) []byte {
		if utc {
			return tm.UTC().AppendFormat(dst, time.RFC3339Nano)
		}
		return tm.UTC().AppendFormat(dst, "2006-01-02T15:04:05.999999999")
	}
	switch t.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		if scale >= 0 {
			return func(dst []byte, v parquet.Value) []byte {
				return append(dst, decimalText(new(big.Int).SetBytes(v.ByteArray()), v.ByteArray(), scale)...)
			}, nil
		}
		return func(dst []byte, v parquet.Value) []byte { return append(dst, v.ByteArray()...) }, nil
	case parquet.Int32:
		switch {
		case isDate:
			return func(dst []byte, v parquet.Value) []byte {
				return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(dst, "2006-01-02")
			}, nil
		case scale >= 0:
			return func(dst []byte, v parquet.Value) []byte { return append(dst, scaled(int64(v.Int32()), scale)...) }, nil
		}
		return func(dst []byte, v parquet.Value) []byte { return strconv.AppendInt(dst, int64(v.Int32()), 10) }, nil
	case parquet.Int64:
		switch {
		case unit > 0:
			return func(dst []byte, v parquet.Value) []byte {
				n := v.Int64()
				return fmtTime(dst, time.Unix(0, 0).Add(time.Duration(n)*unit))
			}, nil
		case scale >= 0:
			return func(dst []byte, v parquet.Value) []byte { return append(dst, scaled(v.Int64(), scale)...) }, nil
		}
		return func(dst []byte, v parquet.Value) []byte { return strconv.AppendInt(dst, v.Int64(), 10) }, nil
	case parquet.Int96:
		// Legacy Spark/Impala timestamps: nanoseconds of the day, then the
		// Julian day number (2440588 is 1970-01-01).
		return func(dst []byte, v parquet.Value) []byte {
			i := v.Int96()
			nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
			days := int64(i[2]) - 2440588
			return fmtTime(dst, time.Unix(days*86400, nanos).UTC())
		}, nil
	case parquet.Float:
		return func(dst []byte, v parquet.Value) []byte {
			return strconv.AppendFloat(dst, float64(v.Float()), 'g', -1, 32)
		}, nil
	case parquet.Double:
		return func(dst []byte, v parquet.Value) []byte { return strconv.AppendFloat(dst, v.Double(), 'g', -1, 64) }, nil
	case parquet.Boolean:
		return func(dst []byte, v parquet.Value) []byte { return strconv.AppendBool(dst, v.Boolean()) }, nil
	}
	return nil, fmt.Errorf("unsupported Parquet type %s", t)
}

// scaled writes n / 10^scale exactly.
func scaled(n int64, scale int32) string {
	if scale == 0 {
		return strconv.FormatInt(n, 10)
	}
	return decimalText(big.NewInt(n), nil, scale)
}

// decimalText formats a two's-complement big-endian unscaled value (raw,
// when not nil) or n with scale decimals.
func decimalText(n *big.Int, raw []byte, scale int32) string {
	if len(raw) > 0 && raw[0]&0x80 != 0 { // negative two's complement
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(raw)*8)))
	}
	s := n.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for len(s) <= int(scale) {
		s = "0" + s
	}
	s = s[:len(s)-int(scale)] + "." + s[len(s)-int(scale):]
	if neg {
		s = "-" + s
	}
	return s
}

// parquetOutput marks an io.Writer that NewWriter should write Parquet to.
type parquetOutput struct{ w io.Writer }

func (p *parquetOutput) Write(b []byte) (int, error) { return p.w.Write(b) }

// ParquetOutput wraps w so that NewWriter writes the log as Parquet (same
// columns as the CSV schema; timestamps as TIMESTAMP(NANOS, UTC)), which
// lets code that takes an io.Writer for its event log emit Parquet without
// knowing the format. With Parquet, Writer.Flush ends the file (it writes
// the footer) and must be called exactly once.
func ParquetOutput(w io.Writer) io.Writer { return &parquetOutput{w: w} }

// pqEvent is the Parquet row of the canonical schema (WriterHeader). Empty
// optional values are written as nulls, as the CSV writer leaves them empty.
// They are pointers: parquet-go v0.32.1 wrote some zero non-pointer
// optional int64 values as 0 instead of null (TestParquetWriterNulls).
type pqEvent struct {
	Timestamp int64    `parquet:"timestamp,timestamp(nanosecond)"`
	UserID    string   `parquet:"user_id,dict"`
	SessionID *string  `parquet:"session_id,dict,optional"`
	Event     string   `parquet:"event,dict"`
	ItemID    string   `parquet:"item_id,dict"`
	Value     *float64 `parquet:"value,optional"`
	Currency  *string  `parquet:"currency,dict,optional"`
	Quantity  *int64   `parquet:"quantity,optional"`
}

type parquetWriter struct {
	w    *parquet.GenericWriter[pqEvent]
	rows []pqEvent
}

func newParquetWriter(w io.Writer) *parquetWriter {
	return &parquetWriter{
		w: parquet.NewGenericWriter[pqEvent](w, parquet.Compression(&parquet.Zstd),
			parquet.MaxRowsPerRowGroup(1<<20), parquet.CreatedBy("dpa", "", "")),
		rows: make([]pqEvent, 0, 4096),
	}
}

func (p *parquetWriter) write(ev *Event) error {
	r := pqEvent{Timestamp: ev.Time.UnixNano(), UserID: ev.UserID, Event: string(ev.Type), ItemID: strings.Join(ev.ItemIDs, "|")}
	// Copies: the caller may reuse ev before the rows are written.
	if s := ev.SessionID; s != "" {
		r.SessionID = &s
	}
	if v := ev.Value; v != 0 {
		r.Value = &v
	}
	if c := ev.Currency; c != "" {
		r.Currency = &c
	}
	if ev.Quantity != 0 {
		q := int64(ev.Quantity)
		r.Quantity = &q
	}
	p.rows = append(p.rows, r)
	if len(p.rows) == cap(p.rows) {
		return p.flushRows()
	}
	return nil
}

func (p *parquetWriter) flushRows() error {
	if len(p.rows) == 0 {
		return nil
	}
	_, err := p.w.Write(p.rows)
	clear(p.rows)
	p.rows = p.rows[:0]
	return err
}

func (p *parquetWriter) close() error {
	if err := p.flushRows(); err != nil {
		return err
	}
	return p.w.Close()
}

// close releases the open column page readers.
func (pq *pqState) close() {
	for _, c := range pq.cols {
		if c != nil && c.pages != nil {
			c.pages.Close()
			c.pages = nil
		}
	}
}

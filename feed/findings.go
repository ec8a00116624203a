package feed

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
)

// DefaultMemFindings is how many findings a FindingList keeps in memory
// before it spills to a temporary file.
const DefaultMemFindings = 50_000

// FindingList holds one file's findings in report order. A feed with
// millions of findings must not need gigabytes, so past a limit the
// findings are written to a temporary file and read back when the report
// is written (spool format: see appendSpool). Findings arrive in two kinds: the item stream, already
// in report order (items in feed order, each item's findings sorted), and
// extras found out of order (variant groups at the end, file-level
// findings), kept in memory and merged in when iterating.
type FindingList struct {
	limit   int
	mem     []Finding
	spilled int // findings in the temp file, all before mem
	file    *os.File
	bw      *bufio.Writer
	enc     []byte
	extra   []Finding
	sorted  bool
	err     error
}

// newFindingList keeps up to limit findings in memory (<= 0: the default).
func newFindingList(limit int) *FindingList {
	if limit <= 0 {
		limit = DefaultMemFindings
	}
	return &FindingList{limit: limit}
}

// add appends stream findings (in report order).
func (l *FindingList) add(fs []Finding) {
	l.mem = append(l.mem, fs...)
	if len(l.mem) >= l.limit && l.err == nil {
		l.err = l.spill()
	}
}

func (l *FindingList) spill() error {
	if l.file == nil {
		f, err := os.CreateTemp("", "dpa-findings-*.spool")
		if err != nil {
			return fmt.Errorf("spooling findings: %w", err)
		}
		l.file = f
		l.bw = bufio.NewWriterSize(f, 1<<20)
	}
	for i := range l.mem {
		l.enc = appendSpool(l.enc[:0], &l.mem[i])
		if _, err := l.bw.Write(l.enc); err != nil {
			return fmt.Errorf("spooling findings: %w", err)
		}
	}
	l.spilled += len(l.mem)
	l.mem = l.mem[:0]
	return nil
}

// addExtra records findings found out of stream order.
func (l *FindingList) addExtra(fs ...Finding) { l.extra = append(l.extra, fs...); l.sorted = false }

// Len is the number of findings.
func (l *FindingList) Len() int { return l.spilled + len(l.mem) + len(l.extra) }

// Err reports a spooling failure (a full disk), which makes the list incomplete.
func (l *FindingList) Err() error { return l.err }

// All yields every finding in report order (file, line, item, field,
// rule). The *Finding is only valid until the next iteration step.
func (l *FindingList) All() iter.Seq[*Finding] {
	return func(yield func(*Finding) bool) {
		if !l.sorted {
			sortFindings(l.extra)
			l.sorted = true
		}
		next, stop := l.stream()
		defer stop()
		ex := 0
		cur, ok := next()
		for ok || ex < len(l.extra) {
			if ok && (ex == len(l.extra) || compareFindings(*cur, l.extra[ex]) <= 0) {
				if !yield(cur) {
					return
				}
				cur, ok = next()
				continue
			}
			f := l.extra[ex]
			ex++
			if !yield(&f) {
				return
			}
		}
	}
}

// stream iterates the spilled findings, then the in-memory ones.
func (l *FindingList) stream() (func() (*Finding, bool), func()) {
	var dec *spoolReader
	read := 0
	if l.spilled > 0 && l.err == nil {
		if err := l.bw.Flush(); err != nil {
			l.err = err
		} else if _, err := l.file.Seek(0, io.SeekStart); err != nil {
			l.err = err
		} else {
			dec = &spoolReader{r: bufio.NewReaderSize(l.file, 1<<20)}
		}
	}
	mi := 0
	var buf Finding
	next := func() (*Finding, bool) {
		if dec != nil && read < l.spilled {
			if err := dec.read(&buf); err != nil {
				if !errors.Is(err, io.EOF) {
					l.err = fmt.Errorf("reading spooled findings: %w", err)
				}
				dec = nil
			} else {
				read++
				return &buf, true
			}
		}
		if mi < len(l.mem) {
			mi++
			return &l.mem[mi-1], true
		}
		return nil, false
	}
	stop := func() {
		if l.file != nil {
			// leave the file open for another pass; its position is reset then
			_ = l.bw.Flush()
		}
	}
	return next, stop
}

// Collect returns all findings as a slice (for tests and small reports).
func (l *FindingList) Collect() []Finding {
	out := make([]Finding, 0, l.Len())
	for f := range l.All() {
		out = append(out, *f)
	}
	return slices.Clip(out)
}

// Close removes the temporary file, if any.
func (l *FindingList) Close() error {
	if l.file == nil {
		return nil
	}
	name := l.file.Name()
	l.file.Close()
	l.file = nil
	return os.Remove(name)
}

// appendSpool appends one finding in the spool format: the length of the
// record, then Item, Line, Severity, New and Column as varints, then the seven
// strings, each as its length and its bytes. gob spent more time on its
// per-value type machinery than on the data; this is a few appends.
func appendSpool(dst []byte, f *Finding) []byte {
	var rec [binary.MaxVarintLen64 * 5]byte
	n := binary.PutVarint(rec[:], int64(f.Item))
	n += binary.PutVarint(rec[n:], int64(f.Line))
	n += binary.PutVarint(rec[n:], int64(f.Severity))
	isNew := 0
	if f.New {
		isNew = 1
	}
	n += binary.PutVarint(rec[n:], int64(isNew))
	n += binary.PutVarint(rec[n:], int64(f.Column))
	strs := [...]string{f.File, f.ID, f.Field, f.Rule, f.Message, f.Value, f.Suggestion}
	size := n
	for _, s := range strs {
		size += uvarintLen(uint64(len(s))) + len(s)
	}
	dst = binary.AppendUvarint(dst, uint64(size))
	dst = append(dst, rec[:n]...)
	for _, s := range strs {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// spoolReader decodes appendSpool records. The strings of one finding
// share one allocation.
type spoolReader struct {
	r   *bufio.Reader
	buf []byte
}

var errSpoolCorrupt = errors.New("corrupt findings spool")

func (s *spoolReader) read(f *Finding) error {
	size, err := binary.ReadUvarint(s.r)
	if err != nil {
		return err
	}
	if size > 1<<31 {
		return errSpoolCorrupt
	}
	if cap(s.buf) < int(size) {
		s.buf = make([]byte, size)
	}
	b := s.buf[:size]
	if _, err := io.ReadFull(s.r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	var ints [5]int64
	off := 0
	for i := range ints {
		v, n := binary.Varint(b[off:])
		if n <= 0 {
			return errSpoolCorrupt
		}
		ints[i], off = v, off+n
	}
	str := string(b)
	var strs [7]string
	for i := range strs {
		l, n := binary.Uvarint(b[off:])
		if n <= 0 || l > uint64(len(b)-off-n) {
			return errSpoolCorrupt
		}
		off += n
		strs[i] = str[off : off+int(l)]
		off += int(l)
	}
	*f = Finding{File: strs[0], Item: int(ints[0]), Line: int(ints[1]), Column: int(ints[4]), ID: strs[1], Field: strs[2], Rule: strs[3],
		Severity: Severity(ints[2]), Message: strs[4], Value: strs[5], Suggestion: strs[6], New: ints[3] != 0}
	return nil
}

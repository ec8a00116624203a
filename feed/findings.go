package feed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"unsafe"
)

// DefaultMemFindings is how many findings a FindingList keeps in memory
// before it spills to a temporary file.
const DefaultMemFindings = 50_000

// FindingList holds one file's findings in report order. A feed with
// millions of findings must not need gigabytes, so the findings are kept
// encoded (spool format: see appendSpool), in memory up to a limit and in a
// temporary file past it, and decoded when the report is written. Findings
// arrive in two kinds: the item stream, already in report order (items in
// feed order, each item's findings sorted), and extras found out of order
// (variant groups at the end, file-level findings), kept in memory and
// merged in when iterating.
//
// Encoding at add copies every string, so the findings given to add may
// point into memory the caller reuses (a validate pipeline slot). The
// strings of decoded findings point into read-only chunks of the encoded
// records (one allocation per chunk, not per finding) and stay valid.
type FindingList struct {
	limit   int
	mem     []byte // encoded stream findings not yet spilled, all after the file's
	nmem    int    // findings in mem
	spilled int    // findings in the temp file, all before mem
	file    *os.File
	extra   []Finding
	sorted  bool
	err     error
}

// spillBytes caps the encoded findings kept in memory: long values make
// 50,000 findings take tens of MB, and the buffer is reused, so a smaller
// one is as fast and leaves the heap to the cross-item indexes.
const spillBytes = 4 << 20

// newFindingList keeps up to limit findings in memory (<= 0: the default).
func newFindingList(limit int) *FindingList {
	if limit <= 0 {
		limit = DefaultMemFindings
	}
	return &FindingList{limit: limit}
}

// add appends stream findings (in report order), copying them.
func (l *FindingList) add(fs []Finding) {
	for i := range fs {
		l.mem = appendSpool(l.mem, &fs[i])
	}
	l.nmem += len(fs)
	if (l.nmem >= l.limit || len(l.mem) >= spillBytes) && l.err == nil {
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
	}
	if _, err := l.file.Write(l.mem); err != nil {
		return fmt.Errorf("spooling findings: %w", err)
	}
	l.spilled += l.nmem
	// The buffer is reused: a list is only added to before it is read, so
	// no decoded finding points into it yet. A fresh buffer per spill was
	// a quarter of a GB of garbage on a feed with a finding per item, and
	// its pages faulted in anew each time.
	l.mem, l.nmem = l.mem[:0], 0
	return nil
}

// addExtra records findings found out of stream order.
func (l *FindingList) addExtra(fs ...Finding) { l.extra = append(l.extra, fs...); l.sorted = false }

// Len is the number of findings.
func (l *FindingList) Len() int { return l.spilled + l.nmem + len(l.extra) }

// Err reports a spooling failure (a full disk), which makes the list incomplete.
func (l *FindingList) Err() error { return l.err }

// All yields every finding in report order (file, line, item, field,
// rule). The *Finding is only valid until the next iteration step; its
// strings stay valid.
func (l *FindingList) All() iter.Seq[*Finding] {
	return func(yield func(*Finding) bool) {
		next := l.pull()
		for f, ok := next(); ok; f, ok = next() {
			if !yield(f) {
				return
			}
		}
	}
}

// pull returns the findings of All one call at a time (false: no more),
// for readers that hand them to other goroutines (the JSON writer).
func (l *FindingList) pull() func() (*Finding, bool) {
	if !l.sorted {
		sortFindings(l.extra)
		l.sorted = true
	}
	next := l.stream()
	ex := 0
	cur, ok := next()
	var f Finding
	return func() (*Finding, bool) {
		if ok && (ex == len(l.extra) || compareFindings(*cur, l.extra[ex]) <= 0) {
			f = *cur // the look-ahead below decodes over *cur
			cur, ok = next()
			return &f, true
		}
		if ex < len(l.extra) {
			f = l.extra[ex]
			ex++
			return &f, true
		}
		return nil, false
	}
}

// stream iterates the spilled findings, then the in-memory ones.
func (l *FindingList) stream() func() (*Finding, bool) {
	var file *spoolReader
	read := 0
	if l.spilled > 0 && l.err == nil {
		if _, err := l.file.Seek(0, io.SeekStart); err != nil {
			l.err = err
		} else {
			file = &spoolReader{r: l.file}
		}
	}
	mem := spoolReader{chunk: l.mem, eof: true}
	var buf Finding
	return func() (*Finding, bool) {
		if file != nil && read < l.spilled {
			if err := file.read(&buf); err != nil {
				if !errors.Is(err, io.EOF) {
					l.err = fmt.Errorf("reading spooled findings: %w", err)
				}
				file = nil
			} else {
				read++
				return &buf, true
			}
		}
		if mem.pos < len(mem.chunk) {
			if err := mem.read(&buf); err != nil {
				l.err = fmt.Errorf("reading findings: %w", err)
				mem.pos = len(mem.chunk)
				return nil, false
			}
			return &buf, true
		}
		return nil, false
	}
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

// spoolChunk is the size of the chunks a spoolReader reads the file in.
var spoolChunk = 1 << 20

// spoolReader decodes appendSpool records from chunk, refilled from r
// (nil: chunk is all there is). A chunk is never written once records are
// decoded from it, so the decoded strings point into it instead of being
// copied: one allocation per chunk rather than one per finding.
type spoolReader struct {
	r     io.Reader
	chunk []byte
	pos   int
	eof   bool
}

var errSpoolCorrupt = errors.New("corrupt findings spool")

func (s *spoolReader) read(f *Finding) error {
	for {
		b := s.chunk[s.pos:]
		size, n := binary.Uvarint(b)
		if n < 0 || size > 1<<31 {
			return errSpoolCorrupt
		}
		if n > 0 && uint64(len(b)-n) >= size {
			s.pos += n + int(size)
			return decodeSpool(b[n:n+int(size)], f)
		}
		if s.eof || s.r == nil {
			if len(b) == 0 {
				return io.EOF
			}
			return io.ErrUnexpectedEOF
		}
		need := len(b) + 1
		if n > 0 {
			need = n + int(size)
		}
		next := make([]byte, max(spoolChunk, need))
		copy(next, b)
		m, err := io.ReadAtLeast(s.r, next[len(b):], need-len(b))
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			s.eof = true
		case err != nil:
			return err
		}
		s.chunk, s.pos = next[:len(b)+m], 0
	}
}

// decodeSpool decodes one record's body; its strings point into b.
func decodeSpool(b []byte, f *Finding) error {
	var ints [5]int64
	off := 0
	for i := range ints {
		v, n := binary.Varint(b[off:])
		if n <= 0 {
			return errSpoolCorrupt
		}
		ints[i], off = v, off+n
	}
	str := unsafe.String(unsafe.SliceData(b), len(b))
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

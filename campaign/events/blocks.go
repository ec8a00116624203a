package events

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Reading a delimited log on several goroutines.
//
// Parsing (framing, splitting, type and time parsing, bad-row accounting)
// was a load's bottleneck: one goroutine at about 0.4 µs an event, 4 s of a
// 10M-event log's 20 s replay. A delimited log's body is therefore cut into
// blocks of whole records: one goroutine (the splitter) reads the log in
// blocks of blockSize bytes, cuts each after the last record that ends in
// it and counts its lines, so that a block is parsed on its own and knows
// the line it starts on; workers parse blocks, each counting its rows in a
// tally of its own; the caller's goroutine takes the blocks in log order,
// merges their tallies into the Reader's (so the examples kept are the
// first ones in log order) and hands their events on. What a block holds
// is read exactly as Read reads it (parseChunk follows readLine, readRecord
// and parseQuoted; row and build are shared), so the events and Stats are
// the sequential reader's.
//
// What the blocks cannot read alike goes to the sequential reader, from
// the first record concerned to the end of the log (readOn):
//   - a record that does not end within a block (a very long record, or a
//     stray quote pulling the rest of the log into one field): whether and
//     where it fails on Options.MaxRecordBytes is the sequential reader's
//     business;
//   - a read error (a truncated gzip): the reader reports it with the line
//     it reaches;
//   - a log whose record limit is below blockSize: a record of a block
//     could then be over it, which only the sequential reader reports.
//
// JSON Lines and Parquet logs are read sequentially.

var (
	// blockSize is the most bytes of a block. Large enough that a block's
	// hand-over and merge cost nothing per record, small enough that the
	// blocks in flight stay a few MiB. A variable so that tests shrink it
	// to a few bytes, putting records across block boundaries.
	blockSize = 512 << 10
	// blockWorkers is the number of goroutines parsing blocks; 0:
	// GOMAXPROCS. A variable for tests.
	blockWorkers = 0
)

// seqBatch is the number of events a batch of the sequential path holds.
const seqBatch = 4096

// chunk is a run of whole records of a delimited log.
type chunk struct {
	raw    []byte // the records, from a record boundary
	buf    []byte // raw's allocation, recycled once the block is used
	line   int    // physical lines before raw
	quotes bool   // raw holds a '"' (otherwise every record is one line)
	// rest: raw is where the log is read on from with the sequential
	// reader (see readOn); rerr, when not nil, is the read error after it.
	rest bool
	rerr error
}

// splitter cuts a delimited log into chunks. It owns rd.br until it has
// returned the last chunk.
type splitter struct {
	rd    *Reader
	line  int    // physical lines before the next chunk
	carry []byte // the start of a record read after the last chunk
	done  bool
	first bool
	free  chan []byte // the buffers of used blocks
}

func (s *splitter) buffer() []byte {
	if s.first {
		// The first block starts as large as what is buffered: it grows
		// to blockSize only when the log is larger, so that the many
		// small logs (tests, tiny shops) are not read into a 512 KiB
		// buffer each.
		s.first = false
		return make([]byte, 0, min(s.rd.br.Buffered()+512, blockSize))
	}
	select {
	case b := <-s.free:
		return b[:0]
	default:
		return make([]byte, 0, blockSize)
	}
}

// next returns the next chunk; ok is false at the end of the log.
func (s *splitter) next() (c chunk, ok bool) {
	if s.done {
		return chunk{}, false
	}
	rd := s.rd
	buf := append(s.buffer(), s.carry...)
	var err error
	for len(buf) < blockSize && err == nil {
		if len(buf) == cap(buf) { // the first block, growing
			nb := make([]byte, len(buf), min(2*cap(buf), blockSize))
			copy(nb, buf)
			buf = nb
		}
		var n int
		// Not io.ReadFull: it turns a reader's own io.ErrUnexpectedEOF (a
		// truncated gzip) into the end of the log.
		n, err = rd.br.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
	}
	c = chunk{buf: buf, line: s.line}
	switch {
	case err == io.EOF:
		// The end of the log ends the last record, quoted or not.
		s.done = true
		if len(buf) == 0 {
			return chunk{}, false
		}
		c.raw, c.quotes = buf, bytes.IndexByte(buf, '"') >= 0
		return c, true
	case err != nil:
		s.done = true
		c.raw, c.rest, c.rerr = buf, true, err
		return c, true
	}
	q := bytes.IndexByte(buf, '"')
	cut := lastCut(buf, q, rd.comma)
	if cut == 0 {
		// No record ends in a whole block.
		s.done = true
		c.raw, c.rest = buf, true
		return c, true
	}
	c.raw, c.quotes = buf[:cut], q >= 0 && q < cut
	s.carry = append(s.carry[:0], buf[cut:]...)
	s.line += bytes.Count(c.raw, []byte{'\n'})
	return c, true
}

// lastCut returns the end of the last record that ends in b (after its
// '\n'), or 0 when none does. b starts at a record boundary; q is the
// index of its first '"' (-1: none). Records are framed as parseQuoted
// frames them: a '"' opens a quoted field only at a field's start (a
// record's start or after a delimiter), "" inside quotes is a quote, and a
// newline inside quotes continues the record.
func lastCut(b []byte, q int, comma byte) int {
	cut, pos := 0, 0
	for q >= 0 {
		// Every newline before the quote ends a record.
		if i := bytes.LastIndexByte(b[pos:q], '\n'); i >= 0 {
			cut = pos + i + 1
		}
		pos = q + 1
		if q == 0 || b[q-1] == comma || b[q-1] == '\n' {
			// An opening quote: skip to the one closing it. Outside quotes
			// a newline ends a record, so after one a quote is at a
			// record's start; a delimiter outside quotes starts a field.
			for {
				e := bytes.IndexByte(b[pos:], '"')
				if e < 0 {
					return cut // open at the end of b
				}
				e += pos
				pos = e + 1
				if e+1 < len(b) && b[e+1] == '"' {
					pos++ // an escaped quote
					continue
				}
				break // closed (or at the end of b, where it does not matter)
			}
		}
		if q = bytes.IndexByte(b[pos:], '"'); q >= 0 {
			q += pos
		}
	}
	if i := bytes.LastIndexByte(b[pos:], '\n'); i >= 0 {
		cut = pos + i + 1
	}
	return cut
}

// readOn makes the Reader read on sequentially from c: rd.br is c's bytes
// followed by the rest of the log (or by the read error that ended c), and
// rd.line the lines before it. The tallies of the blocks before c are
// already merged into the Reader's.
func (rd *Reader) readOn(c *chunk) {
	var rest io.Reader = rd.br
	if c.rerr != nil {
		rest = errReader{c.rerr}
	}
	rd.br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(c.raw), rest), 1<<16)
	rd.line = c.line
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// scratch is a block parser's reusable memory.
type scratch struct {
	fields []string
	buf    []byte // a quoted record's text
	ends   []int
	ids    []string // the item ids of the event being handed over
	ev     Event    // the event being handed over
}

// parseChunk reads c's records as Read does, counting them in t, and
// calls emit with every event (valid during the call only); emit's false
// stops it. The events' strings point into c.buf, which is recycled (a
// quoted record's into a string of its own). stable: they stay valid for
// good instead, in a string a record as Read's (so that one id kept
// keeps its record, not a block), and so do the item id slices.
func (rd *Reader) parseChunk(c *chunk, t *tally, sc *scratch, stable bool, emit func(*Event) bool) {
	if len(c.raw) == 0 {
		return
	}
	s := unsafe.String(&c.raw[0], len(c.raw))
	comma := rd.comma
	ln := c.line
	ix := rd.idx[cItem]
	var arena []string // stable: the chunk's item ids, back to back
	if stable {
		arena = make([]string, 0, len(s)/64+8) // about an id a record
	}
	for pos := 0; pos < len(s); {
		// The physical line s[pos:end], without its line ending (readLine).
		end, next := lineAt(s, pos)
		ln++
		if end == pos { // blank lines are skipped (readRecord)
			pos = next
			continue
		}
		start := ln
		var fields []string
		if !c.quotes || strings.IndexByte(s[pos:end], '"') < 0 {
			f := s[pos:end]
			if stable {
				f = strings.Clone(f)
			}
			fields = sc.fields[:0]
			for {
				i := strings.IndexByte(f, comma)
				if i < 0 {
					fields = append(fields, f)
					break
				}
				fields = append(fields, f[:i])
				f = f[i+1:]
			}
			sc.fields = fields
			pos = next
		} else {
			fields, pos = rd.quotedRecord(s, pos, end, next, &ln, sc)
		}
		// The item ids are split here, into memory reused (or, stable,
		// allocated once a block) instead of a slice an event (splitIDs).
		var items []string
		if ix < len(fields) {
			if stable {
				a := len(arena)
				if arena = appendIDs(arena, fields[ix]); len(arena) > a {
					items = arena[a:len(arena):len(arena)]
				}
			} else if sc.ids = appendIDs(sc.ids[:0], fields[ix]); len(sc.ids) > 0 {
				items = sc.ids
			}
		}
		// The event goes to emit from sc: a local's address would move
		// every event to the heap.
		var ok bool
		if sc.ev, ok = rd.row(t, fields, start, items); ok && !emit(&sc.ev) {
			return
		}
	}
}

// lineAt returns the end of the physical line at pos without its line
// ending ("\n", "\r\n", or a "\r" ending the log, as readLine strips them)
// and where the next line starts.
func lineAt(s string, pos int) (end, next int) {
	if i := strings.IndexByte(s[pos:], '\n'); i >= 0 {
		end = pos + i
		next = end + 1
	} else {
		end, next = len(s), len(s)
	}
	if end > pos && s[end-1] == '\r' {
		end--
	}
	return end, next
}

// appendIDs appends splitIDs(s) to dst: nothing for an empty id, dst
// with s for one id (the common case, without splitIDs' allocation).
func appendIDs(dst []string, s string) []string {
	s = strings.TrimSpace(s)
	if s == "" || isNA(s) {
		return dst
	}
	// strings.ContainsAny(s, "[,|;\"'"), without building its set a call.
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', ',', '|', ';', '"', '\'':
			return append(dst, splitIDs(s)...)
		}
	}
	return append(dst, s)
}

// quotedRecord is parseQuoted for a record of a chunk: its first line is
// s[pos:end] and the next line starts at next; a quoted field goes on over
// the following lines (ln counts them), and the end of s ends an
// unterminated quote as the end of the log does. It returns the fields and
// where the next record starts. No record limit applies: a chunk is never
// longer than it (see blockwise).
func (rd *Reader) quotedRecord(s string, pos, end, next int, ln *int, sc *scratch) ([]string, int) {
	q := quoteState{buf: sc.buf[:0], ends: sc.ends[:0], fieldStart: true}
	line := s[pos:end]
	for {
		scanQuoted(&q, line, rd.comma)
		if !q.inQ || next >= len(s) {
			break
		}
		pos = next
		end, next = lineAt(s, pos)
		*ln++
		line = s[pos:end]
		q.buf = append(q.buf, '\n')
	}
	q.ends = append(q.ends, len(q.buf))
	str := string(q.buf)
	fields := sc.fields[:0]
	prev := 0
	for _, e := range q.ends {
		fields = append(fields, str[prev:e])
		prev = e
	}
	sc.buf, sc.ends, sc.fields = q.buf, q.ends, fields
	return fields, next
}

// blockwise reports whether the rest of the log is read in blocks: a
// delimited log whose record limit no record of a block can be over.
func (rd *Reader) blockwise() bool {
	return rd.pq == nil && rd.format != FormatJSONL && rd.br != nil &&
		(rd.maxRecord <= 0 || rd.maxRecord >= int64(blockSize))
}

// newTally returns an empty tally keeping as many examples as the Reader's.
func (rd *Reader) newTally() tally {
	var t tally
	t.bad.max, t.skipped.max, t.info.max = rd.bad.max, rd.skipped.max, rd.info.max
	return t
}

// merge adds o, the tally of the rows after t's, to t, as if t had counted
// them: the examples kept are the first ones in log order, and the first
// of equal times is kept.
func (t *tally) merge(o *tally) {
	t.rows += o.rows
	t.events += o.events
	t.bad.merge(&o.bad)
	t.skipped.merge(&o.skipped)
	t.info.merge(&o.info)
	if !o.minT.IsZero() && (t.minT.IsZero() || o.minT.Before(t.minT)) {
		t.minT = o.minT
	}
	if o.maxT.After(t.maxT) {
		t.maxT = o.maxT
	}
}

func (c *counter) merge(o *counter) {
	for reason, rc := range o.counts {
		if c.counts == nil {
			c.counts = map[string]*ReasonCount{}
		}
		dst := c.counts[reason]
		if dst == nil {
			dst = &ReasonCount{Reason: reason}
			c.counts[reason] = dst
		}
		dst.Count += rc.Count
		for _, ex := range rc.Examples {
			if len(dst.Examples) >= c.max {
				break
			}
			dst.Examples = append(dst.Examples, ex)
		}
	}
}

// Batches is how EachBatch hands a log's events over.
type Batches[B any] struct {
	// New returns an empty batch, and Add adds an event to one; both run
	// on the goroutines that parse. The event is valid during the call
	// only, its strings until Use has returned with the batch.
	New func() B
	Add func(b B, ev *Event)
	// Use is called on EachBatch's goroutine with every batch, in log
	// order. Its error stops the read and is EachBatch's.
	Use func(b B) error
}

// batcher is Batches with, for Each, used: after use's error, the number
// of b's events used, so that the Stats count the rows up to the last of
// them as Read's would (nil: the whole batch's rows).
type batcher[B any] struct {
	Batches[B]
	used func(b B) int
}

// EachBatch reads every event from r as Each does, handed over in batches:
// a delimited log is parsed on several goroutines (see blocks.go), other
// logs on one; either way parsing runs beside Use. The Stats after Use's
// error count the rows of the batches read.
func EachBatch[B any](ctx context.Context, r io.Reader, opts Options, bs Batches[B]) (Stats, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	rd, err := NewReader(r, opts)
	if err != nil {
		return Stats{}, err
	}
	defer rd.Close()
	bt := batcher[B]{Batches: bs}
	if rd.blockwise() {
		rest, err := eachBlock(ctx, rd, bt, false)
		if err != nil || !rest {
			return rd.Stats(), err
		}
	}
	err = eachSeq(ctx, rd, bt)
	return rd.Stats(), err
}

// eachSeq reads the rest of the log with Read on a second goroutine,
// handing batches of seqBatch events to bt.Use on this one.
func eachSeq[B any](ctx context.Context, rd *Reader, bt batcher[B]) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan B, 4)
	done := make(chan error, 1)
	go func() {
		defer close(full)
		b, n := bt.New(), 0
		send := func() error {
			select {
			case full <- b:
				b, n = bt.New(), 0
				return nil
			case <-pctx.Done():
				return pctx.Err()
			}
		}
		done <- func() error {
			for k := 0; ; k++ {
				if k&4095 == 0 {
					if err := pctx.Err(); err != nil {
						return err
					}
				}
				ev, err := rd.Read()
				if err != nil {
					// The events before a read error are handed over, as
					// Each hands them to fn.
					if n > 0 {
						if serr := send(); serr != nil {
							return serr
						}
					}
					if err == io.EOF {
						return nil
					}
					return err
				}
				bt.Add(b, &ev)
				if n++; n == seqBatch {
					if err := send(); err != nil {
						return err
					}
				}
			}
		}()
	}()
	var uerr error
	for b := range full {
		if uerr == nil {
			if uerr = bt.Use(b); uerr != nil {
				cancel() // the reader stops at its next hand-over
			}
		}
	}
	err := <-done
	if uerr != nil {
		return uerr
	}
	return err
}

// job is a chunk on its way through the workers.
type job[B any] struct {
	chunk
	t    tally
	out  B
	done chan struct{} // closed once parsed
}

// eachBlock reads the rest of a delimited log in blocks (see the top of
// this file), handing every block's events to bt in log order on this
// goroutine. stable keeps the events' strings valid for good, as Read's
// are (Each's callers may keep them; see parseChunk). rest is true when
// the log is to be read on with rd.Read (see readOn).
func eachBlock[B any](ctx context.Context, rd *Reader, bt batcher[B], stable bool) (rest bool, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if rd.pending != nil {
		// The first record of a headerless log, read with the header.
		fields, ln := rd.pending, rd.pendLn
		rd.pending = nil
		if ev, ok := rd.row(&rd.tally, fields, ln, nil); ok {
			b := bt.New()
			bt.Add(b, &ev)
			if err := bt.Use(b); err != nil {
				return false, err
			}
		}
	}
	workers := blockWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	inflight := 2*workers + 1
	s := &splitter{rd: rd, line: rd.line, first: true, free: make(chan []byte, inflight+2)}
	var sc scratch
	// use hands a parsed block over and merges its tally.
	use := func(j *job[B]) error {
		err := bt.Use(j.out)
		if err != nil && bt.used != nil {
			// Count the rows up to the event that failed, as Read would
			// have: parse the block again up to it.
			n, k := bt.used(j.out), 0
			j.t = rd.newTally()
			if n > 0 {
				rd.parseChunk(&j.chunk, &j.t, &sc, stable, func(*Event) bool { k++; return k < n })
			}
		}
		rd.tally.merge(&j.t)
		select {
		case s.free <- j.buf:
		default:
		}
		return err
	}

	c, ok := s.next()
	switch {
	case !ok:
		return false, nil
	case c.rest:
		rd.readOn(&c)
		return true, nil
	case s.done:
		// The whole log in one block (most small logs): parsed here, with
		// no goroutine to start.
		j := &job[B]{chunk: c, t: rd.newTally(), out: bt.New()}
		rd.parseChunk(&j.chunk, &j.t, &sc, stable, func(ev *Event) bool { bt.Add(j.out, ev); return true })
		return false, use(j)
	}

	pctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		// Stop the splitter and the workers, and wait for them: none
		// outlives the call (the splitter may finish a read first).
		cancel()
		wg.Wait()
	}()
	order := make(chan *job[B], inflight) // the blocks in log order
	work := make(chan *job[B], inflight)  // the blocks to parse
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(work)
		for ok {
			j := &job[B]{chunk: c, done: make(chan struct{})}
			select {
			case order <- j:
			case <-pctx.Done():
				return
			}
			if j.rest {
				return // read on by the caller's goroutine, once this one is done
			}
			select {
			case work <- j:
			case <-pctx.Done():
				return
			}
			c, ok = s.next()
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sc scratch
			for j := range work {
				if pctx.Err() == nil {
					j.t, j.out = rd.newTally(), bt.New()
					rd.parseChunk(&j.chunk, &j.t, &sc, stable, func(ev *Event) bool { bt.Add(j.out, ev); return true })
				}
				close(j.done)
			}
		}()
	}
	for j := range order {
		if j.rest {
			wg.Wait() // the splitter has let go of rd.br
			rd.readOn(&j.chunk)
			return true, nil
		}
		select {
		case <-j.done:
		case <-pctx.Done():
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if err := use(j); err != nil {
			return false, err
		}
	}
	// The splitter stops early only when ctx is done.
	return false, ctx.Err()
}

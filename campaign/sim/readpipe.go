package sim

import (
	"context"
	"io"
	"unsafe"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// A loaded row: the fields of an event that LoadLog keeps, its ids valid
// during the call only.
type loadRow struct {
	t          int64
	kind       rank.Kind
	user, sess string
	items      []string
}

// pipeRows is the number of rows handed over at a time: large enough that
// the hand-over costs nothing per row, small enough to stay in cache.
const pipeRows = 4096

// rowBatch holds pipeRows rows whose ids are copied into one buffer, so
// that the rows outlive the reader's call (its strings may share memory
// with the record) and a batch is recycled without allocating.
type rowBatch struct {
	rows  []loadRow
	items []string // the rows' items, back to back
	buf   []byte
}

// keep copies s into the batch's buffer. When the buffer is full a new one
// is started: the strings already handed out keep the old one alive.
func (b *rowBatch) keep(s string) string {
	if len(s) == 0 {
		return ""
	}
	if len(b.buf)+len(s) > cap(b.buf) {
		b.buf = make([]byte, 0, max(64<<10, 2*len(s)))
	}
	a := len(b.buf)
	b.buf = append(b.buf, s...)
	return unsafe.String(&b.buf[a], len(s))
}

func (b *rowBatch) reset() { b.rows, b.items, b.buf = b.rows[:0], b.items[:0], b.buf[:0] }

// eachRow reads the log with events.Each on a second goroutine and calls fn
// on this one with every row that LoadLog keeps (a search with no item is
// dropped), in log order: parsing and interning, about half of a load's
// time each, run side by side. fn's first error stops the read and is
// returned; the Stats are the reader's.
func eachRow(ctx context.Context, r io.Reader, opts events.Options, fn func(*loadRow) error) (events.Stats, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *rowBatch, 4)
	free := make(chan *rowBatch, 6)
	type result struct {
		st  events.Stats
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer close(full)
		next := func() *rowBatch {
			select {
			case b := <-free:
				return b
			default:
				return &rowBatch{rows: make([]loadRow, 0, pipeRows)}
			}
		}
		b := next()
		send := func() error {
			select {
			case full <- b:
				b = next()
				return nil
			case <-pctx.Done():
				return pctx.Err()
			}
		}
		st, err := events.Each(pctx, r, opts, func(ev *events.Event) error {
			k := rank.KindOf(string(ev.Type))
			if k == rank.KindSearch && len(ev.ItemIDs) == 0 {
				return nil
			}
			i0 := len(b.items)
			for _, id := range ev.ItemIDs {
				b.items = append(b.items, b.keep(id))
			}
			b.rows = append(b.rows, loadRow{t: ev.Time.UnixNano(), kind: k,
				user: b.keep(ev.UserID), sess: b.keep(ev.SessionID), items: b.items[i0:len(b.items):len(b.items)]})
			if len(b.rows) == pipeRows {
				return send()
			}
			return nil
		})
		if err == nil && len(b.rows) > 0 {
			err = send()
		}
		done <- result{st, err}
	}()
	var ferr error
	for b := range full {
		if ferr == nil {
			for i := range b.rows {
				if ferr = fn(&b.rows[i]); ferr != nil {
					cancel() // the reader stops at its next hand-over
					break
				}
			}
		}
		b.reset()
		select {
		case free <- b:
		default:
		}
	}
	res := <-done
	if ferr != nil {
		return res.st, ferr
	}
	return res.st, res.err
}

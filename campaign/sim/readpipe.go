package sim

import (
	"context"
	"io"

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

// rowBatch holds the rows of a batch of events (a block of a delimited
// log, see events.EachBatch), recycled without allocating. The rows' ids
// are the events' strings, valid until the batch is used.
type rowBatch struct {
	rows  []loadRow
	items []string // the rows' items, back to back
}

func (b *rowBatch) reset() {
	clear(b.rows) // let go of the ids until reused
	clear(b.items)
	b.rows, b.items = b.rows[:0], b.items[:0]
}

// eachRow reads the log with events.EachBatch and calls fn on this
// goroutine with every row that LoadLog keeps (a search with no item is
// dropped), in log order: parsing (on several goroutines for a delimited
// log) and interning, about half of a load's time each, run side by side.
// fn's first error stops the read and is returned; the Stats are the
// reader's.
func eachRow(ctx context.Context, r io.Reader, opts events.Options, fn func(*loadRow) error) (events.Stats, error) {
	free := make(chan *rowBatch, 16)
	return events.EachBatch(ctx, r, opts, events.Batches[*rowBatch]{
		New: func() *rowBatch {
			select {
			case b := <-free:
				return b
			default:
				return &rowBatch{}
			}
		},
		Add: func(b *rowBatch, ev *events.Event) {
			k := rank.KindOf(string(ev.Type))
			if k == rank.KindSearch && len(ev.ItemIDs) == 0 {
				return
			}
			i0 := len(b.items)
			b.items = append(b.items, ev.ItemIDs...)
			b.rows = append(b.rows, loadRow{t: ev.Time.UnixNano(), kind: k,
				user: ev.UserID, sess: ev.SessionID, items: b.items[i0:len(b.items):len(b.items)]})
		},
		Use: func(b *rowBatch) error {
			var err error
			for i := range b.rows {
				if err = fn(&b.rows[i]); err != nil {
					break
				}
			}
			b.reset()
			select {
			case free <- b:
			default:
			}
			return err
		},
	})
}

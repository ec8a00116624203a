package par

import "context"

// Ordered is the shape of every streaming pass that does real work per
// item (validate, normalize, export's items_batch encoding): reading is sequential (one goroutine fills slots from the
// Reader), the per-item work is independent (workers take whole batches),
// and some of the result needs input order (duplicate ids, writing), so the
// calling goroutine sees the batches back in sequence.
//
// A fixed set of batches circulates between the stages, so memory is
// bounded by Inflight × Batch slots however uneven the workers are: the
// reader waits for a free batch rather than running ahead of a stalled
// worker. Slots are reused, so buffers a slot owns (an encoded row, a
// change list) are allocated once and grow to their working size.
type Ordered[T any] struct {
	Workers int // per-item workers; 0 = GOMAXPROCS
	// Batch is the number of slots per batch (the unit a worker takes and
	// Emit sees); 0 means 256. Inflight is the number of batches in
	// circulation; 0 means 4 × workers + 4.
	Batch, Inflight int
	// Fill runs on the reading goroutine and fills *T, which holds whatever
	// the slot carried last time. false: no item (the end or a fatal error,
	// which Fill records for the caller). A Fill that blocks (on a channel)
	// must also return on the cancellation of the ctx given to Run.
	Fill func(*T) bool
	// Worker is called once on each worker goroutine; per-worker state
	// (scratch buffers) lives in the returned closure.
	Worker func() func(*T)
	// Emit receives the batches in input order on the calling goroutine.
	// It must not keep the slice: the slots are refilled afterwards.
	Emit func([]T) error
}

type batch[T any] struct {
	seq   int
	n     int
	slots []T
}

// Run returns Emit's first error or the context's. When it returns early
// because of an Emit error it waits for the reading goroutine to leave Fill,
// so the caller may close the Reader; on cancellation it does not wait (the
// reader may be blocked on a terminal or a pipe).
func (p Ordered[T]) Run(ctx context.Context) error {
	workers := Workers(p.Workers)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	inflight := p.Inflight
	if inflight <= 0 {
		inflight = 4*workers + 4
	}
	size := p.Batch
	if size <= 0 {
		size = 256
	}
	// Every batch is always in exactly one of free, raw, a worker, done or
	// the reorder ring, so no send below can block.
	free := make(chan *batch[T], inflight)
	raw := make(chan *batch[T], inflight)
	done := make(chan *batch[T], inflight)
	for range inflight {
		free <- &batch[T]{slots: make([]T, size)}
	}

	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(raw)
		for seq := 0; ; seq++ {
			var b *batch[T]
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.seq, b.n = seq, 0
			end := false
			for b.n < len(b.slots) {
				if !p.Fill(&b.slots[b.n]) {
					end = true
					break
				}
				b.n++
			}
			if b.n > 0 {
				raw <- b
			}
			if end || ctx.Err() != nil {
				return
			}
		}
	}()

	// The per-item stage runs on Do, the pool shared with campaign/sim;
	// its workers never fail, so Do only bounds and joins them.
	go func() {
		_ = Do(ctx, workers, func(ctx context.Context, _ int) error {
			work := p.Worker()
			for b := range raw {
				if ctx.Err() != nil {
					continue // drain so the reader can finish
				}
				for i := range b.slots[:b.n] {
					work(&b.slots[i])
				}
				done <- b
			}
			return nil
		})
		close(done)
	}()

	ring := make([]*batch[T], inflight)
	next := 0
	var err error
	for b := range done {
		ring[b.seq%inflight] = b
		for err == nil {
			nb := ring[next%inflight]
			if nb == nil || nb.seq != next {
				break
			}
			ring[next%inflight] = nil
			next++
			err = p.Emit(nb.slots[:nb.n])
			free <- nb
		}
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			break
		}
	}
	if err != nil {
		cancel()
		select {
		case <-readerDone:
		case <-parent.Done():
		}
		return err
	}
	return ctx.Err()
}

// Package par is the worker-pool primitive shared by the parallel passes
// of dpa (the replay and synthetic runs of campaign/sim, feed's pipeline):
// a fixed set of goroutines, the first error cancels the others and is the
// one returned, and nothing keeps working once the caller has an answer.
//
// It lives under feed because campaign already imports feed and feed
// imports nothing of campaign, so both reach it without an import cycle.
package par

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers returns n, or GOMAXPROCS when n <= 0.
func Workers(n int) int {
	if n <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return n
}

// Do runs fn(ctx, w) for w = 0..workers-1 on as many goroutines and waits
// for all of them. The first non-nil error cancels the ctx the others see
// and is returned; later errors are dropped. When the parent is cancelled,
// Do returns its ctx.Err() (unless a worker failed first).
func Do(ctx context.Context, workers int, fn func(ctx context.Context, w int) error) error {
	workers = Workers(workers)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for w := range workers {
		wg.Go(func() {
			if err := fn(ctx, w); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// Blocks runs fn(ctx, w, i) for every block index i = 0..n-1 on workers
// goroutines (w is the worker's index, for per-worker scratch state). Each
// index is claimed exactly once, in increasing order. After the first
// error, or the parent's cancellation, no new block starts. done, when set,
// is called on the calling goroutine with the number of finished blocks
// after each one, for progress reporting.
func Blocks(ctx context.Context, workers, n int, fn func(ctx context.Context, w, i int) error, done func(finished int)) error {
	workers = min(Workers(workers), max(n, 1))
	var next atomic.Int64
	finished := make(chan struct{}, n)
	errc := make(chan error, 1)
	go func() {
		errc <- Do(ctx, workers, func(ctx context.Context, w int) error {
			for {
				if err := ctx.Err(); err != nil {
					return err
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return nil
				}
				if err := fn(ctx, w, i); err != nil {
					return err
				}
				finished <- struct{}{}
			}
		})
		close(finished)
	}()
	count := 0
	for range finished {
		count++
		if done != nil {
			done(count)
		}
	}
	return <-errc
}

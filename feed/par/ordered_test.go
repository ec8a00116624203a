package par

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestOrderedKeepsInputOrder: whatever the workers' speed, Emit sees the
// items in input order, each once, for several batch and inflight sizes.
func TestOrderedKeepsInputOrder(t *testing.T) {
	for _, tc := range []struct{ workers, batch, inflight int }{{1, 1, 1}, {2, 1, 4}, {4, 3, 0}, {3, 0, 2}} {
		const n = 2000
		next := 0
		var got []int
		err := Ordered[int]{
			Workers: tc.workers, Batch: tc.batch, Inflight: tc.inflight,
			Fill: func(v *int) bool {
				if next == n {
					return false
				}
				*v = next
				next++
				return true
			},
			Worker: func() func(*int) {
				return func(v *int) {
					if *v%7 == 0 {
						time.Sleep(10 * time.Microsecond) // uneven work
					}
					*v *= 2
				}
			},
			Emit: func(b []int) error {
				got = append(got, b...)
				return nil
			},
		}.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("%+v: %d items, want %d", tc, len(got), n)
		}
		for i, v := range got {
			if v != 2*i {
				t.Fatalf("%+v: item %d = %d, want %d", tc, i, v, 2*i)
			}
		}
	}
}

// TestOrderedEmitErrorWithBlockingFill: an Emit error is returned even
// while Fill waits on a channel nobody sends to, as long as Fill watches
// the ctx the error cancels (export's items_batch encoders work so).
func TestOrderedEmitErrorWithBlockingFill(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	in := make(chan int, 1)
	in <- 1
	boom := errors.New("disk full")
	done := make(chan error, 1)
	go func() {
		done <- Ordered[int]{
			Batch: 1,
			Fill: func(v *int) bool {
				select {
				case x := <-in:
					*v = x
					return true
				case <-ctx.Done():
					return false
				}
			},
			Worker: func() func(*int) { return func(*int) {} },
			Emit: func([]int) error {
				cancel(boom)
				return boom
			},
		}.Run(ctx)
	}()
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want %v", err, boom)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the Emit error")
	}
}

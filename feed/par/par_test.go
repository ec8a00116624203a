package par

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestBlocksEveryIndexOnce(t *testing.T) {
	const n = 1000
	var seen [n]atomic.Int32
	calls := 0
	err := Blocks(context.Background(), 4, n, func(_ context.Context, w, i int) error {
		if w < 0 || w >= 4 {
			t.Errorf("worker index %d out of range", w)
		}
		seen[i].Add(1)
		return nil
	}, func(f int) { calls++; _ = f })
	if err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if got := seen[i].Load(); got != 1 {
			t.Fatalf("block %d ran %d times", i, got)
		}
	}
	if calls != n {
		t.Fatalf("done called %d times, want %d", calls, n)
	}
}

// The first error wins and stops the claiming: the old sim loops let the
// last error win and kept every worker going to the end.
func TestBlocksFirstErrorCancels(t *testing.T) {
	boom := errors.New("boom")
	var ran atomic.Int32
	err := Blocks(context.Background(), 2, 100000, func(ctx context.Context, _, i int) error {
		ran.Add(1)
		if i == 3 {
			return boom
		}
		if i > 3 {
			<-ctx.Done() // a later block only ends once the error cancelled it
			return errors.New("late error " + ctx.Err().Error())
		}
		return nil
	}, nil)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the first error", err)
	}
	if r := ran.Load(); r > 10 {
		t.Fatalf("%d blocks ran after the error; want the claiming to stop", r)
	}
}

func TestDoParentCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Do(ctx, 3, func(ctx context.Context, _ int) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

package feed

import "unsafe"

// ahead hands out fixed-size chunks, each allocated and written to page by
// page on another goroutine while the previous one fills. Validate's
// sequential pass grows its variant-group members, groups and id arena a
// chunk at a time; on this project's host a page fault in fresh memory
// costs ~12 µs, and taking those faults on the sequential pass (70 MB on
// a million-item feed) stalled it, and with it every worker, for ~0.3 s.
// The zero ahead is ready to use; it must not be copied after first use.
type ahead[T any] struct {
	size  int
	ready chan []T
}

// take returns a zeroed chunk of length 0 and capacity size (the same on
// every call) and starts preparing the next.
func (a *ahead[T]) take(size int) []T {
	if a.ready == nil {
		a.size, a.ready = size, make(chan []T, 1)
		go a.prepare()
	}
	c := <-a.ready
	go a.prepare()
	return c
}

func (a *ahead[T]) prepare() {
	c := make([]T, a.size)
	var zero T
	if step := 4096 / max(1, int(unsafe.Sizeof(zero))); step > 1 {
		for i := 0; i < len(c); i += step {
			c[i] = zero // a write, so the page is faulted in here
		}
	}
	a.ready <- c[:0]
}

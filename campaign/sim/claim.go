package sim

import "sync/atomic"

// claimer hands the indexes 0..n-1 (blocks of users or cases) to workers
// running concurrently, each index exactly once, in increasing order.
type claimer struct {
	next atomic.Int64
	n    int64
}

func newClaimer(n int) *claimer { return &claimer{n: int64(n)} }

// claim returns the next unclaimed index, or false when none is left.
func (c *claimer) claim() (int, bool) {
	i := c.next.Add(1) - 1
	return int(i), i < c.n
}

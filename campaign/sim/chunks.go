package sim

// chunkLen is the number of values in one block of a chunks column.
const chunkLen = 1 << 16

// chunks is a column being appended to in fixed blocks, so growing it
// never copies it and leaves at most one block spare; flat then moves it
// into one array of its length, releasing the blocks as it goes.
type chunks[T any] struct {
	full [][]T
	cur  []T
}

func (c *chunks[T]) add(v T) {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]T, 0, chunkLen)
	}
	c.cur = append(c.cur, v)
}

func (c *chunks[T]) len() int { return len(c.full)*chunkLen + len(c.cur) }

// flat returns the values in one array and empties c.
func (c *chunks[T]) flat() []T {
	out := make([]T, 0, c.len())
	for i, b := range c.full {
		out = append(out, b...)
		c.full[i] = nil
	}
	out = append(out, c.cur...)
	c.full, c.cur = nil, nil
	return out
}

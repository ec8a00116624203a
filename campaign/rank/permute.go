package rank

import "slices"

// CountByKey returns the indexes of key's records ordered by key, each
// key's in their current order (a counting sort: keys are dense ids ≥ 0),
// and start, where key k's records begin (start[k]:start[k+1]). Records in
// time order are then in (key, time) order without a comparison sort, the
// sort of a log's ten million records by columns read at random.
func CountByKey(key []int32) (perm, start []int32) {
	n := int32(0)
	for _, k := range key {
		n = max(n, k+1)
	}
	start = make([]int32, n+1)
	for _, k := range key {
		start[k+1]++
	}
	for k := int32(1); k <= n; k++ {
		start[k] += start[k-1]
	}
	perm = make([]int32, len(key))
	next := slices.Clone(start[:n])
	for i, k := range key {
		perm[next[k]] = int32(i)
		next[k]++
	}
	return perm, start
}

// GatherInto sets out[i] = col[perm[i]]. The reads are independent, so
// the CPU overlaps their cache misses, where following the permutation's
// cycles in place was a chain of dependent misses (10 s of CPU for the
// columns of ten million records in time order).
func GatherInto[T any](out, col []T, perm []int32) {
	out = out[:len(perm)]
	for i, p := range perm {
		out[i] = col[p]
	}
}

// GatherInt32s reorders each column by perm (GatherInto) through one spare
// array, each column's old array becoming the next one's spare: 4 bytes a
// record more at most, not a copy of every column. Nil columns are
// skipped.
func GatherInt32s(perm []int32, cols ...*[]int32) {
	spare := make([]int32, len(perm))
	for _, col := range cols {
		if *col == nil {
			continue
		}
		old := *col
		GatherInto(spare, old, perm)
		*col, spare = spare, old
	}
}

// IsIdentity reports whether perm leaves every record in place.
func IsIdentity(perm []int32) bool {
	for i, p := range perm {
		if p != int32(i) {
			return false
		}
	}
	return true
}

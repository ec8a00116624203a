package rank

import (
	"math/bits"
	"slices"
)

// scoredBefore is cmpScored(a, b) < 0: score desc, then index asc.
func scoredBefore(a, b *scoredItem) bool {
	return a.score > b.score || (a.score == b.score && a.idx < b.idx)
}

// sortScored sorts a by cmpScored. The order is total (indices are
// distinct), so any correct sort gives slices.SortFunc's result; this one
// compares inline instead of through a function value, for ranked, which
// sorts the head of every strategy's candidates for every test case of a
// replay. A quicksort (median of three) over insertion sorts, falling back
// to slices.SortFunc past 2·log2(n) levels, so it stays O(n log n).
func sortScored(a []scoredItem) {
	quickScored(a, 2*bits.Len(uint(len(a))))
}

func quickScored(a []scoredItem, depth int) {
	for len(a) > 12 {
		if depth == 0 {
			slices.SortFunc(a, cmpScored)
			return
		}
		depth--
		p := partitionScored(a)
		left, right := a[:p], a[p+1:]
		if len(left) < len(right) {
			quickScored(left, depth)
			a = right
		} else {
			quickScored(right, depth)
			a = left
		}
	}
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && scoredBefore(&a[j], &a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// partitionScored partitions a (len > 2) around the median of its first,
// middle and last items and returns the pivot's place p: a[:p] precede
// a[p], a[p+1:] follow it.
func partitionScored(a []scoredItem) int {
	m, z := len(a)/2, len(a)-1
	if scoredBefore(&a[m], &a[0]) {
		a[m], a[0] = a[0], a[m]
	}
	if scoredBefore(&a[z], &a[m]) {
		a[z], a[m] = a[m], a[z]
		if scoredBefore(&a[m], &a[0]) {
			a[m], a[0] = a[0], a[m]
		}
	}
	a[0], a[m] = a[m], a[0]
	p := a[0]
	// Hoare partition around p: a[1:i] before p, a[j+1:] not.
	i, j := 1, z
	for {
		for i <= j && scoredBefore(&a[i], &p) {
			i++
		}
		for i <= j && scoredBefore(&p, &a[j]) {
			j--
		}
		if i >= j {
			break
		}
		a[i], a[j] = a[j], a[i]
		i++
		j--
	}
	// a[1:i] precede p, a[i:] follow it (distinct keys): p goes to i-1.
	a[0], a[i-1] = a[i-1], a[0]
	return i - 1
}

// selectScored reorders a so that a[:k] holds its k first items by
// cmpScored (in no particular order): a quickselect with quickScored's
// partition, O(len(a)); past 2·log2(n) levels it sorts what is left.
func selectScored(a []scoredItem, k int) {
	for depth := 2 * bits.Len(uint(len(a))); len(a) > 12 && k > 0 && k < len(a); depth-- {
		if depth == 0 {
			sortScored(a)
			return
		}
		switch p := partitionScored(a); {
		case k <= p:
			a = a[:p]
		default:
			k -= p + 1
			a = a[p+1:]
		}
	}
	if k > 0 && k < len(a) {
		sortScored(a)
	}
}

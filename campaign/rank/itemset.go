package rank

// itemSet is a set of item ids keyed by their model index, so that a test
// compares two int32s instead of two strings: a slice while small (a
// carousel of k items, a few purchases), a map beyond 32 entries, as
// strset. Ids the model does not know (index -1: catalog items without
// interactions) are kept by string in other. Every caller passes an id's
// canonical index (resolve), so membership is exactly that of the ids.
type itemSet struct {
	s     []int32
	m     map[int32]struct{}
	other strset
}

func (x *itemSet) has(idx int32, id string) bool {
	if idx < 0 {
		return x.other.has(id)
	}
	if x.m != nil {
		_, ok := x.m[idx]
		return ok
	}
	for _, e := range x.s {
		if e == idx {
			return true
		}
	}
	return false
}

func (x *itemSet) add(idx int32, id string) {
	if x.has(idx, id) {
		return
	}
	if idx < 0 {
		x.other.add(id)
		return
	}
	if x.m != nil {
		x.m[idx] = struct{}{}
		return
	}
	x.s = append(x.s, idx)
	if len(x.s) > 32 {
		x.m = make(map[int32]struct{}, 64)
		for _, e := range x.s {
			x.m[e] = struct{}{}
		}
	}
}

func (x *itemSet) reset() { x.s, x.m = x.s[:0], nil; x.other.reset() }

// resolve returns id's model index (-1 when the model lacks it) when idx is
// idxUnknown, else idx.
func (m *Model) resolve(idx int32, id string) int32 {
	if idx != idxUnknown {
		return idx
	}
	if v, ok := m.items[id]; ok {
		return v
	}
	return -1
}

// idxAt resolves and caches the model index of history event i.
func (r *run) idxAt(i int) int32 {
	e := &r.hist[i]
	e.idx = r.m.resolve(e.idx, e.id)
	return e.idx
}

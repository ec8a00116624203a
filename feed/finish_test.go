package feed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFinishMatchesReference: the lazy finish gives the findings and bad
// items of the straightforward one on random variant groups (sizes on both
// sides of smallGroup, shared and missing attributes, repeated variants).
func TestFinishMatchesReference(t *testing.T) {
	v, err := NewValidator(channels["meta"], Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 9))
	for round := range 30 {
		a, b := newCross(v), newCross(v)
		index := 0
		for g := range 200 {
			size := 1 + rng.IntN(40)
			if rng.IntN(3) > 0 {
				size = 1 + rng.IntN(6)
			}
			group := fmt.Sprintf("G%d-%d", round, g)
			for range size {
				it := &Item{File: "f.csv", Index: index, Line: index + 2}
				k := crossKeys{id: fmt.Sprintf("id%d", index), group: group}
				k.idHash, k.groupHash = hash64(k.id), hash64(group)
				sig := uint64(fnvOffset)
				for i := range variantAttrs {
					if rng.IntN(4) > 0 {
						val := fmt.Sprint(rng.IntN(3))
						k.mask |= 1 << i
						k.hs[i] = hashLower(fnvOffset, val)
						sig = hashLower(sig, val)
					}
					sig *= fnvPrime
				}
				k.sig = sig
				a.check(it, &k, nil, false)
				b.check(it, &k, nil, false)
				index++
			}
		}
		got, want := a.finish(), b.finishReference()
		sortFindings(got)
		sortFindings(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: %d findings, want %d", round, len(got), len(want))
		}
		if len(want) == 0 || !slices.Equal(a.bad, b.bad) {
			t.Fatalf("round %d: bad items differ or no findings (%d)", round, len(want))
		}
	}
}

// finishReference is finish before it was made lazy (kept as the test's
// reference): it reports group-level findings once every member has been seen,
// groups in order of first appearance, members in feed order.
func (x *cross) finishReference() []Finding {
	var out []Finding
	seen := map[uint64]uint32{}
	for gi := range x.ngroups {
		g := x.group(gi)
		if g.count < 2 {
			continue
		}
		name := x.str(g.nameOff, g.nameLen)
		clear(seen)
		for mi := g.head; mi >= 0; mi = x.member(mi).next {
			m := x.member(mi)
			id := x.str(m.idOff, m.idLen)
			it := &Item{Index: int(m.index), Line: int(m.line), Col: int(m.col)}
			for i, a := range variantAttrs {
				bit := uint8(1) << i
				if (g.varies|g.union&coreVariantAttrs)&bit != 0 && m.mask&bit == 0 {
					var bad bool
					out, bad = x.add(it, out, id, "variant.attribute_missing", a, "", fmt.Sprintf("the variants of group %q differ by %s, but this one has none", name, a))
					if bad {
						x.markBad(int(m.index))
					}
				}
			}
			if m.mask != 0 {
				if first, ok := seen[m.sig]; ok {
					var bad bool
					out, bad = x.add(it, out, id, "variant.duplicate", "item_group_id", name, fmt.Sprintf("same variant attributes as %s in group %q", refText(first), name))
					if bad {
						x.markBad(int(m.index))
					}
				} else {
					seen[m.sig] = x.ref(int(m.line), int(m.index))
				}
			}
		}
	}
	return out
}

package sim

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// sortPerm's counting path must give exactly the full sort's permutation
// and columns: logs in time order, in key order, shuffled, with equal
// times, by user and by session (key 0: rows without a session), seq
// absent (the load order) or a permutation (after a first sort).
func TestSortPermMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for trial := range 1500 {
		n := rng.IntN(80)
		lg := &Log{}
		for range n {
			lg.t = append(lg.t, int64(rng.IntN(6)))
			lg.user = append(lg.user, int32(rng.IntN(7)))
			lg.item = append(lg.item, int32(rng.IntN(9)))
			lg.sess = append(lg.sess, int32(rng.IntN(5)))
			lg.kind = append(lg.kind, rank.Kind(1+rng.IntN(4)))
		}
		switch trial % 3 {
		case 1: // in time order, as most logs are
			idx := make([]int32, n)
			for i := range idx {
				idx[i] = int32(i)
			}
			slices.SortStableFunc(idx, func(a, b int32) int { return int(lg.t[a] - lg.t[b]) })
			lg.t, lg.user, lg.item = gather(lg.t, idx), gather(lg.user, idx), gather(lg.item, idx)
			lg.sess, lg.kind = gather(lg.sess, idx), gather(lg.kind, idx)
		case 2: // seq a permutation, as after the first sort
			lg.seq = make([]int32, n)
			for i, p := range rng.Perm(n) {
				lg.seq[i] = int32(p)
			}
		}
		session := trial%2 == 1
		want := fullSortReference(lg, session)
		got := cloneLog(lg)
		perm := got.sortPerm(session)
		if !slices.Equal(perm, want.perm) || !slices.Equal(got.t, want.lg.t) || !slices.Equal(got.user, want.lg.user) ||
			!slices.Equal(got.item, want.lg.item) || !slices.Equal(got.sess, want.lg.sess) ||
			!slices.Equal(got.kind, want.lg.kind) || !slices.Equal(got.seq, want.lg.seq) {
			t.Fatalf("trial %d (n %d, session %v): differs from the full sort", trial, n, session)
		}
	}
}

type sortedRef struct {
	lg   *Log
	perm []int32
}

// fullSortReference is sortPerm as it was: the whole permutation sorted by
// (key, time, seq), then applied to every column.
func fullSortReference(lg *Log, session bool) sortedRef {
	key := lg.user
	if session {
		key = lg.sess
	}
	perm := make([]int32, len(lg.t))
	for i := range perm {
		perm[i] = int32(i)
	}
	seqOf := func(a int32) int32 {
		if lg.seq != nil {
			return lg.seq[a]
		}
		return a
	}
	slices.SortFunc(perm, func(a, b int32) int {
		if key[a] != key[b] {
			return int(key[a] - key[b])
		}
		if lg.t[a] != lg.t[b] {
			if lg.t[a] < lg.t[b] {
				return -1
			}
			return 1
		}
		return int(seqOf(a) - seqOf(b))
	})
	out := &Log{t: gather(lg.t, perm), user: gather(lg.user, perm), item: gather(lg.item, perm),
		sess: gather(lg.sess, perm), kind: gather(lg.kind, perm)}
	if lg.seq != nil {
		out.seq = gather(lg.seq, perm)
	}
	return sortedRef{out, perm}
}

func cloneLog(lg *Log) *Log {
	return &Log{t: slices.Clone(lg.t), user: slices.Clone(lg.user), item: slices.Clone(lg.item),
		sess: slices.Clone(lg.sess), kind: slices.Clone(lg.kind), seq: slices.Clone(lg.seq), rowTies: lg.rowTies}
}

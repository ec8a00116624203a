package rank

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// topSessions must pick exactly the neighbours the full sort picked: the
// first n of (sim desc, last desc, index asc) among candidates with sim > 0,
// ties and non-positive similarities included.
func TestTopSessionsMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		nSess := 1 + rng.IntN(400)
		x := &sessIndex{last: make([]int64, nSess)}
		for i := range x.last {
			x.last[i] = int64(rng.IntN(5)) // many equal times
		}
		var cand []sessSim
		for s := range nSess {
			if rng.IntN(3) > 0 {
				cand = append(cand, sessSim{sess: int32(s), sim: float32(rng.IntN(4)) / 2}) // ties, zeros
			}
		}
		rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
		want := slices.Clone(cand)
		slices.SortFunc(want, func(a, b sessSim) int {
			switch {
			case a.sim > b.sim:
				return -1
			case a.sim < b.sim:
				return 1
			case x.last[a.sess] > x.last[b.sess]:
				return -1
			case x.last[a.sess] < x.last[b.sess]:
				return 1
			}
			return int(a.sess - b.sess)
		})
		n := 1 + rng.IntN(120)
		if len(want) > n {
			want = want[:n]
		}
		want = slices.DeleteFunc(want, func(c sessSim) bool { return c.sim <= 0 })
		got := topSessions(x, cand, n)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: top %d\n got %v\nwant %v", trial, n, got, want)
		}
	}
}

// The scratch's memo must give the same votes as a fresh search, and a
// different history must not be served the memo.
func TestSknnMemo(t *testing.T) {
	m := fixture(t, "")
	sc := &scratch{}
	votes := 0
	for _, hist := range [][]string{{"A", "B"}, {"A", "B"}, {"C"}, {"A", "B"}, {"B", "A"}, {"D", "C"}} {
		h := History{UserID: "x"}
		for i, id := range hist {
			h.Events = append(h.Events, Event{ItemID: id, Kind: KindView, Time: at(time.Duration(i) * time.Minute)})
		}
		o := Options{}
		o.defaults()
		r := m.newRun(h, 10, now, &o)
		got := slices.Clone(r.sknn(sc))
		want := r.sknnVotes(&scratch{}, m.sess, r.seeds(false, sknnItems), nil)
		if !slices.Equal(got, want) {
			t.Fatalf("history %v: memo %v, fresh %v", hist, got, want)
		}
		votes += len(got)
	}
	if votes == 0 {
		t.Fatal("the fixture gave no votes at all: the test compares nothing")
	}
}

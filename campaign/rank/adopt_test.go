package rank

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestAdoptIDsMatchesAddIDs: a builder that takes the columns over builds
// the model AddIDs builds from the same records in the same order (users,
// items, histories, both graphs), including records AddIDs skips.
func TestAdoptIDsMatchesAddIDs(t *testing.T) {
	users := []string{"u0", "u1", "", "u3", "u4", "u5"}
	items := []string{"i0", "i1", "i2", "", "i4", "i5", "i6", "i7"}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 3000
	ts := make([]int64, n)
	user, item, sess := make([]int32, n), make([]int32, n), make([]int32, n)
	kind := make([]Kind, n)
	for i := range ts {
		ts[i] = int64(rng.IntN(50)) * 1e9 * 60
		user[i] = int32(rng.IntN(len(users)))
		item[i] = int32(rng.IntN(len(items)))
		sess[i] = int32(rng.IntN(4))
		kind[i] = Kind(rng.IntN(5))
	}
	add := NewBuilderIDs(ModelConfig{MinCount: 1}, users, items)
	for i := range ts {
		add.AddIDs(user[i], item[i], sess[i], kind[i], ts[i])
	}
	adopt := NewBuilderIDs(ModelConfig{MinCount: 1}, users, items)
	adopt.AdoptIDs(ts, user, item, sess, kind)
	if add.Len() != adopt.Len() || add.Len() == 0 || add.Len() == n {
		t.Fatalf("Len: AddIDs %d, AdoptIDs %d of %d", add.Len(), adopt.Len(), n)
	}
	ma, err := add.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mb, err := adopt.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ma.UserIDs(), mb.UserIDs()) || !reflect.DeepEqual(ma.ItemIDs(), mb.ItemIDs()) {
		t.Fatalf("ids differ: %v %v / %v %v", ma.UserIDs(), ma.ItemIDs(), mb.UserIDs(), mb.ItemIDs())
	}
	for _, u := range users {
		if !reflect.DeepEqual(ma.History(u), mb.History(u)) {
			t.Fatalf("history of %q differs", u)
		}
	}
	for _, it := range items {
		for _, buy := range []bool{false, true} {
			if !reflect.DeepEqual(ma.Similar(it, buy), mb.Similar(it, buy)) {
				t.Fatalf("Similar(%q, %v) differs", it, buy)
			}
		}
	}
}

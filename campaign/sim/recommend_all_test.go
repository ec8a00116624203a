package sim

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// TestRecommendAllMatchesPerUser: the batch run gives each user, in id
// order, exactly the list a single-user Recommend gives, whatever the
// number of workers; the shards partition the users; a cancelled context
// ends the run with its error.
func TestRecommendAllMatchesPerUser(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "examples", "events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, st, err := BuildModel(context.Background(), f, events.Options{}, rank.ModelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	o := AllUsersOptions{Strategy: "auto", K: 5, Now: st.MaxTime}
	users := ShardUsers(m, Shard{})
	var want []string
	for _, u := range users {
		recs, err := m.Recommend(m.History(u), o.Strategy, o.K, o.Now, o.Rank)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			want = append(want, u+" "+r.ItemID)
		}
	}
	if len(want) == 0 {
		t.Fatal("no recommendations in the example log")
	}
	for _, workers := range []int{1, 3} {
		o.Workers = workers
		var got []string
		err := RecommendAll(context.Background(), m, users, o, func(u string, recs []rank.Rec) error {
			for _, r := range recs {
				got = append(got, u+" "+r.ItemID)
			}
			return nil
		})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("workers %d: err %v, %d rows, want %d equal to per-user Recommend", workers, err, len(got), len(want))
		}
	}
	n := 0
	for i := range 3 {
		n += len(ShardUsers(m, Shard{Index: i, Count: 3}))
	}
	if n != len(users) {
		t.Errorf("3 shards hold %d users, want %d", n, len(users))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = RecommendAll(ctx, m, users, o, func(string, []rank.Rec) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

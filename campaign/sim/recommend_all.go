package sim

import (
	"context"
	"slices"
	"time"

	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/feed/par"
)

// AllUsersOptions are the choices of a batch recommendation run
// (`dpa recommend --all-users`).
type AllUsersOptions struct {
	Strategy rank.Strategy
	K        int
	Now      time.Time
	Rank     rank.Options
	Workers  int // 0 = GOMAXPROCS
	// Progress, when set, is called with the number of users ranked so far.
	Progress func(users int)
}

// allUsersSlot is one user's list on its way through the pool.
type allUsersSlot struct {
	user string
	recs []rank.Rec
	err  error
}

// ShardUsers lists the model's users that fall in the shard (the zero
// Shard: all of them), in user-id order, the order RecommendAll ranks in.
func ShardUsers(m *rank.Model, s Shard) []string {
	var users []string
	for _, u := range m.UserIDs() {
		if s.Has(u) {
			users = append(users, u)
		}
	}
	slices.Sort(users)
	return users
}

// RecommendAll ranks users (see ShardUsers) and hands each list to emit in
// the users' order. Users are independent,
// so they are ranked on feed's ordered pool (par.Ordered, as validate and
// export use it): the output does not depend on Workers, memory is bounded
// by the batches in flight, and the parts of a sharded run interleave into
// the unsharded output (dpa merge).
func RecommendAll(ctx context.Context, m *rank.Model, users []string, o AllUsersOptions, emit func(user string, recs []rank.Rec) error) error {
	next, done := 0, 0
	err := par.Ordered[allUsersSlot]{
		Workers: o.Workers, Batch: 64,
		Fill: func(sl *allUsersSlot) bool {
			if next == len(users) || ctx.Err() != nil {
				return false
			}
			sl.user, sl.recs, sl.err = users[next], nil, nil
			next++
			return true
		},
		Worker: func() func(*allUsersSlot) {
			return func(sl *allUsersSlot) {
				sl.recs, sl.err = m.Recommend(m.History(sl.user), o.Strategy, o.K, o.Now, o.Rank)
			}
		},
		Emit: func(slots []allUsersSlot) error {
			for i := range slots {
				if slots[i].err != nil {
					return slots[i].err
				}
				if err := emit(slots[i].user, slots[i].recs); err != nil {
					return err
				}
				slots[i].recs = nil
			}
			done += len(slots)
			if o.Progress != nil {
				o.Progress(done)
			}
			return nil
		},
	}.Run(ctx)
	if err == nil {
		err = ctx.Err()
	}
	return err
}

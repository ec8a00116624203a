package sim

import (
	"context"
	"io"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// BuildModel reads a whole event log into a ranking model, for
// `dpa recommend`: the model then answers History(user) and Recommend for
// any user of the log as of the log's last timestamp (Stats.MaxTime).
func BuildModel(ctx context.Context, r io.Reader, read events.Options, cfg rank.ModelConfig) (*rank.Model, events.Stats, error) {
	return BuildModelWith(ctx, r, read, cfg, nil)
}

// BuildModelWith is BuildModel with the item-to-item graphs taken from a
// model artifact's counts when g is not nil (rank.Builder.BuildWith).
func BuildModelWith(ctx context.Context, r io.Reader, read events.Options, cfg rank.ModelConfig, g *rank.Graphs) (*rank.Model, events.Stats, error) {
	b := rank.NewBuilder(cfg)
	st, err := events.Each(ctx, r, read, func(ev *events.Event) error {
		k := rank.KindOf(string(ev.Type))
		t := ev.Time.UnixNano()
		for _, id := range ev.ItemIDs {
			b.AddRaw(ev.UserID, ev.SessionID, id, k, t)
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	if g != nil {
		m, err := b.BuildWith(ctx, g)
		return m, st, err
	}
	m, err := b.Build(ctx)
	return m, st, err
}

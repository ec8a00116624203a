package sim

import (
	"context"
	"errors"
	"fmt"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// TrainModel runs the first stages of a replay — split and training — and
// returns the item model the replay would rank with, and the split it was
// trained for (dpa model build): the same split rules and training events
// as ReplayLog with the same options.
func TrainModel(ctx context.Context, lg *Log, opts ReplayOptions) (*rank.Model, SplitInfo, error) {
	opts.defaults()
	opts.Graphs = nil
	if err := opts.Validate(); err != nil {
		return nil, SplitInfo{}, fmt.Errorf("sim: %w", err)
	}
	if lg.Events() == 0 {
		return nil, SplitInfo{}, errors.New("sim: the event log has no usable events")
	}
	r := &replayRun{lg: lg, opts: opts, res: &ReplayResult{SchemaVersion: 1, Mode: "replay", K: opts.K, Read: lg.Stats}}
	r.splitLog()
	if err := r.train(ctx); err != nil {
		return nil, SplitInfo{}, err
	}
	return r.model, r.res.Split, nil
}

package sim

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/feed/par"
)

// A synthetic run goes through stages, each a method of synthRun:
//
//	load    newSynthRun: options, catalog and the shopper world
//	organic organic: every shopper's browsing (shared by all strategies),
//	        emitted in shopper order
//	train   train: the item models, one per retraining cut
//	score   ads: day by day, an ad slot per shopper in which every strategy
//	        shows a carousel (synth_ads.go), summed per fixed shard
//	reduce  reduce: shards summed in order into the per-strategy report
type synthRun struct {
	opts       SyntheticOptions
	strategies []rank.Strategy
	prods      []rank.Product
	w          *world
	res        *SynthResult

	all      [][]oev // per shopper, time order
	shoppers []shopperModel
	models   []*rank.Model // models[i] is trained on days < 1+i*RetrainDays

	shardAcc [][]sacc     // per shard, per strategy
	covered  [][][]bool   // per worker, per strategy, per product
	boots    []*synthBoot // per worker: the shopper bootstrap (synth_boot.go)
}

// sacc sums one strategy's outcomes over a shard of shoppers.
type sacc struct {
	imp, clicks, buys, oos, shown, reach int64
	rev                                  float64
	revU                                 int64 // revenue in revFix units, for the bootstrap
	// dayImp, dayClicks count per simulated day, for the learning curve
	// (allocated only with Learn).
	dayImp, dayClicks []int64
}

const (
	organicShard = 1024 // shoppers per organic generation block
	adsShard     = 256  // shoppers per ad-simulation block
)

// Synthetic runs the simulation: organic browsing for every shopper first
// (shared by all strategies), then, day by day, an ad slot per shopper in
// which each strategy shows a carousel of K products.
//
// Common random numbers: the draws that decide whether a slot exists,
// whether the ad is served, whether each position is clicked and whether a
// click converts are the same for every strategy (a stream per shopper and
// day). Ad clicks and purchases do not feed back into organic browsing, so
// all strategies face identical shoppers; an ad purchase does exclude the
// product from that strategy's later carousels.
func Synthetic(ctx context.Context, opts SyntheticOptions) (*SynthResult, error) {
	r, err := newSynthRun(opts)
	if err != nil {
		return nil, err
	}
	if err := r.organic(ctx); err != nil {
		return nil, err
	}
	if r.opts.OrganicOnly {
		return r.res, nil
	}
	if err := r.train(ctx); err != nil {
		return nil, err
	}
	if err := r.ads(ctx); err != nil {
		return nil, err
	}
	r.reduce()
	if r.opts.Learn != nil {
		if err := r.learn(ctx); err != nil {
			return nil, err
		}
	}
	return r.res, nil
}

// newSynthRun applies the defaults, validates and sets up the catalog.
func newSynthRun(opts SyntheticOptions) (*synthRun, error) {
	opts.defaults()
	if err := opts.Validate(); err != nil {
		return nil, errors.New("sim: " + err.Error())
	}
	strategies, err := ParseStrategies(strategyNames(opts.Strategies))
	if err != nil {
		return nil, err
	}
	prods := opts.Catalog
	if prods == nil {
		prods = GenerateCatalog(opts.Items, opts.Seed)
	}
	if len(prods) == 0 {
		return nil, errors.New("sim: empty catalog")
	}
	w := newWorld(prods, opts.Seed)
	w.setDrift(opts.Drift, opts.Seed)
	res := &SynthResult{SchemaVersion: SchemaVersion, Mode: "synthetic", Seed: opts.Seed, Users: opts.Users, Days: opts.Days, K: opts.K,
		Settings: SynthSettings{Items: len(prods), InStock: w.inStock, Start: opts.Start.Format("2006-01-02"),
			RetrainDays: opts.RetrainDays, Funnel: opts.Funnel, Ads: opts.Ads}}
	res.Currency, res.CurrencySource = revenueCurrency(prods, opts.Catalog == nil, &opts)
	return &synthRun{opts: opts, strategies: strategies, prods: prods, w: w, res: res}, nil
}

// organic generates the browsing of every shopper and emits it. Each
// shopper has its own random stream, so shards are generated in parallel;
// emission stays in shopper order. OrganicOnly streams one shopper at a
// time instead, in memory bounded by one shopper.
func (r *synthRun) organic(ctx context.Context) error {
	opts := &r.opts
	var ew *events.Writer
	if opts.EmitEvents != nil {
		ew = events.NewWriter(opts.EmitEvents)
	}
	var err error
	if opts.OrganicOnly {
		err = r.organicStream(ctx, ew)
	} else {
		err = r.organicAll(ctx, ew)
	}
	if err != nil {
		return err
	}
	r.res.Organic.Revenue = math.Round(r.res.Organic.Revenue*100) / 100
	if ew != nil {
		return ew.Flush()
	}
	return nil
}

func (r *synthRun) organicStream(ctx context.Context, ew *events.Writer) error {
	opts := &r.opts
	var buf []oev
	for u := 0; u < opts.Users; u++ {
		if err := ctxEvery(ctx, u); err != nil {
			return err
		}
		_, buf = r.w.organic(opts, u, buf, &r.res.Organic)
		if ew != nil {
			if err := r.w.emit(ew, u, buf); err != nil {
				return err
			}
		}
		if opts.Progress != nil && (u+1)%10000 == 0 {
			opts.Progress(u+1, opts.Users)
		}
	}
	return nil
}

func (r *synthRun) organicAll(ctx context.Context, ew *events.Writer) error {
	opts := &r.opts
	r.all = make([][]oev, opts.Users)
	r.shoppers = make([]shopperModel, opts.Users)
	nsh := (opts.Users + organicShard - 1) / organicShard
	stats := make([]OrganicStats, nsh)
	workers := par.Workers(opts.Workers)
	bufs := make([][]oev, workers)
	err := par.Blocks(ctx, workers, nsh, func(_ context.Context, wi, sh int) error {
		for u := sh * organicShard; u < min(opts.Users, (sh+1)*organicShard); u++ {
			r.shoppers[u], bufs[wi] = r.w.organic(opts, u, bufs[wi], &stats[sh])
			r.all[u] = append([]oev(nil), bufs[wi]...)
		}
		return nil
	}, nil)
	if err != nil {
		return err
	}
	o := &r.res.Organic
	for _, st := range stats {
		o.Events += st.Events
		o.Visits += st.Visits
		o.Views += st.Views
		o.Carts += st.Carts
		o.Purchases += st.Purchases
		o.Revenue += st.Revenue
	}
	if ew != nil {
		for u := range r.all {
			if err := r.w.emit(ew, u, r.all[u]); err != nil {
				return err
			}
		}
	}
	return nil
}

// day is the start of simulated day d.
func (r *synthRun) day(d int) int64 {
	return r.opts.Start.Add(time.Duration(d) * 24 * time.Hour).UnixNano()
}

// train builds the item models, retrained every RetrainDays on the organic
// events so far.
func (r *synthRun) train(ctx context.Context) error {
	opts := &r.opts
	for cut := 1; cut < opts.Days; cut += opts.RetrainDays {
		b := rank.NewBuilder(opts.Model)
		limit := r.day(cut)
		for u, evs := range r.all {
			uid := userID(u)
			for _, e := range evs {
				if e.t >= limit {
					break
				}
				b.AddRaw(uid, "", r.prods[e.item].ID, e.kind, e.t)
			}
		}
		m, err := b.Build(ctx)
		if err != nil {
			return err
		}
		r.models = append(r.models, m)
	}
	return nil
}

// ads simulates the ad slots of every shopper on the shared worker pool,
// one fixed shard of shoppers per block.
func (r *synthRun) ads(ctx context.Context) error {
	opts := &r.opts
	nShards := (opts.Users + adsShard - 1) / adsShard
	r.shardAcc = make([][]sacc, nShards)
	workers := par.Workers(opts.Workers)
	r.covered = make([][][]bool, workers)
	r.boots = make([]*synthBoot, workers)
	sims := make([]*adSim, workers)
	cat := rank.NewCatalog(r.prods)
	for wi := range workers {
		r.covered[wi] = make([][]bool, len(r.strategies))
		for si := range r.strategies {
			r.covered[wi][si] = make([]bool, len(r.prods))
		}
		sims[wi] = r.newAdSim(r.covered[wi], cat)
		r.boots[wi] = newSynthBoot(len(r.strategies), DefaultReplicates, opts.Seed)
		sims[wi].boot = r.boots[wi]
	}
	var progress func(int)
	if opts.Progress != nil {
		progress = func(done int) { opts.Progress(min(done*adsShard, opts.Users), opts.Users) }
	}
	return par.Blocks(ctx, workers, nShards, func(_ context.Context, wi, sh int) error {
		acc := make([]sacc, len(r.strategies))
		if opts.Learn != nil {
			for si := range acc {
				acc[si].dayImp, acc[si].dayClicks = make([]int64, opts.Days), make([]int64, opts.Days)
			}
		}
		for u := sh * adsShard; u < min(opts.Users, (sh+1)*adsShard); u++ {
			sims[wi].shopper(u, acc)
		}
		r.shardAcc[sh] = acc
		return nil
	}, progress)
}

// reduce sums the shards in order into the per-strategy report.
func (r *synthRun) reduce() {
	b := r.boots[0]
	for _, o := range r.boots[1:] {
		b.add(o)
	}
	r.res.Bootstrap = &BootstrapInfo{Method: "poisson bootstrap over whole shoppers, percentile 95% intervals (CTR, revenue, RPM, CVR)",
		Unit: "shopper", Groups: r.opts.Users, Replicates: DefaultReplicates, Seed: r.opts.Seed}
	for si, st := range r.strategies {
		var t sacc
		for sh := range r.shardAcc {
			if r.shardAcc[sh] == nil {
				continue
			}
			x := r.shardAcc[sh][si]
			t.imp += x.imp
			t.clicks += x.clicks
			t.buys += x.buys
			t.oos += x.oos
			t.shown += x.shown
			t.reach += x.reach
			t.rev += x.rev
		}
		r.res.Strategies = append(r.res.Strategies, r.report(st, t, r.coverage(si), b.ci(si)))
	}
}

// coverage counts the products strategy si showed, over all workers.
func (r *synthRun) coverage(si int) int {
	cov := 0
	for it := range r.prods {
		for wi := range r.covered {
			if r.covered[wi][si][it] {
				cov++
				break
			}
		}
	}
	return cov
}

// report turns one strategy's totals into its row.
func (r *synthRun) report(st rank.Strategy, t sacc, cov int, ci synthCI) SynthStrategy {
	s := SynthStrategy{Name: st, Impressions: t.imp, Clicks: t.clicks, Purchases: t.buys, Reach: t.reach,
		Revenue: math.Round(t.rev*100) / 100, CTRCI: ci.ctr, RevenueCI: ci.revenue, RPMCI: ci.rpm, CVRCI: ci.cvr}
	if t.imp > 0 {
		s.CTR = round6(float64(t.clicks) / float64(t.imp))
		w := Wilson(t.clicks, t.imp)
		s.CTRWilsonCI = [2]float64{round6(w[0]), round6(w[1])}
		s.RPM = round6(t.rev * 1000 / float64(t.imp))
	}
	if t.clicks > 0 {
		s.CVR = round6(float64(t.buys) / float64(t.clicks))
	}
	if t.shown > 0 {
		s.OOSShare = round6(float64(t.oos) / float64(t.shown))
	}
	if r.w.inStock > 0 {
		s.Coverage = round6(float64(cov) / float64(r.w.inStock))
	}
	return s
}

package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/dpa-tools/dpa/campaign/bandit"
	"github.com/dpa-tools/dpa/campaign/ope"
	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/feed/par"
)

// Learned is the name of the learning strategy in reports; Advantage is
// its alias in the campaign vocabulary (Meta's Advantage+ catalog ads
// choose products and creative from the responses they observe).
const (
	Learned   = "learned"
	Advantage = "advantage"
)

// Segments are the bandit's contexts: the strategy router's audiences
// (rank.Model.Segment), in a fixed order.
var Segments = []string{"new", "viewer", "cart_abandoner", "buyer"}

// LearnOptions configures the stochastic policy of a synthetic run: the
// learned strategy (Thompson sampling, campaign/bandit) or, with Explore,
// a fixed softmax logging policy. Either one serves a carousel per ad slot
// taken from one of the arms (fixed strategies), so its log carries the
// probability of every arm and any arm can be evaluated off-policy.
type LearnOptions struct {
	// Arms are the fixed strategies the policy chooses among (default: the
	// run's strategies).
	Arms []rank.Strategy
	// Explore > 0 replaces Thompson sampling by a softmax with temperature
	// Explore over the scores 1 for Arms[0] and 0 for every other arm:
	// Arms[0] is served with probability e^(1/T)/(e^(1/T)+n−1).
	Explore float64
	// Discount is the daily posterior discount (default 1: none).
	Discount float64
	// Floor is Thompson sampling's uniform exploration share (default
	// 0.02), which keeps every arm's propensity positive.
	Floor float64
	// ArmTraffic is the learned strategy's share of slots served a whole
	// arm's carousel, chosen among the arms by Thompson sampling per
	// segment (default 0.05); the other slots get the learner's own
	// carousel, the arms' candidates re-ranked by the item model
	// (learn_rerank.go). 1 serves arms only (the arm-level policy). The
	// arms' share keeps every arm's propensity positive, so each fixed
	// strategy can still be evaluated off-policy from the learned log.
	ArmTraffic float64
	// Variants are creative names; Variants[0] is the main creative, the
	// one the fixed strategies show. Empty: one creative.
	Variants []string
	// PriorA, PriorB are the Beta prior of every arm's click rate
	// (default Beta(1, 99): a CTR of about 1%, worth 100 impressions, the
	// middle of the 0.5–2% display and social CTRs of the background doc
	// §10). A flat Beta(1, 1) prior claims a 50% CTR is as likely as 1% and
	// makes the first days explore far more than the data warrant.
	PriorA, PriorB float64
	// VariantSpread is the standard deviation of each other variant's
	// hidden log click-effect (default 0.2).
	VariantSpread float64
	// Impressions, when set, receives the policy's impressions log in
	// Layout (ope.LayoutDPA by default).
	Impressions io.Writer
	Layout      string
}

// LearnDay is one day of the policy's learning curve.
type LearnDay struct {
	Day         int     `json:"day"`
	Date        string  `json:"date"`
	Impressions int64   `json:"impressions"`
	Clicks      int64   `json:"clicks"`
	CTR         float64 `json:"ctr"`
	// CTRCI is Wilson's interval over the day's impressions (one per
	// shopper and day, so independent given the slates); CTRBootCI the
	// shopper bootstrap's (learn_boot.go).
	CTRCI     [2]float64 `json:"ctr_ci"`
	CTRBootCI [2]float64 `json:"ctr_boot_ci"`
	// ExpectedCTR is the policy's mean true click probability on the
	// day's slots; OracleCTR the same for an oracle that knows the true
	// click probabilities and picks the best arm and variant every slot.
	ExpectedCTR float64 `json:"expected_ctr"`
	OracleCTR   float64 `json:"oracle_ctr"`
	// Regret is the cumulative expected clicks lost to the oracle up to
	// this day. RegretCI is its 95% interval from a bootstrap over whole
	// shoppers (a shopper's slots on different days are correlated);
	// RegretSlotCI the normal interval over slots taken as independent,
	// which regret_ci was before: too narrow.
	Regret       float64    `json:"regret"`
	RegretCI     [2]float64 `json:"regret_ci"`
	RegretSlotCI [2]float64 `json:"regret_slot_ci"`
	// VariantRegret is the cumulative expected clicks lost to always
	// showing the best variant (the best fixed creative).
	VariantRegret float64   `json:"variant_regret"`
	ArmShare      []float64 `json:"arm_share"`
	VariantShare  []float64 `json:"variant_share"`
	// SegmentArmCTR[s][k] is arm k's true expected CTR (main creative) on
	// the day's slots of segment s where it had a carousel, 0 where it had
	// none; BestArm[s] names the highest ("" for a segment without slots).
	// A policy choosing among the arms per segment can beat the best
	// fixed strategy only on days and segments where another arm leads.
	SegmentArmCTR [][]float64 `json:"segment_arm_ctr"`
	BestArm       []string    `json:"best_arm"`
}

// VariantReport is one creative variant's outcome and its (hidden) effect.
type VariantReport struct {
	Name        string  `json:"name"`
	Effect      float64 `json:"effect"`
	Impressions int64   `json:"impressions"`
	Clicks      int64   `json:"clicks"`
	Share       float64 `json:"share"`
}

// FixedCurve is a fixed strategy's CTR per day (aligned with Days).
type FixedCurve struct {
	Name string    `json:"name"`
	CTR  []float64 `json:"ctr"`
}

// ArmTruth is an arm's true expected CTR on the policy's slots.
type ArmTruth struct {
	Name        string  `json:"name"`
	Slots       int64   `json:"slots"`
	ExpectedCTR float64 `json:"expected_ctr"`
	// PolicyCTR is the policy's own mean true click probability (with
	// the main creative) on the same slots: the paired comparison with
	// the arm, free of the difference in whom each strategy can reach.
	PolicyCTR float64 `json:"policy_ctr"`
}

// LearningReport is the learning curve of the stochastic policy.
type LearningReport struct {
	Name     string   `json:"name"`
	Policy   string   `json:"policy"` // thompson or softmax
	Arms     []string `json:"arms"`
	Segments []string `json:"segments"`
	// ArmTraffic is the share of slots served an arm's carousel; the rest
	// got the re-ranked carousel, the last of Arms (0: arms only).
	ArmTraffic float64         `json:"arm_traffic,omitempty"`
	Discount   float64         `json:"discount"`
	Floor      float64         `json:"floor"`
	Explore    float64         `json:"explore,omitempty"`
	Variants   []VariantReport `json:"variants"`
	Days       []LearnDay      `json:"days"`
	// Fixed are the fixed strategies' daily CTRs in the same run, for
	// the learning-curve comparison.
	Fixed []FixedCurve `json:"fixed"`
	// Counterfactual is the ground truth of off-policy evaluation: each
	// arm's mean true click probability on the policy's own slots where
	// the arm had a carousel (same shoppers, same days, same ad state).
	Counterfactual []ArmTruth `json:"counterfactual"`
	// FinalArmProbs are the policy's arm probabilities per segment after
	// the last day (all arms available).
	FinalArmProbs [][]float64 `json:"final_arm_probs"`
}

func (lo *LearnOptions) defaults(strategies []rank.Strategy) {
	if len(lo.Arms) == 0 {
		lo.Arms = strategies
	}
	if lo.Discount <= 0 {
		lo.Discount = 1
	}
	if lo.Floor <= 0 {
		lo.Floor = 0.02
	}
	if lo.ArmTraffic <= 0 {
		lo.ArmTraffic = 0.05
	}
	if lo.Explore > 0 {
		lo.ArmTraffic = 1 // a softmax logging policy serves arms only
	}
	if lo.PriorA <= 0 || lo.PriorB <= 0 {
		lo.PriorA, lo.PriorB = 1, 99
	}
	if lo.VariantSpread <= 0 {
		lo.VariantSpread = 0.2
	}
	if len(lo.Variants) == 0 {
		lo.Variants = []string{"main"}
	}
	if lo.Layout == "" {
		lo.Layout = ope.LayoutDPA
	}
}

// Validate checks the options after defaults.
func (lo *LearnOptions) Validate() error {
	var errs []error
	if err := checkStrategies(lo.Arms); err != nil {
		errs = append(errs, err)
	}
	if len(lo.Arms) > 64 {
		errs = append(errs, errors.New("at most 64 arms"))
	}
	if lo.Explore < 0 || math.IsNaN(lo.Explore) {
		errs = append(errs, fmt.Errorf("invalid explore %g: must be positive", lo.Explore))
	}
	if lo.Discount > 1 {
		errs = append(errs, fmt.Errorf("invalid discount %g: must be in (0, 1]", lo.Discount))
	}
	if lo.Floor >= 1 {
		errs = append(errs, fmt.Errorf("invalid floor %g: must be below 1", lo.Floor))
	}
	if lo.ArmTraffic > 1 || math.IsNaN(lo.ArmTraffic) {
		errs = append(errs, fmt.Errorf("invalid arm traffic %g: must be in (0, 1]", lo.ArmTraffic))
	}
	if lo.Layout != ope.LayoutDPA && lo.Layout != ope.LayoutOBD {
		errs = append(errs, fmt.Errorf("invalid impressions layout %q: one of %s, %s", lo.Layout, ope.LayoutDPA, ope.LayoutOBD))
	}
	return errors.Join(errs...)
}

// variantEffects draws the hidden click multipliers: 1 for the main
// creative, e^N(0, spread²) for the others, seeded by the run's seed.
func variantEffects(n int, spread float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0xc4ea71e))
	out := make([]float64, n)
	for i := range out {
		out[i] = 1
		if i > 0 {
			out[i] = math.Exp(rng.NormFloat64() * spread)
		}
	}
	return out
}

// learnShopper is the policy's campaign state on one shopper, kept across
// days for every shopper at once (the days are the outer loop): its own
// frequency and fatigue state, and the last carousel of each history-only
// arm. That state is most of the learned pass's memory, so it is kept
// compact: carousels as product indices, not rank.Recs (40 bytes instead
// of 560 for k = 10), and memos only for the arms that can reuse one.
type learnShopper struct {
	us   ustate
	memo []learnMemo  // per history-only arm (learnRun.memoSlot)
	tot  [nBoot]int64 // the shopper's sums over the run, for the bootstrap
	// curve are the shopper's impressions, for the learning curve's
	// bootstrap (learn_boot.go).
	curve []curveImp
}

// learnMemo is a history-only arm's last carousel for the shopper and the
// key it was ranked under (adSim.carousel's: model, organic events,
// ad purchases, lookback start).
type learnMemo struct {
	key [4]int32
	ok  bool
	ids []int32
}

// learnShard sums one shard of shoppers' day.
type learnShard struct {
	trials, clicks   []float64 // per segment*arm
	vTrials, vClicks []float64 // per variant
	imp, clk, buys   int64
	rev              float64
	exp, oracle      float64
	reg, reg2, vreg  float64
	reached          int64
	cfN, cfP, cfQ    []float64 // per action: slots where it had a carousel, Σ its and Σ the served carousel's true P(click)
	sgN, sgP         []float64 // the same per segment*arm, for the day
	imps             []ope.Impression
	obs              []fobs // examined products, for the item model
}

type learnRun struct {
	r       *synthRun
	lo      LearnOptions
	ts, vts *bandit.Thompson
	// items is the product-level click model of the re-ranked carousel
	// (nil when ArmTraffic is 1); nComp counts the policy's actions: the
	// arms, then the re-ranked carousel.
	items   *bandit.Factors
	nComp   int
	names   []string // the actions' names
	effects []float64
	bestEff float64
	states  []learnShopper

	mu    sync.Mutex
	cache map[uint64][]float64 // (segment, availability mask) -> arm probabilities, for the current day
	vprob []float64
	// memoSlot[k] is arm k's index in learnShopper.memo, -1 for arms
	// whose carousel is ranked afresh every slot.
	memoSlot []int
	nMemo    int
}

// carousel returns arm k's carousel for the slot as product indices
// (buf's storage, or the shopper's memo when the arm's history has not
// changed since it was ranked); nil when the arm has none.
func (l *learnRun) carousel(a *adSim, sc *slotCtx, k int, st *learnShopper, buf []int32) []int32 {
	arm := l.lo.Arms[k]
	m := l.memoSlot[k]
	if m < 0 {
		recs, err := a.recommend(sc, arm, st.us.bought)
		if err != nil {
			return nil
		}
		return l.ids(recs, buf[:0])
	}
	if st.memo == nil {
		st.memo = make([]learnMemo, l.nMemo)
	}
	mm := &st.memo[m]
	key := [4]int32{int32(sc.mi), int32(sc.consumed), int32(len(st.us.bought)), int32(sc.lbIdx)}
	if mm.ok && mm.key == key {
		return mm.ids
	}
	recs, err := a.recommend(sc, arm, st.us.bought)
	if err != nil {
		return nil
	}
	mm.ids, mm.key, mm.ok = l.ids(recs, mm.ids[:0]), key, true
	return mm.ids
}

// armProbs returns the policy's probabilities of its actions (the arms,
// then the re-ranked carousel) for a segment and the available arms,
// computed once per day and key. The re-ranked carousel exists whenever
// an arm does (it is built from their candidates).
func (l *learnRun) armProbs(seg int, avail []bool) []float64 {
	mask := uint64(0)
	for k, ok := range avail {
		if ok {
			mask |= 1 << uint(k)
		}
	}
	key := mask<<8 | uint64(seg)
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.cache[key]; ok {
		return p
	}
	p := make([]float64, l.nComp)
	if l.lo.Explore > 0 {
		// Softmax over scores 1 (Arms[0]) and 0 (the rest), available arms only.
		z := 0.0
		for k, ok := range avail {
			if ok {
				p[k] = 1
				if k == 0 {
					p[k] = math.Exp(1 / l.lo.Explore)
				}
				z += p[k]
			}
		}
		for k := range p {
			p[k] /= z
		}
	} else {
		l.ts.Probs(seg, avail, p[:len(avail)])
	}
	if l.items != nil {
		for k := range avail {
			p[k] *= l.lo.ArmTraffic
		}
		p[len(avail)] = 1 - l.lo.ArmTraffic
	}
	l.cache[key] = p
	return p
}

// learn runs the stochastic policy day by day over all shoppers: within a
// day every shopper faces the posteriors of the day's start (a batch
// bandit), shards run in parallel, and their counts are merged in shard
// order at the end of the day, so the run is deterministic.
func (r *synthRun) learn(ctx context.Context) error {
	opts := &r.opts
	lo := *opts.Learn
	lo.defaults(r.strategies)
	if err := lo.Validate(); err != nil {
		return errors.New("sim: " + err.Error())
	}
	nArm, nVar, nSeg := len(lo.Arms), len(lo.Variants), len(Segments)
	l := &learnRun{r: r, lo: lo,
		ts: bandit.New(nSeg, nArm, bandit.Options{Discount: lo.Discount, Floor: lo.Floor, Seed: opts.Seed,
			PriorA: lo.PriorA, PriorB: lo.PriorB}),
		vts: bandit.New(1, nVar, bandit.Options{Discount: lo.Discount, Floor: lo.Floor, Seed: opts.Seed ^ 0x7a4,
			PriorA: lo.PriorA, PriorB: lo.PriorB}),
		effects: variantEffects(nVar, lo.VariantSpread, opts.Seed),
		states:  make([]learnShopper, opts.Users), nComp: nArm}
	if lo.ArmTraffic < 1 {
		l.items = l.newItemModel()
		l.nComp++
	}
	nComp := l.nComp
	for _, e := range l.effects {
		l.bestEff = math.Max(l.bestEff, e)
	}
	for _, arm := range lo.Arms {
		slot := -1
		if historyOnly(arm) {
			slot = l.nMemo
			l.nMemo++
		}
		l.memoSlot = append(l.memoSlot, slot)
	}
	name := Learned
	policy := "thompson"
	if lo.Explore > 0 {
		name, policy = "softmax:"+string(lo.Arms[0]), "softmax"
	}
	rep := &LearningReport{Name: name, Policy: policy, Segments: Segments, Discount: lo.Discount, Floor: lo.Floor, Explore: lo.Explore}
	for _, a := range lo.Arms {
		rep.Arms = append(rep.Arms, string(a))
	}
	if l.items != nil {
		rep.Arms = append(rep.Arms, Rerank)
		rep.ArmTraffic = lo.ArmTraffic
	}
	l.names = rep.Arms
	var iw *ope.Writer
	if lo.Impressions != nil {
		var err error
		if iw, err = ope.NewWriter(lo.Impressions, lo.Layout, rep.Arms); err != nil {
			return err
		}
	}
	workers := par.Workers(opts.Workers)
	cat := rank.NewCatalog(r.prods)
	sims := make([]*adSim, workers)
	covered := make([][]bool, workers)
	for wi := range sims {
		covered[wi] = make([]bool, len(r.prods))
		sims[wi] = r.newAdSim([][]bool{covered[wi]}, cat)
	}
	nShards := (opts.Users + adsShard - 1) / adsShard
	shards := make([]learnShard, nShards)
	var total sacc
	var cumReg, cumReg2, cumVReg float64
	var cumN int64
	cfN, cfP, cfQ := make([]float64, nComp), make([]float64, nComp), make([]float64, nComp)
	vImp, vClk := make([]int64, nVar), make([]int64, nVar)
	var impID int64
	for d := 1; d < opts.Days; d++ {
		l.cache = map[uint64][]float64{}
		l.vprob = make([]float64, nVar)
		if l.items != nil {
			l.items.Fit()
		}
		if lo.Explore > 0 || nVar == 1 {
			for v := range l.vprob {
				l.vprob[v] = 1 / float64(nVar)
			}
			if lo.Explore > 0 && nVar > 1 {
				// The logging policy keeps the main creative (0) mostly.
				for v := range l.vprob {
					l.vprob[v] = 1
				}
				l.vprob[0] = math.Exp(1 / lo.Explore)
				z := l.vprob[0] + float64(nVar-1)
				for v := range l.vprob {
					l.vprob[v] /= z
				}
			}
		} else {
			l.vts.Probs(0, nil, l.vprob)
		}
		for i := range shards {
			s := &shards[i]
			*s = learnShard{trials: make([]float64, nSeg*nComp), clicks: make([]float64, nSeg*nComp),
				vTrials: make([]float64, nVar), vClicks: make([]float64, nVar), imps: s.imps[:0], obs: s.obs[:0],
				cfN: make([]float64, nComp), cfP: make([]float64, nComp), cfQ: make([]float64, nComp), sgN: make([]float64, nSeg*nComp), sgP: make([]float64, nSeg*nComp)}
		}
		err := par.Blocks(ctx, workers, nShards, func(_ context.Context, wi, sh int) error {
			for u := sh * adsShard; u < min(opts.Users, (sh+1)*adsShard); u++ {
				l.slot(sims[wi], u, d, &shards[sh], iw != nil)
			}
			return nil
		}, nil)
		if err != nil {
			return err
		}
		day := LearnDay{Day: d + 1, Date: time.Unix(0, r.day(d+1)).UTC().Format("2006-01-02"),
			ArmShare: make([]float64, nComp), VariantShare: make([]float64, nVar)}
		var dayReg, dayReg2, dayVReg float64
		armImp := make([]float64, nComp)
		sgN, sgP := make([]float64, nSeg*nComp), make([]float64, nSeg*nComp)
		for i := range shards {
			s := &shards[i]
			for j := range s.trials {
				if j%nComp < nArm {
					l.ts.Update(j/nComp, j%nComp, s.clicks[j], s.trials[j])
				}
				armImp[j%nComp] += s.trials[j]
			}
			for _, o := range s.obs {
				l.items.Add(o.lv[:], 1, b2f(o.click))
			}
			for j := range s.cfN {
				cfN[j] += s.cfN[j]
				cfP[j] += s.cfP[j]
				cfQ[j] += s.cfQ[j]
			}
			for j := range s.sgN {
				sgN[j] += s.sgN[j]
				sgP[j] += s.sgP[j]
			}
			for v := range s.vTrials {
				if lo.Explore == 0 {
					l.vts.Update(0, v, s.vClicks[v], s.vTrials[v])
				}
				day.VariantShare[v] += s.vTrials[v]
				vImp[v] += int64(s.vTrials[v])
				vClk[v] += int64(s.vClicks[v])
			}
			day.Impressions += s.imp
			day.Clicks += s.clk
			day.ExpectedCTR += s.exp
			day.OracleCTR += s.oracle
			dayReg += s.reg
			dayReg2 += s.reg2
			dayVReg += s.vreg
			total.imp += s.imp
			total.clicks += s.clk
			total.buys += s.buys
			total.rev += s.rev
			total.reach += s.reached
			for k := range s.imps {
				im := &s.imps[k]
				impID++
				im.ID = impID
				if err := iw.Write(im); err != nil {
					return err
				}
			}
		}
		l.ts.EndDay()
		l.vts.EndDay()
		if l.items != nil {
			l.items.EndDay()
		}
		cumReg += dayReg
		cumReg2 += dayReg2
		cumVReg += dayVReg
		cumN += day.Impressions
		if day.Impressions > 0 {
			n := float64(day.Impressions)
			day.CTR = round6(float64(day.Clicks) / n)
			ci := Wilson(day.Clicks, day.Impressions)
			day.CTRCI = [2]float64{round6(ci[0]), round6(ci[1])}
			day.ExpectedCTR = round6(day.ExpectedCTR / n)
			day.OracleCTR = round6(day.OracleCTR / n)
			for k := range armImp {
				day.ArmShare[k] = round6(armImp[k] / n)
			}
			for v := range day.VariantShare {
				day.VariantShare[v] = round6(day.VariantShare[v] / n)
			}
		}
		day.SegmentArmCTR, day.BestArm = segmentArms(sgN, sgP, nComp, rep.Arms)
		day.Regret, day.VariantRegret = round6(cumReg), round6(cumVReg)
		day.RegretSlotCI = slotRegretCI(cumReg, cumReg2, cumN)
		rep.Days = append(rep.Days, day)
	}
	if iw != nil {
		if err := iw.Flush(); err != nil {
			return err
		}
	}
	for v, nm := range lo.Variants {
		vr := VariantReport{Name: nm, Effect: round6(l.effects[v]), Impressions: vImp[v], Clicks: vClk[v]}
		if total.imp > 0 {
			vr.Share = round6(float64(vImp[v]) / float64(total.imp))
		}
		rep.Variants = append(rep.Variants, vr)
	}
	for j, a := range rep.Arms {
		t := ArmTruth{Name: a, Slots: int64(cfN[j])}
		if cfN[j] > 0 {
			t.ExpectedCTR = round6(cfP[j] / cfN[j])
			t.PolicyCTR = round6(cfQ[j] / cfN[j])
		}
		rep.Counterfactual = append(rep.Counterfactual, t)
	}
	for si, st := range r.strategies {
		fc := FixedCurve{Name: string(st)}
		for d := 1; d < opts.Days; d++ {
			var imp, clk int64
			for sh := range r.shardAcc {
				if acc := r.shardAcc[sh]; acc != nil && acc[si].dayImp != nil {
					imp += acc[si].dayImp[d]
					clk += acc[si].dayClicks[d]
				}
			}
			ctr := 0.0
			if imp > 0 {
				ctr = round6(float64(clk) / float64(imp))
			}
			fc.CTR = append(fc.CTR, ctr)
		}
		rep.Fixed = append(rep.Fixed, fc)
	}
	all := make([]bool, nArm)
	for k := range all {
		all[k] = true
	}
	l.cache = map[uint64][]float64{}
	for s := range Segments {
		p := l.armProbs(s, all)
		q := make([]float64, len(p))
		for k := range p {
			q[k] = round6(p[k])
		}
		rep.FinalArmProbs = append(rep.FinalArmProbs, q)
	}
	cov := 0
	for it := range r.prods {
		for wi := range covered {
			if covered[wi][it] {
				cov++
				break
			}
		}
	}
	// The policy's intervals treat its day-by-day choices as given: the
	// posteriors depend on all shoppers, which a shopper bootstrap does not
	// re-run.
	b := newSynthBoot(1, DefaultReplicates, opts.Seed)
	cb := newCurveBoot(len(rep.Days), DefaultReplicates, opts.Seed)
	x := make([][nBoot]int64, 1)
	for u := range l.states {
		x[0] = l.states[u].tot
		b.addShopper(u, x)
		cb.addShopper(u, l.states[u].curve)
	}
	for d, ci := range cb.regretCIs() {
		rep.Days[d].RegretCI = ci
		rep.Days[d].CTRBootCI = cb.ctrCI(d)
	}
	row := r.report(rank.Strategy(name), total, cov, b.ci(0))
	r.res.Strategies = append(r.res.Strategies, row)
	r.res.Learning = rep
	return nil
}

// slot runs shopper u's ad slot of day d under the policy.
func (l *learnRun) slot(a *adSim, u, d int, out *learnShard, logIt bool) {
	r := l.r
	opts := &r.opts
	ads := &opts.Ads
	now := r.day(d + 1)
	// The same per-shopper-day draws as the fixed strategies (common
	// random numbers), plus a stream of the policy's own.
	rng := rand.New(rand.NewPCG(opts.Seed^0xad5, uint64(u)<<16|uint64(d)))
	uOpp, uShow, uConv := rng.Float64(), rng.Float64(), rng.Float64()
	for p := range a.uClick {
		a.uClick[p] = rng.Float64()
	}
	if uOpp >= ads.OpportunityRate {
		return
	}
	st := &l.states[u]
	us := &st.us
	if us.capped(d, ads) || uShow >= math.Pow(ads.ShowDecay, float64(us.nonclick)) {
		return
	}
	evs := r.all[u]
	s := &r.shoppers[u]
	sc := slotCtx{u: u, d: d, uid: userID(u), now: now, items: map[int32]*itemState{}}
	relCache := map[int32]float64{}
	sc.rel = func(it int32) float64 {
		v, ok := relCache[it]
		if !ok {
			v = r.w.relevance(s, it, d+1)
			relCache[it] = v
		}
		return v
	}
	a.hist = a.hist[:0]
	for _, e := range evs {
		if e.t >= now {
			break
		}
		sc.observe(e)
		a.hist = append(a.hist, rank.Event{ItemID: r.prods[e.item].ID, Kind: e.kind, Time: time.Unix(0, e.t)})
		sc.consumed++
	}
	sc.uShow, sc.uConv = uShow, uConv
	sc.mi = min(len(r.models)-1, (d-1)/opts.RetrainDays)
	sc.lbIdx = sort.Search(sc.consumed, func(i int) bool { return a.hist[i].Time.UnixNano() >= now-a.lookback })

	arms := l.lo.Arms
	nArm, nComp := len(arms), l.nComp
	if len(a.armIDs) < nComp {
		a.armIDs = make([][]int32, nComp)
	}
	recs := make([][]int32, nComp)
	avail := make([]bool, nComp)
	anyArm := false
	for k := range arms {
		recs[k] = l.carousel(a, &sc, k, st, a.armIDs[k])
		if l.memoSlot[k] < 0 {
			a.armIDs[k] = recs[k]
		}
		avail[k] = len(recs[k]) > 0
		anyArm = anyArm || avail[k]
	}
	if !anyArm {
		return
	}
	h := rank.History{UserID: sc.uid, Events: a.hist[:sc.consumed]}
	if len(us.bought) > 0 {
		h.Events = append(append([]rank.Event(nil), a.hist[:sc.consumed]...), us.bought...)
	}
	seg := segmentIndex(r.models[sc.mi].Segment(h, time.Unix(0, now), a.ropts))
	l.candidates(a, &sc, us, seg, recs[:nArm], evs)
	if l.items != nil {
		recs[nArm] = l.rerank(a, a.armIDs[nArm])
		a.armIDs[nArm], avail[nArm] = recs[nArm], true
	}
	probs := l.armProbs(seg, avail[:nArm])
	prng := rand.New(rand.NewPCG(opts.Seed^0x1ea4, uint64(u)<<16|uint64(d)))
	k := bandit.Pick(probs, prng.Float64())
	v := bandit.Pick(l.vprob, prng.Float64())
	// True click probabilities: of every available action's carousel
	// with the best variant and of the best carousel of the candidates
	// (the oracle), and of the chosen carousel with the chosen and with
	// the best variant (the creative's regret).
	oracle := a.unionOracle(&sc, us, l.bestEff)
	for j := range nComp {
		if avail[j] {
			ids := recs[j]
			oracle = math.Max(oracle, a.slateProb(&sc, us, ids, l.bestEff))
			p1 := a.slateProb(&sc, us, ids, 1)
			out.cfN[j]++
			out.cfP[j] += p1
			out.sgN[seg*nComp+j]++
			out.sgP[seg*nComp+j] += p1
		}
	}
	a.ids = append(a.ids[:0], recs[k]...)
	eff := l.effects[v]
	pChosen := a.slateProb(&sc, us, a.ids, eff)
	pBestVariant := a.slateProb(&sc, us, a.ids, l.bestEff)
	pMain := a.slateProb(&sc, us, a.ids, 1)
	for j := range nComp {
		if avail[j] {
			out.cfQ[j] += pMain
		}
	}
	clicked := -1
	for p, it := range a.ids {
		if clicked < 0 && a.uClick[p] < math.Min(1, a.clickProb(&sc, us, p, it)*eff) {
			clicked = p
		}
		a.covered[0][it] = true
	}
	if l.items != nil {
		a.observeItems(out, clicked)
	}
	reg := oracle - pChosen
	st.curve = append(st.curve, curveImp{day: uint16(d - 1), click: clicked >= 0, reg: float32(reg)})
	out.imp++
	st.tot[bImp]++
	out.exp += pChosen
	out.oracle += oracle
	out.reg += reg
	out.reg2 += reg * reg
	out.vreg += pBestVariant - pChosen
	if !us.reached {
		us.reached = true
		out.reached++
	}
	j := seg*nComp + k
	out.trials[j]++
	out.vTrials[v]++
	us.impDays = append(us.impDays, d)
	for _, it := range a.ids {
		us.shown.inc(it)
	}
	if clicked >= 0 {
		out.clk++
		st.tot[bClicks]++
		out.clicks[j]++
		out.vClicks[v]++
		us.nonclick = 0
		it := a.ids[clicked]
		if a.converts(&sc, it) {
			out.buys++
			st.tot[bBuys]++
			st.tot[bRev] += revUnits(r.prods[it].Price)
			out.rev += r.prods[it].Price
			us.bought = append(us.bought, rank.Event{ItemID: r.prods[it].ID, Kind: rank.KindPurchase, Time: time.Unix(0, now)})
		}
	} else {
		us.nonclick++
	}
	if !logIt {
		return
	}
	im := ope.Impression{Time: time.Unix(0, now).UTC(), UserID: sc.uid, Segment: Segments[seg], Action: l.names[k],
		Propensity: probs[k], Click: clicked + 1, Variant: l.lo.Variants[v], VariantPropensity: l.vprob[v],
		ArmPropensity: append([]float64(nil), probs...)}
	for p, it := range a.ids {
		im.Items = append(im.Items, r.prods[it].ID)
		im.ItemIndex = append(im.ItemIndex, int(it))
		// The product's probability at this position: every arm whose
		// carousel has it there.
		ps := 0.0
		for j2 := range nComp {
			if avail[j2] && p < len(recs[j2]) && recs[j2][p] == it {
				ps += probs[j2]
			}
		}
		im.ItemPropensity = append(im.ItemPropensity, ps)
	}
	out.imps = append(out.imps, im)
}

// segmentArms turns a day's per-segment, per-arm slot counts and summed
// true click probabilities into mean CTRs and each segment's best arm.
func segmentArms(n, p []float64, nArm int, arms []string) ([][]float64, []string) {
	ctr := make([][]float64, len(n)/nArm)
	best := make([]string, len(ctr))
	for s := range ctr {
		ctr[s] = make([]float64, nArm)
		hi := 0.0
		for k := range nArm {
			if j := s*nArm + k; n[j] > 0 {
				ctr[s][k] = round6(p[j] / n[j])
				if ctr[s][k] > hi {
					hi, best[s] = ctr[s][k], arms[k]
				}
			}
		}
	}
	return ctr, best
}

func segmentIndex(s string) int {
	for i, x := range Segments {
		if x == s {
			return i
		}
	}
	return 0
}

// ids maps a carousel to product indices, appending to buf.
func (l *learnRun) ids(recs []rank.Rec, buf []int32) []int32 {
	for _, rc := range recs {
		buf = append(buf, l.r.w.byID[rc.ItemID])
	}
	return buf
}

// slateProb is the true probability that a carousel gets a click under
// the cascade model with a creative effect: 1 − Π(1 − p_position).
func (a *adSim) slateProb(sc *slotCtx, us *ustate, ids []int32, eff float64) float64 {
	miss := 1.0
	for p, it := range ids {
		miss *= 1 - math.Min(1, a.clickProb(sc, us, p, it)*eff)
	}
	return 1 - miss
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/campaign"
	"github.com/dpa-tools/dpa/campaign/ope"
	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/campaign/sim"
	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

// learnFlags are simulate's flags for the learned strategy, creative
// variants, drift, impressions logs and off-policy evaluation.
type learnFlags struct {
	Drift          float64
	Discount       float64
	ArmTraffic     float64
	ExploreSoftmax float64
	Variants       []string
	Campaign       string
	EmitImpr       string
	ImprLayout     string
	Impressions    string
	Level          float64

	learned bool // --strategies named learned (or advantage)
	// currency is the --campaign file's currency, the revenue's currency
	// when the catalog's prices carry none.
	currency string
}

func (l *learnFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Float64Var(&l.Drift, "drift", 0, "synthetic: daily speed at which shoppers' tastes move to three trend categories (0.05: fully in 20 days)")
	f.Float64Var(&l.Discount, "discount", 0, "synthetic: learned strategy's daily posterior discount (default 1, or 0.9 with --drift)")
	f.Float64Var(&l.ArmTraffic, "arm-traffic", 0, "synthetic: learned strategy's share of slots served a whole fixed strategy's carousel (default 0.05; 1: choose among whole carousels only, no re-ranking)")
	f.Float64Var(&l.ExploreSoftmax, "explore-softmax", 0, "synthetic: log impressions under a softmax policy with this temperature around the first --strategies entry")
	f.StringSliceVar(&l.Variants, "variants", nil, "synthetic: creative variant names (the first is the main creative the fixed strategies show)")
	f.StringVar(&l.Campaign, "campaign", "", "synthetic: take the creative variants from this campaign.yaml (first ad set with variants)")
	f.StringVar(&l.EmitImpr, "emit-impressions", "", "synthetic: write the learned (or --explore-softmax) policy's impressions with propensities to this file")
	f.StringVar(&l.ImprLayout, "impressions-layout", "auto", "impressions log layout: dpa|obd (Open Bandit Dataset); auto detects when reading")
	f.StringVar(&l.Impressions, "impressions", "", "estimate the --strategies' CTR off-policy from this impressions log (IPS, SNIPS, DR)")
	f.Float64Var(&l.Level, "level", 0.95, "confidence level of the off-policy intervals")
	_ = cmd.RegisterFlagCompletionFunc("impressions-layout", fixedCompletion("auto", ope.LayoutDPA, ope.LayoutOBD))
}

// learnOnlyFlags are the synthetic-only flags of learnFlags.
var learnOnlyFlags = []string{"drift", "discount", "arm-traffic", "explore-softmax", "variants", "campaign", "emit-impressions"}

// takeLearned removes learned / advantage from the strategy names.
func (l *learnFlags) takeLearned(names []string) []string {
	var out []string
	for _, n := range names {
		switch strings.ToLower(strings.TrimSpace(n)) {
		case sim.Learned, sim.Advantage:
			l.learned = true
		default:
			out = append(out, n)
		}
	}
	return out
}

// checkLearn validates the learning flags of a synthetic run.
func (o *simulateOptions) checkLearn() error {
	l := &o.Learn
	if l.ExploreSoftmax < 0 {
		return usageErr("invalid --explore-softmax %g: must be positive", l.ExploreSoftmax)
	}
	if l.ExploreSoftmax > 0 && l.learned {
		return usageErr("--explore-softmax logs a softmax policy instead of the learned strategy: drop learned from --strategies")
	}
	if l.Discount < 0 || l.Discount > 1 {
		return usageErr("invalid --discount %g: must be in (0, 1]", l.Discount)
	}
	if l.ArmTraffic < 0 || l.ArmTraffic > 1 {
		return usageErr("invalid --arm-traffic %g: must be in (0, 1]", l.ArmTraffic)
	}
	if l.ArmTraffic > 0 && !l.learned {
		return usageErr("--arm-traffic applies to the learned strategy: add learned to --strategies")
	}
	if l.EmitImpr != "" && !l.learned && l.ExploreSoftmax == 0 {
		return usageErr("--emit-impressions needs a stochastic policy: add learned to --strategies, or give --explore-softmax T")
	}
	if (len(l.Variants) > 0 || l.Campaign != "") && !l.learned && l.ExploreSoftmax == 0 {
		return usageErr("creative variants are allocated by the learned strategy: add learned to --strategies")
	}
	if len(l.Variants) > 0 && l.Campaign != "" {
		return usageErr("give --variants or --campaign, not both")
	}
	if l.ImprLayout != "auto" && l.ImprLayout != ope.LayoutDPA && l.ImprLayout != ope.LayoutOBD {
		return usageErr("invalid --impressions-layout %q: one of auto, dpa, obd", l.ImprLayout)
	}
	if o.OrganicOnly && (l.learned || l.ExploreSoftmax > 0) {
		return usageErr("--organic-only runs no ads: drop learned and --explore-softmax")
	}
	return nil
}

// learnOptions maps the flags onto sim.LearnOptions (nil: no stochastic
// policy). The campaign's variants are read here.
func (o *simulateOptions) learnOptions() (*sim.LearnOptions, error) {
	l := &o.Learn
	if !l.learned && l.ExploreSoftmax == 0 {
		return nil, nil
	}
	lo := &sim.LearnOptions{Explore: l.ExploreSoftmax, Discount: l.Discount, ArmTraffic: l.ArmTraffic, Variants: l.Variants, Layout: l.ImprLayout}
	if lo.Layout == "auto" {
		lo.Layout = ope.LayoutDPA
	}
	if lo.Discount == 0 && l.Drift > 0 && l.ExploreSoftmax == 0 {
		lo.Discount = 0.9
	}
	if l.Campaign != "" {
		v, cur, err := campaignVariants(l.Campaign)
		if err != nil {
			return nil, err
		}
		lo.Variants, l.currency = v, cur
	}
	return lo, nil
}

// campaignVariants names the creatives of the first ad set with variants:
// its main creative, then each variant; and returns the campaign's currency.
func campaignVariants(path string) ([]string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", &inputError{err: err}
	}
	defer f.Close()
	c, diags, err := campaign.Load(path, f)
	if err != nil {
		return nil, "", &inputError{err: err}
	}
	for _, d := range diags {
		if d.Severity == feed.Error {
			return nil, "", &inputError{err: fmt.Errorf("%s", d.String())}
		}
	}
	for _, as := range c.AdSets {
		if len(as.Creative.Variants) == 0 {
			continue
		}
		names := []string{as.Name + ": main"}
		for _, v := range as.Creative.Variants {
			names = append(names, as.Name+": "+v.Name)
		}
		return names, c.Currency, nil
	}
	return nil, "", &inputError{err: fmt.Errorf("%s: no ad set lists creative variants (creative.variants)", path)}
}

// checkOPE validates an off-policy evaluation run (--impressions).
func (o *simulateOptions) checkOPE(cmd *cobra.Command) error {
	fl := cmd.Flags()
	for _, n := range []string{"events", "catalog", "items", "users", "days", "emit-events", "drift", "arm-traffic", "emit-impressions", "explore-softmax", "variants", "campaign"} {
		if fl.Lookup(n) != nil && fl.Changed(n) {
			return usageErr("--%s does not apply to off-policy evaluation (--impressions LOG)", n)
		}
	}
	if o.Output == "xlsx" {
		return usageErr("off-policy evaluation writes table or json")
	}
	if err := oneOf("impressions-layout", o.Learn.ImprLayout, "auto", ope.LayoutDPA, ope.LayoutOBD); err != nil {
		return err
	}
	if !(o.Learn.Level > 0 && o.Learn.Level < 1) {
		return usageErr("invalid --level %g: must be between 0 and 1", o.Learn.Level)
	}
	return nil
}

// runOPE estimates the --strategies' CTRs from an impressions log.
func runOPE(ctx context.Context, o *simulateOptions) error {
	f, err := os.Open(o.Learn.Impressions)
	if err != nil {
		return &inputError{err: err}
	}
	defer f.Close()
	targets := slices.Clone(o.Strategies)
	for i, t := range targets {
		if st, err := rank.ParseStrategy(t); err == nil {
			targets[i] = string(st)
		}
	}
	ev, err := ope.Evaluate(ctx, f, ope.Options{Layout: o.Learn.ImprLayout, Targets: targets, Level: o.Learn.Level, Seed: o.Seed})
	return o.writeOPE(ctx, ev, err)
}

func (o *simulateOptions) writeOPE(ctx context.Context, ev *ope.Evaluation, err error) error {
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &inputError{err: fmt.Errorf("%s: %w", o.Learn.Impressions, err)}
	}
	inputs := []string{o.Learn.Impressions}
	return writeOutput(o.IO, o.app.Quiet, o.Out, inputs, func(w io.Writer) error {
		if o.Output == "json" {
			return render.WriteJSON(w, ev)
		}
		return writeOPETable(w, ev, o.Learn.Impressions, o.tableOptions())
	})
}

// intervalLine describes the OPE intervals: the bootstrap's size and seed.
func intervalLine(ev *ope.Evaluation) string {
	if ev.Replicates > 0 {
		return fmt.Sprintf("%g%% %s (%d replicates, seed %d)", ev.Level*100, ev.Interval, ev.Replicates, ev.Seed)
	}
	return fmt.Sprintf("%g%% %s", ev.Level*100, ev.Interval)
}

func writeOPETable(w io.Writer, ev *ope.Evaluation, file string, opts render.TableOptions) error {
	st := opts.Styles
	fmt.Fprintln(w, st.Title("Off-policy evaluation of "+file))
	fmt.Fprintln(w, st.KeyValues([][2]string{
		{"Layout", ev.Layout},
		{"Rounds", fmt.Sprintf("%s, %s clicks, logged CTR %s", render.Int64(ev.Rounds), render.Int64(ev.Clicks), pct2dp(ev.LoggedCTR))},
		{"Intervals", intervalLine(ev)},
	}))
	fmt.Fprintln(w)
	cols := []string{"policy", "rounds", "matches", "ESS", "IPS", "IPS CI", "SNIPS", "SNIPS CI", "DR", "DR CI"}
	t := render.Table{Columns: cols, Align: []string{"left"}}
	for range cols[1:] {
		t.Align = append(t.Align, "right")
	}
	ci := func(e ope.Estimate) string { return pct2dp(e.CI[0]) + "–" + pct2dp(e.CI[1]) }
	for _, p := range ev.Policies {
		t.Rows = append(t.Rows, []string{p.Name, render.Int64(p.Rounds), render.Int64(p.Matches), fmt.Sprintf("%.0f", p.ESS),
			pct2dp(p.IPS.Value), ci(p.IPS), pct2dp(p.SNIPS.Value), ci(p.SNIPS), pct2dp(p.DR.Value), ci(p.DR)})
	}
	if err := render.WriteTable(w, t, opts); err != nil {
		return err
	}
	fmt.Fprintln(w, st.Muted("CTR per served carousel (dpa layout) or per shown product (OBD layout); ESS = (Σw)²/Σw², the on-policy rounds the log is worth"))
	return nil
}

// writeLearningTable prints the learning curve under the synthetic table.
func writeLearningTable(w io.Writer, l *sim.LearningReport, opts render.TableOptions) error {
	st := opts.Styles
	fmt.Fprintln(w)
	title := fmt.Sprintf("Learning curve of %s (%s over %s; discount %g)", l.Name, l.Policy, strings.Join(l.Arms, ", "), l.Discount)
	if l.ArmTraffic > 0 {
		// The last action is the re-ranked carousel.
		title = fmt.Sprintf("Learning curve of %s (%s over %s on %s of slots, their candidates re-ranked on the rest; discount %g)",
			l.Name, l.Policy, strings.Join(l.Arms[:len(l.Arms)-1], ", "), render.Percent(l.ArmTraffic), l.Discount)
	}
	fmt.Fprintln(w, st.Title(title))
	cols := []string{"day", "impressions", "CTR", "CTR 95% CI", "expected CTR", "oracle CTR", "cum. regret", "regret 95% CI", "best fixed CTR"}
	if len(l.Variants) > 1 {
		cols = append(cols, "variant share")
	}
	t := render.Table{Columns: cols, Align: []string{"left"}}
	for range cols[1:] {
		t.Align = append(t.Align, "right")
	}
	for i, d := range l.Days {
		best, name := 0.0, ""
		for _, f := range l.Fixed {
			if f.CTR[i] > best {
				best, name = f.CTR[i], f.Name
			}
		}
		row := []string{d.Date, render.Int64(d.Impressions), pct2dp(d.CTR), pct2dp(d.CTRCI[0]) + "–" + pct2dp(d.CTRCI[1]),
			pct2dp(d.ExpectedCTR), pct2dp(d.OracleCTR), fmt.Sprintf("%.1f", d.Regret), fmt.Sprintf("%.1f–%.1f", d.RegretCI[0], d.RegretCI[1]),
			strings.TrimSpace(pct2dp(best) + " " + name)}
		if len(l.Variants) > 1 {
			var sh []string
			for _, v := range d.VariantShare {
				sh = append(sh, fmt.Sprintf("%.0f%%", v*100))
			}
			row = append(row, strings.Join(sh, "/"))
		}
		t.Rows = append(t.Rows, row)
	}
	if err := render.WriteTable(w, t, opts); err != nil {
		return err
	}
	if len(l.Variants) > 1 {
		var vs []string
		for _, v := range l.Variants {
			vs = append(vs, fmt.Sprintf("%s (hidden effect ×%.3f, %s of impressions)", v.Name, v.Effect, render.Percent(v.Share)))
		}
		fmt.Fprintln(w, st.Muted("Variants: "+strings.Join(vs, "; ")))
	}
	fmt.Fprintln(w, st.Muted("expected/oracle CTR = mean true click probability of the served carousel / the best one (of the arms and of the candidates sorted by truth) with the best variant; regret = expected clicks lost to the oracle"))
	fmt.Fprintln(w, st.Muted("95% CI: CTR by Wilson over the day's impressions (one per shopper and day), regret by a bootstrap resampling whole shoppers"))
	return nil
}

// learningSheet is the XLSX learning curve with its chart.
func learningSheet(l *sim.LearningReport) render.Sheet {
	sh := render.Sheet{Name: "Learning curve", ForExcel: true, Freeze: true,
		Columns: []string{"day", "impressions", "CTR", "CTR low", "CTR high", "expected CTR", "oracle CTR", "cumulative regret", "regret low", "regret high"}}
	for _, f := range l.Fixed {
		sh.Columns = append(sh.Columns, f.Name+" CTR")
	}
	for _, v := range l.Variants {
		sh.Columns = append(sh.Columns, "share "+v.Name)
	}
	for i, d := range l.Days {
		row := []any{d.Date, d.Impressions, d.CTR, d.CTRCI[0], d.CTRCI[1], d.ExpectedCTR, d.OracleCTR, d.Regret, d.RegretCI[0], d.RegretCI[1]}
		for _, f := range l.Fixed {
			row = append(row, f.CTR[i])
		}
		row = append(row, anySlice(d.VariantShare)...)
		sh.Rows = append(sh.Rows, row)
	}
	sh.NumFormats = map[int]string{2: pctFmt, 3: pctFmt, 4: pctFmt, 5: pctFmt, 6: pctFmt}
	for i := range l.Fixed {
		sh.NumFormats[10+i] = pctFmt
	}
	for i := range l.Variants {
		sh.NumFormats[10+len(l.Fixed)+i] = pctFmt
	}
	n := len(sh.Rows)
	if n > 0 {
		ctr := []render.ChartSeries{
			withBars(seriesOf(sh.Name, n, 0, 2), l.Days, func(d sim.LearnDay) (float64, [2]float64) { return d.CTR, d.CTRCI }),
			seriesOf(sh.Name, n, 0, 5), seriesOf(sh.Name, n, 0, 6)}
		for i := range l.Fixed {
			ctr = append(ctr, seriesOf(sh.Name, n, 0, 10+i))
		}
		regret := withBars(seriesOf(sh.Name, n, 0, 7), l.Days, func(d sim.LearnDay) (float64, [2]float64) { return d.Regret, d.RegretCI })
		sh.Charts = []render.Chart{
			{Type: "line", Title: "Learning curve: CTR by day (95% CI)", Cell: sheetCol(len(sh.Columns)+1) + "2", XTitle: "day", YTitle: "CTR", Series: ctr},
			{Type: "line", Title: "Cumulative regret vs the oracle (95% CI)", Cell: sheetCol(len(sh.Columns)+1) + "20", XTitle: "day", YTitle: "clicks",
				Series: []render.ChartSeries{regret}},
		}
	}
	return sh
}

func anySlice(xs []float64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// withImpressions wraps a synthetic run so that the policy's impressions
// go to --emit-impressions, written atomically like every output.
func (o *simulateOptions) withImpressions(inputs []string, so *sim.SyntheticOptions, run func(io.Writer) error) func(io.Writer) error {
	if o.Learn.EmitImpr == "" || so.Learn == nil {
		return run
	}
	return func(w io.Writer) error {
		return render.WriteFileAtomic(o.Learn.EmitImpr, inputs, func(iw io.Writer) error {
			so.Learn.Impressions = iw
			return run(w)
		})
	}
}

// reportImpressions tells stderr where the impressions log went.
func (o *simulateOptions) reportImpressions(res *sim.SynthResult) {
	if o.Learn.EmitImpr == "" || res.Learning == nil || o.app.Quiet {
		return
	}
	var n int64
	for _, d := range res.Learning.Days {
		n += d.Impressions
	}
	fmt.Fprintf(o.IO.ErrOut, "wrote %s (%s impressions)\n", o.Learn.EmitImpr, render.Int64(n))
}

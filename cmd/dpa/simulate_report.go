package main

import (
	"fmt"
	"io"
	"math"

	"github.com/dpa-tools/dpa/campaign/sim"
	"github.com/dpa-tools/dpa/render"
)

func (o *simulateOptions) tableOptions() render.TableOptions {
	return render.TableOptions{TTY: o.IO.OutTTY && o.Out == "", Styles: render.NewStyles(o.IO.ColorOut() && o.Out == "")}
}

// bestCells returns, for each column, the rows holding the best value
// (ties all count); columns without a direction are skipped.
func bestCells(vals [][]float64, higher []int) map[[2]int]bool {
	best := map[[2]int]bool{}
	for c, dir := range higher {
		if dir == 0 || len(vals) < 2 {
			continue
		}
		b := math.NaN()
		for r := range vals {
			v := vals[r][c] * float64(dir)
			if math.IsNaN(b) || v > b {
				b = v
			}
		}
		for r := range vals {
			if vals[r][c]*float64(dir) == b {
				best[[2]int{r, c}] = true
			}
		}
	}
	return best
}

func highlightStyle(st *render.Styles, best map[[2]int]bool) func(row, col int, cell string) string {
	if st == nil || !st.Color() {
		return nil
	}
	return func(row, col int, cell string) string {
		if best[[2]int{row, col}] {
			return st.Highlight(cell)
		}
		return cell
	}
}

func dec4(x float64) string { return fmt.Sprintf("%.4f", x) }

func pct2dp(x float64) string { return fmt.Sprintf("%.2f%%", x*100) }

// pctRange formats an interval of rates as percentages.
func pctRange(ci [2]float64) string { return pct2dp(ci[0]) + "–" + pct2dp(ci[1]) }

func orgCur(c string) string {
	if c == "" {
		return ""
	}
	return " " + c
}

func money(x float64) string { return fmt.Sprintf("%.2f", x) }

// currencyNote names the revenue's currency and where it came from.
func currencyNote(res *sim.SynthResult) string {
	if res.Currency == "" {
		return res.CurrencySource
	}
	return res.Currency + " (from the " + res.CurrencySource + ")"
}

func writeReplayTable(w io.Writer, rep *replayReport, o *simulateOptions, opts render.TableOptions) error {
	st := opts.Styles
	sp := rep.Split
	fmt.Fprintln(w, st.Title("Replay of "+rep.Events))
	kv := [][2]string{
		{"Protocol", fmt.Sprintf("by %s, target %s, k %d", sp.By, sp.Target, rep.K)},
		{"Log span", sp.Start.Format("2006-01-02 15:04") + " → " + sp.End.Format("2006-01-02 15:04") + " UTC"},
		{"Split", sp.At.Format("2006-01-02 15:04:05") + " UTC (" + sp.Rule + ")"},
		{"Training", fmt.Sprintf("%s events, %s users", render.Int(sp.TrainEvents), render.Int(sp.TrainUsers))},
	}
	if sp.By == sim.BySession {
		kv = append(kv, [2]string{"Test", fmt.Sprintf("%s events in %s sessions", render.Int(sp.TestEvents), render.Int(sp.Sessions))})
	} else {
		kv = append(kv, [2]string{"Test", fmt.Sprintf("%s events, %s users (%s cold)", render.Int(sp.TestEvents), render.Int(sp.TestUsers), render.Int(sp.ColdUsers))})
	}
	kv = append(kv, [2]string{"Test cases", render.Int(sp.Cases)}, [2]string{"Catalog", render.Int(sp.Items) + " items ranked"})
	if o.Catalog != "" {
		kv = append(kv, [2]string{"Eligible from", o.Catalog})
	}
	fmt.Fprintln(w, st.KeyValues(kv))
	fmt.Fprintln(w)
	if err := writeReplayStrategies(w, rep.Strategies, rep.K, true, sp.By, opts); err != nil {
		return err
	}
	for _, l := range replayLegend(rep) {
		fmt.Fprintln(w, st.Muted(l))
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
	if rep.Verdict != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, st.Bold("Verdict: "+rep.Verdict))
	}
	if rep.Cold != nil && len(rep.Cold.Strategies) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, st.Bold(fmt.Sprintf("Cold users (no training history): %s, prospecting strategies only", render.Int(rep.Cold.Users))))
		if err := writeReplayStrategies(w, rep.Cold.Strategies, rep.K, false, sp.By, opts); err != nil {
			return err
		}
	}
	return nil
}

func writeReplayStrategies(w io.Writer, ss []sim.ReplayStrategy, k int, warm bool, by sim.Protocol, opts render.TableOptions) error {
	at := fmt.Sprintf("@%d", k)
	// One truth item per case (session protocol): recall equals hit rate
	// and precision is hit rate / k, so the table leaves them to the JSON.
	pr := by != sim.BySession
	withCI := len(ss) > 0 && ss[0].HitRateCI != nil
	cols := []string{"strategy", "cases", "hit rate" + at}
	higher := []int{0, 0, 1}
	add := func(c string, h int) { cols = append(cols, c); higher = append(higher, h) }
	if withCI {
		add("95% CI", 0)
	}
	if pr {
		add("precision"+at, 1)
		add("recall"+at, 1)
	}
	add("NDCG"+at, 1)
	add("MRR"+at, 1)
	if withCI {
		add("95% CI", 0)
	}
	if warm {
		add("new items"+at, 1)
		add("coverage", 1)
		add("popularity bias", 0)
		if withCI {
			add("Δ hit rate vs best", 0)
		}
	}
	t := render.Table{Columns: cols, Align: []string{"left"}}
	for range cols[1:] {
		t.Align = append(t.Align, "right")
	}
	var vals [][]float64
	for _, s := range ss {
		row := []string{string(s.Name), render.Int(s.Users), dec4(s.HitRate)}
		v := []float64{0, 0, s.HitRate}
		cell := func(c string, x float64) { row = append(row, c); v = append(v, x) }
		if withCI {
			cell(sim.FmtCI(s.HitRateCI, 4), 0)
		}
		if pr {
			cell(dec4(s.Precision), s.Precision)
			cell(dec4(s.Recall), s.Recall)
		}
		cell(dec4(s.NDCG), s.NDCG)
		cell(dec4(s.MRR), s.MRR)
		if withCI {
			cell(sim.FmtCI(s.MRRCI, 4), 0)
		}
		if warm {
			cell(dec4(s.NewItemHitRate), s.NewItemHitRate)
			cell(render.Percent(s.Coverage), s.Coverage)
			cell(dec4(s.PopularityBias), s.PopularityBias)
			if withCI {
				cell(vsBest(s.VsBest), 0)
			}
		}
		t.Rows = append(t.Rows, row)
		vals = append(vals, v)
	}
	opts.RowStyle = highlightStyle(opts.Styles, bestCells(vals, higher))
	return render.WriteTable(w, t, opts)
}

// vsBest formats the hit-rate difference to the best strategy in points
// with its paired interval; the best itself reads "best".
func vsBest(c *sim.Comparison) string {
	if c == nil {
		return "best"
	}
	return fmt.Sprintf("%+.1f [%.1f, %.1f]", c.HitRateDiff*100, c.HitRateDiffCI[0]*100, c.HitRateDiffCI[1]*100)
}

// replayLegend explains the replay table's columns in plain words.
func replayLegend(rep *replayReport) []string {
	k := rep.K
	unit := "user"
	if rep.Split.By == sim.BySession {
		unit = "session"
	}
	lines := []string{
		fmt.Sprintf("hit rate@%d: share of test cases with a relevant item among the first %d recommendations", k, k),
		fmt.Sprintf("NDCG@%d, MRR@%d: like hit rate, but a hit counts more the higher it is ranked (MRR = mean of 1/rank of the first hit)", k, k),
	}
	if rep.Split.By != sim.BySession {
		lines = append(lines, fmt.Sprintf("precision@%d: share of the %d recommendations that were relevant; recall@%d: share of the relevant items found", k, k, k))
	}
	lines = append(lines,
		"new items: hit rate over the cases whose next item was not yet in the "+unit+"'s history (what similar and crosssell can find)",
		"coverage: share of the catalog recommended at least once; popularity bias: mean training popularity of recommended items (1 = the most popular item)")
	if b := rep.Bootstrap; b != nil {
		lines = append(lines, fmt.Sprintf("95%% CI: bootstrap resampling whole test %ss (%s %ss, %d replicates, seed %d); Δ vs best: paired difference in hit-rate points",
			b.Unit, render.Int(b.Groups), b.Unit, b.Replicates, b.Seed))
	}
	return lines
}

func writeSynthTable(w io.Writer, res *sim.SynthResult, o *simulateOptions, opts render.TableOptions) error {
	st := opts.Styles
	s := res.Settings
	cat := o.Catalog
	if cat == "" {
		cat = "generated"
	}
	fmt.Fprintln(w, st.Title("Synthetic campaign"))
	org := res.Organic
	fmt.Fprintln(w, st.KeyValues([][2]string{
		{"Catalog", fmt.Sprintf("%s: %s items, %s in stock", cat, render.Int(s.Items), render.Int(s.InStock))},
		{"Shoppers", render.Int(res.Users)},
		{"Days", fmt.Sprintf("%d from %s (ads from day 2, model retrained every %d days)", res.Days, s.Start, s.RetrainDays)},
		{"Seed", fmt.Sprint(res.Seed)},
		{"Carousel", fmt.Sprintf("k %d", res.K)},
		{"Funnel", fmt.Sprintf("visit %g/day, %g views/visit, view→cart %g, cart→purchase %g",
			s.Funnel.VisitRate, s.Funnel.ViewsPerVisit, s.Funnel.CartRate, s.Funnel.PurchaseRate)},
		{"Ads", fmt.Sprintf("slot %g/day, click base %g, position decay %g, fatigue %g, cap %d per %d days",
			s.Ads.OpportunityRate, s.Ads.ClickBase, s.Ads.PositionDecay, s.Ads.Fatigue, s.Ads.Cap, s.Ads.CapDays)},
		{"Organic", fmt.Sprintf("%s visits, %s views, %s carts, %s purchases, revenue %.2f%s",
			render.Int(org.Visits), render.Int(org.Views), render.Int(org.Carts), render.Int(org.Purchases), org.Revenue, orgCur(res.Currency))},
	}))
	fmt.Fprintln(w)
	if len(res.Strategies) == 0 {
		fmt.Fprintln(w, "No ads simulated (--organic-only): the browsing log is in --emit-events.")
		return nil
	}
	cur := res.Currency
	if cur != "" {
		cur = " " + cur
	}
	cols := []string{"strategy", "impressions", "clicks", "CTR", "CTR 95% CI", "purchases", "CVR", "CVR 95% CI",
		"revenue" + cur, "revenue 95% CI", "RPM" + cur, "RPM 95% CI", "coverage", "OOS", "reach"}
	higher := []int{0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0}
	t := render.Table{Columns: cols, Align: []string{"left"}}
	for range cols[1:] {
		t.Align = append(t.Align, "right")
	}
	var vals [][]float64
	for _, x := range res.Strategies {
		t.Rows = append(t.Rows, []string{string(x.Name), render.Int64(x.Impressions), render.Int64(x.Clicks), pct2dp(x.CTR),
			pctRange(x.CTRCI), render.Int64(x.Purchases), pct2dp(x.CVR), pctRange(x.CVRCI),
			money(x.Revenue), money(x.RevenueCI[0]) + "–" + money(x.RevenueCI[1]),
			money(x.RPM), money(x.RPMCI[0]) + "–" + money(x.RPMCI[1]),
			render.Percent(x.Coverage), render.Percent(x.OOSShare), render.Int64(x.Reach)})
		vals = append(vals, []float64{0, 0, float64(x.Clicks), x.CTR, 0, float64(x.Purchases), x.CVR, 0, x.Revenue, 0, x.RPM, 0, x.Coverage, 0, 0})
	}
	opts.RowStyle = highlightStyle(opts.Styles, bestCells(vals, higher))
	if err := render.WriteTable(w, t, opts); err != nil {
		return err
	}
	fmt.Fprintln(w, st.Muted("CTR = clicks/impressions, CVR = purchases/clicks, RPM = revenue per 1,000 impressions, OOS = out-of-stock share of shown products"))
	if b := res.Bootstrap; b != nil {
		fmt.Fprintln(w, st.Muted(fmt.Sprintf("95%% CI: CTR, CVR, revenue and RPM by a bootstrap resampling whole shoppers (%s shoppers, %d replicates, seed %d)",
			render.Int(b.Groups), b.Replicates, b.Seed)))
		if n := fewClicks(res.Strategies); n > 0 {
			fmt.Fprintln(w, st.Muted(fmt.Sprintf("%s with fewer than %d clicks: a bootstrap cannot see past the few shoppers who clicked, so those intervals are too narrow (-o json has Wilson's ctr_wilson_ci beside ctr_ci)",
				render.Count(n, "strategy", "strategies"), fewClickLimit)))
		}
	}
	fmt.Fprintln(w, st.Muted("revenue currency: "+currencyNote(res)))
	if res.Learning != nil {
		return writeLearningTable(w, res.Learning, opts)
	}
	return nil
}

// fewClickLimit is where a percentile bootstrap over shoppers stops being
// trustworthy for CTR and CVR: with a handful of clicking shoppers the
// replicates take few distinct values (0 clicks gives 0–0).
const fewClickLimit = 10

func fewClicks(ss []sim.SynthStrategy) int {
	n := 0
	for _, x := range ss {
		if x.Impressions > 0 && x.Clicks < fewClickLimit {
			n++
		}
	}
	return n
}

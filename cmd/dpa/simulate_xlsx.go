package main

import (
	"fmt"
	"time"

	"github.com/dpa-tools/dpa/campaign/sim"
	"github.com/dpa-tools/dpa/render"
)

// col is the spreadsheet column letter of a 0-based index (< 702).
func sheetCol(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return string(rune('A'+i/26-1)) + string(rune('A'+i%26))
}

func seriesOf(sheet string, n, catCol, valCol int) render.ChartSeries {
	return render.ChartSeries{
		Name:       fmt.Sprintf("'%s'!$%s$1", sheet, sheetCol(valCol)),
		Categories: fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheet, sheetCol(catCol), sheetCol(catCol), n+1),
		Values:     fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheet, sheetCol(valCol), sheetCol(valCol), n+1),
	}
}

// Excel number formats: rates are stored as fractions and shown as
// percentages; money with thousands separators and two decimals.
const (
	pctFmt   = "0.00%"
	moneyFmt = "#,##0.00"
)

// withBars adds error bars to a series from each row's value and 95%
// interval (the sheet's low and high columns).
func withBars[T any](s render.ChartSeries, rows []T, get func(T) (float64, [2]float64)) render.ChartSeries {
	s.ErrMinus, s.ErrPlus = make([]float64, len(rows)), make([]float64, len(rows))
	for i, x := range rows {
		v, ci := get(x)
		s.ErrMinus[i], s.ErrPlus[i] = v-ci[0], ci[1]-v
	}
	return s
}

func replayWorkbook(rep *replayReport, o *simulateOptions) render.Workbook {
	sp := rep.Split
	at := fmt.Sprintf("@%d", rep.K)
	res := render.Sheet{Name: "Results", ForExcel: true, Freeze: true,
		Columns: []string{"strategy", "cases", "hit rate" + at, "precision" + at, "recall" + at, "NDCG" + at, "MRR" + at, "coverage", "popularity bias"}}
	// The 95% intervals go after the old columns (formulas and readers
	// that address columns by letter keep working), when computed.
	ci := len(rep.Strategies) > 0 && rep.Strategies[0].HitRateCI != nil && rep.Strategies[0].MRRCI != nil
	if ci {
		res.Columns = append(res.Columns, "hit rate low", "hit rate high", "MRR low", "MRR high")
	}
	for _, s := range rep.Strategies {
		row := []any{s.Name, s.Users, s.HitRate, s.Precision, s.Recall, s.NDCG, s.MRR, s.Coverage, s.PopularityBias}
		if ci {
			row = append(row, s.HitRateCI[0], s.HitRateCI[1], s.MRRCI[0], s.MRRCI[1])
		}
		res.Rows = append(res.Rows, row)
	}
	// Hit rate, precision, recall and coverage are shares of cases or
	// items: percentages. NDCG, MRR and popularity bias are scores.
	res.NumFormats = map[int]string{2: pctFmt, 3: pctFmt, 4: pctFmt, 7: pctFmt, 9: pctFmt, 10: pctFmt}
	n := len(res.Rows)
	if n > 0 {
		hit, mrr := seriesOf("Results", n, 0, 2), seriesOf("Results", n, 0, 6)
		if ci {
			hit = withBars(hit, rep.Strategies, func(s sim.ReplayStrategy) (float64, [2]float64) { return s.HitRate, *s.HitRateCI })
			mrr = withBars(mrr, rep.Strategies, func(s sim.ReplayStrategy) (float64, [2]float64) { return s.MRR, *s.MRRCI })
		}
		chartCol := sheetCol(len(res.Columns) + 1)
		res.Charts = []render.Chart{{Type: "col", Title: "Accuracy" + at + " by strategy (95% CI)", Cell: chartCol + "2", YTitle: "score",
			Series: []render.ChartSeries{hit, seriesOf("Results", n, 0, 5), mrr}},
			{Type: "bar", Title: "Catalog coverage by strategy", Cell: chartCol + "20", Series: []render.ChartSeries{seriesOf("Results", n, 0, 7)}}}
	}
	wb := render.Workbook{Sheets: []render.Sheet{res}}
	if len(rep.Strategies) > 0 && len(rep.Strategies[0].HitRateByK) > 0 {
		curve := render.Sheet{Name: "Hit rate by k", ForExcel: true, Columns: []string{"k"}, NumFormats: map[int]string{}}
		for i, s := range rep.Strategies {
			curve.Columns = append(curve.Columns, string(s.Name))
			curve.NumFormats[i+1] = pctFmt
		}
		nk := len(rep.Strategies[0].HitRateByK)
		for k := 0; k < nk; k++ {
			row := []any{k + 1}
			for _, s := range rep.Strategies {
				row = append(row, s.HitRateByK[k])
			}
			curve.Rows = append(curve.Rows, row)
		}
		var series []render.ChartSeries
		for i := range rep.Strategies {
			series = append(series, seriesOf("Hit rate by k", nk, 0, i+1))
		}
		curve.Charts = []render.Chart{{Type: "line", Title: "Hit rate by k", Cell: sheetCol(len(curve.Columns)+1) + "2", XTitle: "k", YTitle: "hit rate", Series: series}}
		wb.Sheets = append(wb.Sheets, curve)
	}
	if rep.Cold != nil && len(rep.Cold.Strategies) > 0 {
		cold := render.Sheet{Name: "Cold users", ForExcel: true,
			Columns: []string{"strategy", "users", "hit rate" + at, "precision" + at, "recall" + at, "NDCG" + at, "MRR" + at}}
		for _, s := range rep.Cold.Strategies {
			cold.Rows = append(cold.Rows, []any{s.Name, s.Users, s.HitRate, s.Precision, s.Recall, s.NDCG, s.MRR})
		}
		wb.Sheets = append(wb.Sheets, cold)
	}
	settings := render.Sheet{Name: "Settings", ForExcel: true, Columns: []string{"setting", "value"}, Rows: [][]any{
		{"mode", "replay"}, {"events", rep.Events}, {"catalog", o.Catalog}, {"k", rep.K}, {"by", sp.By}, {"target", sp.Target},
		{"split rule", sp.Rule}, {"split at", sp.At.Format(time.RFC3339)}, {"log start", sp.Start.Format(time.RFC3339)},
		{"log end", sp.End.Format(time.RFC3339)}, {"train events", sp.TrainEvents}, {"test events", sp.TestEvents},
		{"train users", sp.TrainUsers}, {"test users", sp.TestUsers}, {"cold users", sp.ColdUsers}, {"test sessions", sp.Sessions},
		{"test cases", sp.Cases}, {"items", sp.Items}, {"events read", rep.Read.Events}, {"bad rows", rep.Read.BadRows()}}}
	for _, b := range rep.Read.Bad {
		settings.Rows = append(settings.Rows, []any{"bad rows: " + b.Reason, b.Count})
	}
	wb.Sheets = append(wb.Sheets, settings)
	return wb
}

func synthWorkbook(r *sim.SynthResult, o *simulateOptions) render.Workbook {
	cur := ""
	if r.Currency != "" {
		cur = " (" + r.Currency + ")"
	}
	res := render.Sheet{Name: "Results", ForExcel: true, Freeze: true,
		Columns: []string{"strategy", "impressions", "clicks", "CTR", "CTR low", "CTR high", "purchases", "CVR", "CVR low", "CVR high",
			"revenue" + cur, "revenue low", "revenue high", "RPM" + cur, "RPM low", "RPM high", "coverage", "OOS share", "reach"}}
	for _, x := range r.Strategies {
		res.Rows = append(res.Rows, []any{x.Name, x.Impressions, x.Clicks, x.CTR, x.CTRCI[0], x.CTRCI[1], x.Purchases,
			x.CVR, x.CVRCI[0], x.CVRCI[1], x.Revenue, x.RevenueCI[0], x.RevenueCI[1], x.RPM, x.RPMCI[0], x.RPMCI[1],
			x.Coverage, x.OOSShare, x.Reach})
	}
	res.NumFormats = map[int]string{3: pctFmt, 4: pctFmt, 5: pctFmt, 7: pctFmt, 8: pctFmt, 9: pctFmt,
		10: moneyFmt, 11: moneyFmt, 12: moneyFmt, 13: moneyFmt, 14: moneyFmt, 15: moneyFmt, 16: pctFmt, 17: pctFmt}
	if n := len(res.Rows); n > 0 {
		res.Charts = []render.Chart{
			{Type: "col", Title: "CTR by strategy (95% CI)", Cell: "U2", YTitle: "CTR",
				Series: []render.ChartSeries{withBars(seriesOf("Results", n, 0, 3), r.Strategies, func(x sim.SynthStrategy) (float64, [2]float64) { return x.CTR, x.CTRCI })}},
			{Type: "col", Title: "Revenue by strategy (95% CI)", Cell: "U20", YTitle: r.Currency,
				Series: []render.ChartSeries{withBars(seriesOf("Results", n, 0, 10), r.Strategies, func(x sim.SynthStrategy) (float64, [2]float64) { return x.Revenue, x.RevenueCI })}},
			{Type: "bar", Title: "Revenue per 1,000 impressions (95% CI)", Cell: "U38",
				Series: []render.ChartSeries{withBars(seriesOf("Results", n, 0, 13), r.Strategies, func(x sim.SynthStrategy) (float64, [2]float64) { return x.RPM, x.RPMCI })}},
		}
	}
	s := r.Settings
	cat := o.Catalog
	if cat == "" {
		cat = "generated"
	}
	settings := render.Sheet{Name: "Settings", ForExcel: true, Columns: []string{"setting", "value"}, Rows: [][]any{
		{"mode", "synthetic"}, {"catalog", cat}, {"currency", r.Currency}, {"currency source", r.CurrencySource}, {"items", s.Items}, {"in stock", s.InStock}, {"shoppers", r.Users}, {"days", r.Days},
		{"start", s.Start}, {"seed", fmt.Sprint(r.Seed)}, {"k", r.K}, {"retrain days", s.RetrainDays},
		{"visit rate", s.Funnel.VisitRate}, {"views per visit", s.Funnel.ViewsPerVisit}, {"repeat view", s.Funnel.RepeatView},
		{"explore", s.Funnel.Explore}, {"cart rate", s.Funnel.CartRate}, {"purchase rate", s.Funnel.PurchaseRate},
		{"ad rate", s.Ads.OpportunityRate}, {"click base", s.Ads.ClickBase}, {"position decay", s.Ads.PositionDecay},
		{"view boost", s.Ads.ViewBoost}, {"cart boost", s.Ads.CartBoost}, {"fatigue", s.Ads.Fatigue}, {"show decay", s.Ads.ShowDecay},
		{"cap", s.Ads.Cap}, {"cap days", s.Ads.CapDays}, {"cvr", s.Ads.CVR}, {"viewed cvr", s.Ads.ViewedCVR}, {"cart cvr", s.Ads.CartCVR},
		{"organic events", r.Organic.Events}, {"organic visits", r.Organic.Visits}, {"organic views", r.Organic.Views},
		{"organic carts", r.Organic.Carts}, {"organic purchases", r.Organic.Purchases}, {"organic revenue", r.Organic.Revenue}}}
	wb := render.Workbook{Sheets: []render.Sheet{res, settings}}
	if r.Learning != nil {
		wb.Sheets = append(wb.Sheets, learningSheet(r.Learning))
	}
	return wb
}

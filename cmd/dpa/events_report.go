package main

// The human and workbook forms of the events check report.

import (
	"fmt"
	"io"
	"strings"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/render"
)

func writeEventsCheckTable(w io.Writer, rep *eventsCheckReport, opts render.TableOptions) error {
	st := opts.Styles
	if st == nil {
		st = render.NewStyles(false)
	}
	res := rep.CheckResult
	rd := res.Read
	span := "no events"
	if !rd.MinTime.IsZero() {
		span = rd.MinTime.UTC().Format("2006-01-02 15:04") + " → " + rd.MaxTime.UTC().Format("2006-01-02 15:04") + " UTC"
	}
	layout := rd.Format
	if rd.Preset != "" {
		layout += ", preset " + rd.Preset
	}
	fmt.Fprintln(w, st.Title("Event log "+rep.Events))
	fmt.Fprintln(w, st.KeyValues([][2]string{
		{"Layout", layout},
		{"Rows", render.Int(rd.Rows)},
		{"Events", render.Int(res.Events)},
		{"Bad rows", render.Int(rd.BadRows())},
		{"Users", render.Int(res.Users)},
		{"Sessions", render.Int(res.Sessions)},
		{"Span", span},
	}))
	fmt.Fprintln(w)
	if len(rd.Bad)+len(rd.Skipped) > 0 {
		t := render.Table{Columns: []string{"rows not used", "kind", "rows", "example lines"}, Align: []string{"left", "left", "right", "left"}}
		for _, kind := range []struct {
			name string
			rc   []events.ReasonCount
		}{{"bad", rd.Bad}, {"skipped", rd.Skipped}} {
			for _, r := range kind.rc {
				t.Rows = append(t.Rows, []string{r.Reason, kind.name, render.Int(r.Count), exampleLines(r.Examples)})
			}
		}
		if err := render.WriteTable(w, t, opts); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if len(res.ByType) > 0 {
		t := render.Table{Columns: []string{"event", "count", "share"}, Align: []string{"left", "right", "right"}}
		for _, c := range res.ByType {
			t.Rows = append(t.Rows, []string{string(c.Type), render.Int(c.Count), render.Percent(ratio(c.Count, res.Events))})
		}
		if err := render.WriteTable(w, t, opts); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if len(res.ByDay) > 0 {
		fmt.Fprintln(w, st.Bold("Events per day"))
		writeDayBars(w, res.ByDay, 40, 31)
		fmt.Fprintln(w)
	}
	if m := res.Match; m != nil {
		fmt.Fprintln(w, st.Bold("Catalog match"))
		fmt.Fprintln(w, st.KeyValues([][2]string{
			{"Catalog items", render.Int(m.CatalogItems)},
			{"Item references", render.Int(m.Refs)},
			{"Matched", render.Int(m.Matched)},
			{"Match rate", render.Percent(m.Rate)},
			{"Distinct ids", render.Int(m.DistinctIDs)},
			{"Distinct matched", render.Int(m.DistinctMatched)},
		}))
		t := render.Table{Columns: []string{"event", "item refs", "matched", "rate"}, Align: []string{"left", "right", "right", "right"}}
		for _, x := range m.ByType {
			t.Rows = append(t.Rows, []string{string(x.Type), render.Int(x.Refs), render.Int(x.Matched), render.Percent(x.Rate)})
		}
		if err := render.WriteTable(w, t, opts); err != nil {
			return err
		}
		if len(m.Causes) > 0 {
			fmt.Fprintln(w)
			fmt.Fprintln(w, st.Bold("Unmatched ids by likely cause"))
			ct := render.Table{Columns: []string{"cause", "ids", "refs", "examples (event id → catalog id)"}, Align: []string{"left", "right", "right", "left"}}
			for _, c := range m.Causes {
				var ex []string
				for _, e := range c.Examples {
					s := e.EventID
					if e.CatalogID != "" {
						s += " → " + e.CatalogID
					}
					ex = append(ex, s)
				}
				ct.Rows = append(ct.Rows, []string{c.Cause, render.Int(c.IDs), render.Int(c.Refs), strings.Join(ex, ", ")})
			}
			o := opts
			o.MaxColWidth = 80
			if err := render.WriteTable(w, ct, o); err != nil {
				return err
			}
			for _, c := range m.Causes {
				fmt.Fprintf(w, "  %s: %s\n", c.Cause, c.Description)
			}
		}
		fmt.Fprintln(w)
	}
	if s := res.Signal; s != nil {
		fmt.Fprintln(w, st.Bold("Catalog items with signal (as of "+s.AsOf.UTC().Format("2006-01-02")+")"))
		fmt.Fprintln(w, st.KeyValues([][2]string{
			{"Last 14 days", fmt.Sprintf("%s (%s)", render.Int(s.Items14), render.Percent(s.Share14))},
			{"Last 30 days", fmt.Sprintf("%s (%s)", render.Int(s.Items30), render.Percent(s.Share30))},
			{"Any time", fmt.Sprintf("%s (%s)", render.Int(s.ItemsEver), render.Percent(s.ShareEver))},
		}))
	}
	if g := rep.Gate; g != nil {
		verdict := st.OK("passed")
		if !g.Passed {
			verdict = st.Error("FAILED")
		}
		fmt.Fprintf(w, "\nMatch-rate gate (--min-match-rate %s): %s\n", render.Percent(g.MinMatchRate), verdict)
	}
	return nil
}

func exampleLines(ex []events.Example) string {
	var s []string
	for _, e := range ex {
		s = append(s, fmt.Sprint(e.Line))
	}
	return strings.Join(s, ", ")
}

// writeDayBars draws events per day as a horizontal bar chart. Long logs
// are bucketed into at most maxRows rows of equal numbers of days.
func writeDayBars(w io.Writer, days []events.DayCount, width, maxRows int) {
	type row struct {
		label string
		n     int
	}
	per := (len(days) + maxRows - 1) / maxRows
	var rows []row
	for i := 0; i < len(days); i += per {
		j := min(i+per, len(days))
		r := row{label: days[i].Date}
		if j-i > 1 {
			r.label += "…" + days[j-1].Date[5:]
		}
		for _, d := range days[i:j] {
			r.n += d.Total
		}
		rows = append(rows, r)
	}
	maxN, lw, nw := 1, 0, 0
	for _, r := range rows {
		maxN = max(maxN, r.n)
		lw = max(lw, len([]rune(r.label)))
		nw = max(nw, len(render.Int(r.n)))
	}
	for _, r := range rows {
		bar := strings.Repeat("█", (r.n*width+maxN-1)/maxN)
		fmt.Fprintf(w, "  %-*s %*s %s\n", lw, r.label, nw, render.Int(r.n), bar)
	}
}

func eventsCheckWorkbook(rep *eventsCheckReport) render.Workbook {
	res := rep.CheckResult
	sum := render.Sheet{Name: "Summary", Columns: []string{"metric", "value"}, ForExcel: true, Rows: [][]any{
		{"events file", rep.Events}, {"catalog", rep.Catalog}, {"format", res.Read.Format}, {"preset", res.Read.Preset},
		{"rows", res.Read.Rows}, {"events", res.Events}, {"bad rows", res.Read.BadRows()},
		{"users", res.Users}, {"sessions", res.Sessions}}}
	if m := res.Match; m != nil {
		sum.Rows = append(sum.Rows, []any{"catalog items", m.CatalogItems}, []any{"item references", m.Refs},
			[]any{"matched", m.Matched}, []any{"match rate", m.Rate}, []any{"distinct ids", m.DistinctIDs}, []any{"distinct matched", m.DistinctMatched})
	}
	if s := res.Signal; s != nil {
		sum.Rows = append(sum.Rows, []any{"items with signal, 14 days", s.Share14}, []any{"items with signal, 30 days", s.Share30}, []any{"items with signal, any time", s.ShareEver})
	}
	cols := []string{"date", "total"}
	for _, t := range events.Types {
		cols = append(cols, string(t))
	}
	day := render.Sheet{Name: "Per day", Columns: cols, ForExcel: true, Freeze: true}
	for _, d := range res.ByDay {
		row := []any{d.Date, d.Total}
		for _, t := range events.Types {
			row = append(row, d.ByType[string(t)])
		}
		day.Rows = append(day.Rows, row)
	}
	if n := len(day.Rows); n > 0 {
		var series []render.ChartSeries
		for i := range events.Types {
			col := string(rune('C' + i))
			series = append(series, render.ChartSeries{Name: fmt.Sprintf("'Per day'!$%s$1", col),
				Categories: fmt.Sprintf("'Per day'!$A$2:$A$%d", n+1), Values: fmt.Sprintf("'Per day'!$%s$2:$%s$%d", col, col, n+1)})
		}
		day.Charts = []render.Chart{{Type: "col", Title: "Events per day", Cell: "I2", Series: series, YTitle: "events"}}
	}
	rows := render.Sheet{Name: "Rows not used", Columns: []string{"reason", "kind", "rows", "example lines"}, ForExcel: true}
	for _, r := range res.Read.Bad {
		rows.Rows = append(rows.Rows, []any{r.Reason, "bad", r.Count, exampleLines(r.Examples)})
	}
	for _, r := range res.Read.Skipped {
		rows.Rows = append(rows.Rows, []any{r.Reason, "skipped", r.Count, exampleLines(r.Examples)})
	}
	wb := render.Workbook{Sheets: []render.Sheet{sum, day, rows}}
	if m := res.Match; m != nil {
		mt := render.Sheet{Name: "Match by event", Columns: []string{"event", "item refs", "matched", "rate"}, ForExcel: true}
		for _, x := range m.ByType {
			mt.Rows = append(mt.Rows, []any{string(x.Type), x.Refs, x.Matched, x.Rate})
		}
		if n := len(mt.Rows); n > 0 {
			mt.Charts = []render.Chart{{Type: "bar", Title: "Catalog match rate by event", Cell: "F2", Series: []render.ChartSeries{{
				Name: "'Match by event'!$D$1", Categories: fmt.Sprintf("'Match by event'!$A$2:$A$%d", n+1), Values: fmt.Sprintf("'Match by event'!$D$2:$D$%d", n+1)}}}}
		}
		ct := render.Sheet{Name: "Unmatched ids", Columns: []string{"cause", "description", "event id", "catalog id", "refs"}, ForExcel: true, Filter: true}
		for _, c := range m.Causes {
			for _, e := range c.Examples {
				ct.Rows = append(ct.Rows, []any{c.Cause, c.Description, e.EventID, e.CatalogID, e.Refs})
			}
		}
		wb.Sheets = append(wb.Sheets, mt, ct)
	}
	return wb
}

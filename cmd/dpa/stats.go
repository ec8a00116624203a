package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

type statsOptions struct {
	IO  *render.Streams
	app *app

	File    string
	Channel string
	Output  string
	Out     string
	Top     int
	Read    readFlags
}

func newStatsCmd(a *app, runF func(context.Context, *statsOptions) error) *cobra.Command {
	o := &statsOptions{IO: a.IO, app: a}
	cmd := &cobra.Command{
		Use:   "stats [flags] FILE",
		Short: "Describe what is in a catalog",
		Long: `Item and variant counts, availability and condition split, price
distribution per currency (min, median, p90, max, histogram), sale share, top
brands and product types, google_product_category depth, identifier and image
coverage, duplicate titles and the fill rate of every field. The file is
streamed once.`,
		Example: `  dpa stats examples/clean_meta_feed.csv
  dpa stats feed.xml -o json
  dpa stats feed.csv -o xlsx --out stats.xlsx`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if err := oneOf("output", o.Output, "table", "json", "xlsx"); err != nil {
				return err
			}
			if o.Channel != "" {
				if _, err := feed.LookupChannel(o.Channel); err != nil {
					return &usageError{err: fmt.Errorf("invalid --channel: %w", err)}
				}
			}
			if o.Output == "xlsx" && o.Out == "" && o.IO.OutTTY {
				return usageErr("-o xlsx writes a binary workbook: give --out FILE or redirect stdout")
			}
			if err := o.Read.parse(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runStats(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Channel, "channel", "", "channel (accepted for symmetry with validate; statistics do not depend on it)")
	f.StringVarP(&o.Output, "output", "o", "table", "report format: table|json|xlsx")
	f.StringVar(&o.Out, "out", "", "write the report to this file (atomically) instead of stdout")
	f.IntVar(&o.Top, "top", 10, "brands and product types listed")
	o.Read.register(cmd)
	return cmd
}

type statsReport struct {
	SchemaVersion int    `json:"schema_version"`
	File          string `json:"file"`
	*feed.FeedStats
}

func runStats(ctx context.Context, o *statsOptions) error {
	ro := o.Read.opts
	r, err := openFeed(ctx, o.File, ro, o.IO.In)
	if err != nil {
		return err
	}
	defer r.Close()
	st, err := feed.Stats(ctx, r, feed.StatsOptions{TopN: o.Top})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &inputError{err: err}
	}
	rep := &statsReport{SchemaVersion: 1, File: o.File, FeedStats: st}
	return writeOutput(o.IO, o.app.Quiet, o.Out, []string{o.File}, func(w io.Writer) error { return o.printer().Print(w, rep) })
}

// printer picks the printer of -o.
func (o *statsOptions) printer() printer[*statsReport] {
	switch o.Output {
	case "json":
		return printFunc[*statsReport](func(w io.Writer, r *statsReport) error { return render.WriteJSON(w, r) })
	case "xlsx":
		return printFunc[*statsReport](func(w io.Writer, r *statsReport) error { return render.WriteXLSX(w, statsWorkbook(r)) })
	}
	// Styles and fitting are for a terminal, never for --out.
	return statsTable{render.TableOptions{TTY: o.IO.OutTTY && o.Out == "", Styles: render.NewStyles(o.IO.ColorOut() && o.Out == "")}}
}

// statsTable is the default printer: the counts, coverage and price
// tables one after another.
type statsTable struct{ opts render.TableOptions }

func (p statsTable) Print(w io.Writer, r *statsReport) error {
	opts := p.opts
	pct := func(x float64) string { return render.Percent(x) }
	fmt.Fprintf(w, "%s: %s items, %s variants in %s groups\n", r.File, render.Int(r.Items), render.Int(r.Variants), render.Int(r.Groups))
	t := render.Table{Columns: []string{"coverage", "share"}, Align: []string{"left", "right"}}
	t.Rows = [][]string{{"on sale", pct(r.SaleShare)}, {"gtin", pct(r.GTINCoverage)}, {"mpn", pct(r.MPNCoverage)},
		{"brand", pct(r.BrandCoverage)}, {"image_link", pct(r.ImageCoverage)}, {"duplicate titles", render.Int(r.DuplicateTitles)}}
	if err := render.WriteTable(w, t, opts); err != nil {
		return err
	}
	counts := func(title string, c []feed.Count) error {
		if len(c) == 0 {
			return nil
		}
		t := render.Table{Columns: []string{title, "items", "share"}, Align: []string{"left", "right", "right"}}
		for _, x := range c {
			name := x.Code
			if name == "" {
				name = "(empty)"
			}
			share := 0.0
			if r.Items > 0 {
				share = float64(x.Count) / float64(r.Items)
			}
			t.Rows = append(t.Rows, []string{name, render.Int(x.Count), pct(share)})
		}
		return render.WriteTable(w, t, opts)
	}
	for _, c := range []struct {
		t string
		c []feed.Count
	}{{"availability", r.Availability}, {"condition", r.Condition}, {"brand", r.Brands}, {"product_type", r.ProductTypes}, {"category depth", r.CategoryDepth}} {
		if err := counts(c.t, c.c); err != nil {
			return err
		}
	}
	for _, p := range r.Prices {
		pt := render.Table{Columns: []string{"price " + p.Currency, "items", "histogram"}, Align: []string{"left", "right", "left"}}
		maxC := 1
		for _, b := range p.Histogram {
			maxC = max(maxC, b.Count)
		}
		for _, b := range p.Histogram {
			bar := strings.Repeat("█", (b.Count*30+maxC-1)/maxC)
			pt.Rows = append(pt.Rows, []string{fmt.Sprintf("%.2f–%.2f", b.From, b.To), render.Int(b.Count), bar})
		}
		fmt.Fprintf(w, "%s: %s items, min %.2f, median %.2f, p90 %.2f, max %.2f\n", p.Currency, render.Int(p.Count), p.Min, p.Median, p.P90, p.Max)
		if err := render.WriteTable(w, pt, opts); err != nil {
			return err
		}
	}
	ft := render.Table{Columns: []string{"field", "filled", "rate"}, Align: []string{"left", "right", "right"}}
	for _, f := range r.FillRates {
		ft.Rows = append(ft.Rows, []string{f.Field, render.Int(f.Filled), pct(f.Rate)})
	}
	return render.WriteTable(w, ft, opts)
}

func statsWorkbook(r *statsReport) render.Workbook {
	sum := render.Sheet{Name: "Summary", Columns: []string{"metric", "value"}, ForExcel: true, Rows: [][]any{
		{"items", r.Items}, {"variants", r.Variants}, {"groups", r.Groups}, {"on sale share", r.SaleShare},
		{"gtin coverage", r.GTINCoverage}, {"mpn coverage", r.MPNCoverage}, {"brand coverage", r.BrandCoverage},
		{"image coverage", r.ImageCoverage}, {"duplicate titles", r.DuplicateTitles}}}
	av := render.Sheet{Name: "Availability", Columns: []string{"availability", "items"}, ForExcel: true}
	for _, c := range r.Availability {
		av.Rows = append(av.Rows, []any{c.Code, c.Count})
	}
	if n := len(av.Rows); n > 0 {
		av.Charts = []render.Chart{{Type: "col", Title: "Availability", Cell: "D2", Series: []render.ChartSeries{{
			Name: "'Availability'!$B$1", Categories: fmt.Sprintf("'Availability'!$A$2:$A$%d", n+1), Values: fmt.Sprintf("'Availability'!$B$2:$B$%d", n+1)}}}}
	}
	pr := render.Sheet{Name: "Prices", Columns: []string{"currency", "from", "to", "items"}, ForExcel: true}
	for _, p := range r.Prices {
		for _, b := range p.Histogram {
			pr.Rows = append(pr.Rows, []any{p.Currency, b.From, b.To, b.Count})
		}
	}
	if len(r.Prices) > 0 {
		n := len(r.Prices[0].Histogram)
		pr.Charts = []render.Chart{{Type: "col", Title: "Price histogram (" + r.Prices[0].Currency + ")", Cell: "F2", Series: []render.ChartSeries{{
			Name: "'Prices'!$D$1", Categories: fmt.Sprintf("'Prices'!$B$2:$B$%d", n+1), Values: fmt.Sprintf("'Prices'!$D$2:$D$%d", n+1)}}}}
	}
	fr := render.Sheet{Name: "Fill rates", Columns: []string{"field", "filled", "rate"}, ForExcel: true}
	for _, f := range r.FillRates {
		fr.Rows = append(fr.Rows, []any{f.Field, f.Filled, f.Rate})
	}
	return render.Workbook{Sheets: []render.Sheet{sum, av, pr, fr}}
}

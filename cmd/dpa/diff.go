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

type diffOptions struct {
	IO  *render.Streams
	app *app

	Old, New        string
	Channel         string
	Output          string
	List            int
	FailPriceChange float64
	MaxChangedShare float64
	MaxRemovedShare float64
	Read            readFlags
}

func newDiffCmd(a *app, runF func(context.Context, *diffOptions) error) *cobra.Command {
	o := &diffOptions{IO: a.IO, app: a}
	cmd := &cobra.Command{
		Use:   "diff [flags] OLD NEW",
		Short: "Show what changed between two versions of a feed",
		Long: `Compare two feeds item by item (keyed by id): items added, removed and
changed per field, price moves and availability flips. Both files are
streamed; only a hash per item of OLD is kept in memory.

The guard flags make it a CI gate against broken exports.

EXIT STATUS
  0    no guard exceeded
  1    a guard was exceeded (--fail-on-price-change, --max-changed-share, --max-removed-share)
  2    usage error, unreadable input, or a side without items (--allow-empty
       accepts that)`,
		Example: `  dpa diff yesterday.csv today.csv
  dpa diff old.xml new.xml -o json > diff.json
  dpa diff old.csv new.csv --max-removed-share 5 --fail-on-price-change 20`,
		Args: usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Old, o.New = args[0], args[1]
			if err := oneOf("output", o.Output, "table", "json"); err != nil {
				return err
			}
			if o.Channel != "" {
				if _, err := feed.LookupChannel(o.Channel); err != nil {
					return &usageError{err: fmt.Errorf("invalid --channel: %w", err)}
				}
			}
			for _, p := range []struct {
				n string
				v float64
			}{{"fail-on-price-change", o.FailPriceChange}, {"max-changed-share", o.MaxChangedShare}, {"max-removed-share", o.MaxRemovedShare}} {
				if p.v < 0 || p.v > 100 {
					return usageErr("invalid --%s %g: a percentage from 0 to 100", p.n, p.v)
				}
			}
			if o.Old == "-" && o.New == "-" {
				return usageErr("only one of OLD and NEW can be stdin")
			}
			if err := o.Read.parse(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runDiff(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Channel, "channel", "", "channel whose id field keys the items (default: id, sku_id or offer_id)")
	f.StringVarP(&o.Output, "output", "o", "table", "report format: table|json")
	f.IntVar(&o.List, "list", 1000, "item-level entries in JSON (0 = all)")
	f.Var(newPercent(&o.FailPriceChange, nil), "fail-on-price-change", "exit 1 when more than PCT of items change price (5 or 5%; 0 = off)")
	f.Var(newPercent(&o.MaxChangedShare, nil), "max-changed-share", "exit 1 when more than PCT of items change (0 = off)")
	f.Var(newPercent(&o.MaxRemovedShare, nil), "max-removed-share", "exit 1 when more than PCT of items disappear (0 = off)")
	o.Read.register(cmd)
	return cmd
}

type diffReport struct {
	SchemaVersion int    `json:"schema_version"`
	Old           string `json:"old"`
	New           string `json:"new"`
	*feed.DiffResult
	Guards []string `json:"guards_exceeded"`
}

func runDiff(ctx context.Context, o *diffOptions) error {
	ro := o.Read.opts
	idField := ""
	if o.Channel != "" {
		ch, _ := feed.LookupChannel(o.Channel)
		idField = ch.IDField
	}
	oldR, err := openFeed(ctx, o.Old, ro, o.IO.In)
	if err != nil {
		return err
	}
	defer oldR.Close()
	newR, err := openFeed(ctx, o.New, ro, o.IO.In)
	if err != nil {
		return err
	}
	defer newR.Close()
	// The index of OLD is about a ninth of its size: without a soft limit
	// GOGC would let the heap grow to twice that plus the garbage of
	// reading both files.
	setMemoryLimit([]string{o.Old})
	res, err := feed.Diff(ctx, oldR, newR, feed.DiffOptions{IDField: idField, ListLimit: o.List})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &inputError{err: err}
	}
	// A side without items (an empty download, a header only) would
	// report every item added or removed: refused as every command refuses
	// an input that yields nothing, unless --allow-empty.
	for _, side := range []struct {
		r     feed.Reader
		items int
	}{{oldR, res.OldItems}, {newR, res.NewItems}} {
		if err := feed.NoItemsError(side.r, side.items, ro.AllowEmpty); err != nil {
			return &inputError{err: err}
		}
	}
	rep := &diffReport{SchemaVersion: 1, Old: o.Old, New: o.New, DiffResult: res, Guards: o.guards(res)}
	// diff has no --out: the report is data on stdout, the guards' verdict
	// the exit code.
	if err := o.printer().Print(o.IO.Out, rep); err != nil {
		return err
	}
	if len(rep.Guards) > 0 {
		return &findingsError{msg: strings.Join(rep.Guards, "; ")}
	}
	return nil
}

func (o *diffOptions) guards(r *feed.DiffResult) []string {
	changed, removed, price := r.Shares()
	var out []string
	check := func(flag string, limit, share float64, what string) {
		if limit > 0 && share*100 > limit {
			out = append(out, fmt.Sprintf("%s of items %s (--%s %g)", render.Percent(share), what, flag, limit))
		}
	}
	check("fail-on-price-change", o.FailPriceChange, price, "changed price")
	check("max-changed-share", o.MaxChangedShare, changed, "changed")
	check("max-removed-share", o.MaxRemovedShare, removed, "were removed")
	return out
}

// printer picks the printer of -o.
func (o *diffOptions) printer() printer[*diffReport] {
	if o.Output == "json" {
		return printFunc[*diffReport](func(w io.Writer, r *diffReport) error { return render.WriteJSON(w, r) })
	}
	return diffTable{render.TableOptions{TTY: o.IO.OutTTY, Styles: render.NewStyles(o.IO.ColorOut())}}
}

// diffTable is the default printer: the counts with their shares of OLD,
// then the fields, availability flips and largest price moves.
type diffTable struct{ opts render.TableOptions }

func (p diffTable) Print(w io.Writer, r *diffReport) error {
	changed, removed, price := r.Shares()
	fmt.Fprintf(w, "%s → %s\n", r.Old, r.New)
	t := render.Table{Columns: []string{"", "items", "share of old"}, Align: []string{"left", "right", "right"}}
	row := func(k string, n int, share float64) {
		s := ""
		if share >= 0 {
			s = render.Percent(share)
		}
		t.Rows = append(t.Rows, []string{k, render.Int(n), s})
	}
	row("old", r.OldItems, -1)
	row("new", r.NewItems, -1)
	row("added", r.Added, -1)
	row("removed", r.Removed, removed)
	row("changed", r.Changed, changed)
	row("unchanged", r.Unchanged, -1)
	row("price changed", r.PriceChanges, price)
	row("  up", r.PriceUp, -1)
	row("  down", r.PriceDown, -1)
	if r.DuplicateIDs > 0 {
		row("duplicate ids (ignored)", r.DuplicateIDs, -1)
	}
	if r.MissingIDs > 0 {
		row("items without id (ignored)", r.MissingIDs, -1)
	}
	opts := p.opts
	if err := render.WriteTable(w, t, opts); err != nil {
		return err
	}
	if len(r.FieldChanges) > 0 {
		ft := render.Table{Columns: []string{"field", "items changed"}, Align: []string{"left", "right"}}
		for _, c := range r.FieldChanges {
			ft.Rows = append(ft.Rows, []string{c.Code, render.Int(c.Count)})
		}
		if err := render.WriteTable(w, ft, opts); err != nil {
			return err
		}
	}
	if len(r.Availability) > 0 {
		at := render.Table{Columns: []string{"availability", "items"}, Align: []string{"left", "right"}}
		for _, c := range r.Availability {
			at.Rows = append(at.Rows, []string{c.Code, render.Int(c.Count)})
		}
		if err := render.WriteTable(w, at, opts); err != nil {
			return err
		}
	}
	if len(r.LargestMoves) > 0 {
		pt := render.Table{Columns: []string{"id", "old price", "new price", "move"}, Align: []string{"left", "right", "right", "right"}}
		for _, m := range r.LargestMoves {
			pt.Rows = append(pt.Rows, []string{m.ID, m.Old, m.New, fmt.Sprintf("%+.1f%%", m.Relative*100)})
		}
		if err := render.WriteTable(w, pt, opts); err != nil {
			return err
		}
	}
	for _, g := range r.Guards {
		fmt.Fprintln(w, "guard exceeded: "+g)
	}
	return nil
}

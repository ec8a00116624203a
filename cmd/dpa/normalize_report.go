package main

// normalize's summary, change report and XLSX item output.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

func (o *normalizeOptions) writeSummary(s *normalizeSummary) error {
	if o.Output == "json" {
		return render.WriteJSON(o.IO.Out, s)
	}
	t := render.Table{Columns: []string{"", "count"}, Align: []string{"left", "right"}}
	add := func(k string, n int) { t.Rows = append(t.Rows, []string{k, render.Int(n)}) }
	add("items in", s.ItemsIn)
	add("items out", s.ItemsOut)
	add("items rejected", s.ItemsRejected)
	add("items changed", s.ItemsChanged)
	if s.MergedRows > 0 {
		add("source rows merged", s.MergedRows)
	}
	for _, f := range s.Fixes {
		add("fix "+f.Code, f.Count)
	}
	for _, r := range s.Rejections {
		add("rejected for "+r.Code, r.Count)
	}
	w := o.IO.Out
	fmt.Fprintf(w, "%s → %s (%s, source: %s)\n", s.Input, s.Out, s.Channel, s.Source)
	if err := render.WriteTable(w, t, render.TableOptions{TTY: o.IO.OutTTY, Styles: render.NewStyles(o.IO.ColorOut())}); err != nil {
		return err
	}
	fmt.Fprintf(w, "items_in %d = items_out %d + items_rejected %d\n", s.ItemsIn, s.ItemsOut, s.ItemsRejected)
	if s.Rejects != "" {
		fmt.Fprintf(w, "rejected items: %s\n", s.Rejects)
	}
	if len(s.Dropped) > 0 {
		fmt.Fprintf(w, "columns not carried over: %s\n", render.CleanLine(strings.Join(s.Dropped, ", ")))
	}
	if len(s.Actions) > 0 {
		fmt.Fprintln(w, "\nTo get the rejected items through:")
		for _, a := range s.Actions {
			fmt.Fprintf(w, "  - %s\n", render.CleanLine(a.Message))
		}
		if args := planArgs(s.Actions); args != "" {
			fmt.Fprintf(w, "Add to the command: %s\n", args)
			for _, a := range s.Actions {
				if a.Example {
					fmt.Fprintln(w, "(the values are examples: use your shop's own)")
					break
				}
			}
		}
	}
	return nil
}

// planArgs is the flags the actions propose (with the run's own flags they
// complete the command), with a note when the values are examples.
func planArgs(acts []feed.Action) string {
	var args []string
	for _, a := range acts {
		if a.Flag != "" {
			args = append(args, a.Arg())
		}
	}
	return strings.Join(args, " ")
}

// changeReport streams the change records: CSV rows, or a JSON document
// whose changes array is written as it goes and whose summary comes last.
type changeReport struct {
	w     *bufio.Writer
	json  bool
	first bool
}

func newChangeReport(w io.Writer, asJSON bool) *changeReport {
	r := &changeReport{w: bufio.NewWriter(w), json: asJSON, first: true}
	if asJSON {
		r.w.WriteString("{\n  \"schema_version\": 1,\n  \"changes\": [")
	} else {
		r.w.WriteString("item,line,id,field,old,new,rule\n")
	}
	return r
}

func (r *changeReport) add(c feed.Change) error {
	if r.json {
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if !r.first {
			r.w.WriteByte(',')
		}
		r.first = false
		r.w.WriteString("\n    ")
		_, err = r.w.Write(b)
		return err
	}
	return writeCSVRow(r.w, []string{fmt.Sprint(c.Item), fmt.Sprint(c.Line), c.ID, c.Field, c.Old, c.New, c.Rule})
}

func (r *changeReport) close(s *normalizeSummary) error {
	if r.json {
		b, err := json.MarshalIndent(s, "  ", "  ")
		if err != nil {
			return err
		}
		if !r.first {
			r.w.WriteString("\n  ")
		}
		r.w.WriteString("],\n  \"summary\": ")
		r.w.Write(b)
		r.w.WriteString("\n}\n")
	}
	return r.w.Flush()
}

func writeCSVRow(w *bufio.Writer, cells []string) error {
	for i, c := range cells {
		if i > 0 {
			w.WriteByte(',')
		}
		// The change report is for people: neutralise formula-like cells
		// as the XLSX report does (issue 10 #11).
		c = render.SafeCell(c)
		if strings.ContainsAny(c, ",\"\r\n") || strings.HasPrefix(c, " ") {
			w.WriteByte('"')
			w.WriteString(strings.ReplaceAll(c, `"`, `""`))
			w.WriteByte('"')
		} else {
			w.WriteString(c)
		}
	}
	return w.WriteByte('\n')
}

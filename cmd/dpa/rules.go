package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

type rulesOptions struct {
	IO      *render.Streams
	Now     func() time.Time
	Channel string
	Output  string
}

func newRulesCmd(a *app, runF func(context.Context, *rulesOptions) error) *cobra.Command {
	opts := &rulesOptions{IO: a.IO, Now: a.Now}
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the validation rules with what they mean and how to fix them",
		Example: `  dpa rules
  dpa rules --channel google -o json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneOf("output", opts.Output, "table", "json", "csv"); err != nil {
				return err
			}
			if opts.Channel != "" {
				if _, err := feed.LookupChannel(opts.Channel); err != nil {
					return &usageError{err: err}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRules(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Channel, "channel", "", "only rules for this channel: meta|google|tiktok|pinterest|snapchat")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "table", "format: table|json|csv")
	return cmd
}

type ruleJSON struct {
	Code     string   `json:"code"`
	Severity string   `json:"severity"`
	Summary  string   `json:"summary"`
	Fix      string   `json:"fix"`
	Channels []string `json:"channels"`
}

func runRules(o *rulesOptions) error {
	rules := feed.RulesFor(o.Channel)
	if o.Output == "json" {
		out := struct {
			SchemaVersion int        `json:"schema_version"`
			Rules         []ruleJSON `json:"rules"`
		}{SchemaVersion: 1}
		for _, r := range rules {
			chs := r.Channels
			if len(chs) == 0 {
				chs = feed.ChannelNames()
			}
			sev := r.Severity
			if o.Channel != "" {
				sev = r.SeverityFor(o.Channel)
			}
			out.Rules = append(out.Rules, ruleJSON{Code: r.Code, Severity: sev.String(), Summary: r.Summary, Fix: r.Fix, Channels: chs})
		}
		return render.WriteJSON(o.IO.Out, out)
	}
	t := render.Table{Columns: []string{"RULE", "SEVERITY", "WHAT IT MEANS", "FIX"}}
	for _, r := range rules {
		sev := r.Severity
		if o.Channel != "" {
			sev = r.SeverityFor(o.Channel)
		}
		t.Rows = append(t.Rows, []string{r.Code, sev.String(), r.Summary, r.Fix})
	}
	if o.Output == "csv" {
		return render.WriteCSV(o.IO.Out, t, render.CSVOptions{})
	}
	return writeRulesText(o.IO.Out, rules, o.Channel, o.IO.OutTTY)
}

// writeRulesText prints one block per rule: a table would wrap the long
// explanations into something unreadable in an 80-column terminal.
func writeRulesText(w io.Writer, rules []feed.Rule, channel string, tty bool) error {
	st := render.NewStyles(false)
	if tty {
		st = render.NewStyles(true)
	}
	for _, r := range rules {
		sev := r.Severity
		if channel != "" {
			sev = r.SeverityFor(channel)
		}
		if _, err := fmt.Fprintf(w, "%s  %s\n    %s\n    fix: %s\n", st.Bold(r.Code), st.Severity(sev.String(), sev.String()), r.Summary, r.Fix); err != nil {
			return err
		}
	}
	return nil
}

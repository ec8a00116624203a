package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

// reportPrinter prints validate's report in one output format. Every
// printer reads the findings at most once.
type reportPrinter = printer[*feed.Report]

// printerFor picks the printer of -o.
func (o *validateOptions) printer() reportPrinter {
	switch o.Output {
	case "json":
		return jsonPrinter{}
	case "csv":
		return csvPrinter{}
	case "junit":
		return junitPrinter{}
	case "sarif":
		return sarifPrinter{}
	case "xlsx":
		return xlsxPrinter{}
	case "github":
		return githubPrinter{maxPerRule: o.MaxFindings, summaryPath: os.Getenv("GITHUB_STEP_SUMMARY")}
	}
	tty := o.IO.OutTTY && o.Out == ""
	p := tablePrinter{maxPerRule: o.MaxFindings, tty: tty, st: render.NewStyles(o.IO.ColorOut() && o.Out == "")}
	if tty {
		p.width = cmp.Or(o.IO.OutWidth, 80)
	}
	return p
}

type jsonPrinter struct{}

func (jsonPrinter) Print(w io.Writer, rep *feed.Report) error { return rep.WriteJSON(w) }

var findingColumns = []string{"file", "item", "line", "id", "field", "rule", "severity", "message", "value", "suggestion"}

func findingRow(f *feed.Finding) []string {
	return []string{f.File, strconv.Itoa(f.Item), strconv.Itoa(f.Line), f.ID, f.Field, f.Rule,
		f.Severity.String(), f.Message, f.Value, f.Suggestion}
}

// csvPrinter streams one row per finding (the columns are a contract:
// unchanged), after which nothing else is written.
type csvPrinter struct{}

func (csvPrinter) Print(w io.Writer, rep *feed.Report) error {
	// A CSV report is opened by people: neutralise formula-like cells
	// taken from the feed as the XLSX report does (issue 10 #11). The file
	// column stays as given ("-" is stdin, not a formula).
	cw := render.NewCSVWriter(w, findingColumns, render.CSVOptions{})
	if err := rep.Each(func(_ int, f *feed.Finding) error {
		row := findingRow(f)
		for i := 3; i < len(row); i++ {
			row[i] = render.SafeCell(row[i])
		}
		return cw.Write(row)
	}); err != nil {
		return err
	}
	return cw.Flush()
}

// tablePrinter is the default: the files and totals, then the issues (title,
// severity, items and share, fix, documentation, examples), then the
// findings, capped per rule.
type tablePrinter struct {
	maxPerRule int
	tty        bool
	width      int // terminal columns; 0 = not a terminal
	st         *render.Styles
}

func (p tablePrinter) Print(w io.Writer, rep *feed.Report) error {
	st := p.st
	var b strings.Builder
	for _, f := range rep.Files {
		status := st.OK("valid")
		switch {
		case f.Errors > 0:
			status = st.Error("errors")
		case f.Warnings > 0:
			status = st.Warning("warnings")
		}
		fmt.Fprintf(&b, "%s  %s, %s channel, %s\n", st.Title(f.File), f.Format, f.Channel, status)
		if h := f.Normalize; h != nil {
			ch, _ := feed.LookupChannel(f.Channel)
			fmt.Fprintf(&b, "\n  %s\n    %s\n", st.Bold(fmt.Sprintf("This is a %s product export, not a %s feed. Turn it into one with:", feed.SourceTitle(f.Source), ch.Title)), h.Command)
			if h.ItemsIn > 0 {
				note := fmt.Sprintf("%s of %s items pass with these flags", render.Int(h.ItemsOut), render.Int(h.ItemsIn))
				if h.Examples {
					note += "; the values are examples: put in your shop's own"
				}
				fmt.Fprintf(&b, "  (%s)\n", note)
			}
			for _, l := range h.Left {
				fmt.Fprintf(&b, "  - %s\n", l)
			}
			b.WriteString("\n")
		}
	}
	s := rep.Summary
	kv := [][2]string{
		{"Items", render.Int(s.Items)},
		{"Valid items", fmt.Sprintf("%s (%s)", render.Int(s.ValidItems), render.Percent(ratio(s.ValidItems, s.Items)))},
		{"Errors", st.Severity("error", render.Int(s.Errors))},
		{"Warnings", st.Severity("warning", render.Int(s.Warnings))},
		{"Infos", st.Severity("info", render.Int(s.Infos))},
	}
	if bs := s.Baseline; bs != nil {
		kv = append(kv, [2]string{"New", fmt.Sprintf("%s, %s, %s not in %s", render.Count(bs.NewErrors, "error", "errors"), render.Count(bs.NewWarnings, "warning", "warnings"), render.Count(bs.NewInfos, "info", "infos"), bs.File)})
	}
	b.WriteString(st.KeyValues(kv))
	b.WriteString("\n")
	if len(rep.Issues) > 0 {
		b.WriteString("\n" + st.Bold("Issues") + "\n")
		for i, is := range rep.Issues {
			if i == 15 {
				fmt.Fprintf(&b, "  … and %s (-o json lists them all)\n", render.Count(len(rep.Issues)-15, "more issue", "more issues"))
				break
			}
			sev := fmt.Sprintf("%-8s", is.Severity.String()) // pad before styling: escapes would count
			affected := render.Count(is.Findings, "finding", "findings")
			if is.Items > 0 {
				affected = fmt.Sprintf("%s of %s (%s)", render.Int(is.Items), render.Count(s.Items, "item", "items"), render.Percent(is.Share))
			}
			if s.Baseline != nil && is.New > 0 {
				affected += fmt.Sprintf(", %s new", render.Int(is.New))
			}
			fmt.Fprintf(&b, "  %s %s — %s  [%s]\n", st.Severity(is.Severity.String(), sev), st.Bold(is.Title), affected, is.Rule)
			if is.Fix != "" {
				fmt.Fprintf(&b, "           Fix: %s\n", is.Fix)
			}
			if is.Docs != "" {
				fmt.Fprintf(&b, "           Docs: %s\n", is.Docs)
			}
			var ex []string
			for _, e := range is.Examples {
				at := fmt.Sprintf("line %d", e.Line)
				if e.Column > 0 {
					at = fmt.Sprintf("line %d:%d, item %d", e.Line, e.Column, e.Item)
				}
				if e.ID != "" {
					at += " (" + e.ID + ")"
				}
				if e.Value != "" {
					at += fmt.Sprintf(" %q", e.Value)
				}
				ex = append(ex, at)
			}
			if len(ex) > 0 {
				fmt.Fprintf(&b, "           e.g. %s\n", render.CleanLine(strings.Join(ex, "; ")))
			}
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if rep.Count() == 0 {
		_, err := fmt.Fprintln(w, "\n"+st.OK("No findings."))
		return err
	}
	cols := []string{"LOCATION", "ID", "FIELD", "SEVERITY", "RULE", "MESSAGE"}
	base := rep.Summary.Baseline != nil
	if base {
		cols = append([]string{"NEW"}, cols...)
	}
	t := render.Table{Columns: cols}
	shown := map[string]int{}
	hidden := 0
	err := rep.Each(func(k int, f *feed.Finding) error {
		if p.maxPerRule > 0 && shown[f.Rule] >= p.maxPerRule {
			hidden++
			return nil
		}
		shown[f.Rule]++
		msg := f.Message
		if f.Suggestion != "" && !strings.Contains(msg, f.Suggestion) {
			msg += " → " + f.Suggestion
		}
		row := []string{location(f, rep.Files[k].SharedLines), f.ID, f.Field, f.Severity.String(), f.Rule, msg}
		if base {
			mark := ""
			if f.New {
				mark = "new"
			}
			row = append([]string{mark}, row...)
		}
		t.Rows = append(t.Rows, row)
		return nil
	})
	if err != nil {
		return err
	}
	sevCol := 3
	if base {
		sevCol = 4
	}
	// On a terminal the table fits its width: the message (with its hint)
	// wraps onto more lines, the other columns wrap past 40 characters;
	// nothing is cut. Anywhere else (a log, a file) every row is one line.
	fmt.Fprintln(w)
	other := 0
	if p.width > 0 {
		other = 40
	}
	err = render.WriteTable(w, t, render.TableOptions{TTY: p.tty, Width: p.width, MaxColWidth: other, Wrap: []int{len(cols) - 1}, Styles: st,
		RowStyle: func(row, col int, cell string) string {
			if col == sevCol {
				return st.Severity(cell, cell)
			}
			return cell
		}})
	if err != nil {
		return err
	}
	if hidden > 0 {
		_, err = fmt.Fprintf(w, "%s more findings not shown (--max-findings %d per rule); use -o json or -o csv for all\n", render.Int(hidden), p.maxPerRule)
	}
	return err
}

// location is file:line, file:line:column for an XML item, and the item
// number after it where items share lines (a minified feed has them all on
// line 2: the column is exact, the item number is what a person counts).
func location(f *feed.Finding, shared bool) string {
	loc := fmt.Sprintf("%s:%d", f.File, f.Line)
	if f.Column > 0 {
		loc += fmt.Sprintf(":%d", f.Column)
	}
	if shared && f.Item > 0 {
		loc += fmt.Sprintf(" (item %d)", f.Item)
	}
	return loc
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// junitPrinter: one suite per file, one test case per item with findings
// (errors and warnings; with a baseline only new ones fail), and one
// passing case per item without, so CI dashboards count items.
type junitPrinter struct{}

// junitCase is the test case of f's item: the name keeps its old form
// (CI histories key on it); file and line attributes and item/line/column
// properties (column for XML items, the byte offset of <item> within the
// line: a minified feed has every item on line 2) are additive.
func junitCase(f *feed.Finding, name, class string) render.JUnitCase {
	c := render.JUnitCase{Name: name, Classname: class, File: f.File, Line: f.Line}
	if f.Item > 0 {
		c.Properties = []render.JUnitProperty{{Name: "item", Value: strconv.Itoa(f.Item)}, {Name: "line", Value: strconv.Itoa(f.Line)}}
		if f.Column > 0 {
			c.Properties = append(c.Properties, render.JUnitProperty{Name: "column", Value: strconv.Itoa(f.Column)})
		}
	}
	return c
}

func (junitPrinter) Print(w io.Writer, rep *feed.Report) error {
	suites := make([]render.JUnitSuite, len(rep.Files))
	byItem := make([]map[int]int, len(rep.Files))
	base := rep.Summary.Baseline != nil
	for k, fr := range rep.Files {
		suites[k].Name = fr.File
		byItem[k] = map[int]int{}
	}
	err := rep.Each(func(k int, f *feed.Finding) error {
		if f.Severity == feed.Info || base && !f.New {
			return nil
		}
		s := &suites[k]
		i, ok := byItem[k][f.Item]
		if !ok {
			name := "file"
			if f.Item > 0 {
				name = fmt.Sprintf("item %d (line %d)", f.Item, f.Line)
				if f.ID != "" {
					name = fmt.Sprintf("item %s (line %d)", f.ID, f.Line)
				}
			}
			i = len(s.Cases)
			byItem[k][f.Item] = i
			s.Cases = append(s.Cases, junitCase(f, name, "dpa."+rep.Files[k].Channel))
		}
		s.Cases[i].Failures = append(s.Cases[i].Failures, render.JUnitFailure{
			Type: f.Rule, Message: fmt.Sprintf("%s: %s: %s", f.Severity, f.Field, f.Message),
			Text: fmt.Sprintf("%s field %s value %q\n%s", location(f, false), f.Field, f.Value, f.Message)})
		return nil
	})
	if err != nil {
		return err
	}
	for k, fr := range rep.Files {
		clean := fr.Items - len(byItem[k])
		if _, ok := byItem[k][0]; ok {
			clean++
		}
		if clean > 0 {
			suites[k].Cases = append(suites[k].Cases, render.JUnitCase{Name: fmt.Sprintf("%d items without findings", clean), Classname: "dpa." + fr.Channel})
		}
	}
	return render.WriteJUnit(w, "dpa validate", suites)
}

func sarifLevel(s feed.Severity) string {
	switch s {
	case feed.Error:
		return "error"
	case feed.Warning:
		return "warning"
	}
	return "info"
}

// sarifPrinter: one rule per issue (title, fix, documentation link), one
// result per finding; with a baseline each result says whether it is new
// or unchanged (SARIF baselineState), which GitHub code scanning shows.
type sarifPrinter struct{}

func (sarifPrinter) Print(w io.Writer, rep *feed.Report) error {
	var rules []render.SARIFRule
	seen := map[string]bool{}
	for _, is := range rep.Issues {
		if seen[is.Rule] { // issues are per rule and field, SARIF rules per rule
			continue
		}
		seen[is.Rule] = true
		summary := feed.RuleTitle(is.Rule)
		if r, ok := feed.LookupRule(is.Rule); ok {
			summary = r.Summary
		}
		help := summary
		if is.Fix != "" {
			help += " Fix: " + is.Fix
		}
		rules = append(rules, render.SARIFRule{ID: is.Rule, Name: feed.RuleTitle(is.Rule), Short: feed.RuleTitle(is.Rule), Full: summary,
			Help: help, HelpURI: is.Docs, Level: sarifLevel(is.Severity)})
	}
	base := rep.Summary.Baseline != nil
	results := make([]render.SARIFResult, 0, rep.Count())
	err := rep.Each(func(_ int, f *feed.Finding) error {
		msg := f.Message
		if f.ID != "" {
			msg = fmt.Sprintf("item %s, field %s: %s", f.ID, f.Field, msg)
		} else if f.Field != "" {
			msg = fmt.Sprintf("field %s: %s", f.Field, msg)
		}
		uri := f.File
		if uri == "-" {
			uri = ""
		}
		r := render.SARIFResult{RuleID: f.Rule, Level: sarifLevel(f.Severity), Message: msg, URI: uri, Line: f.Line, Column: f.Column,
			Fingerprint: fmt.Sprintf("%s/%s/%s", f.ID, f.Field, f.Rule)}
		if base {
			r.BaselineState = "unchanged"
			if f.New {
				r.BaselineState = "new"
			}
		}
		results = append(results, r)
		return nil
	})
	if err != nil {
		return err
	}
	return render.WriteSARIF(w, "dpa", version(), rules, results)
}

// githubPrinter prints GitHub Actions workflow commands: an annotation per
// finding (with a baseline only new ones), at most maxPerRule per rule so
// a large feed does not drown the run in thousands, and a markdown job
// summary of the issues to $GITHUB_STEP_SUMMARY when set.
type githubPrinter struct {
	maxPerRule  int
	summaryPath string
}

func (p githubPrinter) Print(w io.Writer, rep *feed.Report) error {
	prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	data := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	base := rep.Summary.Baseline != nil
	shown := map[string]int{}
	capped := map[string]int{}
	err := rep.Each(func(_ int, f *feed.Finding) error {
		if base && !f.New {
			return nil
		}
		if p.maxPerRule > 0 && shown[f.Rule] >= p.maxPerRule {
			capped[f.Rule]++
			return nil
		}
		shown[f.Rule]++
		cmd := "notice"
		switch f.Severity {
		case feed.Error:
			cmd = "error"
		case feed.Warning:
			cmd = "warning"
		}
		msg := f.Message
		if f.ID != "" {
			msg = fmt.Sprintf("item %s, %s: %s", f.ID, f.Field, msg)
		}
		if f.Suggestion != "" {
			msg += " (suggestion: " + f.Suggestion + ")"
		}
		col := ""
		if f.Column > 0 {
			col = fmt.Sprintf(",col=%d", f.Column)
		}
		_, err := fmt.Fprintf(w, "::%s file=%s,line=%d%s,title=%s::%s\n", cmd, prop.Replace(f.File), max(f.Line, 1), col, prop.Replace(feed.RuleTitle(f.Rule)+" ("+f.Rule+")"), data.Replace(msg))
		return err
	})
	if err != nil {
		return err
	}
	for _, is := range rep.Issues {
		if n := capped[is.Rule]; n > 0 {
			fmt.Fprintf(w, "::notice title=dpa %s::%s: %s not annotated (--max-findings %d per rule)\n", prop.Replace(is.Rule), data.Replace(feed.RuleTitle(is.Rule)), render.Count(n, "more finding", "more findings"), p.maxPerRule)
			delete(capped, is.Rule)
		}
	}
	s := rep.Summary
	line := fmt.Sprintf("%s, %s valid, %s, %s", render.Count(s.Items, "item", "items"), render.Int(s.ValidItems), render.Count(s.Errors, "error", "errors"), render.Count(s.Warnings, "warning", "warnings"))
	if b := s.Baseline; b != nil {
		line += fmt.Sprintf("; new since the baseline: %s, %s", render.Count(b.NewErrors, "error", "errors"), render.Count(b.NewWarnings, "warning", "warnings"))
	}
	if _, err := fmt.Fprintf(w, "::notice title=dpa validate::%s\n", line); err != nil {
		return err
	}
	if p.summaryPath == "" {
		return nil
	}
	f, err := os.OpenFile(p.summaryPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
	}
	werr := writeMarkdownSummary(f, rep)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", werr)
	}
	return nil
}

// writeMarkdownSummary is the job summary: totals, then one table row per
// issue (new count with a baseline).
func writeMarkdownSummary(w io.Writer, rep *feed.Report) error {
	s := rep.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "## dpa validate\n\n%s, %s valid (%s); %s, %s, %s\n\n",
		render.Count(s.Items, "item", "items"), render.Int(s.ValidItems), render.Percent(ratio(s.ValidItems, s.Items)), render.Count(s.Errors, "error", "errors"), render.Count(s.Warnings, "warning", "warnings"), render.Count(s.Infos, "info", "infos"))
	base := s.Baseline != nil
	if base {
		fmt.Fprintf(&b, "New since `%s`: **%s, %s**, %s\n\n", s.Baseline.File, render.Count(s.Baseline.NewErrors, "error", "errors"), render.Count(s.Baseline.NewWarnings, "warning", "warnings"), render.Count(s.Baseline.NewInfos, "info", "infos"))
	}
	if len(rep.Issues) > 0 {
		b.WriteString("| Severity | Issue | Items | Share |")
		if base {
			b.WriteString(" New |")
		}
		b.WriteString(" Fix |\n|---|---|---:|---:|")
		if base {
			b.WriteString("---:|")
		}
		b.WriteString("---|\n")
		md := strings.NewReplacer("|", `\|`, "\n", " ")
		for _, is := range rep.Issues {
			title := md.Replace(is.Title)
			if is.Docs != "" {
				title = "[" + title + "](" + is.Docs + ")"
			}
			fmt.Fprintf(&b, "| %s | %s `%s` | %s | %s |", is.Severity, title, is.Rule, render.Int(is.Items), render.Percent(is.Share))
			if base {
				fmt.Fprintf(&b, " %s |", render.Int(is.New))
			}
			fmt.Fprintf(&b, " %s |\n", md.Replace(is.Fix))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

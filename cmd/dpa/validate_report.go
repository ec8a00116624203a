package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

var findingColumns = []string{"file", "item", "line", "id", "field", "rule", "severity", "message", "value", "suggestion"}

func findingRow(f *feed.Finding) []string {
	return []string{f.File, strconv.Itoa(f.Item), strconv.Itoa(f.Line), f.ID, f.Field, f.Rule,
		f.Severity.String(), f.Message, f.Value, f.Suggestion}
}

// writeFindingsCSV streams one row per finding.
func writeFindingsCSV(w io.Writer, rep *validateReport) error {
	cw := render.NewCSVWriter(w, findingColumns, render.CSVOptions{})
	if err := rep.each(func(f *feed.Finding) error { return cw.Write(findingRow(f)) }); err != nil {
		return err
	}
	return cw.Flush()
}

type ruleCount struct {
	rule    string
	sev     feed.Severity
	n       int
	example feed.Finding
}

// topRules counts findings per rule, worst severity first, then most frequent.
func topRules(rep *validateReport) ([]ruleCount, error) {
	idx := map[string]int{}
	var out []ruleCount
	err := rep.each(func(f *feed.Finding) error {
		i, ok := idx[f.Rule]
		if !ok {
			i = len(out)
			idx[f.Rule] = i
			out = append(out, ruleCount{rule: f.Rule, sev: f.Severity, example: *f})
		}
		out[i].n++
		return nil
	})
	slices.SortFunc(out, func(a, b ruleCount) int {
		return cmp.Or(cmp.Compare(b.sev, a.sev), cmp.Compare(b.n, a.n), cmp.Compare(a.rule, b.rule))
	})
	return out, err
}

func writeValidateTable(w io.Writer, rep *validateReport, maxPerRule int, tty bool, st *render.Styles) error {
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
	b.WriteString(st.KeyValues([][2]string{
		{"Items", render.Int(s.Items)},
		{"Valid items", fmt.Sprintf("%s (%s)", render.Int(s.ValidItems), render.Percent(ratio(s.ValidItems, s.Items)))},
		{"Errors", st.Severity("error", render.Int(s.Errors))},
		{"Warnings", st.Severity("warning", render.Int(s.Warnings))},
		{"Infos", st.Severity("info", render.Int(s.Infos))},
	}))
	b.WriteString("\n")
	top, err := topRules(rep)
	if err != nil {
		return err
	}
	if len(top) > 0 {
		b.WriteString("\n" + st.Bold("Top rules") + "\n")
		for i, r := range top {
			if i == 10 {
				fmt.Fprintf(&b, "  … and %d more rules\n", len(top)-10)
				break
			}
			ex := r.example
			where := fmt.Sprintf("%s:%d", ex.File, ex.Line)
			if ex.ID != "" {
				where += " (" + ex.ID + ")"
			}
			// Pad before styling: escape codes would count as width.
			sev := fmt.Sprintf("%-8s", r.sev.String())
			fmt.Fprintf(&b, "  %s %-36s %7s  e.g. %s\n", st.Severity(r.sev.String(), sev), r.rule, render.Int(r.n), where)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if rep.count() == 0 {
		_, err := fmt.Fprintln(w, "\n"+st.OK("No findings."))
		return err
	}
	t := render.Table{Columns: []string{"LOCATION", "ID", "FIELD", "SEVERITY", "RULE", "MESSAGE"}}
	shown := map[string]int{}
	hidden := 0
	err = rep.each(func(f *feed.Finding) error {
		if maxPerRule > 0 && shown[f.Rule] >= maxPerRule {
			hidden++
			return nil
		}
		shown[f.Rule]++
		msg := f.Message
		if f.Suggestion != "" && !strings.Contains(msg, f.Suggestion) {
			msg += " → " + f.Suggestion
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("%s:%d", f.File, f.Line), f.ID, f.Field, f.Severity.String(), f.Rule, msg})
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	err = render.WriteTable(w, t, render.TableOptions{TTY: tty, MaxColWidth: 80, Styles: st,
		RowStyle: func(row, col int, cell string) string {
			if col == 3 {
				return st.Severity(cell, cell)
			}
			return cell
		}})
	if err != nil {
		return err
	}
	if hidden > 0 {
		_, err = fmt.Fprintf(w, "%s more findings not shown (--max-findings %d per rule); use -o json or -o csv for all\n", render.Int(hidden), maxPerRule)
	}
	return err
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// junitSuites: one suite per file, one failing test case per item with
// findings (errors and warnings), and one passing case standing for the
// items without any, so CI dashboards show the size of the feed.
func junitSuites(rep *validateReport) ([]render.JUnitSuite, error) {
	var out []render.JUnitSuite
	for k, fr := range rep.Files {
		s := render.JUnitSuite{Name: fr.File}
		byItem := map[int]int{}
		for f := range rep.lists[k].All() {
			if f.Severity == feed.Info {
				continue
			}
			name := "file"
			if f.Item > 0 {
				name = fmt.Sprintf("item %d (line %d)", f.Item, f.Line)
				if f.ID != "" {
					name = fmt.Sprintf("item %s (line %d)", f.ID, f.Line)
				}
			}
			i, ok := byItem[f.Item]
			if !ok {
				i = len(s.Cases)
				byItem[f.Item] = i
				s.Cases = append(s.Cases, render.JUnitCase{Name: name, Classname: "dpa." + fr.Channel})
			}
			s.Cases[i].Failures = append(s.Cases[i].Failures, render.JUnitFailure{
				Type: f.Rule, Message: fmt.Sprintf("%s: %s: %s", f.Severity, f.Field, f.Message),
				Text: fmt.Sprintf("%s:%d field %s value %q\n%s", f.File, f.Line, f.Field, f.Value, f.Message)})
		}
		if err := rep.lists[k].Err(); err != nil {
			return nil, err
		}
		clean := fr.Items - len(byItem)
		if _, ok := byItem[0]; ok {
			clean++
		}
		if clean > 0 {
			s.Cases = append(s.Cases, render.JUnitCase{Name: fmt.Sprintf("%d items without findings", clean), Classname: "dpa." + fr.Channel})
		}
		out = append(out, s)
	}
	return out, nil
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

func writeSARIF(w io.Writer, rep *validateReport) error {
	var rules []render.SARIFRule
	used := map[string]bool{}
	if err := rep.each(func(f *feed.Finding) error { used[f.Rule] = true; return nil }); err != nil {
		return err
	}
	for _, r := range feed.RulesFor("") {
		if !used[r.Code] {
			continue
		}
		rules = append(rules, render.SARIFRule{ID: r.Code, Name: r.Code, Short: r.Summary, Full: r.Summary,
			Help: r.Summary + " Fix: " + r.Fix, Level: sarifLevel(r.Severity)})
		delete(used, r.Code)
	}
	for code := range used { // reader rules without a table entry
		rules = append(rules, render.SARIFRule{ID: code, Name: code, Short: code, Level: "error"})
	}
	var results []render.SARIFResult
	err := rep.each(func(f *feed.Finding) error {
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
		results = append(results, render.SARIFResult{RuleID: f.Rule, Level: sarifLevel(f.Severity), Message: msg, URI: uri, Line: f.Line,
			Fingerprint: fmt.Sprintf("%s/%s/%s", f.ID, f.Field, f.Rule)})
		return nil
	})
	if err != nil {
		return err
	}
	return render.WriteSARIF(w, "dpa", version(), rules, results)
}

// writeGitHub prints GitHub Actions workflow commands, one annotation per
// finding (error, warning or notice), so findings show on the changed lines
// of a pull request.
func writeGitHub(w io.Writer, rep *validateReport) error {
	prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	data := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	err := rep.each(func(f *feed.Finding) error {
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
		_, err := fmt.Fprintf(w, "::%s file=%s,line=%d,title=%s::%s\n", cmd, prop.Replace(f.File), max(f.Line, 1), prop.Replace("dpa "+f.Rule), data.Replace(msg))
		return err
	})
	if err != nil {
		return err
	}
	s := rep.Summary
	_, err = fmt.Fprintf(w, "::notice title=dpa validate::%d items, %d valid, %d errors, %d warnings\n", s.Items, s.ValidItems, s.Errors, s.Warnings)
	return err
}

// writeReportJSON streams the report: the head is small, and findings are
// encoded one at a time, so a report with a million findings never exists
// as one buffer. The bytes are the same as encoding the whole struct with
// render.WriteJSON (two-space indent, no HTML escaping).
func writeReportJSON(w io.Writer, rep *validateReport) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	head := struct {
		SchemaVersion int             `json:"schema_version"`
		Channel       string          `json:"channel"`
		Files         []fileReport    `json:"files"`
		Summary       validateSummary `json:"summary"`
	}{rep.SchemaVersion, rep.Channel, rep.Files, rep.Summary}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(head); err != nil {
		return err
	}
	h := bytes.TrimRight(buf.Bytes(), "\n")
	h = bytes.TrimSuffix(h, []byte("}"))
	h = bytes.TrimRight(h, "\n")
	bw.Write(h)
	if rep.count() == 0 {
		bw.WriteString(",\n  \"findings\": []\n}\n")
		return bw.Flush()
	}
	bw.WriteString(",\n  \"findings\": [\n")
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	e.SetIndent("    ", "  ")
	first := true
	err := rep.each(func(f *feed.Finding) error {
		if !first {
			bw.WriteString(",\n")
		}
		first = false
		bw.WriteString("    ")
		buf.Reset()
		if err := e.Encode(f); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimRight(buf.Bytes(), "\n"))
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n")
	bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

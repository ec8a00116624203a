package feed

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func validateString(t *testing.T, name, src string) *FileResult {
	t.Helper()
	r, err := Open(context.Background(), name, strings.NewReader(src), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ch, _ := LookupChannel("meta")
	v, err := NewValidator(ch, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Validate(context.Background(), r, ValidateOptions{MemFindings: 2, KeepRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const reportFeed = "id,title,description,availability,condition,price,link,image_link,brand\n" +
	"A1,Shirt,A breathable linen shirt with buttons.,in stock,new,19.99,https://s.example/a1,https://s.example/a1.jpg,Acme\n" +
	"A2,Shirt two,A breathable linen shirt with buttons.,in stock,new,29.99,https://s.example/a2,https://s.example/a2.jpg,Acme\n" +
	"A3,Shirt three,A breathable linen shirt with buttons.,in stock,,39.99 USD,https://s.example/a3,https://s.example/a3.jpg,Acme\n"

// One pass gives the issues (per rule and field, worst first, items and
// share, three examples at most), the baseline state and the gate.
func TestReportFinish(t *testing.T) {
	rep := NewReport()
	defer rep.Close()
	res := validateString(t, "feed.csv", reportFeed)
	if len(res.Kept.Items) != 2 || res.Kept.Header[5] != "price" {
		t.Fatalf("kept %d items, header %v", len(res.Kept.Items), res.Kept.Header)
	}
	rep.Add(res, "meta")
	if err := rep.Finish(nil, ""); err != nil {
		t.Fatal(err)
	}
	var cur *Issue
	for i := range rep.Issues {
		if rep.Issues[i].Rule == "price.currency_missing" {
			cur = &rep.Issues[i]
		}
	}
	if cur == nil || cur.Items != 2 || cur.Findings != 2 || cur.Title != "Missing currency in price [price]" ||
		cur.Share != 2.0/3 || len(cur.Examples) != 2 || cur.Examples[0].ID != "A1" || cur.Docs == "" || cur.Fix == "" {
		t.Fatalf("issue %+v", cur)
	}
	if rep.Issues[0].Severity != Error || rep.Issues[0].Rule != "price.currency_missing" {
		t.Errorf("first issue %+v, want the error affecting most items", rep.Issues[0])
	}
	itoa := func(n int) string { return fmt.Sprint(n) }
	pct := func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }
	if got := rep.Gate(GateOptions{FailOn: "error", MaxErrorRate: -1, MaxWarningRate: -1}, itoa, pct); got != "3 error findings in 3 items (--fail-on error)" {
		t.Errorf("gate: %q", got)
	}
	if got := rep.Gate(GateOptions{FailOn: "error", MaxErrorRate: 0.5, MaxWarningRate: -1}, itoa, pct); got != "3 of 3 items (100%) have errors, over the limit of 50%" {
		t.Errorf("rate gate: %q", got)
	}

	// Against a baseline holding A1's finding only, two are new.
	var buf strings.Builder
	old := NewReport()
	old.Add(validateString(t, "feed.csv", strings.SplitAfterN(reportFeed, "\n", 3)[0]+strings.SplitAfterN(reportFeed, "\n", 3)[1]), "meta")
	old.Finish(nil, "")
	old.WriteJSON(&buf)
	old.Close()
	base, err := LoadBaseline(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	rep2 := NewReport()
	defer rep2.Close()
	rep2.Add(validateString(t, "feed.csv", reportFeed), "meta")
	if err := rep2.Finish(base, "base.json"); err != nil {
		t.Fatal(err)
	}
	if b := rep2.Summary.Baseline; b == nil || b.NewErrors != 2 {
		t.Fatalf("baseline %+v", b)
	}
	if got := rep2.Gate(GateOptions{FailOn: "error", MaxErrorRate: -1, MaxWarningRate: -1}, itoa, pct); got != "2 new error findings in 2 items (--fail-on error)" {
		t.Errorf("gate with baseline: %q", got)
	}
	newSeen := 0
	rep2.Each(func(_ int, f *Finding) error {
		if f.New && f.Severity == Error {
			newSeen++
		}
		return nil
	})
	if newSeen != 2 {
		t.Errorf("%d findings marked new", newSeen)
	}
}

// TestGateSingular (issue 11): one finding in one item reads "1 error
// finding in 1 item", not "1 error finding(s) in 1 item(s)", and --fail-on
// info does not say "finding finding(s)".
func TestGateSingular(t *testing.T) {
	one := strings.SplitAfterN(reportFeed, "\n", 3)
	rep := NewReport()
	defer rep.Close()
	rep.Add(validateString(t, "feed.csv", one[0]+one[1]), "meta")
	if err := rep.Finish(nil, ""); err != nil {
		t.Fatal(err)
	}
	itoa := func(n int) string { return fmt.Sprint(n) }
	pct := func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }
	if got := rep.Gate(GateOptions{FailOn: "error", MaxErrorRate: -1, MaxWarningRate: -1}, itoa, pct); got != "1 error finding in 1 item (--fail-on error)" {
		t.Errorf("gate: %q", got)
	}
	if got := rep.Gate(GateOptions{FailOn: "error", MaxErrorRate: 0.5, MaxWarningRate: -1}, itoa, pct); got != "1 of 1 item (100%) has errors, over the limit of 50%" {
		t.Errorf("rate gate: %q", got)
	}
	if got := rep.Gate(GateOptions{FailOn: "info", MaxErrorRate: -1, MaxWarningRate: -1}, itoa, pct); strings.Contains(got, "finding finding") || !strings.Contains(got, " in 1 item ") {
		t.Errorf("info gate: %q", got)
	}
}

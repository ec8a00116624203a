package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/render"
)

// The runF seam, as cli/cli tests it: each command is built with its run
// function replaced, executed with flags, and the options struct it would
// have run with is checked. What the flags say is resolved once when the
// command starts (readFlags.opts, eventFlags.opts, normalize's maps);
// the runs read those and never parse the strings again.

// optionsOf executes the command newCmd builds with args and returns the
// options its run would have received, or the error it stopped with.
func optionsOf[T any](t *testing.T, newCmd func(*app, func(context.Context, *T) error) *cobra.Command, args ...string) (*T, error) {
	t.Helper()
	s, _, _ := render.Test()
	var got *T
	cmd := newCmd(&app{IO: s, Now: fixedNow}, func(_ context.Context, o *T) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetIn(s.In)
	cmd.SetOut(s.Out)
	cmd.SetErr(s.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(t.Context())
	if err == nil && got == nil {
		t.Fatalf("%v: the run function was not called", args)
	}
	if err != nil && got != nil {
		t.Fatalf("%v: the run function was called although the flags were refused: %v", args, err)
	}
	return got, err
}

func mustOptions[T any](t *testing.T, newCmd func(*app, func(context.Context, *T) error) *cobra.Command, args ...string) *T {
	t.Helper()
	o, err := optionsOf(t, newCmd, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return o
}

// readArgs are the feed-reading flags every feed command shares, and
// checkRead what they resolve to.
var readArgs = []string{"--max-bytes", "2MiB", "--delimiter", "tab", "--timeout", "5s", "--allow-empty"}

func checkRead(t *testing.T, r readFlags) {
	t.Helper()
	if r.opts.MaxBytes != 2<<20 || r.opts.Delimiter != '\t' || r.opts.Timeout != 5*time.Second || !r.opts.AllowEmpty {
		t.Errorf("read options %+v, want --max-bytes 2MiB, tab, 5s, allow-empty resolved", r.opts)
	}
}

func TestRunFFeedCommands(t *testing.T) {
	dir := t.TempDir()
	v := mustOptions(t, newValidateCmd, append([]string{"feed.csv", "-o", "json", "--fail-on", "warning"}, readArgs...)...)
	checkRead(t, v.Read)
	if v.Output != "json" || v.FailOn != "warning" || len(v.Files) != 1 {
		t.Errorf("validate options %+v", v)
	}
	s := mustOptions(t, newStatsCmd, append([]string{"feed.csv", "--top", "3"}, readArgs...)...)
	checkRead(t, s.Read)
	if s.Top != 3 || s.File != "feed.csv" {
		t.Errorf("stats options %+v", s)
	}
	d := mustOptions(t, newDiffCmd, append([]string{"a.csv", "b.csv", "--max-removed-share", "5%"}, readArgs...)...)
	checkRead(t, d.Read)
	if d.MaxRemovedShare != 5 || d.Old != "a.csv" || d.New != "b.csv" {
		t.Errorf("diff options %+v", d)
	}
	c := mustOptions(t, newConvertCmd, append([]string{"feed.csv", "--out", filepath.Join(dir, "feed.jsonl")}, readArgs...)...)
	checkRead(t, c.Read)
	if c.Format != "jsonl" {
		t.Errorf("convert: format %q from the --out extension, want jsonl", c.Format)
	}
	n := mustOptions(t, newNormalizeCmd, append([]string{"feed.csv", "--out", filepath.Join(dir, "out.csv"),
		"--map", "Titel=title", "--set", "brand=Acme", "--default", "condition=new", "--currency", "eur"}, readArgs...)...)
	checkRead(t, n.Read)
	if n.fieldMap["titel"] != "title" && n.fieldMap["Titel"] != "title" || n.set["brand"] != "Acme" || n.def["condition"] != "new" || n.Currency != "EUR" {
		t.Errorf("normalize resolved map %v, set %v, default %v, currency %q", n.fieldMap, n.set, n.def, n.Currency)
	}
	e := mustOptions(t, newExportCmd, append([]string{"--campaign", "campaign.yaml", "--catalog", "feed.csv", "--out", filepath.Join(dir, "export")}, readArgs...)...)
	checkRead(t, e.Read)
	if e.Catalog != "feed.csv" {
		t.Errorf("export options %+v", e)
	}
}

// eventArgs are the event-log flags, and checkEvents what they resolve to.
var eventArgs = []string{"--events", "log.csv", "--events-delimiter", ";", "--map", "sid=session_id", "--timezone", "Europe/Berlin", "--default-event", "purchase"}

func checkEvents(t *testing.T, e eventFlags) {
	t.Helper()
	o := e.opts
	if o.Comma != ';' || o.Map["sid"] != "session_id" || o.Location == nil || o.Location.String() != "Europe/Berlin" || o.DefaultEvent != events.Purchase {
		t.Errorf("event options %+v, want ; sid=session_id Europe/Berlin Purchase resolved", o)
	}
}

func TestRunFEventCommands(t *testing.T) {
	dir := t.TempDir()
	ec := mustOptions(t, newEventsCheckCmd, append([]string{"--max-examples", "2"}, eventArgs...)...)
	checkEvents(t, ec.Events)
	if ec.MaxExamples != 2 {
		t.Errorf("events check options %+v", ec)
	}
	r := mustOptions(t, newRecommendCmd, append([]string{"--user", "u1", "-k", "4"}, eventArgs...)...)
	checkEvents(t, r.Events)
	if r.User != "u1" || r.K != 4 {
		t.Errorf("recommend options %+v", r)
	}
	sim := mustOptions(t, newSimulateCmd, append([]string{"-k", "5", "--strategies", "popular,retarget"}, eventArgs...)...)
	checkEvents(t, sim.Events)
	if sim.K != 5 || len(sim.Strategies) != 2 {
		t.Errorf("simulate options %+v", sim)
	}
	m := mustOptions(t, newModelBuildCmd, append([]string{"--out", filepath.Join(dir, "m.dpamodel")}, eventArgs...)...)
	checkEvents(t, m.Events)
}

func TestRunFOtherCommands(t *testing.T) {
	if r := mustOptions(t, newRulesCmd, "--channel", "google", "-o", "json"); r.Channel != "google" || r.Output != "json" {
		t.Errorf("rules options %+v", r)
	}
	dir := t.TempDir()
	if i := mustOptions(t, newInitCmd, dir, "--force"); i.Dir != dir || !i.Force {
		t.Errorf("init options %+v", i)
	}
	if m := mustOptions(t, newMergeCmd, "a.json", "b.json", "-o", "json"); len(m.Parts) != 2 || m.Output != "json" {
		t.Errorf("merge options %+v", m)
	}
	if g := mustOptions(t, newGenerateFeedCmd, "--items", "7", "--seed", "3", "--out", filepath.Join(dir, "g.csv")); g.Items != 7 || g.Seed != 3 {
		t.Errorf("generate feed options %+v", g)
	}
}

// A flag value the command refuses stops it before the run with a usage
// error (exit 2), for the shared read and event flags alike.
func TestRunFRefusesBadFlags(t *testing.T) {
	var ue *usageError
	if _, err := optionsOf(t, newStatsCmd, "feed.csv", "--max-bytes", "lots"); !errors.As(err, &ue) {
		t.Errorf("stats --max-bytes lots: %v, want a usage error", err)
	}
	if _, err := optionsOf(t, newValidateCmd, "feed.csv", "--delimiter", "x"); !errors.As(err, &ue) {
		t.Errorf("validate --delimiter x: %v, want a usage error", err)
	}
	if _, err := optionsOf(t, newRecommendCmd, "--events", "log.csv", "--user", "u", "--timezone", "Mars/Olympus"); !errors.As(err, &ue) {
		t.Errorf("recommend --timezone Mars/Olympus: %v, want a usage error", err)
	}
	if _, err := optionsOf(t, newNormalizeCmd, "feed.csv", "--out", filepath.Join(t.TempDir(), "o.csv"), "--map", "nonsense"); !errors.As(err, &ue) {
		t.Errorf("normalize --map nonsense: %v, want a usage error", err)
	}
}

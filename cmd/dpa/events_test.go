package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/viper"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/render"
)

func cfgApp(t *testing.T, yaml string) *app {
	t.Helper()
	s, _, _ := render.Test()
	a := &app{IO: s, Now: fixedNow}
	if yaml != "" {
		v := viper.New()
		v.SetConfigType("yaml")
		if err := v.ReadConfig(strings.NewReader(yaml)); err != nil {
			t.Fatal(err)
		}
		a.cfg, a.cfgPath = v, "dpa.yaml"
	}
	return a
}

func TestEventFlagsOptions(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		flags   eventFlags
		wantMap map[string]string
		preset  string
		comma   rune
		wantErr string
	}{
		{name: "empty"},
		{name: "flag map", flags: eventFlags{Map: []string{"when=timestamp", " sku = item_id"}},
			wantMap: map[string]string{"when": "timestamp", "sku": "item_id"}},
		{name: "config mapping, flag wins", yaml: "events:\n  mapping:\n    when: timestamp\n    who: user_id\n",
			flags: eventFlags{Map: []string{"who=session_id"}}, wantMap: map[string]string{"when": "timestamp", "who": "session_id"}},
		{name: "config preset", yaml: "events:\n  preset: rees46\n", preset: "rees46"},
		{name: "flag preset beats config", yaml: "events:\n  preset: rees46\n", flags: eventFlags{Preset: "yoochoose"}, preset: "yoochoose"},
		{name: "tab", flags: eventFlags{Delimiter: `\t`}, comma: '\t'},
		{name: "semicolon", flags: eventFlags{Delimiter: ";"}, comma: ';'},
		{name: "bad map syntax", flags: eventFlags{Map: []string{"when"}}, wantErr: "write SOURCE=CANONICAL"},
		{name: "bad map target", flags: eventFlags{Map: []string{"when=time"}}, wantErr: "canonical columns are"},
		{name: "bad config target", yaml: "events:\n  mapping:\n    when: clock\n", wantErr: "invalid mapping when=clock"},
		{name: "unknown config key", yaml: "events:\n  presets: rees46\n", wantErr: "unknown key events.presets"},
		{name: "bad preset", flags: eventFlags{Preset: "criteo"}, wantErr: "invalid --preset"},
		{name: "bad delimiter", flags: eventFlags{Delimiter: ":"}, wantErr: "invalid --events-delimiter"},
		{name: "bad format", flags: eventFlags{Format: "xml"}, wantErr: "invalid --events-format"},
		{name: "bad default event", flags: eventFlags{DefaultEvent: "like"}, wantErr: "invalid --default-event"},
		{name: "bad timezone", flags: eventFlags{Timezone: "Mars/Olympus"}, wantErr: "invalid --timezone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.flags.options(cfgApp(t, tt.yaml))
			if tt.wantErr != "" {
				var ue *usageError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ue) {
					t.Fatalf("err = %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(o.Map) != len(tt.wantMap) {
				t.Fatalf("map = %v, want %v", o.Map, tt.wantMap)
			}
			for k, v := range tt.wantMap {
				if o.Map[k] != v {
					t.Errorf("map[%s] = %q, want %q", k, o.Map[k], v)
				}
			}
			if o.Preset != tt.preset || o.Comma != tt.comma {
				t.Errorf("preset %q comma %q, want %q %q", o.Preset, o.Comma, tt.preset, tt.comma)
			}
		})
	}
}

func TestWriteDayBars(t *testing.T) {
	day := func(d string, n int) events.DayCount { return events.DayCount{Date: d, Total: n} }
	var b bytes.Buffer
	writeDayBars(&b, []events.DayCount{day("2026-01-01", 10), day("2026-01-02", 5), day("2026-01-03", 0)}, 10, 31)
	want := "  2026-01-01 10 ██████████\n  2026-01-02  5 █████\n  2026-01-03  0 \n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
	// 62 days in at most 31 rows: two days a row, labelled by range.
	var many []events.DayCount
	for i := 0; i < 62; i++ {
		many = append(many, day("2026-"+[]string{"01", "02", "03"}[i/28]+"-"+twoDigits(i%28+1), 1))
	}
	b.Reset()
	writeDayBars(&b, many, 10, 31)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 31 || !strings.Contains(lines[0], "2026-01-01…01-02 2 ") {
		t.Fatalf("%d lines, first %q", len(lines), lines[0])
	}
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + string(rune('0'+n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// runCmd runs the command in-process from the repository's cmd/dpa dir.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	s, out, errOut := render.Test()
	code = run(t.Context(), args, s, fixedNow)
	return code, out.String(), errOut.String()
}

func TestEventsCheckJSONContract(t *testing.T) {
	code, out, errOut := runCmd(t, "events", "check", "--events", "../../examples/events.csv", "--catalog", "../../examples/catalog.csv", "-o", "json", "--min-match-rate", "99%")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	var rep struct {
		SchemaVersion int    `json:"schema_version"`
		EventsFile    string `json:"events_file"`
		Events        int    `json:"events"`
		Users         int    `json:"users"`
		Read          struct {
			Bad []struct {
				Reason string `json:"reason"`
				Count  int    `json:"count"`
			} `json:"bad"`
		} `json:"read"`
		Match struct {
			Rate   float64 `json:"rate"`
			Causes []struct {
				Cause string `json:"cause"`
			} `json:"causes"`
		} `json:"match"`
		Gate struct {
			Passed bool `json:"passed"`
		} `json:"gate"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Events != 260 || rep.Users != 30 || rep.EventsFile != "../../examples/events.csv" {
		t.Errorf("events %d users %d file %q: want 260, 30 and the --events path", rep.Events, rep.Users, rep.EventsFile)
	}
	if rep.SchemaVersion != 1 || rep.Gate.Passed || rep.Match.Rate >= 0.99 || rep.Match.Rate < 0.9 {
		t.Fatalf("unexpected report: %+v", rep)
	}
	bad := map[string]int{}
	for _, b := range rep.Read.Bad {
		bad[b.Reason] = b.Count
	}
	for _, r := range []string{events.ReasonUnknownEvent, events.ReasonBadTime, events.ReasonEmptyItem, events.ReasonEmptyUser} {
		if bad[r] != 1 {
			t.Errorf("bad[%s] = %d, want 1 (%v)", r, bad[r], bad)
		}
	}
	causes := map[string]bool{}
	for _, c := range rep.Match.Causes {
		causes[c.Cause] = true
	}
	for _, c := range []string{events.CausePrefix, events.CauseCaseWhitespace, events.CauseGroupIDSent, events.CauseCountryCode, events.CauseUnknown} {
		if !causes[c] {
			t.Errorf("cause %s not detected in examples/events.csv", c)
		}
	}
}

func TestEventsCheckXLSXChart(t *testing.T) {
	out := filepath.Join(t.TempDir(), "check.xlsx")
	if code, _, errOut := runCmd(t, "events", "check", "--events", "../../examples/events.csv", "--catalog", "../../examples/catalog.csv", "-o", "xlsx", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	files := zipNames(t, out)
	if !files["xl/charts/chart1.xml"] || !files["xl/charts/chart2.xml"] {
		t.Fatalf("charts missing: %v", files)
	}
}

// FuzzEventMapFlag: any --map value gives options or a usage error, never
// a panic or another error kind.
func FuzzEventMapFlag(f *testing.F) {
	for _, s := range []string{"when=timestamp", "=", "a=", "=b", "x=ignore", "A=B=C", "événement=event", ""} {
		f.Add(s)
	}
	a := &app{}
	f.Fuzz(func(t *testing.T, s string) {
		e := eventFlags{Map: []string{s}}
		_, err := e.options(a)
		var ue *usageError
		if err != nil && !errors.As(err, &ue) {
			t.Fatalf("%q: %v is not a usage error", s, err)
		}
	})
}

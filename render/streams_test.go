package render

import (
	"os"
	"strings"
	"testing"
)

func TestColorPolicy(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		mode ColorMode
		env  map[string]string
		want bool
	}{
		{"tty default", true, ColorAuto, nil, true},
		{"not a tty", false, ColorAuto, nil, false},
		{"NO_COLOR", true, ColorAuto, map[string]string{"NO_COLOR": "1"}, false},
		{"NO_COLOR any value", true, ColorAuto, map[string]string{"NO_COLOR": "yes"}, false},
		{"TERM=dumb", true, ColorAuto, map[string]string{"TERM": "dumb"}, false},
		{"TERM=xterm", true, ColorAuto, map[string]string{"TERM": "xterm-256color"}, true},
		{"CLICOLOR=0", true, ColorAuto, map[string]string{"CLICOLOR": "0"}, false},
		{"CLICOLOR=1 not tty", false, ColorAuto, map[string]string{"CLICOLOR": "1"}, false},
		{"CLICOLOR_FORCE pipe", false, ColorAuto, map[string]string{"CLICOLOR_FORCE": "1"}, true},
		{"CLICOLOR_FORCE=0 pipe", false, ColorAuto, map[string]string{"CLICOLOR_FORCE": "0"}, false},
		{"CLICOLOR_FORCE beats NO_COLOR", false, ColorAuto, map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"}, true},
		{"always pipe", false, ColorAlways, nil, true},
		{"always beats NO_COLOR", false, ColorAlways, map[string]string{"NO_COLOR": "1", "TERM": "dumb"}, true},
		{"never tty", true, ColorNever, nil, false},
		{"never beats CLICOLOR_FORCE", true, ColorNever, map[string]string{"CLICOLOR_FORCE": "1"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := Test()
			s.Color = tc.mode
			s.Env = func(k string) string { return tc.env[k] }
			// Each stream is judged on its own TTY flag.
			s.OutTTY, s.ErrTTY = tc.tty, false
			if got := s.ColorOut(); got != tc.want {
				t.Errorf("ColorOut() = %v, want %v", got, tc.want)
			}
			s.OutTTY, s.ErrTTY = false, tc.tty
			if got := s.ColorErr(); got != tc.want {
				t.Errorf("ColorErr() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestColorPerStream(t *testing.T) {
	s, _, _ := Test()
	s.OutTTY, s.ErrTTY = true, false // `dpa validate feed.csv 2>log`
	if !s.ColorOut() || s.ColorErr() {
		t.Fatalf("ColorOut=%v ColorErr=%v, want true/false", s.ColorOut(), s.ColorErr())
	}
	if got := s.ErrStyles().Error("x"); got != "x" {
		t.Errorf("ErrStyles for a piped stderr emitted %q", got)
	}
	if got := s.OutStyles().Error("x"); !strings.Contains(got, "\x1b[") {
		t.Errorf("OutStyles for a TTY stdout emitted no escapes: %q", got)
	}
}

func TestProgressEnabled(t *testing.T) {
	tests := []struct {
		name  string
		tty   bool
		quiet bool
		ci    string
		want  bool
	}{
		{"tty", true, false, "", true},
		{"quiet", true, true, "", false},
		{"ci", true, false, "true", false},
		{"pipe", false, false, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := Test()
			s.ErrTTY = tc.tty
			s.Env = func(k string) string {
				if k == "CI" {
					return tc.ci
				}
				return ""
			}
			if got := s.ProgressEnabled(tc.quiet); got != tc.want {
				t.Errorf("ProgressEnabled(%v) = %v, want %v", tc.quiet, got, tc.want)
			}
		})
	}
}

func TestParseColorMode(t *testing.T) {
	tests := []struct {
		in      string
		want    ColorMode
		wantErr bool
	}{
		{"auto", ColorAuto, false},
		{"", ColorAuto, false},
		{"always", ColorAlways, false},
		{"NEVER", ColorNever, false},
		{"sometimes", ColorAuto, true},
		{"yes", ColorAuto, true},
	}
	for _, tc := range tests {
		got, err := ParseColorMode(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseColorMode(%q) = %v, %v; want %v, err=%v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err == nil && tc.in != "" {
			if rt, _ := ParseColorMode(got.String()); rt != got {
				t.Errorf("round trip of %v via String() gave %v", got, rt)
			}
		}
	}
}

func TestTestStreamsIgnoreEnvironment(t *testing.T) {
	t.Setenv("CLICOLOR_FORCE", "1")
	s, out, errOut := Test()
	if s.ColorOut() || s.ColorErr() {
		t.Error("Test() streams picked up CLICOLOR_FORCE from the process environment")
	}
	s.Out.Write([]byte("a"))
	s.ErrOut.Write([]byte("b"))
	if out.String() != "a" || errOut.String() != "b" {
		t.Errorf("buffers not wired: out=%q err=%q", out, errOut)
	}
	// A Streams without Env falls back to the process environment.
	s.Env = nil
	if !s.ColorOut() {
		t.Error("nil Env did not fall back to os.Getenv")
	}
}

func TestSystem(t *testing.T) {
	s := System()
	if s.In != os.Stdin || s.Out != os.Stdout || s.ErrOut != os.Stderr || s.Env == nil {
		t.Errorf("System() = %+v", s)
	}
	if s.Color != ColorAuto {
		t.Errorf("System() colour mode = %v, want auto", s.Color)
	}
}

func TestTerminalWidth(t *testing.T) {
	for _, tc := range []struct {
		columns  string
		reported int
		want     int
	}{{"", 132, 132}, {"100", 132, 100}, {"0", 90, 90}, {"wide", 0, 80}, {"", 0, 80}} {
		if got := terminalWidth(tc.columns, tc.reported); got != tc.want {
			t.Errorf("terminalWidth(%q, %d) = %d, want %d", tc.columns, tc.reported, got, tc.want)
		}
	}
}

package render

import (
	"strings"
	"testing"
)

var summaryPairs = [][2]string{
	{"Items", "1,234"},
	{"Errors", "12"},
	{"Warnings", "3"},
	{"Valid", "98.1%"},
}

func TestKeyValuesGolden(t *testing.T) {
	for _, color := range []bool{false, true} {
		name := "keyvalues_plain"
		if color {
			name = "keyvalues_color"
		}
		t.Run(name, func(t *testing.T) {
			s := NewStyles(color)
			got := s.KeyValues(summaryPairs) + "\n" +
				s.KeyValues([][2]string{{"Feed", "shop.csv"}, {"Format", "csv"}, {"Rows", "10"}}) + "\n"
			golden(t, name, []byte(got))
		})
	}
}

func TestBoxGolden(t *testing.T) {
	for _, color := range []bool{false, true} {
		name := "box_plain"
		if color {
			name = "box_color"
		}
		t.Run(name, func(t *testing.T) {
			s := NewStyles(color)
			body := s.Title("Validation summary") + "\n" + s.KeyValues(summaryPairs)
			golden(t, name, []byte(s.Box(body)+"\n"))
		})
	}
}

func TestKeyValuesAlignment(t *testing.T) {
	s := NewStyles(false)
	got := s.KeyValues([][2]string{{"Items", "1,234"}, {"Errors", "12"}})
	want := "Items   1,234\nErrors     12"
	if got != want {
		t.Errorf("numeric values:\n%q\nwant\n%q", got, want)
	}
	got = s.KeyValues([][2]string{{"Feed", "shop.csv"}, {"Rows", "12"}})
	want = "Feed  shop.csv\nRows  12"
	if got != want {
		t.Errorf("mixed values:\n%q\nwant\n%q", got, want)
	}
	if s.KeyValues(nil) != "" {
		t.Error("empty pairs should give empty string")
	}
	// Styled values count by visible width and still align as numbers.
	c := NewStyles(true)
	got = c.KeyValues([][2]string{{"Errors", c.Error("12")}, {"Items", "1,234"}})
	lines := strings.Split(got, "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[1], "   1,234") {
		t.Errorf("styled numeric values not right-aligned: %q", got)
	}
}

func TestStylesPlainAndColor(t *testing.T) {
	plain, color := NewStyles(false), NewStyles(true)
	fns := map[string]func(*Styles, string) string{
		"Title":     (*Styles).Title,
		"Error":     (*Styles).Error,
		"Warning":   (*Styles).Warning,
		"Info":      (*Styles).Info,
		"OK":        (*Styles).OK,
		"Muted":     (*Styles).Muted,
		"Bold":      (*Styles).Bold,
		"Highlight": (*Styles).Highlight,
	}
	seen := map[string]string{}
	for name, fn := range fns {
		if got := fn(plain, "text\tx"); got != "text\tx" {
			t.Errorf("%s without colour = %q, want text unchanged", name, got)
		}
		got := fn(color, "text")
		if !strings.HasPrefix(got, "\x1b[") || !strings.Contains(got, "text") {
			t.Errorf("%s with colour = %q, want ANSI-wrapped text", name, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%s and %s render identically: %q", name, other, got)
		}
		seen[got] = name
		if fn(color, "") != "" {
			t.Errorf("%s(\"\") should stay empty", name)
		}
	}
	if plain.Color() || !color.Color() {
		t.Error("Color() does not report the construction flag")
	}
	if got := color.Severity("error", "e"); got != color.Error("e") {
		t.Errorf("Severity(error) = %q", got)
	}
	if got := color.Severity("other", "e"); got != "e" {
		t.Errorf("Severity(other) = %q, want unchanged", got)
	}
}

// The forced profile makes output independent of the environment that
// termenv would otherwise read.
func TestStylesIgnoreEnvironment(t *testing.T) {
	want := NewStyles(true).Error("x")
	wantPlain := NewStyles(false).Error("x")
	t.Setenv("NO_COLOR", "1")
	t.Setenv("TERM", "dumb")
	if got := NewStyles(true).Error("x"); got != want {
		t.Errorf("NO_COLOR changed coloured output: %q vs %q", got, want)
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("CLICOLOR_FORCE", "1")
	t.Setenv("TERM", "xterm-256color")
	if got := NewStyles(false).Error("x"); got != wantPlain {
		t.Errorf("CLICOLOR_FORCE changed plain output: %q", got)
	}
}

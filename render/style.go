package render

import (
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// Styles renders text for one output stream. It is built from a single
// colour decision (see Streams.ColorOut / ColorErr) and never consults the
// environment or the terminal itself, so the same input always gives the same
// bytes: golden tests cover both variants.
//
// This file is the only lipgloss importer in the module (go-conventions
// C.3-6); all styled output goes through these methods.
type Styles struct {
	color bool

	title, err, warn, info, ok, muted, bold, highlight lipgloss.Style
	box                                                lipgloss.Style
}

// NewStyles returns styles that emit ANSI 256-colour escapes when color is
// true and plain text when false.
func NewStyles(color bool) *Styles {
	// lipgloss v1's default renderer probes os.Stdout; a private renderer
	// with a forced profile makes the output depend only on the bool. The
	// writer is never written to: setting the background explicitly stops
	// lipgloss from querying the terminal for it.
	r := lipgloss.NewRenderer(io.Discard)
	r.SetHasDarkBackground(true)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	fg := func(c string) lipgloss.Style { return r.NewStyle().Foreground(lipgloss.Color(c)) }
	s := &Styles{
		color:     color,
		title:     fg("14").Bold(true),
		err:       fg("9").Bold(true),
		warn:      fg("11"),
		info:      fg("12"),
		ok:        fg("10"),
		muted:     fg("245"),
		bold:      r.NewStyle().Bold(true),
		highlight: fg("13").Bold(true),
	}
	if color {
		s.box = r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("245")).Padding(0, 1)
	} else {
		// Plain output may land in CI logs or files viewed with a non-UTF-8
		// pager: stick to ASCII there.
		s.box = r.NewStyle().Border(lipgloss.ASCIIBorder()).Padding(0, 1)
	}
	return s
}

// Color reports whether these styles emit escape codes.
func (s *Styles) Color() bool { return s.color }

func (s *Styles) render(st lipgloss.Style, text string) string {
	if !s.color || text == "" {
		// Ascii profile already drops escapes; skipping Render also keeps
		// text byte-identical (lipgloss expands tabs).
		return text
	}
	return st.Render(text)
}

// Title styles a heading (bold cyan).
func (s *Styles) Title(text string) string { return s.render(s.title, text) }

// Error styles an error label or count (bold red).
func (s *Styles) Error(text string) string { return s.render(s.err, text) }

// Warning styles a warning label or count (yellow).
func (s *Styles) Warning(text string) string { return s.render(s.warn, text) }

// Info styles an informational label (blue).
func (s *Styles) Info(text string) string { return s.render(s.info, text) }

// OK styles a success mark or message (green).
func (s *Styles) OK(text string) string { return s.render(s.ok, text) }

// Muted styles secondary text: hints, paths, units (grey).
func (s *Styles) Muted(text string) string { return s.render(s.muted, text) }

// Bold emphasises text.
func (s *Styles) Bold(text string) string { return s.render(s.bold, text) }

// Highlight marks a value the reader should look at (bold magenta).
func (s *Styles) Highlight(text string) string { return s.render(s.highlight, text) }

// Severity styles text by a severity name: "error", "warning", "info"; any
// other value is returned unchanged.
func (s *Styles) Severity(level, text string) string {
	switch level {
	case "error":
		return s.Error(text)
	case "warning":
		return s.Warning(text)
	case "info":
		return s.Info(text)
	}
	return text
}

// Box draws a border around text (which may span several lines): rounded
// and grey with colour, "+-|" ASCII without. Lines are padded to the widest
// one, measured without escape codes. No trailing newline.
func (s *Styles) Box(text string) string {
	return s.box.Render(text)
}

// KeyValues lays out a summary block, one pair per line:
//
//	Items     1,234
//	Errors       12
//
// Keys are left-aligned and padded to the longest key plus two spaces.
// Values are right-aligned when every value looks numeric (digits, ",", ".",
// "%", leading "-") so counts line up, and left-aligned otherwise. Keys are
// muted when colour is on. No trailing newline.
func (s *Styles) KeyValues(pairs [][2]string) string {
	if len(pairs) == 0 {
		return ""
	}
	keyW, valW := 0, 0
	numeric := true
	for _, p := range pairs {
		keyW = max(keyW, lipgloss.Width(p[0]))
		valW = max(valW, lipgloss.Width(p[1]))
		if !looksNumeric(ansi.Strip(p[1])) {
			numeric = false
		}
	}
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s.Muted(p[0]))
		pad := keyW - lipgloss.Width(p[0]) + 2
		if numeric {
			pad += valW - lipgloss.Width(p[1])
		}
		b.WriteString(strings.Repeat(" ", pad))
		b.WriteString(p[1])
	}
	return b.String()
}

func looksNumeric(v string) bool {
	v = strings.TrimPrefix(v, "-")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return false
	}
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9', r == ',', r == '.', r == '%':
		default:
			return false
		}
	}
	return true
}

package render

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/mattn/go-isatty"
)

// ColorMode is the --color flag: auto (decide per stream), always, never.
type ColorMode int

const (
	ColorAuto ColorMode = iota
	ColorAlways
	ColorNever
)

// String returns the flag spelling of m.
func (m ColorMode) String() string {
	switch m {
	case ColorAlways:
		return "always"
	case ColorNever:
		return "never"
	default:
		return "auto"
	}
}

// ColorModes lists the accepted --color values, for flag help and shell
// completion.
var ColorModes = []string{"auto", "always", "never"}

// ParseColorMode parses a --color value (case-insensitive).
func ParseColorMode(s string) (ColorMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return ColorAuto, nil
	case "always":
		return ColorAlways, nil
	case "never":
		return ColorNever, nil
	}
	return ColorAuto, fmt.Errorf("invalid color mode %q (allowed: %s)", s, strings.Join(ColorModes, ", "))
}

// Streams bundles the process's standard streams with what is known about
// them. Commands receive a *Streams rather than touching os.Std* so tests
// can swap in buffers and pretend to be a terminal.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// OutTTY and ErrTTY record whether Out and ErrOut are terminals. They are
	// decided separately: `dpa validate feed.csv 2>log` has a TTY stdout and
	// a file stderr, and the log must not receive escape codes.
	OutTTY, ErrTTY bool

	// OutWidth is the terminal's width in columns when Out is a terminal
	// (COLUMNS, when set to a number, wins, as in most CLIs), else 0:
	// tables are fitted to it, and nothing is wrapped or cut elsewhere.
	OutWidth int

	Color ColorMode

	// Env looks up environment variables; nil means os.Getenv.
	Env func(string) string
}

// System returns streams bound to the process's stdin, stdout and stderr.
func System() *Streams {
	s := &Streams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		OutTTY: isTerminal(os.Stdout),
		ErrTTY: isTerminal(os.Stderr),
		Env:    os.Getenv,
	}
	if s.OutTTY {
		w, _, _ := term.GetSize(os.Stdout.Fd())
		s.OutWidth = terminalWidth(os.Getenv("COLUMNS"), w)
	}
	return s
}

// terminalWidth is COLUMNS when it is a positive number, else the width
// the terminal reports, else 80 (a terminal that cannot tell, a serial
// console).
func terminalWidth(columns string, reported int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n > 0 {
		return n
	}
	if reported > 0 {
		return reported
	}
	return 80
}

func isTerminal(f *os.File) bool {
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// Test returns streams over in-memory buffers, with no TTY and an empty
// environment, so output does not depend on the machine running the test.
// Set OutTTY/ErrTTY/Env on the result to exercise terminal behaviour.
func Test() (s *Streams, out, errOut *bytes.Buffer) {
	out, errOut = &bytes.Buffer{}, &bytes.Buffer{}
	s = &Streams{
		In:     &bytes.Buffer{},
		Out:    out,
		ErrOut: errOut,
		Env:    func(string) string { return "" },
	}
	return s, out, errOut
}

func (s *Streams) getenv(k string) string {
	if s.Env == nil {
		return os.Getenv(k)
	}
	return s.Env(k)
}

// ColorOut reports whether stdout may carry colour.
func (s *Streams) ColorOut() bool { return s.colorFor(s.OutTTY) }

// ColorErr reports whether stderr may carry colour.
func (s *Streams) ColorErr() bool { return s.colorFor(s.ErrTTY) }

// colorFor applies the policy (go-conventions C.3-6), in this order:
//
//  1. --color=never: off.
//  2. --color=always, or CLICOLOR_FORCE set to anything but "0": on. An
//     explicit request beats NO_COLOR, as in cli/cli and bixense's CLICOLOR
//     spec; NO_COLOR is a preference for the automatic case.
//  3. Otherwise on only when the stream is a terminal, NO_COLOR is empty,
//     CLICOLOR is not "0" and TERM is not "dumb".
func (s *Streams) colorFor(tty bool) bool {
	switch s.Color {
	case ColorNever:
		return false
	case ColorAlways:
		return true
	}
	if f := s.getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	if !tty {
		return false
	}
	if s.getenv("NO_COLOR") != "" || s.getenv("CLICOLOR") == "0" || s.getenv("TERM") == "dumb" {
		return false
	}
	return true
}

// OutStyles returns styles for writing to Out under the colour policy.
func (s *Streams) OutStyles() *Styles { return NewStyles(s.ColorOut()) }

// ErrStyles returns styles for writing to ErrOut under the colour policy.
func (s *Streams) ErrStyles() *Styles { return NewStyles(s.ColorErr()) }

// ProgressEnabled reports whether a progress line may be drawn on ErrOut:
// stderr is a terminal, the user did not ask for quiet, and we are not in
// CI (CI logs capture every "\r" frame as a new line).
func (s *Streams) ProgressEnabled(quiet bool) bool {
	return s.ErrTTY && !quiet && s.getenv("CI") == ""
}

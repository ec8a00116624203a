package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/dpa-tools/dpa/render"
)

// printer prints a command's report R in one output format: validate's
// report, stats and diff each have one implementation per -o value
// (golangci-lint's printers are the model: one small interface). What a
// printer writes goes through writeOutput, so every command sends it to
// --out or stdout and classifies write errors the same way.
type printer[R any] interface {
	Print(w io.Writer, rep R) error
}

// printFunc adapts a function to printer.
type printFunc[R any] func(w io.Writer, rep R) error

func (f printFunc[R]) Print(w io.Writer, rep R) error { return f(w, rep) }

// writeOutput renders to --out (atomically) or stdout. A path that would
// overwrite an input or escape through a link is the user's to fix
// (exit 2 with --help's hint); any other write error (a full disk) is
// reported as such, and a written file is named on stderr unless quiet.
func writeOutput(s *render.Streams, quiet bool, out string, inputs []string, emit func(io.Writer) error) error {
	if out == "" {
		return emit(s.Out)
	}
	if err := render.WriteFileAtomic(out, inputs, emit); err != nil {
		if errors.Is(err, render.ErrWouldOverwriteInput) || errors.Is(err, render.ErrSymlinkOutsideDir) {
			return usageErr("--out %s: %v", out, err)
		}
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if !quiet {
		fmt.Fprintf(s.ErrOut, "wrote %s\n", out)
	}
	return nil
}

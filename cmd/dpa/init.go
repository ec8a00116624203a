package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/campaign"
	"github.com/dpa-tools/dpa/render"
)

type initOptions struct {
	IO    *render.Streams
	app   *app
	Dir   string
	Force bool
}

func newInitCmd(a *app, runF func(context.Context, *initOptions) error) *cobra.Command {
	opts := &initOptions{IO: a.IO, app: a}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write an example campaign.yaml and catalog.csv to start from",
		Long: `Write a commented campaign.yaml and a small example catalog.csv into DIR
(default: the current directory), ready for:

  dpa export --campaign campaign.yaml --catalog catalog.csv --out out/

Existing files are left alone unless --force is given.

EXIT STATUS
  0    files written
  2    a file exists (without --force) or DIR cannot be written`,
		Example: `  dpa init
  dpa init spring-campaign && cd spring-campaign`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runInit(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite existing files")
	return cmd
}

func runInit(o *initOptions) error {
	files := campaign.InitFiles()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	if fi, err := os.Stat(o.Dir); err == nil && !fi.IsDir() {
		return usageErr("%s: not a directory", o.Dir)
	}
	// All files are checked before any is written, so a refusal never
	// leaves half an example behind.
	if !o.Force {
		for _, n := range names {
			p := filepath.Join(o.Dir, n)
			if _, err := os.Lstat(p); err == nil {
				return &usageError{err: fmt.Errorf("%s already exists", p), hint: "pass --force to overwrite it"}
			} else if !errors.Is(err, fs.ErrNotExist) {
				return &inputError{err: err}
			}
		}
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return &inputError{err: err}
	}
	for _, n := range names {
		p := filepath.Join(o.Dir, n)
		data := files[n]
		if err := render.WriteFileAtomic(p, nil, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		}); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		if !o.app.Quiet {
			fmt.Fprintf(o.IO.ErrOut, "wrote %s\n", p)
		}
	}
	if !o.app.Quiet {
		cd := ""
		if o.Dir != "." {
			cd = fmt.Sprintf("cd %s && ", o.Dir)
		}
		fmt.Fprintf(o.IO.ErrOut, "next: %sdpa export --campaign campaign.yaml --catalog catalog.csv --out out/\n", cd)
	}
	return nil
}

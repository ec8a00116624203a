package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

type generateFeedOptions struct {
	IO     *render.Streams
	app    *app
	Items  int
	Faults string
	Format string
	Seed   int64
	Out    string
	rate   float64
}

func newGenerateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate realistic synthetic inputs for demos and benchmarks",
		Args:  usageArgs(cobra.NoArgs),
	}
	cmd.AddCommand(newGenerateFeedCmd(a, nil))
	return cmd
}

func newGenerateFeedCmd(a *app, runF func(context.Context, *generateFeedOptions) error) *cobra.Command {
	opts := &generateFeedOptions{IO: a.IO, app: a}
	cmd := &cobra.Command{
		Use:   "feed",
		Short: "Write a synthetic Meta product feed with deliberate faults",
		Example: `  dpa generate feed --items 1000000 --faults 2% --out big.csv
  dpa generate feed --items 1000 --format xml | dpa validate -`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Items < 0 {
				return usageErr("invalid --items %d: must be 0 or more", opts.Items)
			}
			if err := oneOf("format", opts.Format, "csv", "tsv", "xml"); err != nil {
				return err
			}
			rate, err := parsePercent(opts.Faults)
			if err != nil {
				return usageErr("invalid --faults: %v", err)
			}
			opts.rate = rate / 100
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runGenerateFeed(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.Items, "items", 1000, "number of items")
	cmd.Flags().StringVar(&opts.Faults, "faults", "2%", "percentage of items with a deliberate fault (2 or 2%)")
	cmd.Flags().StringVar(&opts.Format, "format", "csv", "csv|tsv|xml")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "random seed; the same seed gives the same feed")
	cmd.Flags().StringVar(&opts.Out, "out", "", "output file (default stdout)")
	return cmd
}

func runGenerateFeed(ctx context.Context, o *generateFeedOptions) error {
	gen := func(w io.Writer) error {
		return feed.GenerateFeed(ctx, w, feed.GenerateOptions{Items: o.Items, Format: o.Format, FaultRate: o.rate, Seed: o.Seed})
	}
	if o.Out == "" {
		return gen(o.IO.Out)
	}
	if err := render.WriteFileAtomic(o.Out, nil, gen); err != nil {
		return err
	}
	if !o.app.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "wrote %s (%s items)\n", o.Out, render.Int(o.Items))
	}
	return nil
}

package main

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/dpa-tools/dpa/feed"
)

// planNormalize dry-runs normalize on a shop export (re-reading the file)
// to find the flags it needs. Standard input and URLs cannot be re-read
// cheaply: they get the command without the dry run's flags.
func planNormalize(ctx context.Context, path string, ro feed.ReadOptions, ch *feed.Channel, ov feed.Overrides) *feed.NormalizeHint {
	ext := "csv"
	if ch.Name == "google" {
		ext = "xml" // Merchant Center takes XML and TSV; XML needs no quoting conventions
	}
	base := filepath.Base(path)
	if path == "-" {
		base = "products"
	}
	base = strings.TrimSuffix(base, filepath.Ext(base))
	h := &feed.NormalizeHint{}
	args := []string{"dpa", "normalize", feed.ShellQuote(path), "--channel", ch.Name}
	if path != "-" && !strings.Contains(path, "://") {
		plan, err := feed.PlanNormalize(ctx, func() (feed.Reader, error) { return openInput(ctx, path, ro, nil) },
			feed.NormalizeOptions{Channel: ch, Overrides: ov})
		if err == nil && plan != nil {
			for _, a := range plan.Flags {
				args = append(args, a.Arg())
				h.Examples = h.Examples || a.Example
			}
			h.ItemsIn, h.ItemsOut = plan.ItemsIn, plan.ItemsOut
			for _, a := range plan.Left {
				h.Left = append(h.Left, a.Message)
			}
		}
	}
	if path == "-" {
		args[2] = "products.csv"
	}
	args = append(args, "--out", feed.ShellQuote(base+"."+ch.Name+"."+ext))
	h.Command = strings.Join(args, " ")
	return h
}

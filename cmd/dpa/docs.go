package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func newDocsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Generate man pages or a markdown command reference",
		Args:  usageArgs(cobra.NoArgs),
	}
	gen := func(use, short string, write func(root *cobra.Command, dir string) error) *cobra.Command {
		return &cobra.Command{
			Use:   use + " DIR",
			Short: short,
			Args:  usageArgs(cobra.ExactArgs(1)),
			RunE: func(c *cobra.Command, args []string) error {
				if err := os.MkdirAll(args[0], 0o755); err != nil {
					return err
				}
				root := c.Root()
				root.DisableAutoGenTag = true // keeps generated files stable
				if err := write(root, args[0]); err != nil {
					return err
				}
				if !a.Quiet {
					fmt.Fprintf(a.IO.ErrOut, "wrote %s pages to %s\n", use, args[0])
				}
				return nil
			},
		}
	}
	cmd.AddCommand(
		gen("man", "Write man pages (section 1) for every command", func(root *cobra.Command, dir string) error {
			return doc.GenManTree(root, &doc.GenManHeader{Title: "DPA", Section: "1", Source: "dpa", Manual: "dpa manual"}, dir)
		}),
		gen("markdown", "Write a markdown reference for every command", func(root *cobra.Command, dir string) error {
			return doc.GenMarkdownTree(root, dir)
		}),
	)
	return cmd
}

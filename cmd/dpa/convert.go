package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

type convertOptions struct {
	IO *render.Streams

	File     string
	Out      string
	Format   string
	Output   string
	ForExcel bool
	Read     readFlags
}

func newConvertCmd(a *app, runF func(context.Context, *convertOptions) error) *cobra.Command {
	o := &convertOptions{IO: a.IO}
	cmd := &cobra.Command{
		Use:   "convert [flags] IN --out OUT",
		Short: "Convert a feed between formats without changing anything in it",
		Long: `Write every item and every field of IN to OUT in another format, as read:
no mapping, no fixes, no rejects (use dpa normalize for those), so
items_in = items_out. Field names are the canonical names dpa reads (lower
case, g: prefix removed).

Formats in: csv, tsv, xml, xlsx, jsonl, json. Out: csv, tsv, xml, jsonl,
xlsx, from the OUT extension or --format.

A field a tabular file cannot hold in one column (a name repeated in an
item, such as several additional_image_link elements in XML) gets one
column per repeat. XML and JSON input is read twice to find every field;
from stdin it can only go to xml or jsonl. XLSX output is built in memory
and holds at most 1,048,575 items; its cells are text, never formulas
(--for-excel also prefixes cells that start with = + - @, for people who
edit the sheet, which changes those values).

OUT is written atomically (temporary file + rename) and never replaces IN.

EXIT STATUS
  0    OUT was written
  2    usage error, unreadable input, or a field OUT cannot hold`,
		Example: `  dpa convert google_feed.xml --out feed.csv
  dpa convert feed.csv --out feed.xml
  dpa convert supplier.xlsx --out feed.tsv -o json
  cat feed.jsonl | dpa convert - --out feed.xml`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if err := o.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runConvert(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "output file (required; written atomically)")
	f.StringVar(&o.Format, "format", "", "output format: csv|tsv|xml|jsonl|xlsx (default: from the --out extension)")
	f.StringVarP(&o.Output, "output", "o", "table", "summary on stdout: table|json")
	f.BoolVar(&o.ForExcel, "for-excel", false, "neutralise formula-like cells in csv/xlsx output (changes those values)")
	o.Read.registerInput(cmd)
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion("csv", "tsv", "xml", "jsonl", "xlsx"))
	_ = cmd.RegisterFlagCompletionFunc("output", fixedCompletion("table", "json"))
	return cmd
}

func (o *convertOptions) check() error {
	if err := oneOf("output", o.Output, "table", "json"); err != nil {
		return err
	}
	if o.Out == "" {
		return usageErr("--out is required: the file to write the converted feed to")
	}
	if o.Format != "" {
		o.Format = strings.ToLower(o.Format)
		if err := oneOf("format", o.Format, "csv", "tsv", "xml", "jsonl", "xlsx"); err != nil {
			return err
		}
	} else if o.Format = formatFromExt(o.Out); o.Format == "" {
		return usageErr("cannot tell the output format from %q: use --format csv|tsv|xml|jsonl|xlsx", o.Out)
	}
	if o.Out == "-" {
		return usageErr("--out - is not supported: convert writes a file atomically")
	}
	return o.Read.parse()
}

func formatFromExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv"
	case ".tsv", ".txt":
		return "tsv"
	case ".xml", ".rss":
		return "xml"
	case ".jsonl", ".ndjson":
		return "jsonl"
	case ".xlsx":
		return "xlsx"
	}
	return ""
}

type convertSummary struct {
	SchemaVersion int    `json:"schema_version"`
	Input         string `json:"input"`
	Out           string `json:"out"`
	InputFormat   string `json:"input_format"`
	Format        string `json:"format"`
	Columns       int    `json:"columns,omitempty"` // tabular output only
	ItemsIn       int    `json:"items_in"`
	ItemsOut      int    `json:"items_out"`
	// ReadProblems counts items the reader had to repair or flag (invalid
	// UTF-8 replaced, a ragged row): they are converted as read.
	ReadProblems int `json:"items_with_read_problems"`
}

func runConvert(ctx context.Context, o *convertOptions) error {
	inputs := []string{o.File}
	if err := render.CheckNotInput(o.Out, inputs); err != nil {
		return &usageError{err: err}
	}
	sum, err := o.convert(ctx, nil)
	if errors.Is(err, feed.ErrNoColumn) && o.File != "-" {
		// A ragged row: a first pass finds the columns it needs, which go
		// after the header's.
		var cols []string
		if cols, err = o.layout(ctx); err == nil {
			sum, err = o.convert(ctx, cols)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ie *inputError
		var ue *usageError
		switch {
		case errors.Is(err, feed.ErrNoColumn):
			return &inputError{err: fmt.Errorf("%w: a row has more cells than the header (nothing written)", err)}
		case errors.Is(err, feed.ErrUnrepresentable):
			return &inputError{err: fmt.Errorf("%w (nothing written; csv, tsv and jsonl output keep it)", err)}
		case errors.As(err, &ie), errors.As(err, &ue):
			return err
		case errors.Is(err, render.ErrWouldOverwriteInput):
			return &usageError{err: err}
		}
		return fmt.Errorf("write %s: %w", o.Out, err)
	}
	return o.writeSummary(sum)
}

// layout is the tabular layout that holds every field of the input: the
// header (if any) and then any names, or repeats of names, only items have.
func (o *convertOptions) layout(ctx context.Context) ([]string, error) {
	ro := o.Read.opts
	pr, err := openFeed(ctx, o.File, ro, nil)
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	var header []string
	switch pr.Format() {
	case "csv", "tsv", "xlsx":
		header = append(header, pr.Columns()...)
	}
	scanned, err := feed.ScanLayout(pr)
	if err != nil {
		var pe *feed.ParseError
		if errors.As(err, &pe) {
			return nil, &inputError{err: fmt.Errorf("%w (nothing written)", err)}
		}
		return nil, &inputError{err: err}
	}
	have := map[string]int{}
	for _, c := range header {
		have[c]++
	}
	cols := header
	for _, c := range scanned {
		if have[c] > 0 {
			have[c]--
			continue
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// convert writes OUT in one pass. cols is the tabular layout; nil takes
// the header of a tabular input, or a first pass over XML and JSON.
func (o *convertOptions) convert(ctx context.Context, cols []string) (*convertSummary, error) {
	ro := o.Read.opts
	r, err := openFeed(ctx, o.File, ro, o.IO.In)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// The first item makes the header (and the detected format) known.
	first, firstErr := r.Next()
	sum := &convertSummary{SchemaVersion: 1, Input: o.File, Out: o.Out, InputFormat: r.Format(), Format: o.Format}
	tabular := o.Format == "csv" || o.Format == "tsv" || o.Format == "xlsx"
	if tabular && cols == nil {
		switch r.Format() {
		case "csv", "tsv", "xlsx":
			cols = append([]string(nil), r.Columns()...)
		default:
			if o.File == "-" {
				return nil, usageErr("%s input from stdin can only be converted to xml or jsonl: a %s file needs every column up front, which takes a first pass over a file", r.Format(), o.Format)
			}
			if cols, err = o.layout(ctx); err != nil {
				return nil, err
			}
		}
	}
	if tabular {
		sum.Columns = len(cols)
	}
	err = render.WriteFileAtomic(o.Out, []string{o.File}, func(w io.Writer) error {
		var iw feed.ItemWriter
		if o.Format == "xlsx" {
			iw = newXLSXItems(w, cols, feed.NewExactRow(cols).Cells, true, o.ForExcel)
		} else {
			var err error
			iw, err = feed.NewWriter(w, o.Format, feed.WriteOptions{Columns: cols, Exact: true, ForExcel: o.ForExcel && o.Format == "csv"})
			if err != nil {
				return err
			}
		}
		it, err := first, firstErr
		for n := 0; ; n++ {
			if n%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if it != nil {
				sum.ItemsIn++
				if len(it.Problems) > 0 {
					sum.ReadProblems++
				}
				if err := iw.Write(it); err != nil {
					return err
				}
				sum.ItemsOut++
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return &inputError{err: fmt.Errorf("%w (nothing written)", err)}
			}
			if it == nil {
				break
			}
			it, err = r.Next()
		}
		if err := feed.NoItemsError(r, sum.ItemsIn, o.Read.AllowEmpty); err != nil {
			return &inputError{err: fmt.Errorf("%w (nothing written; --allow-empty writes an empty file)", err)}
		}
		return iw.Close()
	})
	return sum, err
}

func (o *convertOptions) writeSummary(s *convertSummary) error {
	if o.Output == "json" {
		return render.WriteJSON(o.IO.Out, s)
	}
	w := o.IO.Out
	fmt.Fprintf(w, "%s → %s (%s → %s)\n", s.Input, s.Out, s.InputFormat, s.Format)
	if s.Columns > 0 {
		fmt.Fprintf(w, "columns %d\n", s.Columns)
	}
	fmt.Fprintf(w, "items_in %d = items_out %d\n", s.ItemsIn, s.ItemsOut)
	if s.ReadProblems > 0 {
		fmt.Fprintf(w, "%d items had reading problems (see dpa validate); they were converted as read\n", s.ReadProblems)
	}
	return nil
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	itemmodel "github.com/dpa-tools/dpa/campaign/model"
	"github.com/dpa-tools/dpa/campaign/sim"
	"github.com/dpa-tools/dpa/render"
)

type mergeOptions struct {
	IO  *render.Streams
	Now func() time.Time
	app *app

	Parts  []string
	Output string
	Out    string
}

func newMergeCmd(a *app, runF func(context.Context, *mergeOptions) error) *cobra.Command {
	o := &mergeOptions{IO: a.IO, Now: a.Now, app: a}
	cmd := &cobra.Command{
		Use:   "merge PART... [flags]",
		Short: "Merge the parts of a sharded replay or of a sharded recommend --all-users",
		Long: `Merge the parts written by the shards of one job into the output a single
run would have written, byte for byte.

Replay parts (dpa simulate --events LOG --shard I/N --out part-I.json) are
partial results (kind dpa.replay.partial): metric sums and counts, coverage
sets and bootstrap replicate sums. Every shard trains on the whole training
window and scores only the test users (sessions under --by session) whose
id's FNV-1a 64 hash is I mod N, so the sums add up to the unsharded ones and
the merged report (-o table|json|xlsx) is exactly the unsharded report. The
parts must come from the same log (content digest), options, inputs, seed and
N, with every shard 0..N-1 exactly once; otherwise merge names the first
difference and exits 2.

Recommendation parts (dpa recommend --all-users --shard I/N --out part-I.csv)
are CSV files sorted by user id: merge interleaves them (-o csv) into the file
the unsharded run writes. N is the number of parts given: every part's users
must hash to one shard of N, each shard once.

EXIT STATUS
  0    success
  2    usage error, unreadable or incompatible parts
  130  interrupted`,
		Example: `  for i in 0 1 2 3; do dpa simulate --events events.csv --shard $i/4 --out part-$i.json; done
  dpa merge part-*.json -o json --out report.json
  dpa merge recs-*.csv --out recs.csv`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Parts = args
			if err := oneOf("output", o.Output, "", "table", "json", "xlsx", "csv"); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runMerge(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", "", "format: table|json|xlsx for replay parts (default table), csv for recommendation parts")
	f.StringVar(&o.Out, "out", "", "write to this file (atomically) instead of stdout")
	_ = cmd.RegisterFlagCompletionFunc("output", fixedCompletion("table", "json", "xlsx", "csv"))
	return cmd
}

func runMerge(ctx context.Context, o *mergeOptions) error {
	if o.Out != "" {
		if err := render.CheckNotInput(o.Out, o.Parts); err != nil {
			return usageErr("--out %s: %v", o.Out, err)
		}
	}
	replay, err := isReplayPart(o.Parts[0])
	if err != nil {
		return err
	}
	kind := map[bool]string{true: "a replay part (JSON)", false: "a recommendation part (CSV)"}
	for _, p := range o.Parts[1:] {
		r, err := isReplayPart(p)
		if err != nil {
			return err
		}
		if r != replay {
			return &inputError{err: fmt.Errorf("%s is %s but %s is %s: merge the parts of one run", o.Parts[0], kind[replay], p, kind[r])}
		}
	}
	if replay {
		return o.mergeReplay(ctx)
	}
	if o.Output != "" && o.Output != "csv" {
		return usageErr("%s is a recommendation part (CSV): merge writes it as -o csv", o.Parts[0])
	}
	return o.mergeRecs(ctx)
}

// isReplayPart tells a replay part (a JSON object) from a recommendation
// part (CSV) by its first byte.
func isReplayPart(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, &inputError{err: err}
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, &inputError{err: fmt.Errorf("%s: %w", path, err)}
	}
	head = bytes.TrimLeft(head[:n], " \t\r\n\ufeff")
	if len(head) == 0 {
		return false, &inputError{err: fmt.Errorf("%s: empty file: not a dpa part", path)}
	}
	return head[0] == '{', nil
}

func (o *mergeOptions) mergeReplay(ctx context.Context) error {
	if o.Output == "csv" {
		return usageErr("replay parts merge into -o table|json|xlsx, not csv")
	}
	if o.Output == "" {
		o.Output = "table"
	}
	if o.Output == "xlsx" && o.Out == "" && o.IO.OutTTY {
		return usageErr("-o xlsx writes a binary workbook: give --out FILE or redirect stdout")
	}
	parts := make([]*sim.ReplayPartial, len(o.Parts))
	for i, path := range o.Parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return &inputError{err: err}
		}
		var p sim.ReplayPartial
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return &inputError{err: fmt.Errorf("%s: not a dpa replay part (dpa simulate --shard ... --out): %w", path, err)}
		}
		parts[i] = &p
	}
	res, err := sim.MergeReplay(parts, o.Parts)
	if err != nil {
		return &inputError{err: fmt.Errorf("merge: %w", err)}
	}
	labels := parts[0].Labels
	for i, p := range parts[1:] {
		for _, k := range []string{"events", "catalog"} {
			if p.Labels[k] != labels[k] && !o.app.Quiet {
				fmt.Fprintf(o.IO.ErrOut, "note: %s names the %s %q, %s %q (same content): the report says %q\n", o.Parts[0], k, labels[k], o.Parts[i+1], p.Labels[k], labels[k])
			}
		}
	}
	if !o.app.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "merged %d shards: %s test cases\n", len(parts), render.Int(res.Split.Cases))
		for _, wn := range res.Warnings {
			fmt.Fprintln(o.IO.ErrOut, o.IO.ErrStyles().Warning("warning: "+wn))
		}
	}
	rep := &replayReport{ReplayResult: res, Events: labels["events"], Read: &res.Read}
	so := &simulateOptions{IO: o.IO, Catalog: labels["catalog"], Out: o.Out, Output: o.Output}
	emit := func(w io.Writer) error {
		switch o.Output {
		case "json":
			return render.WriteJSON(w, rep)
		case "xlsx":
			return render.WriteXLSX(w, replayWorkbook(rep, so))
		}
		return writeReplayTable(w, rep, so, so.tableOptions())
	}
	return writeOutput(o.IO, o.app.Quiet, o.Out, o.Parts, emit)
}

// recPart reads one recommendation part: rows sorted by user, each user's
// rows together, every user in one shard of n.
type recPart struct {
	path  string
	r     *csv.Reader
	row   []string
	line  int
	shard int // -1 until the first user
	prev  string
	f     *os.File
}

func (p *recPart) next(n int) error {
	row, err := p.r.Read()
	if err == io.EOF {
		p.row = nil
		return nil
	}
	if err != nil {
		return &inputError{err: fmt.Errorf("%s: %w", p.path, err)}
	}
	p.line, _ = p.r.FieldPos(0)
	if len(row) != len(itemmodel.RecHeader) {
		return &inputError{err: fmt.Errorf("%s:%d: %d fields, want %d (%s)", p.path, p.line, len(row), len(itemmodel.RecHeader), strings.Join(itemmodel.RecHeader, ","))}
	}
	u := row[0]
	if u < p.prev {
		return &inputError{err: fmt.Errorf("%s:%d: user %q after %q: a part is sorted by user (was it written by dpa recommend --all-users --shard?)", p.path, p.line, u, p.prev)}
	}
	if s := sim.ShardOf(u, n); p.shard < 0 {
		p.shard = s
	} else if s != p.shard {
		return &inputError{err: fmt.Errorf("%s:%d: user %q is in shard %d/%d but the part's first user is in shard %d/%d: merge needs every part of one --shard I/N run, each once (N is the number of parts given)", p.path, p.line, u, s, n, p.shard, n)}
	}
	p.prev, p.row = u, row
	return nil
}

func (o *mergeOptions) mergeRecs(ctx context.Context) error {
	n := len(o.Parts)
	parts := make([]*recPart, n)
	defer func() {
		for _, p := range parts {
			if p != nil {
				p.f.Close()
			}
		}
	}()
	for i, path := range o.Parts {
		f, err := os.Open(path)
		if err != nil {
			return &inputError{err: err}
		}
		p := &recPart{path: path, f: f, r: csv.NewReader(bufio.NewReaderSize(f, 1<<16)), shard: -1}
		parts[i] = p
		p.r.FieldsPerRecord = -1
		head, err := p.r.Read()
		if err != nil {
			return &inputError{err: fmt.Errorf("%s: reading the header: %w", path, err)}
		}
		if !slices.Equal(head, itemmodel.RecHeader) {
			return &inputError{err: fmt.Errorf("%s:1: header %q, want %q (a dpa recommend --all-users CSV)", path, strings.Join(head, ","), strings.Join(itemmodel.RecHeader, ","))}
		}
		if err := p.next(n); err != nil {
			return err
		}
	}
	owner := map[int]string{}
	for _, p := range parts {
		if p.shard < 0 {
			continue
		}
		if q, ok := owner[p.shard]; ok {
			return &inputError{err: fmt.Errorf("%s and %s both hold shard %d/%d: merge needs every part of one --shard I/N run, each once (N is the number of parts given)", q, p.path, p.shard, n)}
		}
		owner[p.shard] = p.path
	}
	var rows, users int
	emit := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		cw := csv.NewWriter(bw)
		if err := cw.Write(itemmodel.RecHeader); err != nil {
			return err
		}
		for {
			if users&1023 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			// The part whose next user sorts first holds the next user.
			var low *recPart
			for _, p := range parts {
				if p.row == nil {
					continue
				}
				if low != nil && p.row[0] == low.row[0] {
					return &inputError{err: fmt.Errorf("user %q is in %s and in %s: parts of one run hold each user once", p.row[0], low.path, p.path)}
				}
				if low == nil || p.row[0] < low.row[0] {
					low = p
				}
			}
			if low == nil {
				break
			}
			u := low.row[0]
			users++
			for low.row != nil && low.row[0] == u {
				if err := cw.Write(low.row); err != nil {
					return err
				}
				rows++
				if err := low.next(n); err != nil {
					return err
				}
			}
		}
		if users == 0 {
			// Never an empty success: nothing is written or replaced.
			return &inputError{err: fmt.Errorf("the %d parts hold no recommendation", n)}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := writeOutput(o.IO, true, o.Out, o.Parts, emit); err != nil {
		var ie *inputError
		if errors.As(err, &ie) {
			return ie
		}
		return err
	}
	if !o.app.Quiet {
		dest := "stdout"
		if o.Out != "" {
			dest = o.Out
		}
		fmt.Fprintf(o.IO.ErrOut, "merged %d parts: %s recommendations for %s users to %s\n", n, render.Int(rows), render.Int(users), dest)
	}
	return nil
}

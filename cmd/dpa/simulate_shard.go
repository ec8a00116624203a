package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dpa-tools/dpa/campaign/sim"
)

// checkShard parses --shard: a sharded replay writes a partial result
// (JSON) for dpa merge, so -o, which shapes the final report, belongs to
// the merge.
func (o *simulateOptions) checkShard(cmd *cobra.Command) error {
	if o.Shard == "" {
		return nil
	}
	sh, err := sim.ParseShard(o.Shard)
	if err != nil {
		return usageErr("--shard: %v", err)
	}
	if cmd.Flags().Changed("output") && o.Output != "json" {
		return usageErr("--shard writes a partial result (JSON) for dpa merge: give -o %s to dpa merge", o.Output)
	}
	o.shard = sh
	return nil
}

// replayPartial loads the log and replays o.shard's test cases into a
// mergeable partial result, labelled with the input names and digests.
func (o *simulateOptions) replayPartial(ctx context.Context, r io.Reader, opts sim.ReplayOptions) (*sim.ReplayPartial, error) {
	lg, err := sim.LoadLog(ctx, r, opts.Read)
	if err != nil {
		return nil, err
	}
	p, err := sim.ReplayLogPartial(ctx, lg, opts)
	if err != nil {
		return nil, err
	}
	if p.Tally.Cases == 0 && !o.app.Quiet {
		fmt.Fprintf(o.IO.ErrOut, "note: no test case of the log falls in shard %s: the part adds nothing to the merge\n", o.shard)
	}
	p.Labels = map[string]string{"events": strings.Join(o.Events.Files, ","), "catalog": o.Catalog}
	p.Inputs = map[string]string{}
	// The log proves itself by its content digest; the catalog and the
	// model artifact by their bytes, so that shards fed different files
	// under the same name cannot merge.
	for _, in := range []struct{ key, path string }{{"catalog", o.Catalog}, {"model", o.ModelFile}} {
		if in.path == "" {
			continue
		}
		d, err := fileSHA256(ctx, in.path)
		if err != nil {
			return nil, &inputError{err: fmt.Errorf("--%s: %w", in.key, err)}
		}
		p.Inputs[in.key] = d
	}
	if o.ProductSet != "" {
		p.Inputs["product_set"] = o.ProductSet
	}
	return p, nil
}

// fileSHA256 is "sha256:" and the hex digest of a file ("stdin" for -).
func fileSHA256(ctx context.Context, path string) (string, error) {
	if path == "-" {
		return "stdin", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// writePartial writes a partial result as one line of compact JSON: its
// bootstrap sums run to thousands of integers that nobody reads by eye.
func writePartial(w io.Writer, p *sim.ReplayPartial) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

package feed

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The issues a single file's findings were folded into while it was
// validated must be the ones Finish's pass over the findings read back
// gives: same issues in the same order, counts, examples and gate.
func TestFinishFoldMatchesPass(t *testing.T) {
	var gen, messy bytes.Buffer
	if err := GenerateFeed(context.Background(), &gen, GenerateOptions{Items: 3000, Seed: 7, FaultRate: 0.2}); err != nil {
		t.Fatal(err)
	}
	clean := bytes.Clone(gen.Bytes())
	if err := messify(&messy, &gen); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]byte{"generated.csv": clean, "messy.csv": messy.Bytes()}
	for _, name := range []string{"meta_feed.csv", "catalog.csv", "google_feed.xml", "clean_meta_feed.csv", "truncated_feed.xml"} {
		b, err := os.ReadFile(filepath.Join("..", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		inputs[name] = b
	}
	folded := 0
	for name, src := range inputs {
		for _, chName := range []string{"meta", "google"} {
			ch, _ := LookupChannel(chName)
			run := func(useFold bool) *Report {
				r, err := Open(context.Background(), name, bytes.NewReader(src), ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				v, err := NewValidator(ch, Overrides{})
				if err != nil {
					t.Fatal(err)
				}
				res, err := v.Validate(context.Background(), r, ValidateOptions{MemFindings: 100})
				if err != nil {
					t.Fatal(err)
				}
				if res.fold != nil && useFold {
					folded++
				}
				if !useFold {
					res.fold = nil
				}
				rep := NewReport()
				rep.Add(res, ch.Name)
				if err := rep.Finish(nil, ""); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(rep.Close)
				return rep
			}
			fast, pass := run(true), run(false)
			if !reflect.DeepEqual(fast.Issues, pass.Issues) || fast.gate != pass.gate {
				t.Errorf("%s on %s: folded while validating:\n%+v\n%+v\nread back:\n%+v\n%+v", name, chName, fast.Issues, fast.gate, pass.Issues, pass.gate)
			}
		}
	}
	if folded < 4 {
		t.Errorf("only %d runs took the folded path", folded)
	}
}

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// TestCIExamples runs every `dpa validate …` command of examples/ci against
// a copy of the faulty example feed laid out as the workflows expect
// (feeds/catalog.csv with a baseline), so a renamed flag or a changed exit
// code breaks this test and not a user's pipeline. Each command must parse
// (never exit 2); the gating commands must pass on the baselined feed and
// fail once a new fault is added.
func TestCIExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/ci/*.y*ml")
	if len(files) < 3 {
		t.Fatalf("examples/ci has %d files", len(files))
	}
	feedSrc, err := os.ReadFile("../../examples/meta_feed.csv")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	cmdRe := regexp.MustCompile(`(?:run:|-)\s+(dpa validate.*)$|^\s+(dpa validate.*)$|entry: (dpa validate.*)$`)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.Split(string(b), "\n")
		for i := 0; i < len(lines); i++ {
			line := lines[i]
			if strings.Contains(line, "#") && strings.Index(line, "#") < strings.Index(line+"dpa", "dpa") {
				continue // a comment
			}
			m := cmdRe.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			cmd := strings.TrimSpace(m[1] + m[2] + m[3])
			for strings.HasSuffix(cmd, `\`) && i+1 < len(lines) {
				i++
				cmd = strings.TrimSuffix(cmd, `\`) + " " + strings.TrimSpace(lines[i])
			}
			cmds = append(cmds, cmd)
		}
	}
	t.Logf("commands: %q", cmds)
	if len(cmds) < 5 {
		t.Fatalf("found only %d dpa commands: %q", len(cmds), cmds)
	}
	for _, fault := range []bool{false, true} {
		dir := t.TempDir()
		t.Chdir(dir)
		os.MkdirAll("feeds", 0o755)
		os.WriteFile("feeds/catalog.csv", feedSrc, 0o644)
		io, _, errOut := render.Test()
		if code := run(t.Context(), strings.Fields("validate -q --fail-on never --write-baseline feeds/dpa-baseline.json feeds/catalog.csv"), io, fixedNow); code != 0 {
			t.Fatalf("writing the baseline: exit %d: %s", code, errOut)
		}
		if fault {
			b := strings.Replace(string(feedSrc), "59.00 USD", "59.00", 1)
			os.WriteFile("feeds/catalog.csv", []byte(b), 0o644)
		}
		for _, c := range cmds {
			args := strings.Fields(strings.TrimPrefix(c, "dpa "))
			if strings.HasPrefix(c, "dpa validate --quiet") { // pre-commit: files are appended
				args = append(args, "feeds/catalog.csv")
			}
			io, _, errOut := render.Test()
			code := run(t.Context(), args, io, fixedNow)
			if code == 2 {
				t.Fatalf("%q: usage error: %s", c, errOut)
			}
			gates := strings.Contains(c, "--baseline")
			if gates && !fault && code != 0 {
				t.Errorf("%q on the baselined feed: exit %d, want 0: %s", c, code, errOut)
			}
			if gates && fault && code != 1 {
				t.Errorf("%q after a new fault: exit %d, want 1", c, code)
			}
		}
	}
}

//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 10 item 13: `dpa validate - <&-` exited 1 with feed.empty, as if
// the feed were empty. The runtime reopens a closed fd 0 as /dev/null, so
// "-" on the null device (closed, or `< /dev/null`) is a usage error for
// every command that reads "-": exit 2, nothing written.
func TestStdinNull(t *testing.T) {
	bin := dpaBinary(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	cases := [][]string{
		{"validate", "-"},
		{"stats", "-"},
		{"normalize", "-", "--out", out},
		{"convert", "-", "--out", out},
		{"diff", "-", "../../examples/catalog.csv"},
		{"export", "--campaign", "../../examples/campaign.yaml", "--catalog", "-", "--out", filepath.Join(dir, "export")},
		{"events", "check", "--events", "-"},
		{"simulate", "--events", "-"},
		{"model", "build", "--events", "-", "--out", out},
	}
	for _, args := range cases {
		for _, how := range []string{"/dev/null", "closed"} {
			t.Run(strings.Join(args[:2], " ")+" "+how, func(t *testing.T) {
				if err := os.WriteFile(out, []byte("previous"), 0o600); err != nil {
					t.Fatal(err)
				}
				var cmd *exec.Cmd
				if how == "closed" {
					// sh runs dpa with fd 0 closed.
					cmd = exec.Command("sh", append([]string{"-c", `exec "$0" "$@" <&-`, bin}, args...)...)
				} else {
					cmd = exec.Command(bin, args...) // Stdin nil: /dev/null
				}
				var stderr strings.Builder
				cmd.Stderr = &stderr
				err := cmd.Run()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != exitUsage || !strings.Contains(stderr.String(), "stdin is closed or /dev/null: nothing to read") {
					t.Errorf("err %v, stderr %q; want exit 2 and the stdin message", err, stderr.String())
				}
				if b, _ := os.ReadFile(out); string(b) != "previous" {
					t.Errorf("OUT changed: %q", b)
				}
			})
		}
	}
	// A file named on the command line still reads with stdin on /dev/null,
	// and "-" on a pipe or a regular file still reads stdin.
	cmd := exec.Command(bin, "validate", "../../examples/catalog.csv", "--fail-on", "never")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("validate FILE with stdin on /dev/null: %v\n%s", err, b)
	}
	f, err := os.Open("../../examples/catalog.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd = exec.Command(bin, "validate", "-", "--fail-on", "never")
	cmd.Stdin = f
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("validate - < FILE: %v\n%s", err, b)
	}
}

func TestIsDevNull(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	f, err := os.Open("../../examples/catalog.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !isDevNull(null) || isDevNull(f) {
		t.Errorf("isDevNull(/dev/null) = %v, isDevNull(file) = %v", isDevNull(null), isDevNull(f))
	}
}

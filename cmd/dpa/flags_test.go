package main

import (
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// TestHostileFlagValues (issue 10, item 12): values that used to disable a
// guard, overflow or lose a file are usage errors (exit 2).
func TestHostileFlagValues(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"diff", "--max-changed-share", "NaN", "a.csv", "b.csv"}, "not a percentage"},
		{[]string{"validate", "--max-error-rate", "NaN", "x.csv"}, "NaN"},
		{[]string{"validate", "--max-bytes", "9000000000GiB", "x.csv"}, "too large"},
		{[]string{"validate", "--max-bytes", "NaN", "x.csv"}, "not a size"},
		{[]string{"simulate", "--items", "10", "--visit-rate", "NaN"}, "not a finite number"},
		{[]string{"simulate", "--items", "10", "--users", "1000000000"}, "users"},
		{[]string{"simulate", "--items", "10", "--days", "100000000"}, "days"},
		{[]string{"validate", "--out", "r.json", "--write-baseline", "./r.json", "x.csv"}, "same file"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			io, _, errOut := render.Test()
			code := run(t.Context(), tc.args, io, fixedNow)
			if code != 2 || !strings.Contains(errOut.String(), tc.msg) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.msg)
			}
		})
	}
}

package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// percentValue is a flag holding a percentage from 0 to 100. Every PCT
// flag of dpa reads the same way: "5", "5%" and "2.5%" are percent.
type percentValue struct {
	p   *float64
	set *bool
}

func newPercent(p *float64, set *bool) *percentValue { return &percentValue{p: p, set: set} }

func (v *percentValue) String() string {
	if v.p == nil || (v.set != nil && !*v.set) {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'f', -1, 64) + "%"
}

func (v *percentValue) Set(s string) error {
	x, err := parsePercent(s)
	if err != nil {
		return err
	}
	*v.p = x
	if v.set != nil {
		*v.set = true
	}
	return nil
}

func (v *percentValue) Type() string { return "PCT" }

// parsePercent reads "5", "5%" or "2.5%" as a percentage (0–100).
func parsePercent(s string) (float64, error) {
	s = strings.TrimSpace(s)
	x, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		// NaN passes every comparison and would silently switch the
		// guard off.
		return 0, fmt.Errorf("%q is not a percentage (write 5 or 5%%)", s)
	}
	if x < 0 || x > 100 {
		return 0, fmt.Errorf("%q is not between 0%% and 100%%", s)
	}
	return x, nil
}

// checkFloatFlags rejects NaN and infinite values of every float flag of
// cmd, wherever they came from (flag, environment, dpa.yaml): NaN passes
// no range check (every comparison is false), so a share or rate set to
// NaN silently disabled its guard.
func checkFloatFlags(cmd *cobra.Command) error {
	var bad error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if bad != nil || (f.Value.Type() != "float64" && f.Value.Type() != "float32") {
			return
		}
		x, err := strconv.ParseFloat(f.Value.String(), 64)
		if err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
			bad = usageErr("invalid --%s %s: not a finite number", f.Name, f.Value.String())
		}
	})
	return bad
}

// sameOutput reports whether two output paths name the same file: the
// same cleaned path, or (when both exist) the same file through links.
func sameOutput(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// parseSize reads a byte count: "1048576", "500MB", "4GiB", "64k".
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("not a size (write 500MB or 4GiB)")
	}
	// 9000000000GiB overflowed int64 and became "no limit".
	if v := x * float64(mult); v >= math.MaxInt64 {
		return 0, fmt.Errorf("too large (at most 8 EiB)")
	}
	return int64(x * float64(mult)), nil
}

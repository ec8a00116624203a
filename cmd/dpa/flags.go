package main

import (
	"fmt"
	"strconv"
	"strings"
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
	if err != nil {
		return 0, fmt.Errorf("%q is not a percentage (write 5 or 5%%)", s)
	}
	if x < 0 || x > 100 {
		return 0, fmt.Errorf("%q is not between 0%% and 100%%", s)
	}
	return x, nil
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
	if err != nil || x < 0 {
		return 0, fmt.Errorf("not a size (write 500MB or 4GiB)")
	}
	return int64(x * float64(mult)), nil
}

package main

import (
	"fmt"
	"runtime/debug"
	"slices"

	"github.com/dpa-tools/dpa/feed"
)

// Version is stamped at build time: -ldflags "-X main.Version=v1.2.3".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// rulesConfig is the `rules:` section of dpa.yaml.
type rulesConfig struct {
	Disable  []string          `mapstructure:"disable"`
	Severity map[string]string `mapstructure:"severity"`
	Require  []string          `mapstructure:"require"`
}

// ruleOverrides merges the config file's rules section with the flags.
func (a *app) ruleOverrides(disable, require []string) (feed.Overrides, error) {
	var rc rulesConfig
	if a.cfg != nil && a.cfg.IsSet("rules") {
		if err := a.cfg.UnmarshalKey("rules", &rc); err != nil {
			return feed.Overrides{}, &usageError{err: fmt.Errorf("config %s: rules: %w", a.cfgPath, err)}
		}
		for k := range a.cfg.GetStringMap("rules") {
			if !slices.Contains([]string{"disable", "severity", "require"}, k) {
				return feed.Overrides{}, &usageError{err: fmt.Errorf("config %s: unknown key rules.%s (want disable, severity, require)", a.cfgPath, k)}
			}
		}
	}
	o := feed.Overrides{Disable: append(rc.Disable, disable...), Require: append(rc.Require, require...), Severity: map[string]feed.Severity{}}
	for code, s := range rc.Severity {
		sev, err := feed.ParseSeverity(s)
		if err != nil {
			return o, &usageError{err: fmt.Errorf("config %s: rules.severity.%s: %w", a.cfgPath, code, err)}
		}
		o.Severity[code] = sev
	}
	if err := o.Check(); err != nil {
		return o, &usageError{err: err}
	}
	return o, nil
}

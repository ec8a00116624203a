package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Commit is stamped at build time: -ldflags "-X main.Commit=$(git rev-parse HEAD)".
var Commit = ""

// buildInfo returns the version and commit: ldflags first, then the module
// and VCS data Go records in the binary (go install ...@version).
func buildInfo() (ver, commit string) {
	ver, commit = Version, Commit
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version(), commit
	}
	if ver == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		ver = bi.Main.Version
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && commit == "" {
			commit = s.Value
		}
	}
	if ver == "" {
		ver = "dev"
	}
	return ver, commit
}

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print dpa's version and commit",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			ver, commit := buildInfo()
			if commit == "" {
				commit = "unknown"
			}
			_, err := fmt.Fprintf(a.IO.Out, "dpa %s (commit %s, %s, %s/%s)\n", ver, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}

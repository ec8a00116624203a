package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainImports enforces the architecture: domain packages never
// import cobra, viper or lipgloss, and render (the only lipgloss importer)
// knows nothing about feeds or campaigns.
func TestDomainImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	forbidden := map[string][]string{
		"./feed/...":     {"github.com/spf13/cobra", "github.com/spf13/viper", "github.com/charmbracelet/lipgloss", "github.com/dpa-tools/dpa/render", "github.com/dpa-tools/dpa/campaign"},
		"./campaign/...": {"github.com/spf13/cobra", "github.com/spf13/viper", "github.com/charmbracelet/lipgloss", "github.com/dpa-tools/dpa/render"},
		"./render/...":   {"github.com/spf13/cobra", "github.com/spf13/viper", "github.com/dpa-tools/dpa/feed", "github.com/dpa-tools/dpa/campaign"},
	}
	for pkgs, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "../../"+strings.TrimPrefix(pkgs, "./")).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkgs, err, out)
		}
		deps := strings.Fields(string(out))
		for _, d := range deps {
			for _, b := range bad {
				if d == b || strings.HasPrefix(d, b+"/") {
					t.Errorf("%s depends on %s", pkgs, d)
				}
			}
		}
	}
}

package render

import (
	"go/build"
	"os/exec"
	"strings"
	"testing"
)

// render is the presentation layer: it must not know about feeds or
// campaigns, or the domain could not be rendered without import cycles and
// the layering in go-conventions C.1 would erode.
var forbiddenImports = []string{
	"github.com/dpa-tools/dpa/feed",
	"github.com/dpa-tools/dpa/campaign",
	"github.com/spf13/cobra",
	"github.com/spf13/viper",
}

func forbidden(path string) bool {
	for _, f := range forbiddenImports {
		if path == f || strings.HasPrefix(path, f+"/") {
			return true
		}
	}
	return false
}

func TestNoDomainImports(t *testing.T) {
	// Direct imports, including test files, from the source itself.
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range [][]string{pkg.Imports, pkg.TestImports, pkg.XTestImports} {
		for _, imp := range list {
			if forbidden(imp) {
				t.Errorf("render imports %s", imp)
			}
		}
	}

	// Transitive dependencies, when the go tool is available.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found; transitive check skipped")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list failed: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps returned suspiciously little: %v", deps)
	}
	for _, d := range deps {
		if forbidden(d) {
			t.Errorf("render depends on %s", d)
		}
	}
}

func TestForbiddenMatcher(t *testing.T) {
	for path, want := range map[string]bool{
		"github.com/dpa-tools/dpa/feed":     true,
		"github.com/dpa-tools/dpa/feed/csv": true,
		"github.com/dpa-tools/dpa/campaign": true,
		"github.com/dpa-tools/dpa/feedback": false,
		"github.com/dpa-tools/dpa/render":   false,
		"github.com/charmbracelet/lipgloss": false,
	} {
		if got := forbidden(path); got != want {
			t.Errorf("forbidden(%q) = %v, want %v", path, got, want)
		}
	}
}

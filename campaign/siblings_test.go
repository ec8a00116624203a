package campaign

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The directories below campaign/ hold its siblings, not its children
// (see the package doc): none of them imports campaign, and campaign
// imports none of them. A change that needs either direction should move
// the package, not blur the tree.
func TestSiblingsDoNotImportCampaign(t *testing.T) {
	const self = "github.com/dpa-tools/dpa/campaign"
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "sqltest") {
			return filepath.SkipDir // sqltest is its own module
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		root := filepath.Dir(p) == "."
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			switch {
			case !root && path == self:
				t.Errorf("%s imports campaign: the packages below campaign/ are its siblings", p)
			case root && strings.HasPrefix(path, self+"/"):
				t.Errorf("%s imports %s: campaign does not depend on its sibling packages", p, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

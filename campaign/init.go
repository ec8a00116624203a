package campaign

import (
	"embed"
	"path"
)

//go:embed data/campaign.yaml data/catalog.csv
var initFS embed.FS

// InitFiles returns the files `dpa init` writes: a commented example
// campaign.yaml and a small apparel catalog.csv (a valid Meta feed) that
// work together with `dpa export` out of the box. Keys are file names.
func InitFiles() map[string][]byte {
	out := map[string][]byte{}
	for _, name := range []string{"data/campaign.yaml", "data/catalog.csv"} {
		b, err := initFS.ReadFile(name)
		if err != nil {
			panic(err) // embedded at build time; cannot fail
		}
		out[path.Base(name)] = b
	}
	return out
}

package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// Progress goes to stderr only when it is a terminal and never under -q;
// for a file (size known) it shows the percent done, for stdin it cannot.
// The old line had items only.
func TestValidateProgress(t *testing.T) {
	const feedPath = "../../examples/meta_feed.csv"
	progress := func(errTTY bool, stdin []byte, args ...string) string {
		t.Helper()
		s, _, errOut := render.Test()
		s.ErrTTY = errTTY
		if stdin != nil {
			s.In = struct{ io.Reader }{bytes.NewReader(stdin)} // a pipe: no size
		}
		run(t.Context(), append([]string{"validate", "-o", "json", "--channel", "meta"}, args...), s, fixedNow)
		return errOut.String()
	}
	if got := progress(true, nil, feedPath); !strings.Contains(got, "\r"+feedPath+"  14 items") || !strings.Contains(got, "100%") {
		t.Errorf("terminal: no progress with a percent on stderr: %q", got)
	}
	if got := progress(true, nil, "-q", feedPath); strings.Contains(got, "\r") {
		t.Errorf("-q drew progress: %q", got)
	}
	if got := progress(false, nil, feedPath); strings.Contains(got, "\r") {
		t.Errorf("not a terminal, yet progress: %q", got)
	}
	data, err := os.ReadFile(feedPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := progress(true, data, "-"); !strings.Contains(got, "\r-  14 items") || strings.Contains(got, "%") {
		t.Errorf("stdin: want items without a percent: %q", got)
	}
}

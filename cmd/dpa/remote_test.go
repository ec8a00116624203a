package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// TestValidateURL checks a feed served over HTTP end to end: findings name
// the URL, --cache avoids a second download (ETag), and a 404 is exit 2
// with the status in the message.
func TestValidateURL(t *testing.T) {
	body, err := os.ReadFile("../../examples/meta_feed.csv")
	if err != nil {
		t.Fatal(err)
	}
	var full, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.csv" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	}))
	defer srv.Close()
	cache := t.TempDir()
	for i := range 2 {
		io, out, errOut := render.Test()
		code := run(t.Context(), []string{"validate", "-o", "json", "--cache", cache, srv.URL + "/feed.csv"}, io, fixedNow)
		if code != 1 {
			t.Fatalf("run %d: exit %d, want 1; stderr: %s", i, code, errOut)
		}
		var rep struct {
			Summary  struct{ Items, Errors int }
			Findings []struct{ File string }
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Summary.Items != 14 || rep.Summary.Errors != 10 || rep.Findings[0].File != srv.URL+"/feed.csv" {
			t.Fatalf("run %d: %+v", i, rep.Summary)
		}
	}
	if full.Load() != 1 || notModified.Load() != 1 {
		t.Fatalf("downloads: %d full, %d not-modified; want 1 and 1", full.Load(), notModified.Load())
	}
	io, _, errOut := render.Test()
	if code := run(t.Context(), []string{"validate", srv.URL + "/missing.csv"}, io, fixedNow); code != 2 {
		t.Fatalf("404: exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), "404") {
		t.Fatalf("404 not named: %s", errOut)
	}
	io, _, errOut = render.Test()
	if code := run(t.Context(), []string{"validate", "--max-bytes", "lots", "x.csv"}, io, fixedNow); code != 2 || !strings.Contains(errOut.String(), "--max-bytes") {
		t.Fatalf("bad --max-bytes: exit %d: %s", code, errOut)
	}
}

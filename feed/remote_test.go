package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/feed/limit"
)

const remoteCSV = "id,title,price\nSKU-1,Shirt,10.00 USD\nSKU-2,Throw,20.00 USD\n"

func readURL(t *testing.T, url string, opts ReadOptions) (readResult, error) {
	t.Helper()
	r, err := OpenFile(context.Background(), url, opts)
	if err != nil {
		return readResult{}, err
	}
	return readAllFrom(t, r), nil
}

func TestRemoteFeeds(t *testing.T) {
	xlsx := makeXLSX(t, map[string][][]any{"S": {{"id", "title"}, {"SKU-1", "Shirt"}}}, []string{"S"})
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.csv", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, remoteCSV) })
	mux.HandleFunc("/export", func(w http.ResponseWriter, r *http.Request) { // no extension, gzip body
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(gzipBytes(t, []byte(remoteCSV)))
	})
	mux.HandleFunc("/catalog.xlsx", func(w http.ResponseWriter, r *http.Request) { w.Write(xlsx) })
	mux.HandleFunc("/missing.csv", http.NotFound)
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) })
	mux.HandleFunc("/hop/", func(w http.ResponseWriter, r *http.Request) { // /hop/N redirects N more times
		var n int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/hop/"), "%d", &n)
		if n == 0 {
			fmt.Fprint(w, remoteCSV)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("/big-announced", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.Write(bytes.Repeat([]byte("a,b\n"), 25000))
	})
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("id,title\n"))
		w.(http.Flusher).Flush() // no Content-Length: the cap must hold while streaming
		// Past the 64 KiB that Open sniffs.
		for range 10000 {
			w.Write([]byte("SKU,a product title\n"))
		}
	})
	mux.HandleFunc("/slow-headers", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("id,title\n"))
		w.Write(bytes.Repeat([]byte("SKU,a product title\n"), 5000)) // past the sniffed prefix
		w.(http.Flusher).Flush()
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	t.Run("csv streamed", func(t *testing.T) {
		res, err := readURL(t, srv.URL+"/feed.csv", ReadOptions{})
		if err != nil || res.err != nil || len(res.items) != 2 || res.items[1].Get("id") != "SKU-2" || res.items[0].File != srv.URL+"/feed.csv" {
			t.Fatalf("err %v %v items %v", err, res.err, positions(res.items))
		}
	})
	t.Run("gzip without extension", func(t *testing.T) {
		res, err := readURL(t, srv.URL+"/export?token=x", ReadOptions{})
		if err != nil || res.err != nil || len(res.items) != 2 || res.format != FormatCSV {
			t.Fatalf("err %v %v items %d", err, res.err, len(res.items))
		}
	})
	t.Run("xlsx spooled and removed", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		r, err := OpenFile(context.Background(), srv.URL+"/catalog.xlsx", ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ents, _ := os.ReadDir(tmp); len(ents) == 0 {
			t.Error("no spooled copy while open")
		}
		res := readAllFrom(t, r)
		if res.err != nil || res.format != FormatXLSX || len(res.items) != 1 {
			t.Fatalf("err %v format %s items %d", res.err, res.format, len(res.items))
		}
		if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
			t.Errorf("left behind: %v", ents)
		}
	})
	t.Run("password redacted", func(t *testing.T) {
		u := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1) + "/missing.csv"
		_, err := OpenFile(context.Background(), u, ReadOptions{})
		if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "user:xxxxx@") {
			t.Errorf("error %v", err)
		}
	})

	errTests := []struct {
		name, path string
		opts       ReadOptions
		want       string
		tooLarge   bool
	}{
		{"404", "/missing.csv", ReadOptions{}, "GET " + srv.URL + "/missing.csv: 404 Not Found", false},
		{"418", "/teapot", ReadOptions{}, "GET " + srv.URL + "/teapot: 418 I'm a teapot", false},
		{"six redirects", "/hop/6", ReadOptions{}, "GET " + srv.URL + "/hop/6: stopped after 5 redirects", false},
		{"announced size", "/big-announced", ReadOptions{MaxBytes: 1000},
			"GET " + srv.URL + "/big-announced: the download (100000 bytes announced) is larger than the 1000 bytes limit (--max-bytes)", true},
		{"slow headers", "/slow-headers", ReadOptions{Timeout: 200 * time.Millisecond}, "no response within 200ms (timeout)", false},
		{"connection refused", "/", ReadOptions{}, "GET http://127.0.0.1:1/: dial tcp", false},
	}
	for _, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			u := srv.URL + tc.path
			if tc.name == "connection refused" {
				u = "http://127.0.0.1:1/"
			}
			r, err := OpenFile(context.Background(), u, tc.opts)
			if err == nil {
				r.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || errors.Is(err, limit.ErrTooLarge) != tc.tooLarge {
				t.Errorf("error %q, want %q", err, tc.want)
			}
		})
	}
	t.Run("five redirects followed", func(t *testing.T) {
		res, err := readURL(t, srv.URL+"/hop/5", ReadOptions{})
		if err != nil || len(res.items) != 2 {
			t.Fatalf("err %v items %d", err, len(res.items))
		}
	})
	t.Run("streamed size cap", func(t *testing.T) {
		res, err := readURL(t, srv.URL+"/big-chunked", ReadOptions{MaxBytes: 100000})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(res.err, limit.ErrTooLarge) || !strings.Contains(res.err.Error(), "the download is larger than the 100000 bytes limit") || len(res.items) < 4000 {
			t.Errorf("err %v after %d items", res.err, len(res.items))
		}
	})
	t.Run("stall", func(t *testing.T) {
		start := time.Now()
		res, err := readURL(t, srv.URL+"/stall", ReadOptions{Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if res.err == nil || !strings.Contains(res.err.Error(), "no data for 200ms (timeout)") || len(res.items) != 5000 {
			t.Errorf("err %v after %d items", res.err, len(res.items))
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("slow reader is not a stall", func(t *testing.T) {
		r, err := OpenFile(context.Background(), srv.URL+"/feed.csv", ReadOptions{Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond) // the caller's time between reads
		res := readAllFrom(t, r)
		if res.err != nil || len(res.items) != 2 {
			t.Errorf("err %v items %d", res.err, len(res.items))
		}
	})
}

// TestRemoteCache: a 200 is cached with its validators, the next fetch is
// conditional, and a 304 is answered from the copy, XLSX included.
func TestRemoteCache(t *testing.T) {
	body := []byte(remoteCSV)
	etag := `"v1"`
	var hits, notModified atomic.Int32
	var lastINM, lastIMS atomic.Value
	lastINM.Store("")
	lastIMS.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		lastINM.Store(r.Header.Get("If-None-Match"))
		lastIMS.Store(r.Header.Get("If-Modified-Since"))
		if r.URL.Path == "/plain.csv" { // no validators: never cached
			w.Write(body)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "cache")
	opts := ReadOptions{CacheDir: dir}
	u := srv.URL + "/feed.csv"

	first, err := readURL(t, u, opts)
	if err != nil || first.err != nil || len(first.items) != 2 {
		t.Fatalf("first: %v %v", err, first.err)
	}
	if lastINM.Load() != "" {
		t.Errorf("first request was conditional: %q", lastINM.Load())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("cache holds %v", ents)
	}
	second, err := readURL(t, u, opts)
	if err != nil || second.err != nil {
		t.Fatalf("second: %v %v", err, second.err)
	}
	if lastINM.Load() != etag || lastIMS.Load() != "Mon, 02 Jan 2006 15:04:05 GMT" || notModified.Load() != 1 {
		t.Errorf("If-None-Match %q If-Modified-Since %q, 304s %d", lastINM.Load(), lastIMS.Load(), notModified.Load())
	}
	if !reflect.DeepEqual(positions(second.items), positions(first.items)) || second.items[0].File != u {
		t.Errorf("from cache: %v", positions(second.items))
	}

	// A new version replaces the copy.
	body = []byte(remoteCSV + "SKU-3,Tee,5.00 USD\n")
	etag = `"v2"`
	third, err := readURL(t, u, opts)
	if err != nil || len(third.items) != 3 {
		t.Fatalf("third: %v items %d", err, len(third.items))
	}
	fourth, err := readURL(t, u, opts)
	if err != nil || len(fourth.items) != 3 || notModified.Load() != 2 {
		t.Fatalf("fourth: %v items %d, 304s %d", err, len(fourth.items), notModified.Load())
	}
	metas, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(metas) != 1 {
		t.Fatalf("metadata files %v", metas)
	}
	meta, _ := os.ReadFile(metas[0])
	if !strings.Contains(string(meta), `"etag": "\"v2\""`) || !strings.Contains(string(meta), fmt.Sprintf(`"size": %d`, len(body))) {
		t.Errorf("metadata %s", meta)
	}

	// An abandoned read leaves no temporary file and the old copy intact.
	etag = `"v3"`
	r, err := OpenFile(context.Background(), u, opts)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".dpa-cache-*")); len(tmps) != 0 {
		t.Errorf("temporary files left: %v", tmps)
	}

	// Without validators nothing is cached and nothing is conditional.
	before := len(mustReadDir(t, dir))
	if _, err := readURL(t, srv.URL+"/plain.csv", opts); err != nil {
		t.Fatal(err)
	}
	if _, err := readURL(t, srv.URL+"/plain.csv", opts); err != nil || lastINM.Load() != "" {
		t.Fatalf("%v, If-None-Match %q", err, lastINM.Load())
	}
	if after := len(mustReadDir(t, dir)); after != before {
		t.Errorf("cache grew from %d to %d entries for a response without validators", before, after)
	}

	// A corrupted copy (size mismatch) is not trusted: the fetch is unconditional.
	bodies, _ := filepath.Glob(filepath.Join(dir, "*.body"))
	if err := os.WriteFile(bodies[0], []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readURL(t, u, opts); err != nil || lastINM.Load() != "" {
		t.Errorf("%v, If-None-Match %q on a corrupted copy", err, lastINM.Load())
	}
}

func mustReadDir(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ents
}

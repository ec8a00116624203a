package feed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dpa-tools/dpa/feed/limit"
)

// isURL reports whether a FILE argument names a remote feed.
func isURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// openURL streams a remote feed: the body goes through the same layers as
// a file, and nothing is written to disk except the optional cache copy
// (CacheDir) and the spool a zip or XLSX needs for random access.
//
// Guards: opts.Timeout per wait (connect + headers, then each stall of
// the body), at most maxRedirects redirects, the body capped at MaxBytes
// (a larger Content-Length fails before reading), and any status other
// than 200 (or 304 with a cached copy) is an error naming it:
// "GET https://…: 404 Not Found".
//
// ctx aborts the request and the body: a Ctrl-C returns ctx's error
// (context.Canceled) at once, never a timeout after --timeout.
func openURL(ctx context.Context, raw string, opts ReadOptions) (Reader, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("open feed: %w", err)
	}
	name := u.Redacted() // never print a password from the URL
	if u.Host == "" {
		return nil, fmt.Errorf("open feed %s: no host in URL", name)
	}
	body, file, err := fetch(ctx, u, name, opts)
	if err != nil {
		return nil, err
	}
	var src io.Reader = body
	if file != nil {
		src = file
	}
	r, err := open(ctx, name, u.Path, src, file, body, opts)
	if err != nil {
		body.Close()
		return nil, err
	}
	return r, nil
}

// fetch issues the GET. It returns the body stream, or for a 304 the
// cached copy as an open file (then body closes that file).
func fetch(parent context.Context, u *url.URL, name string, opts ReadOptions) (io.ReadCloser, *os.File, error) {
	timeout := opts.timeout()
	maxTime := opts.maxTime()
	maxB := opts.maxBytes()
	client := &http.Client{}
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		client = &c
	}
	if client.CheckRedirect == nil {
		client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return nil
		}
	}
	ctx, cancel := context.WithCancel(parent)
	var timedOut, overTime atomic.Bool
	timer := time.AfterFunc(timeout, func() { timedOut.Store(true); cancel() })
	// The overall deadline runs until the body is closed.
	deadline := time.AfterFunc(maxTime, func() { overTime.Store(true); cancel() })
	fail := func(err error) (io.ReadCloser, *os.File, error) {
		timer.Stop()
		deadline.Stop()
		cancel()
		if perr := parent.Err(); perr != nil {
			// Interrupted: say so, whatever the transport made of it.
			return nil, nil, fmt.Errorf("GET %s: %w", name, perr)
		}
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(fmt.Errorf("GET %s: %w", name, err))
	}
	req.Header.Set("User-Agent", "dpa (product feed validator)")
	var c *urlCache
	if opts.CacheDir != "" {
		c = newURLCache(opts.CacheDir, u.String())
		c.condition(req)
	}
	resp, err := client.Do(req)
	timer.Stop()
	if err != nil {
		if overTime.Load() {
			return fail(fmt.Errorf("GET %s: not complete within %s (overall download deadline)", name, maxTime))
		}
		if timedOut.Load() {
			return fail(fmt.Errorf("GET %s: no response within %s (timeout)", name, timeout))
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(fmt.Errorf("GET %s: %w", name, err))
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && c != nil && c.meta != nil:
		resp.Body.Close()
		deadline.Stop()
		cancel()
		f, err := os.Open(c.bodyPath)
		if err != nil {
			return nil, nil, fmt.Errorf("GET %s: 304 Not Modified, but the cached copy is unreadable: %w", name, err)
		}
		return f, f, nil
	case resp.StatusCode != http.StatusOK:
		resp.Body.Close()
		status := resp.Status
		if status == "" {
			status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		return fail(fmt.Errorf("GET %s: %s", name, status))
	}
	if maxB >= 0 && resp.ContentLength > maxB {
		resp.Body.Close()
		return fail(fmt.Errorf("GET %s: %w", name, &limit.SizeError{
			What: fmt.Sprintf("the download (%d bytes announced)", resp.ContentLength), Limit: maxB, Flag: "--max-bytes"}))
	}
	rb := &remoteBody{
		size: resp.ContentLength,
		body: resp.Body, r: newCapReader(resp.Body, maxB, "the download"),
		name: name, timeout: timeout, timer: timer, timedOut: &timedOut, cancel: cancel,
		parent: parent, maxTime: maxTime, deadline: deadline, overTime: &overTime,
	}
	if c != nil {
		rb.cache = c.writer(resp)
	}
	return rb, nil, nil
}

// remoteBody is the streaming body of a 200 response. Each Read arms the
// stall timer and disarms it when data arrives, so time spent by the
// caller between reads never counts.
type remoteBody struct {
	size     int64 // Content-Length; -1 when not announced
	body     io.ReadCloser
	r        io.Reader
	name     string
	timeout  time.Duration
	timer    *time.Timer
	timedOut *atomic.Bool
	cancel   context.CancelFunc
	cache    *cacheWriter
	closed   bool
	parent   context.Context // the caller's: its end is an interruption, not a timeout
	maxTime  time.Duration
	deadline *time.Timer
	overTime *atomic.Bool
}

// Size is the announced Content-Length (-1: none), for progress.
func (b *remoteBody) Size() int64 { return b.size }

func (b *remoteBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.timeout)
	n, err := b.r.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF {
		switch {
		case b.parent.Err() != nil:
			err = fmt.Errorf("GET %s: %w", b.name, b.parent.Err())
		case b.overTime.Load():
			err = fmt.Errorf("GET %s: not complete within %s (overall download deadline)", b.name, b.maxTime)
		case b.timedOut.Load():
			err = fmt.Errorf("GET %s: no data for %s (timeout)", b.name, b.timeout)
		}
	}
	if b.cache != nil {
		b.cache.add(p[:n], err)
	}
	return n, err
}

func (b *remoteBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	b.timer.Stop()
	b.deadline.Stop()
	b.cancel()
	if b.cache != nil {
		b.cache.abort()
	}
	return b.body.Close()
}

// urlCache is the cache entry of one URL in CacheDir: <key>.body holds the
// last 200 body as served, <key>.json its validators. Both are written to
// a temporary file and renamed, so a crash never leaves a torn entry
// under the final names.
type urlCache struct {
	dir, url           string
	bodyPath, metaPath string
	meta               *cacheMeta // the current entry, nil when none is usable
}

type cacheMeta struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Size         int64  `json:"size"`
}

func newURLCache(dir, u string) *urlCache {
	sum := sha256.Sum256([]byte(u))
	key := hex.EncodeToString(sum[:16])
	c := &urlCache{dir: dir, url: u, bodyPath: filepath.Join(dir, key+".body"), metaPath: filepath.Join(dir, key+".json")}
	b, err := os.ReadFile(c.metaPath)
	if err != nil {
		return c
	}
	var m cacheMeta
	if json.Unmarshal(b, &m) != nil || m.URL != u || (m.ETag == "" && m.LastModified == "") {
		return c
	}
	if st, err := os.Stat(c.bodyPath); err != nil || st.Size() != m.Size {
		return c
	}
	c.meta = &m
	return c
}

// condition makes req conditional on the cached copy.
func (c *urlCache) condition(req *http.Request) {
	if c.meta == nil {
		return
	}
	if c.meta.ETag != "" {
		req.Header.Set("If-None-Match", c.meta.ETag)
	}
	if c.meta.LastModified != "" {
		req.Header.Set("If-Modified-Since", c.meta.LastModified)
	}
}

// writer starts caching a 200 body, or returns nil when the response has
// no validators (a copy could never be reused) or the directory is not
// writable (caching is best effort; the read goes on).
func (c *urlCache) writer(resp *http.Response) *cacheWriter {
	m := cacheMeta{URL: c.url, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if m.ETag == "" && m.LastModified == "" {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil
	}
	tmp, err := os.CreateTemp(c.dir, ".dpa-cache-*.tmp")
	if err != nil {
		return nil
	}
	return &cacheWriter{c: c, meta: m, tmp: tmp}
}

// cacheWriter tees the body into a temporary file and commits it when the
// body ends cleanly; a body that is abandoned or fails is discarded.
type cacheWriter struct {
	c    *urlCache
	meta cacheMeta
	tmp  *os.File
	err  error
	done bool
}

func (w *cacheWriter) add(p []byte, rerr error) {
	if w.done {
		return
	}
	if len(p) > 0 && w.err == nil {
		n, err := w.tmp.Write(p)
		w.meta.Size += int64(n)
		w.err = err
	}
	switch {
	case rerr == io.EOF && w.err == nil:
		w.commit()
	case rerr != nil:
		w.abort()
	}
}

func (w *cacheWriter) commit() {
	w.done = true
	tmpName := w.tmp.Name()
	if err := errors.Join(w.tmp.Sync(), w.tmp.Close()); err != nil {
		os.Remove(tmpName)
		return
	}
	// Drop the old validators first: stale metadata must never vouch for
	// a different body.
	os.Remove(w.c.metaPath)
	if err := os.Rename(tmpName, w.c.bodyPath); err != nil {
		os.Remove(tmpName)
		return
	}
	b, _ := json.MarshalIndent(w.meta, "", "  ")
	_ = writeFileAtomic(w.c.metaPath, append(b, '\n'))
}

func (w *cacheWriter) abort() {
	if w.done {
		return
	}
	w.done = true
	w.tmp.Close()
	os.Remove(w.tmp.Name())
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dpa-cache-*.tmp")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

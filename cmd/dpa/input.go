package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dpa-tools/dpa/feed"
)

// A FILE argument that is a pipe or FIFO (`<(zcat feed.gz)`, /dev/stdin,
// a named FIFO) can be read only once, but several commands read their
// input twice (convert's layout pass over XML or ragged CSV, normalize's
// and export's column pass, the validate XLSX report). Re-opening such a
// path used to yield an empty second read (blank header, 0 items, exit 0)
// or, for a named FIFO, block forever. Instead the first open of a
// non-regular path starts a spool: every reader of that path reads the
// same bytes, from a temporary file as far as they were already read and
// from the pipe (appending to the file) beyond. The pipe is read once;
// the temp file is unlinked at once, so nothing is left behind even on
// SIGKILL.

type spoolsKey struct{}

// spoolSet holds the spools of one run, keyed by path.
type spoolSet struct {
	mu sync.Mutex
	m  map[string]*spool
}

// withSpools gives ctx a spool set; close releases its files.
func withSpools(ctx context.Context) (context.Context, func()) {
	s := &spoolSet{m: map[string]*spool{}}
	return context.WithValue(ctx, spoolsKey{}, s), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, sp := range s.m {
			sp.close()
		}
		s.m = nil
	}
}

// spooled returns a fresh reader over path's spool when path is a pipe,
// FIFO or character device, and nil for regular files, directories,
// stdin ("-") and URLs, which are opened as they are.
func spooled(ctx context.Context, path string) (io.Reader, error) {
	s, _ := ctx.Value(spoolsKey{}).(*spoolSet)
	if s == nil || path == "-" || strings.Contains(path, "://") {
		return nil, nil
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().IsRegular() || st.IsDir() {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.m[path]
	if sp == nil {
		if sp, err = newSpool(ctx, path); err != nil {
			return nil, err
		}
		s.m[path] = sp
	}
	return &spoolCursor{s: sp}, nil
}

type spool struct {
	mu   sync.Mutex
	src  *os.File
	tmp  *os.File
	size int64
	err  error // the source's final error (io.EOF when complete)
}

func newSpool(ctx context.Context, path string) (*spool, error) {
	src, err := feed.OpenCtx(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("open feed: %w", err)
	}
	tmp, err := os.CreateTemp("", "dpa-spool-*")
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("spool %s: %w", path, err)
	}
	os.Remove(tmp.Name()) // the open file lives on; nothing to clean up later
	// A read blocked on a silent writer is woken when ctx ends.
	context.AfterFunc(ctx, func() { _ = src.SetReadDeadline(time.Unix(1, 0)) })
	return &spool{src: src, tmp: tmp}, nil
}

func (sp *spool) close() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.src.Close()
	sp.tmp.Close()
}

// readAt fills p from offset off, reading more of the source when off is
// at the end of what has been spooled.
func (sp *spool) readAt(p []byte, off int64) (int, error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if off < sp.size {
		n := int(min(int64(len(p)), sp.size-off))
		return sp.tmp.ReadAt(p[:n], off)
	}
	if sp.err != nil {
		return 0, sp.err
	}
	n, err := sp.src.Read(p)
	if n > 0 {
		if _, werr := sp.tmp.WriteAt(p[:n], sp.size); werr != nil {
			sp.err = fmt.Errorf("spool %s: %w", sp.src.Name(), werr)
			return 0, sp.err
		}
		sp.size += int64(n)
	}
	if err != nil {
		sp.err = err
		if n > 0 {
			err = nil
		}
	}
	return n, err
}

// spoolCursor is one reader's position in a spool.
type spoolCursor struct {
	s   *spool
	off int64
}

func (c *spoolCursor) Read(p []byte) (int, error) {
	n, err := c.s.readAt(p, c.off)
	c.off += int64(n)
	return n, err
}

// openInput opens a FILE argument: "-" is stdin, a pipe or FIFO goes
// through the run's spool (see above), anything else is feed.OpenFile.
func openInput(ctx context.Context, path string, ro feed.ReadOptions, stdin io.Reader) (feed.Reader, error) {
	if path == "-" {
		return feed.Open(ctx, "-", stdin, ro)
	}
	src, err := spooled(ctx, path)
	if err != nil {
		return nil, err
	}
	if src != nil {
		return feed.Open(ctx, path, src, ro)
	}
	return feed.OpenFile(ctx, path, ro)
}

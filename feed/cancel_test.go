package feed

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// drain reads r to the end and returns the error that ended it.
func drain(r Reader) error {
	for {
		it, err := r.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if it == nil {
			return nil
		}
	}
}

// TestCancelRemote (issue 13): cancelling ctx during a fetch ends it at
// once with context.Canceled, whether the server has not answered yet or
// stalls in the body; it used to run under context.Background() until the
// --timeout passed, then report a timeout.
func TestCancelRemote(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			io.WriteString(w, "id,title\n1,a\n")
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	for _, path := range []string{"/headers", "/body"} {
		t.Run(path, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			r, err := OpenFile(ctx, srv.URL+path+".csv", ReadOptions{Timeout: time.Minute})
			if err == nil {
				err = drain(r)
				r.Close()
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestRemoteOverallDeadline (issue 10, item 4): a server that trickles a
// byte well within the stall timeout is cut off by MaxTime.
func TestRemoteOverallDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "id,title\n")
		for i := 0; ; i++ {
			if _, err := io.WriteString(w, "1"); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	r, err := OpenFile(context.Background(), srv.URL+"/feed.csv", ReadOptions{Timeout: time.Second, MaxTime: 300 * time.Millisecond})
	if err == nil {
		err = drain(r)
		r.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "overall download deadline") {
		t.Errorf("err = %v, want the overall deadline", err)
	}
}

// TestCancelFIFO: a FIFO without a writer neither hangs the open nor a
// read once ctx ends.
func TestCancelFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "in.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := OpenFile(ctx, fifo, ReadOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("open: err = %v, want context.Canceled", err)
	}
	// A writer that sends a header and then nothing: the read blocks.
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		io.WriteString(w, "id,title\n1,a\n")
		time.Sleep(20 * time.Second)
		w.Close()
	}()
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		// Open itself blocks: sniffing wants more bytes than were sent.
		r, err := OpenFile(ctx, fifo, ReadOptions{})
		if err != nil {
			done <- err
			return
		}
		defer r.Close()
		done <- drain(r)
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("read: err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("read of a silent FIFO ignores ctx")
	}
}

// TestGenerateFeedCancel: GenerateFeed stops with ctx's error instead of
// writing all items.
func TestGenerateFeedCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var n countWriter
	err := GenerateFeed(ctx, &n, GenerateOptions{Items: 1_000_000})
	if !errors.Is(err, context.Canceled) || n > 1<<20 {
		t.Errorf("err = %v after %d bytes, want context.Canceled at once", err, n)
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

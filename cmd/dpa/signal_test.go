package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// dpaBinary builds the real binary once per test run.
func dpaBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() || runtime.GOOS == "windows" {
		t.Skip("builds the binary; not on -short or windows")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dpa-signal-*")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "dpa")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = errors.New(err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return builtBin
}

const (
	sigHeader = "id,title,description,availability,condition,price,link,image_link,brand\n"
	sigRow    = ",Linen Shirt,A breathable linen shirt with a classic collar and buttons.,in stock,new,59.00 USD,https://shop.example.com/p/1,https://cdn.example.com/1.jpg,Coastline\n"
)

// endless feeds a CSV catalog to w until the write fails, counting the
// bytes the reader has taken.
func endless(w io.WriteCloser, n *atomic.Int64) {
	io.WriteString(w, sigHeader)
	for i := 0; ; i++ {
		k, err := io.WriteString(w, "SKU-"+itoa(i)+sigRow)
		n.Add(int64(k))
		if err != nil {
			return
		}
	}
}

// waitRunning waits until the command is demonstrably past its start-up
// (and so has its signal handler): ready reports true, or, for commands
// with nothing to observe, fallback has passed. A fixed sleep made the test
// flaky on a loaded machine, where start-up alone can take longer.
func waitRunning(t *testing.T, ready func() bool, fallback time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		if ready != nil && ready() {
			time.Sleep(100 * time.Millisecond)
			return
		}
		if ready == nil && time.Since(start) >= fallback {
			return
		}
		if time.Since(start) > 30*time.Second {
			t.Fatal("the command never got going")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestInterrupt sends SIGINT (or SIGTERM) to the real binary in the middle
// of a run of each long-running command and checks exit status 130 within
// a few seconds, and that no output or temp file is left behind (issues
// 10 and 13). Most read an endless catalog from a stdin pipe; the others
// generate 30M items, wait on a FIFO without a writer, or on a server that
// sends headers and then nothing.
func TestInterrupt(t *testing.T) {
	bin := dpaBinary(t)
	campaign, err := filepath.Abs("../../examples/campaign.yaml")
	if err != nil {
		t.Fatal(err)
	}
	oldFeed, err := filepath.Abs("../../examples/meta_feed.csv")
	if err != nil {
		t.Fatal(err)
	}
	// A server that answers with headers, then stalls: the fetch's
	// per-stall timeout (60 s) must not delay the interrupt.
	var fetched atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Store(true)
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, sigHeader)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	cases := []struct {
		name  string
		args  []string
		stdin bool // endless catalog on stdin
		fifo  bool // a FIFO named in.csv with no writer, in the work dir
		sig   syscall.Signal
	}{
		{name: "simulate", args: []string{"simulate", "--items", "2000", "--users", "400000", "--days", "30", "--emit-events", "events.csv", "-o", "json"}},
		{name: "export", args: []string{"export", "--campaign", campaign, "--catalog", "-", "--out", "out"}, stdin: true},
		{name: "validate", args: []string{"validate", "-o", "json", "--out", "report.json", "-"}, stdin: true},
		{name: "validate SIGTERM", args: []string{"validate", "-o", "json", "--out", "report.json", "-"}, stdin: true, sig: syscall.SIGTERM},
		{name: "normalize", args: []string{"normalize", "-", "--channel", "google", "--out", "feed.xml"}, stdin: true},
		{name: "convert", args: []string{"convert", "-", "--format", "jsonl", "--out", "feed.jsonl"}, stdin: true},
		{name: "stats", args: []string{"stats", "-o", "json", "--out", "stats.json", "-"}, stdin: true},
		{name: "diff", args: []string{"diff", oldFeed, "-", "-o", "json"}, stdin: true},
		{name: "generate feed", args: []string{"generate", "feed", "--items", "30000000", "--out", "big.csv"}},
		{name: "validate FIFO without writer", args: []string{"validate", "-o", "json", "--out", "report.json", "in.csv"}, fifo: true},
		{name: "convert FIFO without writer", args: []string{"convert", "in.csv", "--format", "csv", "--out", "out.csv"}, fifo: true},
		{name: "validate stalled remote", args: []string{"validate", "-o", "json", "--out", "report.json", srv.URL + "/feed.csv"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			cmd := exec.Command(bin, tc.args...)
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			if tc.fifo {
				if err := syscall.Mkfifo(filepath.Join(work, "in.csv"), 0o644); err != nil {
					t.Skip(err)
				}
				defer os.Remove(filepath.Join(work, "in.csv"))
			}
			var stdin io.WriteCloser
			if tc.stdin {
				if stdin, err = cmd.StdinPipe(); err != nil {
					t.Fatal(err)
				}
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var taken atomic.Int64
			var ready func() bool
			switch {
			case stdin != nil:
				go endless(stdin, &taken)
				// More than a pipe buffer taken: dpa is reading.
				ready = func() bool { return taken.Load() > 256<<10 }
			case strings.Contains(tc.name, "remote"):
				ready = fetched.Load
			case !tc.fifo:
				// generate and simulate: the output's temp file exists.
				ready = func() bool { ents, _ := os.ReadDir(work); return len(ents) > 0 }
			}
			waitRunning(t, ready, 1500*time.Millisecond)
			sig := tc.sig
			if sig == 0 {
				sig = syscall.SIGINT
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var werr error
			select {
			case werr = <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("dpa did not stop after the signal")
			}
			// "Within a second or two" (about 50 ms here when idle); the bound is
			// generous for a loaded CI machine.
			if d := time.Since(sent); d > 10*time.Second {
				t.Errorf("took %s to stop after the signal", d.Round(time.Millisecond))
			}
			if stdin != nil {
				stdin.Close()
			}
			var ee *exec.ExitError
			if !errors.As(werr, &ee) || ee.ExitCode() != 130 {
				t.Fatalf("exit: %v, want status 130", werr)
			}
			entries, _ := os.ReadDir(work)
			for _, e := range entries {
				if tc.fifo && e.Name() == "in.csv" {
					continue
				}
				t.Errorf("left behind: %s", e.Name())
			}
		})
	}
}

// TestSecondInterrupt: the first signal cancels; a second one exits at
// once even when the command is stuck where no context reaches. The
// signals are real (sent to this process), the exit is a stub.
func TestSecondInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no kill(2)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan struct{})
	stop := onInterrupt(cancel, time.Hour, func() { close(exited) })
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("first SIGINT did not cancel")
	}
	select {
	case <-exited:
		t.Fatal("exited on the first signal, before the grace period")
	case <-time.After(50 * time.Millisecond):
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("second signal did not exit")
	}
}

// TestInterruptGrace: a command that ignores the cancellation is ended
// after the grace period.
func TestInterruptGrace(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no kill(2)")
	}
	_, cancel := context.WithCancel(context.Background())
	exited := make(chan struct{})
	stop := onInterrupt(cancel, 10*time.Millisecond, func() { close(exited) })
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("not ended after the grace period")
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[n:])
}

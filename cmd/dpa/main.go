// Command dpa checks, normalises, simulates and exports Dynamic Product Ads
// catalogs. This package holds the cobra commands only: flag parsing,
// configuration, and the mapping of results to exit codes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dpa-tools/dpa/render"
)

// interruptGrace is how long a command may take to wind down after the
// first Ctrl-C or SIGTERM (remove its temp files, return 130) before dpa
// exits anyway: a read blocked where no context reaches (stdin without a
// writer, a third-party parser) must not keep it alive.
const interruptGrace = 1500 * time.Millisecond

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	stopSignals := onInterrupt(cancel, interruptGrace, func() {
		render.RemoveTemps()
		fmt.Fprintln(os.Stderr, "dpa: interrupted")
		os.Exit(exitInterrupted)
	})
	stopProfile := startProfile()
	streams := render.System()
	streams.In = &stdinGuard{f: os.Stdin}
	code := run(ctx, os.Args[1:], streams, time.Now)
	stopProfile()
	stopSignals()
	os.Exit(code)
}

// onInterrupt cancels the command on the first SIGINT or SIGTERM. A second
// signal, or a command still running grace after the first, calls exit at
// once (`timeout N dpa …` and an impatient Ctrl-C both end dpa). signal.
// NotifyContext is not enough: after its first signal every later one is
// swallowed.
func onInterrupt(cancel context.CancelFunc, grace time.Duration, exit func()) (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		cancel()
		t := time.NewTimer(grace)
		select {
		case <-sigs:
		case <-t.C:
		case <-done:
			return
		}
		exit()
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

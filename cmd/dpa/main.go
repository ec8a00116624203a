// Command dpa checks, normalises, simulates and exports Dynamic Product Ads
// catalogs. This package holds the cobra commands only: flag parsing,
// configuration, and the mapping of results to exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dpa-tools/dpa/render"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile()
	code := run(ctx, os.Args[1:], render.System(), time.Now)
	stopProfile()
	stop()
	os.Exit(code)
}

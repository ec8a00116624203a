package main

import (
	"errors"
	"io"
	"os"
	"sync"
)

// errStdinNull is the answer to reading "-" when there is nothing to read:
// fd 0 was closed (`dpa validate - <&-`; the Go runtime reopens a closed
// standard descriptor as /dev/null before main runs, so the two cannot be
// told apart) or is /dev/null itself (`< /dev/null`, a CI step or cron job
// without input). Either way "-" was a mistake, not an empty feed: a usage
// error (exit 2) instead of feed.empty (exit 1), and no OUT is written.
var errStdinNull = errors.New("stdin is closed or /dev/null: nothing to read")

// stdinGuard is the process's stdin as the commands see it. The check runs
// on the first read, so commands that never read "-" are unaffected (a CI
// job runs `dpa validate feed.csv` with stdin on /dev/null all the time).
type stdinGuard struct {
	f    *os.File
	once sync.Once
	err  error
}

func (g *stdinGuard) Read(p []byte) (int, error) {
	g.once.Do(func() {
		if isDevNull(g.f) {
			g.err = &usageError{err: errStdinNull}
		}
	})
	if g.err != nil {
		return 0, g.err
	}
	return g.f.Read(p)
}

var _ io.Reader = (*stdinGuard)(nil)

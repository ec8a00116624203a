//go:build unix

package main

import (
	"os"
	"syscall"
)

// isDevNull reports whether f is the null device, by device and inode
// (a path comparison would miss /proc/self/fd/0 and friends).
func isDevNull(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	ni, err := os.Stat(os.DevNull)
	if err != nil {
		return false
	}
	a, ok1 := fi.Sys().(*syscall.Stat_t)
	b, ok2 := ni.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && a.Rdev == b.Rdev && a.Dev == b.Dev && a.Ino == b.Ino
}

package main

import (
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile to $DPA_CPUPROFILE for the whole run,
// so the real command can be profiled on real feeds (go tool pprof).
func startProfile() func() {
	path := os.Getenv("DPA_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

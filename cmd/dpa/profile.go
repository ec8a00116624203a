package main

import (
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfile writes a CPU profile to $DPA_CPUPROFILE for the whole run
// and a heap profile (what was allocated where, and what was live at the
// last collection) to $DPA_MEMPROFILE at its end, so the real command can
// be profiled on real feeds (go tool pprof).
func startProfile() func() {
	stopCPU := func() {}
	if path := os.Getenv("DPA_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if err := pprof.StartCPUProfile(f); err != nil {
				f.Close()
			} else {
				stopCPU = func() { pprof.StopCPUProfile(); f.Close() }
			}
		}
	}
	return func() {
		stopCPU()
		if path := os.Getenv("DPA_MEMPROFILE"); path != "" {
			if f, err := os.Create(path); err == nil {
				runtime.GC() // the profile shows what was allocated up to the last collection
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}
	}
}

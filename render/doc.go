// Package render is how dpa's results reach people and machines: terminal
// tables and styles, CSV/TSV/JSON, JUnit XML and SARIF for CI servers, XLSX
// workbooks for marketers, atomic output files and a stderr progress line.
//
// It knows nothing about feeds or campaigns: callers turn their domain
// values into the neutral shapes defined here (Table, Sheet, JUnitSuite,
// SARIFResult). It is the only package in the module that imports lipgloss,
// so a switch to lipgloss v2 touches style.go alone.
//
// Colour policy is decided once, per stream, by Streams.ColorOut and
// Streams.ColorErr; everything that styles text takes that decision as a
// bool so its output depends on nothing else (no environment, no TTY probe).
package render

// Package sqltest runs the SQL that dpa model build --engine sql prints on
// an embedded DuckDB and compares its tables with the Go builder's. DuckDB
// needs cgo, so this is a separate module that only tests use: the release
// binary stays pure Go.
package sqltest

// Package model is dpa's item model as an artifact: the co-occurrence
// counts, neighbours, popularity and purchase counts that replay and
// recommend train on, written to and read from Parquet, and the SQL that
// computes the same tables in a warehouse. It also writes
// `recommend --all-users` rows as Parquet.
package model

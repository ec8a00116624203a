package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard selects one slice of the test cases of a replay, or of the users of
// `dpa recommend --all-users`: the ids whose FNV-1a 64 hash is Index modulo
// Count. The hash is of the id's bytes only, so a user or session lands in
// the same shard on every machine, operating system and run, and the
// slices of 0..Count-1 partition the ids exactly. The zero Shard (Count 0)
// selects everything.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ShardHash names the hash in partial results, so that a future change of
// hash cannot be merged with parts cut by this one.
const ShardHash = "fnv1a64(id) mod count"

// ParseShard reads "I/N" (0 ≤ I < N).
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	idx, err1 := strconv.Atoi(strings.TrimSpace(i))
	cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("invalid shard %q: want I/N, e.g. 0/4", s)
	}
	sh := Shard{Index: idx, Count: cnt}
	if cnt < 1 {
		return Shard{}, fmt.Errorf("invalid shard %q: N must be at least 1", s)
	}
	return sh, sh.Validate()
}

// Validate checks 0 ≤ Index < Count (or the zero Shard).
func (s Shard) Validate() error {
	if s == (Shard{}) {
		return nil
	}
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("invalid shard %d/%d: want 0 ≤ I < N", s.Index, s.Count)
	}
	return nil
}

// Sharded reports whether s selects a slice (Count > 0).
func (s Shard) Sharded() bool { return s.Count > 0 }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Has reports whether the id belongs to the shard (always, unsharded).
func (s Shard) Has(id string) bool {
	return s.Count <= 1 || ShardOf(id, s.Count) == s.Index
}

// ShardOf is the shard (0..n-1) of an id: FNV-1a 64 of its bytes mod n.
func ShardOf(id string, n int) int {
	return int(fnv1a64(id) % uint64(n))
}

// fnv1a64 is FNV-1a 64 without hash.Hash's allocation: it runs once per
// test user or session.
func fnv1a64(s string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

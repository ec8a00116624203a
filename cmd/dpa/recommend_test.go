package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// --all-users: a header, then at most k rows per user with ranks 1..n in
// order, every user of the log present once, the same bytes for any
// --workers.
func TestRecommendAllUsers(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, w := range []string{"1", "2", "5"} {
		out := filepath.Join(dir, "recs"+w+".csv")
		if code, _, errOut := runCmd(t, "recommend", "--events", "../../examples/events.csv", "--all-users", "-k", "4", "--workers", w, "--out", out, "-q"); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		files = append(files, out)
	}
	first, _ := os.ReadFile(files[0])
	for _, f := range files[1:] {
		b, _ := os.ReadFile(f)
		if string(b) != string(first) {
			t.Fatalf("%s differs from %s", f, files[0])
		}
	}
	rows, err := csv.NewReader(strings.NewReader(string(first))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "user,strategy,rank,item,score,reason" {
		t.Fatalf("header %v", rows[0])
	}
	seen := map[string]int{}
	last := ""
	for _, r := range rows[1:] {
		u := r[0]
		if u != last && seen[u] > 0 {
			t.Fatalf("user %s appears in two blocks", u)
		}
		last = u
		seen[u]++
		if rk, _ := strconv.Atoi(r[2]); rk != seen[u] {
			t.Fatalf("user %s: rank %s at position %d", u, r[2], seen[u])
		}
		if seen[u] > 4 {
			t.Fatalf("user %s has more than k rows", u)
		}
		if r[5] == "" {
			t.Errorf("row without a reason: %v", r)
		}
	}
	if len(seen) != 30 {
		t.Errorf("%d users, want the 30 of the log", len(seen))
	}
}

func TestRecommendUnknownUserIsNotAnError(t *testing.T) {
	code, out, errOut := runCmd(t, "recommend", "--events", "../../examples/events.csv", "--user", "ghost", "-k", "2")
	if code != 0 || !strings.Contains(errOut, "ghost has no events") || !strings.Contains(out, "new") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

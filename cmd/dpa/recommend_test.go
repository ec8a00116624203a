package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/campaign/rank"
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
	if strings.Join(rows[0], ",") != "user,strategy,rank,item,score,reason,stage" {
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

// --all-users carries each item's list (stage) as --user -o json numbers
// it, for every shopper: the batch file shows the order's basis too.
func TestRecommendAllUsersStage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "recs.csv")
	mustRun(t, "recommend", "--events", "../../examples/events.csv", "--catalog", "../../examples/catalog.csv", "--all-users", "-k", "4", "--out", out, "-q")
	b, _ := os.ReadFile(out)
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range rows[1:] {
		got[r[0]] = append(got[r[0]], r[3]+"@"+r[6])
	}
	multi := 0
	for u, items := range got {
		code, js, errOut := runCmd(t, "recommend", "--events", "../../examples/events.csv", "--catalog", "../../examples/catalog.csv", "--user", u, "-k", "4", "-o", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", u, code, errOut)
		}
		var rep struct {
			Recommendations []struct {
				ItemID string `json:"item_id"`
				Stage  int    `json:"stage"`
			} `json:"recommendations"`
		}
		if err := json.Unmarshal([]byte(js), &rep); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range rep.Recommendations {
			want = append(want, r.ItemID+"@"+strconv.Itoa(r.Stage))
			if r.Stage > 1 {
				multi++
			}
		}
		if !slices.Equal(items, want) {
			t.Errorf("%s: --all-users %v, --user -o json %v", u, items, want)
		}
	}
	if multi == 0 {
		t.Error("no shopper's carousel spans two lists: the stage column is not exercised")
	}
}

func TestRecommendUnknownUserIsNotAnError(t *testing.T) {
	code, out, errOut := runCmd(t, "recommend", "--events", "../../examples/events.csv", "--user", "ghost", "-k", "2")
	if code != 0 || !strings.Contains(errOut, "ghost has no events") || !strings.Contains(out, "new") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// The order of every list has a basis the report shows: lists (stages)
// in order, and within a list scores never increase. Every shopper of the
// example log under every strategy, with and without the catalog. (The
// old report printed auto's scores without the list they came from, so
// a later row could show a higher score than an earlier one.)
func TestRecommendScoresFollowOrder(t *testing.T) {
	raw, err := os.ReadFile("../../examples/events.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "user_id")
	if col < 0 {
		t.Fatalf("no user_id column in %v", rows[0])
	}
	users := map[string]bool{"nobody": true}
	for _, r := range rows[1:] {
		if r[col] != "" {
			users[r[col]] = true
		}
	}
	staged := 0
	for _, st := range rank.StrategyNames() {
		for u := range users {
			for _, cat := range [][]string{nil, {"--catalog", "../../examples/catalog.csv"}} {
				args := append([]string{"recommend", "--events", "../../examples/events.csv", "--user", u, "--strategy", st, "-o", "json", "-q"}, cat...)
				code, out, errOut := runCmd(t, args...)
				if code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, errOut)
				}
				var rep struct {
					Recommendations []recItem `json:"recommendations"`
				}
				if err := json.Unmarshal([]byte(out), &rep); err != nil {
					t.Fatal(err)
				}
				recs := rep.Recommendations
				for i := 1; i < len(recs); i++ {
					a, b := recs[i-1], recs[i]
					if b.Stage < a.Stage || b.Stage > a.Stage+1 || (b.Stage == a.Stage && b.Score > a.Score) {
						t.Errorf("%s %s %v: rank %d (list %d, score %v) before rank %d (list %d, score %v)",
							st, u, cat, a.Rank, a.Stage, a.Score, b.Rank, b.Stage, b.Score)
					}
				}
				if len(recs) > 0 && (recs[0].Stage != 1) {
					t.Errorf("%s %s: first list numbered %d", st, u, recs[0].Stage)
				}
				if len(recs) > 0 && recs[len(recs)-1].Stage > 1 {
					staged++
				}
			}
		}
	}
	if staged == 0 {
		t.Error("no carousel drew on two lists: the test checks nothing of the basis")
	}
}

package sim

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// buildModelAddRaw is BuildModelWith as it was: every event's items added
// one by one through Builder.AddRaw.
func buildModelAddRaw(t *testing.T, data []byte, read events.Options) *rank.Model {
	t.Helper()
	b := rank.NewBuilder(rank.ModelConfig{})
	_, err := events.Each(context.Background(), bytes.NewReader(data), read, func(ev *events.Event) error {
		k := rank.KindOf(string(ev.Type))
		for _, id := range ev.ItemIDs {
			b.AddRaw(ev.UserID, ev.SessionID, id, k, ev.Time.UnixNano())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// BuildModel, which loads the log into columns and has the builder adopt
// them, must build the model AddRaw built: the same users in the same
// order, the same item graphs, the same histories and recommendations,
// on every test log (multi-item rows, sessions, anonymous users), the
// example log and a synthetic log put in time order.
func TestBuildModelMatchesAddRaw(t *testing.T) {
	logs := map[string][]byte{}
	dir := filepath.Join("..", "events", "testdata")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			logs[e.Name()] = data
		}
	}
	ex, err := os.ReadFile(filepath.Join("..", "..", "examples", "events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	logs["examples/events.csv"] = ex
	var syn bytes.Buffer
	if _, err := Synthetic(context.Background(), SyntheticOptions{Users: 300, Items: 80, Days: 10, Seed: 5,
		OrganicOnly: true, EmitEvents: &syn}); err != nil {
		t.Fatal(err)
	}
	logs["synthetic (user order)"] = syn.Bytes()
	logs["synthetic (time order)"] = timeOrdered(t, syn.Bytes())
	users := 0
	defer func() {
		if users < 300 {
			t.Errorf("only %d users compared", users)
		}
	}()
	for name, data := range logs {
		read := events.Options{}
		if name == "yoochoose_clicks.dat" || name == "yoochoose_buys.dat" {
			read.Preset = "yoochoose"
		}
		want := buildModelAddRaw(t, data, read)
		got, _, err := BuildModel(context.Background(), bytes.NewReader(data), read, rank.ModelConfig{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got.UserIDs(), want.UserIDs()) || !slices.Equal(got.ItemIDs(), want.ItemIDs()) {
			t.Fatalf("%s: users or items differ", name)
		}
		if !reflect.DeepEqual(got.Graphs(), want.Graphs()) {
			t.Fatalf("%s: graphs differ", name)
		}
		now := time.Unix(0, 0).Add(1 << 62)
		users += len(want.UserIDs())
		for _, u := range want.UserIDs() {
			if !reflect.DeepEqual(got.History(u), want.History(u)) {
				t.Fatalf("%s: user %s: histories differ", name, u)
			}
			for _, st := range []rank.Strategy{rank.SessionKNN, rank.Similar, rank.CrossSell, rank.Auto} {
				a, errA := got.Recommend(got.History(u), st, 10, now, rank.Options{})
				b, errB := want.Recommend(want.History(u), st, 10, now, rank.Options{})
				if !reflect.DeepEqual(a, b) || (errA == nil) != (errB == nil) {
					t.Fatalf("%s: user %s, %s: recommendations differ", name, u, st)
				}
			}
		}
	}
}

// timeOrdered returns a canonical CSV log with its rows in time order
// (stable), as most shops export them.
func timeOrdered(t *testing.T, data []byte) []byte {
	t.Helper()
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	head, rows := lines[0], lines[1:]
	slices.SortStableFunc(rows, func(a, b []byte) int {
		return bytes.Compare(a[:bytes.IndexByte(a, ',')], b[:bytes.IndexByte(b, ',')])
	})
	var out bytes.Buffer
	out.Write(head)
	for _, r := range rows {
		out.WriteByte('\n')
		out.Write(r)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

package sqltest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/dpa-tools/dpa/campaign/events"
	itemmodel "github.com/dpa-tools/dpa/campaign/model"
	"github.com/dpa-tools/dpa/campaign/rank"
	"github.com/dpa-tools/dpa/campaign/sim"
)

const repo = "../../.."

// toParquet rewrites a log as canonical Parquet (one item per row), the
// table the SQL runs on.
func toParquet(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Skip(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	w := events.NewWriter(events.ParquetOutput(out))
	_, err = events.Each(context.Background(), in, events.Options{}, func(ev *events.Event) error {
		for _, id := range ev.ItemIDs {
			one := *ev
			one.ItemIDs = []string{id}
			if err := w.Write(&one); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

func openParquet(t *testing.T, path string) *events.ParquetLog {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, _ := f.Stat()
	return &events.ParquetLog{Files: []events.ParquetFile{{Name: path, R: f, Size: fi.Size()}}}
}

func lines(rows []itemmodel.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		nb := "NULL"
		if r.Neighbour != nil {
			nb = *r.Neighbour
		}
		out[i] = fmt.Sprintf("%s\t%s\t%s\t%d", r.Graph, r.Item, nb, r.Count)
	}
	return out
}

func runSQL(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rs, err := db.Query(q)
	if err != nil {
		t.Fatalf("duckdb: %v\n%s", err, q)
	}
	defer rs.Close()
	var out []itemmodel.Row
	for rs.Next() {
		var r itemmodel.Row
		var nb sql.NullString
		if err := rs.Scan(&r.Graph, &r.Item, &nb, &r.Count); err != nil {
			t.Fatal(err)
		}
		if nb.Valid {
			s := nb.String
			r.Neighbour = &s
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return lines(out)
}

func diff(t *testing.T, name string, goRows, sqlRows []string) {
	t.Helper()
	if len(goRows) == 0 {
		t.Fatalf("%s: Go built no rows", name)
	}
	for i := 0; i < len(goRows) && i < len(sqlRows); i++ {
		if goRows[i] != sqlRows[i] {
			t.Fatalf("%s: row %d differs\n go  %q\n sql %q", name, i+1, goRows[i], sqlRows[i])
		}
	}
	if len(goRows) != len(sqlRows) {
		t.Fatalf("%s: go %d rows, sql %d rows", name, len(goRows), len(sqlRows))
	}
}

// The SQL that dpa model build --engine sql prints, run on DuckDB over the
// sample logs, gives byte for byte the table the Go builder writes with
// --all-pairs: for the whole log (recommend) and a replay's training window.
func TestSQLMatchesGoBuilder(t *testing.T) {
	real := filepath.Join(repo, "..", "shared", "data", "real")
	logs := map[string]string{
		"examples":   filepath.Join(repo, "examples", "events.csv"),
		"fixture":    filepath.Join(repo, "campaign", "events", "testdata", "canonical.csv"),
		"yoochoose":  filepath.Join(real, "yoochoose-100k", "yoochoose-clicks-100k_train_full.txt"),
		"diginetica": filepath.Join(real, "diginetica-sample", "sample_train-item-views.csv"),
		"rees46":     filepath.Join(real, "rees46-2019oct-sample", "2019-Oct-sample.csv"),
		"retail":     filepath.Join(real, "online-retail-uci-sample", "online_retail_sample.csv"),
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	for name, src := range logs {
		t.Run(name, func(t *testing.T) {
			pq := filepath.Join(dir, name+".parquet")
			toParquet(t, src, pq)
			view := "ev_" + name
			if _, err := db.Exec(`CREATE VIEW ` + view + ` AS SELECT user_id, session_id, event, item_id, "timestamp" AS ts FROM read_parquet('` + pq + `')`); err != nil {
				t.Fatal(err)
			}
			spec := itemmodel.SQLSpec{Dialect: "duckdb", Table: view, User: "user_id", Session: "session_id", Event: "event", Item: "item_id", Time: "ts"}

			cfg := rank.ModelConfig{AllPairs: true}
			m, _, err := sim.BuildModel(context.Background(), openParquet(t, pq), events.Options{}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			q, err := itemmodel.SQL(spec)
			if err != nil {
				t.Fatal(err)
			}
			goRows := lines(itemmodel.Rows(m.Graphs()))
			diff(t, "whole log", goRows, runSQL(t, db, q))

			// The result exported as Parquet is a --model artifact.
			out := filepath.Join(dir, name+"-model.parquet")
			if _, err := db.Exec("COPY (" + q + ") TO '" + out + "' (FORMAT PARQUET)"); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			fi, _ := f.Stat()
			g, meta, err := itemmodel.Read(f, fi.Size(), out)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if meta.Builder != "sql" || !meta.AllPairs {
				t.Errorf("meta of a warehouse export: %+v", meta)
			}
			diff(t, "exported artifact", goRows, lines(itemmodel.Rows(g)))

			lg, err := sim.LoadLog(context.Background(), openParquet(t, pq), events.Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, sp, err := sim.TrainModel(context.Background(), lg, sim.ReplayOptions{Model: cfg})
			if err != nil {
				t.Fatal(err)
			}
			spec.Split = sp.At
			q, _ = itemmodel.SQL(spec)
			if !strings.Contains(q, "WHERE t <") {
				t.Fatal("split not in the SQL")
			}
			diff(t, "replay window", lines(itemmodel.Rows(m.Graphs())), runSQL(t, db, q))
		})
	}
}

package events

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// stringsToParquet writes records (the first is the header) as a Parquet
// file of optional string columns, empty values as nulls, rowsPerGroup
// rows per row group.
func stringsToParquet(t testing.TB, records [][]string, rowsPerGroup int64) []byte {
	t.Helper()
	g := parquet.Group{}
	for _, name := range records[0] {
		g[name] = parquet.Optional(parquet.String())
	}
	schema := parquet.NewSchema("events", g)
	// Group fields are sorted by name; find each header's leaf index.
	leaf := make([]int, len(records[0]))
	for i, name := range records[0] {
		lc, _ := schema.Lookup(name)
		leaf[i] = lc.ColumnIndex
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema, parquet.MaxRowsPerRowGroup(rowsPerGroup), parquet.PageBufferSize(512))
	for _, rec := range records[1:] {
		row := make(parquet.Row, len(records[0]))
		for i := range records[0] {
			v := parquet.ValueOf(nil).Level(0, 0, leaf[i])
			if i < len(rec) && rec[i] != "" {
				v = parquet.ValueOf(rec[i]).Level(0, 1, leaf[i])
			}
			row[leaf[i]] = v
		}
		if _, err := w.WriteRows([]parquet.Row{row}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readCSVRecords(t testing.TB, path string, comma rune) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes = comma, -1, true
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func parquetLog(files ...[]byte) *ParquetLog {
	pl := &ParquetLog{}
	for i, b := range files {
		pl.Files = append(pl.Files, ParquetFile{Name: "part-" + string(rune('0'+i)) + ".parquet", R: bytes.NewReader(b), Size: int64(len(b))})
	}
	return pl
}

// sameRead compares what two readers produced, apart from line numbers
// (a Parquet row has no physical line) and the format.
func sameRead(t *testing.T, csvEvs, pqEvs []Event, csvSt, pqSt Stats) {
	t.Helper()
	if len(csvEvs) != len(pqEvs) {
		t.Fatalf("events: csv %d, parquet %d", len(csvEvs), len(pqEvs))
	}
	for i := range csvEvs {
		a, b := csvEvs[i], pqEvs[i]
		a.Line, b.Line = 0, 0
		if !a.Time.Equal(b.Time) {
			t.Fatalf("event %d time: csv %v parquet %v", i, a.Time, b.Time)
		}
		a.Time, b.Time = time.Time{}, time.Time{}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("event %d:\n csv     %+v\n parquet %+v", i, a, b)
		}
	}
	if csvSt.Rows != pqSt.Rows || csvSt.Events != pqSt.Events || csvSt.Preset != pqSt.Preset ||
		!reflect.DeepEqual(reasons(csvSt.Bad), reasons(pqSt.Bad)) ||
		!reflect.DeepEqual(reasons(csvSt.Skipped), reasons(pqSt.Skipped)) ||
		!reflect.DeepEqual(reasons(csvSt.Info), reasons(pqSt.Info)) ||
		!reflect.DeepEqual(csvSt.Columns, pqSt.Columns) || !reflect.DeepEqual(csvSt.Notes, pqSt.Notes) {
		t.Fatalf("stats differ:\n csv     %+v\n parquet %+v", csvSt, pqSt)
	}
	if pqSt.Format != FormatParquet {
		t.Errorf("format %q", pqSt.Format)
	}
}

// The same log as CSV and as Parquet reads to the same events with the same
// preset, column mapping and bad-row accounting: the fixtures (which hold
// bad rows of every reason) and the real samples, over several files.
func TestParquetSameAsCSV(t *testing.T) {
	type tc struct {
		path  string
		comma rune
		opts  Options
	}
	cases := []tc{
		{"testdata/canonical.csv", ',', Options{}},
		{"testdata/rees46.csv", ',', Options{}},
		{"testdata/retailrocket.csv", ',', Options{}},
		{"testdata/diginetica.csv", ';', Options{}},
		{"testdata/online_retail.csv", ',', Options{}},
		{"testdata/canonical.csv", ',', Options{Map: map[string]string{"value": "ignore"}, DefaultEvent: Purchase}},
	}
	if _, err := os.Stat(filepath.Join("..", "..", "..", "shared", "data", "real")); err == nil {
		dir := realDir(t)
		cases = append(cases,
			tc{filepath.Join(dir, "rees46-2019oct-sample/2019-Oct-sample.csv"), ',', Options{}},
			tc{filepath.Join(dir, "diginetica-sample/sample_train-item-views.csv"), ';', Options{}},
			tc{filepath.Join(dir, "online-retail-uci-sample/online_retail_sample.csv"), ',', Options{}})
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			raw, err := os.ReadFile(c.path)
			if err != nil {
				t.Skip(err)
			}
			csvEvs, csvSt := readAll(t, bytes.NewReader(raw), c.opts)
			recs := readCSVRecords(t, c.path, c.comma)
			// A short row (column_count) cannot exist in Parquet: drop it
			// from the Parquet copy and from the CSV's accounting.
			full := recs[:1]
			for _, r := range recs[1:] {
				if len(r) >= len(recs[0]) {
					full = append(full, r)
				}
			}
			recs = full
			for i, b := range csvSt.Bad {
				if b.Reason == ReasonColumnCount {
					csvSt.Rows -= b.Count
					csvSt.Bad = append(csvSt.Bad[:i:i], csvSt.Bad[i+1:]...)
					break
				}
			}
			// Split into three files of the same layout, several row
			// groups each, as a partitioned export.
			n := len(recs) - 1
			var files [][]byte
			for i, cut := range []int{0, n / 3, 2 * n / 3, n} {
				if i == 0 {
					continue
				}
				prev := []int{0, n / 3, 2 * n / 3}[i-1]
				part := append([][]string{recs[0]}, recs[1+prev:1+cut]...)
				files = append(files, stringsToParquet(t, part, 7))
			}
			pqEvs, pqSt := readAll(t, parquetLog(files...), c.opts)
			sameRead(t, csvEvs, pqEvs, csvSt, pqSt)
		})
	}
}

// The canonical writer's Parquet reads back to the events written, and to
// what its CSV reads back to.
func TestParquetWriterRoundTrip(t *testing.T) {
	raw, err := os.ReadFile("testdata/canonical.csv")
	if err != nil {
		t.Fatal(err)
	}
	in, _ := readAll(t, bytes.NewReader(raw), Options{})
	var csvBuf, pqBuf bytes.Buffer
	cw, pw := NewWriter(&csvBuf), NewWriter(ParquetOutput(&pqBuf))
	for i := range in {
		if err := cw.Write(&in[i]); err != nil {
			t.Fatal(err)
		}
		if err := pw.Write(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := cw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	if !IsParquet(pqBuf.Bytes()) {
		t.Fatal("ParquetOutput did not produce Parquet")
	}
	csvEvs, csvSt := readAll(t, &csvBuf, Options{})
	pqEvs, pqSt := readAll(t, parquetLog(pqBuf.Bytes()), Options{})
	sameRead(t, csvEvs, pqEvs, csvSt, pqSt)
	if len(pqEvs) != len(in) {
		t.Fatalf("%d events back, wrote %d", len(pqEvs), len(in))
	}
}

// Typed warehouse exports: TIMESTAMP(MICROS) and DATE columns, a LIST of
// content ids inside a struct (custom_data.content_ids), DECIMAL values.
func TestParquetTypedColumns(t *testing.T) {
	type custom struct {
		ContentIDs []string `parquet:"content_ids,list"`
		Value      int64    `parquet:"value,decimal(2:18)"`
		Currency   string   `parquet:"currency"`
	}
	type row struct {
		EventTime  int64  `parquet:"event_time,timestamp(microsecond)"`
		EventName  string `parquet:"event_name"`
		ExternalID string `parquet:"external_id,optional"`
		CustomData custom `parquet:"custom_data"`
	}
	rows := []row{
		{EventTime: 1709287200123456, EventName: "Purchase", ExternalID: "u1", CustomData: custom{ContentIDs: []string{"A", "B"}, Value: 1999, Currency: "eur"}},
		{EventTime: 1709287260000000, EventName: "ViewContent", ExternalID: "u2", CustomData: custom{ContentIDs: []string{"C"}}},
		{EventTime: 1709287260000000, EventName: "ViewContent", ExternalID: "", CustomData: custom{}},
		{EventTime: 1709287270000000, EventName: "teleport", ExternalID: "u3", CustomData: custom{ContentIDs: []string{"D"}}},
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	evs, st := readAll(t, parquetLog(buf.Bytes()), Options{Map: map[string]string{"event_name": "event"}})
	if len(evs) != 2 || st.Rows != 4 {
		t.Fatalf("events %d rows %d: %+v", len(evs), st.Rows, st)
	}
	want := Event{Time: time.Date(2024, 3, 1, 10, 0, 0, 123456000, time.UTC), UserID: "u1", Type: Purchase,
		ItemIDs: []string{"A", "B"}, Value: 19.99, Currency: "EUR", Line: 1}
	if !reflect.DeepEqual(evs[0], want) {
		t.Errorf("event 0\n got %+v\nwant %+v", evs[0], want)
	}
	if got := reasons(st.Bad); !reflect.DeepEqual(got, map[string]int{ReasonEmptyItem: 1, ReasonUnknownEvent: 1}) {
		t.Errorf("bad = %v", st.Bad)
	}
	if st.Bad[0].Examples[0].Line != 3 || st.Bad[1].Examples[0].Line != 4 {
		t.Errorf("bad rows should name their row numbers: %+v", st.Bad)
	}
	if st.Columns[ColItemID] != "custom_data.content_ids" || st.Columns[ColUserID] != "external_id" {
		t.Errorf("columns %v", st.Columns)
	}
}

func TestParquetErrors(t *testing.T) {
	good := stringsToParquet(t, [][]string{{"timestamp", "user_id", "event", "item_id"}, {"2024-01-01", "u", "view", "A"}}, 10)
	other := stringsToParquet(t, [][]string{{"timestamp", "visitor", "event", "item_id"}, {"2024-01-01", "u", "view", "A"}}, 10)
	ctx := context.Background()
	_, err := Each(ctx, parquetLog(good, other), Options{}, func(*Event) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "part-1.parquet") || !strings.Contains(err.Error(), `"user_id"`) {
		t.Errorf("a partition without a bound column: %v", err)
	}
	_, err = Each(ctx, parquetLog([]byte("PAR1 not really")), Options{}, func(*Event) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "part-0.parquet") {
		t.Errorf("corrupt file: %v", err)
	}
	_, err = Each(ctx, bytes.NewReader(good), Options{}, func(*Event) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "random access") {
		t.Errorf("Parquet as a stream: %v", err)
	}
	noItem := stringsToParquet(t, [][]string{{"timestamp", "user_id"}, {"2024-01-01", "u"}}, 10)
	_, err = Each(ctx, parquetLog(noItem), Options{}, func(*Event) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "no item_id column") {
		t.Errorf("missing column: %v", err)
	}
}

// Sparse optional columns over several write batches read back as written
// (non-pointer optional fields lost nulls in parquet-go v0.32.1).
func TestParquetWriterNulls(t *testing.T) {
	var in []Event
	base := ts("2024-01-01T00:00:00Z")
	for i := 0; i < 12000; i++ {
		ev := Event{Time: base.Add(time.Duration(i) * time.Second), UserID: "u" + strconv.Itoa(i%97), Type: ViewContent, ItemIDs: []string{"I" + strconv.Itoa(i%311)}}
		if i%37 == 0 {
			ev.Type, ev.Value, ev.Currency, ev.Quantity = Purchase, float64(i)/100, "EUR", 1+i%3
		}
		if i%5 != 0 {
			ev.SessionID = "s" + strconv.Itoa(i/10)
		}
		in = append(in, ev)
	}
	var buf bytes.Buffer
	w := NewWriter(ParquetOutput(&buf))
	var ev Event
	for i := range in {
		ev = in[i] // one reused variable, as the simulator writes
		if err := w.Write(&ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out, st := readAll(t, parquetLog(buf.Bytes()), Options{})
	if st.Rows != len(in) || len(out) != len(in) {
		t.Fatalf("%d events from %d rows, wrote %d: %+v", len(out), st.Rows, len(in), st)
	}
	for i := range in {
		out[i].Line = 0
		if !reflect.DeepEqual(out[i], in[i]) {
			t.Fatalf("event %d\n got %+v\nwant %+v", i, out[i], in[i])
		}
	}
}

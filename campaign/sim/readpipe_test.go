package sim

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
	"github.com/dpa-tools/dpa/campaign/rank"
)

// pipeLog is a canonical log of n rows, a few MiB for large n (the block
// reader's blocks are 512 KiB): repeated users and sessions, searches
// with and without items, rows with several items, quoted ids over
// several lines, \r\n endings and bad rows.
func pipeLog(n int, seed int64) []byte {
	rng := rand.New(rand.NewSource(seed))
	var b bytes.Buffer
	b.WriteString("timestamp,user_id,session_id,event,item_id,value,currency,quantity\n")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	kinds := []string{"view", "view", "view", "cart", "purchase", "search", "checkout", "remove_from_cart"}
	for i := 0; i < n; i++ {
		t := base.Add(time.Duration(rng.Intn(1e6)) * time.Second).Format(time.RFC3339)
		u := fmt.Sprintf("u%05d", rng.Intn(3000))
		s := ""
		if rng.Intn(2) == 0 {
			s = u + "-" + fmt.Sprint(rng.Intn(3))
		}
		k := kinds[rng.Intn(len(kinds))]
		item := fmt.Sprintf("SKU-%04d", rng.Intn(5000))
		switch rng.Intn(40) {
		case 0:
			item = ""
		case 1:
			item = `"SKU-1,SKU-2|SKU-3"`
		case 2:
			item = "\"SKU\n-9\""
		case 3:
			t = "garbage"
		case 4:
			u = ""
		}
		end := "\n"
		if rng.Intn(7) == 0 {
			end = "\r\n"
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,,,%s", t, u, s, k, item, end)
	}
	return b.Bytes()
}

// seqRows is the reference: the rows LoadLog keeps, from the sequential
// reader.
func seqRows(t *testing.T, data []byte, opts events.Options) ([]loadRow, events.Stats, error) {
	t.Helper()
	rd, err := events.NewReader(bytes.NewReader(data), opts)
	if err != nil {
		return nil, events.Stats{}, err
	}
	defer rd.Close()
	var rows []loadRow
	for {
		ev, err := rd.Read()
		if err == io.EOF {
			return rows, rd.Stats(), nil
		}
		if err != nil {
			return rows, rd.Stats(), err
		}
		k := rank.KindOf(string(ev.Type))
		if k == rank.KindSearch && len(ev.ItemIDs) == 0 {
			continue
		}
		rows = append(rows, loadRow{t: ev.Time.UnixNano(), kind: k, user: ev.UserID, sess: ev.SessionID, items: ev.ItemIDs})
	}
}

// pipeRowsOf reads with eachRow, copying the rows out (their ids are
// valid during the call only).
func pipeRowsOf(data []byte, opts events.Options) ([]loadRow, events.Stats, error) {
	var rows []loadRow
	st, err := eachRow(context.Background(), bytes.NewReader(data), opts, func(r *loadRow) error {
		c := loadRow{t: r.t, kind: r.kind, user: strings.Clone(r.user), sess: strings.Clone(r.sess)}
		for _, id := range r.items {
			c.items = append(c.items, strings.Clone(id))
		}
		rows = append(rows, c)
		return nil
	})
	return rows, st, err
}

func statsJSON(st events.Stats) string {
	b, _ := json.Marshal(st)
	return string(b)
}

// TestEachRowSame: eachRow hands LoadLog the rows, in order, and the
// Stats that the sequential reader gives, for a delimited log of several
// blocks (plain and gzip, read in blocks on several goroutines) and for
// JSON Lines (read sequentially).
func TestEachRowSame(t *testing.T) {
	csv := pipeLog(40000, 1)
	if len(csv) < 2<<20 {
		t.Fatalf("log of %d bytes: fewer blocks than meant", len(csv))
	}
	var jl bytes.Buffer
	enc := json.NewEncoder(&jl)
	if _, err := events.Each(context.Background(), bytes.NewReader(pipeLog(3000, 2)), events.Options{}, func(ev *events.Event) error {
		return enc.Encode(ev)
	}); err != nil {
		t.Fatal(err)
	}
	jl.WriteString("{not json\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(csv)
	zw.Close()
	for name, data := range map[string][]byte{"csv": csv, "gzip": gz.Bytes(), "jsonl": jl.Bytes(), "tsv": bytes.ReplaceAll(csv, []byte(","), []byte("\t"))} {
		want, wst, werr := seqRows(t, data, events.Options{MaxExamples: 3})
		got, gst, gerr := pipeRowsOf(data, events.Options{MaxExamples: 3})
		if len(want) < 2000 || werr != nil {
			t.Fatalf("%s: the reference read %d rows: %v", name, len(want), werr)
		}
		if fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Errorf("%s: err %v, want %v", name, gerr, werr)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, want %d", name, len(got), len(want))
			continue
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%s: row %d = %+v, want %+v", name, i, got[i], want[i])
				break
			}
		}
		if g, w := statsJSON(gst), statsJSON(wst); g != w {
			t.Errorf("%s: stats\n got %s\nwant %s", name, g, w)
		}
	}
}

// endlessLog is a canonical log that never ends.
type endlessLog struct{ n int64 }

func (e *endlessLog) Read(p []byte) (int, error) {
	const head = "timestamp,user_id,session_id,event,item_id\n"
	const row = "2024-01-01T00:00:00Z,u1,s1,view,SKU-1\n"
	k := 0
	for k < len(p) {
		var src string
		if e.n < int64(len(head)) {
			src = head[e.n:]
		} else {
			src = row[(e.n-int64(len(head)))%int64(len(row)):]
		}
		c := copy(p[k:], src)
		k += c
		e.n += int64(c)
	}
	return k, nil
}

// TestEachRowStops: a cancelled load returns within a second, and fn's
// error at once, leaving no goroutine behind.
func TestEachRowStops(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err := eachRow(ctx, &endlessLog{}, events.Options{}, func(*loadRow) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the context's", err)
	}
	if took := time.Since(t0); took > 1200*time.Millisecond {
		t.Errorf("returned after %v", took)
	}
	boom := errors.New("boom")
	n := 0
	_, err = eachRow(context.Background(), &endlessLog{}, events.Options{}, func(*loadRow) error {
		if n++; n == 50000 {
			return boom
		}
		return nil
	})
	if err != boom || n != 50000 {
		t.Errorf("err %v after %d rows, want %v after 50000", err, n, boom)
	}
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want %d", runtime.NumGoroutine(), base)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

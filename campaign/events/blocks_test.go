package events

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/feed/limit"
)

// The block reader (blocks.go) must read every log exactly as the
// sequential reader (NewReader, then Read until io.EOF) does: the same
// events, Stats (counts, first examples, times, columns) and errors. These
// tests run both on the same inputs, with blocks shrunk to a few bytes so
// that records, quoted fields over several lines and line endings fall
// across block boundaries.

// readResult is what a read gave, comparable with sameResult.
type readResult struct {
	evs    []Event
	st     Stats
	err    string
	tooBig bool // err wraps limit.ErrTooLarge
}

var errStop = errors.New("stop")

func newResult(evs []Event, st Stats, err error) readResult {
	r := readResult{evs: evs, st: st}
	if err != nil {
		r.err, r.tooBig = err.Error(), errors.Is(err, limit.ErrTooLarge)
	}
	return r
}

// readSeq is the reference: the sequential reader, stopping as Each's fn
// returning errStop does after stop events (0: never).
func readSeq(data []byte, opts Options, stop int) readResult {
	rd, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		return newResult(nil, Stats{}, err)
	}
	defer rd.Close()
	var evs []Event
	for {
		ev, err := rd.Read()
		if err == io.EOF {
			return newResult(evs, rd.Stats(), nil)
		}
		if err != nil {
			return newResult(evs, rd.Stats(), err)
		}
		evs = append(evs, ev)
		if len(evs) == stop {
			return newResult(evs, rd.Stats(), errStop)
		}
	}
}

// readEach reads with Each (blocks whose strings stay valid).
func readEach(data []byte, opts Options, stop int) readResult {
	var evs []Event
	st, err := Each(context.Background(), bytes.NewReader(data), opts, func(ev *Event) error {
		evs = append(evs, *ev)
		if len(evs) == stop {
			return errStop
		}
		return nil
	})
	return newResult(evs, st, err)
}

// readBatch reads with EachBatch (recycled blocks: the events are copied
// out as a caller must).
func readBatch(data []byte, opts Options) readResult {
	type batch struct{ evs []Event }
	var evs []Event
	st, err := EachBatch(context.Background(), bytes.NewReader(data), opts, Batches[*batch]{
		New: func() *batch { return &batch{} },
		Add: func(b *batch, ev *Event) {
			e := *ev
			e.UserID, e.SessionID, e.Currency = strings.Clone(e.UserID), strings.Clone(e.SessionID), strings.Clone(e.Currency)
			if e.ItemIDs != nil {
				e.ItemIDs = make([]string, len(ev.ItemIDs))
				for i, id := range ev.ItemIDs {
					e.ItemIDs[i] = strings.Clone(id)
				}
			}
			b.evs = append(b.evs, e)
		},
		Use: func(b *batch) error { evs = append(evs, b.evs...); return nil },
	})
	return newResult(evs, st, err)
}

// sameTime compares instants and their zones (Stats print both).
func sameTime(a, b time.Time) bool {
	an, ao := a.Zone()
	bn, bo := b.Zone()
	return a.Equal(b) && an == bn && ao == bo
}

// diffResult describes how got differs from want ("" when it does not).
func diffResult(got, want readResult) string {
	if got.err != want.err || got.tooBig != want.tooBig {
		return fmt.Sprintf("error %q (too large %v), want %q (%v)", got.err, got.tooBig, want.err, want.tooBig)
	}
	if len(got.evs) != len(want.evs) {
		return fmt.Sprintf("%d events, want %d", len(got.evs), len(want.evs))
	}
	for i := range got.evs {
		g, w := got.evs[i], want.evs[i]
		if !sameTime(g.Time, w.Time) {
			return fmt.Sprintf("event %d: time %v, want %v", i, g.Time, w.Time)
		}
		g.Time, w.Time = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			return fmt.Sprintf("event %d:\n got %#v\nwant %#v", i, g, w)
		}
	}
	g, w := got.st, want.st
	if !sameTime(g.MinTime, w.MinTime) || !sameTime(g.MaxTime, w.MaxTime) {
		return fmt.Sprintf("times %v..%v, want %v..%v", g.MinTime, g.MaxTime, w.MinTime, w.MaxTime)
	}
	g.MinTime, g.MaxTime, w.MinTime, w.MaxTime = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		return fmt.Sprintf("stats:\n got %+v\nwant %+v", g, w)
	}
	return ""
}

// withBlocks runs fn with blockSize and blockWorkers set.
func withBlocks(size, workers int, fn func()) {
	s, w := blockSize, blockWorkers
	blockSize, blockWorkers = size, workers
	defer func() { blockSize, blockWorkers = s, w }()
	fn()
}

// blockSizes are the sizes the equivalence tests try: a few bytes (most
// records cross a boundary, long ones go to the sequential reader), some
// records a block, and the default.
var blockSizes = []int{7, 16, 33, 64, 100, 257, 1000, 4096, 512 << 10}

// checkSame reads data with the sequential reader and the block reader
// (Each and EachBatch, several block sizes and worker counts) and fails
// on any difference.
func checkSame(t *testing.T, name string, data []byte, opts Options) {
	t.Helper()
	want := readSeq(data, opts, 0)
	for _, size := range blockSizes {
		for _, workers := range []int{1, 3} {
			withBlocks(size, workers, func() {
				if d := diffResult(readEach(data, opts, 0), want); d != "" {
					t.Errorf("%s: Each, blocks of %d, %d workers: %s", name, size, workers, d)
				}
				if d := diffResult(readBatch(data, opts), want); d != "" {
					t.Errorf("%s: EachBatch, blocks of %d, %d workers: %s", name, size, workers, d)
				}
			})
		}
	}
}

func gzipped(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// testLogs returns the logs of the repository's test data: the readers'
// fixtures, and files that are no event logs (feeds, hostile inputs) read
// as headerless logs so that their bodies are parsed all the same.
func testLogs(t *testing.T) map[string][]byte {
	t.Helper()
	var paths []string
	for _, pat := range []string{"testdata/*", "../sim/testdata/*", "../../examples/*.csv",
		"../../feed/testdata/hostile/*.csv", "../../feed/testdata/hostile/*.gz", "../../feed/testdata/read/*.csv*"} {
		m, _ := filepath.Glob(pat)
		paths = append(paths, m...)
	}
	logs := map[string][]byte{}
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		logs[p] = b
	}
	if len(logs) < 20 {
		t.Fatalf("only %d test logs found", len(logs))
	}
	return logs
}

func TestBlocksTestdata(t *testing.T) {
	headerless := Options{Columns: []string{"timestamp", "user_id", "event", "item_id", "value"}, DefaultEvent: ViewContent}
	for name, data := range testLogs(t) {
		checkSame(t, name, data, Options{})
		checkSame(t, name+" (headerless)", data, headerless)
		checkSame(t, name+" (1 example)", data, Options{MaxExamples: 1})
		if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			checkSame(t, name+" (gzip)", gzipped(data), Options{})
		}
	}
}

// genRows returns n random records of the canonical layout (delimiter
// comma): good rows and every kind of bad, skipped and adjusted row,
// quoted fields with delimiters, escaped quotes and newlines, literal
// quotes, blank lines, \r\n and lone \r, repeated headers, equal instants
// written in different zones (Stats keep the first), and now and then a
// field longer than a small block.
func genRows(rng *rand.Rand, n int, comma byte) []byte {
	header := "timestamp,user_id,session_id,event,item_id,value,currency,quantity"
	var b bytes.Buffer
	c := string(comma)
	put := func(fields ...string) {
		b.WriteString(strings.Join(fields, c))
		switch rng.Intn(6) {
		case 0:
			b.WriteString("\r\n")
		default:
			b.WriteString("\n")
		}
	}
	b.WriteString(strings.ReplaceAll(header, ",", c) + "\n")
	times := []string{"2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", "1704067200", "2024-06-01 10:00:00 UTC",
		"2024-12-31T23:00:00Z", "2025-01-01T00:00:00+01:00", "2024-03-01T12:00:00+01:00", "2024-03-01"}
	events := []string{"view", "ViewContent", "cart", "purchase", "search", "remove_from_cart", "zap", "", "checkout"}
	for i := 0; i < n; i++ {
		tm := times[rng.Intn(len(times))]
		user := fmt.Sprintf("u%d", rng.Intn(20))
		sess := ""
		if rng.Intn(3) == 0 {
			sess = fmt.Sprintf("s%d", rng.Intn(9))
		}
		ev := events[rng.Intn(len(events))]
		item := fmt.Sprintf("SKU-%d", rng.Intn(50))
		value, cur, qty := "", "", ""
		switch rng.Intn(30) {
		case 0:
			tm = "not-a-time"
		case 1:
			tm = "9999-01-01T00:00:00Z"
		case 2:
			user, sess = "", ""
		case 3:
			user = "NA"
		case 4:
			item = ""
		case 5:
			qty = "x"
		case 6:
			qty = "-1"
		case 7:
			value = "abc"
		case 8:
			value, cur, qty = "19.99", "usd", "2"
		case 9:
			put(tm, user) // too few fields
			continue
		case 10:
			put(strings.Split(header, ",")...) // a repeated header
			continue
		case 11:
			b.WriteString("\n")
			continue
		case 12:
			b.WriteString("\r\n\r\n")
			continue
		case 13:
			b.WriteString("\r\n")
			continue
		case 14:
			item = `"SKU-1` + c + `SKU-2"` // two ids, quoted
		case 15:
			item = `"SKU` + "\n" + `-9"` // a newline in quotes
		case 16:
			item = `"SKU""7"` // an escaped quote
		case 17:
			user = `"u` + "\r\n" + `x"` // \r\n in quotes: read as \n
		case 18:
			item = `SK"U-3` // a literal quote
		case 19:
			item = `"` + strings.Repeat("L", 40+rng.Intn(400)) + `"`
		case 20:
			user = `"multi` + "\n\n" + `line` + c + `user"` // a blank line in quotes
		case 21:
			item = `"A"x"B"` // a quote closed mid-field, then literal
		case 22:
			tm = `"` + tm + `"`
		case 23:
			item = `""` // empty quoted
		case 24:
			ev = `"` + "Add To Cart" + `"`
		case 25:
			item = "\r" // a lone \r field
		case 26:
			value = "12.5 EUR"
		}
		put(tm, user, sess, ev, item, value, cur, qty)
	}
	switch rng.Intn(5) {
	case 0: // the last record without its newline
		b.Truncate(b.Len() - 1)
		if b.Len() > 0 && b.Bytes()[b.Len()-1] == '\r' {
			b.Truncate(b.Len() - 1)
		}
	case 1: // an unterminated quote at the end
		b.WriteString("2024-01-01T00:00:00Z" + c + "u1" + c + c + "view" + c + `"SKU` + "\nrest")
	case 2:
		b.WriteString("2024-01-01T00:00:00Z" + c + "u1" + c + c + "view" + c + `"SKU` + "\n")
	}
	return b.Bytes()
}

func TestBlocksGenerated(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 12; i++ {
		comma := byte(',')
		if i%4 == 3 {
			comma = '\t'
		}
		data := genRows(rng, 300, comma)
		name := fmt.Sprintf("log %d", i)
		checkSame(t, name, data, Options{MaxExamples: 1 + i%3})
		if i%3 == 0 {
			checkSame(t, name+" (BOM)", append([]byte{0xEF, 0xBB, 0xBF}, data...), Options{})
			checkSame(t, name+" (gzip)", gzipped(data), Options{})
		}
	}
}

// TestBlocksRandom is fuzz-style: random logs, block sizes, worker counts
// and options against the sequential reader.
func TestBlocksRandom(t *testing.T) {
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	rounds := 300
	if testing.Short() {
		rounds = 60
	}
	for i := 0; i < rounds; i++ {
		comma := byte(",;\t|"[rng.Intn(4)])
		data := genRows(rng, 1+rng.Intn(200), comma)
		opts := Options{MaxExamples: 1 + rng.Intn(4)}
		switch rng.Intn(6) {
		case 0:
			opts.MaxRecordBytes = int64(50 + rng.Intn(300))
		case 1:
			opts.MaxRecordBytes = -1
		case 2: // headerless: the header is a bad row, read with the header
			opts.Columns = []string{"timestamp", "user_id", "session_id", "event", "item_id", "value", "currency", "quantity"}
		}
		if rng.Intn(8) == 0 {
			data = append([]byte{0xEF, 0xBB, 0xBF}, data...)
		}
		if rng.Intn(8) == 0 {
			data = gzipped(data)
		}
		size, workers := 1+rng.Intn(600), 1+rng.Intn(4)
		want := readSeq(data, opts, 0)
		withBlocks(size, workers, func() {
			if d := diffResult(readEach(data, opts, 0), want); d != "" {
				t.Fatalf("seed %d round %d: Each, blocks of %d, %d workers, %+v: %s\nlog:\n%q", seed, i, size, workers, opts, d, data)
			}
			if d := diffResult(readBatch(data, opts), want); d != "" {
				t.Fatalf("seed %d round %d: EachBatch, blocks of %d, %d workers, %+v: %s\nlog:\n%q", seed, i, size, workers, opts, d, data)
			}
			// fn's error: Each stops there, with the sequential reader's
			// Stats at that event.
			if n := len(want.evs); n > 0 && want.err == "" {
				stop := 1 + rng.Intn(n)
				if d := diffResult(readEach(data, opts, stop), readSeq(data, opts, stop)); d != "" {
					t.Fatalf("seed %d round %d: Each stopped at event %d, blocks of %d: %s", seed, i, stop, size, d)
				}
			}
		})
	}
}

// TestBlocksEdges covers what falls back to the sequential reader (records
// longer than a block, the record limit, read errors) and the framing
// rules one at a time.
func TestBlocksEdges(t *testing.T) {
	row := "2026-11-10T08:10:34Z,u1,s1,ViewContent,SKU-1,,,\n"
	long := strings.Repeat("x", 3000)
	var trunc []byte
	{
		gz := gzipped([]byte(limitHeader + strings.Repeat(row, 400)))
		trunc = gz[:len(gz)*2/3]
	}
	cases := []struct {
		name string
		log  []byte
		opts Options
	}{
		{"header only", []byte(limitHeader), Options{}},
		{"header only, no newline", []byte(strings.TrimSuffix(limitHeader, "\n")), Options{}},
		{"blank lines only", []byte(limitHeader + "\n\n\r\n\n"), Options{}},
		{"no final newline", []byte(limitHeader + row + strings.TrimSuffix(row, "\n")), Options{}},
		{"final lone CR", []byte(limitHeader + row + strings.TrimSuffix(row, "\n") + "\r"), Options{}},
		{"CRLF", []byte(strings.ReplaceAll(limitHeader+row+row+"\n"+row, "\n", "\r\n")), Options{}},
		{"unterminated quote at EOF", []byte(limitHeader + row + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"SKU\n\n" + row), Options{}},
		{"unterminated quote after newline", []byte(limitHeader + row + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"SKU\n"), Options{}},
		{"quote at EOF", []byte(limitHeader + row + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"SKU\""), Options{}},
		{"escaped quote before newline", []byte(limitHeader + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"a\"\"\n\"\"b\",,,\n" + row), Options{}},
		{"quote closing then newline", []byte(limitHeader + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"a\"\n\"b,c\",,,\n" + row), Options{}},
		{"record over the limit", []byte(limitHeader + row + "2026-11-10T08:10:34Z,u1,s1,ViewContent," + long + ",,,\n" + row), Options{MaxRecordBytes: 2000}},
		{"stray quote over the limit", []byte(limitHeader + row + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"" + long + "\n" + strings.Repeat(row, 50)), Options{MaxRecordBytes: 2000}},
		{"stray quote over the limit, later lines", []byte(limitHeader + row + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"SKU\n" + strings.Repeat(row, 100)), Options{MaxRecordBytes: 2000}},
		{"long record, no limit", []byte(limitHeader + row + "2026-11-10T08:10:34Z,u1,s1,ViewContent," + long + ",,,\n" + row), Options{MaxRecordBytes: -1}},
		{"long quoted record within the limit", []byte(limitHeader + row + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"" + long + "\n" + long + "\",,,\n" + strings.Repeat(row, 30)), Options{}},
		{"truncated gzip", trunc, Options{}},
		{"BOM and CRLF", append([]byte{0xEF, 0xBB, 0xBF}, strings.ReplaceAll(limitHeader+row+row, "\n", "\r\n")...), Options{}},
		{"repeated headers", []byte(limitHeader + row + limitHeader + row + " timestamp , user_id,session_id,event,item_id,value,currency,quantity\n" + row), Options{}},
		{"headerless pending", []byte(row + row + "bad,row\n" + row), Options{Columns: strings.Split(strings.TrimSpace(limitHeader), ",")}},
		{"headerless bad pending", []byte("bad,row\n" + row), Options{Columns: strings.Split(strings.TrimSpace(limitHeader), ",")}},
		{"yoochoose", []byte("1,2014-04-07T10:51:09.277Z,214536502,0\n1,2014-04-07T10:54:09.868Z,214536500,0\n"), Options{}},
		{"preset and map", []byte("When;Who;What;Item\n2024-01-02T03:04:05Z;\"u;1\";cart;\"X\n1\"\n2024-01-02T03:04:06Z;u2;view;\"Y\"\"2\"\n"),
			Options{Map: map[string]string{"When": "timestamp", "Who": "user_id", "What": "event", "Item": "item_id"}}},
		{"rees46 preset", []byte("event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n" +
			"2019-10-01 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,541312140,72d76fde-8bb3-4e00-8c23-a032dfed738c\n"), Options{Preset: "rees46"}},
		{"equal instants in other zones", []byte(limitHeader +
			"2024-01-01T01:00:00+01:00,u1,,view,A,,,\n2024-01-01T00:00:00Z,u1,,view,A,,,\n2024-01-01T02:00:00+02:00,u1,,view,A,,,\n" +
			"2024-01-02T00:00:00Z,u1,,view,A,,,\n2024-01-02T01:00:00+01:00,u1,,view,A,,,\n"), Options{}},
	}
	for _, tc := range cases {
		checkSame(t, tc.name, tc.log, tc.opts)
	}
	// The record limit's error is still the one reported.
	withBlocks(64, 2, func() {
		r := readEach(cases[11].log, cases[11].opts, 0)
		if !r.tooBig || !strings.Contains(r.err, "line 3") {
			t.Errorf("record over the limit: %q", r.err)
		}
		if r := readEach(trunc, Options{}, 0); !strings.Contains(r.err, "unexpected EOF") || len(r.evs) == 0 {
			t.Errorf("truncated gzip: %d events, %q", len(r.evs), r.err)
		}
	})
}

// lastCutRef is lastCut the slow way: parseQuoted's state machine over
// every byte.
func lastCutRef(b []byte, comma byte) int {
	cut, inQ, fieldStart := 0, false, true
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inQ:
			if c == '"' {
				if i+1 < len(b) && b[i+1] == '"' {
					i++
				} else {
					inQ = false
				}
			}
			fieldStart = false
		case c == '\n':
			cut, fieldStart = i+1, true
		case c == comma:
			fieldStart = true
		case c == '"' && fieldStart:
			inQ, fieldStart = true, false
		default:
			fieldStart = false
		}
	}
	return cut
}

func TestLastCut(t *testing.T) {
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	alphabet := []byte("\"\"\",\n\rab;")
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.Intn(40))
		for j := range b {
			b[j] = alphabet[rng.Intn(len(alphabet))]
		}
		for _, comma := range []byte{',', ';'} {
			if got, want := lastCut(b, bytes.IndexByte(b, '"'), comma), lastCutRef(b, comma); got != want {
				t.Fatalf("lastCut(%q, %q) = %d, want %d", b, comma, got, want)
			}
		}
	}
}

// waitGoroutines fails unless the goroutines are back to n within a
// second.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBlocksCancel: a cancelled read returns promptly, reads no further
// and leaves no goroutine behind, whether the consumer keeps up or not;
// so does a consumer's error.
func TestBlocksCancel(t *testing.T) {
	endless := func() *genLog { return &genLog{head: limitHeader, body: limitRow, size: 1 << 40} }
	type batch struct{ n int }
	slow := Batches[*batch]{
		New: func() *batch { return &batch{} },
		Add: func(b *batch, ev *Event) { b.n++ },
		Use: func(*batch) error { time.Sleep(20 * time.Millisecond); return nil },
	}
	fast := slow
	fast.Use = func(*batch) error { return nil }
	for _, tc := range []struct {
		name string
		read func(ctx context.Context, g *genLog) error
	}{
		{"Each", func(ctx context.Context, g *genLog) error {
			_, err := Each(ctx, g, Options{}, func(*Event) error { return nil })
			return err
		}},
		{"Each, slow fn", func(ctx context.Context, g *genLog) error {
			n := 0
			_, err := Each(ctx, g, Options{}, func(*Event) error {
				if n++; n%5 == 0 {
					time.Sleep(time.Millisecond) // a block takes over a second
				}
				return nil
			})
			return err
		}},
		{"EachBatch", func(ctx context.Context, g *genLog) error {
			_, err := EachBatch(ctx, g, Options{}, fast)
			return err
		}},
		{"EachBatch, slow Use", func(ctx context.Context, g *genLog) error {
			_, err := EachBatch(ctx, g, Options{}, slow)
			return err
		}},
		{"EachBatch, JSON Lines", func(ctx context.Context, g *genLog) error {
			g.head, g.body = "", `{"timestamp":"2026-11-10T08:10:34Z","user_id":"u1","event":"view","item_id":"a"}`+"\n"
			_, err := EachBatch(ctx, g, Options{}, slow)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			g := endless()
			t0 := time.Now()
			err := tc.read(ctx, g)
			if took := time.Since(t0); took > 1200*time.Millisecond {
				t.Errorf("returned %v after the start, %v after the cancellation", took, took-200*time.Millisecond)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err %v, want the context's", err)
			}
			n := g.n
			time.Sleep(50 * time.Millisecond)
			if g.n != n {
				t.Error("still reading after the return")
			}
			waitGoroutines(t, base)
		})
	}
	t.Run("consumer error", func(t *testing.T) {
		base := runtime.NumGoroutine()
		boom := errors.New("boom")
		g := endless()
		uses := 0
		_, err := EachBatch(context.Background(), g, Options{}, Batches[*batch]{
			New: slow.New, Add: slow.Add,
			Use: func(*batch) error {
				if uses++; uses == 3 {
					return boom
				}
				return nil
			},
		})
		if err != boom {
			t.Errorf("err %v, want %v", err, boom)
		}
		if g.n > 20*int64(blockSize) {
			t.Errorf("read %d MiB past the error", g.n>>20)
		}
		waitGoroutines(t, base)
		g = endless()
		k := 0
		_, err = Each(context.Background(), g, Options{}, func(*Event) error {
			if k++; k == 100000 {
				return boom
			}
			return nil
		})
		if err != boom || k != 100000 {
			t.Errorf("Each: err %v after %d events", err, k)
		}
		waitGoroutines(t, base)
	})
}

// TestBlocksMemory: the blocks in flight are bounded, whatever the log's
// size (the read does not run ahead of a slow consumer).
func TestBlocksMemory(t *testing.T) {
	g := &genLog{head: limitHeader, body: limitRow, size: 1 << 40}
	type batch struct{}
	uses := 0
	_, err := EachBatch(context.Background(), g, Options{}, Batches[*batch]{
		New: func() *batch { return &batch{} },
		Add: func(*batch, *Event) {},
		Use: func(*batch) error {
			if uses++; uses == 10 {
				return errStop
			}
			time.Sleep(5 * time.Millisecond)
			return nil
		},
	})
	if err != errStop {
		t.Fatal(err)
	}
	if limit := int64(10+2*(2*runtime.GOMAXPROCS(0)+3)) * int64(blockSize); g.n > limit {
		t.Errorf("read %d KiB for 10 blocks of %d KiB", g.n>>10, blockSize>>10)
	}
}

func TestAppendIDs(t *testing.T) {
	for _, s := range []string{"", " ", "NA", "null", "a", " a ", "a,b", "[\"a\",\"b\"]", "a|b;c", "'a'", "[]", ",,", "é,ü", "\xff", "a b"} {
		got, want := appendIDs(nil, s), splitIDs(s)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("appendIDs(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestBlocksRealSamples: the public datasets' samples, when present.
func TestBlocksRealSamples(t *testing.T) {
	dir := realDir(t)
	for _, p := range []string{"rees46-2019oct-sample/2019-Oct-sample.csv", "yoochoose-100k/yoochoose-clicks-100k_train_full.txt",
		"diginetica-sample/sample_train-item-views.csv", "online-retail-uci-sample/online_retail_sample.csv"} {
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Log(err)
			continue
		}
		want := readSeq(data, Options{}, 0)
		for _, size := range []int{1000, 64 << 10, 512 << 10} {
			withBlocks(size, 3, func() {
				if d := diffResult(readEach(data, Options{}, 0), want); d != "" {
					t.Errorf("%s: Each, blocks of %d: %s", p, size, d)
				}
				if d := diffResult(readBatch(data, Options{}), want); d != "" {
					t.Errorf("%s: EachBatch, blocks of %d: %s", p, size, d)
				}
			})
		}
	}
}

// gateReader reads r, holding the reads after the first limit bytes
// until gate is closed.
type gateReader struct {
	r      io.Reader
	limit  int64
	n      int64
	gate   chan struct{}
	inRead atomic.Bool
}

func (g *gateReader) Read(p []byte) (int, error) {
	g.inRead.Store(true)
	defer g.inRead.Store(false)
	if g.n >= g.limit {
		<-g.gate
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// TestBlocksNoReadAfterReturn: a read that stops early (fn's error) has
// let go of the input when it returns: the splitter may be blocked in a
// read, which the call waits for (a Reader's gzip stream is closed right
// after, and a caller may close the file).
func TestBlocksNoReadAfterReturn(t *testing.T) {
	data := benchLog(100000) // 6 MB: a dozen blocks
	for _, name := range []string{"Each", "EachBatch"} {
		g := &gateReader{r: bytes.NewReader(data), limit: 1 << 20, gate: make(chan struct{})}
		time.AfterFunc(300*time.Millisecond, func() { close(g.gate) })
		var err error
		if name == "Each" {
			n := 0
			_, err = Each(context.Background(), g, Options{}, func(*Event) error {
				if n++; n == 1000 {
					return errStop
				}
				return nil
			})
		} else {
			type batch struct{}
			_, err = EachBatch(context.Background(), g, Options{}, Batches[*batch]{
				New: func() *batch { return &batch{} }, Add: func(*batch, *Event) {},
				Use: func(*batch) error { return errStop },
			})
		}
		if err != errStop {
			t.Errorf("%s: err %v", name, err)
		}
		if g.inRead.Load() {
			t.Errorf("%s returned during a read of its input", name)
		}
	}
}

package events

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed/limit"
)

// genLog streams a log without holding it: head, then body repeated until
// size bytes have been produced. It counts what was read, so a test can
// tell a reader that stopped at the record limit from one that swallowed
// the whole stream.
type genLog struct {
	head, body string
	size, n    int64
	pos        int
}

func (g *genLog) Read(p []byte) (int, error) {
	if g.n >= g.size {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && g.n < g.size {
		var src string
		if g.n < int64(len(g.head)) {
			src = g.head[g.n:]
		} else {
			src = g.body[g.pos:]
		}
		c := copy(p[k:], src)
		if rem := g.size - g.n; int64(c) > rem {
			c = int(rem)
		}
		if g.n >= int64(len(g.head)) {
			g.pos = (g.pos + c) % len(g.body)
		}
		k += c
		g.n += int64(c)
	}
	return k, nil
}

const limitHeader = "timestamp,user_id,session_id,event,item_id,value,currency,quantity\n"
const limitRow = "2026-11-10T08:10:34Z,u023,s023-1,ViewContent,SK-9010-WHT-OS,,,\n"

// heapPeak samples the heap while fn runs.
func heapPeak(fn func()) uint64 {
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var m runtime.MemStats
		var hi uint64
		for {
			runtime.ReadMemStats(&m)
			hi = max(hi, m.HeapInuse)
			select {
			case <-done:
				peak <- hi
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	fn()
	close(done)
	return <-peak
}

// Issue 10 item 7: one stray quote used to pull the rest of the log into a
// single field (a 300 MB log peaked at 0.9 GB and ended as "0 events, 1
// bad row", exit 0; 1 GiB ran out of memory).
func TestRecordLimitStrayQuote(t *testing.T) {
	size := int64(200 << 20)
	if testing.Short() {
		size = 40 << 20
	}
	g := &genLog{
		head: limitHeader + limitRow + "2026-11-10T08:09:15Z,u023,s023-1,ViewContent,\"SK-9010,,,\n",
		body: limitRow, size: size,
	}
	var err error
	var evs int
	peak := heapPeak(func() {
		_, err = Each(context.Background(), g, Options{}, func(*Event) error { evs++; return nil })
	})
	t.Logf("read %d MiB of %d MiB, heap peak %d MiB: %v", g.n>>20, size>>20, peak>>20, err)
	if !errors.Is(err, limit.ErrTooLarge) {
		t.Fatalf("err %v, want one wrapping limit.ErrTooLarge", err)
	}
	want := "events: line 3, column 46: a record is larger than the 16 MiB limit: the quote opened there is not closed"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err %q, want it to contain %q", err, want)
	}
	if evs != 1 {
		t.Errorf("%d events before the bad record, want 1", evs)
	}
	if g.n > 20<<20 {
		t.Errorf("read %d MiB: the reader did not stop at the record limit", g.n>>20)
	}
	if peak > 200<<20 {
		t.Errorf("heap peak %d MiB", peak>>20)
	}
}

func TestRecordLimitLongLines(t *testing.T) {
	long := strings.Repeat("x", 3<<10)
	cases := []struct {
		name, log string
		opts      Options
		err       string // "" = no error
		events    int
		bad       map[string]int
	}{
		{name: "unquoted CSV line", opts: Options{MaxRecordBytes: 1 << 10},
			log: limitHeader + limitRow + "2026-11-10T08:10:34Z,u1,s1,ViewContent," + long + ",,,\n" + limitRow,
			err: "events: line 3: a record is larger than the 1 KiB limit", events: 1},
		{name: "quote opened inside an over-long line", opts: Options{MaxRecordBytes: 1 << 10},
			log: limitHeader + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"" + long + "\n" + limitRow,
			err: "events: line 2, column 40: a record is larger than the 1 KiB limit: the quote opened there", events: 0},
		{name: "closed quote within the limit", opts: Options{MaxRecordBytes: 1 << 10},
			log: limitHeader + "2026-11-10T08:10:34Z,u1,s1,ViewContent,\"a\nb\",,,\n" + limitRow, events: 2},
		{name: "TSV stray quote", opts: Options{MaxRecordBytes: 1 << 10},
			log: strings.ReplaceAll(limitHeader+"2026-11-10T08:10:34Z,u1,s1,ViewContent,\"a\n", ",", "\t") + strings.Repeat(strings.ReplaceAll(limitRow, ",", "\t"), 100),
			err: "events: line 2, column 40: a record is larger than the 1 KiB limit", events: 0},
		{name: "JSON Lines line skipped as a bad row", opts: Options{MaxRecordBytes: 1 << 10},
			log: `{"timestamp":"2026-11-10T08:10:34Z","user_id":"u1","event":"ViewContent","item_id":"a"}` + "\n" +
				`{"timestamp":"2026-11-10T08:10:34Z","user_id":"u1","event":"ViewContent","item_id":"` + long + `"}` + "\n" +
				`{"timestamp":"2026-11-10T08:10:35Z","user_id":"u1","event":"ViewContent","item_id":"b"}` + "\n",
			events: 2, bad: map[string]int{ReasonRecordTooLarge: 1}},
		{name: "JSON Lines line over the 64 KiB buffer", opts: Options{MaxRecordBytes: 100 << 10},
			log: `{"timestamp":"2026-11-10T08:10:34Z","user_id":"u1","event":"ViewContent","item_id":"a"}` + "\n" +
				`{"item_id":"` + strings.Repeat("y", 300<<10) + `"}` + "\n" +
				`{"timestamp":"2026-11-10T08:10:35Z","user_id":"u1","event":"ViewContent","item_id":"b"}` + "\n",
			events: 2, bad: map[string]int{ReasonRecordTooLarge: 1}},
		{name: "no limit", opts: Options{MaxRecordBytes: -1},
			log: limitHeader + "2026-11-10T08:10:34Z,u1,s1,ViewContent," + long + ",,,\n", events: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var evs []Event
			st, err := Each(context.Background(), strings.NewReader(tc.log), tc.opts, func(ev *Event) error {
				evs = append(evs, *ev)
				return nil
			})
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("err %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, limit.ErrTooLarge)):
				t.Fatalf("err %v, want %q wrapping limit.ErrTooLarge", err, tc.err)
			}
			if len(evs) != tc.events {
				t.Errorf("%d events, want %d", len(evs), tc.events)
			}
			if tc.bad != nil {
				if got := reasons(st.Bad); got[ReasonRecordTooLarge] != tc.bad[ReasonRecordTooLarge] {
					t.Errorf("bad %v, want %v", got, tc.bad)
				}
				// The line after the skipped one keeps its number.
				if evs[1].Line != 3 || st.Bad[0].Examples[0].Line != 2 || st.Rows != 3 {
					t.Errorf("lines: event %d, bad %v, rows %d", evs[1].Line, st.Bad[0].Examples, st.Rows)
				}
			}
		})
	}
}

package events

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readAll(t *testing.T, r io.Reader, opts Options) ([]Event, Stats) {
	t.Helper()
	var evs []Event
	st, err := Each(context.Background(), r, opts, func(ev *Event) error {
		evs = append(evs, *ev)
		return nil
	})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return evs, st
}

func reasons(rcs []ReasonCount) map[string]int {
	m := map[string]int{}
	for _, r := range rcs {
		m[r.Reason] = r.Count
	}
	return m
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReaderFixtures(t *testing.T) {
	tests := []struct {
		file     string
		opts     Options
		preset   string
		events   int
		bad      map[string]int
		skipped  map[string]int
		first    Event
		lastType Type
	}{
		{
			file: "canonical.csv", events: 6,
			bad:     map[string]int{ReasonBadTime: 1, ReasonEmptyUser: 1, ReasonEmptyItem: 1, ReasonUnknownEvent: 1, ReasonColumnCount: 1, ReasonBadValue: 1, ReasonBadQuantity: 1},
			skipped: map[string]int{SkipIgnoredEvent: 1, SkipNegativeQty: 1},
			first:   Event{Time: ts("2024-03-01T10:00:00Z"), UserID: "u1", Type: ViewContent, ItemIDs: []string{"A1"}, Line: 2},
		},
		{
			file: "rees46.csv", preset: "rees46", events: 3,
			skipped: map[string]int{SkipIgnoredEvent: 1},
			first:   Event{Time: ts("2019-10-01T00:00:00Z"), UserID: "541312140", SessionID: "72d76fde-8bb3-4e00-8c23-a032dfed738c", Type: ViewContent, ItemIDs: []string{"44600062"}, Value: 35.79, Line: 2},
		},
		{
			file: "retailrocket.csv", preset: "retailrocket", events: 4,
			first:    Event{Time: ts("2015-06-02T05:02:12.117Z"), UserID: "257597", Type: ViewContent, ItemIDs: []string{"355908"}, Line: 2},
			lastType: Purchase,
		},
		{
			file: "yoochoose_clicks.dat", preset: "yoochoose", events: 3,
			first: Event{Time: ts("2014-04-07T10:51:09.277Z"), UserID: "1", SessionID: "1", Type: ViewContent, ItemIDs: []string{"214536502"}, Line: 1},
		},
		{
			file: "yoochoose_buys.dat", preset: "yoochoose", events: 2,
			first: Event{Time: ts("2014-04-06T18:44:58.314Z"), UserID: "420374", SessionID: "420374", Type: Purchase, ItemIDs: []string{"214537888"}, Value: 12462, Quantity: 1, Line: 1},
		},
		{
			file: "yoochoose.tsv", preset: "yoochoose", events: 3,
			first: Event{Time: ts("2014-04-02T11:17:46.94Z"), UserID: "3", SessionID: "3", Type: ViewContent, ItemIDs: []string{"214716935"}, Line: 2},
		},
		{
			file: "diginetica.csv", preset: "diginetica", events: 3,
			first: Event{Time: ts("2016-05-09T00:08:46.309Z"), UserID: "1", SessionID: "1", Type: ViewContent, ItemIDs: []string{"81766"}, Line: 2},
		},
		{
			file: "online_retail.csv", preset: "online-retail", events: 2,
			skipped: map[string]int{SkipNegativeQty: 1},
			first:   Event{Time: ts("2011-03-10T16:16:00Z"), UserID: "546306", SessionID: "546306", Type: Purchase, ItemIDs: []string{"21733"}, Value: 5.9, Quantity: 2, Line: 2},
		},
		{
			file: "capi.jsonl", events: 2,
			bad:   map[string]int{ReasonUnknownEvent: 1, ReasonBadJSON: 1},
			first: Event{Time: ts("2024-03-01T10:00:00Z"), UserID: "u1", Type: ViewContent, ItemIDs: []string{"A1"}, Value: 19.99, Currency: "EUR", Line: 1},
		},
		{
			// An explicit preset wins over the header, and Map wins over both.
			file: "retailrocket.csv", opts: Options{Preset: "retailrocket", Map: map[string]string{"transactionid": "session_id"}}, preset: "retailrocket", events: 4,
			first:    Event{Time: ts("2015-06-02T05:02:12.117Z"), UserID: "257597", Type: ViewContent, ItemIDs: []string{"355908"}, Line: 2},
			lastType: Purchase,
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			evs, st := readAll(t, f, tc.opts)
			if st.Preset != tc.preset {
				t.Errorf("preset = %q, want %q", st.Preset, tc.preset)
			}
			if len(evs) != tc.events || st.Events != tc.events {
				t.Fatalf("events = %d (stats %d), want %d; stats %+v", len(evs), st.Events, tc.events, st)
			}
			if got, want := reasons(st.Bad), orEmpty(tc.bad); !reflect.DeepEqual(got, want) {
				t.Errorf("bad = %v, want %v", got, want)
			}
			if got, want := reasons(st.Skipped), orEmpty(tc.skipped); !reflect.DeepEqual(got, want) {
				t.Errorf("skipped = %v, want %v", got, want)
			}
			if !evs[0].Time.Equal(tc.first.Time) {
				t.Errorf("first time = %v, want %v", evs[0].Time, tc.first.Time)
			}
			got := evs[0]
			got.Time = tc.first.Time
			if !reflect.DeepEqual(got, tc.first) {
				t.Errorf("first event\n got %+v\nwant %+v", got, tc.first)
			}
			if tc.lastType != "" && evs[len(evs)-1].Type != tc.lastType {
				t.Errorf("last type = %s, want %s", evs[len(evs)-1].Type, tc.lastType)
			}
			total := st.Events + st.BadRows()
			for _, s := range st.Skipped {
				if s.Reason != SkipRepeatedHeader {
					total += s.Count
				}
			}
			if total != st.Rows {
				t.Errorf("rows %d != events+bad+skipped %d: something was dropped silently", st.Rows, total)
			}
		})
	}
}

func orEmpty(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

func TestCanonicalDetails(t *testing.T) {
	f, _ := os.Open("testdata/canonical.csv")
	defer f.Close()
	evs, st := readAll(t, f, Options{})
	want := []struct {
		typ   Type
		items []string
		value float64
		cur   string
		qty   int
		unix  int64
	}{
		{ViewContent, []string{"A1"}, 0, "", 0, 1709287200},
		{AddToCart, []string{"A1"}, 19.99, "USD", 1, 1709287500},
		{InitiateCheckout, []string{"A1"}, 19.99, "USD", 1, 1709287800},
		{Purchase, []string{"A1", "B2"}, 39.98, "EUR", 2, 1709288100},
		{ViewContent, []string{"B2"}, 0, "", 0, 1709290800},
		{Search, nil, 0, "", 0, 1709251200},
	}
	for i, w := range want {
		e := evs[i]
		if e.Type != w.typ || !reflect.DeepEqual(e.ItemIDs, w.items) || e.Value != w.value || e.Currency != w.cur || e.Quantity != w.qty || e.Time.Unix() != w.unix {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
	}
	// examples carry line numbers
	for _, b := range st.Bad {
		if b.Reason == ReasonBadTime && (len(b.Examples) != 1 || b.Examples[0].Line != 8 || b.Examples[0].Value != "not-a-time") {
			t.Errorf("bad_time examples = %+v", b.Examples)
		}
	}
}

func TestGzipAndRepeatedHeader(t *testing.T) {
	raw, _ := os.ReadFile("testdata/yoochoose.tsv")
	// Two files concatenated (train + test) repeat the header line.
	both := append(append([]byte{}, raw...), raw...)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(both)
	zw.Close()
	evs, st := readAll(t, &buf, Options{})
	if len(evs) != 6 {
		t.Fatalf("events = %d, want 6", len(evs))
	}
	if got := reasons(st.Skipped)[SkipRepeatedHeader]; got != 1 {
		t.Errorf("repeated header skipped = %d, want 1", got)
	}
	if st.BadRows() != 0 {
		t.Errorf("bad rows: %+v", st.Bad)
	}
}

func TestQuotedMultilineAndMap(t *testing.T) {
	in := "When;Who;What;Item\n" +
		"2024-01-02T03:04:05Z;\"u;1\";cart;\"X\n1\"\n" +
		"2024-01-02T03:04:06Z;u2;view;\"Y\"\"2\"\n"
	evs, st := readAll(t, strings.NewReader(in), Options{Map: map[string]string{"When": "timestamp", "Who": "user_id", "What": "event", "Item": "item_id"}})
	if len(evs) != 2 {
		t.Fatalf("got %d events, stats %+v", len(evs), st)
	}
	if evs[0].UserID != "u;1" || evs[0].ItemIDs[0] != "X\n1" || evs[0].Type != AddToCart {
		t.Errorf("event 0 = %+v", evs[0])
	}
	if evs[1].ItemIDs[0] != `Y"2` || evs[1].Line != 4 {
		t.Errorf("event 1 = %+v", evs[1])
	}
	if st.Delimiter != ";" {
		t.Errorf("delimiter = %q", st.Delimiter)
	}
}

func TestReaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		opts     Options
		want     string
	}{
		{"empty", "", Options{}, "empty"},
		{"no item column", "timestamp,user_id,event\n", Options{}, "item_id"},
		{"bad preset", "a,b\n", Options{Preset: "nope"}, "unknown preset"},
		{"bad map", "a,b\n", Options{Map: map[string]string{"a": "colour"}}, "cannot map"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tc.in), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"2019-10-01 00:00:00 UTC", "2019-10-01T00:00:00Z"},
		{"2014-04-07T10:51:09.277Z", "2014-04-07T10:51:09.277Z"},
		{"2024-03-01T12:00:00+01:00", "2024-03-01T11:00:00Z"},
		{"2024-03-01T12:00:00-0530", "2024-03-01T17:30:00Z"},
		{"2011-03-10 16:16:00", "2011-03-10T16:16:00Z"},
		{"2016-05-09", "2016-05-09T00:00:00Z"},
		{"1396437466.94", "2014-04-02T11:17:46.94Z"},
		{"1396437466", "2014-04-02T11:17:46Z"},
		{"1433221332117", "2015-06-02T05:02:12.117Z"},
		{"1433221332117000", "2015-06-02T05:02:12.117Z"},
		{"12/1/2010 8:26", "2010-12-01T08:26:00Z"},
		{" 2024-03-01T10:00:00Z ", "2024-03-01T10:00:00Z"},
	} {
		got, err := ParseTime(tc.in, nil)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tc.in, err)
			continue
		}
		if !got.Equal(ts(tc.want)) {
			t.Errorf("ParseTime(%q) = %v, want %s", tc.in, got.UTC(), tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2019-02-30", "2019-13-01", "12:00", "1.2.3"} {
		if _, err := ParseTime(bad, nil); err == nil {
			t.Errorf("ParseTime(%q) succeeded, want error", bad)
		}
	}
	// Zone-less times use the given location.
	loc := time.FixedZone("X", 3600)
	got, _ := ParseTime("2011-03-10 16:16:00", loc)
	if got.UTC().Hour() != 15 {
		t.Errorf("location ignored: %v", got.UTC())
	}
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]Type{
		"view": ViewContent, "ViewContent": ViewContent, "cart": AddToCart, "addtocart": AddToCart,
		"add_to_cart": AddToCart, "Add To Cart": AddToCart, "transaction": Purchase, "purchase": Purchase,
		"checkout": InitiateCheckout, "begin_checkout": InitiateCheckout, "search": Search, "clicks": ViewContent,
	} {
		got, ok, ign := ParseType(in)
		if !ok || ign || got != want {
			t.Errorf("ParseType(%q) = %q,%v,%v want %q", in, got, ok, ign, want)
		}
	}
	if _, ok, ign := ParseType("remove_from_cart"); ok || !ign {
		t.Errorf("remove_from_cart should be ignored")
	}
	if _, ok, ign := ParseType("wishlist"); ok || ign {
		t.Errorf("wishlist should be unknown")
	}
}

func TestSessionizer(t *testing.T) {
	base := ts("2024-01-01T00:00:00Z")
	s := NewSessionizer(0)
	evs := []Event{
		{UserID: "a", Time: base},
		{UserID: "b", Time: base.Add(time.Minute)},
		{UserID: "a", Time: base.Add(29 * time.Minute)},
		{UserID: "a", Time: base.Add(60 * time.Minute)}, // gap 31m: new session
		{UserID: "a", Time: base.Add(59 * time.Minute)}, // out of order
		{UserID: "a", SessionID: "given", Time: base.Add(61 * time.Minute)},
	}
	var got []string
	for i := range evs {
		s.Assign(&evs[i])
		got = append(got, evs[i].SessionID)
	}
	want := []string{"a#1", "b#1", "a#1", "a#2", "a#2", "given"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sessions = %v, want %v", got, want)
	}
	if s.OutOfOrder != 1 {
		t.Errorf("out of order = %d", s.OutOfOrder)
	}
	times := []time.Time{base, base.Add(10 * time.Minute), base.Add(50 * time.Minute), base.Add(51 * time.Minute)}
	if got := SplitSessions(times, nil, 0); !reflect.DeepEqual(got, []int{0, 2}) {
		t.Errorf("SplitSessions = %v", got)
	}
	if got := SplitSessions(times, []string{"x", "y", "y", "y"}, 0); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Errorf("SplitSessions with ids = %v", got)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	in := []Event{
		{Time: ts("2024-01-01T00:00:00.5Z"), UserID: "u,1", SessionID: "s1", Type: ViewContent, ItemIDs: []string{"A"}},
		{Time: ts("2024-01-01T00:01:00Z"), UserID: "u,1", SessionID: "s1", Type: Purchase, ItemIDs: []string{"A", "B"}, Value: 12.5, Currency: "EUR", Quantity: 2},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i := range in {
		if err := w.Write(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	out, st := readAll(t, &buf, Options{})
	if st.BadRows() != 0 || len(out) != 2 {
		t.Fatalf("round trip: %d events, stats %+v", len(out), st)
	}
	for i := range in {
		out[i].Line = 0
		if !out[i].Time.Equal(in[i].Time) {
			t.Errorf("time %d: %v != %v", i, out[i].Time, in[i].Time)
		}
		out[i].Time = in[i].Time
		if !reflect.DeepEqual(out[i], in[i]) {
			t.Errorf("event %d\n got %+v\nwant %+v", i, out[i], in[i])
		}
	}
}

// realDir locates ../shared/data/real relative to the repository.
func realDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join("..", "..", "..", "shared", "data", "real")
	if _, err := os.Stat(d); err != nil {
		t.Skip("real data samples not present")
	}
	return d
}

func TestRealSamples(t *testing.T) {
	dir := realDir(t)
	for _, tc := range []struct {
		path, preset string
		events       int
		skipped      map[string]int
	}{
		{"rees46-2019oct-sample/2019-Oct-sample.csv", "rees46", 1000, nil},
		{"yoochoose-100k/yoochoose-clicks-100k_train_full.txt", "yoochoose", 70278, nil},
		{"yoochoose-100k/yoochoose-clicks-100k_test.txt", "yoochoose", 13568, nil},
		{"diginetica-sample/sample_train-item-views.csv", "diginetica", 12391, nil},
		// 398 negative-quantity lines are returns/cancellations (SOURCE.md).
		{"online-retail-uci-sample/online_retail_sample.csv", "online-retail", 19602, map[string]int{SkipNegativeQty: 398}},
	} {
		t.Run(tc.preset, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, tc.path))
			if err != nil {
				t.Skip(err)
			}
			defer f.Close()
			_, st := readAll(t, f, Options{})
			if st.Preset != tc.preset || st.Events != tc.events || st.BadRows() != 0 {
				t.Errorf("preset %q events %d bad %+v; want %q %d 0", st.Preset, st.Events, st.Bad, tc.preset, tc.events)
			}
			if got := reasons(st.Skipped); !reflect.DeepEqual(got, orEmpty(tc.skipped)) {
				t.Errorf("skipped = %v, want %v", got, tc.skipped)
			}
		})
	}
}

func FuzzReader(f *testing.F) {
	for _, name := range []string{"canonical.csv", "rees46.csv", "yoochoose_clicks.dat", "diginetica.csv", "capi.jsonl", "online_retail.csv"} {
		b, _ := os.ReadFile(filepath.Join("testdata", name))
		f.Add(b)
	}
	f.Add([]byte("timestamp,user_id,event,item_id\n\"unterminated"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data), Options{})
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			ev, err := rd.Read()
			if err != nil {
				break
			}
			if ev.UserID == "" || (len(ev.ItemIDs) == 0 && ev.Type != Search) || ev.Type == "" {
				t.Fatalf("invalid event accepted: %+v", ev)
			}
		}
		st := rd.Stats()
		if st.Events > st.Rows {
			t.Fatalf("events %d > rows %d", st.Events, st.Rows)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2019-10-01 00:00:00 UTC", "1396437466.94", "1433221332117", "2024-03-01T12:00:00+01:00", "2016-05-09", "12/1/2010 8:26", "-5", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		t1, err := ParseTime(s, nil)
		if err != nil {
			return
		}
		// Re-parsing the RFC 3339 rendering must give the same instant.
		if t1.Year() < 0 || t1.Year() > 9999 {
			return
		}
		t2, err := ParseTime(t1.Format(time.RFC3339Nano), nil)
		if err != nil || !t2.Equal(t1) {
			t.Fatalf("round trip %q -> %v -> %v (%v)", s, t1, t2, err)
		}
	})
}

// TestTimeRange (issue 10, item 8): timestamps outside 1990–2100 are bad
// rows (bad_time), not times that overflow nanosecond arithmetic.
func TestTimeRange(t *testing.T) {
	for _, s := range []string{"9999-12-31T00:00:00Z", "0001-01-01", "1989-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "253402300799"} {
		if _, err := ParseTime(s, nil); err == nil {
			t.Errorf("ParseTime(%q) accepted", s)
		}
	}
	for _, s := range []string{"1990-01-01T00:00:00Z", "2099-12-31T23:59:59Z", "1396867869"} {
		if _, err := ParseTime(s, nil); err != nil {
			t.Errorf("ParseTime(%q): %v", s, err)
		}
	}
}

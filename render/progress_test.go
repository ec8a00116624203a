package render

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := NewProgress(&buf, true, clk.now)

	p.Update("reading feed.csv", 0, 0)
	if got := buf.String(); got != "\rreading feed.csv  0 items" {
		t.Fatalf("first frame = %q", got)
	}
	buf.Reset()

	// Within the throttle window: nothing drawn.
	clk.advance(50 * time.Millisecond)
	p.Update("reading feed.csv", 1000, 1_000_000)
	if buf.Len() != 0 {
		t.Fatalf("throttled update drew %q", buf.String())
	}

	clk.advance(950 * time.Millisecond) // 1 s since start
	p.Update("reading feed.csv", 412000, 38_100_000)
	if got := buf.String(); got != "\rreading feed.csv  412,000 items  38.1 MB/s" {
		t.Fatalf("frame = %q", got)
	}
	buf.Reset()

	// A shorter line blanks the tail of the previous one.
	clk.advance(time.Second)
	p.Update("parse", 5, 0)
	want := "\rparse  5 items"
	prevWidth := len("reading feed.csv  412,000 items  38.1 MB/s")
	want += strings.Repeat(" ", prevWidth-len("parse  5 items"))
	if got := buf.String(); got != want {
		t.Fatalf("shorter frame = %q, want %q", got, want)
	}
	buf.Reset()

	p.Done()
	if got := buf.String(); got != "\r"+strings.Repeat(" ", len("parse  5 items"))+"\r" {
		t.Fatalf("Done wrote %q", got)
	}
	buf.Reset()
	p.Done()
	if buf.Len() != 0 {
		t.Errorf("second Done wrote %q", buf.String())
	}
}

func TestProgressDisabled(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, false, nil)
	p.Update("x", 1, 1)
	p.Done()
	if buf.Len() != 0 {
		t.Errorf("disabled progress wrote %q", buf.String())
	}
	var nilP *Progress
	nilP.Update("x", 1, 1) // must not panic
	nilP.Done()
}

func TestProgressRateUnitsAndLabel(t *testing.T) {
	tests := []struct {
		bps  float64
		want string
	}{
		{500, "500 B/s"},
		{1500, "1.5 kB/s"},
		{38_100_000, "38.1 MB/s"},
		{2_500_000_000, "2.5 GB/s"},
	}
	for _, tc := range tests {
		if got := formatRate(tc.bps); got != tc.want {
			t.Errorf("formatRate(%v) = %q, want %q", tc.bps, got, tc.want)
		}
	}
	var buf bytes.Buffer
	p := NewProgress(&buf, true, (&fakeClock{}).now)
	p.Update("evil\x1b[2J\nname", 1, 0)
	if strings.ContainsAny(buf.String(), "\x1b\n") {
		t.Errorf("label not sanitised: %q", buf.String())
	}
}

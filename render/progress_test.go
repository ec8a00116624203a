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

// With the input's size known the line shows the percent done and the time
// left at the rate so far; without it (a pipe) neither.
func TestProgressPercentAndTimeLeft(t *testing.T) {
	var buf bytes.Buffer
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := NewProgress(&buf, true, clk.now)
	p.SetTotal(400_000_000)
	p.Update("big.csv", 0, 0)
	if got := buf.String(); got != "\rbig.csv  0 items" {
		t.Fatalf("first frame = %q", got)
	}
	for _, step := range []struct {
		after time.Duration
		items int64
		bytes int64
		want  string
	}{
		{2 * time.Second, 250_000, 100_000_000, "big.csv  250,000 items  50.0 MB/s  25%  6s left"},
		{58 * time.Second, 500_000, 200_000_000, "big.csv  500,000 items  3.3 MB/s  50%  1m00s left"},
		{2 * time.Hour, 750_000, 300_000_000, "big.csv  750,000 items  41.3 kB/s  75%  40m20s left"},
		{time.Second, 1_000_000, 400_000_000, "big.csv  1,000,000 items  55.1 kB/s  100%"},
	} {
		buf.Reset()
		clk.advance(step.after)
		p.Update("big.csv", step.items, step.bytes)
		if got := strings.TrimRight(buf.String(), " "); got != "\r"+step.want {
			t.Errorf("frame = %q, want %q", got, "\r"+step.want)
		}
	}
	p.Done()

	// Unknown size: rate only, as before.
	buf.Reset()
	p.SetTotal(-1)
	p.Update("-", 0, 0)
	clk.advance(time.Second)
	p.Update("-", 10, 1000)
	if got := buf.String(); strings.Contains(got, "%") || strings.Contains(got, "left") {
		t.Errorf("unknown size drew a percent or time left: %q", got)
	}
}

func TestFormatLeft(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 1400 * time.Millisecond: "1s", 59 * time.Second: "59s", 61 * time.Second: "1m01s",
		3599 * time.Second: "59m59s", 3660 * time.Second: "1h01m", 30 * time.Hour: "30h00m",
	} {
		if got := formatLeft(d); got != want {
			t.Errorf("formatLeft(%v) = %q, want %q", d, got, want)
		}
	}
}

package render

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// progressInterval caps redraws at about ten a second: fast enough to look
// live, slow enough that a hot loop calling Update per row costs nothing.
const progressInterval = 100 * time.Millisecond

// Progress draws one self-overwriting status line on a terminal stream:
//
//	reading feed.csv  412,000 items  38.1 MB/s  42%  12s left
//
// The percent and the time left appear only when the input's size is known
// (SetTotal: a file, a download with Content-Length; not a pipe).
//
// It is inert unless enabled; callers pass Streams.ProgressEnabled(quiet)
// (stderr is a TTY, not --quiet, CI unset) so logs and pipes never receive
// "\r" frames. Time comes from the injected clock, so behaviour is testable
// and no goroutine is needed: the line is redrawn from Update calls only.
// A nil *Progress is valid and does nothing.
type Progress struct {
	w       io.Writer
	enabled bool
	now     func() time.Time

	started  time.Time
	last     time.Time
	drawn    bool
	width    int // runes in the line currently on screen
	maxLabel int
	total    int64 // input size in bytes; <= 0 unknown
}

// SetTotal gives the size in bytes of the input being read, so Update can
// show the percent done and the time left from the bytes it is given;
// total <= 0 means unknown (no percent). Done forgets it.
func (p *Progress) SetTotal(total int64) {
	if p != nil {
		p.total = total
	}
}

// NewProgress returns a progress line writing to w. now == nil means
// time.Now.
func NewProgress(w io.Writer, enabled bool, now func() time.Time) *Progress {
	if now == nil {
		now = time.Now
	}
	return &Progress{w: w, enabled: enabled, now: now, maxLabel: 48}
}

// Update reports that n items and bytes bytes have been processed so far
// (totals, not increments). bytes <= 0 omits the rate. Calls within 100 ms
// of the last redraw are dropped, except the first.
func (p *Progress) Update(label string, n int64, bytes int64) {
	if p == nil || !p.enabled {
		return
	}
	t := p.now()
	if p.started.IsZero() {
		p.started = t
	}
	if p.drawn && t.Sub(p.last) < progressInterval {
		return
	}
	line := Truncate(cleanCell(label), p.maxLabel) + "  " + Int64(n) + " items"
	elapsed := t.Sub(p.started)
	if bytes > 0 && elapsed > 0 {
		line += "  " + formatRate(float64(bytes)/elapsed.Seconds())
	}
	if p.total > 0 && bytes > 0 {
		done := min(bytes, p.total)
		line += fmt.Sprintf("  %d%%", done*100/p.total)
		if elapsed > 0 && done < p.total {
			// The rate so far holds for the rest: a guess that settles as
			// the run goes on, which is why it is shown rounded.
			left := time.Duration(float64(elapsed) * float64(p.total-done) / float64(done))
			line += "  " + formatLeft(left) + " left"
		}
	}
	w := utf8.RuneCountInString(line)
	pad := ""
	if p.width > w { // blank out the tail of a longer previous line
		pad = strings.Repeat(" ", p.width-w)
	}
	fmt.Fprint(p.w, "\r"+line+pad)
	p.width = w
	p.last = t
	p.drawn = true
}

// Done erases the progress line, leaving the cursor at the start of an empty
// line for whatever is printed next. Update may be called again afterwards.
func (p *Progress) Done() {
	if p == nil || !p.enabled || !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.width)+"\r")
	p.drawn = false
	p.width = 0
	p.started = time.Time{}
	p.total = 0
}

// formatLeft rounds a time left to what a person reads at a glance: whole
// seconds under a minute, then minutes and seconds, then hours and minutes.
func formatLeft(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
}

// formatRate uses decimal units (MB = 10^6 bytes), like network and disk
// tools, with one decimal.
func formatRate(bps float64) string {
	switch {
	case bps >= 1e9:
		return fmt.Sprintf("%.1f GB/s", bps/1e9)
	case bps >= 1e6:
		return fmt.Sprintf("%.1f MB/s", bps/1e6)
	case bps >= 1e3:
		return fmt.Sprintf("%.1f kB/s", bps/1e3)
	}
	return fmt.Sprintf("%.0f B/s", bps)
}

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
//	reading feed.csv  412,000 items  38.1 MB/s
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
	if elapsed := t.Sub(p.started).Seconds(); bytes > 0 && elapsed > 0 {
		line += "  " + formatRate(float64(bytes)/elapsed)
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

package feed

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dpa-tools/dpa/feed/limit"
)

// Defaults of the ReadOptions limits.
const (
	// defaultMaxBytes is generous: four times the largest real catalog
	// seen, small enough that a compression bomb stops long before a
	// machine runs out of disk or patience.
	defaultMaxBytes int64 = 4 << 30
	// defaultTimeout is the longest wait on a remote server.
	defaultTimeout = 60 * time.Second
	// maxRedirects caps the redirects followed for a remote feed.
	maxRedirects = 5
	// maxLayers caps nested compression (feed.csv.gz inside a zip is two).
	maxLayers = 3
)

// ruleRecordTooLarge is the Problem of a JSON Lines line over
// MaxRecordBytes: the line is skipped and reading goes on. In the other
// formats an oversized record ends the stream with a *ParseError wrapping
// limit.ErrTooLarge, because the record's end cannot be found without parsing it.
const ruleRecordTooLarge = "feed.record_too_large"

func humanBytes(n int64) string { return limit.Bytes(n) }

func (o ReadOptions) maxBytes() int64 {
	if o.MaxBytes == 0 {
		return defaultMaxBytes
	}
	return o.MaxBytes
}

func (o ReadOptions) maxRecordBytes() int64 {
	if o.MaxRecordBytes == 0 {
		return limit.DefaultMaxRecordBytes
	}
	return o.MaxRecordBytes
}

// defaultMaxTime is the overall time a remote feed may take to download
// when ReadOptions.MaxTime is 0: a server trickling a byte before each
// stall timeout would otherwise keep dpa busy forever.
const defaultMaxTime = 30 * time.Minute

func (o ReadOptions) maxTime() time.Duration {
	if o.MaxTime <= 0 {
		return defaultMaxTime
	}
	return o.MaxTime
}

func (o ReadOptions) timeout() time.Duration {
	if o.Timeout <= 0 {
		return defaultTimeout
	}
	return o.Timeout
}

// capReader fails with a *limit.SizeError once more than max bytes come from r,
// instead of io.LimitReader's silent EOF: a truncated feed would otherwise
// look complete. max < 0 means no limit.
type capReader struct {
	r    io.Reader
	n    int64
	max  int64
	what string
	err  error // sticky: a bufio.Reader that peeked hands an error out once
}

func newCapReader(r io.Reader, max int64, what string) io.Reader {
	if max < 0 {
		return r
	}
	return &capReader{r: r, max: max, what: what}
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.n >= c.max {
		// Exactly max bytes are fine; one more is not.
		var b [1]byte
		for range 100 {
			n, err := c.r.Read(b[:])
			if n > 0 {
				c.err = &limit.SizeError{What: c.what, Limit: c.max, Flag: "--max-bytes"}
				return 0, c.err
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if rem := c.max - c.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// markReader fails with a *limit.SizeError when more than limit bytes are read
// after the last mark. The XML and JSON readers mark the start of each
// token or item, so a single monstrous one cannot grow the decoder's
// buffer without bound. limit ≤ 0 means no limit.
type markReader struct {
	r     io.Reader
	off   int64
	mark  int64
	limit int64
	what  string
}

func (m *markReader) Read(p []byte) (int, error) {
	if m.limit > 0 && m.off-m.mark > m.limit {
		return 0, &limit.SizeError{What: m.what, Limit: m.limit}
	}
	n, err := m.r.Read(p)
	m.off += int64(n)
	return n, err
}

func (m *markReader) setMark() { m.mark = m.off }

// layerReader names the decompression layer in its errors, so a truncated
// download says "gzip: unexpected EOF" rather than a bare EOF.
type layerReader struct {
	r    io.Reader
	kind string
}

func (l *layerReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		var se *limit.SizeError
		switch {
		case errors.As(err, &se):
		case errors.Is(err, io.ErrUnexpectedEOF):
			err = fmt.Errorf("%s: the compressed data is truncated: %w", l.kind, err)
		default:
			err = fmt.Errorf("%s: %w", l.kind, err)
		}
	}
	return n, err
}

package feed

import (
	"io"
	"os"
	"sync/atomic"
)

// byteCounter counts the bytes read from an input's source (before
// decompression and transcoding), so progress can say how much of a file
// of known size is done. The count is read from another goroutine.
type byteCounter struct {
	r     io.Reader
	n     atomic.Int64
	total int64 // the source's size, -1 when unknown
}

func (c *byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sizeOf is the size of an input when it is known before reading: a
// regular file's, or what the source says of itself (an HTTP body's
// Content-Length, an in-memory reader); -1 for pipes, stdin and downloads
// that announce no length.
func sizeOf(r io.Reader, file *os.File) int64 {
	if f, ok := r.(*os.File); ok && file == nil {
		file = f // stdin redirected from a file has a size; a pipe has not
	}
	if file != nil {
		if st, err := file.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size()
		}
		return -1
	}
	if s, ok := r.(interface{ Size() int64 }); ok && s.Size() >= 0 {
		return s.Size()
	}
	return -1
}

// ReadProgress reports how many bytes of r's input have been read and the
// input's size, -1 when it is not known (a pipe, a download without
// Content-Length, an XLSX workbook or zip entry): then there is no percent
// to show.
func ReadProgress(r Reader) (read, total int64) {
	type counted interface{ counter() *byteCounter }
	c, ok := r.(counted)
	if !ok || c.counter() == nil {
		return 0, -1
	}
	bc := c.counter()
	return bc.n.Load(), bc.total
}

func (b *readerBase) counter() *byteCounter { return b.src }

package feed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dpa-tools/dpa/feed/sniff"
)

// errUnsupportedFormat is wrapped by every error about a file dpa cannot
// read as a feed at all (unknown --format, legacy .xls, a zip that is no
// workbook, binary data).
var errUnsupportedFormat = errors.New("unsupported feed format")

// OpenFile opens path ("-" = stdin, "http://…" or "https://…" = a remote
// feed, see openURL) and returns a Reader. The name used in findings is
// path as given (a URL without its password).
//
// ctx bounds the whole read, not just the open: once it is done, the
// Reader's next read of the underlying stream fails with ctx's error (see
// ctxReader), a blocked read of a pipe or FIFO is woken, and a remote
// fetch is aborted. Opening a FIFO that has no writer yet waits, but
// returns ctx's error as soon as ctx is done.
func OpenFile(ctx context.Context, path string, opts ReadOptions) (Reader, error) {
	if path == "-" {
		return open(ctx, path, path, os.Stdin, nil, nil, opts)
	}
	if isURL(path) {
		return openURL(ctx, path, opts)
	}
	f, err := OpenCtx(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open feed: %w", err)
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("open feed %s: is a directory", path)
	}
	var closer io.Closer = f
	if err == nil && !st.Mode().IsRegular() {
		// A pipe or FIFO: a read blocked on a silent writer is woken by
		// a past deadline when ctx ends (the file is in the poller).
		stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
		closer = closerFunc(func() error { stop(); return f.Close() })
	}
	r, err := open(ctx, path, path, f, f, closer, opts)
	if err != nil {
		closer.Close()
		return nil, err
	}
	return r, nil
}

// Open wraps an already-open stream. name is used in findings and
// positions, and its extension is a hint for the format. Open does not
// close r. ctx bounds the read as for OpenFile.
func Open(ctx context.Context, name string, r io.Reader, opts ReadOptions) (Reader, error) {
	return open(ctx, name, name, r, nil, nil, opts)
}

// OpenCtx opens path for reading, giving up when ctx ends: open(2) of a
// FIFO blocks until a writer appears, which may be never. The abandoned
// open closes its file if it ever completes.
func OpenCtx(ctx context.Context, path string) (*os.File, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		f, err := os.Open(path)
		ch <- result{f, err}
	}()
	select {
	case r := <-ch:
		return r.f, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.f != nil {
				r.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// ctxReader fails every read once ctx is done, so each format reader
// (and anything stacked on it: decompression, transcoding, the spool of a
// zip) stops at its next buffer refill, at most bufSize bytes later. An
// error caused by the cancellation (a deadline used to wake a blocked
// read, an aborted HTTP body) is reported as ctx's error.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		if cerr := c.ctx.Err(); cerr != nil {
			return n, cerr
		}
	}
	return n, err
}

// open builds the layers: decompression (gzip, bzip2, zstd, a zip with
// one feed, nested up to maxLayers deep) → encoding → format reader.
// hint supplies the extension (a URL's path, a zip entry's name). file is
// the underlying regular file when there is one (a zip or XLSX can then be
// opened in place instead of being spooled), closer is closed by Close.
// On error open releases what it created, but not closer.
func open(ctx context.Context, name, hint string, r io.Reader, file *os.File, closer io.Closer, opts ReadOptions) (_ Reader, err error) {
	format := ""
	if opts.Format != "" {
		f, ok := normalizeFormat(opts.Format)
		if !ok {
			return nil, fmt.Errorf("%s: format %q: %w (want csv, tsv, xml, xlsx, jsonl or json)", name, opts.Format, errUnsupportedFormat)
		}
		format = f
	}
	var own []io.Closer // innermost first, as Close runs them
	defer func() {
		if err != nil {
			for _, c := range own {
				_ = c.Close()
			}
		}
	}()
	allClosers := func() []io.Closer {
		cs := append([]io.Closer(nil), own...)
		if closer != nil {
			cs = append(cs, closer)
		}
		return cs
	}
	maxB := opts.maxBytes()
	bufN := bufSizeFor(r)
	src := &byteCounter{r: r, total: sizeOf(r, file)}
	br := bufio.NewReaderSize(ctxReader{ctx: ctx, r: src}, bufN)
	var magic []byte
	for depth := 0; ; depth++ {
		magic, err = br.Peek(16)
		if err != nil && err != io.EOF && len(magic) == 0 {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		kind := sniff.Compression(magic)
		if kind == "" {
			break
		}
		if depth == maxLayers {
			return nil, fmt.Errorf("%s: more than %d layers of compression: %w", name, maxLayers, errUnsupportedFormat)
		}
		var dr io.Reader
		what := "the decompressed " + kind + " stream"
		if kind == sniff.Zip {
			z, err := openZip(name, br, file, maxB, &own)
			if err != nil {
				return nil, err
			}
			if z.isWorkbook() {
				if format != "" && format != FormatXLSX {
					return nil, fmt.Errorf("%s: is an XLSX workbook, not %s: %w", name, format, errUnsupportedFormat)
				}
				if err := z.checkWorkbookSizes(name, maxB); err != nil {
					return nil, err
				}
				return openXLSX(name, z.path, allClosers(), opts)
			}
			if format == FormatXLSX {
				return nil, fmt.Errorf("%s: a zip archive that is not an XLSX workbook: %w", name, errUnsupportedFormat)
			}
			zf, err := z.feedEntry(name, maxB)
			if err != nil {
				return nil, err
			}
			rc, err := zf.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: zip entry %s: %w", name, zf.Name, err)
			}
			own = append([]io.Closer{rc}, own...)
			dr, hint, what = rc, zf.Name, "zip entry "+zf.Name
			src.total = -1 // the entry is read from the file by offset, not through src
		} else {
			d, c, err := decompressor(kind, br)
			if err != nil {
				return nil, fmt.Errorf("read %s: %s: %w", name, kind, err)
			}
			if c != nil {
				own = append([]io.Closer{c}, own...)
			}
			dr = d
		}
		bufN = bufSize
		br = bufio.NewReaderSize(newCapReader(&layerReader{r: dr, kind: kind}, maxB, what), bufN)
		file = nil // what follows is no longer the file's bytes
	}
	ext := feedExt(hint)
	switch {
	case bytes.HasPrefix(magic, magicOLE):
		return nil, fmt.Errorf("%s: legacy .xls is not supported; save as .xlsx or CSV: %w", name, errUnsupportedFormat)
	case format == FormatXLSX:
		return nil, fmt.Errorf("%s: not an XLSX workbook (no zip signature): %w", name, errUnsupportedFormat)
	}

	text, te, diags, err := decodeLayer(name, br, opts.Encoding, bufN)
	if err != nil {
		return nil, err
	}
	prefix, err := text.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		if len(prefix) == 0 {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		// A read error after some data (a truncated download or gzip):
		// sniff what there is; the format reader meets the error again
		// after the complete records before it, which are not lost.
		err = nil
	}
	if len(bytes.TrimSpace(prefix)) == 0 && (err == io.EOF || len(prefix) == 0) {
		if format == "" {
			format = formatFromExt(ext)
			if format == "" || format == FormatXLSX {
				format = FormatCSV
			}
		}
		diags = append(diags, fileFinding(name, ruleFeedEmpty, emptySeverity(opts), "the feed file is empty", ""))
		return &emptyReader{format: format, diags: diags, closers: allClosers()}, nil
	}
	if looksHTML(prefix) {
		// A login, error or maintenance page saved under the feed's name
		// by a failed download: never "a feed with no items".
		if format == "" {
			format = FormatXML
		}
		diags = append(diags, fileFinding(name, ruleHTML, Error,
			"the file is an HTML document (a web page, e.g. an error or login page), not a feed", ""))
		return &emptyReader{format: format, diags: diags, closers: allClosers()}, nil
	}
	if format == "" {
		if looksBinary(prefix) {
			return nil, fmt.Errorf("%s: cannot detect the feed format (binary data); use --format: %w", name, errUnsupportedFormat)
		}
		format = sniffTextFormat(prefix, ext)
	}
	base := readerBase{src: src, file: name, diags: diags, allowEmpty: opts.AllowEmpty, closers: allClosers(), enc: te, bufN: bufN, maxRecord: opts.maxRecordBytes(), hint: channelFromHead(prefix)}
	switch format {
	case FormatCSV, FormatTSV:
		return newCSVReader(base, text, format, ext, opts)
	case FormatXML:
		return newXMLReader(base, text)
	case FormatJSONL:
		return newJSONLReader(base, text)
	case FormatJSON:
		return newJSONReader(base, text)
	}
	return nil, fmt.Errorf("%s: format %q: %w", name, format, errUnsupportedFormat)
}

// bufSizeFor picks the buffer size for r: bufSize, or just enough for a
// small input whose size is known, so that reading many small feeds (tests,
// fuzzing, batch runs) does not zero megabytes per file.
func bufSizeFor(r io.Reader) int {
	n := int64(-1)
	switch v := r.(type) {
	case *os.File:
		if st, err := v.Stat(); err == nil && st.Mode().IsRegular() {
			n = st.Size()
		}
	case interface{ Len() int }:
		n = int64(v.Len())
	}
	if n < 0 || n >= bufSize {
		return bufSize
	}
	return max(int(n)+16, 4096)
}

// readerBase carries what every format reader shares.
type readerBase struct {
	src     *byteCounter // the input's bytes as read, for progress
	file    string
	diags   []Finding
	closers []io.Closer
	enc     textEncoding
	bufN    int // buffer size: bufSize, or less for small inputs
	// maxRecord is ReadOptions.MaxRecordBytes resolved (≤ 0: none).
	maxRecord int64
	columns   []string
	seen      map[string]struct{}
	closed    bool
	hint      string // channel guessed from the sniffed prefix (DetectChannel)
	// allowEmpty: a feed without items is a warning, not an error.
	allowEmpty bool
}

func (b *readerBase) channelHint() string { return b.hint }

func (b *readerBase) Diagnostics() []Finding { return b.diags }
func (b *readerBase) Columns() []string      { return b.columns }

func (b *readerBase) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	var errs []error
	for _, c := range b.closers {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// noteColumns extends the first-seen union of field names (XML, JSON).
func (b *readerBase) noteColumns(it *Item) {
	if b.seen == nil {
		b.seen = make(map[string]struct{})
	}
	for i := range it.Fields {
		n := it.Fields[i].Name
		if _, ok := b.seen[n]; !ok {
			b.seen[n] = struct{}{}
			b.columns = append(b.columns, n)
		}
	}
}

func (b *readerBase) noItems(format string) {
	sev := Error
	if b.allowEmpty {
		sev = Warning
	}
	b.diags = append(b.diags, fileFinding(b.file, ruleNoItems, sev,
		fmt.Sprintf("the %s feed has no items", format), ""))
}

// emptySeverity is the severity of "the feed has no items": an empty
// upload deletes a whole catalog, so it is an error unless allowed.
func emptySeverity(opts ReadOptions) Severity {
	if opts.AllowEmpty {
		return Warning
	}
	return Error
}

// errNoItems is wrapped by NoItemsError.
var errNoItems = errors.New("no items")

// NoItemsError returns nil when a read that yielded items items may
// proceed, and otherwise an error wrapping errNoItems that says why the
// feed is empty (an HTML page, an empty file, a header only), taken from
// r's file findings. Commands that write an output call it before
// committing, so a failed download never replaces a good feed with an
// empty one. An HTML document is refused even with allowEmpty.
func NoItemsError(r Reader, items int, allowEmpty bool) error {
	if items > 0 {
		return nil
	}
	why := "the feed has no items"
	html := false
	for _, d := range r.Diagnostics() {
		switch d.Rule {
		case ruleHTML:
			html = true
			why = d.Message
		case ruleFeedEmpty, ruleNoItems:
			if !html {
				why = d.Message
			}
		}
	}
	if allowEmpty && !html {
		return nil
	}
	name := ""
	for _, d := range r.Diagnostics() {
		if d.File != "" {
			name = d.File + ": "
			break
		}
	}
	return fmt.Errorf("%s%s: %w", name, why, errNoItems)
}

// emptyReader is the Reader of a zero-length (or whitespace-only) file.
type emptyReader struct {
	format  string
	diags   []Finding
	closers []io.Closer
}

func (e *emptyReader) Next() (*Item, error)   { return nil, io.EOF }
func (e *emptyReader) Format() string         { return e.format }
func (e *emptyReader) Columns() []string      { return nil }
func (e *emptyReader) Diagnostics() []Finding { return e.diags }
func (e *emptyReader) Close() error {
	var errs []error
	for _, c := range e.closers {
		errs = append(errs, c.Close())
	}
	e.closers = nil
	return errors.Join(errs...)
}

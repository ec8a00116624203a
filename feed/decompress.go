package feed

import (
	"archive/zip"
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/dpa-tools/dpa/feed/limit"
	"github.com/dpa-tools/dpa/feed/sniff"
	"github.com/klauspost/compress/zstd"
)

// zstdMaxWindow admits every standard zstd level (level 19 uses 8 MiB,
// --ultra -22 128 MiB) but not --long=31 archives, whose 2 GiB window
// would be allocated up front.
const zstdMaxWindow = 128 << 20

// decompressor wraps br in the stream decoder of kind (not zip). The
// returned closer releases the decoder.
func decompressor(kind string, br *bufio.Reader) (io.Reader, io.Closer, error) {
	switch kind {
	case sniff.Gzip:
		gz, err := gzip.NewReader(br)
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				err = errors.New("the compressed data is truncated")
			}
			return nil, nil, err
		}
		// Close reports the stream's error again (truncated data); Next
		// has already returned it, so closing must not fail.
		return gz, closerFunc(func() error { _ = gz.Close(); return nil }), nil
	case sniff.Bzip2:
		return bzip2.NewReader(br), nil, nil
	case sniff.Zstd:
		d, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, nil, err
		}
		return d, closerFunc(func() error { d.Close(); return nil }), nil
	}
	return nil, nil, fmt.Errorf("unknown compression %q", kind)
}

// zipSource is a zip archive ready for random access: the feed file
// itself, or a temporary copy of a stream.
type zipSource struct {
	zr   *zip.Reader
	path string // a file path excelize can open
}

// openZip gives random access to the zip at the front of br: file itself
// when it is the raw input, otherwise a temporary copy of at most maxB
// bytes, which a closer appended to *closers removes again.
func openZip(name string, br *bufio.Reader, file *os.File, maxB int64, closers *[]io.Closer) (*zipSource, error) {
	if file != nil {
		if st, err := file.Stat(); err == nil && st.Mode().IsRegular() {
			if _, err := file.Seek(0, io.SeekStart); err == nil {
				zr, err := zip.NewReader(file, st.Size())
				if err != nil {
					return nil, fmt.Errorf("%s: read zip: %w", name, err)
				}
				return &zipSource{zr: zr, path: file.Name()}, nil
			}
		}
	}
	tmp, err := os.CreateTemp("", "dpa-*.zip")
	if err != nil {
		return nil, fmt.Errorf("%s: spool zip: %w", name, err)
	}
	p := tmp.Name()
	*closers = append(*closers, closerFunc(func() error {
		return errors.Join(tmp.Close(), os.Remove(p))
	}))
	n, err := io.Copy(tmp, newCapReader(br, maxB, "the zip archive"))
	if err != nil {
		return nil, fmt.Errorf("%s: spool zip: %w", name, err)
	}
	zr, err := zip.NewReader(tmp, n)
	if err != nil {
		return nil, fmt.Errorf("%s: read zip: %w", name, err)
	}
	return &zipSource{zr: zr, path: p}, nil
}

// isWorkbook reports whether the archive is an XLSX (OOXML spreadsheet).
func (z *zipSource) isWorkbook() bool {
	for _, f := range z.zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, "\\", "/"), "xl/workbook.xml") {
			return true
		}
	}
	return false
}

// feedEntry returns the single feed inside a zipped feed. Directories and
// the litter of archivers (__MACOSX/, .DS_Store, Thumbs.db) do not count.
// Entry names are only used as format hints and in messages: nothing is
// ever written under them, so "../" names are harmless.
func (z *zipSource) feedEntry(name string, maxB int64) (*zip.File, error) {
	var feeds []*zip.File
	for _, f := range z.zr.File {
		n := strings.ReplaceAll(f.Name, "\\", "/")
		base := path.Base(n)
		if strings.HasSuffix(n, "/") || f.FileInfo().IsDir() || strings.HasPrefix(n, "__MACOSX/") ||
			strings.HasPrefix(base, ".") || strings.EqualFold(base, "Thumbs.db") {
			continue
		}
		feeds = append(feeds, f)
	}
	switch {
	case len(feeds) == 0:
		return nil, fmt.Errorf("%s: a zip archive that is not an XLSX workbook and holds no feed file: %w", name, errUnsupportedFormat)
	case len(feeds) > 1:
		names := make([]string, 0, len(feeds))
		for _, f := range feeds {
			names = append(names, f.Name)
		}
		sort.Strings(names)
		if len(names) > 10 {
			names = append(names[:10], fmt.Sprintf("and %d more", len(feeds)-10))
		}
		return nil, fmt.Errorf("%s: the zip archive holds %d files (%s); dpa reads one feed per file: unzip it and pass the feeds one by one: %w",
			name, len(feeds), strings.Join(names, ", "), errUnsupportedFormat)
	}
	f := feeds[0]
	if maxB >= 0 && f.UncompressedSize64 > uint64(maxB) {
		return nil, fmt.Errorf("%s: %w", name, &limit.SizeError{What: fmt.Sprintf("zip entry %s (%d bytes unpacked)", f.Name, f.UncompressedSize64), Limit: maxB, Flag: "--max-bytes"})
	}
	return f, nil
}

// workbookInMemoryLimit caps each workbook part that excelize reads into
// memory whole (everything but the worksheets and the shared strings,
// which it spools to disk past UnzipXMLSizeLimit).
const workbookInMemoryLimit = 256 << 20

// checkWorkbookSizes refuses a workbook whose declared unpacked sizes pass
// the limits before excelize unpacks anything. archive/zip enforces the
// declared sizes while reading, so a lying header fails there instead.
func (z *zipSource) checkWorkbookSizes(name string, maxB int64) error {
	var total uint64
	for _, f := range z.zr.File {
		total += f.UncompressedSize64
		n := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		if strings.HasPrefix(n, "xl/worksheets/sheet") || n == "xl/sharedstrings.xml" {
			continue
		}
		if lim := min(int64(workbookInMemoryLimit), maxB); lim >= 0 && f.UncompressedSize64 > uint64(lim) {
			return fmt.Errorf("%s: %w", name, &limit.SizeError{What: fmt.Sprintf("workbook part %s (%d bytes unpacked)", f.Name, f.UncompressedSize64), Limit: lim})
		}
	}
	if maxB >= 0 && total > uint64(maxB) {
		return fmt.Errorf("%s: %w", name, &limit.SizeError{What: fmt.Sprintf("the unpacked workbook (%d bytes)", total), Limit: maxB, Flag: "--max-bytes"})
	}
	return nil
}

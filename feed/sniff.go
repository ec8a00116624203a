package feed

import (
	"bytes"
	"path/filepath"
	"strings"
)

// Formats a Reader can report.
const (
	FormatCSV   = "csv"
	FormatTSV   = "tsv"
	FormatXML   = "xml"
	FormatXLSX  = "xlsx"
	FormatJSONL = "jsonl"
	FormatJSON  = "json"
)

var (
	magicOLE = []byte{0xD0, 0xCF, 0x11, 0xE0}
)

// normalizeFormat maps user spellings of --format to a format name.
func normalizeFormat(f string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(f)) {
	case "csv":
		return FormatCSV, true
	case "tsv", "tab", "txt":
		return FormatTSV, true
	case "xml", "rss", "atom":
		return FormatXML, true
	case "xlsx", "excel":
		return FormatXLSX, true
	case "jsonl", "ndjson", "json-lines", "jsonlines":
		return FormatJSONL, true
	case "json":
		return FormatJSON, true
	}
	return "", false
}

// feedExt returns the lower-case extension of name after removing
// compression suffixes ("feed.csv.gz" → ".csv", "feed.xml.zst" → ".xml").
func feedExt(name string) string {
	n := strings.ToLower(name)
	for {
		e := filepath.Ext(n)
		switch e {
		case ".gz", ".gzip", ".bz2", ".zst", ".zstd", ".zip":
			n = strings.TrimSuffix(n, e)
			continue
		}
		return e
	}
}

// formatFromExt maps an extension to a format, or "".
func formatFromExt(ext string) string {
	switch ext {
	case ".csv":
		return FormatCSV
	case ".tsv", ".txt", ".tab":
		return FormatTSV
	case ".xml", ".rss", ".atom":
		return FormatXML
	case ".xlsx":
		return FormatXLSX
	case ".jsonl", ".ndjson":
		return FormatJSONL
	case ".json":
		return FormatJSON
	}
	return ""
}

// sniffTextFormat looks at the first bytes of decoded text. Strong
// content signals (markup, JSON brackets) beat the extension, because
// feeds are often served under the wrong name; plain text falls back to
// the extension and then to CSV with a sniffed delimiter.
func sniffTextFormat(prefix []byte, ext string) string {
	p := bytes.TrimLeft(prefix, " \t\r\n")
	if len(p) > 0 {
		switch p[0] {
		case '<':
			return FormatXML
		case '[':
			return FormatJSON
		case '{':
			return FormatJSONL
		}
	}
	if f := formatFromExt(ext); f != "" && f != FormatXLSX && f != FormatXML && f != FormatJSON && f != FormatJSONL {
		return f
	}
	if f := formatFromExt(ext); f == FormatXML || f == FormatJSON || f == FormatJSONL {
		// The name promises markup or JSON but the content is not: let
		// that reader report the syntax error with a line number.
		return f
	}
	return FormatCSV
}

// looksHTML reports whether the sniffed text is an HTML document (a web
// page saved in place of a feed): after an optional BOM, blanks and
// comments it opens with <!DOCTYPE html>, <html>, <head> or <body>. RSS
// and Atom feeds never start like that.
func looksHTML(prefix []byte) bool {
	p := bytes.TrimPrefix(prefix, []byte("\xef\xbb\xbf"))
	for {
		p = bytes.TrimLeft(p, " \t\r\n")
		if !bytes.HasPrefix(p, []byte("<!--")) {
			break
		}
		end := bytes.Index(p, []byte("-->"))
		if end < 0 {
			return false
		}
		p = p[end+3:]
	}
	if len(p) > 32 {
		p = p[:32]
	}
	l := bytes.ToLower(p)
	if bytes.HasPrefix(l, []byte("<!doctype html")) {
		return true
	}
	for _, tag := range []string{"<html", "<head", "<body"} {
		if bytes.HasPrefix(l, []byte(tag)) && len(l) > len(tag) && bytes.ContainsRune([]byte(" \t\r\n>"), rune(l[len(tag)])) {
			return true
		}
	}
	return false
}

// looksBinary reports whether decoded text is so full of NUL and control
// bytes that it is no text feed at all (an image, an executable, random
// data). A few stray NULs, which broken exports do leave in a field, do
// not make a feed binary: it is read, and the checks flag those fields.
func looksBinary(p []byte) bool {
	if len(p) > 4096 {
		p = p[:4096]
	}
	ctl := 0
	for _, c := range p {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			ctl++
		}
	}
	return ctl*20 > len(p)
}

// firstLine returns the first line of p that is neither blank nor a
// leading `#` comment (Meta's `# ref_application_id …` metadata), without
// its line ending.
func firstLine(p []byte) []byte {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		var line []byte
		if i < 0 {
			line, p = p, nil
		} else {
			line, p = p[:i], p[i+1:]
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 || line[0] == '#' {
			continue
		}
		return line
	}
	return nil
}

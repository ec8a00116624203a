package feed

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize bounds how much of a stream is inspected to detect its
// compression, encoding, format and delimiter. Bytes beyond it are only
// seen by the format reader, which deals with bad encoding per field.
const sniffSize = 64 << 10

// bufSize matches the bare-stdlib baseline (shared/bench/baseline.go) so
// speed ratios compare like with like.
const bufSize = 1 << 20

// Rule names of reading-level problems and file-level findings.
const (
	ruleInvalidUTF8      = "encoding.invalid_utf8"
	ruleEncodingDetected = "encoding.detected"
	ruleEncodingMismatch = "encoding.mismatch"
	ruleFeedEmpty        = "feed.empty"
	ruleNoItems          = "feed.no_items"
	ruleHTML             = "feed.html"
	ruleCSVColumnCount   = "csv.column_count"
	ruleCSVSyntax        = "csv.syntax"
	ruleJSONSyntax       = "json.syntax"
)

// textEncoding is the outcome of the encoding layer.
type textEncoding struct {
	name string // canonical label: utf-8, utf-16le, utf-16be, windows-1252, ...
	// utf8 is true when bytes reach the format reader untranscoded, so
	// invalid sequences can still occur and must be checked per field.
	utf8 bool
	dec  *encoding.Decoder // nil for utf-8
}

// lookupEncoding resolves an --encoding value. Latin-1 is decoded as
// Windows-1252, as browsers do: feeds labelled Latin-1 are nearly always
// cp1252 and strict ISO-8859-1 would turn 0x80 (€) into a control char.
func lookupEncoding(label string) (textEncoding, error) {
	l := strings.ToLower(strings.TrimSpace(label))
	l = strings.ReplaceAll(l, "_", "-")
	switch l {
	case "utf-8", "utf8":
		return textEncoding{name: "utf-8", utf8: true}, nil
	case "utf-16", "utf16":
		// The byte order is decided by the BOM or the NUL heuristic in
		// decodeLayer; this is only the fallback.
		return textEncoding{name: "utf-16le", dec: unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()}, nil
	case "utf-16le", "utf16le":
		return textEncoding{name: "utf-16le", dec: unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()}, nil
	case "utf-16be", "utf16be":
		return textEncoding{name: "utf-16be", dec: unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()}, nil
	case "windows-1252", "cp1252", "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1":
		return textEncoding{name: "windows-1252", dec: charmap.Windows1252.NewDecoder()}, nil
	}
	enc, err := htmlindex.Get(l)
	if err != nil {
		return textEncoding{}, fmt.Errorf("unknown encoding %q (try utf-8, utf-16le, utf-16be or windows-1252)", label)
	}
	name, _ := htmlindex.Name(enc)
	if name == "utf-8" {
		return textEncoding{name: "utf-8", utf8: true}, nil
	}
	return textEncoding{name: name, dec: enc.NewDecoder()}, nil
}

// decodeLayer strips a BOM and decides the text encoding of br, returning
// a reader that yields UTF-8 (apart from invalid bytes in utf-8 mode).
// Detection order: forced label, BOM, NUL-byte pattern (UTF-16 without
// BOM), the XML declaration, UTF-8 validity of the first sniffSize bytes,
// and finally Windows-1252 with an info finding.
func decodeLayer(name string, br *bufio.Reader, forced string, bufN int) (*bufio.Reader, textEncoding, []Finding, error) {
	prefix, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull && len(prefix) == 0 {
		return nil, textEncoding{}, nil, fmt.Errorf("read %s: %w", name, err)
	}
	var bom textEncoding
	bomLen := 0
	switch {
	case bytes.HasPrefix(prefix, []byte{0xEF, 0xBB, 0xBF}):
		bom, bomLen = textEncoding{name: "utf-8", utf8: true}, 3
	case bytes.HasPrefix(prefix, []byte{0xFF, 0xFE}):
		bom, _ = lookupEncoding("utf-16le")
		bomLen = 2
	case bytes.HasPrefix(prefix, []byte{0xFE, 0xFF}):
		bom, _ = lookupEncoding("utf-16be")
		bomLen = 2
	}

	var te textEncoding
	var diags []Finding
	switch {
	case forced != "":
		te, err = lookupEncoding(forced)
		if err != nil {
			return nil, textEncoding{}, nil, err
		}
		if te.name == "utf-16le" && strings.Contains(strings.ToLower(forced), "16") && !strings.Contains(strings.ToLower(forced), "le") {
			// plain "utf-16": let the BOM or the NUL pattern pick the order.
			if bom.name == "utf-16be" || (bomLen == 0 && nulPattern(prefix) == "utf-16be") {
				te, _ = lookupEncoding("utf-16be")
			} else {
				te, _ = lookupEncoding("utf-16le")
			}
		}
		// A BOM of the forced encoding is still dropped.
		if bomLen > 0 && bom.name == te.name {
			_, _ = br.Discard(bomLen)
		}
	case bomLen > 0:
		te = bom
		_, _ = br.Discard(bomLen)
		if !te.utf8 {
			diags = append(diags, fileFinding(name, ruleEncodingDetected, Info,
				fmt.Sprintf("byte order mark says %s; decoded to UTF-8", strings.ToUpper(te.name)), te.name))
		}
	default:
		if enc := nulPattern(prefix); enc != "" {
			te, _ = lookupEncoding(enc)
			diags = append(diags, fileFinding(name, ruleEncodingDetected, Info,
				fmt.Sprintf("NUL bytes suggest %s without a byte order mark; decoded to UTF-8", strings.ToUpper(enc)), enc))
			break
		}
		utf8OK := validUTF8Prefix(prefix, len(prefix) == sniffSize)
		if label := xmlDeclEncoding(prefix); label != "" {
			if d, err := lookupEncoding(label); err == nil && !d.utf8 {
				// Trust the bytes over the declaration: UTF-16 text
				// has a BOM or NULs (neither is here), and text in a
				// single-byte charset is almost never valid UTF-8 with
				// multi-byte sequences. A declaration that contradicts the
				// bytes used to turn a whole feed into 0 items.
				switch {
				case strings.HasPrefix(d.name, "utf-16"):
					actual := "utf-8"
					if !utf8OK {
						actual = "windows-1252"
					}
					diags = append(diags, fileFinding(name, ruleEncodingMismatch, Warning,
						fmt.Sprintf("the XML declaration says %s but the bytes have no byte order mark and no NULs; read as %s", label, strings.ToUpper(actual)), label))
					if utf8OK {
						te = textEncoding{name: "utf-8", utf8: true}
						break
					}
					te, _ = lookupEncoding("windows-1252")
				case utf8OK && hasMultiByte(prefix):
					te = textEncoding{name: "utf-8", utf8: true}
					diags = append(diags, fileFinding(name, ruleEncodingMismatch, Warning,
						fmt.Sprintf("the XML declaration says %s but the bytes are UTF-8; read as UTF-8", label), label))
				default:
					te = d
				}
				break
			}
		}
		if utf8OK {
			te = textEncoding{name: "utf-8", utf8: true}
			break
		}
		te, _ = lookupEncoding("windows-1252")
		diags = append(diags, fileFinding(name, ruleEncodingDetected, Info,
			"not UTF-8; decoded as windows-1252", "windows-1252"))
	}
	if te.dec == nil {
		return br, te, diags, nil
	}
	// Transcoding can grow the text (cp1252 → UTF-8 up to 3x).
	return bufio.NewReaderSize(transform.NewReader(br, te.dec), min(bufSize, 3*bufN)), te, diags, nil
}

// hasMultiByte reports whether p holds a non-ASCII byte.
func hasMultiByte(p []byte) bool {
	for _, b := range p {
		if b >= 0x80 {
			return true
		}
	}
	return false
}

func fileFinding(file, rule string, sev Severity, msg, value string) Finding {
	return Finding{File: file, Rule: rule, Severity: sev, Message: msg, Value: value}
}

// nulPattern recognises UTF-16 text without a BOM: mostly-ASCII text in
// UTF-16 has a NUL in every other byte.
func nulPattern(p []byte) string {
	if len(p) > 512 {
		p = p[:512]
	}
	if len(p) < 4 {
		return ""
	}
	var even, odd int
	for i := 0; i+1 < len(p); i += 2 {
		if p[i] == 0 {
			even++
		}
		if p[i+1] == 0 {
			odd++
		}
	}
	pairs := len(p) / 2
	switch {
	case odd*2 >= pairs && even*8 < pairs:
		return "utf-16le"
	case even*2 >= pairs && odd*8 < pairs:
		return "utf-16be"
	}
	return ""
}

// validUTF8Prefix is utf8.Valid, except that a rune cut off by the sniff
// window does not count as invalid.
func validUTF8Prefix(p []byte, truncated bool) bool {
	if utf8.Valid(p) {
		return true
	}
	if !truncated {
		return false
	}
	for cut := 1; cut <= 3 && cut < len(p); cut++ {
		if utf8.Valid(p[:len(p)-cut]) {
			return true
		}
	}
	return false
}

// xmlDeclEncoding returns the encoding pseudo-attribute of a leading XML
// declaration, or "".
func xmlDeclEncoding(p []byte) string {
	if !bytes.HasPrefix(p, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(p, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := p[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	j := bytes.IndexByte(rest[1:], q)
	if j < 0 {
		return ""
	}
	return string(rest[1 : 1+j])
}

// fixUTF8 returns s with every invalid byte replaced by U+FFFD, and s with
// those bytes escaped as \xNN for display. Callers check utf8.ValidString
// first, so this only runs on the rare bad field.
func fixUTF8(s string) (fixed, escaped string) {
	var f, e strings.Builder
	f.Grow(len(s) + 8)
	e.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			f.WriteRune(utf8.RuneError)
			fmt.Fprintf(&e, `\x%02x`, s[i])
			i++
			continue
		}
		f.WriteString(s[i : i+size])
		e.WriteString(s[i : i+size])
		i += size
	}
	return f.String(), e.String()
}

func invalidUTF8Problem(field, escaped string) Problem {
	return Problem{
		Rule:    ruleInvalidUTF8,
		Field:   field,
		Value:   escaped,
		Message: fmt.Sprintf("field %q is not valid UTF-8; the bad bytes were replaced with U+FFFD", field),
	}
}

// checkFieldsUTF8 validates the fields of one item in place. It is the
// per-field path used where the format reader hands us raw bytes (CSV,
// XLSX, JSON Lines).
func checkFieldsUTF8(it *Item) {
	for i := range it.Fields {
		v := it.Fields[i].Value
		if utf8.ValidString(v) {
			continue
		}
		fixed, esc := fixUTF8(v)
		it.Fields[i].Value = fixed
		it.Problems = append(it.Problems, invalidUTF8Problem(it.Fields[i].Name, esc))
	}
}

// sanitizer sits in front of decoders that reject or silently replace
// invalid UTF-8 (encoding/xml fails the whole document; encoding/json
// substitutes U+FFFD without telling). It replaces each invalid byte with
// U+FFFD itself and remembers the byte and its offset in the output, so the
// reader can attach a Problem with the original bytes to the right item.
type sanitizer struct {
	src  io.Reader
	buf  []byte
	tail []byte // an incomplete rune held back from the last read, inside buf
	out  []byte // pending output not yet handed to the caller
	off  int64  // output offset of the next byte handed out
	bad  []badByte
	err  error
}

type badByte struct {
	off int64 // offset of the U+FFFD in the sanitized stream
	b   byte
}

func newSanitizer(r io.Reader, bufN int) *sanitizer {
	return &sanitizer{src: r, buf: make([]byte, min(256<<10, bufN))}
}

func (s *sanitizer) Read(p []byte) (int, error) {
	for len(s.out) == 0 {
		if s.err != nil {
			if len(s.tail) > 0 {
				// A rune cut off by the end of the stream is invalid.
				t := s.tail
				s.tail = nil
				s.out = s.fix(t)
				break
			}
			return 0, s.err
		}
		nt := copy(s.buf, s.tail)
		n, err := s.src.Read(s.buf[nt:])
		s.err = err
		chunk := s.buf[:nt+n]
		keep := 0
		if err == nil {
			keep = incompleteTail(chunk)
		}
		body := chunk[:len(chunk)-keep]
		s.tail = chunk[len(chunk)-keep:]
		if utf8.Valid(body) {
			s.out = body
		} else {
			s.out = s.fix(body)
		}
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	s.off += int64(n)
	return n, nil
}

// fix replaces invalid bytes of b, which starts at output offset s.off.
func (s *sanitizer) fix(b []byte) []byte {
	out, bad := fixBytes(b, s.off)
	s.bad = append(s.bad, bad...)
	return out
}

// fixBytes replaces each invalid byte of b with U+FFFD and records the
// byte at its output offset (base + position in the result).
func fixBytes(b []byte, base int64) ([]byte, []badByte) {
	out := make([]byte, 0, len(b)+16)
	var bad []badByte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			bad = append(bad, badByte{off: base + int64(len(out)), b: b[i]})
			out = utf8.AppendRune(out, utf8.RuneError)
			i++
			continue
		}
		out = append(out, b[i:i+size]...)
		i += size
	}
	return out, bad
}

// incompleteTail returns how many trailing bytes of b start a rune that
// the next read may complete.
func incompleteTail(b []byte) int {
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return 0
		}
		if c >= 0xC0 {
			if !utf8.FullRune(b[len(b)-k:]) {
				return k
			}
			return 0
		}
	}
	return 0
}

// take returns and forgets the bad bytes recorded at output offsets below
// end, dropping those below start (outside any item).
func (s *sanitizer) take(start, end int64) []badByte {
	i := 0
	for i < len(s.bad) && s.bad[i].off < start {
		i++
	}
	j := i
	for j < len(s.bad) && s.bad[j].off < end {
		j++
	}
	got := append([]badByte(nil), s.bad[i:j]...)
	s.bad = append(s.bad[:0], s.bad[j:]...)
	return got
}

// attachBad turns recorded bad bytes into Problems on the fields of it
// that contain U+FFFD, pairing replacement characters with recorded bytes
// in source order.
func attachBad(it *Item, bad []badByte) {
	if len(bad) == 0 {
		return
	}
	k := 0
	for i := range it.Fields {
		v := it.Fields[i].Value
		if k >= len(bad) || !strings.ContainsRune(v, utf8.RuneError) {
			continue
		}
		var e strings.Builder
		for _, r := range v {
			if r == utf8.RuneError && k < len(bad) {
				fmt.Fprintf(&e, `\x%02x`, bad[k].b)
				k++
				continue
			}
			e.WriteRune(r)
		}
		it.Problems = append(it.Problems, invalidUTF8Problem(it.Fields[i].Name, e.String()))
	}
}

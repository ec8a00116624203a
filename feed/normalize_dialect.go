package feed

import (
	"bufio"
	"encoding/csv"
	"io"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Dialect is how a tabular input is written: its header as spelled in the
// file, its delimiter and its text encoding. A rejects file written in the
// same dialect can be fixed in the shop tool and imported again.
type Dialect struct {
	Format   string   // csv or tsv; "" when the input is not tabular text
	Header   []string // the header row as written ("Variant Price", not variant_price)
	Comma    rune
	Encoding string // utf-8, utf-16le, utf-16be, windows-1252
}

// DialectOf describes an open reader after its first Next.
func DialectOf(r Reader) Dialect {
	c, ok := r.(*csvReader)
	if !ok {
		return Dialect{}
	}
	enc := c.enc.name
	if enc == "" {
		enc = "utf-8"
	}
	return Dialect{Format: c.format, Header: c.rawHeader, Comma: c.comma, Encoding: enc}
}

// RejectsWriter writes rejected CSV/TSV records back in the input's
// dialect: the original header names plus dpa_reason, the same delimiter
// and encoding, and (bom) a UTF-8 byte-order mark so Excel reads it as
// UTF-8. Records are written by position, as the reader produced them.
type rejectsWriter struct {
	bw  *bufio.Writer
	ew  io.WriteCloser
	cw  *csv.Writer
	n   int
	row []string
}

// NewRejectsWriter starts a rejects file in dialect d.
func NewRejectsWriter(w io.Writer, d Dialect, bom bool) (ItemWriter, error) {
	bw := bufio.NewWriter(w)
	var out io.Writer = bw
	var ew io.WriteCloser
	var enc encoding.Encoding
	switch d.Encoding {
	case "windows-1252":
		enc = charmap.Windows1252
	case "utf-16le":
		enc = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	case "utf-16be":
		enc = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	default:
		if bom {
			bw.WriteString("\ufeff")
		}
	}
	if enc != nil {
		ew = transform.NewWriter(bw, encoding.ReplaceUnsupported(enc.NewEncoder()))
		out = ew
	}
	r := &rejectsWriter{bw: bw, ew: ew, cw: csv.NewWriter(out), n: len(d.Header)}
	if d.Comma != 0 {
		r.cw.Comma = d.Comma
	}
	err := r.cw.Write(append(append([]string(nil), d.Header...), ReasonField))
	return r, err
}

func (r *rejectsWriter) Write(it *Item) error {
	r.row = r.row[:0]
	reason := ""
	fields := it.Fields
	if k := len(fields) - 1; k >= 0 && fields[k].Name == ReasonField {
		reason, fields = fields[k].Value, fields[:k]
	}
	for _, f := range fields {
		r.row = append(r.row, f.Value)
	}
	for len(r.row) < r.n {
		r.row = append(r.row, "")
	}
	return r.cw.Write(append(r.row, reason))
}

func (r *rejectsWriter) Close() error {
	r.cw.Flush()
	if err := r.cw.Error(); err != nil {
		return err
	}
	if r.ew != nil {
		if err := r.ew.Close(); err != nil {
			return err
		}
	}
	return r.bw.Flush()
}

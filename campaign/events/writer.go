package events

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriterHeader is the canonical CSV schema Writer produces and Reader reads
// back without any mapping.
var WriterHeader = []string{ColTimestamp, ColUserID, ColSessionID, "event", ColItemID, ColValue, ColCurrency, ColQuantity}

// Writer writes events in the canonical CSV schema. Several item ids are
// written as one content_ids-style value separated by "|".
type Writer struct {
	bw  *bufio.Writer
	cw  *csv.Writer
	rec []string
	hdr bool
	pq  *parquetWriter
}

// NewWriter returns a Writer on w. Call Flush when done. When w is a
// ParquetOutput, the Writer writes Parquet instead (see ParquetOutput).
func NewWriter(w io.Writer) *Writer {
	if po, ok := w.(*parquetOutput); ok {
		return &Writer{pq: newParquetWriter(po.w)}
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	return &Writer{bw: bw, cw: csv.NewWriter(bw), rec: make([]string, len(WriterHeader))}
}

// Write writes one event (the header first, on the first call).
func (w *Writer) Write(ev *Event) error {
	if w.pq != nil {
		return w.pq.write(ev)
	}
	if !w.hdr {
		w.hdr = true
		if err := w.cw.Write(WriterHeader); err != nil {
			return err
		}
	}
	r := w.rec
	r[0] = ev.Time.UTC().Format(time.RFC3339Nano)
	r[1] = ev.UserID
	r[2] = ev.SessionID
	r[3] = string(ev.Type)
	r[4] = strings.Join(ev.ItemIDs, "|")
	r[5], r[6], r[7] = "", ev.Currency, ""
	if ev.Value != 0 {
		r[5] = strconv.FormatFloat(ev.Value, 'f', -1, 64)
	}
	if ev.Quantity != 0 {
		r[7] = strconv.Itoa(ev.Quantity)
	}
	return w.cw.Write(r)
}

// Flush writes buffered data (and the header, for an empty log).
func (w *Writer) Flush() error {
	if w.pq != nil {
		return w.pq.close()
	}
	if !w.hdr {
		w.hdr = true
		if err := w.cw.Write(WriterHeader); err != nil {
			return err
		}
	}
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return err
	}
	return w.bw.Flush()
}

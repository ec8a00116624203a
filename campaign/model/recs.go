package model

import (
	"fmt"
	"io"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// RecHeader is the column list of `dpa recommend --all-users`, in CSV and
// Parquet alike. stage (the list the item came from, numbered densely from
// 1 per user as in recommend -o json) was added last, so readers that take
// columns by position keep working.
var RecHeader = []string{"user", "strategy", "rank", "item", "score", "reason", "stage"}

type recRow struct {
	User     string  `parquet:"user,dict"`
	Strategy string  `parquet:"strategy,dict"`
	Rank     int32   `parquet:"rank"`
	Item     string  `parquet:"item,dict"`
	Score    float64 `parquet:"score"`
	Reason   string  `parquet:"reason,dict"`
	Stage    int32   `parquet:"stage"`
}

// RecWriter writes recommendation rows (RecHeader order, as the CSV writer
// gets them) to Parquet with typed rank and score columns.
type RecWriter struct {
	w    *parquet.GenericWriter[recRow]
	rows []recRow
}

// NewRecWriter returns a RecWriter on w; Close writes the footer.
func NewRecWriter(w io.Writer) *RecWriter {
	return &RecWriter{w: parquet.NewGenericWriter[recRow](w, parquet.Compression(&parquet.Zstd), parquet.CreatedBy("dpa", "", "")),
		rows: make([]recRow, 0, 4096)}
}

// Write adds one row: user, strategy, rank, item, score, reason, stage.
func (r *RecWriter) Write(rec []string) error {
	if len(rec) != len(RecHeader) {
		return fmt.Errorf("model: recommendation row has %d fields, want %d", len(rec), len(RecHeader))
	}
	rk, err := strconv.Atoi(rec[2])
	if err != nil {
		return fmt.Errorf("model: rank %q: %w", rec[2], err)
	}
	sc, err := strconv.ParseFloat(rec[4], 64)
	if err != nil {
		return fmt.Errorf("model: score %q: %w", rec[4], err)
	}
	stg, err := strconv.Atoi(rec[6])
	if err != nil {
		return fmt.Errorf("model: stage %q: %w", rec[6], err)
	}
	r.rows = append(r.rows, recRow{User: rec[0], Strategy: rec[1], Rank: int32(rk), Item: rec[3], Score: sc, Reason: rec[5], Stage: int32(stg)})
	if len(r.rows) == cap(r.rows) {
		return r.flush()
	}
	return nil
}

func (r *RecWriter) flush() error {
	if len(r.rows) == 0 {
		return nil
	}
	_, err := r.w.Write(r.rows)
	clear(r.rows)
	r.rows = r.rows[:0]
	return err
}

// Close writes the buffered rows and the Parquet footer.
func (r *RecWriter) Close() error {
	if err := r.flush(); err != nil {
		return err
	}
	return r.w.Close()
}

package ope

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Log layouts.
const (
	// LayoutDPA is dpa's own impressions log: one row per served
	// carousel, with the logging policy's probability of every arm
	// (RecoGym logs the same `ps` / `ps-a` pair, background doc §2.1), so
	// that any arm can be evaluated off-policy from it.
	LayoutDPA = "dpa"
	// LayoutOBD is the Open Bandit Dataset layout: one row per shown
	// product and position, with the probability of that product at that
	// position under the logging policy.
	LayoutOBD = "obd"
)

// obdColumns is the Open Bandit Dataset CSV layout: an unnamed pandas
// index column, then timestamp, item_id (an item index), position (1, 2,
// 3 … = left, centre, right), click (0/1), propensity_score (the
// probability of the item being recommended at that position), then
// user_feature_* columns (hashed in the real data).
// Source: "Open Bandit Dataset", st-tech/zr-obp obd/README.md,
// https://github.com/st-tech/zr-obp/blob/master/obd ; header as in
// https://raw.githubusercontent.com/st-tech/zr-obp/8cbd5fa4558b7ad2ba4781546d6604e4cc3e07c4/obd/random/all/all.csv
// and the dataset card https://huggingface.co/datasets/zozonext/open-bandit
// (its README names the probability column action_prob; the CSV files
// and obp's loader use propensity_score). dpa writes the segment as
// user_feature_0.
var obdColumns = []string{"", "timestamp", "item_id", "position", "click", "propensity_score", "user_feature_0"}

// Impression is one served carousel as the logging policy chose it.
type Impression struct {
	Time    time.Time
	ID      int64
	UserID  string
	Segment string
	// Action is the arm whose carousel was served; Propensity is its
	// probability under the logging policy.
	Action     string
	Propensity float64
	// Items are the shown products, by position; ItemIndex their catalog
	// indices (the OBD item_id) and ItemPropensity the probability of each
	// product at its position under the logging policy (the OBD
	// propensity_score: the sum of the probabilities of every arm whose
	// carousel had that product there).
	Items          []string
	ItemIndex      []int
	ItemPropensity []float64
	// Click is the 1-based clicked position, 0 for none.
	Click int
	// Variant is the creative variant served, with its probability.
	Variant           string
	VariantPropensity float64
	// ArmPropensity is the logging probability of each arm of the log's
	// header (0: the arm had no carousel for this shopper).
	ArmPropensity []float64
}

// Writer writes an impressions log in one layout. It is not safe for
// concurrent use.
type Writer struct {
	w      *csv.Writer
	layout string
	arms   []string
	row    int64
	rec    []string
	hdr    bool
}

// NewWriter returns a writer of the layout (LayoutDPA or LayoutOBD) for a
// simulation comparing arms.
func NewWriter(w io.Writer, layout string, arms []string) (*Writer, error) {
	if layout != LayoutDPA && layout != LayoutOBD {
		return nil, fmt.Errorf("ope: unknown impressions layout %q (one of %s, %s)", layout, LayoutDPA, LayoutOBD)
	}
	return &Writer{w: csv.NewWriter(w), layout: layout, arms: arms}, nil
}

func dpaHeader(arms []string) []string {
	h := []string{"timestamp", "impression_id", "user_id", "segment", "action", "propensity", "click", "click_position",
		"items", "variant", "variant_propensity"}
	for _, a := range arms {
		h = append(h, "ps_"+a)
	}
	return h
}

func ff(x float64) string { return strconv.FormatFloat(x, 'g', 8, 64) }

// Write appends one impression (OBD: one row per position).
func (w *Writer) Write(im *Impression) error {
	if !w.hdr {
		w.hdr = true
		h := obdColumns
		if w.layout == LayoutDPA {
			h = dpaHeader(w.arms)
		}
		if err := w.w.Write(h); err != nil {
			return err
		}
	}
	ts := im.Time.UTC().Format(time.RFC3339)
	if w.layout == LayoutOBD {
		for p := range im.Items {
			click := "0"
			if im.Click == p+1 {
				click = "1"
			}
			w.rec = append(w.rec[:0], strconv.FormatInt(w.row, 10), ts, strconv.Itoa(im.ItemIndex[p]), strconv.Itoa(p+1),
				click, ff(im.ItemPropensity[p]), im.Segment)
			w.row++
			if err := w.w.Write(w.rec); err != nil {
				return err
			}
		}
		return nil
	}
	click := "0"
	if im.Click > 0 {
		click = "1"
	}
	w.rec = append(w.rec[:0], ts, strconv.FormatInt(im.ID, 10), im.UserID, im.Segment, im.Action, ff(im.Propensity), click,
		strconv.Itoa(im.Click), strings.Join(im.Items, "|"), im.Variant, ff(im.VariantPropensity))
	for i := range w.arms {
		w.rec = append(w.rec, ff(im.ArmPropensity[i]))
	}
	return w.w.Write(w.rec)
}

// Flush flushes the CSV writer and reports any write error.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Round is one logged decision as the estimators see it.
type Round struct {
	Line int
	// Unit is the bootstrap's resampling unit: the shopper (user_id) of a
	// dpa log, the impression (timestamp) of an OBD log whose rows are
	// the positions of one impression; empty when the log has neither.
	Unit    string
	Segment string
	Action  string
	Reward  float64
	// Propensity is π_b(Action|x).
	Propensity float64
	// Arms and ArmPropensity (dpa layout) give π_b of every arm; an arm
	// with probability 0 could not act on this round. Position is the
	// OBD position (0 in the dpa layout).
	Arms          []string
	ArmPropensity []float64
	Position      int
}

// LogError locates a problem in an impressions log.
type LogError struct {
	Line   int
	Column string
	Value  string
	Err    error
}

func (e *LogError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: column %q: value %q: %v", e.Line, e.Column, e.Value, e.Err)
}

func (e *LogError) Unwrap() error { return e.Err }

// Detect names the layout of a header row ("" when neither).
func Detect(header []string) string {
	idx := columnIndex(header)
	if _, ok := idx["propensity_score"]; ok {
		if _, ok := idx["item_id"]; ok {
			return LayoutOBD
		}
	}
	if _, ok := idx["propensity"]; ok {
		if _, ok := idx["action"]; ok {
			return LayoutDPA
		}
	}
	return ""
}

func columnIndex(header []string) map[string]int {
	m := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := m[h]; !dup {
			m[h] = i
		}
	}
	return m
}

// ReadLog streams the rounds of an impressions log to fn. layout "" (or
// "auto") detects it from the header. Every malformed row is an error
// naming its line, column and value: an estimate over a silently filtered
// log would be biased.
func ReadLog(ctx context.Context, r io.Reader, layout string, fn func(*Round) error) (string, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return "", fmt.Errorf("impressions log is empty")
	}
	if err != nil {
		return "", err
	}
	header = slices.Clone(header)
	det := Detect(header)
	if layout == "" || layout == "auto" {
		layout = det
		if layout == "" {
			return "", &LogError{Line: 1, Err: errors.New("header is neither the dpa impressions layout (action, propensity) nor the Open Bandit Dataset layout (item_id, propensity_score)")}
		}
	}
	idx := columnIndex(header)
	need := []string{"action", "propensity", "click", "segment"}
	if layout == LayoutOBD {
		need = []string{"item_id", "position", "click", "propensity_score"}
	} else if layout != LayoutDPA {
		return "", fmt.Errorf("unknown impressions layout %q (one of %s, %s)", layout, LayoutDPA, LayoutOBD)
	}
	for _, c := range need {
		if _, ok := idx[c]; !ok {
			return "", &LogError{Line: 1, Column: c, Err: fmt.Errorf("missing column for the %s layout", layout)}
		}
	}
	var arms []string
	var armCol []int
	for i, h := range header {
		if a, ok := strings.CutPrefix(h, "ps_"); ok && layout == LayoutDPA {
			arms = append(arms, a)
			armCol = append(armCol, i)
		}
	}
	rd := Round{Arms: arms, ArmPropensity: make([]float64, len(arms))}
	unitCol := -1
	if i, ok := idx["user_id"]; ok && layout == LayoutDPA {
		unitCol = i
	} else if i, ok := idx["timestamp"]; ok && layout == LayoutOBD {
		unitCol = i
	}
	line := 1
	prob := func(rec []string, col string, i int) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
		if err != nil || v < 0 || v > 1 || math.IsNaN(v) {
			return 0, &LogError{Line: line, Column: col, Value: rec[i], Err: errors.New("want a probability in [0, 1]")}
		}
		return v, nil
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return layout, &LogError{Line: line, Err: err}
		}
		if line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return layout, err
			}
		}
		if len(rec) < len(header) {
			return layout, &LogError{Line: line, Err: fmt.Errorf("%d fields, the header has %d", len(rec), len(header))}
		}
		rd.Line = line
		if unitCol >= 0 {
			rd.Unit = rec[unitCol]
		}
		c := strings.TrimSpace(rec[idx["click"]])
		switch c {
		case "0":
			rd.Reward = 0
		case "1":
			rd.Reward = 1
		default:
			return layout, &LogError{Line: line, Column: "click", Value: c, Err: errors.New("want 0 or 1")}
		}
		if layout == LayoutOBD {
			rd.Action = strings.TrimSpace(rec[idx["item_id"]])
			if _, err := strconv.Atoi(rd.Action); err != nil {
				return layout, &LogError{Line: line, Column: "item_id", Value: rd.Action, Err: errors.New("want an item index")}
			}
			p, err := strconv.Atoi(strings.TrimSpace(rec[idx["position"]]))
			if err != nil || p < 0 {
				return layout, &LogError{Line: line, Column: "position", Value: rec[idx["position"]], Err: errors.New("want a position number")}
			}
			rd.Position = p
			rd.Segment = "position " + strconv.Itoa(p)
			if rd.Propensity, err = prob(rec, "propensity_score", idx["propensity_score"]); err != nil {
				return layout, err
			}
		} else {
			rd.Action = rec[idx["action"]]
			rd.Segment = rec[idx["segment"]]
			if rd.Propensity, err = prob(rec, "propensity", idx["propensity"]); err != nil {
				return layout, err
			}
			for i, col := range armCol {
				if rd.ArmPropensity[i], err = prob(rec, header[col], col); err != nil {
					return layout, err
				}
			}
		}
		if rd.Propensity <= 0 {
			return layout, &LogError{Line: line, Column: need[len(need)-1-boolInt(layout == LayoutDPA)*2], Value: "0",
				Err: errors.New("the logged action has probability 0 under the logging policy: the log cannot be reweighted")}
		}
		if err := fn(&rd); err != nil {
			return layout, err
		}
	}
	if line == 1 {
		return layout, fmt.Errorf("impressions log has a header but no rows")
	}
	return layout, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

package render

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes v as JSON indented by two spaces, followed by a newline.
// HTML escaping is off: "<", ">" and "&" in product titles and URLs stay
// readable instead of becoming \u003c etc. Field order follows the struct
// definitions; maps are emitted with sorted keys by encoding/json.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("json: %w", err)
	}
	return nil
}

// JSONLines writes one compact JSON value per line (JSON Lines / NDJSON),
// for per-event streams such as `simulate -o jsonl`. HTML escaping is off,
// as in WriteJSON. It does not buffer: wrap w in a bufio.Writer for
// throughput and flush it at the end.
type JSONLines struct {
	enc *json.Encoder
}

// NewJSONLines returns a JSON Lines writer on w.
func NewJSONLines(w io.Writer) *JSONLines {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &JSONLines{enc: enc}
}

// Write encodes v on its own line.
func (j *JSONLines) Write(v any) error {
	if err := j.enc.Encode(v); err != nil {
		return fmt.Errorf("jsonl: %w", err)
	}
	return nil
}

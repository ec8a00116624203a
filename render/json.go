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

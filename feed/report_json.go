package feed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"

	"github.com/dpa-tools/dpa/feed/par"
)

// WriteJSON writes validate's JSON contract (schema_version
// reportSchemaVersion, documented in the README): the head (files,
// summary, issues) and then the findings, encoded one at a time, so a
// report with a million findings never exists as one buffer. The bytes are
// those of encoding the whole struct with two-space indent and no HTML
// escaping.
func (r *Report) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	head := struct {
		SchemaVersion int          `json:"schema_version"`
		Channel       string       `json:"channel"`
		Files         []FileReport `json:"files"`
		Summary       Summary      `json:"summary"`
		Issues        []Issue      `json:"issues"`
	}{r.SchemaVersion, r.Channel, r.Files, r.Summary, r.Issues}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(head); err != nil {
		return err
	}
	h := bytes.TrimRight(buf.Bytes(), "\n")
	h = bytes.TrimSuffix(h, []byte("}"))
	h = bytes.TrimRight(h, "\n")
	bw.Write(h)
	if r.Count() == 0 {
		bw.WriteString(",\n  \"findings\": []\n}\n")
		return bw.Flush()
	}
	bw.WriteString(",\n  \"findings\": [\n")
	// Findings are encoded by hand (the bytes of an Encoder with
	// SetIndent("    ", "  ")): reflection was most of the time of a
	// report with a finding per item. They are read back in order on one
	// goroutine and encoded on the others, so a report with a million
	// findings is not written by one core while the other waits.
	next, failed := r.pull()
	first := true
	err := par.Ordered[jsonSlot]{
		Fill: func(sl *jsonSlot) bool {
			_, f, ok := next()
			if !ok {
				return false
			}
			sl.f, sl.first, first = *f, first, false
			return true
		},
		Worker: func() func(*jsonSlot) {
			return func(sl *jsonSlot) {
				sl.out = sl.out[:0]
				if !sl.first {
					sl.out = append(sl.out, ",\n"...)
				}
				sl.out = append(sl.out, "    "...)
				sl.out = sl.f.AppendJSON(sl.out, "    ", "  ")
				sl.f = Finding{} // drop the strings (spool chunks) until the slot's next turn
			}
		},
		Emit: func(slots []jsonSlot) error {
			for i := range slots {
				if _, err := bw.Write(slots[i].out); err != nil {
					return err
				}
			}
			return nil
		},
	}.Run(context.Background())
	if err == nil {
		err = failed()
	}
	if err != nil {
		return err
	}
	bw.WriteString("\n  ]\n}\n")
	return bw.Flush()
}

// jsonSlot is one finding on its way through WriteJSON's encoders.
type jsonSlot struct {
	f     Finding
	first bool
	out   []byte
}

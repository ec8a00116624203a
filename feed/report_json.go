package feed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
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
	// report with a finding per item.
	first := true
	var line []byte
	err := r.Each(func(_ int, f *Finding) error {
		line = line[:0]
		if !first {
			line = append(line, ",\n"...)
		}
		first = false
		line = append(line, "    "...)
		line = f.AppendJSON(line, "    ", "  ")
		_, err := bw.Write(line)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n  ]\n}\n")
	return bw.Flush()
}

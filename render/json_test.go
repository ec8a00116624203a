package render

import (
	"bytes"
	"testing"
)

func TestWriteJSON(t *testing.T) {
	v := struct {
		SchemaVersion int               `json:"schema_version"`
		Title         string            `json:"title"`
		Counts        map[string]int    `json:"counts"`
		Empty         []string          `json:"empty"`
		Tags          map[string]string `json:"tags,omitempty"`
	}{1, "Shirts & <Tops>", map[string]int{"b": 2, "a": 1}, []string{}, nil}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, v); err != nil {
		t.Fatal(err)
	}
	want := `{
  "schema_version": 1,
  "title": "Shirts & <Tops>",
  "counts": {
    "a": 1,
    "b": 2
  },
  "empty": []
}
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	if err := WriteJSON(&buf, func() {}); err == nil {
		t.Error("unencodable value gave no error")
	}
}

func TestJSONLines(t *testing.T) {
	var buf bytes.Buffer
	j := NewJSONLines(&buf)
	type ev struct {
		Seq   int    `json:"seq"`
		Title string `json:"title"`
	}
	for i, title := range []string{"a & b", "c\nd"} {
		if err := j.Write(ev{i, title}); err != nil {
			t.Fatal(err)
		}
	}
	want := "{\"seq\":0,\"title\":\"a & b\"}\n{\"seq\":1,\"title\":\"c\\nd\"}\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	if err := j.Write(make(chan int)); err == nil {
		t.Error("unencodable value gave no error")
	}
}

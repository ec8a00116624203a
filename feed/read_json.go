package feed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// JSON values become fields like this: strings as they are, numbers in
// their source text (json.Number), booleans "true"/"false", null an empty
// value, arrays repeat the field once per element, nested objects are
// flattened with dotted names (shipping.country).

// flattenValue reads one JSON value from dec (whose first token, if
// already read, is tok) and appends its fields under name.
func flattenValue(dec *json.Decoder, tok json.Token, name string, fields *[]Field, depth int) error {
	if depth > maxXMLDepth {
		return fmt.Errorf("values nested deeper than %d", maxXMLDepth)
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return flattenObject(dec, name, fields, depth+1)
		case '[':
			for dec.More() {
				t, err := dec.Token()
				if err != nil {
					return err
				}
				if err := flattenValue(dec, t, name, fields, depth+1); err != nil {
					return err
				}
			}
			_, err := dec.Token() // ']'
			return err
		}
		return fmt.Errorf("unexpected %v", v)
	case string:
		*fields = append(*fields, Field{Name: name, Value: v})
	case json.Number:
		*fields = append(*fields, Field{Name: name, Value: v.String()})
	case bool:
		s := "false"
		if v {
			s = "true"
		}
		*fields = append(*fields, Field{Name: name, Value: s})
	case nil:
		*fields = append(*fields, Field{Name: name})
	default:
		return fmt.Errorf("unexpected value %v", v)
	}
	return nil
}

// flattenObject reads the members of an object whose '{' was consumed,
// through its closing '}'.
func flattenObject(dec *json.Decoder, prefix string, fields *[]Field, depth int) error {
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := kt.(string)
		if !ok {
			return fmt.Errorf("object key is %v, not a string", kt)
		}
		name := CanonicalName(key)
		if prefix != "" {
			name = prefix + "." + name
		}
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if err := flattenValue(dec, t, name, fields, depth); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

// jsonlReader reads one JSON object per line. A line that is not valid
// JSON becomes an item with a json.syntax Problem and whatever fields were
// read before the error; reading goes on with the next line.
type jsonlReader struct {
	readerBase
	br    *bufio.Reader
	line  int
	index int
	done  bool
	buf   []byte
}

func newJSONLReader(base readerBase, text *bufio.Reader) (*jsonlReader, error) {
	return &jsonlReader{readerBase: base, br: text}, nil
}

func (j *jsonlReader) Format() string { return FormatJSONL }

// errLineTooLarge marks a line over the record limit, skipped by readLine.
var errLineTooLarge = errors.New("line too large")

func (j *jsonlReader) readLine() ([]byte, error) {
	j.buf = j.buf[:0]
	for {
		chunk, err := j.br.ReadSlice('\n')
		if j.maxRecord > 0 && int64(len(j.buf)+len(chunk)) > j.maxRecord {
			// Skip to the end of the line: unlike CSV, JSON Lines can
			// resynchronise, so only this line is lost.
			for err == bufio.ErrBufferFull {
				_, err = j.br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, errLineTooLarge
		}
		j.buf = append(j.buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(j.buf) > 0 {
			return j.buf, nil
		}
		return j.buf, err
	}
}

func (j *jsonlReader) Next() (*Item, error) {
	for !j.done {
		line, err := j.readLine()
		if err == errLineTooLarge {
			j.line++
			j.index++
			it := &Item{File: j.file, Index: j.index, Line: j.line}
			it.Problems = append(it.Problems, Problem{Rule: ruleRecordTooLarge,
				Message: fmt.Sprintf("line %d is larger than the %s record limit; it was skipped", j.line, humanBytes(j.maxRecord))})
			return it, nil
		}
		if err != nil {
			j.done = true
			if err == io.EOF {
				if j.index == 0 {
					j.noItems(FormatJSONL)
				}
				return nil, io.EOF
			}
			return nil, &ParseError{File: j.file, Line: j.line + 1, Err: err}
		}
		j.line++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var bad []badByte
		if j.enc.utf8 && !utf8.Valid(line) {
			line, bad = fixBytes(line, 0)
		}
		j.index++
		it := &Item{File: j.file, Index: j.index, Line: j.line}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if perr := parseJSONObject(dec, &it.Fields); perr != nil {
			it.Problems = append(it.Problems, Problem{Rule: ruleJSONSyntax, Message: fmt.Sprintf("line %d: %v", j.line, perr)})
		} else if _, err := dec.Token(); err != io.EOF {
			it.Problems = append(it.Problems, Problem{Rule: ruleJSONSyntax, Message: fmt.Sprintf("line %d: text after the object", j.line)})
		}
		attachBad(it, bad)
		j.noteColumns(it)
		return it, nil
	}
	return nil, io.EOF
}

func parseJSONObject(dec *json.Decoder, fields *[]Field) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("expected a JSON object, found %v", t)
	}
	return flattenObject(dec, "", fields, 1)
}

// jsonReader streams a top-level JSON array of objects. Any syntax error
// is fatal (the array cannot be resynchronised), reported with its line.
type jsonReader struct {
	readerBase
	dec     *json.Decoder
	lines   *lineCounter
	lim     *markReader
	san     *sanitizer
	index   int
	started bool
	done    bool
}

func newJSONReader(base readerBase, text *bufio.Reader) (*jsonReader, error) {
	j := &jsonReader{readerBase: base}
	var src io.Reader = text
	if base.enc.utf8 {
		j.san = newSanitizer(text, base.bufN)
		src = j.san
	}
	j.lim = &markReader{r: src, limit: base.maxRecord, what: "a JSON array element"}
	j.lines = &lineCounter{r: j.lim}
	j.dec = json.NewDecoder(j.lines)
	j.dec.UseNumber()
	return j, nil
}

func (j *jsonReader) Format() string { return FormatJSON }

func (j *jsonReader) fail(off int64, err error) error {
	j.done = true
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &ParseError{File: j.file, Line: j.lines.lineAt(off), Err: err}
}

func (j *jsonReader) Next() (*Item, error) {
	if j.done {
		return nil, io.EOF
	}
	j.lim.setMark()
	if !j.started {
		j.started = true
		t, err := j.dec.Token()
		if err != nil {
			return nil, j.fail(j.dec.InputOffset(), err)
		}
		if d, ok := t.(json.Delim); !ok || d != '[' {
			return nil, j.fail(j.dec.InputOffset(), fmt.Errorf("expected a JSON array of objects, found %v", t))
		}
	}
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil { // ']'
			return nil, j.fail(j.dec.InputOffset(), err)
		}
		if err := j.trailing(); err != nil {
			return nil, err
		}
		j.done = true
		if j.index == 0 {
			j.noItems(FormatJSON)
		}
		return nil, io.EOF
	}
	t, err := j.dec.Token()
	if err != nil {
		return nil, j.fail(j.dec.InputOffset(), err)
	}
	start := j.dec.InputOffset() - 1
	j.index++
	it := &Item{File: j.file, Index: j.index, Line: j.lines.lineAt(start)}
	if d, ok := t.(json.Delim); ok && d == '{' {
		if err := flattenObject(j.dec, "", &it.Fields, 1); err != nil {
			return nil, j.fail(j.dec.InputOffset(), err)
		}
	} else {
		// Skip the non-object element but keep the count honest.
		if err := flattenValue(j.dec, t, "value", &it.Fields, 1); err != nil {
			return nil, j.fail(j.dec.InputOffset(), err)
		}
		it.Problems = append(it.Problems, Problem{Rule: ruleJSONSyntax, Message: fmt.Sprintf("array element is %s, not an object", jsonKind(t))})
	}
	if j.san != nil {
		attachBad(it, j.san.take(start, j.dec.InputOffset()))
	}
	j.noteColumns(it)
	return it, nil
}

func jsonKind(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprint(t)
}

// trailing reads what follows the top-level array, which may only be
// whitespace. It reads past the decoder: json.Decoder holds a run of
// whitespace whole while looking for the next token, so 20 MB of blank
// lines after a feed on stdin used to pass the record limit and end as
// "text after the top-level array" (and the line counter kept an offset
// per newline).
func (j *jsonReader) trailing() error {
	j.done = true
	line := j.lines.lineAt(j.dec.InputOffset())
	rest := io.MultiReader(j.dec.Buffered(), j.lim.r)
	buf := make([]byte, 32<<10)
	for {
		n, err := rest.Read(buf)
		for _, b := range buf[:n] {
			switch b {
			case '\n':
				line++
			case ' ', '\t', '\r':
			default:
				return &ParseError{File: j.file, Line: line, Err: errors.New("text after the top-level array")}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &ParseError{File: j.file, Line: line, Err: err}
		}
	}
}

// lineCounter turns stream offsets into 1-based line numbers. It records
// newline offsets as bytes pass through; queries must not go backwards,
// which lets it forget newlines already counted.
type lineCounter struct {
	r    io.Reader
	off  int64   // offset of the next byte to read
	nls  []int64 // offsets of newlines not yet counted
	line int     // lines before nls[0]
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := 0; i < n; {
		k := bytes.IndexByte(p[i:n], '\n')
		if k < 0 {
			break
		}
		c.nls = append(c.nls, c.off+int64(i+k))
		i += k + 1
	}
	c.off += int64(n)
	return n, err
}

func (c *lineCounter) lineAt(off int64) int {
	i := 0
	for i < len(c.nls) && c.nls[i] < off {
		i++
	}
	c.line += i
	c.nls = append(c.nls[:0], c.nls[i:]...)
	return c.line + 1
}

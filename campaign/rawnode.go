package campaign

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// rnode is a position-carrying tree common to JSON and YAML input, so the
// filter grammar and the loader are written once for both and every error
// can point at a line and column.
type rnode struct {
	kind  rkind
	str   string // string value; canonical decimal for numbers; "true"/"false"
	raw   string // source text of a scalar (keeps "0012" for ids)
	keys  []*rnode
	items []*rnode // map values (parallel to keys) or list items
	line  int
	col   int
	block bool // YAML literal or folded block scalar: text starts a line below
	quote bool // YAML quoted scalar: text starts one column right
}

type rkind int

const (
	rNull rkind = iota
	rString
	rNumber
	rBool
	rList
	rMap
)

func (k rkind) String() string {
	switch k {
	case rNull:
		return "null"
	case rString:
		return "string"
	case rNumber:
		return "number"
	case rBool:
		return "boolean"
	case rList:
		return "list"
	case rMap:
		return "mapping"
	}
	return "?"
}

// get returns the value for key in a map node, or nil.
func (n *rnode) get(key string) *rnode {
	if n == nil || n.kind != rMap {
		return nil
	}
	for i, k := range n.keys {
		if k.str == key {
			return n.items[i]
		}
	}
	return nil
}

// scalarText is the text of any scalar, as written for strings and ids.
func (n *rnode) scalarText() string {
	if n.kind == rString {
		return n.str
	}
	return n.raw
}

func (n *rnode) isScalar() bool {
	return n.kind == rString || n.kind == rNumber || n.kind == rBool
}

// canonicalNumber turns a decimal literal into one spelling, so the same
// filter always serialises to the same bytes ("1e4" and "10000.0" become
// "10000").
func canonicalNumber(s string) (string, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("invalid number %q", s)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		if f == 0 {
			return "0", nil // no "-0"
		}
		return strconv.FormatInt(int64(f), 10), nil
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// jsonToRnode parses one JSON value strictly (no trailing data, no
// duplicate keys) keeping each token's line and column.
func jsonToRnode(data []byte) (*rnode, error) {
	lines := lineStarts(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &jsonParser{dec: dec, data: data, lines: lines}
	n, err := p.value()
	if err != nil {
		return nil, p.wrap(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		l, c := p.pos(p.nextStart())
		return nil, &posError{Line: l, Column: c, Msg: "unexpected data after the filter object"}
	}
	return n, nil
}

type jsonParser struct {
	dec   *json.Decoder
	data  []byte
	lines []int
}

func lineStarts(data []byte) []int {
	ls := []int{0}
	for i, b := range data {
		if b == '\n' {
			ls = append(ls, i+1)
		}
	}
	return ls
}

func (p *jsonParser) pos(off int) (int, int) {
	lo, hi := 0, len(p.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if p.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, utf8.RuneCount(p.data[p.lines[lo]:min(off, len(p.data))]) + 1
}

// nextStart skips the separators the decoder has not consumed yet.
func (p *jsonParser) nextStart() int {
	off := int(p.dec.InputOffset())
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *jsonParser) wrap(err error) error {
	var pe *posError
	if errors.As(err, &pe) {
		return pe
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the offending one included.
		l, c := p.pos(max(int(se.Offset)-1, 0))
		return &posError{Line: l, Column: c, Msg: "invalid JSON: " + se.Error()}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		l, c := p.pos(len(p.data))
		return &posError{Line: l, Column: c, Msg: "invalid JSON: unexpected end of input"}
	}
	l, c := p.pos(int(p.dec.InputOffset()))
	return &posError{Line: l, Column: c, Msg: "invalid JSON: " + err.Error()}
}

func (p *jsonParser) value() (*rnode, error) {
	start := p.nextStart()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, err
	}
	l, c := p.pos(start)
	n := &rnode{line: l, col: c}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = rMap
			for p.dec.More() {
				ks := p.nextStart()
				kt, err := p.dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				kl, kc := p.pos(ks)
				if n.get(key) != nil {
					return nil, &posError{Line: kl, Column: kc, Msg: fmt.Sprintf("duplicate key %q", key)}
				}
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, &rnode{kind: rString, str: key, raw: key, line: kl, col: kc})
				n.items = append(n.items, v)
			}
		case '[':
			n.kind = rList
			for p.dec.More() {
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
		default:
			return nil, fmt.Errorf("unexpected %q", t)
		}
		if _, err := p.dec.Token(); err != nil { // closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.str, n.raw = rString, t, t
	case json.Number:
		s, err := canonicalNumber(string(t))
		if err != nil {
			return nil, &posError{Line: l, Column: c, Msg: err.Error()}
		}
		n.kind, n.str, n.raw = rNumber, s, string(t)
	case bool:
		n.kind, n.str = rBool, strconv.FormatBool(t)
		n.raw = n.str
	case nil:
		n.kind, n.raw = rNull, "null"
	}
	return n, nil
}

// maxYAMLNodes bounds the nodes a YAML document may expand to once its
// aliases are followed. A campaign file is a few hundred nodes; a
// "billion laughs" file of 520 bytes (aliases of aliases) or 300 aliases of
// a 100,000-item list expand to millions and would exhaust memory, so the
// expansion is counted and refused past this bound (as viper does for
// dpa.yaml).
const maxYAMLNodes = 200_000

// yamlToRnode converts a decoded YAML node, following aliases.
func yamlToRnode(y *yaml.Node) (*rnode, error) {
	c := &yamlConverter{}
	return c.conv(y, 0)
}

// yamlConverter counts the nodes made and remembers the alias being
// expanded, to name it when the count runs over.
type yamlConverter struct {
	nodes int
	alias *yaml.Node
}

func (c *yamlConverter) conv(y *yaml.Node, depth int) (*rnode, error) {
	c.nodes++
	if c.nodes > maxYAMLNodes {
		at := y
		if c.alias != nil {
			at = c.alias
		}
		return nil, &posError{Line: at.Line, Column: at.Column,
			Msg: fmt.Sprintf("YAML aliases expand to more than %d nodes (an alias bomb?): refusing to expand *%s", maxYAMLNodes, aliasName(at))}
	}
	return c.convNode(y, depth)
}

func aliasName(y *yaml.Node) string {
	if y.Kind == yaml.AliasNode && y.Value != "" {
		return y.Value
	}
	return "alias"
}

func (c *yamlConverter) convNode(y *yaml.Node, depth int) (*rnode, error) {
	if depth > 100 {
		return nil, &posError{Line: y.Line, Column: y.Column, Msg: "document nested too deeply"}
	}
	switch y.Kind {
	case 0: // empty input
		return &rnode{kind: rNull, line: 1, col: 1}, nil
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &rnode{kind: rNull, line: 1, col: 1}, nil
		}
		return c.conv(y.Content[0], depth+1)
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, &posError{Line: y.Line, Column: y.Column, Msg: "unknown alias"}
		}
		outer := c.alias
		if outer == nil {
			c.alias = y // the outermost alias is the one in the user's text
		}
		n, err := c.conv(y.Alias, depth+1)
		c.alias = outer
		return n, err
	}
	n := &rnode{line: y.Line, col: y.Column}
	switch y.Kind {
	case yaml.MappingNode:
		n.kind = rMap
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, &posError{Line: k.Line, Column: k.Column, Msg: "mapping keys must be plain strings"}
			}
			if n.get(k.Value) != nil {
				return nil, &posError{Line: k.Line, Column: k.Column, Msg: fmt.Sprintf("duplicate key %q", k.Value)}
			}
			vn, err := c.conv(v, depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, &rnode{kind: rString, str: k.Value, raw: k.Value, line: k.Line, col: k.Column})
			n.items = append(n.items, vn)
		}
	case yaml.SequenceNode:
		n.kind = rList
		for _, it := range y.Content {
			vn, err := c.conv(it, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, vn)
		}
	case yaml.ScalarNode:
		n.raw = y.Value
		n.block = y.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
		n.quote = y.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0
		switch y.ShortTag() {
		case "!!null":
			n.kind = rNull
		case "!!bool":
			var b bool
			if err := y.Decode(&b); err != nil {
				return nil, &posError{Line: y.Line, Column: y.Column, Msg: err.Error()}
			}
			n.kind, n.str = rBool, strconv.FormatBool(b)
		case "!!int", "!!float":
			var f float64
			if err := y.Decode(&f); err != nil {
				return nil, &posError{Line: y.Line, Column: y.Column, Msg: err.Error()}
			}
			s, err := canonicalNumber(strconv.FormatFloat(f, 'g', -1, 64))
			if err != nil {
				return nil, &posError{Line: y.Line, Column: y.Column, Msg: err.Error()}
			}
			n.kind, n.str = rNumber, s
		default: // !!str, !!timestamp, !!binary: keep the text
			n.kind, n.str = rString, y.Value
		}
	default:
		return nil, &posError{Line: y.Line, Column: y.Column, Msg: "unsupported YAML node"}
	}
	return n, nil
}

// describe names a node's kind for "want a list, got a string" messages.
func describe(n *rnode) string {
	if n == nil {
		return "nothing"
	}
	if n.kind == rString && strings.TrimSpace(n.str) == "" {
		return "an empty string"
	}
	return "a " + n.kind.String()
}

package feed

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces the XML reader distinguishes.
const (
	nsGoogle = "http://base.google.com/ns/1.0"
	nsAtom   = "http://www.w3.org/2005/Atom"
)

// maxXMLDepth caps element nesting: a hostile document cannot grow the
// element stack without bound.
const maxXMLDepth = 100

// xmlReader streams <item> (RSS 2.0) and <entry> (Atom 1.0) elements.
//
// It runs on RawToken, which is markedly cheaper than Token, and does the
// two things Token would add itself: start/end tag matching (so a
// malformed document fails with a line) and prefix → namespace resolution
// (so g:id is recognised whatever prefix binds the Google namespace).
//
// Mapping rules:
//   - every direct child of an item becomes a Field named by its canonical
//     local name (namespace dropped), text trimmed of surrounding space;
//     repeated children stay repeated Fields;
//   - a child with sub-elements becomes one value in the text syntax of
//     Google's tab feeds: shipping → country:region:service:price (region
//     slot falls back to postal_code, location_id, location_group_name),
//     tax → country:region:rate:tax_ship, anything else → the child texts
//     joined with ':' in source order (product_detail → section:name:value);
//   - Atom <link href="…"/> (rel absent or "alternate") gives link;
//   - when an item has both a Google-namespace id and another id (Atom's
//     <id>), the Google one is id and the other is kept as atom_id;
//   - Atom <summary> is description when the entry has no description.
//
// Entities: the decoder knows only the five XML entities and never loads
// external DTDs or entities, so documents cannot make dpa read a file or
// fetch anything, and entity definitions in a DOCTYPE are skipped as an
// opaque directive (no billion-laughs expansion). Using any other entity,
// &nbsp; or one the DOCTYPE declares, is a fatal syntax error, as it is
// for the platforms' own XML parsers.
//
// Size: nesting is capped at maxXMLDepth, and each item (or any token
// outside items) at ReadOptions.MaxRecordBytes, so a 100 MB text node or
// DOCTYPE ends the stream with an error instead of growing a buffer.
type xmlReader struct {
	readerBase
	d    *xml.Decoder
	lim  *markReader
	tail *tailSpace
	san  *sanitizer
	// dtdEntities is set once a DOCTYPE declares entities: they are not
	// expanded, and the error on their first use says so.
	dtdEntities bool
	stack       []xml.Name
	ns          []nsBinding
	index       int
	done        bool
	names       map[string]string // local name → canonical name

	text, sub []byte
}

type nsBinding struct {
	prefix, url string
	depth       int
}

func newXMLReader(base readerBase, text *bufio.Reader) (*xmlReader, error) {
	x := &xmlReader{readerBase: base, names: make(map[string]string)}
	var src io.Reader = text
	if base.enc.utf8 {
		x.san = newSanitizer(text, base.bufN)
		src = x.san
	}
	x.tail = &tailSpace{r: src}
	x.lim = &markReader{r: x.tail, limit: base.maxRecord, what: "an XML item or token"}
	x.d = xml.NewDecoder(x.lim)
	x.d.Strict = true
	// The encoding layer has already produced UTF-8, whatever the
	// declaration says.
	x.d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	return x, nil
}

func (x *xmlReader) Format() string { return FormatXML }

func (x *xmlReader) fail(line int, err error) error {
	x.done = true
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line = se.Line + x.tail.linesBefore(x.d.InputOffset())
		msg := se.Msg
		if x.dtdEntities && strings.HasPrefix(msg, "invalid character entity") {
			msg += " (entities declared in a DOCTYPE are not expanded: dpa never reads DTDs, external entities or URLs named in the document)"
		}
		err = errors.New(msg)
	}
	return &ParseError{File: x.file, Line: line, Err: err}
}

// token reads one raw token and keeps the element stack and namespace
// bindings. It returns the line the token starts on.
func (x *xmlReader) token() (xml.Token, int, error) {
	line := x.line()
	tok, err := x.d.RawToken()
	if err != nil {
		if err == io.EOF {
			if l, col := x.d.InputPos(); col == 1 && l > 1 {
				line = l - 1 + x.tail.linesBefore(x.d.InputOffset()) // the file ends with a newline: report the last line
			}
			if len(x.stack) > 0 {
				top := x.stack[len(x.stack)-1]
				return nil, line, x.fail(line, fmt.Errorf("unexpected end of document: <%s> is not closed", qname(top)))
			}
			if x.index == 0 && len(x.ns) == 0 && x.d.InputOffset() == 0 {
				return nil, line, x.fail(line, errors.New("no XML content"))
			}
			return nil, line, io.EOF
		}
		return nil, line, x.fail(line, err)
	}
	switch t := tok.(type) {
	case xml.Directive:
		if bytes.Contains(t, []byte("<!ENTITY")) || bytes.Contains(t, []byte("ENTITY ")) {
			x.dtdEntities = true
		}
	case xml.StartElement:
		if len(x.stack) >= maxXMLDepth {
			return nil, line, x.fail(line, fmt.Errorf("elements nested deeper than %d", maxXMLDepth))
		}
		x.stack = append(x.stack, t.Name)
		for _, a := range t.Attr {
			switch {
			case a.Name.Space == "xmlns":
				x.ns = append(x.ns, nsBinding{a.Name.Local, a.Value, len(x.stack)})
			case a.Name.Space == "" && a.Name.Local == "xmlns":
				x.ns = append(x.ns, nsBinding{"", a.Value, len(x.stack)})
			}
		}
	case xml.EndElement:
		if len(x.stack) == 0 {
			return nil, line, x.fail(line, fmt.Errorf("unexpected end element </%s>", qname(t.Name)))
		}
		top := x.stack[len(x.stack)-1]
		if top != t.Name {
			return nil, line, x.fail(line, fmt.Errorf("element <%s> closed by </%s>", qname(top), qname(t.Name)))
		}
		x.stack = x.stack[:len(x.stack)-1]
		if len(x.stack) == 0 {
			x.tail.start()
		}
		for len(x.ns) > 0 && x.ns[len(x.ns)-1].depth > len(x.stack) {
			x.ns = x.ns[:len(x.ns)-1]
		}
	}
	return tok, line, nil
}

// line is the line the decoder is on, counting whitespace tailSpace dropped.
func (x *xmlReader) line() int {
	l, _ := x.d.InputPos()
	return l + x.tail.linesBefore(x.d.InputOffset())
}

// tailSpace drops the whitespace that follows the root element's end
// before encoding/xml sees it. The decoder holds a run of whitespace as one
// text token, so a feed followed by 20 MB of blank lines (a shell pipeline
// padding stdin, a download with a zero-filled tail turned into newlines)
// used to pass the record limit as "an XML item or token is larger than
// 16 MiB" although every item was read. Only the run directly after the
// root is dropped: the first other byte (a comment, junk) ends the
// dropping, so the decoder still sees and reports anything else, at its
// right line.
type tailSpace struct {
	r      io.Reader
	on     bool  // dropping whitespace
	used   bool  // the one run was dropped: never again
	passed int64 // bytes handed to the decoder
	at     int64 // passed when the dropping started
	lines  int   // newlines dropped
}

func (t *tailSpace) start() {
	if !t.used {
		t.on, t.used, t.at = true, true, t.passed
	}
}

// linesBefore is the number of dropped newlines that lie before offset
// off of the decoder's input.
func (t *tailSpace) linesBefore(off int64) int {
	if t.used && off >= t.at {
		return t.lines
	}
	return 0
}

func (t *tailSpace) Read(p []byte) (int, error) {
	for {
		n, err := t.r.Read(p)
		if t.on {
			i := 0
			for i < n && isXMLSpace(p[i]) {
				if p[i] == '\n' {
					t.lines++
				}
				i++
			}
			if i < n {
				t.on = false
			}
			n = copy(p, p[i:n])
			if n == 0 && err == nil {
				continue // all whitespace: read on rather than return 0, nil
			}
		}
		t.passed += int64(n)
		return n, err
	}
}

func isXMLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func (x *xmlReader) resolve(prefix string) string {
	for i := len(x.ns) - 1; i >= 0; i-- {
		if x.ns[i].prefix == prefix {
			return x.ns[i].url
		}
	}
	return ""
}

func (x *xmlReader) canon(local string) string {
	if n, ok := x.names[local]; ok {
		return n
	}
	n := CanonicalName(local)
	x.names[local] = n
	return n
}

func (x *xmlReader) Next() (*Item, error) {
	for !x.done {
		off := x.d.InputOffset()
		x.lim.setMark() // an item is limited as a whole, other tokens one by one
		// The decoder stands where the next token starts: its column is the
		// item's, in bytes of the UTF-8 text (a minified feed has every
		// item on one line, told apart only by it).
		_, col := x.d.InputPos()
		tok, line, err := x.token()
		if err != nil {
			if err == io.EOF {
				x.done = true
				if x.index == 0 {
					x.noItems(FormatXML)
				}
			}
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || (se.Name.Local != "item" && se.Name.Local != "entry") {
			continue
		}
		it, err := x.readItem(line)
		if err != nil {
			return nil, err
		}
		it.Col = col
		if x.san != nil {
			attachBad(it, x.san.take(off, x.d.InputOffset()))
		}
		x.noteColumns(it)
		return it, nil
	}
	return nil, io.EOF
}

// child is the direct child of an item being read.
type xmlChild struct {
	name  string
	space string // prefix
	href  string
	rel   string
	subs  []Field
}

func (x *xmlReader) readItem(line int) (*Item, error) {
	x.index++
	it := &Item{File: x.file, Index: x.index, Line: line, Fields: make([]Field, 0, 24)}
	base := len(x.stack) // the item element is on the stack
	var ch xmlChild
	var subName string
	googleID, otherID := false, -1
	for {
		tok, _, err := x.token()
		if err != nil {
			if err == io.EOF { // cannot happen while the item is open
				err = x.fail(line, io.ErrUnexpectedEOF)
			}
			return nil, err
		}
		depth := len(x.stack) - base // after the token was applied
		switch t := tok.(type) {
		case xml.StartElement:
			switch depth {
			case 1:
				ch = xmlChild{name: x.canon(t.Name.Local), space: t.Name.Space}
				x.text = x.text[:0]
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "href":
						ch.href = a.Value
					case "rel":
						ch.rel = a.Value
					}
				}
			case 2:
				subName = x.canon(t.Name.Local)
				x.sub = x.sub[:0]
			default:
				if len(x.sub) > 0 {
					x.sub = append(x.sub, ' ')
				}
			}
		case xml.CharData:
			switch {
			case depth == 1:
				x.text = append(x.text, t...)
			case depth >= 2:
				x.sub = append(x.sub, t...)
			}
		case xml.EndElement:
			switch depth {
			case -1: // the item itself closed
				if googleID && otherID >= 0 {
					it.Fields[otherID].Name = "atom_id"
				}
				if !it.Has("description") {
					for i := range it.Fields {
						if it.Fields[i].Name == "summary" {
							it.Fields[i].Name = "description"
							break
						}
					}
				}
				return it, nil
			case 1:
				ch.subs = append(ch.subs, Field{Name: subName, Value: string(bytes.TrimSpace(x.sub))})
			case 0:
				f, ok := x.finishChild(&ch)
				if !ok {
					break
				}
				if ch.name == "id" {
					if x.resolve(ch.space) == nsGoogle {
						googleID = true
					} else if otherID < 0 {
						otherID = len(it.Fields)
					}
				}
				it.Fields = append(it.Fields, f)
			}
		}
	}
}

func (x *xmlReader) finishChild(ch *xmlChild) (Field, bool) {
	if len(ch.subs) == 0 {
		v := string(bytes.TrimSpace(x.text))
		if ch.name == "link" && v == "" && ch.href != "" {
			if ch.rel != "" && ch.rel != "alternate" {
				return Field{}, false
			}
			v = ch.href
		}
		return Field{Name: ch.name, Value: v}, true
	}
	return Field{Name: ch.name, Value: joinSubs(ch.name, ch.subs)}, true
}

// joinSubs renders a group element in the colon syntax of text feeds.
func joinSubs(name string, subs []Field) string {
	get := func(names ...string) string {
		for _, n := range names {
			for _, s := range subs {
				if s.Name == n && s.Value != "" {
					return s.Value
				}
			}
		}
		return ""
	}
	switch name {
	case "shipping":
		return get("country") + ":" + get("region", "postal_code", "location_id", "location_group_name") + ":" + get("service") + ":" + get("price")
	case "tax":
		return get("country") + ":" + get("region", "postal_code", "location_id") + ":" + get("rate") + ":" + get("tax_ship")
	}
	vals := make([]string, 0, len(subs))
	for _, s := range subs {
		vals = append(vals, s.Value)
	}
	return strings.Join(vals, ":")
}

package feed

import (
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends f as encoding/json would write it with an Encoder set
// to SetEscapeHTML(false) and SetIndent(prefix, indent), without the
// trailing newline. A report with a million findings spent most of its
// time in reflection and re-indenting; these bytes are the same
// (TestFindingAppendJSONMatchesEncodingJSON), so the JSON contract and
// baselines written before stay valid.
func (f *Finding) AppendJSON(dst []byte, prefix, indent string) []byte {
	key := func(dst []byte, name string) []byte {
		if dst[len(dst)-1] != '{' {
			dst = append(dst, ',')
		}
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		dst = append(dst, indent...)
		dst = append(dst, '"')
		dst = append(dst, name...)
		return append(dst, '"', ':', ' ')
	}
	dst = append(dst, '{')
	dst = AppendJSONString(key(dst, "file"), f.File)
	dst = strconv.AppendInt(key(dst, "item"), int64(f.Item), 10)
	dst = strconv.AppendInt(key(dst, "line"), int64(f.Line), 10)
	if f.Column != 0 {
		dst = strconv.AppendInt(key(dst, "column"), int64(f.Column), 10)
	}
	dst = AppendJSONString(key(dst, "id"), f.ID)
	dst = AppendJSONString(key(dst, "field"), f.Field)
	dst = AppendJSONString(key(dst, "rule"), f.Rule)
	dst = AppendJSONString(key(dst, "severity"), f.Severity.String())
	dst = AppendJSONString(key(dst, "message"), f.Message)
	dst = AppendJSONString(key(dst, "value"), f.Value)
	if f.Suggestion != "" {
		dst = AppendJSONString(key(dst, "suggestion"), f.Suggestion)
	}
	if f.New {
		dst = append(key(dst, "new"), "true"...)
	}
	dst = append(dst, '\n')
	dst = append(dst, prefix...)
	return append(dst, '}')
}

// AppendJSONString is encoding/json's string encoding with HTML escaping
// off: quotes, backslashes and control characters escaped, invalid UTF-8
// as \ufffd, U+2028 and U+2029 escaped. Shared by the findings JSON and
// campaign's hand-encoded items_batch requests (both tested against
// encoding/json).
func AppendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip whole words of plain bytes, then the plain bytes before the
		// one that needs a look, within that word (or the tail).
		i = skipJSONSafe(s, i)
		end := min(i+8, len(s))
		for i < end && jsonPlain[s[i]] {
			i++
		}
		if i == end {
			continue
		}
		if b := s[i]; b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonPlain marks the ASCII bytes a JSON string holds as they are.
var jsonPlain = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// skipJSONSafe returns the first index from i, in steps of eight bytes,
// whose word holds a byte that needs a look (below 0x20, '"', '\\' or
// >= 0x80); the byte loop takes it from there. Findings are mostly plain
// ASCII text, and a report with a million of them spent a fifth of its
// writing in the byte loop.
func skipJSONSafe(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if w := load64(s, i); ctlOrHigh(w)|hasByte(w, '"')|hasByte(w, '\\') != 0 {
			return i
		}
	}
	return i
}

package feed

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// The eight-byte fast paths of collapseSpace, csvNeedsQuotes and
// appendXMLEscape must agree with the plain definitions on long values,
// where whole blocks take the fast path and a special byte may sit at any
// offset of a block (or straddle two).
func TestSWARFastPathsMatchDefinitions(t *testing.T) {
	alphabet := []string{"a", "word", "Lorem ipsum dolor", " ", "  ", "\t", "\n", "\r", "\x00", "\x7f", "\u00a0", "\u2003", "é", "—",
		",", ";", "\"", "<", ">", "&", "\uFFFE", "\xff", "0123456789abcdef", `\.`}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(40) {
			if rng.IntN(3) == 0 {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			} else {
				b.WriteString(alphabet[rng.IntN(3)])
			}
		}
		s := b.String()
		if got, want := collapseSpace(s), strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "); got != want {
			t.Fatalf("collapseSpace(%q) = %q, want %q", s, got, want)
		}
		if got, want := string(appendXMLEscape(nil, s)), xmlEscapeRunes(s); got != want {
			t.Fatalf("appendXMLEscape(%q) = %q, want %q", s, got, want)
		}
		for _, comma := range []byte{',', '\t', ';'} {
			if got, want := csvNeedsQuotes(s, comma), csvQuotes(s, comma); got != want {
				t.Fatalf("csvNeedsQuotes(%q, %q) = %v, want %v", s, comma, got, want)
			}
		}
	}
}

// csvQuotes is whether encoding/csv quotes the field.
func csvQuotes(s string, comma byte) bool {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = rune(comma)
	w.Write([]string{s})
	w.Flush()
	return b.Len() > 0 && b.Bytes()[0] == '"'
}

func TestSWARHelpers(t *testing.T) {
	for i := range 256 {
		for j := range 8 {
			var blk [8]byte
			for k := range blk {
				blk[k] = 'a'
			}
			blk[j] = byte(i)
			w := load64(string(blk[:]), 0)
			if got, want := hasByte(w, 'x') != 0, byte(i) == 'x'; got != want {
				t.Fatalf("hasByte byte %#x at %d: %v", i, j, got)
			}
			if got, want := ctlOrHigh(w) != 0, i < 0x20 || i > 0x7f; got != want {
				t.Fatalf("ctlOrHigh byte %#x at %d: %v", i, j, got)
			}
			if got, want := eqMask(w, byte(i)), uint64(0x80)<<(8*j); byte(i) != 'a' && got != want {
				t.Fatalf("eqMask byte %#x at %d: %#x, want %#x", i, j, got, want)
			}
		}
	}
}

// A clean value is returned as it is, without the allocating slow path
// (which would give the same string, so only the cost shows a fast path
// that gives up too early).
func TestCollapseSpaceCleanDoesNotAllocate(t *testing.T) {
	for _, s := range []string{"Linen Duvet Cover by Northwind, queen size, sand colour",
		"a b c d e f g h i j k l m n o p", "Crème brûlée dish — 2 pieces", strings.Repeat("word ", 40) + "end"} {
		if n := testing.AllocsPerRun(10, func() { collapseSink = collapseSpace(s) }); n != 0 {
			t.Errorf("collapseSpace(%q): %v allocations, want 0", s, n)
		}
	}
}

var collapseSink string

// specCache.get gives the map's spec for every field, whether the field
// sequence repeats (cached) or changes (rebuilt).
func TestSpecCacheMatchesMap(t *testing.T) {
	specs := map[string]*FieldSpec{"id": {Name: "id"}, "title": {Name: "title"}, "price": {Name: "price"}}
	names := []string{"id", "title", "price", "other", ""}
	rng := rand.New(rand.NewPCG(5, 6))
	var c specCache
	var fields []Field
	for range 5000 {
		if rng.IntN(2) == 0 {
			fields = nil
			for k := rng.IntN(6); k > 0; k-- {
				fields = append(fields, Field{Name: names[rng.IntN(len(names))]})
			}
		}
		got := c.get(specs, fields)
		if len(got) != len(fields) {
			t.Fatalf("%d specs for %d fields", len(got), len(fields))
		}
		for i, f := range fields {
			if got[i] != specs[f.Name] {
				t.Fatalf("fields %v: spec %d is %v, want %v", fields, i, got[i], specs[f.Name])
			}
		}
	}
}

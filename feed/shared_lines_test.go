package feed

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// crossMessages validates doc as a Google feed and returns the messages of
// its cross-item findings by rule.
func crossMessages(t *testing.T, name, doc string) map[string][]string {
	t.Helper()
	v, err := NewValidator(channels["google"], Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Validate(context.Background(), openString(t, name, doc), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Findings.Close()
	out := map[string][]string{}
	for _, f := range res.Findings.Collect() {
		switch f.Rule {
		case "id.duplicate", "gtin.duplicate", "variant.group_missing", "variant.duplicate":
			out[f.Rule] = append(out[f.Rule], f.Message)
		}
	}
	return out
}

func xmlItem(id, gtin, title, group, size string) string {
	s := `<item><g:id>` + id + `</g:id><title>` + title + `</title><g:gtin>` + gtin + `</g:gtin><g:size>` + size + `</g:size>`
	if group != "" {
		s += `<g:item_group_id>` + group + `</g:item_group_id>`
	}
	return s + `</item>`
}

// Where every item is on line 2 (a minified feed), cross-item messages
// name the first item by its number: "the item on line 2" named every
// item. Pretty-printed feeds keep naming lines, and so does a feed whose
// lines only start repeating after the first occurrence was stored.
func TestCrossItemRefsWhereLinesRepeat(t *testing.T) {
	items := []string{
		xmlItem("A", "4006381333931", "Shirt", "", "M"),
		xmlItem("B", "9780306406157", "Cap", "G", "L"),
		xmlItem("A", "4006381333931", "Shirt", "", "S"), // id, GTIN, title of item 1
		xmlItem("C", "0012345678905", "Cap", "G", "L"),  // same variant as item 2
	}
	head := `<?xml version="1.0"?>` + "\n"
	open := `<rss xmlns:g="http://base.google.com/ns/1.0"><channel>`
	minified := head + open + strings.Join(items, "") + `</channel></rss>`
	got := crossMessages(t, "min.xml", minified)
	want := map[string]string{
		"id.duplicate":          `id "A" is also used by item 1`,
		"gtin.duplicate":        `GTIN 4006381333931 is also used by item 1`,
		"variant.group_missing": `same title as item 1 with`,
		"variant.duplicate":     `same variant attributes as item 2 in group "G"`,
	}
	for rule, w := range want {
		if len(got[rule]) != 1 || !strings.Contains(got[rule][0], w) {
			t.Errorf("minified %s: got %q, want one containing %q", rule, got[rule], w)
		}
	}

	pretty := head + open + "\n" + strings.Join(items, "\n") + "\n</channel></rss>\n"
	got = crossMessages(t, "pretty.xml", pretty)
	want = map[string]string{
		"id.duplicate":          `id "A" is also used by the item on line 3`,
		"gtin.duplicate":        `GTIN 4006381333931 is also used by the item on line 3`,
		"variant.group_missing": `same title as the item on line 3 with`,
		"variant.duplicate":     `same variant attributes as the item on line 4 in group "G"`,
	}
	for rule, w := range want {
		if len(got[rule]) != 1 || !strings.Contains(got[rule][0], w) {
			t.Errorf("pretty %s: got %q, want one containing %q", rule, got[rule], w)
		}
	}

	// Item 1 alone on line 3, items 2-4 share line 4: item 1 is still
	// found by its line; item 2 was retagged when item 3 joined its line.
	mixed := head + open + "\n" + items[0] + "\n" + strings.Join(items[1:], "") + "\n</channel></rss>\n"
	got = crossMessages(t, "mixed.xml", mixed)
	if m := got["id.duplicate"]; len(m) != 1 || !strings.Contains(m[0], "the item on line 3") {
		t.Errorf("mixed id.duplicate: %q", m)
	}
	if m := got["variant.duplicate"]; len(m) != 1 || !strings.Contains(m[0], "as item 2 in") {
		t.Errorf("mixed variant.duplicate: %q", m)
	}
}

// The column of an XML item is counted in the feed's text after its byte
// order mark, whatever the encoding: an editor does not show the BOM, and
// the same feed as UTF-8 with or without a BOM or as UTF-16 gives the
// same columns.
func TestXMLColumnAfterBOM(t *testing.T) {
	line := `<rss xmlns:g="http://base.google.com/ns/1.0"><channel>` +
		xmlItem("A", "4006381333931", "Shirt é", "", "M") + xmlItem("B", "9780306406157", "Cap", "", "") + `</channel></rss>`
	want := map[string]int{"A": strings.Index(line, "<item><g:id>A") + 1, "B": strings.Index(line, "<item><g:id>B") + 1}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(line)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{"plain": line, "utf-8 BOM": "\xef\xbb\xbf" + line, "utf-16le BOM": utf16} {
		v, err := NewValidator(channels["google"], Overrides{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.Validate(context.Background(), openString(t, "f.xml", doc), ValidateOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fs := res.Findings.Collect()
		res.Findings.Close()
		n := 0
		for _, f := range fs {
			if f.Item == 0 {
				continue
			}
			n++
			if f.Line != 1 || f.Column != want[f.ID] {
				t.Errorf("%s: %s %s at %d:%d, want 1:%d", name, f.ID, f.Rule, f.Line, f.Column, want[f.ID])
			}
		}
		if n == 0 {
			t.Errorf("%s: no item findings", name)
		}
	}
}

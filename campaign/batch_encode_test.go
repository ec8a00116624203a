package campaign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/feed"
)

func stdBatchRequest(t testing.TB, method, id string, data map[string]string) []byte {
	full := map[string]string{"id": id}
	for k, v := range data {
		if k != "id" {
			full[k] = v
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(batchRequest{Method: method, Data: full}); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func sortedKeys(data map[string]string) []string {
	keys := []string{"id"}
	for k := range data {
		if k != "id" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func TestAppendBatchRequest(t *testing.T) {
	data := map[string]string{
		"title": `Socks <Cotton & Bamboo> "3-pack"`, "description": "line1\nline2\ttab\x01\x1f",
		"price": "18.00 USD", "bad": "\xff\xfe", "sep": "a\u2028b\u2029c", "back": `C:\path`, "id": "ignored",
	}
	got := appendBatchRequest(nil, "UPDATE", "SK-1", sortedKeys(data), data)
	want := stdBatchRequest(t, "UPDATE", "SK-1", data)
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func FuzzAppendBatchRequest(f *testing.F) {
	f.Add("SK-1", "title", "plain", "description", "ünï\x00\"\\\u2028")
	f.Fuzz(func(t *testing.T, id, k1, v1, k2, v2 string) {
		data := map[string]string{k1: v1, k2: v2}
		got := appendBatchRequest(nil, "UPDATE", id, sortedKeys(data), data)
		if want := stdBatchRequest(t, "UPDATE", id, data); !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}

// itemDataMap is ItemData as it was before itemFields: the reference the
// slice form must match (first value wins; distinct additional_image_link
// values join with commas).
func itemDataMap(it *feed.Item) map[string]string {
	out := map[string]string{}
	for _, f := range it.Fields {
		if f.Value == "" {
			continue
		}
		if prev, ok := out[f.Name]; ok {
			if f.Name == "additional_image_link" && prev != f.Value {
				out[f.Name] = prev + "," + f.Value
			}
			continue
		}
		out[f.Name] = f.Value
	}
	return out
}

// TestBatchFieldsMatchMap: the export's slice path (itemFields +
// appendBatchFields) gives the bytes of the map path and of encoding/json,
// for items with repeated fields, an id column, names sorting around "id"
// and empty values.
func TestBatchFieldsMatchMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"id", "title", "additional_image_link", "brand", "i", "ia", "hz", "", "ID", "price", "z", "image_link"}
	values := []string{"", "a", "b", "a,b", `x "q" <y>`, "\u2028", "\xff"}
	var sorter fieldSorter // one for the whole stream, as the export's
	var prev *feed.Item
	for n := 0; n < 3000; n++ {
		it := &feed.Item{}
		if prev != nil && rng.IntN(2) == 0 {
			// The previous item's layout with new values (some empty):
			// the sorter's cached order, or a new one when an empty value
			// changes the layout.
			for _, f := range prev.Fields {
				it.Fields = append(it.Fields, feed.Field{Name: f.Name, Value: values[rng.IntN(len(values))]})
			}
		} else {
			for k := rng.IntN(12); k > 0; k-- {
				it.Fields = append(it.Fields, feed.Field{Name: names[rng.IntN(len(names))], Value: values[rng.IntN(len(values))]})
			}
		}
		prev = it
		want := itemDataMap(it)
		if got := ItemData(it); !maps.Equal(got, want) {
			t.Fatalf("ItemData(%v) = %v, want %v", it.Fields, got, want)
		}
		fields := itemFields(it)
		if !slices.IsSortedFunc(fields, func(a, b feed.Field) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatalf("itemFields(%v) not sorted: %v", it.Fields, fields)
		}
		got := appendBatchFields(nil, "UPDATE", "SK-9", fields)
		if w := stdBatchRequest(t, "UPDATE", "SK-9", want); !bytes.Equal(got, w) {
			t.Fatalf("fields %v:\ngot  %s\nwant %s", it.Fields, got, w)
		}
		if s := sorter.fields(it); !slices.Equal(s, fields) {
			t.Fatalf("fields %v: stream sorter gives %v, want %v", it.Fields, s, fields)
		}
		if batchOpSize(batchOp{RetailerID: "SK-9", fields: fields}) != batchOpSize(batchOp{RetailerID: "SK-9", Data: want}) {
			t.Fatalf("BatchOpSize differs for %v", it.Fields)
		}
	}
}

// TestItemsBatcherReserve: bodies are the same whatever the size hint.
func TestItemsBatcherReserve(t *testing.T) {
	run := func(hint int) [][]byte {
		var bodies [][]byte
		b := newItemsBatcher(3, func(_ int, body []byte) error { bodies = append(bodies, body); return nil })
		b.Reserve(hint)
		for i := range 7 {
			if err := b.Add(batchOp{Method: "UPDATE", RetailerID: fmt.Sprint("SK-", i), fields: []feed.Field{{Name: "title", Value: "T"}}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Flush(); err != nil {
			t.Fatal(err)
		}
		return bodies
	}
	want := run(0)
	if len(want) != 3 {
		t.Fatalf("%d bodies, want 3", len(want))
	}
	for _, hint := range []int{1, 100, 1 << 20} {
		if got := run(hint); !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("hint %d: bodies differ", hint)
		}
	}
}

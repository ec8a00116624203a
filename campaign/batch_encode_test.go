package campaign

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
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
	if err := enc.Encode(BatchRequest{Method: method, Data: full}); err != nil {
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

package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleSARIF(t *testing.T) ([]SARIFRule, []SARIFResult) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rules := []SARIFRule{
		{ID: "price-missing", Name: "PriceMissing", Short: "Price is required", Full: "Every item needs a price with currency.", Help: "Add a price column like \"12.00 EUR\".", Level: "error", HelpURI: "https://github.com/dpa-tools/dpa/docs/rules#price-missing"},
		{ID: "gtin-checksum", Name: "GTINChecksum", Short: "GTIN checksum", Level: "warning"},
		{ID: "title-long", Short: "Title over 150 characters", Level: "info"},
	}
	results := []SARIFResult{
		{RuleID: "price-missing", Message: "price is empty", URI: "feeds/shop.csv", Line: 2, Fingerprint: "abc123"},
		{RuleID: "gtin-checksum", Message: "GTIN 0123 fails checksum", URI: filepath.Join(cwd, "feeds", "shop.csv"), Line: 4},
		{RuleID: "title-long", Level: "warning", Message: "title has 212 characters", URI: "./feeds/my shop.csv", Line: 0},
		{RuleID: "title-long", Message: "outside the tree", URI: "/nonexistent-root/feed.csv", Line: 9},
		{RuleID: "price-missing", Message: "no location"},
	}
	return rules, results
}

func TestWriteSARIFGolden(t *testing.T) {
	rules, results := sampleSARIF(t)
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "dpa", "1.2.3", rules, results); err != nil {
		t.Fatal(err)
	}
	golden(t, "sarif", buf.Bytes())
}

// TestSARIFStructure decodes the output generically and checks the keys and
// values that SARIF 2.1.0 consumers (GitHub code scanning) require.
func TestSARIFStructure(t *testing.T) {
	rules, results := sampleSARIF(t)
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "dpa", "1.2.3", rules, results); err != nil {
		t.Fatal(err)
	}
	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log["$schema"] != SARIFSchema || log["version"] != "2.1.0" {
		t.Errorf("$schema/version = %v/%v", log["$schema"], log["version"])
	}
	runs := log["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("%d runs", len(runs))
	}
	run := runs[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	for _, k := range []string{"name", "version", "informationUri", "rules"} {
		if _, ok := driver[k]; !ok {
			t.Errorf("driver lacks %q", k)
		}
	}
	gotRules := driver["rules"].([]any)
	var ids []string
	for _, r := range gotRules {
		rm := r.(map[string]any)
		ids = append(ids, rm["id"].(string))
		if _, ok := rm["shortDescription"].(map[string]any)["text"]; !ok {
			t.Errorf("rule %v lacks shortDescription.text", rm["id"])
		}
		lvl := rm["defaultConfiguration"].(map[string]any)["level"]
		if lvl != "error" && lvl != "warning" && lvl != "note" {
			t.Errorf("rule %v level %v", rm["id"], lvl)
		}
	}
	if want := []string{"gtin-checksum", "price-missing", "title-long"}; !equalStrings(ids, want) {
		t.Errorf("rule order %v, want %v", ids, want)
	}
	res := run["results"].([]any)
	if len(res) != len(results) {
		t.Fatalf("%d results", len(res))
	}
	wantLevels := []string{"error", "warning", "warning", "note", "error"}
	wantURIs := []string{"feeds/shop.csv", "feeds/shop.csv", "feeds/my%20shop.csv", "file:///nonexistent-root/feed.csv", ""}
	for i, r := range res {
		rm := r.(map[string]any)
		idx := int(rm["ruleIndex"].(float64))
		if ids[idx] != rm["ruleId"] {
			t.Errorf("result %d: ruleIndex %d points to %s, ruleId %v", i, idx, ids[idx], rm["ruleId"])
		}
		if rm["level"] != wantLevels[i] {
			t.Errorf("result %d: level %v, want %s", i, rm["level"], wantLevels[i])
		}
		if _, ok := rm["message"].(map[string]any)["text"].(string); !ok {
			t.Errorf("result %d: no message.text", i)
		}
		locs, _ := rm["locations"].([]any)
		if wantURIs[i] == "" {
			if len(locs) != 0 {
				t.Errorf("result %d: unexpected locations", i)
			}
			continue
		}
		al := locs[0].(map[string]any)["physicalLocation"].(map[string]any)["artifactLocation"].(map[string]any)
		if al["uri"] != wantURIs[i] {
			t.Errorf("result %d: uri %v, want %s", i, al["uri"], wantURIs[i])
		}
		base, hasBase := al["uriBaseId"]
		if relative := !strings.HasPrefix(wantURIs[i], "file:"); relative != hasBase || (hasBase && base != "%SRCROOT%") {
			t.Errorf("result %d: uriBaseId %v", i, base)
		}
	}
	first := res[0].(map[string]any)
	if first["partialFingerprints"].(map[string]any)[sarifFingerprintKey] != "abc123" {
		t.Errorf("fingerprint missing: %v", first["partialFingerprints"])
	}
	region := first["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)
	if region["startLine"] != 2.0 {
		t.Errorf("startLine = %v", region["startLine"])
	}
}

func TestSARIFEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, "dpa", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []any `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []any `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"results": []`)) || !bytes.Contains(buf.Bytes(), []byte(`"rules": []`)) {
		t.Errorf("empty arrays must be [] not null:\n%s", buf.String())
	}
}

func TestSARIFErrors(t *testing.T) {
	tests := []struct {
		name    string
		rules   []SARIFRule
		results []SARIFResult
	}{
		{"unknown rule", []SARIFRule{{ID: "a"}}, []SARIFResult{{RuleID: "b"}}},
		{"duplicate rule", []SARIFRule{{ID: "a"}, {ID: "a"}}, nil},
		{"empty rule id", []SARIFRule{{ID: ""}}, nil},
		{"bad rule level", []SARIFRule{{ID: "a", Level: "fatal"}}, nil},
		{"bad result level", []SARIFRule{{ID: "a"}}, []SARIFResult{{RuleID: "a", Level: "critical"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteSARIF(&bytes.Buffer{}, "dpa", "1", tc.rules, tc.results)
			if !errors.Is(err, ErrSARIF) {
				t.Errorf("err = %v, want ErrSARIF", err)
			}
		})
	}
}

func TestSARIFURI(t *testing.T) {
	base := filepath.FromSlash("/repo")
	tests := []struct {
		in, uri, baseID string
	}{
		{"feed.csv", "feed.csv", "%SRCROOT%"},
		{"./a/b.csv", "a/b.csv", "%SRCROOT%"},
		{"/repo/a/b.csv", "a/b.csv", "%SRCROOT%"},
		{"/repo/a/../c.csv", "c.csv", "%SRCROOT%"},
		{"../other/x.csv", "file:///other/x.csv", ""},
		{"/elsewhere/x y.csv", "file:///elsewhere/x%20y.csv", ""},
		{"/repository/x.csv", "file:///repository/x.csv", ""},
		{"a:b.csv", "./a:b.csv", "%SRCROOT%"},
		{"https://example.com/feed.xml", "https://example.com/feed.xml", ""},
		{"dir/100%.csv", "dir/100%25.csv", "%SRCROOT%"},
	}
	for _, tc := range tests {
		uri, id := sarifURI(base, filepath.FromSlash(tc.in))
		if uri != tc.uri || id != tc.baseID {
			t.Errorf("sarifURI(%q) = %q, %q; want %q, %q", tc.in, uri, id, tc.uri, tc.baseID)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

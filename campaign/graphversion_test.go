package campaign

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// withGraphVersion is the shipped campaign.yaml with
// campaign.graph_api_version: v set (line 9, column 22 holds the value).
func withGraphVersion(t *testing.T, v string) string {
	t.Helper()
	src := string(InitFiles()["campaign.yaml"])
	const anchor = "campaign:\n"
	i := strings.Index(src, anchor)
	if i < 0 || strings.Count(src[:i], "\n") != 7 {
		t.Fatalf("campaign.yaml layout changed: campaign: is not line 8")
	}
	i += len(anchor)
	return src[:i] + "  graph_api_version: " + v + "\n" + src[i:]
}

// TestGraphAPIVersionNonDefault: a valid version other than the default
// is what every plan path, the plan and the manifest carry.
func TestGraphAPIVersionNonDefault(t *testing.T) {
	const v = "v24.0"
	if v == defaultGraphAPIVersion {
		t.Fatal("pick a version other than the default")
	}
	c := mustLoad(t, withGraphVersion(t, v))
	if c.GraphAPIVersion != v {
		t.Fatalf("GraphAPIVersion %q, want %q", c.GraphAPIVersion, v)
	}
	_, data := buildPlan(t, c)
	var pl plan
	if err := json.Unmarshal(data, &pl); err != nil {
		t.Fatal(err)
	}
	if pl.GraphAPIVersion != v {
		t.Errorf("plan graph_api_version %q, want %q", pl.GraphAPIVersion, v)
	}
	if len(pl.Steps) == 0 {
		t.Fatal("empty plan")
	}
	for _, s := range pl.Steps {
		if !strings.HasPrefix(s.Path, "/"+v+"/") {
			t.Errorf("step %d path %q does not follow %s", s.Step, s.Path, v)
		}
	}
	if bytes.Contains(data, []byte(defaultGraphAPIVersion)) {
		t.Errorf("plan still mentions the default %s:\n%s", defaultGraphAPIVersion, data)
	}
	m := NewManifest(c, newSelection(c, selectOptions{}))
	if m.GraphAPIVersion != v {
		t.Errorf("manifest graph_api_version %q, want %q", m.GraphAPIVersion, v)
	}
	mj, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(mj, []byte(`"graph_api_version": "`+v+`"`)) {
		t.Errorf("manifest.json lacks graph_api_version %s:\n%s", v, mj)
	}
}

// TestGraphAPIVersionInvalid: a version not written as in the API paths
// is a line:col error pointing at the value.
func TestGraphAPIVersionInvalid(t *testing.T) {
	for _, v := range []string{"25.0", "v25", "latest", "v25.0.1", `"V25.0"`} {
		msg := loadErrors(t, withGraphVersion(t, v))
		want := "c.yaml:9:22: error: campaign.graph_api_version: invalid Graph API version"
		if !strings.Contains(msg, want) {
			t.Errorf("%s: got\n%s\nwant %q", v, msg, want)
		}
		if !strings.Contains(msg, defaultGraphAPIVersion) {
			t.Errorf("%s: the error should show the form, e.g. %s: %s", v, defaultGraphAPIVersion, msg)
		}
	}
}

package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	catalog := []CatalogEntry{
		{ID: "ABC-1", GroupID: "G1"}, {ID: "ABC-2", GroupID: "G1"},
		{ID: "00123"}, {ID: "555"}, {ID: "777"}, {ID: "P9", GroupID: "P9"}, {ID: "sku_42"},
		{ID: "OLD"},
	}
	log := `timestamp,user_id,event,item_id
2024-03-30T10:00:00Z,u1,view,ABC-1
2024-03-30T10:01:00Z,u1,view,abc-1
2024-03-30T10:02:00Z,u1,cart,Abc-2
2024-03-31T10:00:00Z,u2,view,123
2024-03-31T10:00:00Z,u2,view,sku_555
2024-03-31T10:00:00Z,u2,purchase,777-DE
2024-03-31T10:00:00Z,u3,view,G1
2024-03-31T10:00:00Z,u3,view,P9-RED
2024-03-31T10:00:00Z,u3,view,42
2024-03-31T10:00:00Z,u3,purchase,ZZZ
2024-02-20T10:00:00Z,u4,view,OLD
2024-04-01T00:00:00Z,u4,view,555
`
	res, err := Check(context.Background(), strings.NewReader(log), CheckOptions{Catalog: catalog})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 12 || res.Users != 4 {
		t.Errorf("events %d users %d", res.Events, res.Users)
	}
	m := res.Match
	// matched: ABC-1, OLD, 555 = 3 of 12
	if m.Refs != 12 || m.Matched != 3 || fmt.Sprintf("%.4f", m.Rate) != "0.2500" {
		t.Errorf("match = %d/%d rate %v", m.Matched, m.Refs, m.Rate)
	}
	got := map[string]string{}
	for _, c := range m.Causes {
		for _, e := range c.Examples {
			got[e.EventID] = c.Cause + "->" + e.CatalogID
		}
	}
	want := map[string]string{
		"abc-1":   CauseCaseWhitespace + "->ABC-1",
		"Abc-2":   CauseCaseWhitespace + "->ABC-2",
		"123":     CauseLeadingZeros + "->00123",
		"sku_555": CausePrefix + "->555",
		"777-DE":  CauseCountryCode + "->777",
		"G1":      CauseGroupIDSent + "->ABC-1",
		"P9-RED":  CauseVariantIDSent + "->P9",
		"42":      CauseCatalogPrefix + "->sku_42",
		"ZZZ":     CauseUnknown + "->",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("cause of %q = %q, want %q", k, got[k], v)
		}
	}
	if last := m.Causes[len(m.Causes)-1]; last.Cause != CauseUnknown {
		t.Errorf("unknown cause should sort last, got %s", last.Cause)
	}
	var purch TypeMatch
	for _, tm := range m.ByType {
		if tm.Type == Purchase {
			purch = tm
		}
	}
	if purch.Refs != 2 || purch.Matched != 0 {
		t.Errorf("purchase match = %+v", purch)
	}
	// Signal relative to the log's last timestamp (2024-04-01): ABC-1 and
	// 555 within 14 days, OLD 41 days before: outside 30.
	s := res.Signal
	if s.CatalogLen != 8 || s.Items14 != 2 || s.Items30 != 2 || s.ItemsEver != 3 {
		t.Errorf("signal = %+v", s)
	}
	if len(res.ByDay) != 4 || res.ByDay[0].Date != "2024-02-20" || res.ByDay[2].ByType["Purchase"] != 2 {
		t.Errorf("by day = %+v", res.ByDay)
	}
	// Deterministic JSON.
	b1, _ := json.Marshal(res)
	res2, _ := Check(context.Background(), strings.NewReader(log), CheckOptions{Catalog: catalog})
	b2, _ := json.Marshal(res2)
	if !bytes.Equal(b1, b2) {
		t.Error("check output not deterministic")
	}
}

func TestCheckCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Check(ctx, strings.NewReader("timestamp,user_id,event,item_id\n2024-01-01,u,view,a\n"), CheckOptions{})
	if err == nil {
		t.Error("want context error")
	}
}

// ParseType's fast path for canonical names must agree with the
// normalised lookup it skips.
func TestParseTypeCanonicalFastPath(t *testing.T) {
	if len(canonicalNames) != len(Types) {
		t.Fatalf("%d canonical names, want %d", len(canonicalNames), len(Types))
	}
	for _, ty := range Types {
		got, ok, ign := ParseType(string(ty))
		want, hit := typeAliases[normName(string(ty))]
		if !hit || got != want || ok != (want != "") || ign != (want == "") {
			t.Errorf("ParseType(%q) = %q %v %v, want %q", ty, got, ok, ign, want)
		}
	}
}

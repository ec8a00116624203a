package feed

import "testing"

// The channel and rule tables are shared by every run in the process: what a
// lookup hands out must be a copy, or one caller's edit changes the spec for all.
func TestLookupsReturnCopies(t *testing.T) {
	ch, err := LookupChannel("meta")
	if err != nil {
		t.Fatal(err)
	}
	ch.Title = "changed"
	ch.Fields[0].Enum = append(ch.Fields[0].Enum, "x")
	ch.Spec("availability").Enum[0] = "changed"
	ch.OneOf[0][0] = "changed"
	ch.Synonyms["changed"] = "changed"
	again, _ := LookupChannel("meta")
	if again.Title == "changed" || again.Spec("availability").Enum[0] == "changed" || again.OneOf[0][0] == "changed" || again.Synonyms["changed"] != "" {
		t.Fatalf("LookupChannel handed out the table itself: %+v", again)
	}
	if len(again.Fields[0].Enum) != len(channels["meta"].Fields[0].Enum) {
		t.Fatal("field enum shared")
	}

	r, ok := LookupRule("identifier.incomplete")
	if !ok {
		t.Fatal("rule missing")
	}
	r.Summary = "changed"
	r.Channels[0] = "changed"
	for _, list := range [][]Rule{RulesFor(""), RulesFor("google")} {
		for i := range list {
			if list[i].Code == "identifier.incomplete" {
				list[i].Channels[0] = "changed"
			}
		}
	}
	again2, _ := LookupRule("identifier.incomplete")
	if again2.Summary == "changed" || again2.Channels[0] != "google" {
		t.Fatalf("rule table changed through a lookup: %+v", again2)
	}
}

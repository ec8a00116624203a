package campaign

import "testing"

// TestGoogleVocabularyCatalog (issue 9 point 3): a catalog spelled in
// Google's vocabulary (in_stock, backorder) is selected by filters in
// Meta's (in stock, available for order), as validate reads it.
func TestGoogleVocabularyCatalog(t *testing.T) {
	f, err := CompileFriendly([]byte("availability: in stock"), "USD")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		v    string
		want bool
	}{{"in_stock", true}, {"in stock", true}, {"IN STOCK", true}, {"out_of_stock", false}, {"backorder", false}} {
		if got := f.Match(item("availability", tt.v)); got != tt.want {
			t.Errorf("%q: match %v, want %v", tt.v, got, tt.want)
		}
	}
	g, _ := CompileFriendly([]byte("availability: available for order"), "USD")
	if !g.Match(item("availability", "backorder")) {
		t.Error("backorder is Meta's available for order")
	}
}

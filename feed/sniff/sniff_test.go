package sniff

import "testing"

// The cases of the three former copies: feed's compressionOf (every kind,
// the bzip2 look-alike) and the gzip-only checks of campaign/events and
// cmd/dpa's multi-file --events (two magic bytes decide; a short stream).
func TestCompression(t *testing.T) {
	tests := []struct {
		data, want string
	}{
		{"\x1f\x8b\x08", Gzip},
		{"\x1f\x8b", Gzip}, // events: a two-byte peek was enough
		{"\x1f", ""},
		{"\x8b\x1f", ""},
		{"\x28\xb5\x2f\xfd", Zstd},
		{"\x28\xb5\x2f", ""},
		{"PK\x03\x04", Zip},
		{"BZh91AY&SY", Bzip2},
		{"BZh9\x17\x72\x45\x38\x50\x90", Bzip2},
		{"BZh9,title\n", ""}, // a text feed that starts like bzip2
		{"BZh0" + "1AY&SY", ""},
		{"id,title", ""},
		{"PAR1", ""}, // Parquet is a layout, told apart by events.IsParquet
		{"", ""},
	}
	for _, tc := range tests {
		if got := Compression([]byte(tc.data)); got != tc.want {
			t.Errorf("Compression(%q) = %q, want %q", tc.data, got, tc.want)
		}
	}
}

// The cases of feed's sniffDelimiter (rune default, tab for .tsv) and of
// campaign/events' sniffComma (comma default, first line only).
func TestDelimiter(t *testing.T) {
	tests := []struct {
		line string
		def  rune
		want rune
	}{
		{"id,title,price", ',', ','},
		{"id\ttitle\tprice", ',', '\t'},
		{"id;title;price", ',', ';'},
		{"id|title|price", ',', '|'},
		{"id", ',', ','},   // none: the default
		{"id", '\t', '\t'}, // feed: a .tsv name defaults to tab
		{"", ',', ','},
		{`"a;b;c",x`, ',', ','},            // separators inside quotes do not count
		{`"a,b,c";x;y`, ',', ';'},          // events: a quoted comma in a ; log
		{"a,b;c", ',', ','},                // a tie goes to the earlier candidate
		{"a;b\tc", ',', '\t'},              // tab before ;
		{"a|b;c", ',', ';'},                // ; before |
		{"session,ts\titem\tx", ',', '\t'}, // the most frequent wins
		{`"unclosed,a,b`, ',', ','},        // an open quote hides the rest
		{"a,b,c\r", ',', ','},
	}
	for _, tc := range tests {
		if got := Delimiter([]byte(tc.line), tc.def); got != tc.want {
			t.Errorf("Delimiter(%q, %q) = %q, want %q", tc.line, tc.def, got, tc.want)
		}
	}
}

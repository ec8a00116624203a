package campaign

import (
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"
)

// maxSlugLen keeps file names well under every file system's limit even
// with a suffix and extension added.
const maxSlugLen = 60

// fold maps common Latin letters with diacritics to ASCII so "Été" and
// "Ete" give the same readable slug without pulling in a Unicode
// normaliser.
var fold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'ı': "i",
	'ł': "l", 'ñ': "n", 'ń': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o", 'œ': "oe",
	'ř': "r", 'ś': "s", 'š': "s", 'ş': "s", 'ß': "ss", 'ť': "t", 'ţ': "t", 'þ': "th",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
}

// windowsReserved are device names Windows refuses as file stems.
var windowsReserved = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
}

// safeName turns a display name into a file-name stem made only of
// [a-z0-9-], so no ad-set name can traverse paths ("../x"), be absolute,
// hide as a dot file or hit a reserved device name. Names with nothing
// ASCII-foldable ("夏のセール") get a stable hash-based stem.
func safeName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		var s string
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			s = string(r)
		case fold[r] != "":
			s = fold[r]
		default:
			if b.Len() > 0 {
				dash = true
			}
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteString(s)
	}
	out := b.String()
	if len(out) > maxSlugLen {
		out = strings.TrimRight(out[:maxSlugLen], "-")
	}
	if out == "" {
		h := fnv.New32a()
		h.Write([]byte(name))
		out = fmt.Sprintf("set-%08x", h.Sum32())
	}
	if windowsReserved[out] {
		out += "-set"
	}
	return out
}

// safeNames slugs every name and disambiguates collisions in input order
// with -2, -3 …, never producing a slug that another name already owns
// ("Sale", "sale", "Sale 2" → sale, sale-3, sale-2). Case-insensitive
// file systems are covered because slugs are lower case.
func safeNames(names []string) []string {
	out := make([]string, len(names))
	taken := map[string]bool{}
	base := make([]string, len(names))
	for i, n := range names {
		base[i] = safeName(n)
	}
	// First come, first served for each distinct base slug; later
	// duplicates are numbered after every base is reserved, so a literal
	// "sale-2" keeps its own name.
	for i, b := range base {
		if !taken[b] {
			taken[b] = true
			out[i] = b
		}
	}
	for i, b := range base {
		if out[i] != "" {
			continue
		}
		for k := 2; ; k++ {
			c := fmt.Sprintf("%s-%d", b, k)
			if !taken[c] {
				taken[c] = true
				out[i] = c
				break
			}
		}
	}
	return out
}

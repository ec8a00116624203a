package feed

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// promotionalRef is the check as it was written first (over a lower-cased
// copy of the title); promotional must agree with it on every title.
func promotionalRef(title string) string {
	var buf [256]byte
	lt := buf[:0]
	for i := 0; i < len(title) && len(lt) < len(buf); i++ {
		b := title[i]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		lt = append(lt, b)
	}
	if bytes.Contains(lt, []byte("!!!")) {
		return "!!!"
	}
	for i := 0; i < len(lt); {
		for i < len(lt) && !isWordByte(lt[i]) {
			i++
		}
		j := i
		for j < len(lt) && isWordByte(lt[j]) {
			j++
		}
		if j == i {
			break
		}
		word := lt[i:j]
		if cands, ok := promoByWord[string(word)]; ok {
			for _, p := range cands {
				end := i + len(p)
				if end <= len(lt) && string(lt[i:end]) == p && (end == len(lt) || !isWordByte(lt[end])) {
					return p
				}
			}
		}
		if j < len(lt) && lt[j] == '%' {
			rest := bytes.TrimLeft(lt[j+1:], " ")
			if bytes.HasPrefix(rest, []byte("off")) && (len(rest) == 3 || !isWordByte(rest[3])) {
				return "% off"
			}
		}
		i = j
	}
	return ""
}

func TestPromotionalMatchesReference(t *testing.T) {
	// promotional lower-cases only words of 3 to 10 bytes.
	for _, p := range promoPhrases {
		first, _, _ := strings.Cut(p, " ")
		if len(first) < 3 || len(first) > 10 || !promoFirstWord([]byte(first)) {
			t.Errorf("phrase %q: first word %q must be 3-10 bytes and in promoFirstWord", p, first)
		}
	}
	tokens := []string{"free", "FREE", "Free", "shipping", "Shipping", "delivery", "sale", "SALE", "Sales", "discount",
		"best", "Best", "price", "PRICE", "seller", "bestseller", "BestSeller", "deal", "deals", "Deals", "promo",
		"coupon", "buy", "Now", "limited", "time", "clearance", "wholesale", "high", "quality", "lowest", "cheapest",
		"%", "% ", "%off", "% OFF", "off", "Off", "!", "!!", "!!!", " ", "  ", "-", ",", ".", "é", "ü", "\xff",
		"50", "shoe", "Shirt", "x", "freeshipping", "salé", "_", "\t"}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200000 {
		var sb strings.Builder
		words := rng.IntN(12)
		if n%50 == 0 {
			words = 80 // past the 256-byte window
		}
		for range words {
			sb.WriteString(tokens[rng.IntN(len(tokens))])
			if rng.IntN(3) > 0 {
				sb.WriteByte(' ')
			}
		}
		s := sb.String()
		if got, want := promotional(s), promotionalRef(s); got != want {
			t.Fatalf("promotional(%q) = %q, reference %q", s, got, want)
		}
	}
}

package feed

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dpa-tools/dpa/feed/sniff"
)

// googleNamespace is the XML namespace of Google's product attributes.
const googleNamespace = "http://base.google.com/ns/1.0"

// ChannelGuess is the channel a feed was written for and why dpa thinks
// so. Weak means the evidence fits other channels as well: the caller
// should point to --channel.
type ChannelGuess struct {
	Channel string
	Reason  string
	Weak    bool
}

// Fields only one platform defines: their presence settles the channel.
// Meta: Commerce Manager's data feed fields (fb_product_category,
// quantity_to_sell_on_facebook, rich_text_description, …); Google: Merchant
// Center's product data specification (identifier_exists, the destination
// and Shopping ads attributes, …).
var (
	metaOnlyFields = []string{"fb_product_category", "quantity_to_sell_on_facebook", "rich_text_description",
		"commerce_tax_category", "applink", "marked_for_product_launch"}
	googleOnlyFields = []string{"identifier_exists", "excluded_destination", "included_destination", "shopping_ads_excluded_country",
		"ads_redirect", "multipack", "is_bundle", "energy_efficiency_class", "unit_pricing_measure", "product_highlight",
		"product_detail", "certification", "pause", "sell_on_google_quantity", "tax_category", "lifestyle_image_link",
		"mobile_link", "shipping_label", "transit_time_label", "return_policy_label", "cost_of_goods_sold", "adwords_redirect"}
	// metaTemplate is the column order of Meta's catalog template.
	metaTemplate = []string{"id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand"}
)

// guessSep joins a ChannelGuess into the reader's string hint.
const guessSep = "\x1f"

// channelFromHead guesses the channel from a feed's first bytes (decoded),
// as "channel␟weak␟reason" (readerBase.hint is a string).
func channelFromHead(head []byte) string {
	g := guessFromHead(head)
	w := ""
	if g.Weak {
		w = "weak"
	}
	return g.Channel + guessSep + w + guessSep + g.Reason
}

func guessFromHead(head []byte) ChannelGuess {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if bytes.HasPrefix(trimmed, []byte("<")) {
		if !bytes.Contains(head, []byte(googleNamespace)) {
			return ChannelGuess{"meta", "an XML feed without Google's g: namespace (Meta's default)", true}
		}
		for _, m := range metaOnlyFields {
			if bytes.Contains(head, []byte(m+">")) {
				return ChannelGuess{"meta", fmt.Sprintf("<%s>, a field only Meta defines", m), false}
			}
		}
		for _, v := range []string{">available for order<", ">mark_as_sold<"} {
			if bytes.Contains(head, []byte(v)) {
				return ChannelGuess{"meta", fmt.Sprintf("the value %q only Meta's spec has", strings.Trim(v, "<>")), false}
			}
		}
		for _, m := range googleOnlyFields {
			if bytes.Contains(head, []byte("g:"+m+">")) {
				return ChannelGuess{"google", fmt.Sprintf("<g:%s>, a field only Merchant Center defines", m), false}
			}
		}
		if bytes.Contains(head, []byte("<g:target_country>")) {
			return ChannelGuess{"google", "g: namespace with Merchant Center's <g:target_country>", false}
		}
		return ChannelGuess{"google", "g: namespace (Meta's RSS feeds use it too)", true}
	}
	line := firstLine(head)
	comma := sniff.Delimiter(line, ',')
	var cols []string
	for _, c := range strings.Split(string(line), string(comma)) {
		cols = append(cols, CanonicalName(strings.Trim(strings.TrimSpace(c), `"`)))
	}
	if slices.Contains(cols, "sku_id") {
		return ChannelGuess{"tiktok", "the sku_id column of TikTok's template", false}
	}
	for _, c := range cols {
		if slices.Contains(metaOnlyFields, c) || strings.Contains(c, "[0]") {
			return ChannelGuess{"meta", fmt.Sprintf("the %s column only Meta defines", c), false}
		}
		if slices.Contains(googleOnlyFields, c) {
			return ChannelGuess{"google", fmt.Sprintf("the %s column only Merchant Center defines", c), false}
		}
	}
	template := true
	for _, c := range metaTemplate {
		template = template && slices.Contains(cols, c)
	}
	switch {
	case comma == '\t':
		return ChannelGuess{"google", "tab-separated, Merchant Center's text format (Meta takes it too)", true}
	case template:
		return ChannelGuess{"meta", "header matches Meta's template", false}
	}
	return ChannelGuess{"meta", "no platform-specific fields (Meta's spelling is the default)", true}
}

// nameHints are file-name words that say which platform a feed is for.
var nameHints = []struct{ word, channel, why string }{
	{"google", "google", ""}, {"gmc", "google", " (Google Merchant Center)"}, {"merchant", "google", ""},
	{"facebook", "meta", ""}, {"instagram", "meta", ""}, {"meta", "meta", ""}, {"fb_", "meta", ""},
	{"dpa", "meta", " (Dynamic Product Ads, Meta's name)"},
	{"tiktok", "tiktok", ""}, {"pinterest", "pinterest", ""}, {"snapchat", "snapchat", ""},
}

// channelFromName guesses from a file name ("google_feed.tsv").
func channelFromName(name string) (ChannelGuess, bool) {
	base := strings.ToLower(filepath.Base(name))
	for _, h := range nameHints {
		if strings.Contains(base, h.word) {
			return ChannelGuess{h.channel, fmt.Sprintf("file name contains %q%s", h.word, h.why), false}, true
		}
	}
	return ChannelGuess{}, false
}

// DetectChannel guesses an open feed's channel from the bytes the reader
// already sniffed (after decompression and decoding), so it works for
// files, stdin and URLs alike; name (the path or URL) is a hint used when
// the content's evidence is weak. Readers without a hint (XLSX) rely on
// the name.
func DetectChannel(r Reader, name string) ChannelGuess {
	g := ChannelGuess{"meta", "no evidence either way (Meta's spelling is the default)", true}
	if h, ok := r.(interface{ channelHint() string }); ok && h.channelHint() != "" {
		parts := strings.SplitN(h.channelHint(), guessSep, 3)
		if len(parts) == 3 {
			g = ChannelGuess{parts[0], parts[2], parts[1] == "weak"}
		} else {
			g = ChannelGuess{Channel: parts[0], Reason: "content", Weak: true}
		}
	}
	if g.Weak {
		if n, ok := channelFromName(name); ok {
			return n
		}
	}
	return g
}

package feed

import (
	"bytes"
)

// GoogleNamespace is the XML namespace of Google's product attributes.
const GoogleNamespace = "http://base.google.com/ns/1.0"

// metaOnlyFields are element names (and a value) that appear in Meta
// catalogs and not in Google's product data specification.
var metaOnlyFields = []string{"quantity_to_sell_on_facebook>", "fb_product_category>", "rich_text_description>", ">available for order<", ">mark_as_sold<"}

// channelFromHead guesses the channel a feed was written for from its first
// bytes (decoded): an XML document in Google's g: namespace is a Merchant
// Center feed unless it carries fields only Meta defines (Meta's RSS feeds
// use the g: namespace too); TikTok feeds carry sku_id; everything else
// defaults to meta.
func channelFromHead(head []byte) string {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if bytes.HasPrefix(trimmed, []byte("<")) && bytes.Contains(head, []byte(GoogleNamespace)) {
		for _, m := range metaOnlyFields {
			if bytes.Contains(head, []byte(m)) {
				return "meta"
			}
		}
		return "google"
	}
	if nl := bytes.IndexByte(head, '\n'); nl > 0 && bytes.Contains(bytes.ToLower(head[:nl]), []byte("sku_id")) {
		return "tiktok"
	}
	return "meta"
}

// DetectChannel guesses an open feed's channel from the bytes the reader
// already sniffed (after decompression and decoding), so it works for
// files, stdin and URLs alike. Readers without a hint (XLSX) give "meta".
func DetectChannel(r Reader) string {
	if h, ok := r.(interface{ channelHint() string }); ok && h.channelHint() != "" {
		return h.channelHint()
	}
	return "meta"
}

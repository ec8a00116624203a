package feed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"os"
)

// GoogleNamespace is the XML namespace of Google's product attributes.
const GoogleNamespace = "http://base.google.com/ns/1.0"

// SniffChannel guesses the channel a feed file was written for from its
// first 64 KiB: an XML document in Google's g: namespace is a Merchant
// Center feed unless it carries fields only Meta defines (Meta's RSS feeds
// use the g: namespace too); TikTok feeds carry sku_id; everything else
// defaults to meta.
// It reads the file separately from the Reader, so stdin ("-") is "meta".
func SniffChannel(path string) string {
	if path == "-" {
		return "meta"
	}
	f, err := os.Open(path)
	if err != nil {
		return "meta"
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if gz, err := gzip.NewReader(br); err == nil {
			r = gz
		}
	}
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(r, head)
	return channelFromHead(head[:n])
}

// metaOnlyFields are element names (and a value) that appear in Meta
// catalogs and not in Google's product data specification.
var metaOnlyFields = []string{"quantity_to_sell_on_facebook>", "fb_product_category>", "rich_text_description>", ">available for order<", ">mark_as_sold<"}

// channelFromHead applies SniffChannel's rules to the first bytes of a
// decoded feed.
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

// DetectChannel is SniffChannel for an open Reader: it uses the bytes the
// reader already sniffed (after decompression and decoding), so it works
// for stdin and URLs too. Readers without a hint (XLSX) give "meta".
func DetectChannel(r Reader) string {
	if h, ok := r.(interface{ channelHint() string }); ok && h.channelHint() != "" {
		return h.channelHint()
	}
	return "meta"
}

package campaign

import (
	"context"
	"io"
	"slices"
	"strings"

	"github.com/dpa-tools/dpa/feed"
)

// ChannelFeedOptions configure one channel feed of the export.
type channelFeedOptions struct {
	Channel       *feed.Channel
	Format        string   // feed.FormatCSV or feed.FormatXML
	Title         string   // XML channel title
	Currency      string   // for prices written without a code
	InputFormat   string   // the catalog's format, for Normalize's column choice
	SourceColumns []string // every field of the catalog
	// Create opens the output file; called once, before the first item.
	Create func() (io.Writer, error)
	// Emitted, when set, sees every item written (normalized, in order)
	// with the row the feed got for it (nil unless the feed's writer is a
	// feed.RowWriter; valid during the call only); cols are the output
	// columns. The per-ad-set feeds hang off it.
	Emitted func(cols []string) (func(it *feed.Item, row []byte) error, error)
}

// channelFeed writes the catalog as one channel's feed through
// feed.Normalize: the same mapping and safe fixes as `dpa normalize
// --channel X`, then the channel's validator. An item the fixes cannot
// save is left out of the feed and recorded in Rejected, so every feed
// the export writes passes `dpa validate --channel X`.
type channelFeed struct {
	Name     string
	Result   *feed.NormalizeResult
	Rejected RejectLog
	in       chan []*feed.Item
	done     chan error
}

// RejectLog records the items a channel feed left out: all counted, the
// first MaxListedRejects listed with their rule codes.
type RejectLog struct {
	Count int            `json:"count"`
	Rules []feed.Count   `json:"rules"`
	Items []RejectedItem `json:"items"`
	rules map[string]int
	idf   string
}

// RejectedItem is one item left out of a channel feed.
type RejectedItem struct {
	ID    string   `json:"id"`
	Rules []string `json:"rules"`
}

// maxListedRejects bounds RejectLog.Items.
const maxListedRejects = 20

func (l *RejectLog) Write(it *feed.Item) error {
	l.Count++
	rules := strings.Fields(it.Get(feed.ReasonField))
	for _, r := range rules {
		l.rules[r]++
	}
	if len(l.Items) < maxListedRejects {
		l.Items = append(l.Items, RejectedItem{ID: it.Get(l.idf), Rules: rules})
	}
	return nil
}

func (l *RejectLog) Close() error { return nil }

// startChannelFeed starts the feed's goroutine; send item blocks with
// Send, then Finish.
func startChannelFeed(ctx context.Context, o channelFeedOptions) *channelFeed {
	cf := &channelFeed{Name: o.Channel.Name, in: make(chan []*feed.Item, 4), done: make(chan error, 1)}
	cf.Rejected.rules = map[string]int{}
	cf.Rejected.idf = o.Channel.IDField
	r := &blockReader{in: cf.in, cols: o.SourceColumns, format: o.InputFormat}
	nopts := feed.NormalizeOptions{Channel: o.Channel, Currency: o.Currency, SourceColumns: o.SourceColumns}
	if o.Format == feed.FormatXML {
		for _, f := range o.Channel.Fields {
			nopts.Columns = append(nopts.Columns, f.Name)
		}
	}
	go func() {
		sinks := feed.NormalizeSinks{
			Out: func(cols []string) (feed.ItemWriter, error) {
				w, err := o.Create()
				if err != nil {
					return nil, err
				}
				iw, err := feed.NewWriter(w, o.Format, feed.WriteOptions{Columns: cols, Title: o.Title})
				if err != nil || o.Emitted == nil {
					return iw, err
				}
				hook, err := o.Emitted(cols)
				if err != nil {
					return nil, err
				}
				return &hookWriter{ItemWriter: iw, hook: hook}, nil
			},
			Rejects: func([]string) (feed.ItemWriter, error) { return &cf.Rejected, nil },
		}
		res, err := feed.Normalize(ctx, r, nopts, sinks)
		for range cf.in {
			// drain after an error so the sender never blocks
		}
		cf.Result = res
		cf.done <- err
	}()
	return cf
}

// Send passes a block of catalog items (read-only) to the feed.
func (cf *channelFeed) Send(items []*feed.Item) { cf.in <- items }

// Finish ends the input and waits for the feed.
func (cf *channelFeed) Finish() error {
	close(cf.in)
	err := <-cf.done
	cf.Rejected.Rules = sortedRuleCounts(cf.Rejected.rules)
	return err
}

func sortedRuleCounts(m map[string]int) []feed.Count {
	out := make([]feed.Count, 0, len(m))
	for k, v := range m {
		out = append(out, feed.Count{Code: k, Count: v})
	}
	slices.SortFunc(out, func(a, b feed.Count) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out
}

// hookWriter writes an item to the feed, then hands it to the hook with
// its encoded row, so the hook's files can copy the row rather than encode
// the item again.
type hookWriter struct {
	feed.ItemWriter
	hook func(*feed.Item, []byte) error
	buf  []byte
}

func (h *hookWriter) Write(it *feed.Item) error {
	rw, ok := h.ItemWriter.(feed.RowWriter)
	if !ok {
		if err := h.ItemWriter.Write(it); err != nil {
			return err
		}
		return h.hook(it, nil)
	}
	h.buf = rw.AppendRow(h.buf[:0], it)
	if err := rw.WriteRow(h.buf); err != nil {
		return err
	}
	return h.hook(it, h.buf)
}

// blockReader is a feed.Reader over item blocks sent by the export's one
// read of the catalog.
type blockReader struct {
	in     <-chan []*feed.Item
	cur    []*feed.Item
	cols   []string
	format string
}

func (r *blockReader) Next() (*feed.Item, error) {
	for len(r.cur) == 0 {
		b, ok := <-r.in
		if !ok {
			return nil, io.EOF
		}
		r.cur = b
	}
	it := r.cur[0]
	r.cur = r.cur[1:]
	return it, nil
}

func (r *blockReader) Format() string              { return r.format }
func (r *blockReader) Columns() []string           { return r.cols }
func (r *blockReader) Diagnostics() []feed.Finding { return nil }
func (r *blockReader) Close() error                { return nil }

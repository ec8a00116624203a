package campaign

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/dpa-tools/dpa/feed"
)

// Sink is where an export writes its files: a transactional directory in
// the CLI (render.FileSet semantics: nothing is visible before commit).
// Create opens a file by its slash-separated path inside the export; the
// caller of Create closes it. Create is called from several goroutines at
// once (the feeds' and the items_batch writer's) and must be safe for that.
type Sink interface {
	Create(rel string) (io.WriteCloser, error)
}

// feedsOptions choose the export's item feeds.
type feedsOptions struct {
	Meta, Google  bool     // write feeds/meta.csv, feeds/google.xml
	InputFormat   string   // the catalog's format
	SourceColumns []string // every field of the catalog
	// Send, when set, gets each Meta feed item (normalized, in catalog
	// order) whose catalog item Add flagged, on the Meta feed's goroutine.
	Send func(it *feed.Item) error
}

// FeedSummary is one channel feed in the manifest: how many catalog items
// went in, how many it holds, and the ones left out with their rules.
type FeedSummary struct {
	Channel  string    `json:"channel"`
	Path     string    `json:"path,omitempty"` // "" when only the per-ad-set feeds were written
	ItemsIn  int       `json:"items_in"`
	ItemsOut int       `json:"items_out"`
	Fixes    int       `json:"items_fixed"`
	Rejected RejectLog `json:"left_out"`
}

// SetFeedPath is the feed of the items an ad set shows.
func SetFeedPath(as *AdSet) string { return "feeds/adsets/" + as.Slug + ".csv" }

// Feeds writes the item feeds of an export from the one read of the
// catalog: the channel feeds through feed.Normalize (the mapping and safe
// fixes of `dpa normalize`, then the channel's validator; an item that
// still fails is left out and listed), the per-ad-set feeds from the Meta
// feed's items, and the Google supplemental feed.
type Feeds struct {
	c          *Campaign
	sink       Sink
	meta       *channelFeed
	google     *channelFeed
	paths      map[string]string
	sup        *supplementalFeed
	supW       io.WriteCloser
	closers    []io.Closer
	mu         sync.Mutex
	queue      []queued // items some ad set selects or Send wants, waiting for the Meta feed
	send       func(*feed.Item) error
	notSent    int      // flagged items the Meta feed left out
	notSentIDs []string // the first maxListedIDs of them
	sets       []feed.ItemWriter
	counts     []int // rows written per ad set feed
}

type queued struct {
	index int
	sets  []int
	send  bool
	id    string // when send: for the list of items left out
}

// startFeeds opens the feeds and starts their goroutines.
func startFeeds(ctx context.Context, c *Campaign, sink Sink, o feedsOptions) (*Feeds, error) {
	f := &Feeds{c: c, sink: sink, sup: newSupplemental(c), paths: map[string]string{}, send: o.Send}
	w, err := sink.Create("feeds/google_supplemental.tsv")
	if err != nil {
		return nil, err
	}
	f.supW = w
	io.WriteString(w, strings.Join(f.sup.Header(), "\t")+"\n")
	mch, err := feed.LookupChannel("meta")
	if err != nil {
		return nil, err
	}
	// The Meta feed always runs: the per-ad-set feeds are its items.
	f.meta = startChannelFeed(ctx, channelFeedOptions{Channel: mch, Format: feed.FormatCSV, Currency: c.Currency,
		InputFormat: o.InputFormat, SourceColumns: o.SourceColumns,
		Create: func() (io.Writer, error) {
			if !o.Meta {
				return io.Discard, nil
			}
			return f.create("feeds/meta.csv")
		},
		Emitted: f.setFeeds,
	})
	if o.Meta {
		f.paths["meta"] = "feeds/meta.csv"
	}
	if o.Google {
		gch, err := feed.LookupChannel("google")
		if err != nil {
			return nil, err
		}
		f.paths["google"] = "feeds/google.xml"
		f.google = startChannelFeed(ctx, channelFeedOptions{Channel: gch, Format: feed.FormatXML, Title: c.Name,
			Currency: c.Currency, InputFormat: o.InputFormat, SourceColumns: o.SourceColumns,
			Create: func() (io.Writer, error) { return f.create("feeds/google.xml") }})
	}
	return f, nil
}

func (f *Feeds) create(rel string) (io.Writer, error) {
	w, err := f.sink.Create(rel)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.closers = append(f.closers, w)
	f.mu.Unlock()
	return w, nil
}

// setFeeds returns the hook that writes each Meta item to the feeds of
// the ad sets selecting it. A set's feed is created at its first item: a
// set whose items were all left out of the Meta feed gets no file rather
// than an empty feed (which validate rightly calls an error). The set
// feeds are CSV with the Meta feed's columns, as feeds/meta.csv, so they
// take the Meta feed's encoded row as it is.
func (f *Feeds) setFeeds(cols []string) (func(*feed.Item, []byte) error, error) {
	f.sets = make([]feed.ItemWriter, len(f.c.AdSets))
	f.counts = make([]int, len(f.c.AdSets))
	return func(it *feed.Item, row []byte) error {
		sets, send := f.pop(it.Index)
		if send && f.send != nil {
			if err := f.send(it); err != nil {
				return err
			}
		}
		for _, s := range sets {
			if f.sets[s] == nil {
				w, err := f.create(SetFeedPath(f.c.AdSets[s]))
				if err != nil {
					return err
				}
				if f.sets[s], err = feed.NewWriter(w, feed.FormatCSV, feed.WriteOptions{Columns: cols}); err != nil {
					return err
				}
			}
			var err error
			if rw, ok := f.sets[s].(feed.RowWriter); ok && row != nil {
				err = rw.WriteRow(row)
			} else {
				err = f.sets[s].Write(it)
			}
			if err != nil {
				return err
			}
			f.counts[s]++
		}
		return nil
	}, nil
}

// pop returns the ad sets of the item with this index and whether Send
// wants it, dropping the entries of earlier items (left out of the Meta
// feed).
func (f *Feeds) pop(index int) ([]int, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.queue) > 0 && f.queue[0].index < index {
		f.leftOut(f.queue[0])
		f.queue = f.queue[1:]
	}
	if len(f.queue) > 0 && f.queue[0].index == index {
		q := f.queue[0]
		f.queue = f.queue[1:]
		return q.sets, q.send
	}
	return nil, false
}

// leftOut counts an item the Meta feed did not emit (under f.mu).
func (f *Feeds) leftOut(q queued) {
	if !q.send {
		return
	}
	f.notSent++
	if len(f.notSentIDs) < maxListedIDs {
		f.notSentIDs = append(f.notSentIDs, q.id)
	}
}

// NotSent is the number of items flagged for Send that the Meta feed left
// out, and the first of their ids (valid after Finish).
func (f *Feeds) NotSent() (int, []string) { return f.notSent, f.notSentIDs }

// Add passes a block of catalog items, the ad sets selecting each
// (Selection.Add, cloned) and whether Send wants each. Items must carry
// increasing Index values and are read, never modified, by the feeds.
func (f *Feeds) Add(items []*feed.Item, sets [][]int, send []bool) error {
	f.mu.Lock()
	for i, it := range items {
		if len(sets[i]) > 0 || send[i] {
			q := queued{index: it.Index, sets: sets[i], send: send[i]}
			if q.send {
				q.id = it.Get("id")
			}
			f.queue = append(f.queue, q)
		}
	}
	f.mu.Unlock()
	for i, it := range items {
		if row := f.sup.Row(it.Get("id"), sets[i]); row != nil {
			if _, err := io.WriteString(f.supW, strings.Join(row, "\t")+"\n"); err != nil {
				return err
			}
		}
	}
	f.meta.Send(items)
	if f.google != nil {
		f.google.Send(items)
	}
	return nil
}

// Finish waits for the feeds and closes every file.
func (f *Feeds) Finish() error {
	err := f.meta.Finish()
	f.mu.Lock()
	for _, q := range f.queue {
		f.leftOut(q)
	}
	f.queue = nil
	f.mu.Unlock()
	if f.google != nil {
		if gerr := f.google.Finish(); err == nil {
			err = gerr
		}
	}
	for _, w := range f.sets {
		if w == nil {
			continue
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	for _, c := range f.closers {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := f.supW.Close(); err == nil {
		err = cerr
	}
	return err
}

// SetFeedItems is the number of items in each ad set's feed (campaign
// order): the set's in-stock items minus those left out of the Meta feed.
func (f *Feeds) SetFeedItems() []int { return f.counts }

// Summaries describe the channel feeds for the manifest.
func (f *Feeds) Summaries() []FeedSummary {
	var out []FeedSummary
	for _, cf := range []*channelFeed{f.meta, f.google} {
		if cf == nil || cf.Result == nil {
			continue
		}
		out = append(out, FeedSummary{Channel: cf.Name, Path: f.paths[cf.Name], ItemsIn: cf.Result.ItemsIn,
			ItemsOut: cf.Result.ItemsOut, Fixes: cf.Result.ItemsChanged, Rejected: cf.Rejected})
	}
	return out
}

// GoogleProductGroup is how ad set i is targeted in Google Ads through
// the supplemental feed's labels (valid after Finish), or nil.
func (f *Feeds) GoogleProductGroup(i int) *GoogleProductGroup { return f.sup.Group(i) }

// LabelErrors are the Google custom label limits the supplemental feed
// breaks (valid after Finish): export refuses the feed (CheckError).
func (f *Feeds) LabelErrors() []string { return f.sup.LimitErrors() }

// Issues are the manifest warnings of the feeds: items left out of a
// channel feed.
func (f *Feeds) Issues() []Issue {
	var out []Issue
	for _, s := range f.Summaries() {
		if s.Rejected.Count == 0 {
			continue
		}
		where := s.Path
		if where == "" {
			where = "feeds/adsets/"
		}
		var ids []string
		for _, it := range s.Rejected.Items {
			ids = append(ids, it.ID)
		}
		var rules []string
		for _, r := range s.Rejected.Rules {
			rules = append(rules, fmt.Sprintf("%s ×%d", r.Code, r.Count))
		}
		out = append(out, Issue{Severity: feed.Warning, Rule: "channel-feed-left-out", Count: s.Rejected.Count, ItemIDs: ids,
			Message: fmt.Sprintf("left out of %s: the %s validator still finds an error after the safe fixes (%s); see channel_feeds in manifest.json", where, s.Channel, strings.Join(rules, ", "))})
	}
	return out
}

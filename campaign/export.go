package campaign

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"runtime"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/feed/idset"
	"github.com/dpa-tools/dpa/feed/par"
)

// The export engine: one pass over the catalog feeding the item feeds,
// the selection and the items_batch bodies (UPDATE, and DELETE under
// --since). Commands give it a Sink and print what it returns.

// ExportOptions are the catalog-dependent choices of an export.
type ExportOptions struct {
	// Catalog names the catalog in read errors.
	Catalog string
	// BatchSize is the number of requests per items_batch body.
	BatchSize int
	// Meta and Google write the full-catalog channel feeds.
	Meta, Google bool
	// SourceColumns is the catalog's column layout (see feedsOptions).
	SourceColumns []string
	// Since, when set, makes items_batch incremental against a previous feed.
	Since *feed.OldIndex
	// Progress, when set, is called every 1,024 items with the count read.
	Progress func(items int)
	// AllowEmpty lets Export.Run write an export of a catalog without items.
	AllowEmpty bool
}

// ExportResult is what the catalog pass produced.
type ExportResult struct {
	Selection                        *Selection
	Feeds                            *Feeds
	Items, Batches, Updates, Deletes int
	Unchanged                        int
	// LeftOut counts new or changed items the Meta validator still
	// rejects after the safe fixes: they are left out of items_batch as of
	// feeds/meta.csv, since the Batch API would refuse them too.
	LeftOut      int
	LeftOutIDs   []string // the first maxListedIDs
	MissingID    int
	DuplicateID  int
	DuplicateIDs []string // the first maxListedIDs
	// Manifest is what Export.Run wrote as manifest.json (nil from
	// StreamCatalog alone).
	Manifest *Manifest
}

// ReadError is an unreadable catalog or previous feed: bad input, not a
// failure of dpa, so commands map it to their input exit code.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// maxListedIDs bounds the item ids a warning lists, as Selection does.
const maxListedIDs = 20

// itemBlock carries read items, with the ad sets selecting each, to the
// goroutine writing the feeds.
type itemBlock struct {
	items []*feed.Item
	sets  [][]int
	send  []bool // the item is new or changed: items_batch gets its Meta form
	slab  []int  // backs sets
}

func newItemBlock() *itemBlock {
	return &itemBlock{items: make([]*feed.Item, 0, itemBlockSize), sets: make([][]int, 0, itemBlockSize),
		send: make([]bool, 0, itemBlockSize), slab: make([]int, 0, itemBlockSize)}
}

// addSets copies an item's ad set indexes (Selection.Add reuses its slice)
// into the block's slab: one allocation per block rather than per item.
func (b *itemBlock) addSets(idx []int) []int {
	if len(idx) == 0 {
		return nil
	}
	n := len(b.slab)
	b.slab = append(b.slab, idx...)
	return b.slab[n:len(b.slab):len(b.slab)]
}

// opBlock is one items_batch chunk of ops.
type opBlock struct {
	ops   []batchOp
	bytes int // the ops' BatchOpSize sum: the body buffer to reserve
	// fields holds the UPDATE ops' fields, one slice per block instead of
	// one per item: blocks are recycled once encoded (see opBlocks).
	fields []feed.Field
}

// opBlocks recycles encoded op blocks, with their slices' capacity.
type opBlocks chan *opBlock

func (p opBlocks) get() *opBlock {
	select {
	case ob := <-p:
		return ob
	default:
		return &opBlock{}
	}
}

// put clears the block (its strings pin the catalog's read buffers) and
// keeps it for reuse.
func (p opBlocks) put(ob *opBlock) {
	clear(ob.ops)
	clear(ob.fields)
	ob.ops, ob.fields, ob.bytes = ob.ops[:0], ob.fields[:0], 0
	select {
	case p <- ob:
	default:
	}
}

// encodeSlot is an opBlock on its way through the encoders: the bodies it
// becomes (usually one), or the error that stopped it.
type encodeSlot struct {
	ops    *opBlock
	bodies [][]byte
	err    error
}

func (sl *encodeSlot) encode(batchSize int, bufs bodyBufs, blocks opBlocks) {
	b := newItemsBatcher(batchSize, func(_ int, body []byte) error {
		sl.bodies = append(sl.bodies, body)
		return nil
	})
	b.alloc = bufs.get
	b.Reserve(sl.ops.bytes)
	for _, op := range sl.ops.ops {
		if sl.err = b.Add(op); sl.err != nil {
			return
		}
	}
	sl.err = b.Flush()
	blocks.put(sl.ops) // the item data can go
	sl.ops = nil
}

const itemBlockSize = 512

// bodyBufs recycles the items_batch body buffers once written: a body is
// megabytes, and a fresh one per body was a sixth of an export's
// allocations (each also page-faulted in anew).
type bodyBufs chan []byte

func (p bodyBufs) get(n int) []byte {
	select {
	case b := <-p:
		if cap(b) >= n {
			return b[:0]
		}
	default:
	}
	return make([]byte, 0, n)
}

func (p bodyBufs) put(b []byte) {
	select {
	case p <- b[:0]:
	default:
	}
}

// StreamCatalog reads the catalog once. Reading and selection stay on this
// goroutine (Selection is sequential); the feeds are written by one
// goroutine and the items_batch bodies encoded by a small pool, numbered
// in catalog order by a writer goroutine. Memory holds a few blocks of
// items and one chunk per encoder, whatever the catalog size.
func StreamCatalog(ctx context.Context, c *Campaign, r feed.Reader, o ExportOptions, sink Sink) (*ExportResult, error) {
	res := &ExportResult{Selection: newSelection(c, selectOptions{})}
	old := o.Since
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	fail := func(err error) {
		if err != nil {
			cancel(err)
		}
	}

	// The item feeds (channel feeds through normalize, per-ad-set feeds,
	// Google supplemental) run beside the read on their own goroutines.
	// items_batch is built from the Meta feed's items, after its mapping
	// and safe fixes: the Batch API takes the same fields and values as a
	// Meta data feed (https://developers.facebook.com/docs/marketing-api/catalog-batch/reference),
	// so it gets exactly what feeds/meta.csv holds, and no item that
	// feed leaves out. addOp below is then called from the Meta feed's
	// goroutine until feeds.Finish returns, and from this one after.
	var addOp func(batchOp)
	var sorter fieldSorter // Send runs on the Meta feed's goroutine only
	var cur *opBlock       // the block addOp fills (nil: take one from blocks)
	blocks := make(opBlocks, 8)
	feeds, err := startFeeds(ctx, c, sink, feedsOptions{
		Meta: o.Meta, Google: o.Google, InputFormat: r.Format(), SourceColumns: o.SourceColumns,
		Send: func(it *feed.Item) error {
			res.Updates++
			if cur == nil {
				cur = blocks.get()
			}
			n := len(cur.fields)
			cur.fields = sorter.appendFields(cur.fields, it)
			addOp(batchOp{Method: "UPDATE", RetailerID: it.Get("id"), fields: cur.fields[n:len(cur.fields):len(cur.fields)]})
			return nil
		}})
	if err != nil {
		return nil, err
	}
	sendBlock := func(blk *itemBlock) {
		if ctx.Err() == nil {
			fail(feeds.Add(blk.items, blk.sets, blk.send))
		}
	}

	// items_batch bodies are encoded on feed's ordered pool (par.Ordered,
	// as validate and normalize): one block of ops per slot, a few blocks
	// in flight (each holds up to MaxBatchBlockBytes of item data and its
	// body), written in catalog order by Emit on encodeDone's goroutine.
	opsCh := make(chan *opBlock)
	encodeDone := make(chan error, 1)
	go func() {
		workers := max(1, min(runtime.GOMAXPROCS(0), 4))
		bufs := make(bodyBufs, 2*workers)
		encodeDone <- par.Ordered[encodeSlot]{
			Workers: workers, Batch: 1, Inflight: 2 * workers,
			Fill: func(sl *encodeSlot) bool {
				select {
				case ob, ok := <-opsCh:
					sl.ops, sl.bodies, sl.err = ob, sl.bodies[:0], nil
					return ok
				case <-ctx.Done():
					return false
				}
			},
			Worker: func() func(*encodeSlot) {
				return func(sl *encodeSlot) { sl.encode(o.BatchSize, bufs, blocks) }
			},
			Emit: func(slots []encodeSlot) error {
				for i := range slots {
					if err := slots[i].err; err != nil {
						fail(err)
						return err
					}
					for _, body := range slots[i].bodies {
						res.Batches++
						if err := writeSinkFile(sink, BatchPath(res.Batches), body); err != nil {
							fail(err)
							return err
						}
						bufs.put(body) // a Writer does not keep what it is given (io.Writer)
					}
					clear(slots[i].bodies)
					slots[i].bodies = slots[i].bodies[:0]
				}
				return nil
			},
		}.Run(ctx)
	}()

	// sendOps hands a block to the encoders, or drops it once the export
	// has failed (nothing reads opsCh any more then).
	sendOps := func(ob *opBlock) {
		select {
		case opsCh <- ob:
		case <-ctx.Done():
		}
	}
	var (
		blk  = newItemBlock()
		seed = maphash.MakeSeed()
		seen idset.Set
	)
	// A block of ops is bounded by bytes as well as by --batch-size: each
	// op holds its item's fields until a worker encodes it, so 5,000 wide
	// items (thousands of columns) would otherwise sit in memory per
	// block and per worker (issue 10 item 6). Block boundaries are body
	// boundaries, and depend only on the data: output stays deterministic.
	addOp = func(op batchOp) {
		if cur == nil {
			cur = blocks.get()
		}
		cur.ops = append(cur.ops, op)
		cur.bytes += batchOpSize(op)
		if len(cur.ops) == o.BatchSize || cur.bytes >= MaxBatchBlockBytes {
			sendOps(cur)
			cur = nil
		}
	}
	readErr := func() error {
		for {
			if res.Items&1023 == 0 {
				if ctx.Err() != nil {
					return nil
				}
				if o.Progress != nil {
					o.Progress(res.Items)
				}
			}
			it, err := r.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return &ReadError{Err: fmt.Errorf("%s: %w", o.Catalog, err)}
			}
			res.Items++
			it.Index = res.Items // the feeds pair their outputs with the ad sets by it
			idx := res.Selection.Add(it)
			blk.items = append(blk.items, it)
			blk.sets = append(blk.sets, blk.addSets(idx))
			blk.send = append(blk.send, res.toSend(it, &seen, seed, old))
			if len(blk.items) == itemBlockSize {
				sendBlock(blk)
				blk = newItemBlock()
			}
		}
	}()
	if len(blk.items) > 0 {
		sendBlock(blk)
	}
	// The Meta feed has emitted every UPDATE once Finish returns; the
	// DELETEs follow them.
	feedsErr := feeds.Finish()
	res.LeftOut, res.LeftOutIDs = feeds.NotSent()
	if readErr == nil && feedsErr == nil && ctx.Err() == nil && old != nil && old.Remaining() > 0 {
		for id := range old.Removed {
			if res.Deletes&1023 == 0 && ctx.Err() != nil {
				readErr = ctx.Err()
				break
			}
			addOp(batchOp{Method: "DELETE", RetailerID: id})
			res.Deletes++
		}
	}
	if cur != nil && len(cur.ops) > 0 {
		sendOps(cur)
	}
	close(opsCh)
	fail(<-encodeDone)
	if readErr != nil {
		return nil, readErr
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if feedsErr != nil {
		return nil, feedsErr
	}
	res.Feeds = feeds
	return res, nil
}

// toSend says whether items_batch should carry the item (in its Meta
// form, if the Meta feed keeps it), counting the ones it should not.
func (res *ExportResult) toSend(it *feed.Item, seen *idset.Set, seed maphash.Seed, old *feed.OldIndex) bool {
	id := it.Get("id")
	if id == "" {
		res.MissingID++
		return false
	}
	// One request per id: a repeated id keeps its first item, as `dpa
	// diff` does (and the Meta feed, which leaves later ones out).
	if !seen.Add(maphash.String(seed, id)) {
		res.DuplicateID++
		if len(res.DuplicateIDs) < maxListedIDs {
			res.DuplicateIDs = append(res.DuplicateIDs, id)
		}
		return false
	}
	if old != nil && !old.Changed(id, it) {
		res.Unchanged++
		return false
	}
	return true
}

// CatalogIssues are the warnings about the catalog itself, for the
// manifest next to the ad sets' issues.
func (res *ExportResult) CatalogIssues() []Issue {
	var out []Issue
	if res.MissingID > 0 {
		out = append(out, Issue{Severity: feed.Warning, Rule: "catalog-missing-id", Count: res.MissingID,
			Message: "catalog items without an id are left out of items_batch"})
	}
	if res.DuplicateID > 0 {
		out = append(out, Issue{Severity: feed.Warning, Rule: "catalog-duplicate-id", Count: res.DuplicateID, ItemIDs: res.DuplicateIDs,
			Message: "catalog items repeat an earlier id: items_batch carries the first item of each id only"})
	}
	if res.LeftOut > 0 {
		out = append(out, Issue{Severity: feed.Warning, Rule: "items-batch-left-out", Count: res.LeftOut, ItemIDs: res.LeftOutIDs,
			Message: "new or changed items the Meta validator rejects even after the safe fixes are left out of items_batch, as of feeds/meta.csv (the Batch API would refuse them); see channel_feeds in manifest.json"})
	}
	return out
}

// IndexSince reads the previous feed of --since (path names it in errors)
// into feed's diff index, keyed by id as items_batch is: export and `dpa
// diff --channel meta` then agree on what changed and what was removed.
// The removed ids come from the index, so the feed is read once and may
// be a pipe. The caller closes r.
//
// A previous feed without items is refused unless allowEmpty, as an empty
// catalog is: an empty download or pipe would otherwise pass as "every
// item is new" and the export would succeed on nothing.
func IndexSince(ctx context.Context, path string, r feed.Reader, allowEmpty bool) (*feed.OldIndex, error) {
	x, err := feed.IndexOld(ctx, r, "id")
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, &ReadError{Err: fmt.Errorf("--since %s: %w", path, err)}
	}
	if err := feed.NoItemsError(r, x.Items(), allowEmpty); err != nil {
		return nil, &ReadError{Err: fmt.Errorf("--since: %w", err)} // err names the file
	}
	return x, nil
}

// writeSinkFile writes one whole file through the sink.
func writeSinkFile(sink Sink, rel string, data []byte) error {
	w, err := sink.Create(rel)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return w.Close()
}

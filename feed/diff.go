package feed

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// DiffOptions configure Diff.
type DiffOptions struct {
	// IDField keys the items ("" = id, falling back to sku_id, offer_id).
	IDField string
	// ListLimit caps DiffResult.Items (0 = every added, removed and changed item).
	ListLimit int
	// TopMoves is how many of the largest relative price moves to keep (default 10).
	TopMoves int
}

// DiffResult summarises what changed from OLD to NEW.
type DiffResult struct {
	OldItems       int         `json:"old_items"`
	NewItems       int         `json:"new_items"`
	Added          int         `json:"added"`
	Removed        int         `json:"removed"`
	Changed        int         `json:"changed"`
	Unchanged      int         `json:"unchanged"`
	DuplicateIDs   int         `json:"duplicate_ids"` // later items with an id already seen in the same file (ignored)
	MissingIDs     int         `json:"missing_ids"`   // items without an id (ignored)
	FieldChanges   []Count     `json:"field_changes"` // changed items per field
	PriceChanges   int         `json:"price_changes"` // items whose price amount changed (same currency)
	PriceUp        int         `json:"price_up"`
	PriceDown      int         `json:"price_down"`
	LargestMoves   []PriceMove `json:"largest_price_moves"`
	Availability   []Count     `json:"availability_flips"` // "in stock → out of stock"
	Items          []DiffItem  `json:"items"`
	ItemsTruncated bool        `json:"items_truncated"`
}

// PriceMove is one item's price change.
type PriceMove struct {
	ID       string  `json:"id"`
	Old      string  `json:"old"`
	New      string  `json:"new"`
	Relative float64 `json:"relative"` // (new-old)/old
}

// DiffItem is one item-level entry.
type DiffItem struct {
	ID     string   `json:"id"`
	Status string   `json:"status"` // added, removed, changed
	Fields []string `json:"fields,omitempty"`
}

// Shares are the guard ratios: changed, removed and price-changed items
// relative to the old feed's item count (0 when OLD is empty).
func (d *DiffResult) Shares() (changed, removed, priceChanged float64) {
	if d.OldItems == 0 {
		return 0, 0, 0
	}
	n := float64(d.OldItems)
	return float64(d.Changed) / n, float64(d.Removed) / n, float64(d.PriceChanges) / n
}

// OldIndex is the old side of a diff: OLD read once into a compact index
// that NEW items are then matched against by id. It is the one definition
// of "changed" and "removed" for `dpa diff` (Diff) and `dpa export
// --since` (IndexOld): an item is changed when its whole-item hash
// (itemHashes: every non-empty field by name, whatever the column order)
// differs, removed when no NEW item matched its id; a repeated id keeps
// its first item.
//
// It holds OLD with no pointer per item for the collector to scan and no
// slice that doubles (and is copied) as it grows: per item the id hash (8
// bytes) and an 8-byte slot in the id table, the whole-item hash (8), and
// the id itself in a length-prefixed byte arena, read to list removed
// items (so OLD is read once and may be a pipe). Diff's report needs more
// (detail): the price (8), currency and availability (2+2), the field
// layout's shape (4) and offset (4) and a 16-bit hash per non-empty field
// (2 each), about 110 bytes for a 22-field item in all; without them an
// item costs about 30 bytes and its id.
//
// An OldIndex is used by one goroutine at a time.
type OldIndex struct {
	idField string
	detail  bool
	byID    idTable
	idHash  chunks[uint64]
	full    chunks[uint64]
	ids     chunks[byte] // uvarint length + id, in item order
	seen    []uint64     // bitset: matched by a NEW item
	nSeen   int

	// What the read of OLD left out: Diff reports them.
	items, missingIDs, duplicateIDs int

	hs  itemHasher
	buf []fieldHash // the field hashes of the last item hashed

	// detail only.
	price  chunks[float64]
	cur    chunks[uint16] // index into strList
	avail  chunks[uint16] // index into strList
	shape  chunks[uint32] // index into shapes
	hOff   chunks[uint32] // first field hash in hashes
	hashes chunks[uint16]

	names    map[string]uint16
	nameList []string
	// shapes are the distinct sets of non-empty fields (name indexes in
	// name order): a feed has few, so an item stores only its hashes.
	shapeIx map[string]uint32
	shapes  [][]uint16
	key     []byte
	strs    map[string]uint16
	strList []string
}

// IndexOld reads OLD into an index for Changed and Removed. Items are keyed
// by idField as Diff keys them ("" = id, falling back to sku_id,
// offer_id); items without an id are left out. A read error or the end of
// ctx is returned as is.
func IndexOld(ctx context.Context, r Reader, idField string) (*OldIndex, error) {
	return indexOld(ctx, r, idField, false)
}

func indexOld(ctx context.Context, r Reader, idField string, detail bool) (*OldIndex, error) {
	x := &OldIndex{idField: idField, detail: detail, names: map[string]uint16{}, strs: map[string]uint16{}, shapeIx: map[string]uint32{}}
	x.byID.hashes = &x.idHash
	x.strIdx("")
	err := each(ctx, r, func(it *Item) {
		x.items++
		id := diffID(it, idField)
		if id == "" {
			x.missingIDs++
			return
		}
		k := strHash(id)
		if _, dup := x.byID.lookup(k); dup {
			x.duplicateIDs++
			return
		}
		var full uint64
		full, x.buf = x.hs.itemHashes(it)
		x.add(k, id, full, x.buf, it)
	})
	if err != nil {
		return nil, err
	}
	x.seen = make([]uint64, (x.full.len()+63)/64)
	return x, nil
}

// Changed reports whether a NEW item is new or differs from the old item
// of its id, and marks that old item as still present, so Removed leaves
// it out. id is the item's idField value; surrounding space does not
// count, as in Diff.
func (x *OldIndex) Changed(id string, it *Item) bool {
	idx, ok, _ := x.match(strHash(strings.TrimSpace(id)))
	return !ok || !x.same(idx, it)
}

// Removed yields, in OLD's order, the id of every old item no Changed call
// matched.
func (x *OldIndex) Removed(yield func(id string) bool) {
	var b []byte
	x.unseen(func(off, n int) bool {
		b = x.idAt(b[:0], off, n)
		return yield(string(b))
	})
}

// Items is the number of items read from OLD, those without an id
// included.
func (x *OldIndex) Items() int { return x.items }

// Remaining is the number of old items no Changed call has matched yet.
func (x *OldIndex) Remaining() int { return x.full.len() - x.nSeen }

// match finds the old item of an id hash and marks it seen; again is true
// when an earlier NEW item had matched it already.
func (x *OldIndex) match(k uint64) (idx uint32, ok, again bool) {
	idx, ok = x.byID.lookup(k)
	if !ok {
		return 0, false, false
	}
	w, b := idx/64, uint64(1)<<(idx%64)
	if x.seen[w]&b != 0 {
		return idx, true, true
	}
	x.seen[w] |= b
	x.nSeen++
	return idx, true, false
}

// same hashes a NEW item (leaving its field hashes in x.buf) and compares
// it with old item idx.
func (x *OldIndex) same(idx uint32, it *Item) bool {
	var h uint64
	h, x.buf = x.hs.itemHashes(it)
	return h == x.full.at(int(idx))
}

// unseen calls fn, in OLD's order, with the arena offset and length of the
// id of every old item not matched, until fn returns false.
func (x *OldIndex) unseen(fn func(off, n int) bool) {
	if x.Remaining() == 0 {
		return
	}
	off := 0
	for i := range x.full.len() {
		var lb [binary.MaxVarintLen64]byte
		n := 0
		for {
			lb[n] = x.ids.at(off + n)
			n++
			if lb[n-1] < 0x80 {
				break
			}
		}
		l, _ := binary.Uvarint(lb[:n])
		off += n
		if x.seen[i/64]&(1<<(i%64)) == 0 && !fn(off, int(l)) {
			return
		}
		off += int(l)
	}
}

// idAt appends the n arena bytes at off to dst.
func (x *OldIndex) idAt(dst []byte, off, n int) []byte {
	for i := range n {
		dst = append(dst, x.ids.at(off+i))
	}
	return dst
}

func (x *OldIndex) nameIdx(n string) uint16 {
	i, ok := x.names[n]
	if !ok {
		if len(x.nameList) >= math.MaxUint16 {
			return math.MaxUint16 // absurdly many field names: share the last
		}
		i = uint16(len(x.nameList))
		x.names[n] = i
		x.nameList = append(x.nameList, n)
	}
	return i
}

func (x *OldIndex) strIdx(s string) uint16 {
	i, ok := x.strs[s]
	if !ok {
		if len(x.strList) >= math.MaxUint16 {
			return 0
		}
		i = uint16(len(x.strList))
		x.strs[s] = i
		x.strList = append(x.strList, s)
	}
	return i
}

// add indexes one old item whose id hash is not yet known.
func (x *OldIndex) add(idh uint64, id string, full uint64, fh []fieldHash, it *Item) {
	idx := uint32(x.full.len())
	x.byID.insert(idh, idx)
	x.idHash.add(idh)
	x.full.add(full)
	x.ids.addBytes(binary.AppendUvarint(x.key[:0], uint64(len(id))))
	x.ids.addBytes([]byte(id))
	if !x.detail {
		return
	}
	x.key = x.key[:0]
	for _, f := range fh {
		n := x.nameIdx(f.name)
		x.key = append(x.key, byte(n), byte(n>>8))
	}
	si, ok := x.shapeIx[string(x.key)]
	if !ok {
		si = uint32(len(x.shapes))
		x.shapeIx[string(x.key)] = si
		names := make([]uint16, 0, len(fh))
		for i := 0; i < len(x.key); i += 2 {
			names = append(names, uint16(x.key[i])|uint16(x.key[i+1])<<8)
		}
		x.shapes = append(x.shapes, names)
	}
	x.shape.add(si)
	x.hOff.add(uint32(x.hashes.len()))
	for _, f := range fh {
		x.hashes.add(uint16(f.h))
	}
	p, cur, ok := priceOf(it)
	if !ok {
		p = math.NaN()
	}
	x.price.add(p)
	x.cur.add(x.strIdx(cur))
	x.avail.add(x.strIdx(strings.ToLower(strings.TrimSpace(it.Get("availability")))))
}

// chunkBits sizes the chunks of the index arrays: 64K elements, so at most
// one partly filled chunk per array is wasted.
const chunkBits = 16

// chunks is an append-only array in fixed-size chunks: growing never copies
// what it already holds, so the index never needs twice its size at once.
type chunks[T any] struct {
	c [][]T
	n int
}

func (a *chunks[T]) len() int { return a.n }

func (a *chunks[T]) add(v T) {
	if a.n&(1<<chunkBits-1) == 0 {
		a.c = append(a.c, make([]T, 1<<chunkBits))
	}
	a.c[a.n>>chunkBits][a.n&(1<<chunkBits-1)] = v
	a.n++
}

func (a *chunks[T]) at(i int) T { return a.c[i>>chunkBits][i&(1<<chunkBits-1)] }

func (a *chunks[T]) addBytes(b []T) {
	for _, v := range b {
		a.add(v)
	}
}

// idTable maps id hashes to item indexes by open addressing: one uint64 per
// slot holding the hash's top 32 bits and index+1 (0 = empty), at most half
// full. The full hash is confirmed in hashes, so a lookup costs one probe
// into the table and, on a tag match, one read of the hash array.
type idTable struct {
	slots  []uint64
	n      int
	hashes *chunks[uint64]
}

func (t *idTable) lookup(h uint64) (uint32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	tag := h >> 32
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if s>>32 == tag {
			if idx := uint32(s) - 1; t.hashes.at(int(idx)) == h {
				return idx, true
			}
		}
	}
}

func (t *idTable) insert(h uint64, idx uint32) {
	if 2*(t.n+1) > len(t.slots) {
		old := t.slots
		t.slots = make([]uint64, max(1024, 2*len(old)))
		t.n = 0
		for _, s := range old {
			if s != 0 {
				idx := uint32(s) - 1
				t.place(t.hashes.at(int(idx)), idx)
			}
		}
	}
	t.place(h, idx)
}

func (t *idTable) place(h uint64, idx uint32) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = h>>32<<32 | uint64(idx+1)
	t.n++
}

func diffID(it *Item, field string) string {
	if field != "" {
		return strings.TrimSpace(it.Get(field))
	}
	for _, f := range []string{"id", "sku_id", "offer_id"} {
		if v := strings.TrimSpace(it.Get(f)); v != "" {
			return v
		}
	}
	return ""
}

// itemHasher computes itemHashes. It keeps the name order of the last
// item it sorted, so items with the same field names in the same places
// (every row of a CSV) cost one pass each, not a sort. (It used to merge
// repeated fields by rescanning the fields seen so far: quadratic in the
// width, 90 s for 2,000 columns × 10,000 rows.)
type itemHasher struct {
	names []string // the field names of the item perm was made for
	perm  []int32  // field indices stably sorted by name
	buf   []fieldHash
}

// itemHashes returns the whole-item hash and the (field, value) hashes in
// name order. Repeated fields are folded in order; empty values do not
// count, so a column added empty is not a change. The slice is reused by
// the next call.
func (hs *itemHasher) itemHashes(it *Item) (uint64, []fieldHash) {
	fs := it.Fields
	same := len(fs) == len(hs.names)
	for i := 0; same && i < len(fs); i++ {
		same = fs[i].Name == hs.names[i]
	}
	if !same {
		hs.names = hs.names[:0]
		hs.perm = hs.perm[:0]
		for i := range fs {
			hs.names = append(hs.names, fs[i].Name)
			hs.perm = append(hs.perm, int32(i))
		}
		slices.SortStableFunc(hs.perm, func(a, b int32) int { return strings.Compare(fs[a].Name, fs[b].Name) })
	}
	buf := hs.buf[:0]
	for _, i := range hs.perm {
		f := &fs[i]
		if f.Value == "" {
			continue
		}
		h := strHash(strings.TrimSpace(f.Value))
		if n := len(buf); n > 0 && buf[n-1].name == f.Name {
			buf[n-1].h = buf[n-1].h*31 + h
			continue
		}
		buf = append(buf, fieldHash{f.Name, h})
	}
	hs.buf = buf
	all := uint64(len(buf))
	for _, fh := range buf {
		all = hashRound(hashRound(all, strHash(fh.name)), fh.h)
	}
	return fmix64(all), buf
}

// strHash is a fixed-key 64-bit hash (xxHash's round and MurmurHash3's
// finaliser over 8-byte words) so that a diff is the same on every run:
// with maphash's per-process seed, the rare 16-bit field-hash collision,
// reported as "(other)", would come and go between runs. Ids, values and
// feeds are not adversarial input to a local tool, so no secret key is
// needed.
func strHash(s string) uint64 {
	h := uint64(len(s)) * hashP5
	for ; len(s) >= 8; s = s[8:] {
		h = hashRound(h, uint64(s[0])|uint64(s[1])<<8|uint64(s[2])<<16|uint64(s[3])<<24|
			uint64(s[4])<<32|uint64(s[5])<<40|uint64(s[6])<<48|uint64(s[7])<<56)
	}
	if len(s) > 0 {
		var v uint64
		for i := range len(s) {
			v |= uint64(s[i]) << (8 * i)
		}
		h = hashRound(h, v) // the length, mixed in first, tells "a" from "a\x00"
	}
	return fmix64(h)
}

const (
	hashP1 = 11400714785074694791
	hashP2 = 14029467366897019727
	hashP5 = 2870177450012600261
)

func hashRound(acc, v uint64) uint64 {
	return bits.RotateLeft64(acc^(v*hashP2), 31) * hashP1
}

func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

type fieldHash struct {
	name string
	h    uint64
}

func priceOf(it *Item) (float64, string, bool) {
	p, issue := ParsePrice(it.Get("price"), "")
	if issue == PriceFormat || issue == PriceEmpty {
		return 0, "", false
	}
	return p.Float(), p.Currency, true
}

// Diff streams OLD into a compact index and then NEW against it. Memory is
// proportional to the old feed's item count, never to item size. Ids are
// matched by 64-bit hash (a collision among a million ids has a chance of
// about 1 in 10^7). The result is the same on every run.
func Diff(ctx context.Context, oldR, newR Reader, o DiffOptions) (*DiffResult, error) {
	if o.TopMoves == 0 {
		o.TopMoves = 10
	}
	x, err := indexOld(ctx, oldR, o.IDField, true)
	if err != nil {
		return nil, err
	}
	res := &DiffResult{OldItems: x.items, MissingIDs: x.missingIDs, DuplicateIDs: x.duplicateIDs}
	fieldCounts := map[string]int{}
	flips := map[string]int{}
	full := func() bool {
		if o.ListLimit > 0 && len(res.Items) >= o.ListLimit {
			res.ItemsTruncated = true
			return true
		}
		return false
	}
	// New ids that matched an old item are marked in x.seen; only the added
	// ones need a set of their own.
	addedIDs := map[uint64]struct{}{}
	var changedFields []string
	err = each(ctx, newR, func(it *Item) {
		res.NewItems++
		id := diffID(it, o.IDField)
		if id == "" {
			res.MissingIDs++
			return
		}
		k := strHash(id)
		idx, ok, again := x.match(k)
		if !ok {
			if _, dup := addedIDs[k]; dup {
				res.DuplicateIDs++
				return
			}
			addedIDs[k] = struct{}{}
			res.Added++
			if !full() {
				res.Items = append(res.Items, DiffItem{ID: strings.Clone(id), Status: "added"})
			}
			return
		}
		if again {
			res.DuplicateIDs++
			return
		}
		if x.same(idx, it) {
			res.Unchanged++
			return
		}
		res.Changed++
		changedFields = x.changedFields(idx, x.buf, changedFields[:0])
		for _, f := range changedFields {
			fieldCounts[f]++
		}
		if !full() {
			res.Items = append(res.Items, DiffItem{ID: strings.Clone(id), Status: "changed", Fields: slices.Clone(changedFields)})
		}
		op := x.price.at(int(idx))
		if p, cur, ok := priceOf(it); ok && !math.IsNaN(op) && x.strList[x.cur.at(int(idx))] == cur && p != op {
			res.PriceChanges++
			if p > op {
				res.PriceUp++
			} else {
				res.PriceDown++
			}
			if op != 0 { // a move from zero has no relative size
				rel := (p - op) / op
				res.LargestMoves = topMoves(res.LargestMoves, PriceMove{ID: id, Old: formatAmount(op, cur), New: formatAmount(p, cur), Relative: rel}, o.TopMoves)
			}
		}
		oa, na := x.strList[x.avail.at(int(idx))], strings.ToLower(strings.TrimSpace(it.Get("availability")))
		if squash(oa) != squash(na) {
			flips[oa+" → "+na]++
		}
	})
	if err != nil {
		return nil, err
	}
	// Removed items, in old-file order: the id arena is read front to back.
	var idb []byte
	x.unseen(func(off, n int) bool {
		res.Removed++
		if !full() {
			idb = x.idAt(idb[:0], off, n)
			res.Items = append(res.Items, DiffItem{ID: string(idb), Status: "removed"})
		}
		return true
	})
	res.FieldChanges = sortedCounts(fieldCounts)
	res.Availability = sortedCounts(flips)
	if res.Items == nil {
		res.Items = []DiffItem{}
	}
	return res, nil
}

// changedFields lists the fields whose hash differs between the old item
// and now (both in name order), plus those on one side only.
func (x *OldIndex) changedFields(idx uint32, now []fieldHash, out []string) []string {
	names := x.shapes[x.shape.at(int(idx))]
	off := int(x.hOff.at(int(idx)))
	i, j := 0, 0
	for i < len(names) || j < len(now) {
		switch {
		case j == len(now) || i < len(names) && x.nameList[names[i]] < now[j].name:
			out = append(out, x.nameList[names[i]])
			i++
		case i == len(names) || now[j].name < x.nameList[names[i]]:
			out = append(out, now[j].name)
			j++
		default:
			if x.hashes.at(off+i) != uint16(now[j].h) {
				out = append(out, now[j].name)
			}
			i++
			j++
		}
	}
	if len(out) == 0 {
		out = append(out, "(other)") // a 16-bit field hash collision
	}
	return out
}

func formatAmount(f float64, cur string) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	if cur != "" {
		s += " " + cur
	}
	return s
}

// topMoves keeps the n largest |relative| moves, ties by id.
func topMoves(list []PriceMove, m PriceMove, n int) []PriceMove {
	list = append(list, m)
	sort.SliceStable(list, func(i, j int) bool {
		a, b := math.Abs(list[i].Relative), math.Abs(list[j].Relative)
		if a != b {
			return a > b
		}
		return list[i].ID < list[j].ID
	})
	if len(list) > n {
		list = list[:n]
	}
	return list
}

// each calls fn for every item of r; a fatal read error is returned.
func each(ctx context.Context, r Reader, fn func(*Item)) error {
	for i := 0; ; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		it, err := r.Next()
		if it != nil {
			fn(it)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if it == nil {
			return nil
		}
	}
}

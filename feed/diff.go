package feed

import (
	"context"
	"errors"
	"hash/maphash"
	"io"
	"math"
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

// oldIndex holds the old feed compactly: per item an id (in a byte arena),
// a hash of all fields, per-field 16-bit hashes, the price and the
// availability; no Item is kept. About 60 bytes plus 4 per non-empty field
// per item.
type oldIndex struct {
	byID     map[uint64]uint32
	ids      []byte
	idOff    []uint32
	full     []uint64
	fOff     []uint32
	fields   []uint32 // fieldIdx<<16 | hash16
	price    []float64
	cur      []uint16 // index into strs
	avail    []uint16 // index into strs
	seen     []bool
	names    map[string]uint16
	nameList []string
	strs     map[string]uint16
	strList  []string
}

func (x *oldIndex) nameIdx(n string) uint16 {
	i, ok := x.names[n]
	if !ok {
		i = uint16(len(x.nameList))
		x.names[n] = i
		x.nameList = append(x.nameList, n)
	}
	return i
}

func (x *oldIndex) strIdx(s string) uint16 {
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

// itemHashes returns the whole-item hash and the (field, value) hashes.
// Repeated fields are folded in order; empty values do not count, so a
// column added empty is not a change.
func itemHashes(seed maphash.Seed, it *Item, buf []fieldHash) (uint64, []fieldHash) {
	buf = buf[:0]
	for _, f := range it.Fields {
		if f.Value == "" {
			continue
		}
		v := strings.TrimSpace(f.Value)
		h := maphash.String(seed, v)
		merged := false
		for k := range buf {
			if buf[k].name == f.Name {
				buf[k].h = buf[k].h*31 + h
				merged = true
				break
			}
		}
		if !merged {
			buf = append(buf, fieldHash{f.Name, h})
		}
	}
	slices.SortFunc(buf, func(a, b fieldHash) int { return strings.Compare(a.name, b.name) })
	var all maphash.Hash
	all.SetSeed(seed)
	for _, fh := range buf {
		all.WriteString(fh.name)
		var b [8]byte
		for i := range b {
			b[i] = byte(fh.h >> (8 * i))
		}
		all.Write(b[:])
	}
	return all.Sum64(), buf
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
// about 1 in 10^7).
func Diff(ctx context.Context, oldR, newR Reader, o DiffOptions) (*DiffResult, error) {
	if o.TopMoves == 0 {
		o.TopMoves = 10
	}
	seed := maphash.MakeSeed()
	x := &oldIndex{byID: map[uint64]uint32{}, names: map[string]uint16{}, strs: map[string]uint16{}}
	x.strIdx("")
	res := &DiffResult{}
	var buf []fieldHash
	err := each(ctx, oldR, func(it *Item) {
		res.OldItems++
		id := diffID(it, o.IDField)
		if id == "" {
			res.MissingIDs++
			return
		}
		k := maphash.String(seed, id)
		if _, dup := x.byID[k]; dup {
			res.DuplicateIDs++
			return
		}
		var full uint64
		full, buf = itemHashes(seed, it, buf)
		idx := uint32(len(x.full))
		x.byID[k] = idx
		x.idOff = append(x.idOff, uint32(len(x.ids)))
		x.ids = append(x.ids, id...)
		x.full = append(x.full, full)
		x.fOff = append(x.fOff, uint32(len(x.fields)))
		for _, fh := range buf {
			x.fields = append(x.fields, uint32(x.nameIdx(fh.name))<<16|uint32(uint16(fh.h)))
		}
		p, cur, ok := priceOf(it)
		if !ok {
			p = math.NaN()
		}
		x.price = append(x.price, p)
		x.cur = append(x.cur, x.strIdx(cur))
		x.avail = append(x.avail, x.strIdx(strings.ToLower(strings.TrimSpace(it.Get("availability")))))
	})
	if err != nil {
		return nil, err
	}
	x.seen = make([]bool, len(x.full))
	fieldCounts := map[string]int{}
	flips := map[string]int{}
	list := func(d DiffItem) {
		if o.ListLimit > 0 && len(res.Items) >= o.ListLimit {
			res.ItemsTruncated = true
			return
		}
		res.Items = append(res.Items, d)
	}
	seenNew := map[uint64]struct{}{}
	var changedFields []string
	err = each(ctx, newR, func(it *Item) {
		res.NewItems++
		id := diffID(it, o.IDField)
		if id == "" {
			res.MissingIDs++
			return
		}
		k := maphash.String(seed, id)
		if _, dup := seenNew[k]; dup {
			res.DuplicateIDs++
			return
		}
		seenNew[k] = struct{}{}
		idx, ok := x.byID[k]
		if !ok {
			res.Added++
			list(DiffItem{ID: id, Status: "added"})
			return
		}
		x.seen[idx] = true
		var full uint64
		full, buf = itemHashes(seed, it, buf)
		if full == x.full[idx] {
			res.Unchanged++
			return
		}
		res.Changed++
		changedFields = x.changedFields(idx, buf, changedFields[:0])
		for _, f := range changedFields {
			fieldCounts[f]++
		}
		list(DiffItem{ID: id, Status: "changed", Fields: slices.Clone(changedFields)})
		if p, cur, ok := priceOf(it); ok && !math.IsNaN(x.price[idx]) && x.strList[x.cur[idx]] == cur && p != x.price[idx] {
			res.PriceChanges++
			if p > x.price[idx] {
				res.PriceUp++
			} else {
				res.PriceDown++
			}
			if x.price[idx] != 0 { // a move from zero has no relative size
				rel := (p - x.price[idx]) / x.price[idx]
				res.LargestMoves = topMoves(res.LargestMoves, PriceMove{ID: id, Old: formatAmount(x.price[idx], cur), New: formatAmount(p, cur), Relative: rel}, o.TopMoves)
			}
		}
		oa, na := x.strList[x.avail[idx]], strings.ToLower(strings.TrimSpace(it.Get("availability")))
		if squash(oa) != squash(na) {
			flips[oa+" → "+na]++
		}
	})
	if err != nil {
		return nil, err
	}
	// Removed items, in old-file order.
	for i, s := range x.seen {
		if s {
			continue
		}
		res.Removed++
		end := uint32(len(x.ids))
		if i+1 < len(x.idOff) {
			end = x.idOff[i+1]
		}
		list(DiffItem{ID: string(x.ids[x.idOff[i]:end]), Status: "removed"})
	}
	res.FieldChanges = sortedCounts(fieldCounts)
	res.Availability = sortedCounts(flips)
	if res.Items == nil {
		res.Items = []DiffItem{}
	}
	return res, nil
}

func (x *oldIndex) changedFields(idx uint32, now []fieldHash, out []string) []string {
	end := uint32(len(x.fields))
	if int(idx)+1 < len(x.fOff) {
		end = x.fOff[idx+1]
	}
	old := map[string]uint16{}
	for _, e := range x.fields[x.fOff[idx]:end] {
		old[x.nameList[e>>16]] = uint16(e)
	}
	for _, fh := range now {
		if h, ok := old[fh.name]; !ok || h != uint16(fh.h) {
			out = append(out, fh.name)
		}
		delete(old, fh.name)
	}
	for n := range old {
		out = append(out, n)
	}
	slices.Sort(out)
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

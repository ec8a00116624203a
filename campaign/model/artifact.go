package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/dpa-tools/dpa/campaign/rank"
)

// MetaKey is the Parquet key-value metadata entry holding Meta as JSON.
const MetaKey = "dpa.model"

// Graph names of the artifact's rows.
const (
	GraphView       = "view"       // co-view: baskets are sessions
	GraphBuy        = "buy"        // co-purchase: a user's carted and purchased items
	GraphPopularity = "popularity" // training interactions per item
	GraphPurchases  = "purchases"  // training purchases per item
)

// Meta says what a model artifact was built from and for.
type Meta struct {
	SchemaVersion int    `json:"schema_version"`
	Builder       string `json:"builder"` // "dpa" (Go) or "sql"
	Similarity    string `json:"similarity"`
	Neighbours    int    `json:"neighbours"`
	MaxBasket     int    `json:"max_basket"`
	MinCount      int    `json:"min_count"`
	SessionGap    string `json:"session_gap"`
	// AllPairs: every co-occurrence count is listed, not only each item's
	// top Neighbours for Similarity, so any similarity can be scored.
	AllPairs bool `json:"all_pairs"`
	// Window is "log" (every event: for recommend) or "replay" (the
	// training events of the Split: for simulate --events).
	Window string    `json:"window"`
	Split  *Split    `json:"split,omitempty"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Events int       `json:"events"`
}

// Split is the replay split a "replay" artifact was trained for.
type Split struct {
	By     string    `json:"by"`
	Target string    `json:"target"`
	Rule   string    `json:"rule"`
	At     time.Time `json:"at"`
}

// Row is one row of the artifact (and of the SQL's result table):
//
//	graph view|buy, item "",  neighbour null: baskets in the graph
//	graph view|buy, item I,   neighbour null: baskets holding I
//	graph view|buy, item I,   neighbour J:    baskets holding I and J
//	graph popularity|purchases, item I:       interactions / purchases of I
type Row struct {
	Graph     string  `parquet:"graph,dict"`
	Item      string  `parquet:"item,dict"`
	Neighbour *string `parquet:"neighbour,optional,dict"`
	Count     int64   `parquet:"count"`
}

// Rows lays out graphs as the artifact's rows in their canonical order:
// graph (view, buy, popularity, purchases), item, then the item's own row
// before its pairs by neighbour.
func Rows(g *rank.Graphs) []Row {
	var out []Row
	_ = EachRow(g, func(r *Row) error {
		out = append(out, *r)
		return nil
	})
	return out
}

// EachRow calls fn with each of Rows' rows in turn (the row is valid
// during the call only; its neighbour points into g), stopping at fn's
// first error: the artifact is written without a copy of every pair as a row
// (10M events, 100,000 items: 2.2 GB allocated at once).
func EachRow(g *rank.Graphs, fn func(*Row) error) error {
	var r Row
	for _, x := range []struct {
		name string
		gc   *rank.GraphCounts
	}{{GraphView, &g.View}, {GraphBuy, &g.Buy}} {
		r = Row{Graph: x.name, Count: int64(x.gc.Baskets)}
		if err := fn(&r); err != nil {
			return err
		}
		pairs := x.gc.Pairs
		order := pairOrder(pairs)
		j := 0
		for _, id := range sortedKeys(x.gc.Items) {
			r = Row{Graph: x.name, Item: id, Count: int64(x.gc.Items[id])}
			if err := fn(&r); err != nil {
				return err
			}
			// The pairs of an item missing from Items have no row.
			for j < len(order) && pairs[order[j]].A < id {
				j++
			}
			for ; j < len(order) && pairs[order[j]].A == id; j++ {
				p := &pairs[order[j]]
				r = Row{Graph: x.name, Item: id, Neighbour: &p.B, Count: int64(p.Count)}
				if err := fn(&r); err != nil {
					return err
				}
			}
		}
	}
	for _, x := range []struct {
		name string
		m    map[string]uint32
	}{{GraphPopularity, g.Popularity}, {GraphPurchases, g.Purchases}} {
		for _, id := range sortedKeys(x.m) {
			r = Row{Graph: x.name, Item: id, Count: int64(x.m[id])}
			if err := fn(&r); err != nil {
				return err
			}
		}
	}
	return nil
}

// pairOrder returns the indexes of pairs in (A, B) order, equal pairs in
// list order. A model's pairs come in that order already: no sort then.
func pairOrder(pairs []rank.PairCount) []int32 {
	order := make([]int32, len(pairs))
	for i := range order {
		order[i] = int32(i)
	}
	cmp := func(a, b int32) int {
		if c := strings.Compare(pairs[a].A, pairs[b].A); c != 0 {
			return c
		}
		return strings.Compare(pairs[a].B, pairs[b].B)
	}
	if !slices.IsSortedFunc(order, cmp) {
		slices.SortStableFunc(order, cmp)
	}
	return order
}

func sortedKeys(m map[string]uint32) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Write writes the artifact: the rows of g and meta in the file's
// key-value metadata.
func Write(w io.Writer, g *rank.Graphs, meta Meta) error {
	meta.SchemaVersion = 1
	mb, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	pw := parquet.NewGenericWriter[Row](w, parquet.Compression(&parquet.Zstd), parquet.CreatedBy("dpa", "", ""),
		parquet.KeyValueMetadata(MetaKey, string(mb)))
	buf := make([]Row, 0, 8192)
	flush := func() error {
		_, err := pw.Write(buf)
		for i := range buf {
			buf[i] = Row{} // no reference kept to the graphs' strings
		}
		buf = buf[:0]
		return err
	}
	err = EachRow(g, func(r *Row) error {
		buf = append(buf, *r)
		if len(buf) == cap(buf) {
			return flush()
		}
		return nil
	})
	if err == nil && len(buf) > 0 {
		err = flush()
	}
	if err != nil {
		return err
	}
	return pw.Close()
}

// Read reads an artifact written by Write or exported from a warehouse
// running the SQL (which carries no dpa metadata: then Meta.Builder is
// "sql" and every pair is assumed listed). name labels errors.
func Read(r io.ReaderAt, size int64, name string) (*rank.Graphs, Meta, error) {
	var meta Meta
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, meta, fmt.Errorf("model %s: not a readable Parquet file: %w", name, err)
	}
	if s, ok := f.Lookup(MetaKey); ok {
		if err := json.Unmarshal([]byte(s), &meta); err != nil {
			return nil, meta, fmt.Errorf("model %s: metadata %s: %w", name, MetaKey, err)
		}
		if meta.SchemaVersion != 1 {
			return nil, meta, fmt.Errorf("model %s: schema_version %d, this dpa reads 1", name, meta.SchemaVersion)
		}
	} else {
		meta = Meta{Builder: "sql", AllPairs: true}
	}
	for _, col := range []string{"graph", "item", "neighbour", "count"} {
		if _, ok := f.Schema().Lookup(col); !ok {
			return nil, meta, fmt.Errorf("model %s: no column %q (want graph, item, neighbour, count)", name, col)
		}
	}
	g := &rank.Graphs{View: rank.GraphCounts{Items: map[string]uint32{}}, Buy: rank.GraphCounts{Items: map[string]uint32{}},
		Popularity: map[string]uint32{}, Purchases: map[string]uint32{}}
	rd := parquet.NewGenericReader[Row](f)
	defer rd.Close()
	buf := make([]Row, 4096)
	line := 0
	for {
		n, err := rd.Read(buf)
		for _, row := range buf[:n] {
			line++
			if row.Count < 0 || row.Count > int64(^uint32(0)) {
				return nil, meta, fmt.Errorf("model %s: row %d: count %d out of range", name, line, row.Count)
			}
			c := uint32(row.Count)
			var gc *rank.GraphCounts
			switch row.Graph {
			case GraphView:
				gc = &g.View
			case GraphBuy:
				gc = &g.Buy
			case GraphPopularity:
				g.Popularity[row.Item] = c
				continue
			case GraphPurchases:
				g.Purchases[row.Item] = c
				continue
			default:
				return nil, meta, fmt.Errorf("model %s: row %d: graph %q (want view, buy, popularity or purchases)", name, line, row.Graph)
			}
			switch {
			case row.Item == "":
				gc.Baskets = int(c)
			case row.Neighbour == nil:
				gc.Items[row.Item] = c
			default:
				gc.Pairs = append(gc.Pairs, rank.PairCount{A: row.Item, B: *row.Neighbour, Count: c})
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, meta, fmt.Errorf("model %s: row %d: %w", name, line+1, err)
		}
	}
	if line == 0 {
		return nil, meta, fmt.Errorf("model %s: no rows", name)
	}
	return g, meta, nil
}

// Check reports why an artifact cannot serve a model configuration: a
// top-k artifact holds only the neighbours of its own similarity and k.
func (m Meta) Check(cfg rank.ModelConfig) error {
	if m.AllPairs {
		return nil
	}
	sim := cfg.Similarity
	if sim == "" {
		sim = rank.DefaultSimilarity
	}
	k := cfg.Neighbours
	if k <= 0 {
		k = 50
	}
	if sim != m.Similarity || k > m.Neighbours {
		return fmt.Errorf("the model holds the top %d neighbours by %s similarity; --similarity %s needs a model built with it (or with --all-pairs)", m.Neighbours, m.Similarity, sim)
	}
	return nil
}

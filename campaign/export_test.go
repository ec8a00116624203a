package campaign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/feed"
)

// memSink keeps the engine's files in memory for golden comparison. The
// engine calls Create from several goroutines (see Sink), hence the lock;
// read the map only after the engine returns.
type memSink map[string]*bytes.Buffer

var memSinkMu sync.Mutex

type memFile struct{ *bytes.Buffer }

func (memFile) Close() error { return nil }

func (s memSink) Create(rel string) (io.WriteCloser, error) {
	memSinkMu.Lock()
	defer memSinkMu.Unlock()
	if _, dup := s[rel]; dup {
		return nil, fmt.Errorf("%s created twice", rel)
	}
	b := &bytes.Buffer{}
	s[rel] = b
	return memFile{b}, nil
}

func loadExampleCampaign(t *testing.T) *Campaign {
	t.Helper()
	path := filepath.Join("..", "examples", "campaign.yaml")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, diags, err := Load(path, f)
	if err != nil || HasErrors(diags) {
		t.Fatalf("load %s: %v %v", path, err, diags)
	}
	return c
}

// TestStreamCatalogGolden runs the export engine without the command:
// UPDATE/DELETE generation against a previous feed, batching and the
// per-ad-set feeds, compared with testdata/golden/export/ (-update).
func TestStreamCatalogGolden(t *testing.T) {
	c := loadExampleCampaign(t)
	open := func(name string) func() (feed.Reader, error) {
		return func() (feed.Reader, error) {
			return feed.OpenFile(context.Background(), filepath.Join("..", "examples", name), feed.ReadOptions{})
		}
	}
	sr, err := open("clean_meta_feed.csv")()
	if err != nil {
		t.Fatal(err)
	}
	defer sr.Close()
	since, err := IndexSince(context.Background(), "clean_meta_feed.csv", sr, false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := open("catalog.csv")()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sink := memSink{}
	res, err := StreamCatalog(context.Background(), c, r, ExportOptions{
		Catalog: "catalog.csv", BatchSize: 2, SourceColumns: slices.Clone(r.Columns()), Since: since}, sink)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "items=%d batches=%d updates=%d deletes=%d unchanged=%d missing_id=%d duplicate_id=%d %v\n",
		res.Items, res.Batches, res.Updates, res.Deletes, res.Unchanged, res.MissingID, res.DuplicateID, res.DuplicateIDs)
	for _, is := range res.CatalogIssues() {
		fmt.Fprintf(&out, "issue %s %d\n", is.Rule, is.Count)
	}
	names := make([]string, 0, len(sink))
	for n := range sink {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&out, "== %s\n%s\n", n, sink[n].String())
	}
	golden(t, "export/stream_since.txt", []byte(out.String()))
}

// TestIndexSinceReadError: an unreadable previous feed is a ReadError
// naming --since and the file, which commands map to exit 2.
func TestIndexSinceReadError(t *testing.T) {
	r, err := feed.OpenFile(context.Background(), filepath.Join("..", "examples", "truncated_feed.xml"), feed.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = IndexSince(context.Background(), "truncated_feed.xml", r, false)
	var re *ReadError
	if err == nil || !errors.As(err, &re) || !strings.Contains(err.Error(), "--since truncated_feed.xml") {
		t.Fatalf("err = %v, want a ReadError naming --since truncated_feed.xml", err)
	}
}

// failSink fails creating any file under prefix, as a full disk would.
type failSink struct {
	memSink
	prefix string
	err    error
}

func (s failSink) Create(rel string) (io.WriteCloser, error) {
	if strings.HasPrefix(rel, s.prefix) {
		return nil, s.err
	}
	return s.memSink.Create(rel)
}

// TestStreamCatalogSinkError: a failing items_batch write (or feed write)
// ends the export with that error, promptly, whatever stage hit it: the
// encoders, the Meta feed feeding them and the read loop all stop.
func TestStreamCatalogSinkError(t *testing.T) {
	c := loadExampleCampaign(t)
	for _, prefix := range []string{"meta/api/items_batch/", "feeds/meta.csv", "feeds/adsets/", "feeds/google.xml"} {
		r, err := feed.OpenFile(context.Background(), filepath.Join("..", "examples", "catalog.csv"), feed.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("no space left on device")
		done := make(chan error, 1)
		go func() {
			_, err := StreamCatalog(context.Background(), c, r, ExportOptions{Catalog: "catalog.csv", BatchSize: 1,
				Meta: true, Google: true, SourceColumns: slices.Clone(r.Columns())}, failSink{memSink{}, prefix, boom})
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, boom) {
				t.Errorf("%s: err = %v, want %v", prefix, err, boom)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the export did not return after the sink failed", prefix)
		}
		r.Close()
	}
}

package feed

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadProgress: a file's size is known and fully counted once read; a
// reader that cannot tell its size (a pipe) gives -1.
func TestReadProgress(t *testing.T) {
	data := "id,title\n" + strings.Repeat("A,Shirt\n", 50000)
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := OpenFile(context.Background(), path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, total := ReadProgress(r); total != int64(len(data)) {
		t.Fatalf("total %d, want %d", total, len(data))
	}
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if read, total := ReadProgress(r); read != total {
		t.Errorf("after the last item: read %d of %d", read, total)
	}

	p, err := Open(context.Background(), "-", struct{ io.Reader }{strings.NewReader(data)}, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, total := ReadProgress(p); total != -1 {
		t.Errorf("a pipe's total = %d, want -1", total)
	}
}

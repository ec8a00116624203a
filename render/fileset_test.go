package render

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testStage = ".dpa-test-"

func writeRel(t *testing.T, s *FileSet, rel, body string) {
	t.Helper()
	f, err := s.CreateRel(rel)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, body)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestDirSetCommitHashesAndStale(t *testing.T) {
	root := filepath.Join(t.TempDir(), "out")
	// A first run writes a, b/c; a second writes a and d and names the
	// first run's files as stale: b/c goes, a is replaced, a user file
	// not in the list stays.
	s, err := NewDirSet(root, testStage, nil)
	if err != nil {
		t.Fatal(err)
	}
	writeRel(t, s, "a.txt", "one")
	writeRel(t, s, "b/c.txt", "two")
	if _, err := os.Stat(filepath.Join(root, "a.txt")); err == nil {
		t.Fatal("file visible before Commit")
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "mine.txt"), []byte("user"), 0o644)

	s, err = NewDirSet(root, testStage, nil)
	if err != nil {
		t.Fatal(err)
	}
	writeRel(t, s, "a.txt", "three")
	writeRel(t, s, "d.txt", "four")
	s.ReplaceStale([]string{"a.txt", "b/c.txt", "../escape.txt"})
	files := s.Files()
	sum := sha256.Sum256([]byte("three"))
	if len(files) != 2 || files[0].Path != "a.txt" || files[0].Bytes != 5 || files[0].SHA256 != hex.EncodeToString(sum[:]) || files[1].Path != "d.txt" {
		t.Fatalf("Files() = %+v", files)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a.txt": "three", "d.txt": "four", "mine.txt": "user"} {
		if got, _ := os.ReadFile(filepath.Join(root, name)); string(got) != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "b", "c.txt")); err == nil {
		t.Error("stale b/c.txt kept")
	}
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), testStage) {
			t.Errorf("staging directory left: %s", e.Name())
		}
	}
}

// A target dpa must not replace fails the whole commit before any rename:
// the directory is left exactly as it was.
func TestDirSetRefusesBeforeAnyRename(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(root string)
		want  error
	}{
		{"directory at target", func(root string) { os.MkdirAll(filepath.Join(root, "z.txt"), 0o755) }, ErrNotRegularOutput},
		{"file where a directory goes", func(root string) { os.WriteFile(filepath.Join(root, "sub"), []byte("f"), 0o644) }, ErrNotRegularOutput},
		{"symlinked subdirectory", func(root string) { os.Symlink(t.TempDir(), filepath.Join(root, "sub")) }, ErrSymlinkOutsideDir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			os.WriteFile(filepath.Join(root, "a.txt"), []byte("old"), 0o644)
			tc.plant(root)
			s, err := NewDirSet(root, testStage, nil)
			if err != nil {
				t.Fatal(err)
			}
			writeRel(t, s, "a.txt", "new")
			writeRel(t, s, "sub/b.txt", "new")
			writeRel(t, s, "z.txt", "new")
			if err := s.Commit(); !errors.Is(err, tc.want) {
				t.Fatalf("Commit: %v, want %v", err, tc.want)
			}
			if got, _ := os.ReadFile(filepath.Join(root, "a.txt")); string(got) != "old" {
				t.Errorf("a.txt = %q: renamed before the refusal", got)
			}
			ents, _ := os.ReadDir(root)
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), testStage) {
					t.Errorf("staging directory left: %s", e.Name())
				}
			}
		})
	}
}

func TestDirSetInputAndAbort(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "new")
	in := filepath.Join(parent, "in.csv")
	os.WriteFile(in, []byte("x"), 0o644)
	s, err := NewDirSet(root, testStage, []string{in})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRel("../x"); err == nil {
		t.Error("CreateRel(../x) accepted")
	}
	writeRel(t, s, "a.txt", "A")
	s.Abort()
	if _, err := os.Stat(root); err == nil {
		t.Error("Abort kept the root it created")
	}

	// The input hard-linked into the output directory must not be replaced.
	os.MkdirAll(root, 0o755)
	if err := os.Link(in, filepath.Join(root, "a.txt")); err != nil {
		t.Skip(err)
	}
	s, _ = NewDirSet(root, testStage, []string{in})
	writeRel(t, s, "a.txt", "A")
	if err := s.Commit(); !errors.Is(err, ErrWouldOverwriteInput) {
		t.Fatalf("Commit over an input: %v", err)
	}
	if got, _ := os.ReadFile(in); string(got) != "x" {
		t.Errorf("input changed: %q", got)
	}
}

// Discard leaves the target as it was while the rest commits (normalize
// with no passing item keeps the old feed and writes the rejects).
func TestFileSetDiscard(t *testing.T) {
	dir := t.TempDir()
	feedPath, rejPath := filepath.Join(dir, "feed.csv"), filepath.Join(dir, "rejects.csv")
	os.WriteFile(feedPath, []byte("old feed"), 0o644)
	s := NewFileSet(nil)
	f, _ := s.Create(feedPath)
	r, _ := s.Create(rejPath)
	io.WriteString(f, "")
	io.WriteString(r, "rejected")
	s.Discard(f)
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(feedPath); string(got) != "old feed" {
		t.Errorf("feed = %q", got)
	}
	if got, _ := os.ReadFile(rejPath); string(got) != "rejected" {
		t.Errorf("rejects = %q", got)
	}
	for _, e := range listDir(t, dir) {
		if strings.Contains(e, ".tmp-") {
			t.Errorf("temp file left: %s", e)
		}
	}
}

package render

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileAtomicSuccess(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(path, nil, func(w io.Writer) error {
		_, err := io.WriteString(w, "new content\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "new content\n" {
		t.Errorf("content = %q", got)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only out.csv", names)
	}
}

func TestWriteFileAtomicFailureLeavesNothing(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		existing bool
		fn       func(w io.Writer) error
	}{
		{"error new file", false, func(w io.Writer) error { io.WriteString(w, "partial"); return boom }},
		{"error existing file", true, func(w io.Writer) error { io.WriteString(w, "partial"); return boom }},
		{"panic", true, func(w io.Writer) error { io.WriteString(w, "partial"); panic(boom) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.xlsx")
			if tc.existing {
				if err := os.WriteFile(path, []byte("keep me"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				err = WriteFileAtomic(path, nil, tc.fn)
			}()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "boom") {
				t.Errorf("err = %v, want the callback's error", err)
			}
			names := listDir(t, dir)
			if tc.existing {
				got, _ := os.ReadFile(path)
				if string(got) != "keep me" || len(names) != 1 {
					t.Errorf("target changed to %q, dir %v", got, names)
				}
			} else if len(names) != 0 {
				t.Errorf("left behind %v", names)
			}
		})
	}
}

func TestWriteFileAtomicRefusesInputs(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed.csv")
	if err := os.WriteFile(feed, []byte("id\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink("feed.csv", link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.csv")
	if err := os.Link(feed, hard); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)

	tests := []struct {
		name   string
		out    string
		inputs []string
	}{
		{"same path", feed, []string{feed}},
		{"different spelling", filepath.Join(sub, "..", "feed.csv"), []string{feed}},
		{"output is symlink to input", link, []string{feed}},
		{"input is symlink to output", feed, []string{link}},
		{"hard link", hard, []string{"-", feed}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			err := WriteFileAtomic(tc.out, tc.inputs, func(w io.Writer) error { called = true; return nil })
			if !errors.Is(err, ErrWouldOverwriteInput) {
				t.Fatalf("err = %v, want ErrWouldOverwriteInput", err)
			}
			if called {
				t.Error("callback ran")
			}
			if got, _ := os.ReadFile(feed); string(got) != "id\n1\n" {
				t.Errorf("input modified: %q", got)
			}
		})
	}
	if err := CheckNotInput(filepath.Join(dir, "new.csv"), []string{feed}); err != nil {
		t.Errorf("non-existent output rejected: %v", err)
	}
	if err := CheckNotInput(filepath.Join(dir, "other.csv"), []string{feed, "", "-", filepath.Join(dir, "missing")}); err != nil {
		t.Errorf("unrelated output rejected: %v", err)
	}
}

func TestWriteFileAtomicSymlinks(t *testing.T) {
	outside := t.TempDir()
	dir := t.TempDir()
	secret := filepath.Join(outside, "target.txt")
	os.WriteFile(secret, []byte("secret"), 0o644)

	// A link leading out of the directory, existing or dangling, is refused.
	for _, tc := range []struct{ name, target string }{
		{"existing target", secret},
		{"dangling target", filepath.Join(outside, "nope.txt")},
		{"relative escape", filepath.Join("..", filepath.Base(outside), "target.txt")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			link := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.Symlink(tc.target, link); err != nil {
				t.Fatal(err)
			}
			err := WriteFileAtomic(link, nil, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err })
			if !errors.Is(err, ErrSymlinkOutsideDir) {
				t.Fatalf("err = %v, want ErrSymlinkOutsideDir", err)
			}
			if got, _ := os.ReadFile(secret); string(got) != "secret" {
				t.Errorf("outside file modified: %q", got)
			}
			if _, err := os.Stat(filepath.Join(outside, "nope.txt")); err == nil {
				t.Error("dangling target was created")
			}
		})
	}

	// A link within the directory is written through and kept.
	real := filepath.Join(dir, "report-v2.csv")
	os.WriteFile(real, []byte("old"), 0o644)
	link := filepath.Join(dir, "report.csv")
	os.Symlink("report-v2.csv", link)
	if err := WriteFileAtomic(link, nil, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("symlink was replaced by a file")
	}
	if got, _ := os.ReadFile(real); string(got) != "new" {
		t.Errorf("link target = %q, want new", got)
	}
	for _, n := range listDir(t, dir) {
		if strings.Contains(n, ".tmp-") {
			t.Errorf("temp file left: %s", n)
		}
	}
}

func TestFileSet(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("x"), 0o644)
	s := NewFileSet([]string{in})
	if _, err := s.Create(in); !errors.Is(err, ErrWouldOverwriteInput) {
		t.Fatalf("input overwrite: %v", err)
	}
	a, err := s.Create(filepath.Join(dir, "sub", "a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Create(filepath.Join(dir, "b.txt"))
	io.WriteString(a, "A")
	io.WriteString(b, "B")
	if _, err := os.Stat(filepath.Join(dir, "b.txt")); err == nil {
		t.Fatal("file visible before Commit")
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "sub", "a.txt")); string(got) != "A" {
		t.Fatalf("a.txt = %q", got)
	}
	s2 := NewFileSet(nil)
	c, _ := s2.Create(filepath.Join(dir, "c.txt"))
	io.WriteString(c, "C")
	s2.Abort()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "in.csv" && e.Name() != "sub" && e.Name() != "b.txt" {
			t.Errorf("left behind after Abort: %s", e.Name())
		}
	}
}

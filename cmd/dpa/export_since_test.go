//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/render"
)

// TestExportSincePipe: the previous feed is read once (its removed ids
// are kept in the index), so --since takes stdin and a FIFO, with the same
// items_batch bodies as from a file.
func TestExportSincePipe(t *testing.T) {
	tmp := t.TempDir()
	var old []string
	for _, l := range strings.Split(strings.TrimRight(mustRead(t, exampleCatalog), "\n"), "\n") {
		if strings.HasPrefix(l, "SH-2040") {
			l = strings.Replace(l, "58.00 USD", "62.00 USD", 1) // an UPDATE
		}
		old = append(old, l)
	}
	old = append(old, "GONE-1,Retired Tee,Old tee,in stock,new,10.00 USD,,https://shop.example.com/p/gone,https://shop.example.com/img/gone.jpg,Northwind,,,,,,,,") // a DELETE
	oldData := strings.Join(old, "\n") + "\n"
	oldPath := filepath.Join(tmp, "old.csv")
	if err := os.WriteFile(oldPath, []byte(oldData), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(tmp, "old.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.WriteString(oldData)
		w.Close()
	}()

	bodies := func(since string) string {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "out")
		s, _, errOut := render.Test()
		s.In.(interface{ WriteString(string) (int, error) }).WriteString(oldData)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		if code := run(ctx, []string{"export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", dir, "--since", since}, s, fixedNow); code != 0 {
			t.Fatalf("--since %s: exit %d\n%s", since, code, errOut)
		}
		var b strings.Builder
		for _, f := range listFiles(t, dir) {
			if strings.HasPrefix(f, "meta/api/items_batch/") {
				b.WriteString("== " + f + "\n" + mustRead(t, filepath.Join(dir, f)))
			}
		}
		return b.String()
	}
	want := bodies(oldPath)
	if !strings.Contains(want, `"method":"UPDATE"`) || !strings.Contains(want, `"method":"DELETE"`) || !strings.Contains(want, "GONE-1") {
		t.Fatalf("from a file, no UPDATE and DELETE:\n%s", want)
	}
	for _, since := range []string{"-", fifo} {
		if got := bodies(since); got != want {
			t.Errorf("--since %s:\n%s\nwant (from a file):\n%s", since, got, want)
		}
	}
}

// TestExportSinceEmpty: a previous feed without items (an empty pipe, a
// header only: a failed download) is an input error, not "every item is
// new"; the export already in --out is left as it was. --allow-empty
// accepts it.
func TestExportSinceEmpty(t *testing.T) {
	tmp := t.TempDir()
	header := strings.SplitN(mustRead(t, exampleCatalog), "\n", 2)[0] + "\n"
	hdrPath := filepath.Join(tmp, "header.csv")
	if err := os.WriteFile(hdrPath, []byte(header), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	s, _, errOut := render.Test()
	if code := run(t.Context(), []string{"export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", out}, s, fixedNow); code != 0 {
		t.Fatalf("first export: exit %d\n%s", code, errOut)
	}
	before, err := os.Stat(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, since := range []string{"-", hdrPath} {
		s, _, errOut := render.Test() // stdin is empty
		code := run(t.Context(), []string{"export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", out, "--force", "--since", since}, s, fixedNow)
		if code != 2 || !strings.Contains(errOut.String(), "--since") || !strings.Contains(errOut.String(), "no items") {
			t.Errorf("--since %s: exit %d, want 2 naming --since and no items\n%s", since, code, errOut)
		}
		// Same content either way (fixed clock): a replaced file is a new one.
		if now, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil || !os.SameFile(now, before) {
			t.Errorf("--since %s: the earlier export was replaced (%v)", since, err)
		}
	}
	s, _, errOut = render.Test()
	if code := run(t.Context(), []string{"export", "--campaign", exampleCampaign, "--catalog", exampleCatalog, "--out", filepath.Join(tmp, "out2"), "--since", hdrPath, "--allow-empty"}, s, fixedNow); code != 0 {
		t.Errorf("--allow-empty: exit %d\n%s", code, errOut)
	}
}

package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestInterrupt sends SIGINT to the real binary in the middle of a run (its
// stdin is a pipe that never ends) and checks exit status 130 and that no
// output or temp file is left behind.
func TestInterrupt(t *testing.T) {
	if testing.Short() || runtime.GOOS == "windows" {
		t.Skip("builds the binary; not on -short or windows")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dpa")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	header := "id,title,description,availability,condition,price,link,image_link,brand\n"
	row := "SKU-%d,Linen Shirt,A breathable linen shirt with a classic collar and buttons.,in stock,new,59.00 USD,https://shop.example.com/p/1,https://cdn.example.com/1.jpg,Coastline\n"
	campaign, err := filepath.Abs("../../examples/campaign.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
	}{
		{"simulate", []string{"simulate", "--items", "2000", "--users", "400000", "--days", "30", "--emit-events", "events.csv", "-o", "json"}},
		{"export", []string{"export", "--campaign", campaign, "--catalog", "-", "--out", "out"}},
		{"validate", []string{"validate", "-o", "json", "--out", "report.json", "-"}},
		{"normalize", []string{"normalize", "-", "--channel", "google", "--out", "feed.xml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			cmd := exec.Command(bin, tc.args...)
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() {
				io.WriteString(stdin, header)
				for i := 0; ; i++ {
					if _, err := io.WriteString(stdin, "SKU-"+itoa(i)+row[6:]); err != nil {
						return
					}
				}
			}()
			time.Sleep(700 * time.Millisecond)
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var werr error
			select {
			case werr = <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("dpa did not stop after SIGINT")
			}
			stdin.Close()
			var ee *exec.ExitError
			if !errors.As(werr, &ee) || ee.ExitCode() != 130 {
				t.Fatalf("exit: %v, want status 130", werr)
			}
			entries, _ := os.ReadDir(work)
			for _, e := range entries {
				t.Errorf("left behind: %s", e.Name())
			}
		})
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	return string(b[n:])
}

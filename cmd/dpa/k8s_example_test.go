package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type k8sJob struct {
	Kind string `yaml:"kind"`
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				Containers []struct {
					Command []string `yaml:"command"`
					Args    []string `yaml:"args"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func readJobs(t *testing.T, path string) []k8sJob {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var jobs []k8sJob
	dec := yaml.NewDecoder(f)
	for {
		var j k8sJob
		if err := dec.Decode(&j); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if j.Kind == "Job" {
			jobs = append(jobs, j)
		}
	}
	if len(jobs) != 1 {
		t.Fatalf("%s: %d Jobs, want 1", path, len(jobs))
	}
	return jobs
}

// TestK8sReplayExample runs the Kubernetes example's own command lines:
// every index of the Indexed Job with JOB_COMPLETION_INDEX expanded as the
// kubelet does, then the merge Job, on examples/events.csv standing in for
// the volume's log; the merged report must be the unsharded one.
func TestK8sReplayExample(t *testing.T) {
	shards := readJobs(t, "../../examples/k8s/replay-job.yaml")[0]
	merge := readJobs(t, "../../examples/k8s/merge-job.yaml")[0]
	n := shards.Spec.Completions
	if shards.Spec.CompletionMode != "Indexed" || n < 2 || shards.Spec.Parallelism < 1 {
		t.Fatalf("replay-job: completionMode %q, completions %d, parallelism %d", shards.Spec.CompletionMode, n, shards.Spec.Parallelism)
	}
	c := shards.Spec.Template.Spec.Containers[0]
	if len(c.Command) != 1 || c.Command[0] != "dpa" {
		t.Fatalf("replay-job: command %q", c.Command)
	}
	if want := fmt.Sprintf("--shard=$(JOB_COMPLETION_INDEX)/%d", n); !strings.Contains(strings.Join(c.Args, " "), want) {
		t.Fatalf("replay-job: args %q lack %s (completions %d)", c.Args, want, n)
	}
	dir := t.TempDir()
	local := func(args []string, index int) []string {
		var out []string
		for _, a := range args {
			a = strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", fmt.Sprint(index))
			a = strings.ReplaceAll(a, "/data/events/", "../../examples/events.csv")
			out = append(out, strings.ReplaceAll(a, "/data/", dir+"/"))
		}
		return out
	}
	for i := range n {
		if code, _, errOut := runCmd(t, local(c.Args, i)...); code != 0 {
			t.Fatalf("index %d: exit %d: %s", i, code, errOut)
		}
	}
	m := merge.Spec.Template.Spec.Containers[0]
	if code, _, errOut := runCmd(t, local(m.Args, 0)...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, errOut)
	}
	var unsharded []string
	for _, a := range local(c.Args, 0) {
		if !strings.HasPrefix(a, "--shard=") && !strings.HasPrefix(a, "--out=") {
			unsharded = append(unsharded, a)
		}
	}
	code, want, errOut := runCmd(t, append(unsharded, "-o", "json")...)
	if code != 0 {
		t.Fatalf("unsharded: exit %d: %s", code, errOut)
	}
	if got := mustRead(t, filepath.Join(dir, "report.json")); got != want {
		t.Errorf("the example's merged report differs from the unsharded one:\n%s\nwant:\n%s", got, want)
	}
}

// Command k8scheck renders every kustomization under k8s/ (no cluster) and validates each object
// strictly against the Kubernetes API types — unknown fields fail — and against EventAI's
// operating rules (probes, limits, non-root, read-only root file system, disruption budgets,
// references between objects). `make k8s-check` runs it; it exits 1 on any problem.
//
//	go run ./deploy/cmd/k8scheck [-dir k8s]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/manifest"
	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/policy"
	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/render"
	"github.com/eventai/eventai/libs/httpx"
)

// drain is how long a process may take after SIGTERM: the HTTP drain of libs/httpx plus the
// tracing flush (5 s in every main) during which the outbox relay and Kafka readers close.
const drain = httpx.ShutdownTimeout + 5*time.Second

// errProblems reports that the manifests were checked and found wanting.
var errProblems = errors.New("problems found")

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "k8scheck:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("k8scheck", flag.ContinueOnError)
	dir := fs.String("dir", "", "manifest tree to check (default: k8s/ of the repository around the working directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		*dir = filepath.Join(root, "k8s")
	}
	start := time.Now()
	tree, err := render.Load(*dir)
	if err != nil {
		return err
	}
	dirs, err := tree.Kustomizations()
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return fmt.Errorf("no kustomization under %s", *dir)
	}
	var objects, problems int
	for _, d := range dirs {
		objs, err := tree.Render(d)
		if err != nil {
			fmt.Fprintf(out, "FAIL %s\n  %v\n", d, err)
			problems++
			continue
		}
		set, errs := manifest.Decode(objs)
		found := make([]string, 0, len(errs))
		for _, e := range errs {
			found = append(found, e.Error())
		}
		// A whole deployment carries its Namespace and its workloads; only there must references
		// between bases (shared ConfigMaps, the Ingress, the PodMonitor) resolve.
		complete := len(set.Namespaces) > 0 && len(set.Deployments) > 0
		found = append(found, policy.Check(set, complete, policy.Options{Drain: drain})...)
		objects += len(objs)
		problems += len(found)
		scope := "base"
		if complete {
			scope = "complete"
		}
		if len(found) == 0 {
			fmt.Fprintf(out, "ok   %-24s %3d objects (%s)\n", d, len(objs), scope)
			continue
		}
		fmt.Fprintf(out, "FAIL %-24s %3d objects (%s), %d problems\n", d, len(objs), scope, len(found))
		for _, p := range found {
			fmt.Fprintf(out, "  %s\n", p)
		}
	}
	fmt.Fprintf(out, "%d kustomizations, %d objects, %d problems in %v\n", len(dirs), objects, problems, time.Since(start).Round(time.Millisecond))
	if problems > 0 {
		return errProblems
	}
	return nil
}

// repoRoot walks up from the working directory to the directory holding go.work.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.work above %s: pass -dir", wd)
		}
	}
}

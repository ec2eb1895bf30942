package stack

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Component is one process of the stack as the launcher knows it.
type Component struct {
	// Name is the process and binary name (also the log file name).
	Name string
	// Module is the module directory relative to the repository root.
	Module string
	// Main is the main package directory relative to the repository root.
	Main string
	// EnvPrefix is the settings prefix of CONVENTIONS.md (empty for the broker).
	EnvPrefix string
}

// Broker is the embedded Kafka-protocol broker (dev and test only).
var Broker = Component{Name: "broker", Module: "deploy", Main: "deploy/cmd/broker"}

// Services are the five services in start order (identity first: it serves the JWKS).
var Services = []Component{
	{Name: "identity", Module: "services/identity", Main: "services/identity/cmd/identity", EnvPrefix: "IDENTITY"},
	{Name: "company", Module: "services/company", Main: "services/company/cmd/company", EnvPrefix: "COMPANY"},
	{Name: "event", Module: "services/event", Main: "services/event/cmd/event", EnvPrefix: "EVENT"},
	{Name: "task", Module: "services/task", Main: "services/task/cmd/task", EnvPrefix: "TASK"},
	{Name: "suggestion", Module: "services/suggestion", Main: "services/suggestion/cmd/suggestion", EnvPrefix: "SUGGESTION"},
}

// Gateway is the public entry point, started after the services.
var Gateway = Component{Name: "gateway", Module: "gateway", Main: "gateway/cmd/gateway", EnvPrefix: "GATEWAY"}

// All lists every component in start order.
func All() []Component {
	all := []Component{Broker}
	all = append(all, Services...)
	return append(all, Gateway)
}

// Exists reports whether the component's main package has Go files in root.
func (c Component) Exists(root string) bool {
	m, _ := filepath.Glob(filepath.Join(root, c.Main, "*.go"))
	for _, f := range m {
		if !strings.HasSuffix(f, "_test.go") {
			return true
		}
	}
	return false
}

// Present splits comps into those whose main exists and those missing.
func Present(root string, comps []Component) (present, missing []Component) {
	for _, c := range comps {
		if c.Exists(root) {
			present = append(present, c)
		} else {
			missing = append(missing, c)
		}
	}
	return present, missing
}

// Runnable picks from comps the components that can run in root: those
// whose main exists, minus the gateway when identity is missing (the
// gateway is ready only once identity's JWKS answers). notes say why each
// other component is left out.
func Runnable(root string, comps []Component) (run []Component, notes []string) {
	present, missing := Present(root, comps)
	for _, c := range missing {
		notes = append(notes, fmt.Sprintf("skipping %s: %s has no main package yet", c.Name, c.Main))
	}
	identity := Services[0]
	if !identity.Exists(root) {
		kept := present[:0:0]
		for _, c := range present {
			if c.Name == Gateway.Name {
				notes = append(notes, "skipping gateway: it needs identity's JWKS to be ready")
				continue
			}
			kept = append(kept, c)
		}
		present = kept
	}
	return present, notes
}

// Build compiles comps into binDir with one `go build` per module, in
// workspace mode from root, so the go.work replaces apply.
func Build(ctx context.Context, root, binDir string, comps []Component, out io.Writer) error {
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", binDir, err)
	}
	absBin, err := filepath.Abs(binDir)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", binDir, err)
	}
	var modules []string
	pkgs := map[string][]string{}
	for _, c := range comps {
		if _, seen := pkgs[c.Module]; !seen {
			modules = append(modules, c.Module)
		}
		pkgs[c.Module] = append(pkgs[c.Module], "./"+c.Main)
	}
	for _, m := range modules {
		args := append([]string{"build", "-o", absBin + string(filepath.Separator)}, pkgs[m]...)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		cmd.Env = withoutKey(os.Environ(), "GOWORK")
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", strings.Join(pkgs[m], " "), err)
		}
	}
	return nil
}

// FindRoot walks up from dir to the directory holding go.work.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.work above %s: run from the repository", dir)
		}
	}
}

func withoutKey(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

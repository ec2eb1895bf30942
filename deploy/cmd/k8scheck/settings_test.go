package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/manifest"
	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/render"
)

var configTag = regexp.MustCompile(`mapstructure:"([a-z0-9_]+)"`)

// embedded finds a squashed libs/config struct in a Config line (`libconfig.Service
// `mapstructure:",squash"“): its keys are the process's too.
var embedded = regexp.MustCompile(`^\s*\w+\.(\w+)\s+` + "`" + `mapstructure:",squash"`)

// libsConfigLines returns the field lines of struct name in libs/config (read as text like the
// services' own config, so both readers apply the same tag rule).
func libsConfigLines(t testing.TB, libsConfig, name string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(libsConfig, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no libs/config package at %s: %v", libsConfig, err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		for i, line := range lines {
			if strings.TrimSpace(line) != "type "+name+" struct {" {
				continue
			}
			var body []string
			for _, l := range lines[i+1:] {
				if strings.TrimSpace(l) == "}" {
					return body
				}
				body = append(body, l)
			}
		}
	}
	t.Fatalf("libs/config has no struct %s", name)
	return nil
}

// settings returns the environment variables a process reads, from the Config struct of its
// module's internal/config package (read as text: it is internal to that module).
func settings(t testing.TB, module, prefix string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", module, "internal", "config", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no config package in %s: %v", module, err)
	}
	env := map[string]bool{prefix + "_CONFIG_FILE": true}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		for _, line := range lines {
			if m := embedded.FindStringSubmatch(line); m != nil {
				lines = append(lines, libsConfigLines(t, filepath.Join("..", "..", "..", "libs", "config"), m[1])...)
			}
		}
		for _, line := range lines {
			if m := configTag.FindStringSubmatch(line); m != nil {
				key := strings.ToUpper(m[1])
				env[prefix+"_"+key] = true
				if strings.Contains(line, `shared:"true"`) {
					env[key] = true
				}
			}
		}
	}
	return env
}

// TestSettingsAreRead catches a misspelt or stale setting in the manifests: viper ignores
// environment variables it does not know, so a typo would silently leave the default in place.
// Keys of the shared ConfigMap need only one reader among the processes that load it.
func TestSettingsAreRead(t *testing.T) {
	tree, err := render.Load(filepath.Join("..", "..", "..", "k8s"))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := tree.Render("overlays/prod")
	if err != nil {
		t.Fatal(err)
	}
	set, errs := manifest.Decode(objs)
	if len(errs) > 0 {
		t.Fatalf("decode: %v", errs)
	}
	configMaps := map[string]*corev1.ConfigMap{}
	for _, cm := range set.ConfigMaps {
		configMaps[cm.Name] = cm
	}
	modules := map[string]string{"gateway": "gateway"}
	for _, s := range []string{"identity", "company", "event", "task", "suggestion"} {
		modules[s] = "services/" + s
	}
	sharedReaders := map[string]int{}

	type pod struct {
		name string
		spec corev1.PodSpec
		meta map[string]string
	}
	var pods []pod
	for _, d := range set.Deployments {
		pods = append(pods, pod{"Deployment " + d.Name, d.Spec.Template.Spec, d.Spec.Template.Labels})
	}
	for _, j := range set.Jobs {
		pods = append(pods, pod{"Job " + j.Name, j.Spec.Template.Spec, j.Spec.Template.Labels})
	}
	for _, p := range pods {
		process := p.meta["app.kubernetes.io/name"]
		module, ok := modules[process]
		if !ok {
			t.Errorf("%s: unknown process %q", p.name, process)
			continue
		}
		prefix := strings.ToUpper(process)
		known := settings(t, module, prefix)
		for _, ct := range p.spec.Containers {
			for _, e := range ct.Env {
				if !known[e.Name] {
					t.Errorf("%s: env %s is not a setting of %s", p.name, e.Name, module)
				}
			}
			for _, ef := range ct.EnvFrom {
				if ef.ConfigMapRef == nil {
					continue
				}
				cm := configMaps[ef.ConfigMapRef.Name]
				if cm == nil {
					t.Errorf("%s: ConfigMap %s not rendered", p.name, ef.ConfigMapRef.Name)
					continue
				}
				shared := strings.HasPrefix(cm.Name, "eventai-shared")
				for key := range cm.Data {
					if !shared {
						if !known[key] {
							t.Errorf("%s: %s of ConfigMap %s is not a setting of %s", p.name, key, cm.Name, module)
						}
						continue
					}
					n := sharedReaders[key] // registers the key even when this process ignores it
					if known[key] {
						n++
					}
					sharedReaders[key] = n
				}
			}
		}
	}
	if len(sharedReaders) == 0 {
		t.Fatal("no process loads the shared ConfigMap")
	}
	for key, n := range sharedReaders {
		if n == 0 {
			t.Errorf("eventai-shared: no process reads %s", key)
		}
	}
}

// Package render builds kustomizations the way `kubectl kustomize` does, with kustomize's krusty
// library over an in-memory copy of the manifest tree: no cluster, no network, and nothing outside
// the tree can be loaded.
package render

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Object is one rendered Kubernetes object as JSON, with the fields that identify it.
type Object struct {
	APIVersion, Kind, Namespace, Name string
	JSON                              []byte
}

// ID names the object in messages: Kind namespace/name.
func (o Object) ID() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// Tree is a manifest tree loaded into memory.
type Tree struct {
	root string
	fs   filesys.FileSystem
}

// Load copies every file under root (a directory such as k8s/) into memory.
func Load(root string) (*Tree, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", root, err)
	}
	mem := filesys.MakeFsInMemory()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return mem.MkdirAll(path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return mem.WriteFile(path, data)
	})
	if err != nil {
		return nil, fmt.Errorf("load manifests under %s: %w", root, err)
	}
	return &Tree{root: root, fs: mem}, nil
}

// Kustomizations lists the directories (relative to the tree's root, sorted) that hold a
// kustomization file.
func (t *Tree) Kustomizations() ([]string, error) {
	var dirs []string
	err := t.fs.Walk(t.root, func(path string, info fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		switch info.Name() {
		case "kustomization.yaml", "kustomization.yml", "Kustomization":
			rel, err := filepath.Rel(t.root, filepath.Dir(path))
			if err != nil {
				return err
			}
			dirs = append(dirs, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find kustomizations: %w", err)
	}
	sort.Strings(dirs)
	return dirs, nil
}

// Render builds the kustomization in dir (relative to the tree's root) and returns its objects in
// kustomize's output order.
func (t *Tree) Render(dir string) ([]Object, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(t.fs, filepath.Join(t.root, dir))
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	var out []Object
	for _, r := range m.Resources() {
		data, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: encode %s %s: %w", dir, r.GetKind(), r.GetName(), err)
		}
		out = append(out, Object{
			APIVersion: r.GetApiVersion(),
			Kind:       r.GetKind(),
			Namespace:  r.GetNamespace(),
			Name:       r.GetName(),
			JSON:       data,
		})
	}
	return out, nil
}

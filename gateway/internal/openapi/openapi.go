// Package openapi embeds the gateway's OpenAPI 3.1 document (the public contract) and renders
// the dependency-free /docs page from it.
package openapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strings"
)

//go:embed openapi.json
var document []byte

// Document is the OpenAPI document as served at /openapi.json.
func Document() []byte { return document }

// Operation is one method on one path of the document, with what the route table must agree on.
type Operation struct {
	Method      string
	Path        string
	Summary     string
	Tag         string
	Public      bool
	Roles       []string
	RequestBody string
	Responses   []string
}

type rawOperation struct {
	Summary     string                 `json:"summary"`
	Tags        []string               `json:"tags"`
	Security    *[]map[string][]string `json:"security"`
	Roles       []string               `json:"x-roles"`
	RequestBody *struct {
		Content map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]json.RawMessage `json:"responses"`
}

type rawDocument struct {
	OpenAPI  string                                       `json:"openapi"`
	Info     struct{ Title, Version, Description string } `json:"info"`
	Security []map[string][]string                        `json:"security"`
	Paths    map[string]map[string]rawOperation           `json:"paths"`
}

var methods = []string{"get", "post", "put", "patch", "delete"}

// Operations parses the document into its operations, sorted by path then method. An operation
// is public when it overrides security with an empty list.
func Operations() ([]Operation, error) {
	var d rawDocument
	if err := json.Unmarshal(document, &d); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	var ops []Operation
	for path, item := range d.Paths {
		for method, op := range item {
			if !slices.Contains(methods, method) {
				continue
			}
			o := Operation{
				Method:  strings.ToUpper(method),
				Path:    path,
				Summary: op.Summary,
				Public:  op.Security != nil && len(*op.Security) == 0,
				Roles:   op.Roles,
			}
			if len(op.Tags) > 0 {
				o.Tag = op.Tags[0]
			}
			if op.RequestBody != nil {
				var types []string
				for ct, media := range op.RequestBody.Content {
					name := ct
					if ref := media.Schema.Ref; ref != "" {
						name = ref[strings.LastIndex(ref, "/")+1:] + " (" + ct + ")"
					}
					types = append(types, name)
				}
				slices.Sort(types)
				o.RequestBody = strings.Join(types, ", ")
			}
			for code := range op.Responses {
				o.Responses = append(o.Responses, code)
			}
			slices.Sort(o.Responses)
			ops = append(ops, o)
		}
	}
	slices.SortFunc(ops, func(a, b Operation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return slices.Index(methods, strings.ToLower(a.Method)) - slices.Index(methods, strings.ToLower(b.Method))
	})
	return ops, nil
}

var page = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} {{.Version}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace}.m{font-weight:bold}.GET{color:#1565c0}.POST{color:#2e7d32}.PUT{color:#ef6c00}.DELETE{color:#c62828}
</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p>{{.Description}}</p>
<p>The machine-readable document is at <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1).</p>
{{range .Groups}}<h2>{{.Tag}}</h2>
<table><tr><th>method</th><th>path</th><th>summary</th><th>who</th><th>body</th><th>responses</th></tr>
{{range .Ops}}<tr><td class="m {{.Method}}">{{.Method}}</td><td><code>{{.Path}}</code></td><td>{{.Summary}}</td>
<td>{{if .Public}}public{{else if .Roles}}{{range $i, $r := .Roles}}{{if $i}}, {{end}}{{$r}}{{end}}{{else}}signed in{{end}}</td>
<td>{{.RequestBody}}</td><td>{{range $i, $c := .Responses}}{{if $i}} {{end}}{{$c}}{{end}}</td></tr>
{{end}}</table>
{{end}}</body></html>
`))

// DocsHTML renders the /docs page: every operation of the document grouped by tag.
func DocsHTML() ([]byte, error) {
	var d rawDocument
	if err := json.Unmarshal(document, &d); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	ops, err := Operations()
	if err != nil {
		return nil, err
	}
	type group struct {
		Tag string
		Ops []Operation
	}
	var groups []group
	for _, o := range ops {
		i := slices.IndexFunc(groups, func(g group) bool { return g.Tag == o.Tag })
		if i < 0 {
			groups = append(groups, group{Tag: o.Tag})
			i = len(groups) - 1
		}
		groups[i].Ops = append(groups[i].Ops, o)
	}
	var buf bytes.Buffer
	err = page.Execute(&buf, map[string]any{
		"Title": d.Info.Title, "Version": d.Info.Version, "Description": d.Info.Description, "Groups": groups,
	})
	if err != nil {
		return nil, fmt.Errorf("render docs: %w", err)
	}
	return buf.Bytes(), nil
}

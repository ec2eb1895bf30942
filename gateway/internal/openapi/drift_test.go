package openapi_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/gateway/internal/openapi"
	"github.com/eventai/eventai/gateway/internal/routes"
)

// TestTableAndDocumentAgree fails when a route is added, removed or re-permissioned in one of
// the route table and the OpenAPI document but not in the other.
func TestTableAndDocumentAgree(t *testing.T) {
	ops, err := openapi.Operations()
	require.NoError(t, err)

	type access struct {
		public bool
		roles  string
	}
	fromDoc := map[string]access{}
	for _, o := range ops {
		roles := slices.Clone(o.Roles)
		slices.Sort(roles)
		fromDoc[o.Method+" "+o.Path] = access{public: o.Public, roles: strings.Join(roles, ",")}
	}
	fromTable := map[string]access{}
	for _, r := range routes.Table() {
		a := access{public: r.Access == routes.Public}
		if r.Access == routes.Roles {
			roles := append([]string{routes.RoleAdmin}, r.Roles...)
			slices.Sort(roles)
			a.roles = strings.Join(roles, ",")
		}
		fromTable[r.Method+" "+r.Pattern] = a
	}
	for k, want := range fromTable {
		got, ok := fromDoc[k]
		if assert.True(t, ok, "route %s is not in openapi.json", k) {
			assert.Equal(t, want, got, "access of %s differs between table and document", k)
		}
	}
	for k := range fromDoc {
		_, ok := fromTable[k]
		assert.True(t, ok, "openapi.json documents %s, which the gateway does not route", k)
	}
}

func TestDocumentIsWellFormed(t *testing.T) {
	var doc map[string]any
	require.NoError(t, json.Unmarshal(openapi.Document(), &doc))
	assert.Equal(t, "3.1.0", doc["openapi"])

	// Every $ref points at something that exists.
	refs := regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(string(openapi.Document()), -1)
	require.NotEmpty(t, refs)
	for _, m := range refs {
		var node any = doc
		for part := range strings.SplitSeq(m[1], "/") {
			obj, ok := node.(map[string]any)
			require.True(t, ok, "ref %s", m[1])
			node, ok = obj[part]
			require.True(t, ok, "dangling ref #/%s", m[1])
		}
	}

	ops, err := openapi.Operations()
	require.NoError(t, err)
	for _, o := range ops {
		name := o.Method + " " + o.Path
		assert.NotEmpty(t, o.Summary, name)
		if o.Tag == "gateway" {
			continue
		}
		// Every proxied operation documents its problem answers.
		for _, code := range []string{"400", "429", "503", "504"} {
			assert.Contains(t, o.Responses, code, name)
		}
		if !o.Public {
			assert.Contains(t, o.Responses, "401", name)
		}
		if len(o.Roles) > 0 {
			assert.Contains(t, o.Responses, "403", name)
		}
		if o.RequestBody != "" {
			assert.Contains(t, o.Responses, "422", name)
		}
	}
}

func TestDocsPageListsEveryOperation(t *testing.T) {
	html, err := openapi.DocsHTML()
	require.NoError(t, err)
	for _, r := range routes.Table() {
		assert.Contains(t, string(html), "<code>"+r.Pattern+"</code>")
	}
}

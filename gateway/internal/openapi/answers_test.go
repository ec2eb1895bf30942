package openapi_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/gateway/internal/openapi"
)

// TestServiceAnswersFitTheDocument checks real answers of the services (recorded through the
// gateway into testdata/answers.json, keyed by schema name, or "name#variant" for another
// answer of the same schema) against the document's schemas, so that a client generated from
// openapi.json can decode what the services send, and so that no field the services send goes
// undocumented. Re-record a sample when a service's answer changes on purpose, and fix the
// document with it.
func TestServiceAnswersFitTheDocument(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(openapi.Document(), &doc))
	raw, err := os.ReadFile("testdata/answers.json")
	require.NoError(t, err)
	var answers map[string]any
	require.NoError(t, json.Unmarshal(raw, &answers))
	require.NotEmpty(t, answers)
	for key, answer := range answers {
		t.Run(key, func(t *testing.T) {
			name, _, _ := strings.Cut(key, "#")
			schema, ok := doc.Components.Schemas[name]
			require.True(t, ok, "no schema %s in openapi.json", name)
			v := validator{schemas: doc.Components.Schemas}
			v.check(name, schema, answer)
			require.Empty(t, v.errs, "the %s answer does not fit its schema", name)
		})
	}
}

// validator checks the subset of JSON Schema the document uses: $ref, type (one or a list),
// properties, required, items, enum, oneOf and allOf. Beyond JSON Schema, it fails every field
// of an answer object that its schema does not document (whatever additionalProperties says),
// so that a field a service adds cannot go unnoticed by the document.
type validator struct {
	schemas map[string]any
	errs    []string
	// lenient skips the undocumented-field check at the top of the value, for the parts of an
	// allOf (their union is checked instead).
	lenient bool
}

// nested checks a value inside the current one; lenient applies to the top only.
func (v *validator) nested(path string, schema, value any) {
	sub := validator{schemas: v.schemas}
	sub.check(path, schema, value)
	v.errs = append(v.errs, sub.errs...)
}

// undocumented fails the fields of value (an object) that no properties of schema, nor of its
// allOf parts and their $refs, name. A schema that lists no properties (a free-form object such
// as a history entry's from/to) documents any field.
func (v *validator) undocumented(path string, schema, value any) {
	obj, ok := value.(map[string]any)
	if !ok {
		return
	}
	known, free := map[string]bool{}, false
	v.collect(schema, known, &free)
	if free {
		return
	}
	for k := range obj {
		if !known[k] {
			v.fail(path, "has field %q, which the document does not list", k)
		}
	}
}

func (v *validator) collect(schema any, known map[string]bool, free *bool) {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		v.collect(v.schemas[strings.TrimPrefix(ref, "#/components/schemas/")], known, free)
		return
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, part := range all {
			v.collect(part, known, free)
		}
		return
	}
	props, ok := s["properties"].(map[string]any)
	if !ok {
		*free = true
		return
	}
	for k := range props {
		known[k] = true
	}
}

func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, path+": "+fmt.Sprintf(format, args...))
}

func (v *validator) check(path string, schema, value any) {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		v.check(path, v.schemas[name], value)
		return
	}
	if all, ok := s["allOf"].([]any); ok {
		// Each part checks its own constraints; the undocumented-field check needs the union of
		// their properties, so it runs here once instead of in each part.
		for _, part := range all {
			sub := validator{schemas: v.schemas, lenient: true}
			sub.check(path, part, value)
			v.errs = append(v.errs, sub.errs...)
		}
		v.undocumented(path, s, value)
		return
	}
	if alts, ok := s["oneOf"].([]any); ok {
		matched := 0
		for _, alt := range alts {
			sub := validator{schemas: v.schemas}
			sub.check(path, alt, value)
			if len(sub.errs) == 0 {
				matched++
			}
		}
		if matched != 1 {
			v.fail(path, "matches %d of the oneOf alternatives, want 1 (value %v)", matched, value)
		}
		return
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, value) {
		v.fail(path, "%v is not one of %v", value, enum)
	}
	if typ, ok := s["type"]; ok && !typeFits(typ, value) {
		v.fail(path, "is %s, the document says %v", kind(value), typ)
		return
	}
	switch val := value.(type) {
	case map[string]any:
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, present := val[r.(string)]; !present {
					v.fail(path, "lacks required %q", r)
				}
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, sub := range props {
			if x, present := val[k]; present {
				v.nested(path+"."+k, sub, x)
			}
		}
		if !v.lenient {
			v.undocumented(path, s, value)
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, x := range val {
				v.nested(fmt.Sprintf("%s[%d]", path, i), items, x)
			}
		}
	}
}

func kind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func typeFits(typ, value any) bool {
	k := kind(value)
	fits := func(t string) bool { return t == k || (t == "number" && k == "integer") }
	switch t := typ.(type) {
	case string:
		return fits(t)
	case []any:
		for _, x := range t {
			if s, _ := x.(string); fits(s) {
				return true
			}
		}
	}
	return false
}

// TestRequestSchemasMatchTheServices fails when a request schema documents a field the owning
// service refuses (a client following the document gets a 422) or omits one it accepts.
func TestRequestSchemasMatchTheServices(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(openapi.Document(), &doc))
	raw, err := os.ReadFile("testdata/request_fields.json")
	require.NoError(t, err)
	var accepted map[string]any
	require.NoError(t, json.Unmarshal(raw, &accepted))
	for name, v := range accepted {
		fields, ok := v.([]any)
		if !ok {
			continue // the comment
		}
		t.Run(name, func(t *testing.T) {
			schema, ok := doc.Components.Schemas[name]
			require.True(t, ok, "no schema %s in openapi.json", name)
			var want, got []string
			for _, f := range fields {
				want = append(want, f.(string))
			}
			for p := range schema.Properties {
				got = append(got, p)
			}
			slices.Sort(want)
			slices.Sort(got)
			require.Equal(t, want, got, "fields of %s: service (want) vs document (got)", name)
		})
	}
}

// TestValidatorFailsUndocumentedFields pins the check that keeps the document complete: a field
// no schema lists fails at the top, inside lists, across allOf and behind a nullable $ref, and
// a free-form object (no properties) takes any field.
func TestValidatorFailsUndocumentedFields(t *testing.T) {
	schemas := map[string]any{}
	require.NoError(t, json.Unmarshal([]byte(`{
	  "Base": {"type": "object", "properties": {"id": {"type": "string"}, "meta": {"type": "object"}}},
	  "Both": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {"n": {"type": "integer"}}}]},
	  "Holder": {"type": "object", "properties": {
	    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Both"}},
	    "one": {"oneOf": [{"$ref": "#/components/schemas/Base"}, {"type": "null"}]}}}
	}`), &schemas))
	tests := []struct {
		name, schema, answer string
		wantErrs             int
	}{
		{"documented", "Base", `{"id": "a", "meta": {"anything": 1}}`, 0},
		{"extra at the top", "Base", `{"id": "a", "extra": 1}`, 1},
		{"allOf union", "Both", `{"id": "a", "n": 2}`, 0},
		{"extra across allOf", "Both", `{"id": "a", "n": 2, "extra": true}`, 1},
		{"extra in a list item", "Holder", `{"items": [{"id": "a"}, {"id": "b", "x": 1}]}`, 1},
		{"extra behind a nullable ref", "Holder", `{"one": {"id": "a", "x": 1}}`, 1},
		{"null behind a nullable ref", "Holder", `{"one": null}`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var answer any
			require.NoError(t, json.Unmarshal([]byte(tc.answer), &answer))
			v := validator{schemas: schemas}
			v.check(tc.schema, schemas[tc.schema], answer)
			assert.Len(t, v.errs, tc.wantErrs, "%v", v.errs)
		})
	}
}

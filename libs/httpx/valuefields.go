package httpx

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/problem"
)

var (
	timeType = reflect.TypeFor[time.Time]()
	uuidType = reflect.TypeFor[uuid.UUID]()
)

// badValueFields finds the fields of dst (by their JSON paths) whose values in raw are not RFC
// 3339 times or not UUIDs. encoding/json reports those from the types' own unmarshalers, without
// the field, so Decode looks the field up here to answer like any other wrong value: a 422
// naming it.
func badValueFields(raw []byte, dst any) *problem.Problem {
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil
	}
	var errs []problem.FieldError
	walkTimes(reflect.TypeOf(dst), tree, "", &errs)
	if len(errs) == 0 {
		return nil
	}
	return problem.Validation(errs...)
}

func walkTimes(t reflect.Type, v any, path string, errs *[]problem.FieldError) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || v == nil {
		return
	}
	switch t {
	case timeType:
		s, ok := v.(string)
		if _, err := time.Parse(time.RFC3339, s); !ok || err != nil {
			*errs = append(*errs, problem.FieldError{Field: path,
				Message: fmt.Sprintf("must be an RFC 3339 time such as 2026-06-01T08:00:00Z, not %s", shortJSON(v))})
		}
		return
	case uuidType:
		s, ok := v.(string)
		if _, err := uuid.Parse(s); !ok || err != nil {
			*errs = append(*errs, problem.FieldError{Field: path, Message: fmt.Sprintf("must be a UUID, not %s", shortJSON(v))})
		}
		return
	}
	if custom(t) {
		return // a type that decodes itself reports its own errors
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, skip := jsonName(f)
			if skip {
				continue
			}
			if f.Anonymous && name == "" {
				walkTimes(f.Type, v, path, errs) // embedded: its fields are the object's
				continue
			}
			if name == "" {
				name = f.Name
			}
			for k, x := range obj {
				if strings.EqualFold(k, name) { // encoding/json matches keys without case
					walkTimes(f.Type, x, join(path, k), errs)
				}
			}
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return
		}
		for i, x := range arr {
			walkTimes(t.Elem(), x, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, x := range obj {
			walkTimes(t.Elem(), x, join(path, k), errs)
		}
	}
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func custom(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler)
}

// jsonName is the JSON key of f ("" for an untagged field) and whether encoding/json skips it.
func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() && !f.Anonymous {
		return "", true
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", true
	}
	name, _, _ := strings.Cut(tag, ",")
	return name, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func shortJSON(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/eventai/eventai/libs/problem"
)

// DefaultMaxBody is the body limit of Decode.
const DefaultMaxBody = 1 << 20

// Decode strictly decodes one JSON value of at most DefaultMaxBody bytes from
// r's body into dst. Bad input comes back as a *problem.Problem: an empty
// body, malformed JSON (with the byte offset) or trailing data → 400; an
// unknown field or a value of the wrong type → 422 naming the field; a body
// over the limit → 413.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	return DecodeLimit(w, r, dst, DefaultMaxBody)
}

// DecodeLimit is Decode with a body limit of maxBytes (e.g. 16 MiB for a
// schedule import).
func DecodeLimit(w http.ResponseWriter, r *http.Request, dst any, maxBytes int64) error {
	if r.Body == nil || r.Body == http.NoBody {
		return problem.BadRequest("request body is empty; send a JSON object")
	}
	// The body is read whole (it is bounded) so that it can be checked for
	// NUL escapes after decoding.
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(maxBytes)
		}
		return problem.BadRequest("cannot read request body: " + err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		// Errors of a value's own unmarshaler (time.Time, uuid.UUID) carry no field name:
		// look the field up so that the answer is a 422 naming it, like any wrong value.
		if !isSyntaxOrType(err) {
			if p := badValueFields(raw, dst); p != nil {
				return p
			}
		}
		return decodeProblem(err, dec, maxBytes)
	}
	// Exactly one JSON value: anything but whitespace after it is an error.
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		if off := nulEscape(raw); off >= 0 {
			return problem.BadRequest(fmt.Sprintf("a string at byte offset %d contains the NUL character (\\u0000), which cannot be stored; remove it", off))
		}
		return nil
	case err == nil:
		return problem.BadRequest(fmt.Sprintf("unexpected data after the JSON value at byte offset %d", dec.InputOffset()-int64(len(extra))))
	default:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(maxBytes)
		}
		return problem.BadRequest(fmt.Sprintf("unexpected data after the JSON value at byte offset %d", dec.InputOffset()))
	}
}

// nulEscape returns the offset of the first \u0000 escape in valid JSON, or
// -1. Postgres text cannot hold U+0000, so such a value would fail in the
// store as a 500. In valid JSON a backslash occurs only inside strings and
// starts a two-byte escape or a \uXXXX, so skipping the byte after each
// backslash keeps an escaped backslash followed by "u0000" from matching.
func nulEscape(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) && string(b[i+2:i+6]) == "0000" {
			return i
		}
		i++ // skip the escaped byte
	}
	return -1
}

// isSyntaxOrType reports the errors decodeProblem names precisely by itself.
func isSyntaxOrType(err error) bool {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	return errors.As(err, &syn) || errors.As(err, &typ) || errors.As(err, &mbe) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || strings.HasPrefix(err.Error(), "json: unknown field ")
}

func decodeProblem(err error, dec *json.Decoder, maxBytes int64) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
		inv *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge(maxBytes)
	case errors.Is(err, io.EOF):
		return problem.BadRequest("request body is empty; send a JSON object")
	case errors.As(err, &syn):
		return problem.BadRequest(fmt.Sprintf("malformed JSON at byte offset %d: %s", syn.Offset, syn.Error()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problem.BadRequest(fmt.Sprintf("malformed JSON: body ends early at byte offset %d", dec.InputOffset()))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return problem.Validation(problem.FieldError{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)})
	case errors.As(err, &inv):
		return fmt.Errorf("decode JSON: %w", err) // programming error: a 500
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return problem.Validation(problem.FieldError{Field: strings.Trim(name, `"`), Message: "unknown field"})
	}
	return problem.BadRequest("cannot read request body: " + err.Error())
}

func tooLarge(maxBytes int64) *problem.Problem {
	p := problem.New(problem.TypeBadRequest, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", maxBytes))
	return p
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	default:
		return "a " + k
	}
}

// JSON writes v as a JSON response with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v == nil || status == http.StatusNoContent {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError renders err: a *problem.Problem as itself, anything else as a
// 500 problem whose detail hides the cause (which callers should log).
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Problem
	if errors.As(err, &p) {
		problem.Write(w, r, p)
		return
	}
	problem.Write(w, r, problem.Internal("internal error"))
}

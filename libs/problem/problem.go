// Package problem writes RFC 9457 problem details (application/problem+json)
// with the stable type URIs every EventAI service shares.
package problem

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Stable problem type URIs; clients and checks match on these, so never rename them.
const (
	TypeValidation   = "/problems/validation"
	TypeBadRequest   = "/problems/bad-request"
	TypeUnauthorized = "/problems/unauthorized"
	TypeForbidden    = "/problems/forbidden"
	TypeNotFound     = "/problems/not-found"
	TypeConflict     = "/problems/conflict"
	TypeRateLimited  = "/problems/rate-limited"
	TypeUnavailable  = "/problems/unavailable"
	TypeInternal     = "/problems/internal"
)

// ContentType is the media type of a problem document.
const ContentType = "application/problem+json"

// FieldError names one invalid input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem document; it doubles as an error so that
// handlers can return it and have it rendered in one place.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// Error implements error.
func (p *Problem) Error() string {
	if p.Detail != "" {
		return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
	}
	return fmt.Sprintf("%d %s", p.Status, p.Title)
}

// Write renders p with instance set to the request path. A nil p is rendered
// as an internal error rather than panicking.
func Write(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p == nil {
		p = Internal("")
	}
	out := *p
	if out.Status == 0 {
		out.Status = http.StatusInternalServerError
	}
	if out.Type == "" {
		out.Type = TypeInternal
	}
	if out.Title == "" {
		out.Title = http.StatusText(out.Status)
	}
	if r != nil && out.Instance == "" {
		out.Instance = r.URL.Path
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(out.Status)
	_ = json.NewEncoder(w).Encode(out)
}

// New builds a problem of the given type, status and detail with the standard title.
func New(typ string, status int, detail string) *Problem {
	return &Problem{Type: typ, Title: http.StatusText(status), Status: status, Detail: detail}
}

// Validation is a 422 listing each invalid field.
func Validation(errs ...FieldError) *Problem {
	p := New(TypeValidation, http.StatusUnprocessableEntity, "the request has invalid fields")
	p.Title = "Validation failed"
	p.Errors = errs
	return p
}

// Unprocessable is a 422 for a rule violation that is not about one field. It
// keeps the validation type (the stable list has no other 422) with no errors.
func Unprocessable(detail string) *Problem {
	return New(TypeValidation, http.StatusUnprocessableEntity, detail)
}

// BadRequest is a 400 for input that cannot be parsed.
func BadRequest(detail string) *Problem {
	return New(TypeBadRequest, http.StatusBadRequest, detail)
}

// Unauthorized is a 401 for a missing or invalid credential.
func Unauthorized(detail string) *Problem {
	return New(TypeUnauthorized, http.StatusUnauthorized, detail)
}

// Forbidden is a 403 for a caller whose role does not allow the action.
func Forbidden(detail string) *Problem {
	return New(TypeForbidden, http.StatusForbidden, detail)
}

// NotFound is a 404, also used for objects of another company.
func NotFound(detail string) *Problem {
	return New(TypeNotFound, http.StatusNotFound, detail)
}

// Conflict is a 409 for taken names and stale versions.
func Conflict(detail string) *Problem {
	return New(TypeConflict, http.StatusConflict, detail)
}

// RateLimited is a 429.
func RateLimited(detail string) *Problem {
	return New(TypeRateLimited, http.StatusTooManyRequests, detail)
}

// Unavailable is a 503 for a dependency that is down.
func Unavailable(detail string) *Problem {
	return New(TypeUnavailable, http.StatusServiceUnavailable, detail)
}

// Internal is a 500; detail should never leak internals to clients.
func Internal(detail string) *Problem {
	return New(TypeInternal, http.StatusInternalServerError, detail)
}

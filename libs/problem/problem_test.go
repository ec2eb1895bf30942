package problem

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriteRendersRFC9457(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/admin/users?x=1", nil)
	Write(rec, req, Validation(FieldError{Field: "email", Message: "required"}))

	if rec.Code != 422 {
		t.Fatalf("status = %d, want 422", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type = %q", ct)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["type"] != "/problems/validation" || got["instance"] != "/admin/users" || got["status"] != float64(422) {
		t.Fatalf("body = %v", got)
	}
	errs, _ := got["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["field"] != "email" {
		t.Fatalf("errors = %v", got["errors"])
	}
}

func TestConstructorsStatusAndType(t *testing.T) {
	cases := []struct {
		p      *Problem
		status int
		typ    string
	}{
		{BadRequest("x"), 400, "/problems/bad-request"},
		{Unauthorized("x"), 401, "/problems/unauthorized"},
		{Forbidden("x"), 403, "/problems/forbidden"},
		{NotFound("x"), 404, "/problems/not-found"},
		{Conflict("x"), 409, "/problems/conflict"},
		{Unprocessable("x"), 422, "/problems/validation"},
		{RateLimited("x"), 429, "/problems/rate-limited"},
		{Unavailable("x"), 503, "/problems/unavailable"},
		{Internal("x"), 500, "/problems/internal"},
	}
	for _, c := range cases {
		if c.p.Status != c.status || c.p.Type != c.typ {
			t.Errorf("%s: got %d %s", c.typ, c.p.Status, c.p.Type)
		}
		rec := httptest.NewRecorder()
		Write(rec, httptest.NewRequest("GET", "/a", nil), c.p)
		if rec.Code != c.status {
			t.Errorf("%s: wrote %d", c.typ, rec.Code)
		}
	}
}

func TestNilProblemIsInternal(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, httptest.NewRequest("GET", "/a", nil), nil)
	if rec.Code != 500 {
		t.Fatalf("status = %d", rec.Code)
	}
}

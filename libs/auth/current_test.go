package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/problem"
)

func TestCurrent(t *testing.T) {
	gone := uuid.New()
	errGone := errors.New("caller deleted")
	check := func(_ context.Context, p auth.Principal) error {
		if p.UserID == gone {
			return errGone
		}
		return nil
	}
	var failed error
	fail := func(w http.ResponseWriter, _ *http.Request, err error) {
		failed = err
		w.WriteHeader(http.StatusTeapot)
	}
	h := auth.Current(check, fail)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))

	for _, tc := range []struct {
		name      string
		principal *auth.Principal
		status    int
		check     func(error) bool
	}{
		{"current caller passes", &auth.Principal{UserID: uuid.New(), Role: "staff"}, http.StatusNoContent, func(err error) bool { return err == nil }},
		{"refused caller gets the check's error", &auth.Principal{UserID: gone, Role: "staff"}, http.StatusTeapot, func(err error) bool { return errors.Is(err, errGone) }},
		{"no principal is a 401 problem", nil, http.StatusTeapot, func(err error) bool {
			var p *problem.Problem
			return errors.As(err, &p) && p.Status == http.StatusUnauthorized
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failed = nil
			r := httptest.NewRequest("GET", "/x", nil)
			if tc.principal != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), *tc.principal))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status || !tc.check(failed) {
				t.Fatalf("status %d, fail(%v)", w.Code, failed)
			}
		})
	}
}

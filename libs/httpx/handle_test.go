package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/eventai/eventai/libs/httpx"
)

func TestHandleWrapsEveryRouteOutermostFirst(t *testing.T) {
	tag := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("X-Order", name)
				next.ServeHTTP(w, r)
			})
		}
	}
	mux := http.NewServeMux()
	httpx.Handle(mux, map[string]http.HandlerFunc{
		"GET /a":       func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("a")) },
		"POST /b/{id}": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("b" + r.PathValue("id"))) },
	}, tag("outer"), tag("inner"))

	for _, tc := range []struct{ method, path, body string }{{"GET", "/a", "a"}, {"POST", "/b/7", "b7"}} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if got := strings.Join(w.Header().Values("X-Order"), ","); got != "outer,inner" || w.Body.String() != tc.body {
			t.Errorf("%s %s: order %q body %q", tc.method, tc.path, got, w.Body.String())
		}
	}
}

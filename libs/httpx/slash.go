package httpx

import (
	"net/http"
	"strings"

	"github.com/eventai/eventai/libs/problem"
)

// StripSlash serves "/a/b/" as "/a/b" (one trailing slash removed; "/" is
// left alone), so routes registered without the slash also match with it.
// The mux's matched pattern is copied back to r so Middleware still labels
// the request by route.
func StripSlash(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) <= 1 || !strings.HasSuffix(r.URL.Path, "/") {
			h.ServeHTTP(w, r)
			return
		}
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = strings.TrimSuffix(u.Path, "/")
		if u.RawPath != "" {
			u.RawPath = strings.TrimSuffix(u.RawPath, "/")
		}
		r2.URL = &u
		r2.RequestURI = u.RequestURI()
		h.ServeHTTP(w, r2)
		r.Pattern = r2.Pattern
	})
}

// NotFound answers every request with a 404 problem; register it as the
// mux's catch-all ("/") so unknown routes get a problem, not plain text. It
// clears r.Pattern so Middleware labels these requests "unmatched" rather
// than "/" (one label for every scanner path).
func NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Pattern = ""
		problem.Write(w, r, problem.NotFound("no such route"))
	})
}

package auth

import (
	"context"
	"net/http"

	"github.com/eventai/eventai/libs/problem"
)

// Current returns middleware, placed after Middleware, that lets a request through only while its
// caller is still who the token says: check looks the principal up in the service's users read
// model (deleted, inactive or re-roled since the token was issued), and fail answers its error,
// so the status is still chosen in the service's one error mapping. A request without a principal
// fails with a 401 problem.
func Current(check func(ctx context.Context, p Principal) error, fail func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := FromContext(r.Context())
			if !ok {
				fail(w, r, problem.Unauthorized("a bearer token is required"))
				return
			}
			if err := check(r.Context(), p); err != nil {
				fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

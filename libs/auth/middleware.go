package auth

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Middleware requires a valid access token in the Authorization header and puts its Principal
// into the request context; anything else gets a 401 problem with a Bearer challenge.
func Middleware(v *Verifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, ok := bearer(r.Header.Get("Authorization"))
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="eventai"`)
				writeProblem(w, http.StatusUnauthorized, "/problems/unauthorized", "Unauthorized", "a bearer access token is required")
				return
			}
			c, err := v.Verify(r.Context(), raw, TypeAccess)
			var p Principal
			if err == nil {
				p, err = c.Principal()
			}
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="eventai", error="invalid_token"`)
				writeProblem(w, http.StatusUnauthorized, "/problems/unauthorized", "Unauthorized", "the access token is invalid or expired")
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

// RequireRole lets through principals with one of roles (admin always passes, as in the route
// table); others get a 403 problem, and requests without a principal a 401.
func RequireRole(roles ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := FromContext(r.Context())
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="eventai"`)
				writeProblem(w, http.StatusUnauthorized, "/problems/unauthorized", "Unauthorized", "a bearer access token is required")
				return
			}
			if p.Role != RoleAdmin && !slices.Contains(roles, p.Role) {
				writeProblem(w, http.StatusForbidden, "/problems/forbidden", "Forbidden", "your role may not use this route")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// writeProblem writes an RFC 9457 body. libs/auth keeps its own tiny writer so it does not
// depend on the rest of libs; the shape matches libs/problem.
func writeProblem(w http.ResponseWriter, status int, typ, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": typ, "title": title, "status": status, "detail": detail})
}

package httpx

import "net/http"

// Handle registers every pattern of routes on mux, each handler wrapped in mw (the first is the
// outermost), so that no route of a service can miss its authentication.
func Handle(mux *http.ServeMux, routes map[string]http.HandlerFunc, mw ...func(http.Handler) http.Handler) {
	for pattern, fn := range routes {
		var h http.Handler = fn
		for i := len(mw) - 1; i >= 0; i-- {
			h = mw[i](h)
		}
		mux.Handle(pattern, h)
	}
}

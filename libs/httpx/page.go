package httpx

import (
	"net/http"
	"strconv"

	"github.com/eventai/eventai/libs/problem"
)

// Page size bounds of every list endpoint.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	// maxCursor bounds the opaque cursor so it cannot carry a huge payload.
	maxCursor = 512
)

// Page reads ?limit= (default 50; values above 200 are capped at 200) and the
// opaque ?cursor=. A limit that is not a positive integer, or an oversized
// cursor, is a 400 problem.
func Page(r *http.Request) (limit int, cursor string, err error) {
	q := r.URL.Query()
	limit = DefaultLimit
	if s := q.Get("limit"); s != "" {
		n, convErr := strconv.Atoi(s)
		if convErr != nil || n < 1 {
			return 0, "", problem.BadRequest("limit must be an integer between 1 and 200")
		}
		limit = min(n, MaxLimit)
	}
	cursor = q.Get("cursor")
	if len(cursor) > maxCursor {
		return 0, "", problem.BadRequest("cursor is not valid")
	}
	return limit, cursor, nil
}

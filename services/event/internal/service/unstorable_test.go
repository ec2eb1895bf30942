package service_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Postgres text holds neither NUL nor invalid UTF-8. Such input in a body or a
// filter used to fail in the store as a 500; it must be a 400 problem and
// write nothing.
func TestUnstorableTextIsBadRequest(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)

	body := eventBody(w.company)
	body["title"] = "a\u0000b"
	r := e.do(w.org, "POST", "/organizer/events", body)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Raw))
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM events`))

	for _, path := range []string{
		"/organizer/events?q=%00",
		"/organizer/events?q=%ff%fe",
		"/organizer/events/" + id + "/sessions?room=%00",
	} {
		r := e.do(w.org, "GET", path, nil)
		require.Equal(t, http.StatusBadRequest, r.Status, path+" "+string(r.Raw))
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), path)
	}
}

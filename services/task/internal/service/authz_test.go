package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// TestAuthorizationTable: every route × every role of company A against company B's objects
// answers 404 (another company) or 403 (wrong role), and nothing changes in the database.
func TestAuthorizationTable(t *testing.T) {
	h := newHarness(t)
	a, b := h.newWorld(), h.newWorld()
	orgB, mgrB := h.token("organizer", b.organizer), h.token("manager", b.manager)
	h.caughtUp()

	// Company B: an approved task of B's staff and a suggestion with a proposed task.
	r := h.do("POST", "/organizer/events/"+b.event.String()+"/tasks", orgB, manualTask("B task", 9, 10))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	taskB := r.json(t)["id"].(string)
	r = h.do("PUT", "/manager/tasks/"+taskB, mgrB, map[string]any{"version": 1, "assignee_id": b.staff})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	sugB := uuid.New()
	h.suggest(b, sugB, proposal(uuid.New(), "B proposal", 11, 12, &b.staff))
	h.caughtUp()

	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/organizer/events/" + b.event.String() + "/tasks", nil},
		{"POST", "/organizer/events/" + b.event.String() + "/tasks", manualTask("sneaky", 9, 10)},
		{"GET", "/organizer/tasks/" + taskB, nil},
		{"PUT", "/organizer/tasks/" + taskB, map[string]any{"version": 2, "title": "pwned"}},
		{"DELETE", "/organizer/tasks/" + taskB, nil},
		{"GET", "/manager/events/" + b.event.String() + "/tasks", nil},
		{"GET", "/manager/tasks/" + taskB, nil},
		{"PUT", "/manager/tasks/" + taskB, map[string]any{"version": 2, "approval": "rejected"}},
		{"POST", "/manager/suggestions/" + sugB.String() + "/approve", map[string]any{}},
		{"GET", "/staff/tasks/" + taskB, nil},
		{"PUT", "/staff/tasks/" + taskB, map[string]any{"version": 2, "status": "done"}},
		{"GET", "/tasks/" + taskB + "/history", nil},
	}
	actors := map[string]string{
		"organizer": h.token("organizer", a.organizer),
		"manager":   h.token("manager", a.manager),
		"staff":     h.token("staff", a.staff),
		"unknown":   h.token("guest", uuid.New()),
	}
	before := h.fingerprint()
	for role, tok := range actors {
		for _, rt := range routes {
			r := h.do(rt.method, rt.path, tok, rt.body)
			require.Contains(t, []int{http.StatusNotFound, http.StatusForbidden}, r.status, "%s %s %s → %d %s", role, rt.method, rt.path, r.status, r.body)
			require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
		}
	}
	require.Equal(t, before, h.fingerprint(), "a refused request changed the database")
	// Staff of A do not see B's task in their list either.
	require.Empty(t, h.do("GET", "/staff/tasks", actors["staff"], nil).json(t)["items"])

	// Positive control: B's own people and an admin get through on the same routes.
	require.Equal(t, http.StatusOK, h.do("GET", "/organizer/tasks/"+taskB, orgB, nil).status)
	require.Equal(t, http.StatusOK, h.do("GET", "/staff/tasks/"+taskB, h.token("staff", b.staff), nil).status)
	require.Equal(t, http.StatusOK, h.do("GET", "/manager/tasks/"+taskB, h.token("admin", uuid.New()), nil).status)
}

// fingerprint summarises every row the routes could change.
func (h *harness) fingerprint() string {
	return h.str(`SELECT md5(coalesce((SELECT string_agg(t::text, '|' ORDER BY id) FROM tasks t), '')) || ':' ||
		(SELECT count(*) FROM task_history) || ':' || (SELECT count(*) FROM outbox)`)
}

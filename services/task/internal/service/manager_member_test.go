package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// A manager works for the companies they belong to: once the admin takes them out of the
// event's company, being listed in the event's manager_ids no longer opens its tasks (404).
func TestManagerMovedOutOfTheCompanyLosesItsEvents(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org := h.token("organizer", w.organizer)
	mgr := h.token("manager", w.manager)
	h.caughtUp()
	r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, manualTask("Desk", 9, 10))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	id := r.json(t)["id"].(string)
	require.Equal(t, http.StatusOK, h.do("GET", "/manager/tasks/"+id, mgr, nil).status)

	h.user(w.manager, "manager", []uuid.UUID{uuid.New()}, nil, nil, 8, 5) // now in another company
	h.caughtUp()
	require.Equal(t, http.StatusNotFound, h.do("GET", "/manager/tasks/"+id, mgr, nil).status)
	require.Equal(t, http.StatusNotFound, h.do("GET", "/manager/events/"+w.event.String()+"/tasks", mgr, nil).status)
	require.Equal(t, http.StatusNotFound, h.do("PUT", "/manager/tasks/"+id, mgr, map[string]any{"version": 1, "title": "x"}).status)
	require.Equal(t, http.StatusNotFound, h.do("GET", "/tasks/"+id+"/history", mgr, nil).status)
	require.Equal(t, "Desk", h.str(`SELECT title FROM tasks WHERE id = $1`, id))
}

package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/task/internal/events"
)

// Access tokens live 15 minutes and cannot be revoked. Once identity announces that a user was
// deleted, deactivated or given another role, that user's old token must stop acting here: a
// deleted admin must not delete tasks, a demoted manager must not approve them.
func TestTokensOfRemovedOrDemotedUsersStopActing(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org := h.token("organizer", w.organizer)
	h.caughtUp()
	r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, manualTask("Desk", 9, 10))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	id := r.json(t)["id"].(string)

	gone := uuid.New()
	h.user(gone, "admin", nil, nil, nil, 0, 1)
	h.publish(events.UsersTopic, gone, "user.deleted", map[string]any{"id": gone})
	h.user(w.manager, "staff", []uuid.UUID{w.company}, nil, nil, 8, 2) // demoted
	h.caughtUp()

	require.Equal(t, http.StatusUnauthorized, h.do("DELETE", "/organizer/tasks/"+id, h.token("admin", gone), nil).status)
	require.Equal(t, http.StatusForbidden, h.do("PUT", "/manager/tasks/"+id, h.token("manager", w.manager),
		map[string]any{"version": 1, "title": "x"}).status)
	require.Equal(t, 1, h.count(`SELECT count(*) FROM tasks WHERE id = $1 AND deleted_at IS NULL AND title = 'Desk'`, id))
	// Unknown users act on their token alone; the organizer is unaffected.
	require.Equal(t, http.StatusOK, h.do("GET", "/organizer/tasks/"+id, h.token("admin", uuid.New()), nil).status)
	require.Equal(t, http.StatusOK, h.do("GET", "/organizer/tasks/"+id, org, nil).status)
}

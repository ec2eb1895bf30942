package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// Access tokens live 15 minutes and cannot be revoked. Once identity announces that a user was
// deleted, deactivated or given another role, that user's old token must stop acting here: a
// deleted admin must not delete events.
func TestTokensOfRemovedOrDemotedUsersStopActing(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)

	gone, demoted, off := e.login("admin"), e.login("admin"), e.login("organizer")
	e.publishUser(gone)
	e.publishUser(demoted)
	e.publishUser(off, w.company)
	e.publish("identity.users.v1", "identity", "user.deleted", gone.ID.String(), map[string]any{"id": gone.ID.String()})
	demoted.Role = "staff"
	e.publishUser(demoted) // a newer snapshot: role staff
	demoted.Role = "admin" // the old token still says admin
	e.publish("identity.users.v1", "identity", "user.updated", off.ID.String(), map[string]any{
		"id": off.ID.String(), "role": "organizer", "company_ids": []string{w.company}, "is_active": false, "version": 1 << 62})

	// A miss (an unknown company) makes the consumer catch up with the messages above; the check
	// does not wait for users it has never heard of.
	require.Equal(t, http.StatusNotFound, e.do(w.org, "POST", "/organizer/events", eventBody(uuid.NewString())).Status)

	require.Equal(t, http.StatusUnauthorized, e.do(gone, "DELETE", "/organizer/events/"+id, nil).Status)
	require.Equal(t, http.StatusForbidden, e.do(demoted, "DELETE", "/organizer/events/"+id, nil).Status)
	require.Equal(t, http.StatusUnauthorized, e.do(off, "GET", "/organizer/events", nil).Status)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM events WHERE id = $1`, id), "the event is still there")
	// A late snapshot does not revive the deleted admin; unknown users still act on their token.
	e.publishUser(gone)
	require.Equal(t, http.StatusNotFound, e.do(w.org, "POST", "/organizer/events", eventBody(uuid.NewString())).Status)
	require.Equal(t, http.StatusUnauthorized, e.do(gone, "GET", "/organizer/events/"+id, nil).Status)
	require.Equal(t, http.StatusOK, e.do(w.org, "GET", "/organizer/events/"+id, nil).Status)
	require.Equal(t, http.StatusOK, e.do(e.login("admin"), "GET", "/organizer/events/"+id, nil).Status)
}

package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// Access tokens live 15 minutes and cannot be revoked. Once identity announces that a user was
// deleted, deactivated or given another role, that user's old token must stop acting here on
// every route: a removed manager must not read the suggestion, a removed organizer must not ask
// for one.
func TestTokensOfRemovedOrDemotedUsersStopActing(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(2, 0, 0)
	gone, demoted, off := e.login("manager"), e.login("manager"), e.login("manager")
	goneOrg := e.login("organizer")
	for _, u := range []user{gone, demoted, off, goneOrg} {
		e.publishUser(u, []string{w.company}, nil, nil, 0, true)
	}
	event := uuid.NewString()
	e.publishEvent(event, w.company, w.start, w.end, "Europe/Berlin", gone.ID.String(), demoted.ID.String(), off.ID.String())
	r := e.do(w.org, "POST", "/organizer/events/"+event+"/ai/suggest", map[string]any{"mode": "plan", "time_limit_ms": 100})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	read := "/manager/suggestions/" + id
	for _, u := range []user{gone, demoted, off} {
		require.Equal(t, http.StatusOK, e.do(u, "GET", read, nil).Status, "before the change")
	}
	require.Equal(t, http.StatusOK, e.do(goneOrg, "GET", "/organizer/suggestions/"+id, nil).Status, "before the change")

	e.publish("identity.users.v1", "identity", "user.deleted", gone.ID.String(), map[string]any{"id": gone.ID.String()})
	e.publish("identity.users.v1", "identity", "user.deleted", goneOrg.ID.String(), map[string]any{"id": goneOrg.ID.String()})
	e.publishUser(user{ID: demoted.ID, Role: "staff"}, []string{w.company}, nil, nil, 0, true)
	e.publishUser(off, []string{w.company}, nil, nil, 0, false)
	// A miss (an unknown event) makes the consumer catch up with the messages above; the
	// check itself catches up only when it refuses.
	require.Equal(t, http.StatusNotFound, e.do(w.org, "GET", "/organizer/events/"+uuid.NewString()+"/suggestions", nil).Status)

	for _, tc := range []struct {
		who    user
		method string
		path   string
		status int
	}{
		{gone, "GET", read, http.StatusUnauthorized},
		{gone, "GET", read + "/", http.StatusUnauthorized},
		{off, "GET", read, http.StatusUnauthorized},
		{demoted, "GET", read, http.StatusForbidden},
		{goneOrg, "GET", "/organizer/suggestions/" + id, http.StatusUnauthorized},
		{goneOrg, "GET", "/organizer/events/" + event + "/suggestions", http.StatusUnauthorized},
		{goneOrg, "POST", "/organizer/events/" + event + "/ai/suggest", http.StatusUnauthorized},
		// Unknown ids answer the same: the caller is refused before the object is looked up.
		{gone, "GET", "/manager/suggestions/" + uuid.NewString(), http.StatusUnauthorized},
	} {
		var body any
		if tc.method == "POST" {
			body = map[string]any{"mode": "plan", "time_limit_ms": 100}
		}
		r := e.do(tc.who, tc.method, tc.path, body)
		require.Equal(t, tc.status, r.Status, "%s %s: %s", tc.method, tc.path, r.Raw)
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
		if tc.status == http.StatusUnauthorized {
			require.Equal(t, "the account was deactivated or deleted", r.Body["detail"])
		}
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM suggestions`), "the removed organizer created nothing")

	// A late snapshot does not revive the deleted manager.
	e.publishUser(gone, []string{w.company}, nil, nil, 0, true)
	require.Equal(t, http.StatusNotFound, e.do(w.org, "GET", "/organizer/events/"+uuid.NewString()+"/suggestions", nil).Status)
	require.Equal(t, http.StatusUnauthorized, e.do(gone, "GET", read, nil).Status)

	// Reactivation counts at once: the refusal catches up first (no request in between).
	e.publishUser(off, []string{w.company}, nil, nil, 0, true)
	require.Equal(t, http.StatusOK, e.do(off, "GET", read, nil).Status)
	// Users the read model has never heard of act on their token.
	require.Equal(t, http.StatusOK, e.do(e.login("admin"), "GET", read, nil).Status)
	require.Equal(t, http.StatusOK, e.do(w.org, "GET", "/organizer/suggestions/"+id, nil).Status)
}

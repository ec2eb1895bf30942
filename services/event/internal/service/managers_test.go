package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// An event's managers work for the event's company: an organizer cannot make another company's
// manager the manager of their event (that manager would then read the event's tasks and staff,
// and the answer would tell the organizer which foreign ids are managers). Create and update both
// answer 422 naming the id, and nothing changes.
func TestManagersMustBeMembersOfTheEventsCompany(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	other := e.world() // another company with its own manager
	id := e.createEvent(w)

	r := e.do(w.org, "POST", "/organizer/events", eventBody(w.company, other.mgr.ID.String()))
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, []string{"manager_ids[0]"}, fieldsOf(r))

	r = e.do(w.org, "PUT", "/organizer/events/"+id, map[string]any{"version": 1,
		"manager_ids": []string{w.mgr.ID.String(), other.mgr.ID.String()}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, []string{"manager_ids[1]"}, fieldsOf(r))
	require.Equal(t, http.StatusNotFound, e.do(other.mgr, "GET", "/manager/events/"+id, nil).Status)

	r = e.do(w.org, "PUT", "/organizer/events/"+id, map[string]any{"version": 1, "manager_ids": []string{w.mgr.ID.String()}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
}

// A manager moved out of the event's company stays in its manager_ids, but no longer sees it.
func TestManagerMovedOutOfTheCompanyLosesItsEvents(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)
	require.Equal(t, http.StatusOK, e.do(w.mgr, "GET", "/manager/events/"+id, nil).Status)

	e.publishUser(w.mgr, e.world().company) // now a member of another company only
	// A miss (an unknown company) makes the consumer catch up with the move.
	require.Equal(t, http.StatusNotFound, e.do(w.org, "POST", "/organizer/events", eventBody(uuid.NewString())).Status)

	require.Equal(t, http.StatusNotFound, e.do(w.mgr, "GET", "/manager/events/"+id, nil).Status)
	require.Equal(t, http.StatusNotFound, e.do(w.mgr, "GET", "/manager/events/"+id+"/teams", nil).Status)
	r := e.do(w.mgr, "GET", "/manager/events", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Empty(t, r.Body["items"])
}

package service_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// A team's lead is one of its people: a lead outside member_ids is a 422 naming lead_id, on the
// organizer's create and edit and on the manager's edit, and nothing changes.
func TestTeamLeadMustBeAMember(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)
	other := e.login("staff")
	e.publishUser(other, w.company)

	r := e.do(w.org, "POST", "/organizer/events/"+id+"/teams", map[string]any{"name": "Desk",
		"lead_id": other.ID.String(), "member_ids": []string{w.staff.ID.String()}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, []string{"lead_id"}, fieldsOf(r))

	r = e.do(w.org, "POST", "/organizer/events/"+id+"/teams", map[string]any{"name": "Desk",
		"lead_id": w.staff.ID.String(), "member_ids": []string{w.staff.ID.String()}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	team := r.Body["id"].(string)

	r = e.do(w.org, "PUT", "/organizer/events/"+id+"/teams/"+team, map[string]any{"version": 1, "lead_id": other.ID.String()})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	require.Equal(t, []string{"lead_id"}, fieldsOf(r))
	r = e.do(w.mgr, "PUT", "/manager/teams/"+team, map[string]any{"version": 1, "lead_id": other.ID.String()})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	r = e.do(w.org, "PUT", "/organizer/events/"+id+"/teams/"+team, map[string]any{"version": 1, "member_ids": []string{other.ID.String()}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "dropping the lead from the members: "+string(r.Raw))
	require.Equal(t, 1, e.count(`SELECT version FROM teams WHERE id = $1`, team))

	// Both at once is fine.
	r = e.do(w.mgr, "PUT", "/manager/teams/"+team, map[string]any{"version": 1, "lead_id": other.ID.String(),
		"member_ids": []string{w.staff.ID.String(), other.ID.String()}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, other.ID.String(), r.Body["lead_id"])
}

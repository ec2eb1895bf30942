package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestAuthorisationPerObject(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(4, 0, 0)
	other := e.login("organizer")
	otherCompany := e.publishCompany(other)
	otherMgr := e.login("manager")
	e.publishUser(otherMgr, []string{otherCompany}, nil, nil, 0, true)
	staff := e.login("staff")
	admin := e.login("admin")

	suggest := "/organizer/events/" + w.event + "/ai/suggest"
	body := map[string]any{"time_limit_ms": 100}
	require.Equal(t, http.StatusNotFound, e.do(other, "POST", suggest, body).Status, "another company's event")
	require.Equal(t, http.StatusForbidden, e.do(staff, "POST", suggest, body).Status)
	require.Equal(t, http.StatusForbidden, e.do(staff, "POST", suggest, map[string]any{"mode": "x"}).Status, "the role before the body")
	require.Equal(t, http.StatusForbidden, e.do(w.mgr, "POST", suggest, body).Status)
	require.Equal(t, http.StatusUnauthorized, e.do(user{}, "POST", suggest, body).Status)
	require.Equal(t, http.StatusNotFound, e.do(w.org, "POST", "/organizer/events/not-a-uuid/ai/suggest", body).Status)
	require.Equal(t, http.StatusNotFound, e.do(w.org, "POST", "/organizer/events/"+uuid.NewString()+"/ai/suggest", body).Status)

	r := e.do(admin, "POST", suggest, body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	id := r.Body["id"].(string)

	for _, tc := range []struct {
		who    user
		path   string
		status int
	}{
		{w.org, "/organizer/suggestions/" + id, 200},
		{admin, "/organizer/suggestions/" + id, 200},
		{other, "/organizer/suggestions/" + id, 404},
		{w.mgr, "/organizer/suggestions/" + id, 403},
		{w.mgr, "/manager/suggestions/" + id, 200},
		{w.mgr, "/manager/suggestions/" + id + "/", 200},
		{admin, "/manager/suggestions/" + id, 200},
		{otherMgr, "/manager/suggestions/" + id, 404},
		{w.org, "/manager/suggestions/" + id, 403},
		{staff, "/manager/suggestions/" + id, 403},
		{w.org, "/organizer/suggestions/" + uuid.NewString(), 404},
		{w.org, "/organizer/suggestions/nope", 404},
		{w.org, "/organizer/events/" + w.event + "/suggestions", 200},
		{other, "/organizer/events/" + w.event + "/suggestions", 404},
		{w.org, "/no/such/route", 404},
	} {
		r := e.do(tc.who, "GET", tc.path, nil)
		require.Equal(t, tc.status, r.Status, "%s %s: %s", tc.who.Role, tc.path, r.Raw)
		if r.Status >= 400 {
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), tc.path)
		}
	}
}

func TestSuggestValidation(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(3, 0, 0)
	manager := w.mgr.ID.String()
	outsider := e.login("staff")
	e.publishUser(outsider, []string{e.publishCompany(e.login("organizer"))}, map[string]int{"av": 5}, nil, 8, true)
	inactive := e.login("staff")
	e.publishUser(inactive, []string{w.company}, map[string]int{"av": 5}, nil, 8, false)

	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"unknown mode", map[string]any{"mode": "everything"}, 422, []string{"mode"}},
		{"time limit too long", map[string]any{"time_limit_ms": 60001}, 422, []string{"time_limit_ms"}},
		{"time limit not a number", map[string]any{"time_limit_ms": "soon"}, 422, []string{"time_limit_ms"}},
		{"negative seed", map[string]any{"seed": -1}, 422, []string{"seed"}},
		{"staff id malformed", map[string]any{"staff_ids": []string{"x"}}, 422, []string{"staff_ids[0]"}},
		{"a manager is not staff", map[string]any{"staff_ids": []string{w.staff[0].ID.String(), manager}}, 422, []string{"staff_ids[1]"}},
		{"staff of another company", map[string]any{"staff_ids": []string{outsider.ID.String()}}, 422, []string{"staff_ids[0]"}},
		{"inactive staff", map[string]any{"staff_ids": []string{inactive.ID.String()}}, 422, []string{"staff_ids[0]"}},
		{"unknown person", map[string]any{"staff_ids": []string{uuid.NewString()}}, 422, []string{"staff_ids[0]"}},
		{"mass assignment", map[string]any{"status": "approved"}, 422, []string{"status"}},
		{"malformed JSON", `{"mode": `, 400, nil},
		{"trailing data", `{} {}`, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", tt.body)
			require.Equal(t, tt.status, r.Status, string(r.Raw))
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
			require.Equal(t, tt.fields, fieldsOf(r))
		})
	}
	require.Equal(t, 0, e.count(`SELECT count(*) FROM suggestions`), "nothing stored")
	require.Equal(t, 0, e.count(`SELECT count(*) FROM outbox`), "nothing published")

	// No body at all asks for the defaults; the listed staff are the only candidates.
	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", nil)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, "plan_and_assign", r.Body["mode"])
	only := w.staff[1].ID.String()
	r = e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"staff_ids": []string{only}, "time_limit_ms": 100})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	for _, raw := range r.Body["tasks"].([]any) {
		if a, ok := raw.(map[string]any)["assignee_id"].(string); ok {
			require.Equal(t, only, a)
		}
	}
}

// A staff member added a moment ago, and a deactivated one, count at once (no sleep between
// the announcement and the request).
func TestStaffChangesCountAtOnce(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(0, 0, 0)
	newcomer := e.login("staff")
	e.publishUser(newcomer, []string{w.company}, map[string]int{"registration": 5, "infodesk": 5, "catering": 5}, nil, 10, true)
	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"staff_ids": []string{newcomer.ID.String()}, "time_limit_ms": 100})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Positive(t, r.Body["metrics"].(map[string]any)["assigned"])

	e.publishUser(newcomer, []string{w.company}, nil, nil, 0, false)
	r = e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"staff_ids": []string{newcomer.ID.String()}})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
	r = e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"time_limit_ms": 100})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.EqualValues(t, 0, r.Body["metrics"].(map[string]any)["assigned"], "nobody is staff any more")
	for _, raw := range r.Body["unassigned"].([]any) {
		require.NotEmpty(t, raw.(map[string]any)["reasons"])
	}
}

func TestManagerMovedToAnotherCompanyLosesTheEvent(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(2, 0, 0)
	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"time_limit_ms": 100})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	path := "/manager/suggestions/" + r.Body["id"].(string)
	require.Equal(t, http.StatusOK, e.do(w.mgr, "GET", path, nil).Status, "the event's manager, a member")

	// Still in the event's manager_ids, but no longer a member of its company. A removal reaches
	// the read model through the topic (a stale "yes" is not a miss that triggers a catch-up), so
	// wait until the consumer has applied it before asking.
	elsewhere := e.publishCompany(e.login("organizer"))
	e.publishUser(w.mgr, []string{elsewhere}, nil, nil, 0, true)
	e.waitCount(`SELECT count(*) FROM memberships WHERE user_id = $1 AND company_id = $2`, 0, w.mgr.ID, w.company)
	require.Equal(t, http.StatusNotFound, e.do(w.mgr, "GET", path, nil).Status, "moved to another company")

	// Added back: a "no" is a miss, so the service catches up by itself, with no waiting here.
	e.publishUser(w.mgr, []string{w.company}, nil, nil, 0, true)
	require.Equal(t, http.StatusOK, e.do(w.mgr, "GET", path, nil).Status, "back in the company")
}

package service_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestOrganizerCreatesAndReadsOwnCompany(t *testing.T) {
	e := newEnv(t)
	org := e.login("organizer")

	r := e.do(org, "POST", "/organizer/companies/", map[string]any{"name": "  Acme Events "})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	require.Equal(t, "Acme Events", r.Body["name"])
	require.Equal(t, org.ID.String(), r.Body["created_by"])
	require.Equal(t, `"1"`, r.Header.Get("ETag"))
	// The event was on Kafka before the answer (relay.Flush after commit).
	require.Equal(t, 0, e.count(`SELECT count(*) FROM outbox WHERE key = $1 AND sent_at IS NULL`, id))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM outbox WHERE key = $1 AND envelope->>'type' = 'company.created'`, id))

	r = e.do(org, "GET", "/organizer/companies/"+id, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Equal(t, "Acme Events", r.Body["name"])

	r = e.do(org, "GET", "/organizer/companies", nil)
	require.Equal(t, http.StatusOK, r.Status)
	items := r.Body["items"].([]any)
	require.Len(t, items, 1)
	require.Nil(t, r.Body["next_cursor"])

	r = e.do(org, "GET", "/organizer/companies/"+id+"/members", nil)
	require.Equal(t, http.StatusOK, r.Status)
	members := r.Body["items"].([]any)
	require.Len(t, members, 1)
	require.Equal(t, org.ID.String(), members[0].(map[string]any)["id"])
}

func TestCompanyNameTakenIgnoringCase(t *testing.T) {
	e := newEnv(t)
	org := e.login("organizer")
	require.Equal(t, http.StatusCreated, e.do(org, "POST", "/organizer/companies", map[string]any{"name": "Acme"}).Status)
	r := e.do(e.login("organizer"), "POST", "/organizer/companies", map[string]any{"name": "aCME"})
	require.Equal(t, http.StatusConflict, r.Status)
	require.Equal(t, "/problems/conflict", r.Body["type"])
	require.Equal(t, 1, e.count(`SELECT count(*) FROM companies`))
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	org := e.login("organizer")
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"missing name", map[string]any{}, 422, []string{"name"}},
		{"blank name", map[string]any{"name": "   "}, 422, []string{"name"}},
		{"name not a string", map[string]any{"name": 5}, 422, []string{"name"}},
		{"id is not settable", map[string]any{"name": "X", "id": uuid.NewString()}, 422, []string{"id"}},
		{"created_by is not settable", map[string]any{"name": "X", "created_by": uuid.NewString()}, 422, []string{"created_by"}},
		{"malformed JSON", `{"name": `, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(org, "POST", "/organizer/companies", tt.body)
			require.Equal(t, tt.status, r.Status, string(r.Raw))
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
			require.Equal(t, tt.fields, fieldsOf(r))
		})
	}
	require.Equal(t, 0, e.count(`SELECT count(*) FROM companies`))
}

func TestStaleVersionIsConflictAndCurrentVersionRenames(t *testing.T) {
	e := newEnv(t)
	org := e.login("organizer")
	id := e.do(org, "POST", "/organizer/companies", map[string]any{"name": "Acme"}).Body["id"].(string)

	r := e.do(org, "PUT", "/organizer/companies/"+id, map[string]any{"name": "Acme 2", "version": 1})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.EqualValues(t, 2, r.Body["version"])

	r = e.do(org, "PUT", "/organizer/companies/"+id, map[string]any{"name": "Acme 3", "version": 1})
	require.Equal(t, http.StatusConflict, r.Status)

	r = e.do(org, "PUT", "/organizer/companies/"+id, map[string]any{"name": "Acme 3"}, "If-Match", `"2"`)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "Acme 3", r.Body["name"])

	r = e.do(org, "PUT", "/organizer/companies/"+id, map[string]any{"name": "Acme 4"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"version"}, fieldsOf(r))
}

func TestAnotherCompanyIsNotFoundAndUnchanged(t *testing.T) {
	e := newEnv(t)
	owner, other := e.login("organizer"), e.login("organizer")
	id := e.do(owner, "POST", "/organizer/companies", map[string]any{"name": "Acme"}).Body["id"].(string)
	otherID := e.do(other, "POST", "/organizer/companies", map[string]any{"name": "Other"}).Body["id"].(string)

	for _, req := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/organizer/companies/" + id, nil},
		{"PUT", "/organizer/companies/" + id, map[string]any{"name": "Hijacked", "version": 1}},
		{"DELETE", "/organizer/companies/" + id, nil},
		{"GET", "/organizer/companies/" + id + "/members", nil},
	} {
		r := e.do(other, req.method, req.path, req.body)
		require.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", req.method, req.path, r.Raw)
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM companies WHERE id = $1 AND name = 'Acme' AND version = 1`, id))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM memberships WHERE company_id = $1`, id))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM outbox WHERE key = $1`, id), "only company.created")

	r := e.do(other, "GET", "/organizer/companies", nil)
	items := r.Body["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, otherID, items[0].(map[string]any)["id"])
}

func TestRolesAreCheckedInTheService(t *testing.T) {
	e := newEnv(t)
	org := e.login("organizer")
	id := e.do(org, "POST", "/organizer/companies", map[string]any{"name": "Acme"}).Body["id"].(string)
	staff, mgr, admin := e.login("staff"), e.login("manager"), e.login("admin")

	tests := []struct {
		who          user
		method, path string
		body         any
		want         int
	}{
		{staff, "POST", "/organizer/companies", map[string]any{"name": "S"}, 403},
		{staff, "GET", "/organizer/companies", nil, 403},
		{staff, "GET", "/organizer/companies/" + id, nil, 403},
		{staff, "GET", "/organizer/companies/" + id + "/members", nil, 403},
		{mgr, "PUT", "/organizer/companies/" + id, map[string]any{"name": "M", "version": 1}, 403},
		{mgr, "GET", "/organizer/companies/" + id + "/members", nil, 404}, // not a member
		{org, "GET", "/admin/companies", nil, 403},
		{admin, "GET", "/admin/companies", nil, 200},
		{admin, "GET", "/organizer/companies/" + id, nil, 200},
		{admin, "GET", "/organizer/companies/" + id + "/members", nil, 200},
		{user{}, "GET", "/organizer/companies", nil, 401},
		{org, "GET", "/organizer/companies/not-a-uuid", nil, 404},
		{org, "GET", "/organizer/nothing-here", nil, 404},
	}
	for _, tt := range tests {
		r := e.do(tt.who, tt.method, tt.path, tt.body)
		require.Equal(t, tt.want, r.Status, "%s %s %s: %s", tt.who.Role, tt.method, tt.path, r.Raw)
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM companies WHERE name = 'Acme' AND version = 1`))
}

func TestAdminListFiltersAndPaginates(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 5; i++ {
		require.Equal(t, http.StatusCreated, e.do(e.login("organizer"), "POST", "/organizer/companies", map[string]any{"name": fmt.Sprintf("Team %d", i)}).Status)
	}
	require.Equal(t, http.StatusCreated, e.do(e.login("organizer"), "POST", "/organizer/companies", map[string]any{"name": "Other"}).Status)
	admin := e.login("admin")

	var names []string
	path := "/admin/companies?q=team&limit=2"
	for {
		r := e.do(admin, "GET", path, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		for _, it := range r.Body["items"].([]any) {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		next, _ := r.Body["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/admin/companies?q=team&limit=2&cursor=" + next
	}
	require.Equal(t, []string{"Team 0", "Team 1", "Team 2", "Team 3", "Team 4"}, names)

	require.Equal(t, http.StatusBadRequest, e.do(admin, "GET", "/admin/companies?limit=0", nil).Status)
	require.Equal(t, http.StatusBadRequest, e.do(admin, "GET", "/admin/companies?cursor=garbage", nil).Status)
}

// An admin adds a user to a company in the identity service; the company service learns it
// from identity.users.v1. The user can use the company at once, with no sleep: a membership miss
// waits for the consumer to catch up.
func TestMembershipFromIdentityIsReadYourWrites(t *testing.T) {
	e := newEnv(t)
	owner := e.login("organizer")
	id := e.do(owner, "POST", "/organizer/companies", map[string]any{"name": "Acme"}).Body["id"].(string)
	newcomer := e.login("organizer")
	mgr := e.login("manager")

	e.publishUser("user.updated", map[string]any{"id": newcomer.ID.String(), "username": "nina", "full_name": "Nina N",
		"role": "organizer", "company_ids": []string{id}, "is_active": true, "version": 2})
	e.publishUser("user.created", map[string]any{"id": mgr.ID.String(), "username": "max", "full_name": "Max M",
		"role": "manager", "company_ids": []string{id}, "skills": []map[string]any{{"name": "logistics", "level": 4}},
		"is_active": true, "version": 1})

	r := e.do(newcomer, "GET", "/organizer/companies/"+id, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))

	r = e.do(mgr, "GET", "/organizer/companies/"+id+"/members?limit=200", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	byID := map[string]map[string]any{}
	for _, it := range r.Body["items"].([]any) {
		m := it.(map[string]any)
		byID[m["id"].(string)] = m
	}
	require.Len(t, byID, 3)
	require.Equal(t, "Max M", byID[mgr.ID.String()]["full_name"])
	require.Equal(t, "manager", byID[mgr.ID.String()]["role"])
	require.Equal(t, []any{map[string]any{"name": "logistics", "level": float64(4)}}, byID[mgr.ID.String()]["skills"])

	// Deactivated by the admin: the membership goes away.
	e.publishUser("user.updated", map[string]any{"id": newcomer.ID.String(), "role": "organizer", "company_ids": []string{id},
		"is_active": false, "version": 3})
	e.publishUser("user.deleted", map[string]any{"id": mgr.ID.String()})
	// A later request by someone else waits for the consumer only on a miss; this one checks
	// the rows through a fresh organizer (a miss), which makes the consumer catch up.
	require.Equal(t, http.StatusNotFound, e.do(e.login("organizer"), "GET", "/organizer/companies/"+id, nil).Status)
	require.Equal(t, 0, e.count(`SELECT count(*) FROM memberships WHERE user_id = $1`, newcomer.ID))
	require.Equal(t, 0, e.count(`SELECT count(*) FROM memberships WHERE user_id = $1`, mgr.ID))
}

func TestDeletePublishesAndRemoves(t *testing.T) {
	e := newEnv(t)
	org := e.login("organizer")
	id := e.do(org, "POST", "/organizer/companies", map[string]any{"name": "Acme"}).Body["id"].(string)
	require.Equal(t, http.StatusConflict, e.do(org, "DELETE", "/organizer/companies/"+id, nil, "If-Match", `"9"`).Status)
	require.Equal(t, http.StatusNoContent, e.do(org, "DELETE", "/organizer/companies/"+id, nil, "If-Match", `"1"`).Status)
	require.Equal(t, http.StatusNotFound, e.do(org, "GET", "/organizer/companies/"+id, nil).Status)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM outbox WHERE key = $1 AND envelope->>'type' = 'company.deleted' AND sent_at IS NOT NULL`, id))
	require.Equal(t, 0, e.count(`SELECT count(*) FROM memberships WHERE company_id = $1`, id))
}

func TestOpsEndpoints(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		r := e.do(user{}, "GET", p, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", p, r.Raw)
	}
}

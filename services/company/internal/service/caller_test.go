package service_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Access tokens live 15 minutes and cannot be revoked. Once identity announces that a user was
// deactivated, deleted or given another role, that user's old token must stop acting here: a
// deleted admin must not delete companies, a deactivated organizer must not create one.
func TestTokensOfRemovedOrDemotedUsersStopActing(t *testing.T) {
	e := newEnv(t)
	owner := e.login("organizer")
	r := e.do(owner, "POST", "/organizer/companies", map[string]any{"name": "Keep Co"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	id := r.Body["id"].(string)

	admin, off, demoted := e.login("admin"), e.login("organizer"), e.login("admin")
	e.publishUser("user.created", map[string]any{"id": admin.ID.String(), "username": "ada", "role": "admin", "company_ids": []string{}, "is_active": true, "version": 1})
	e.publishUser("user.created", map[string]any{"id": off.ID.String(), "username": "otto", "role": "organizer", "company_ids": []string{}, "is_active": true, "version": 1})
	e.publishUser("user.created", map[string]any{"id": demoted.ID.String(), "username": "dan", "role": "admin", "company_ids": []string{}, "is_active": true, "version": 1})
	e.publishUser("user.deleted", map[string]any{"id": admin.ID.String()})
	e.publishUser("user.updated", map[string]any{"id": off.ID.String(), "username": "otto", "role": "organizer", "company_ids": []string{}, "is_active": false, "version": 2})
	e.publishUser("user.updated", map[string]any{"id": demoted.ID.String(), "username": "dan", "role": "staff", "company_ids": []string{}, "is_active": true, "version": 2})
	// A miss of a fresh organizer makes the consumer catch up with the messages above.
	require.Equal(t, http.StatusNotFound, e.do(e.login("organizer"), "GET", "/organizer/companies/"+id, nil).Status)

	require.Equal(t, http.StatusUnauthorized, e.do(admin, "DELETE", "/organizer/companies/"+id, nil).Status)
	require.Equal(t, http.StatusUnauthorized, e.do(admin, "GET", "/admin/companies", nil).Status)
	require.Equal(t, http.StatusUnauthorized, e.do(off, "POST", "/organizer/companies", map[string]any{"name": "Zombie Co"}).Status)
	require.Equal(t, http.StatusForbidden, e.do(demoted, "DELETE", "/organizer/companies/"+id, nil).Status)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM companies WHERE id = $1`, id), "the company is still there")
	require.Equal(t, 0, e.count(`SELECT count(*) FROM companies WHERE name = 'Zombie Co'`))

	// A late snapshot of the deleted admin does not bring them back.
	e.publishUser("user.updated", map[string]any{"id": admin.ID.String(), "username": "ada", "role": "admin", "company_ids": []string{}, "is_active": true, "version": 5})
	require.Equal(t, http.StatusNotFound, e.do(e.login("organizer"), "GET", "/organizer/companies/"+id, nil).Status)
	require.Equal(t, http.StatusUnauthorized, e.do(admin, "GET", "/admin/companies", nil).Status)
	// Users the service has not heard of (yet) are not refused: their token is all it knows.
	require.Equal(t, http.StatusOK, e.do(e.login("admin"), "GET", "/admin/companies", nil).Status)
}

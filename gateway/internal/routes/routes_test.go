package routes

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const id = "0b7e6f4c-3d2a-4c1b-9f8e-7a6b5c4d3e2f"

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"/auth/me/":   "/auth/me",
		"/auth/me":    "/auth/me",
		"/auth/me///": "/auth/me",
		"/":           "/",
		"":            "/",
	} {
		assert.Equal(t, want, Normalize(in), in)
	}
}

func TestMatch(t *testing.T) {
	m := NewMatcher(Table())
	tests := []struct {
		name, method, path string
		found              bool
		pattern, allow     string
		service            string
		badID              bool
	}{
		{"literal", "POST", "/auth/login", true, "/auth/login", "POST", Identity, false},
		{"param", "PUT", "/admin/users/" + id, true, "/admin/users/{id}", "GET, PUT, DELETE", Identity, false},
		{"two params", "DELETE", "/organizer/events/" + id + "/teams/" + id, true, "/organizer/events/{event_id}/teams/{team_id}", "PUT, DELETE", Event, false},
		{"same prefix other service", "GET", "/manager/events/" + id + "/tasks", true, "/manager/events/{event_id}/tasks", "GET", Task, false},
		{"wrong method", "DELETE", "/organizer/events", true, "/organizer/events", "GET, POST", "", false},
		{"malformed uuid", "GET", "/admin/users/42", false, "", "", "", true},
		{"uuid without dashes", "GET", "/admin/users/0b7e6f4c3d2a4c1b9f8e7a6b5c4d3e2f", false, "", "", "", true},
		{"second id malformed", "PUT", "/organizer/events/" + id + "/teams/abc", false, "", "", "", true},
		{"malformed id, unknown tail", "GET", "/organizer/events/abc/nope", false, "", "", "", false},
		{"empty id", "GET", "/organizer/events//teams", false, "", "", "", false},
		{"unknown", "GET", "/nope", false, "", "", "", false},
		{"case matters", "GET", "/Auth/me", false, "", "", "", false},
		{"too deep", "GET", "/auth/me/x", false, "", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := m.Match(tc.method, tc.path)
			require.Equal(t, tc.found, res.Found)
			assert.Equal(t, tc.badID, res.BadID)
			assert.Equal(t, tc.pattern, res.Pattern)
			assert.Equal(t, tc.allow, res.Allow)
			if tc.service == "" {
				assert.Nil(t, res.Route)
				return
			}
			require.NotNil(t, res.Route)
			assert.Equal(t, tc.service, res.Route.Service)
			assert.Equal(t, tc.method, res.Route.Method)
		})
	}
}

func TestAllows(t *testing.T) {
	staffOnly := Route{Access: Roles, Roles: []string{RoleStaff}}
	assert.True(t, staffOnly.Allows(RoleStaff))
	assert.True(t, staffOnly.Allows(RoleAdmin), "admin may use every non-public route")
	assert.False(t, staffOnly.Allows(RoleManager))
	assert.False(t, staffOnly.Allows(""))

	adminOnly := Route{Access: Roles}
	assert.True(t, adminOnly.Allows(RoleAdmin))
	assert.False(t, adminOnly.Allows(RoleOrganizer))

	assert.True(t, Route{Access: SignedIn}.Allows(RoleStaff))
}

func TestTableInvariants(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Table() {
		key := r.Method + " " + r.Pattern
		assert.False(t, seen[key], "duplicate row %s", key)
		seen[key] = true
		// Deny by default: a row that is neither public nor signed-in with no roles is admin-only,
		// never open.
		if r.Access == Roles {
			assert.False(t, r.Allows("nobody"), key)
		}
		switch r.Pattern {
		case "/organizer/events/{event_id}/schedule":
			assert.Equal(t, 16<<20, r.Limit())
		default:
			assert.Equal(t, 1<<20, r.Limit(), key)
		}
		assert.Equal(t, r.Pattern == "/auth/login" || r.Pattern == "/auth/register", r.AuthLimited, key)
	}
}

package transport_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/identity/internal/store"
)

func (f *fixture) knownCompany() uuid.UUID {
	id := uuid.New()
	require.NoError(f.t, pg.InTx(context.Background(), f.store.Pool(), func(tx pgx.Tx) error {
		return f.store.ApplyCompanyUpsert(context.Background(), tx, store.Company{ID: id, Name: "co"}, false)
	}))
	return id
}

func TestAdminRequiresAdmin(t *testing.T) {
	f := newFixture(t, false)
	staff := str(f.register("ivy").Body, "access")
	for _, m := range []string{"GET", "POST"} {
		res := f.do(m, "/admin/users", staff, map[string]any{})
		require.Equal(t, http.StatusForbidden, res.Status, m)
		require.Equal(t, "/problems/forbidden", res.Body["type"])
	}
	require.Equal(t, http.StatusUnauthorized, f.do("GET", "/admin/users", "", nil).Status)
}

func TestBootstrapIdempotent(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	created, err := f.app.Bootstrap(ctx, "root", "root@example.com", "root-password")
	require.NoError(t, err)
	require.True(t, created)
	created, err = f.app.Bootstrap(ctx, "root", "root@example.com", "root-password")
	require.NoError(t, err)
	require.False(t, created)
	created, err = f.app.Bootstrap(ctx, "other", "other@example.com", "other-password")
	require.NoError(t, err)
	require.False(t, created, "an active admin exists already")
	tok := str(f.login("root", "root-password").Body, "access")
	list := f.do("GET", "/admin/users?role=admin", tok, nil)
	require.Equal(t, http.StatusOK, list.Status)
	require.Len(t, list.Body["items"], 1)
}

func TestAdminCRUD(t *testing.T) {
	f := newFixture(t, false)
	tok := f.admin()
	co := f.knownCompany()

	// Unknown company ids are refused, naming the id.
	ghost := uuid.New()
	res := f.do("POST", "/admin/users/", tok, map[string]any{"username": "olga", "email": "olga@example.com", "password": "password1",
		"role": "organizer", "company_ids": []string{co.String(), ghost.String()}})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Raw))
	require.Contains(t, fieldsOf(t, res)["company_ids"], ghost.String())

	res = f.do("POST", "/admin/users", tok, map[string]any{"username": "olga", "email": "olga@example.com", "password": "password1",
		"role": "organizer", "company_ids": []string{co.String()}, "skills": []map[string]any{{"name": " Stage ", "level": 4}},
		"availability":      []map[string]any{{"starts_at": "2026-05-01T08:00:00+02:00", "ends_at": "2026-05-01T18:00:00+02:00"}},
		"max_hours_per_day": 6})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Raw))
	olga := res.Body
	id := str(olga, "id")
	require.Equal(t, "organizer", olga["role"])
	require.Equal(t, []any{co.String()}, olga["company_ids"])
	require.Equal(t, []any{map[string]any{"name": "Stage", "level": 4.0}}, olga["skills"])
	require.Equal(t, "2026-05-01T06:00:00Z", olga["availability"].([]any)[0].(map[string]any)["starts_at"])
	require.Equal(t, "/admin/users/"+id, res.Header.Get("Location"))

	// Validation per field.
	res = f.do("POST", "/admin/users", tok, map[string]any{"username": "p", "email": "nope", "password": "x", "role": "king",
		"skills": []map[string]any{{"name": "a", "level": 9}, {"name": "A", "level": 1}}, "max_hours_per_day": 30})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status)
	fe := fieldsOf(t, res)
	for _, k := range []string{"username", "email", "password", "role", "skills[0].level", "skills[1].name", "max_hours_per_day"} {
		require.Contains(t, fe, k)
	}

	got := f.do("GET", "/admin/users/"+id, tok, nil)
	require.Equal(t, http.StatusOK, got.Status)
	require.Equal(t, "olga", got.Body["username"])
	require.Equal(t, http.StatusNotFound, f.do("GET", "/admin/users/not-a-uuid", tok, nil).Status)
	require.Equal(t, http.StatusNotFound, f.do("GET", "/admin/users/"+uuid.NewString(), tok, nil).Status)

	// Partial update: fields left out keep their value; a stale version is 409.
	res = f.do("PUT", "/admin/users/"+id, tok, map[string]any{"full_name": "Olga K", "version": 1})
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	require.Equal(t, "Olga K", res.Body["full_name"])
	require.Equal(t, "organizer", res.Body["role"])
	require.Equal(t, 2.0, res.Body["version"])
	require.Equal(t, 6.0, res.Body["max_hours_per_day"])
	stale := f.do("PUT", "/admin/users/"+id, tok, map[string]any{"role": "manager", "version": 1})
	require.Equal(t, http.StatusConflict, stale.Status)
	stale = f.do("PUT", "/admin/users/"+id, tok, map[string]any{"role": "manager"}, "If-Match", `"1"`)
	require.Equal(t, http.StatusConflict, stale.Status)
	res = f.do("PUT", "/admin/users/"+id, tok, map[string]any{"role": "manager", "company_ids": []string{}}, "If-Match", `"2"`)
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	require.Equal(t, "manager", res.Body["role"])
	require.Equal(t, []any{}, res.Body["company_ids"])
	res = f.do("PUT", "/admin/users/"+id, tok, map[string]any{"id": uuid.NewString()})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, "ids cannot be set")

	// A renamed user logs in with the new password set by the admin.
	res = f.do("PUT", "/admin/users/"+id, tok, map[string]any{"password": "brand-new-pass"})
	require.Equal(t, http.StatusOK, res.Status)
	require.Equal(t, http.StatusOK, f.login("olga", "brand-new-pass").Status)
	require.Equal(t, http.StatusUnauthorized, f.login("olga", "password1").Status)

	// Delete: 204, then gone; the user can no longer log in or refresh; the name stays reserved.
	session := f.login("olga", "brand-new-pass")
	require.Equal(t, http.StatusNoContent, f.do("DELETE", "/admin/users/"+id, tok, nil).Status)
	require.Equal(t, http.StatusNotFound, f.do("DELETE", "/admin/users/"+id, tok, nil).Status)
	require.Equal(t, http.StatusNotFound, f.do("GET", "/admin/users/"+id, tok, nil).Status)
	require.Equal(t, http.StatusUnauthorized, f.login("olga", "brand-new-pass").Status)
	require.Equal(t, http.StatusUnauthorized, f.do("POST", "/auth/refresh", "", map[string]any{"refresh": str(session.Body, "refresh")}).Status)
	require.Equal(t, http.StatusUnauthorized, f.do("GET", "/auth/me", str(session.Body, "access"), nil).Status)
	require.Equal(t, http.StatusConflict, f.do("POST", "/admin/users", tok, map[string]any{"username": "olga", "email": "o2@example.com", "password": "password1", "role": "staff"}).Status)

	// An admin cannot delete themselves.
	me := f.do("GET", "/auth/me", tok, nil)
	require.Equal(t, http.StatusUnprocessableEntity, f.do("DELETE", "/admin/users/"+str(me.Body, "id"), tok, nil).Status)
	require.Equal(t, http.StatusUnprocessableEntity, f.do("PUT", "/admin/users/"+str(me.Body, "id"), tok, map[string]any{"is_active": false}).Status)
	require.Equal(t, http.StatusUnprocessableEntity, f.do("PUT", "/admin/users/"+str(me.Body, "id"), tok, map[string]any{"role": "staff"}).Status)
	require.Equal(t, http.StatusOK, f.do("PUT", "/admin/users/"+str(me.Body, "id"), tok, map[string]any{"full_name": "Root"}).Status)
}

func TestDeactivatedUserCannotLoginOrRefresh(t *testing.T) {
	f := newFixture(t, false)
	tok := f.admin()
	r := f.register("jim")
	id := str(r.Body["user"].(map[string]any), "id")
	res := f.do("PUT", "/admin/users/"+id, tok, map[string]any{"is_active": false})
	require.Equal(t, http.StatusOK, res.Status)
	require.Equal(t, http.StatusUnauthorized, f.login("jim", "pass-jim").Status)
	require.Equal(t, http.StatusUnauthorized, f.do("POST", "/auth/refresh", "", map[string]any{"refresh": str(r.Body, "refresh")}).Status)
	res = f.do("PUT", "/admin/users/"+id, tok, map[string]any{"is_active": true})
	require.Equal(t, http.StatusOK, res.Status)
	require.Equal(t, http.StatusOK, f.login("jim", "pass-jim").Status)
}

func TestAdminListFiltersAndPages(t *testing.T) {
	f := newFixture(t, false)
	tok := f.admin()
	co := f.knownCompany()
	want := map[string]bool{"root": true}
	for i := range 7 {
		body := map[string]any{"username": fmt.Sprintf("usr%d", i), "email": fmt.Sprintf("u%d@example.com", i), "password": "password1", "role": "staff",
			"full_name": fmt.Sprintf("Person %d", i)}
		if i < 3 {
			body["role"] = "manager"
			body["company_ids"] = []string{co.String()}
		}
		require.Equal(t, http.StatusCreated, f.do("POST", "/admin/users", tok, body).Status)
		want[fmt.Sprintf("usr%d", i)] = true
	}
	names := func(path string) []string {
		res := f.do("GET", path, tok, nil)
		require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
		var out []string
		for _, it := range res.Body["items"].([]any) {
			out = append(out, str(it.(map[string]any), "username"))
		}
		return out
	}
	require.Equal(t, []string{"usr0", "usr1", "usr2"}, names("/admin/users?role=manager"))
	require.Equal(t, []string{"usr0", "usr1", "usr2"}, names("/admin/users?company_id="+co.String()))
	require.Equal(t, []string{"usr4"}, names("/admin/users?q="+url.QueryEscape("person 4")))
	require.Equal(t, []string{"usr5"}, names("/admin/users?q=U5@EXAMPLE"))

	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		path := "/admin/users?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		res := f.do("GET", path, tok, nil)
		require.Equal(t, http.StatusOK, res.Status)
		items := res.Body["items"].([]any)
		require.LessOrEqual(t, len(items), 3)
		for _, it := range items {
			n := str(it.(map[string]any), "username")
			require.False(t, seen[n], "no user twice")
			seen[n] = true
		}
		pages++
		if res.Body["next_cursor"] == nil {
			break
		}
		cursor = res.Body["next_cursor"].(string)
	}
	require.Equal(t, want, seen)
	require.Equal(t, 3, pages)

	require.Equal(t, http.StatusBadRequest, f.do("GET", "/admin/users?limit=0", tok, nil).Status)
	require.Equal(t, http.StatusBadRequest, f.do("GET", "/admin/users?cursor=%21%21", tok, nil).Status)
	require.Equal(t, http.StatusUnprocessableEntity, f.do("GET", "/admin/users?role=king", tok, nil).Status)
	require.Equal(t, http.StatusUnprocessableEntity, f.do("GET", "/admin/users?company_id=x", tok, nil).Status)
}

func TestUpdateMe(t *testing.T) {
	f := newFixture(t, false)
	r := f.register("kim")
	tok := str(r.Body, "access")

	res := f.do("PUT", "/auth/me", tok, map[string]any{"full_name": "Kim L", "max_hours_per_day": 6.5,
		"availability": []map[string]any{{"starts_at": "2026-05-02T08:00:00Z", "ends_at": "2026-05-02T12:00:00Z"}}})
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	require.Equal(t, "Kim L", res.Body["full_name"])
	require.Equal(t, 6.5, res.Body["max_hours_per_day"])

	for _, field := range []string{"role", "company_ids", "is_active", "skills"} {
		res = f.do("PUT", "/auth/me", tok, map[string]any{field: nil})
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, field)
	}
	res = f.do("PUT", "/auth/me", tok, map[string]any{"availability": []map[string]any{{"starts_at": "2026-05-02T12:00:00Z", "ends_at": "2026-05-02T08:00:00Z"}}})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status)
	require.Contains(t, fieldsOf(t, res), "availability[0].ends_at")

	res = f.do("PUT", "/auth/me", tok, map[string]any{"password": "new-password-1"})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status)
	require.Contains(t, fieldsOf(t, res), "current_password")
	res = f.do("PUT", "/auth/me", tok, map[string]any{"password": "new-password-1", "current_password": "pass-kim", "version": 2})
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))
	// A new password ends the sessions opened with the old one.
	require.Equal(t, http.StatusUnauthorized, f.do("POST", "/auth/refresh", "", map[string]any{"refresh": str(r.Body, "refresh")}).Status)
	require.Equal(t, http.StatusOK, f.login("kim", "new-password-1").Status)
	require.Equal(t, http.StatusConflict, f.do("PUT", "/auth/me", tok, map[string]any{"full_name": "x", "version": 1}).Status)
}

// A DELETE with If-Match is conditional like a PUT: a stale version is a 409
// and the user stays; a malformed one is a 400.
func TestDeleteUserHonoursIfMatch(t *testing.T) {
	f := newFixture(t, false)
	tok := f.admin()
	res := f.do("POST", "/admin/users", tok, map[string]any{"username": "dora", "email": "dora@example.com", "password": "password1", "role": "staff"})
	require.Equal(t, http.StatusCreated, res.Status, string(res.Raw))
	id := str(res.Body, "id")
	res = f.do("PUT", "/admin/users/"+id, tok, map[string]any{"full_name": "Dora", "version": 1})
	require.Equal(t, http.StatusOK, res.Status, string(res.Raw))

	require.Equal(t, http.StatusConflict, f.do("DELETE", "/admin/users/"+id, tok, nil, "If-Match", `"1"`).Status)
	require.Equal(t, http.StatusBadRequest, f.do("DELETE", "/admin/users/"+id, tok, nil, "If-Match", `soon`).Status)
	got := f.do("GET", "/admin/users/"+id, tok, nil)
	require.Equal(t, http.StatusOK, got.Status, "a refused delete leaves the user")
	require.Equal(t, "Dora", got.Body["full_name"])
	require.Equal(t, http.StatusOK, f.login("dora", "password1").Status)

	require.Equal(t, http.StatusNoContent, f.do("DELETE", "/admin/users/"+id, tok, nil, "If-Match", `"2"`).Status)
	require.Equal(t, http.StatusNotFound, f.do("GET", "/admin/users/"+id, tok, nil).Status)
	require.Equal(t, http.StatusNotFound, f.do("DELETE", "/admin/users/"+id, tok, nil, "If-Match", `"3"`).Status)
}

// A stolen access token must not become an unlimited password oracle: wrong current_password
// answers count like failed logins of the account, and after the threshold the answer is 429
// (for the login too), even for the right password.
func TestCurrentPasswordGuessesAreThrottled(t *testing.T) {
	f := newFixture(t, false)
	r := f.register("lea")
	tok := str(r.Body, "access")
	for i := range 5 {
		res := f.do("PUT", "/auth/me", tok, map[string]any{"password": "new-password-1", "current_password": fmt.Sprintf("guess-%d", i)})
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, "guess %d: %s", i, res.Raw)
	}
	res := f.do("PUT", "/auth/me", tok, map[string]any{"password": "new-password-1", "current_password": "pass-lea"})
	require.Equal(t, http.StatusTooManyRequests, res.Status, string(res.Raw))
	require.NotEmpty(t, res.Header.Get("Retry-After"))
	require.Equal(t, http.StatusTooManyRequests, f.login("lea", "pass-lea").Status, "the account's throttle is shared with the login")
	// A password change would have ended the sessions: the refresh token still works.
	require.Equal(t, http.StatusOK, f.do("POST", "/auth/refresh", "", map[string]any{"refresh": str(r.Body, "refresh")}).Status)
}

// Access tokens live 15 minutes and are not revocable, so the service checks the caller's
// account on every request: a deleted or deactivated user's token no longer works here, and a
// demoted admin's token no longer reaches the admin routes (where it could create new admins).
func TestTokensOfRemovedOrDemotedCallersStopWorking(t *testing.T) {
	f := newFixture(t, false)
	root := f.admin()
	mk := func(name, role string) (id, tok string) {
		res := f.do("POST", "/admin/users", root, map[string]any{"username": name, "email": name + "@example.com", "password": "password-" + name, "role": role})
		require.Equal(t, http.StatusCreated, res.Status, string(res.Raw))
		l := f.login(name, "password-"+name)
		require.Equal(t, http.StatusOK, l.Status)
		return str(res.Body, "id"), str(l.Body, "access")
	}
	goneID, gone := mk("gone", "admin")
	demotedID, demoted := mk("demoted", "admin")
	offID, off := mk("off", "staff")

	require.Equal(t, http.StatusNoContent, f.do("DELETE", "/admin/users/"+goneID, root, nil).Status)
	require.Equal(t, http.StatusOK, f.do("PUT", "/admin/users/"+demotedID, root, map[string]any{"role": "staff"}).Status)
	require.Equal(t, http.StatusOK, f.do("PUT", "/admin/users/"+offID, root, map[string]any{"is_active": false}).Status)

	newAdmin := map[string]any{"username": "mole", "email": "mole@example.com", "password": "password-mole", "role": "admin"}
	require.Equal(t, http.StatusUnauthorized, f.do("POST", "/admin/users", gone, newAdmin).Status)
	require.Equal(t, http.StatusUnauthorized, f.do("GET", "/admin/users", gone, nil).Status)
	require.Equal(t, http.StatusForbidden, f.do("POST", "/admin/users", demoted, newAdmin).Status)
	require.Equal(t, http.StatusForbidden, f.do("PUT", "/admin/users/"+offID, demoted, map[string]any{"is_active": true}).Status)
	require.Equal(t, http.StatusOK, f.do("GET", "/auth/me", demoted, nil).Status, "a demoted user is still signed in")
	require.Equal(t, http.StatusUnauthorized, f.do("GET", "/auth/me", off, nil).Status)
	require.Equal(t, http.StatusUnauthorized, f.do("PUT", "/auth/me", off, map[string]any{"full_name": "x"}).Status)
	list := f.do("GET", "/admin/users?q=mole", root, nil)
	require.Equal(t, http.StatusOK, list.Status)
	require.Empty(t, list.Body["items"], "no admin was created")
}

package transport_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
)

func TestRegisterLoginMe(t *testing.T) {
	f := newFixture(t, false)
	r := f.register("ana")
	user := r.Body["user"].(map[string]any)
	require.Equal(t, "staff", user["role"])
	require.Equal(t, "ana", user["username"])
	require.Equal(t, []any{}, user["company_ids"])
	require.Equal(t, 8.0, user["max_hours_per_day"])
	require.Equal(t, true, user["is_active"])
	require.NotContains(t, string(r.Raw), "argon2")
	require.NotContains(t, user, "password_hash")

	me := f.do("GET", "/auth/me/", str(r.Body, "access"), nil)
	require.Equal(t, http.StatusOK, me.Status, string(me.Raw))
	require.Equal(t, user["id"], me.Body["id"])
	require.Equal(t, `"1"`, me.Header.Get("ETag"))

	for _, login := range []string{"ana", "ANA", "ana@example.com", "Ana@Example.COM"} {
		l := f.login(login, "pass-ana")
		require.Equal(t, http.StatusOK, l.Status, login)
		require.Equal(t, "Bearer", l.Body["token_type"])
		require.Equal(t, 900.0, l.Body["expires_in"])
		require.Equal(t, user["id"], l.Body["user"].(map[string]any)["id"])
		require.Equal(t, "no-store", l.Header.Get("Cache-Control"))
	}

	// The token verifies through the published JWKS, as the gateway and other services do it.
	jwks := f.do("GET", "/.well-known/jwks.json", "", nil)
	require.Equal(t, http.StatusOK, jwks.Status)
	keys := jwks.Body["keys"].([]any)
	require.Len(t, keys, 1)
	require.Equal(t, "OKP", keys[0].(map[string]any)["kty"])
	require.Equal(t, f.keys.Signer.KeyID(), keys[0].(map[string]any)["kid"])
	v := auth.NewVerifier(f.srv.URL+"/.well-known/jwks.json", iss, aud, nil)
	c, err := v.Verify(context.Background(), str(r.Body, "access"), auth.TypeAccess)
	require.NoError(t, err)
	require.Equal(t, user["id"], c.Subject)
	require.Equal(t, "staff", c.Role)
}

func TestTokensRejectedOnMe(t *testing.T) {
	f := newFixture(t, false)
	r := f.register("bob")
	access, refresh := str(r.Body, "access"), str(r.Body, "refresh")
	parts := strings.Split(access, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	for name, tok := range map[string]string{"none": "", "refresh as access": refresh, "tampered": tampered, "garbage": "x.y.z"} {
		res := f.do("GET", "/auth/me", tok, nil)
		require.Equal(t, http.StatusUnauthorized, res.Status, name)
		require.Equal(t, "/problems/unauthorized", res.Body["type"], name)
		require.Contains(t, res.Header.Get("WWW-Authenticate"), "Bearer", name)
	}
	// An access token is not a refresh token either.
	res := f.do("POST", "/auth/refresh", "", map[string]any{"refresh": access})
	require.Equal(t, http.StatusUnauthorized, res.Status)
}

func TestRefreshRotationReuseAndLogout(t *testing.T) {
	f := newFixture(t, false)
	r := f.register("cleo")
	r1 := str(r.Body, "refresh")

	a := f.do("POST", "/auth/refresh/", "", map[string]any{"refresh": r1})
	require.Equal(t, http.StatusOK, a.Status, string(a.Raw))
	r2 := str(a.Body, "refresh")
	require.NotEqual(t, r1, r2)
	require.Equal(t, http.StatusOK, f.do("GET", "/auth/me", str(a.Body, "access"), nil).Status)

	b := f.do("POST", "/auth/refresh", "", map[string]any{"refresh": r2})
	require.Equal(t, http.StatusOK, b.Status)
	r3 := str(b.Body, "refresh")

	// r1 is replayed: refused, and the whole family (r3 included) is revoked.
	require.Equal(t, http.StatusUnauthorized, f.do("POST", "/auth/refresh", "", map[string]any{"refresh": r1}).Status)
	require.Equal(t, http.StatusUnauthorized, f.do("POST", "/auth/refresh", "", map[string]any{"refresh": r3}).Status)

	// Logout revokes the session's family; another session survives.
	s1 := f.login("cleo", "pass-cleo")
	s2 := f.login("cleo", "pass-cleo")
	require.Equal(t, http.StatusNoContent, f.do("POST", "/auth/logout", "", map[string]any{"refresh": str(s1.Body, "refresh")}).Status)
	require.Equal(t, http.StatusUnauthorized, f.do("POST", "/auth/refresh", "", map[string]any{"refresh": str(s1.Body, "refresh")}).Status)
	require.Equal(t, http.StatusOK, f.do("POST", "/auth/refresh", "", map[string]any{"refresh": str(s2.Body, "refresh")}).Status)

	missing := f.do("POST", "/auth/refresh", "", map[string]any{})
	require.Equal(t, http.StatusUnprocessableEntity, missing.Status)
	require.Contains(t, fieldsOf(t, missing), "refresh")
}

func TestRegisterInputErrors(t *testing.T) {
	f := newFixture(t, false)
	f.register("dina")

	bad := f.do("POST", "/auth/register", "", `{"username": "x",`)
	require.Equal(t, http.StatusBadRequest, bad.Status)
	require.Equal(t, "/problems/bad-request", bad.Body["type"])

	cases := []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"role is refused", map[string]any{"username": "eli", "email": "eli@example.com", "password": "password1", "role": "admin"}, 422, "role"},
		{"company_ids is refused", map[string]any{"username": "eli", "email": "eli@example.com", "password": "password1", "company_ids": []string{}}, 422, "company_ids"},
		{"short username", map[string]any{"username": "e", "email": "eli@example.com", "password": "password1"}, 422, "username"},
		{"bad email", map[string]any{"username": "eli", "email": "eli", "password": "password1"}, 422, "email"},
		{"short password", map[string]any{"username": "eli", "email": "eli@example.com", "password": "pw"}, 422, "password"},
		{"wrong type", map[string]any{"username": 5, "email": "eli@example.com", "password": "password1"}, 422, "username"},
		{"taken username", map[string]any{"username": "DINA", "email": "x@example.com", "password": "password1"}, 409, ""},
		{"taken email", map[string]any{"username": "dina2", "email": "Dina@Example.com", "password": "password1"}, 409, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do("POST", "/auth/register", "", tc.body)
			require.Equal(t, tc.status, res.Status, string(res.Raw))
			require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
			if tc.field != "" {
				require.Contains(t, fieldsOf(t, res), tc.field)
			} else {
				require.Equal(t, "/problems/conflict", res.Body["type"])
			}
		})
	}
	// Nothing was created by the refused requests.
	require.Equal(t, http.StatusUnauthorized, f.login("eli", "password1").Status)
}

func TestLoginSameAnswerForUnknownAndWrong(t *testing.T) {
	f := newFixture(t, false)
	f.register("fay")
	wrong := f.login("fay", "not-her-password")
	unknown := f.login("nobody", "not-her-password")
	require.Equal(t, http.StatusUnauthorized, wrong.Status)
	require.Equal(t, http.StatusUnauthorized, unknown.Status)
	for _, k := range []string{"type", "title", "detail", "status"} {
		require.Equal(t, wrong.Body[k], unknown.Body[k], k)
	}

	v := f.do("POST", "/auth/login", "", map[string]any{"password": "x"})
	require.Equal(t, http.StatusUnprocessableEntity, v.Status)
	require.Contains(t, fieldsOf(t, v), "username")
}

func TestLoginThrottling(t *testing.T) {
	f := newFixture(t, false)
	f.register("gus")
	for i := range 4 {
		require.Equal(t, http.StatusUnauthorized, f.login("gus", "wrong").Status, "failure %d", i+1)
	}
	fifth := f.login("gus", "wrong")
	require.Equal(t, http.StatusUnauthorized, fifth.Status)
	// Now blocked, even with the right password and in another spelling of the account.
	for _, login := range []string{"gus", "GUS"} {
		res := f.login(login, "pass-gus")
		require.Equal(t, http.StatusTooManyRequests, res.Status, login)
		require.Equal(t, "/problems/rate-limited", res.Body["type"])
		require.NotEmpty(t, res.Header.Get("Retry-After"))
	}

	// Per address: 20 failures over many accounts from one client block that client only.
	f.register("hal")
	xff := []string{"X-Forwarded-For", "198.51.100.1, 203.0.113.9"}
	for i := range 20 {
		require.Equal(t, http.StatusUnauthorized, f.login("user"+string(rune('a'+i)), "wrong", xff...).Status)
	}
	require.Equal(t, http.StatusTooManyRequests, f.login("hal", "pass-hal", xff...).Status)
	require.Equal(t, http.StatusOK, f.login("hal", "pass-hal", "X-Forwarded-For", "203.0.113.10").Status)
}

func TestThrottleCountsBothNamesOfAnAccount(t *testing.T) {
	f := newFixture(t, false)
	f.register("ivan")
	for _, login := range []string{"ivan", "ivan@example.com", "IVAN", "Ivan@Example.com", "ivan"} {
		require.Equal(t, http.StatusUnauthorized, f.login(login, "wrong").Status, login)
	}
	require.Equal(t, http.StatusTooManyRequests, f.login("ivan@example.com", "pass-ivan").Status)
	require.Equal(t, http.StatusTooManyRequests, f.login("ivan", "pass-ivan").Status)
}

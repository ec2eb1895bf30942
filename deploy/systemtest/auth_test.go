package systemtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestAuthFlow drives register → login → me through the gateway, and every
// way a bad token must be refused (401 problem+json), a wrong role (403) and
// malformed JSON (400).
func TestAuthFlow(t *testing.T) {
	env := Start(t)
	anon := env.Client(t)

	cred, reg := env.Register(t, "staffer")
	if reg.User.ID == "" || reg.Access == "" || reg.Refresh == "" {
		t.Fatalf("register answer lacks user id or tokens: %+v", reg)
	}
	if reg.User.Role != "staff" || reg.User.Username != cred.Username || reg.User.Email != cred.Email {
		t.Fatalf("registered user = %+v, want role staff, username %s, email %s", reg.User, cred.Username, cred.Email)
	}

	tok := env.Login(t, cred)
	if tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 || tok.Refresh == "" || tok.User.ID != reg.User.ID {
		t.Fatalf("login answer = %+v, want Bearer, expires_in > 0, refresh, user %s", tok, reg.User.ID)
	}
	user := anon.As(tok.Access)

	t.Run("me", func(t *testing.T) {
		for _, path := range []string{"/auth/me/", "/auth/me"} { // with and without the trailing slash
			var me User
			r := user.JSON("GET", path, nil, http.StatusOK, &me)
			if me.ID != reg.User.ID || me.Username != cred.Username || me.Role != "staff" {
				t.Fatalf("GET %s = %+v, want user %s (%s, staff)", path, me, reg.User.ID, cred.Username)
			}
			if strings.Contains(strings.ToLower(string(r.Body)), "password") || strings.Contains(string(r.Body), "$argon2") {
				t.Fatalf("GET %s leaks a password field: %s", path, r.Body)
			}
		}
	})

	t.Run("login by email", func(t *testing.T) {
		var byEmail Tokens
		anon.JSON("POST", "/auth/login/", map[string]any{"email": cred.Email, "password": cred.Password}, http.StatusOK, &byEmail)
		if byEmail.User.ID != reg.User.ID {
			t.Fatalf("login by email returned user %s, want %s", byEmail.User.ID, reg.User.ID)
		}
	})

	t.Run("wrong password and unknown user answer alike", func(t *testing.T) {
		wrong := anon.Problem("POST", "/auth/login/", map[string]any{"username": cred.Username, "password": cred.Password + "x"}, http.StatusUnauthorized)
		unknown := anon.Problem("POST", "/auth/login/", map[string]any{"username": Unique("nobody"), "password": "whatever-123"}, http.StatusUnauthorized)
		if wrong.Type != unknown.Type || wrong.Title != unknown.Title || wrong.Detail != unknown.Detail {
			t.Fatalf("answers differ: wrong password %+v, unknown user %+v", wrong, unknown)
		}
	})

	t.Run("taken username", func(t *testing.T) {
		anon.Problem("POST", "/auth/register/", map[string]any{"username": cred.Username, "email": Unique("other") + "@example.com", "password": "Pw-long-enough-1"}, http.StatusConflict)
	})

	jwks := fetchJWKS(t, anon)
	claims := payload(t, tok.Access)

	// rejected sends a token and requires 401 problem+json with a Bearer challenge.
	rejected := func(t *testing.T, token string) {
		t.Helper()
		r := anon.As(token).Do("GET", "/auth/me/", nil)
		r.RequireProblem(t, "GET /auth/me/ with a bad token", http.StatusUnauthorized)
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("401 without a Bearer WWW-Authenticate challenge: %q", r.Header.Get("WWW-Authenticate"))
		}
	}

	t.Run("no token", func(t *testing.T) { rejected(t, "") })
	t.Run("garbage token", func(t *testing.T) { rejected(t, "not-a-jwt") })

	t.Run("tampered signature", func(t *testing.T) {
		parts := strings.Split(tok.Access, ".")
		sig := []byte(parts[2])
		// A middle character: the last one may only carry padding bits.
		i := len(sig) / 2
		if sig[i] == 'A' {
			sig[i] = 'B'
		} else {
			sig[i] = 'A'
		}
		rejected(t, parts[0]+"."+parts[1]+"."+string(sig))
	})

	t.Run("tampered payload", func(t *testing.T) {
		parts := strings.Split(tok.Access, ".")
		c := cloneClaims(claims)
		c["role"] = "admin"
		rejected(t, parts[0]+"."+encodeSegment(t, c)+"."+parts[2])
	})

	t.Run("HS256 with the public key as secret", func(t *testing.T) {
		kid, x := jwks.first(t)
		h := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(cloneClaims(claims)))
		h.Header["kid"] = kid
		signed, err := h.SignedString(x)
		if err != nil {
			t.Fatal(err)
		}
		rejected(t, signed)
	})

	t.Run("alg none", func(t *testing.T) {
		n := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(cloneClaims(claims)))
		signed, err := n.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		rejected(t, signed)
	})

	t.Run("key not in the JWKS", func(t *testing.T) {
		_, foreign, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		kid, _ := jwks.first(t)
		for name, kidUsed := range map[string]string{"known kid": kid, "unknown kid": "not-a-real-kid"} {
			t.Run(name, func(t *testing.T) {
				rejected(t, sign(t, foreign, kidUsed, cloneClaims(claims)))
				expired := cloneClaims(claims)
				expired["iat"] = time.Now().Add(-2 * time.Hour).Unix()
				expired["exp"] = time.Now().Add(-time.Hour).Unix()
				rejected(t, sign(t, foreign, kidUsed, expired))
			})
		}
	})

	t.Run("expired token with the real key", func(t *testing.T) {
		kid := jwks.kidOf(env.SigningKey.Public().(ed25519.PublicKey))
		if kid == "" {
			t.Fatalf("identity's JWKS does not publish the key given in IDENTITY_SIGNING_KEY_FILE; JWKS: %s", jwks.raw)
		}
		// Control: the same forging with a valid exp is accepted, so the
		// rejection below is about exp and nothing else.
		valid := cloneClaims(claims)
		valid["iat"] = time.Now().Unix()
		valid["exp"] = time.Now().Add(10 * time.Minute).Unix()
		var me User
		anon.As(sign(t, env.SigningKey, kid, valid)).JSON("GET", "/auth/me/", nil, http.StatusOK, &me)
		if me.ID != reg.User.ID {
			t.Fatalf("forged valid token read user %s, want %s", me.ID, reg.User.ID)
		}
		expired := cloneClaims(claims)
		expired["iat"] = time.Now().Add(-2 * time.Hour).Unix()
		expired["exp"] = time.Now().Add(-time.Hour).Unix()
		rejected(t, sign(t, env.SigningKey, kid, expired))
	})

	t.Run("refresh token as access token", func(t *testing.T) {
		rejected(t, tok.Refresh)
	})

	t.Run("staff on admin routes", func(t *testing.T) {
		user.Problem("GET", "/admin/users/", nil, http.StatusForbidden)
		user.Problem("POST", "/admin/users/", map[string]any{"username": Unique("x"), "email": Unique("x") + "@example.com", "password": "Pw-long-enough-1", "role": "admin"}, http.StatusForbidden)
		user.Problem("GET", "/admin/companies/", nil, http.StatusForbidden)
	})

	t.Run("malformed JSON", func(t *testing.T) {
		p := anon.Problem("POST", "/auth/register/", Raw(`{"username": "a", "email": `), http.StatusBadRequest)
		if !strings.Contains(strings.ToLower(p.Detail), "json") {
			t.Fatalf("400 does not say the JSON is malformed: %+v", p)
		}
		p = anon.Problem("POST", "/auth/login/", Raw(`{"username": "a",}`), http.StatusBadRequest)
		if !strings.Contains(strings.ToLower(p.Detail), "json") || !strings.Contains(strings.ToLower(p.Detail), "offset") {
			t.Fatalf("400 does not point at the bad byte offset: %+v", p)
		}
	})

	t.Run("register cannot choose its role", func(t *testing.T) {
		name := Unique("climber")
		anon.Problem("POST", "/auth/register/", map[string]any{"username": name, "email": name + "@example.com", "password": "Pw-long-enough-1", "role": "admin"}, http.StatusUnprocessableEntity)
	})

	t.Run("bootstrap admin lists users", func(t *testing.T) {
		admin := env.AdminClient(t)
		var page struct {
			Items      []User  `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		r := admin.JSON("GET", "/admin/users/?q="+cred.Username, nil, http.StatusOK, &page)
		if !strings.Contains(string(r.Body), `"next_cursor"`) {
			t.Errorf("list answer lacks next_cursor: %s", r.Body)
		}
		found := false
		for _, u := range page.Items {
			if u.ID == reg.User.ID {
				found = u.Username == cred.Username && u.Role == "staff"
			}
		}
		if !found {
			t.Fatalf("admin's user list (q=%s) lacks the registered user %s: %s", cred.Username, reg.User.ID, r.Body)
		}
		var me User
		admin.JSON("GET", "/auth/me/", nil, http.StatusOK, &me)
		if me.Role != "admin" || me.Username != env.Admin.Username {
			t.Fatalf("bootstrap admin's profile = %+v", me)
		}
	})
}

// jwkSet is identity's published JWKS.
type jwkSet struct {
	raw  []byte
	Keys []struct {
		Kid string `json:"kid"`
		Kty string `json:"kty"`
		Crv string `json:"crv"`
		X   string `json:"x"`
	} `json:"keys"`
}

func fetchJWKS(t *testing.T, c *Client) jwkSet {
	t.Helper()
	var set jwkSet
	r := c.JSON("GET", "/.well-known/jwks.json", nil, http.StatusOK, &set)
	set.raw = r.Body
	if len(set.Keys) == 0 {
		t.Fatalf("JWKS has no keys: %s", r.Body)
	}
	return set
}

// first returns the first key's kid and raw public key bytes.
func (s jwkSet) first(t *testing.T) (string, []byte) {
	t.Helper()
	x, err := base64.RawURLEncoding.DecodeString(s.Keys[0].X)
	if err != nil {
		t.Fatalf("JWKS key x: %v", err)
	}
	return s.Keys[0].Kid, x
}

// kidOf finds the kid under which pub is published ("" when absent).
func (s jwkSet) kidOf(pub ed25519.PublicKey) string {
	want := base64.RawURLEncoding.EncodeToString(pub)
	for _, k := range s.Keys {
		if k.Kty == "OKP" && k.X == want {
			return k.Kid
		}
	}
	return ""
}

// payload decodes a JWT's claims without verifying it.
func payload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWS: %q", token)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode token payload: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(data, &claims); err != nil {
		t.Fatalf("decode token claims: %v", err)
	}
	for _, k := range []string{"iss", "aud", "sub", "exp", "typ", "role"} {
		if _, ok := claims[k]; !ok {
			t.Fatalf("access token lacks claim %s: %s", k, data)
		}
	}
	return claims
}

func cloneClaims(c map[string]any) map[string]any {
	out := make(map[string]any, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

func encodeSegment(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(data)
}

func sign(t *testing.T, key ed25519.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	tk := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims(claims))
	tk.Header["kid"] = kid
	s, err := tk.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

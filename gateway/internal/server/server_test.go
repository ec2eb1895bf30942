package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/gateway/internal/config"
	"github.com/eventai/eventai/libs/auth"
)

const someID = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"

// expected is the route table of docs/CONVENTIONS.md written out again, independently of
// routes.Table: who may call each route (admin always may) and which service answers.
var expected = []struct {
	methods, path, service string
	roles                  string // "public", "signed", or the non-admin roles allowed
}{
	{"POST", "/auth/register", "identity", "public"},
	{"POST", "/auth/login", "identity", "public"},
	{"POST", "/auth/refresh", "identity", "public"},
	{"POST", "/auth/logout", "identity", "public"},
	{"GET PUT", "/auth/me", "identity", "signed"},
	{"GET", "/.well-known/jwks.json", "identity", "public"},
	{"GET POST", "/admin/users", "identity", ""},
	{"GET PUT DELETE", "/admin/users/{id}", "identity", ""},
	{"GET", "/admin/companies", "company", ""},
	{"GET POST", "/organizer/companies", "company", "organizer"},
	{"GET PUT DELETE", "/organizer/companies/{id}", "company", "organizer"},
	{"GET", "/organizer/companies/{id}/members", "company", "organizer manager"},
	{"GET POST", "/organizer/events", "event", "organizer"},
	{"GET PUT DELETE", "/organizer/events/{id}", "event", "organizer"},
	{"POST", "/organizer/events/{id}/schedule", "event", "organizer"},
	{"GET", "/organizer/events/{id}/sessions", "event", "organizer manager"},
	{"GET POST", "/organizer/events/{id}/teams", "event", "organizer"},
	{"PUT DELETE", "/organizer/events/{id}/teams/{id}", "event", "organizer"},
	{"GET", "/manager/events", "event", "manager"},
	{"GET", "/manager/events/{id}", "event", "manager"},
	{"GET", "/manager/events/{id}/teams", "event", "manager"},
	{"PUT", "/manager/teams/{id}", "event", "manager"},
	{"GET POST", "/organizer/events/{id}/tasks", "task", "organizer"},
	{"GET PUT DELETE", "/organizer/tasks/{id}", "task", "organizer"},
	{"GET", "/manager/events/{id}/tasks", "task", "manager"},
	{"GET PUT", "/manager/tasks/{id}", "task", "manager"},
	{"POST", "/manager/suggestions/{id}/approve", "task", "manager"},
	{"GET", "/staff/tasks", "task", "staff"},
	{"GET PUT", "/staff/tasks/{id}", "task", "staff"},
	{"GET", "/tasks/{id}/history", "task", "signed"},
	{"POST", "/organizer/events/{id}/ai/suggest", "suggestion", "organizer"},
	{"GET", "/organizer/events/{id}/suggestions", "suggestion", "organizer"},
	{"GET", "/organizer/suggestions/{id}", "suggestion", "organizer"},
	{"GET", "/manager/suggestions/{id}", "suggestion", "manager"},
}

func TestRoleTablePerRoute(t *testing.T) {
	g := startGateway(t, setup{})
	tokens := map[string]string{}
	for _, role := range []string{"admin", "organizer", "manager", "staff"} {
		tokens[role] = g.identity.token(t, auth.TypeAccess, role)
	}
	for _, e := range expected {
		path := strings.ReplaceAll(e.path, "{id}", someID)
		for _, method := range strings.Fields(e.methods) {
			for role, tok := range tokens {
				allowed := e.roles == "public" || e.roles == "signed" || role == "admin" ||
					strings.Contains(" "+e.roles+" ", " "+role+" ")
				t.Run(method+" "+e.path+" as "+role, func(t *testing.T) {
					resp := g.call(t, method, path+"/", strings.NewReader(`{}`), "Authorization", "Bearer "+tok)
					if !allowed {
						require.Equal(t, http.StatusForbidden, resp.StatusCode)
						p := problemOf(t, resp)
						assert.Equal(t, "/problems/forbidden", p["type"])
						return
					}
					require.Contains(t, []int{200, 201}, resp.StatusCode)
					s := seenOf(t, resp)
					assert.Equal(t, e.service, s.Service)
					assert.Equal(t, method, s.Method)
					assert.Equal(t, path, s.Path, "forwarded without the trailing slash")
				})
			}
			if e.roles != "public" {
				t.Run(method+" "+e.path+" without token", func(t *testing.T) {
					resp := g.call(t, method, path, nil)
					require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
					assert.Equal(t, "/problems/unauthorized", problemOf(t, resp)["type"])
				})
			}
		}
	}
}

func TestPublicRoutesNeedNoToken(t *testing.T) {
	g := startGateway(t, setup{})
	resp := g.call(t, "POST", "/auth/login/", strings.NewReader(`{"username":"a","password":"b"}`))
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "/auth/login", seenOf(t, resp).Path)
}

// badTokens builds every kind of token the gateway must refuse, from the real signing key.
func badTokens(t *testing.T, id *identity) map[string]string {
	t.Helper()
	valid := id.token(t, auth.TypeAccess, "admin")
	parts := strings.Split(valid, ".")
	require.Len(t, parts, 3)

	// Same signature over a payload whose role was changed.
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	claims["role"] = "superuser"
	forged, err := json.Marshal(claims)
	require.NoError(t, err)
	tamperedPayload := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]

	// A flipped byte in the middle of the signature.
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	sig[10] ^= 0xff
	tamperedSig := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)

	now := time.Now()
	base := func() *auth.Claims {
		return &auth.Claims{
			RegisteredClaims: jwt.RegisteredClaims{
				Issuer: issuer, Subject: uuid.NewString(), Audience: jwt.ClaimStrings{audience},
				ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: uuid.NewString(),
			},
			Type: auth.TypeAccess, Role: "admin",
		}
	}

	// HS256 keyed with the public key: the classic algorithm-confusion forgery.
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, base())
	hs.Header["kid"] = id.signer.KeyID()
	hsToken, err := hs.SignedString([]byte(id.key.Public().(ed25519.PublicKey)))
	require.NoError(t, err)

	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, base()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)

	sign := func(c *auth.Claims) string {
		raw, err := id.signer.Sign(c)
		require.NoError(t, err)
		return raw
	}
	expired := base()
	expired.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Hour))
	expired.IssuedAt = jwt.NewNumericDate(now.Add(-2 * time.Hour))
	wrongAud := base()
	wrongAud.Audience = jwt.ClaimStrings{"someone-else"}
	wrongIss := base()
	wrongIss.Issuer = "evil"

	// A key nobody published, presenting the real kid.
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	impostor, err := auth.NewSigner(otherKey, id.signer.KeyID(), issuer, audience)
	require.NoError(t, err)
	foreign, err := impostor.Sign(base())
	require.NoError(t, err)

	return map[string]string{
		"garbage":            "not-a-jwt",
		"tampered payload":   tamperedPayload,
		"tampered signature": tamperedSig,
		"HS256":              hsToken,
		"alg none":           none,
		"expired":            sign(expired),
		"refresh as access":  id.token(t, auth.TypeRefresh, "admin"),
		"wrong audience":     sign(wrongAud),
		"wrong issuer":       sign(wrongIss),
		"foreign key":        foreign,
	}
}

func TestInvalidTokensGet401(t *testing.T) {
	g := startGateway(t, setup{})
	// The valid token passes, so the failures below are about the token alone.
	ok := g.call(t, "GET", "/auth/me/", nil, "Authorization", "Bearer "+g.identity.token(t, auth.TypeAccess, "staff"))
	require.Equal(t, http.StatusOK, ok.StatusCode)

	for name, tok := range badTokens(t, g.identity) {
		t.Run(name, func(t *testing.T) {
			resp := g.call(t, "GET", "/auth/me/", nil, "Authorization", "Bearer "+tok)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer "), resp.Header.Get("WWW-Authenticate"))
			assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`)
			assert.Equal(t, "/problems/unauthorized", problemOf(t, resp)["type"])
		})
	}
	for name, header := range map[string]string{
		"no header":    "",
		"basic scheme": "Basic YWRtaW46YWRtaW4=",
		"empty bearer": "Bearer ",
	} {
		t.Run(name, func(t *testing.T) {
			resp := g.call(t, "GET", "/auth/me", nil, "Authorization", header)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.Equal(t, `Bearer realm="eventai"`, resp.Header.Get("WWW-Authenticate"))
			problemOf(t, resp)
		})
	}
}

func TestTrailingSlashAndQuery(t *testing.T) {
	g := startGateway(t, setup{})
	tok := g.identity.token(t, auth.TypeAccess, "admin")
	for _, path := range []string{"/admin/users", "/admin/users/"} {
		resp := g.call(t, "GET", path+"?role=staff&limit=5", nil, "Authorization", "Bearer "+tok)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		s := seenOf(t, resp)
		assert.Equal(t, "/admin/users", s.Path)
		assert.Equal(t, "role=staff&limit=5", s.Query)
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	g := startGateway(t, setup{})
	tok := g.identity.token(t, auth.TypeAccess, "admin")

	for _, path := range []string{"/nope", "/admin/users/" + someID + "/x", "/auth/../admin/users"} {
		resp := g.call(t, "GET", path, nil, "Authorization", "Bearer "+tok)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		p := problemOf(t, resp)
		assert.Equal(t, "/problems/not-found", p["type"])
		assert.Contains(t, p["detail"], "no route", path)
	}
	// A known route with a malformed id reads like a missing object, not like an unknown route.
	for _, path := range []string{"/admin/users/not-a-uuid", "/organizer/events/abc/", "/organizer/events/" + someID + "/teams/42"} {
		method := "GET"
		if strings.Contains(path, "/teams/") {
			method = "PUT"
		}
		resp := g.call(t, method, path, nil, "Authorization", "Bearer "+tok)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		p := problemOf(t, resp)
		assert.Equal(t, "/problems/not-found", p["type"])
		assert.Equal(t, "no such object, or not yours", p["detail"], path)
	}

	resp := g.call(t, "DELETE", "/organizer/events/", nil, "Authorization", "Bearer "+tok)
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, POST", resp.Header.Get("Allow"))
	assert.Equal(t, "/problems/method-not-allowed", problemOf(t, resp)["type"])
}

func TestHeadersForwardedAndStripped(t *testing.T) {
	g := startGateway(t, setup{})
	tok := g.identity.token(t, auth.TypeAccess, "staff")
	traceID := "4bf92f3577b34da6a3ce929d0e0e4736"
	incoming := "00-" + traceID + "-00f067aa0ba902b7-01"
	resp := g.call(t, "GET", "/staff/tasks/", nil,
		"Authorization", "Bearer "+tok,
		"X-Request-Id", "req-123.abc",
		"Traceparent", incoming,
		"X-User-Id", someID,
		"X-User-Role", "admin",
		"X-Forwarded-User", "admin",
		"X-Real-IP", "1.2.3.4",
		"X-Forwarded-For", "1.2.3.4",
	)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "req-123.abc", resp.Header.Get("X-Request-Id"))
	s := seenOf(t, resp)
	h := http.Header(s.Header)
	assert.Equal(t, "Bearer "+tok, h.Get("Authorization"))
	assert.Equal(t, "req-123.abc", h.Get("X-Request-Id"))
	for _, name := range []string{"X-User-Id", "X-User-Role", "X-Forwarded-User", "X-Real-Ip"} {
		assert.Empty(t, h.Values(name), name)
	}
	// The peer is 127.0.0.1 and no proxy is trusted: the client's X-Forwarded-For is ignored.
	assert.Equal(t, "127.0.0.1", h.Get("X-Forwarded-For"))

	tp := strings.Split(h.Get("Traceparent"), "-")
	require.Len(t, tp, 4, h.Get("Traceparent"))
	assert.Equal(t, traceID, tp[1], "same trace")
	assert.NotEqual(t, "00f067aa0ba902b7", tp[2], "the gateway's own span is the parent")
	assert.Contains(t, g.logs.String(), `"trace_id":"`+traceID+`"`)
	assert.Contains(t, g.logs.String(), `"request_id":"req-123.abc"`)

	// The upstream's own CORS header never reaches the client; its ETag and Location do.
	assert.NotEqual(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, `"7"`, resp.Header.Get("ETag"))
	assert.Equal(t, "/somewhere", resp.Header.Get("Location"))
}

func TestRequestIDGeneratedWhenMissingOrUnsafe(t *testing.T) {
	g := startGateway(t, setup{})
	for name, in := range map[string]string{"missing": "", "unsafe": "bad id<x>", "too long": strings.Repeat("a", 200)} {
		t.Run(name, func(t *testing.T) {
			resp := g.call(t, "POST", "/auth/login", strings.NewReader(`{}`), "X-Request-Id", in)
			out := resp.Header.Get("X-Request-Id")
			require.NoError(t, uuid.Validate(out), out)
			assert.Equal(t, out, http.Header(seenOf(t, resp).Header).Get("X-Request-Id"))
		})
	}
}

func TestTrustedProxyForwardedFor(t *testing.T) {
	g := startGateway(t, setup{mutate: func(c *config.Config) {
		c.TrustedProxies = "127.0.0.1"
		c.RateLimit = 2
	}})
	call := func(client string) *http.Response {
		return g.call(t, "POST", "/auth/login", strings.NewReader(`{}`), "X-Forwarded-For", client)
	}
	resp := call("203.0.113.7")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "203.0.113.7, 127.0.0.1", http.Header(seenOf(t, resp).Header).Get("X-Forwarded-For"))

	// Limits are per client behind the proxy, not per proxy.
	require.Equal(t, http.StatusCreated, call("203.0.113.7").StatusCode)
	require.Equal(t, http.StatusTooManyRequests, call("203.0.113.7").StatusCode)
	require.Equal(t, http.StatusCreated, call("198.51.100.1").StatusCode)
}

func TestCORS(t *testing.T) {
	g := startGateway(t, setup{})
	pre := g.call(t, "OPTIONS", "/manager/tasks/"+someID, nil,
		"Origin", "http://app.example",
		"Access-Control-Request-Method", "PUT",
		"Access-Control-Request-Headers", "Authorization, Content-Type, If-Match")
	require.Equal(t, http.StatusNoContent, pre.StatusCode)
	assert.Equal(t, "http://app.example", pre.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", pre.Header.Get("Access-Control-Allow-Credentials"))
	assert.Contains(t, pre.Header.Get("Access-Control-Allow-Methods"), "PUT")
	assert.Contains(t, strings.ToLower(pre.Header.Get("Access-Control-Allow-Headers")), "authorization")

	other := g.call(t, "OPTIONS", "/manager/tasks/"+someID, nil,
		"Origin", "http://evil.example", "Access-Control-Request-Method", "PUT")
	assert.Empty(t, other.Header.Get("Access-Control-Allow-Origin"))

	simple := g.call(t, "POST", "/auth/login", strings.NewReader(`{}`), "Origin", "http://app.example")
	require.Equal(t, http.StatusCreated, simple.StatusCode)
	assert.Equal(t, "http://app.example", simple.Header.Get("Access-Control-Allow-Origin"))
	exposed := strings.ToLower(simple.Header.Get("Access-Control-Expose-Headers"))
	for _, h := range []string{"etag", "x-request-id", "location"} {
		assert.Contains(t, exposed, h)
	}
	// Whatever budget headers the limiter sets, a browser may read them.
	var budget []string
	for name := range simple.Header {
		if strings.HasPrefix(strings.ToLower(name), "x-ratelimit-") {
			budget = append(budget, strings.ToLower(name))
		}
	}
	require.NotEmpty(t, budget, "the limiter sets X-RateLimit-* headers")
	for _, h := range budget {
		assert.Contains(t, strings.Split(exposed, ","), h)
	}
}

func TestRateLimits(t *testing.T) {
	g := startGateway(t, setup{mutate: func(c *config.Config) {
		c.RateLimit = 8
		c.AuthRateLimit = 3
	}})
	for i := range 3 {
		resp := g.call(t, "POST", "/auth/login/", strings.NewReader(`{}`))
		require.Equal(t, http.StatusCreated, resp.StatusCode, "login %d", i)
	}
	resp := g.call(t, "POST", "/auth/register", strings.NewReader(`{}`))
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "login and register share the strict budget")
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.Positive(t, retry)
	assert.Equal(t, "/problems/rate-limited", problemOf(t, resp)["type"])

	// The general budget still has room for other routes, then runs out too.
	tok := g.identity.token(t, auth.TypeAccess, "staff")
	status := []int{}
	for range 5 {
		status = append(status, g.call(t, "GET", "/auth/me", nil, "Authorization", "Bearer "+tok).StatusCode)
	}
	assert.Equal(t, []int{200, 200, 200, 200, 429}, status)
	// Probes are never limited.
	assert.Equal(t, http.StatusOK, g.call(t, "GET", "/healthz", nil).StatusCode)
}

func TestBodyLimits(t *testing.T) {
	g := startGateway(t, setup{})
	tok := g.identity.token(t, auth.TypeAccess, "organizer")

	resp := g.call(t, "POST", "/organizer/events/", bytes.NewReader(make([]byte, 1<<20+1)), "Authorization", "Bearer "+tok)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Equal(t, "/problems/payload-too-large", problemOf(t, resp)["type"])

	resp = g.call(t, "POST", "/organizer/events/", bytes.NewReader(make([]byte, 1<<20)), "Authorization", "Bearer "+tok)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, 1<<20, seenOf(t, resp).BodyLen)

	schedule := "/organizer/events/" + someID + "/schedule"
	resp = g.call(t, "POST", schedule, bytes.NewReader(make([]byte, 5<<20)), "Authorization", "Bearer "+tok, "Content-Type", "application/xml")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, 5<<20, seenOf(t, resp).BodyLen)

	// Over the server-wide limit the gateway answers from the headers alone and closes the
	// connection, so announce the size without sending it (a client still writing would see a
	// reset instead of the answer).
	conn, err := net.Dial("tcp", strings.TrimPrefix(g.url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST "+schedule+" HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer "+tok+
		"\r\nContent-Type: application/xml\r\nContent-Length: "+strconv.Itoa(16<<20+1)+"\r\n\r\n")
	require.NoError(t, err)
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Equal(t, "/problems/payload-too-large", problemOf(t, resp)["type"])
}

func TestUpstreamFailures(t *testing.T) {
	// A port that was open a moment ago and is closed now: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	hang := make(chan struct{})
	slow := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})}
	sln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = slow.Serve(sln) }()
	t.Cleanup(func() {
		close(hang)
		_ = slow.Shutdown(context.Background())
	})

	g := startGateway(t, setup{
		upstreams: map[string]string{"company": closed, "suggestion": "", "task": "http://" + sln.Addr().String()},
		mutate:    func(c *config.Config) { c.UpstreamTimeout = 300 * time.Millisecond },
	})
	tok := g.identity.token(t, auth.TypeAccess, "admin")

	for _, path := range []string{"/admin/companies", "/organizer/suggestions/" + someID} {
		resp := g.call(t, "GET", path, nil, "Authorization", "Bearer "+tok)
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, path)
		assert.Equal(t, "/problems/unavailable", problemOf(t, resp)["type"])
	}
	resp := g.call(t, "GET", "/staff/tasks", nil, "Authorization", "Bearer "+tok)
	require.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
	assert.Equal(t, "/problems/gateway-timeout", problemOf(t, resp)["type"])

	// Readiness needs identity's JWKS only; the broken upstreams are reported.
	ready := g.call(t, "GET", "/readyz", nil)
	require.Equal(t, http.StatusOK, ready.StatusCode)
	var body struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	require.NoError(t, json.NewDecoder(ready.Body).Decode(&body))
	assert.Equal(t, "ok", body.Checks["identity_jwks"])
	assert.Equal(t, "ok", body.Checks["identity"])
	assert.NotEqual(t, "ok", body.Checks["company"])
	assert.NotEqual(t, "ok", body.Checks["suggestion"])

	metrics := g.call(t, "GET", "/metrics", nil)
	text, err := io.ReadAll(metrics.Body)
	require.NoError(t, err)
	assert.Contains(t, string(text), `gateway_upstream_errors_total{kind="unavailable",service="company"} 1`)
	assert.Contains(t, string(text), `gateway_upstream_errors_total{kind="timeout",service="task"} 1`)
	assert.Contains(t, string(text), `http_requests_total{method="GET",route="/organizer/suggestions/{id}",status="503"} 1`)
	assert.NotContains(t, string(text), someID, "metrics are labelled by template, never by raw path")
}

func TestReadyzNeedsJWKS(t *testing.T) {
	g := startGateway(t, setup{})
	require.Equal(t, http.StatusOK, g.call(t, "GET", "/readyz", nil).StatusCode)
	g.identity.jwks.Close()
	resp := g.call(t, "GET", "/readyz", nil)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, http.StatusOK, g.call(t, "GET", "/healthz/", nil).StatusCode)

	// Labels survive the reuse of fasthttp's buffers by later requests (bodies drained so the
	// connection is reused).
	for _, path := range []string{"/admin/users", "/nope/nope/nope", "/metrics"} {
		r := g.call(t, "GET", path, nil)
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	text, err := io.ReadAll(g.call(t, "GET", "/metrics", nil).Body)
	require.NoError(t, err)
	assert.Contains(t, string(text), `http_requests_total{method="GET",route="/readyz",status="503"} 1`)
	assert.Contains(t, string(text), `http_requests_total{method="GET",route="/healthz",status="200"} 1`)
}

type panickingVerifier struct{}

func (panickingVerifier) Verify(context.Context, string, string) (*auth.Claims, error) {
	panic("verifier exploded")
}

func TestPanicBecomes500Problem(t *testing.T) {
	g := startGateway(t, setup{verifier: panickingVerifier{}})
	resp := g.call(t, "GET", "/auth/me", nil, "Authorization", "Bearer x")
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	p := problemOf(t, resp)
	assert.Equal(t, "/problems/internal", p["type"])
	assert.NotContains(t, p["detail"], "exploded", "internals stay in the log")
	assert.Contains(t, g.logs.String(), "verifier exploded")
	// The server survives.
	assert.Equal(t, http.StatusOK, g.call(t, "GET", "/healthz", nil).StatusCode)
}

func TestOpenAPIAndDocs(t *testing.T) {
	g := startGateway(t, setup{})
	resp := g.call(t, "GET", "/openapi.json/", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	assert.Contains(t, doc.Paths, "/organizer/events/{event_id}/ai/suggest")

	docs := g.call(t, "GET", "/docs", nil)
	require.Equal(t, http.StatusOK, docs.StatusCode)
	assert.Contains(t, docs.Header.Get("Content-Type"), "text/html")
	html, err := io.ReadAll(docs.Body)
	require.NoError(t, err)
	assert.Contains(t, string(html), "<code>/manager/suggestions/{id}/approve</code>")
	assert.NotContains(t, string(html), "https://", "no CDN")
}

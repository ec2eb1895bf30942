package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
)

const (
	iss = "eventai-identity"
	aud = "eventai"
)

type keyServer struct {
	mu      sync.Mutex
	signers []*auth.Signer
	hits    atomic.Int64
	srv     *httptest.Server
}

func newKeyServer(t testing.TB) *keyServer {
	ks := &keyServer{}
	ks.srv = httptest.NewServer(auth.JWKSHandler(func(*http.Request) (auth.JWKS, error) {
		ks.hits.Add(1)
		ks.mu.Lock()
		defer ks.mu.Unlock()
		var set auth.JWKS
		for _, s := range ks.signers {
			set.Keys = append(set.Keys, auth.PublicJWK(s.PublicKey(), s.KeyID()))
		}
		return set, nil
	}))
	t.Cleanup(ks.srv.Close)
	return ks
}

func (ks *keyServer) url() string { return ks.srv.URL + "/.well-known/jwks.json" }

func (ks *keyServer) add(t testing.TB, publish bool) *auth.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := auth.NewSigner(priv, auth.KeyID(priv.Public().(ed25519.PublicKey)), iss, aud)
	require.NoError(t, err)
	if publish {
		ks.mu.Lock()
		ks.signers = append(ks.signers, s)
		ks.mu.Unlock()
	}
	return s
}

func principal() auth.Principal {
	return auth.Principal{UserID: uuid.New(), Role: auth.RoleStaff, Username: "ana"}
}

func claims(typ string, mod func(*auth.Claims)) *auth.Claims {
	now := time.Now().Truncate(time.Second)
	c := &auth.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: iss, Subject: uuid.NewString(), Audience: jwt.ClaimStrings{aud},
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now), ID: uuid.NewString(),
		},
		Type: typ, Role: auth.RoleStaff, Username: "ana",
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func TestVerifyAcceptsIssuedTokens(t *testing.T) {
	ks := newKeyServer(t)
	s := ks.add(t, true)
	v := auth.NewVerifier(ks.url(), iss, aud, nil)
	p := principal()

	raw, issued, err := s.Issue(auth.TypeAccess, p, auth.AccessTTL)
	require.NoError(t, err)
	c, err := v.Verify(context.Background(), raw, auth.TypeAccess)
	require.NoError(t, err)
	require.Equal(t, p.UserID.String(), c.Subject)
	require.Equal(t, issued.ID, c.ID)
	got, err := c.Principal()
	require.NoError(t, err)
	require.Equal(t, p, got)
	require.Equal(t, time.Duration(auth.AccessTTL), c.ExpiresAt.Sub(c.IssuedAt.Time))

	rraw, _, err := s.Issue(auth.TypeRefresh, p, auth.RefreshTTL)
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), rraw, auth.TypeRefresh)
	require.NoError(t, err)
}

// hmacWithPublicKey forges the classic alg-confusion token: HS256 keyed with the public key bytes.
func hmacWithPublicKey(t *testing.T, s *auth.Signer, c *auth.Claims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = s.KeyID()
	raw, err := tok.SignedString([]byte(s.PublicKey()))
	require.NoError(t, err)
	return raw
}

func noneToken(t *testing.T, s *auth.Signer, c *auth.Claims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, c)
	tok.Header["kid"] = s.KeyID()
	raw, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	return raw
}

func tamper(t *testing.T, raw string) string {
	parts := strings.Split(raw, ".")
	require.Len(t, parts, 3)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	sig[0] ^= 0x01
	parts[2] = base64.RawURLEncoding.EncodeToString(sig)
	return strings.Join(parts, ".")
}

// swapPayload keeps the genuine signature but changes the role in the payload.
func swapPayload(t *testing.T, raw string) string {
	parts := strings.Split(raw, ".")
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	m["role"] = auth.RoleAdmin
	body, err = json.Marshal(m)
	require.NoError(t, err)
	parts[1] = base64.RawURLEncoding.EncodeToString(body)
	return strings.Join(parts, ".")
}

func TestVerifyRejects(t *testing.T) {
	ks := newKeyServer(t)
	s := ks.add(t, true)
	stranger := ks.add(t, false) // valid key, never published
	v := auth.NewVerifier(ks.url(), iss, aud, nil)

	sign := func(signer *auth.Signer, c *auth.Claims) string {
		raw, err := signer.Sign(c)
		require.NoError(t, err)
		return raw
	}
	good := sign(s, claims(auth.TypeAccess, nil))

	cases := []struct {
		name string
		raw  string
		typ  string
	}{
		{"tampered signature", tamper(t, good), auth.TypeAccess},
		{"payload changed under a genuine signature", swapPayload(t, good), auth.TypeAccess},
		{"HS256 with the public key as secret", hmacWithPublicKey(t, s, claims(auth.TypeAccess, nil)), auth.TypeAccess},
		{"alg none", noneToken(t, s, claims(auth.TypeAccess, nil)), auth.TypeAccess},
		{"expired beyond leeway", sign(s, claims(auth.TypeAccess, func(c *auth.Claims) {
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute))
			c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-2 * time.Minute))
		})), auth.TypeAccess},
		{"no exp", sign(s, claims(auth.TypeAccess, func(c *auth.Claims) { c.ExpiresAt = nil })), auth.TypeAccess},
		{"issued in the future", sign(s, claims(auth.TypeAccess, func(c *auth.Claims) {
			c.IssuedAt = jwt.NewNumericDate(time.Now().Add(5 * time.Minute))
		})), auth.TypeAccess},
		{"wrong issuer", sign(s, claims(auth.TypeAccess, func(c *auth.Claims) { c.Issuer = "evil" })), auth.TypeAccess},
		{"wrong audience", sign(s, claims(auth.TypeAccess, func(c *auth.Claims) { c.Audience = jwt.ClaimStrings{"other"} })), auth.TypeAccess},
		{"refresh used as access", sign(s, claims(auth.TypeRefresh, nil)), auth.TypeAccess},
		{"access used as refresh", good, auth.TypeRefresh},
		{"unknown kid", sign(stranger, claims(auth.TypeAccess, nil)), auth.TypeAccess},
		{"no subject", sign(s, claims(auth.TypeAccess, func(c *auth.Claims) { c.Subject = "" })), auth.TypeAccess},
		{"garbage", "not.a.jwt", auth.TypeAccess},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tc.raw, tc.typ)
			require.ErrorIs(t, err, auth.ErrInvalidToken)
			require.Nil(t, c)
		})
	}
	// The untouched token still passes, so the rejections above are about what was changed.
	_, err := v.Verify(context.Background(), good, auth.TypeAccess)
	require.NoError(t, err)
}

func TestVerifyWithinLeeway(t *testing.T) {
	ks := newKeyServer(t)
	s := ks.add(t, true)
	v := auth.NewVerifier(ks.url(), iss, aud, nil)
	raw, err := s.Sign(claims(auth.TypeAccess, func(c *auth.Claims) {
		c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-10 * time.Second))
	}))
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), raw, auth.TypeAccess)
	require.NoError(t, err)
}

func TestKeyRotationFetchesNewKid(t *testing.T) {
	ks := newKeyServer(t)
	old := ks.add(t, true)
	v := auth.NewVerifier(ks.url(), iss, aud, nil)

	raw, _, err := old.Issue(auth.TypeAccess, principal(), time.Minute)
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), raw, auth.TypeAccess)
	require.NoError(t, err)
	require.EqualValues(t, 1, ks.hits.Load())

	// A new key is published after the cache was filled.
	rotated := ks.add(t, true)
	raw2, _, err := rotated.Issue(auth.TypeAccess, principal(), time.Minute)
	require.NoError(t, err)
	require.NotEqual(t, old.KeyID(), rotated.KeyID())

	// Within MinRefetch of the last fetch the unknown kid is refused without another request.
	_, err = v.Verify(context.Background(), raw2, auth.TypeAccess)
	require.ErrorIs(t, err, auth.ErrInvalidToken)
	require.EqualValues(t, 1, ks.hits.Load())

	// A verifier whose cache is empty fetches the rotated set and accepts both kids
	// (TestUnknownKidRefetchAfterInterval covers the refetch after MinRefetch).
	v2 := auth.NewVerifier(ks.url(), iss, aud, nil)
	_, err = v2.Verify(context.Background(), raw, auth.TypeAccess) // loads {old, rotated}
	require.NoError(t, err)
	_, err = v2.Verify(context.Background(), raw2, auth.TypeAccess)
	require.NoError(t, err)
	require.EqualValues(t, 2, ks.hits.Load())
}

func TestUnknownKidRefetchAfterInterval(t *testing.T) {
	var set atomic.Pointer[auth.JWKS]
	var calls atomic.Int64
	src := func(context.Context) (auth.JWKS, error) { calls.Add(1); return *set.Load(), nil }

	_, k1, _ := ed25519.GenerateKey(rand.Reader)
	_, k2, _ := ed25519.GenerateKey(rand.Reader)
	s1, err := auth.NewSigner(k1, "k1", iss, aud)
	require.NoError(t, err)
	s2, err := auth.NewSigner(k2, "k2", iss, aud)
	require.NoError(t, err)
	set.Store(&auth.JWKS{Keys: []auth.JWK{auth.PublicJWK(s1.PublicKey(), "k1")}})

	clock := time.Now()
	v := auth.NewVerifierWithSource(src, iss, aud)
	auth.SetClock(v, func() time.Time { return clock })

	raw1, _, _ := s1.Issue(auth.TypeAccess, principal(), time.Hour)
	raw2, _, _ := s2.Issue(auth.TypeAccess, principal(), time.Hour)
	_, err = v.Verify(context.Background(), raw1, auth.TypeAccess)
	require.NoError(t, err)

	set.Store(&auth.JWKS{Keys: []auth.JWK{auth.PublicJWK(s1.PublicKey(), "k1"), auth.PublicJWK(s2.PublicKey(), "k2")}})
	for range 5 { // a burst of unknown kids does not hammer the source
		_, err = v.Verify(context.Background(), raw2, auth.TypeAccess)
		require.Error(t, err)
	}
	require.EqualValues(t, 1, calls.Load())

	clock = clock.Add(auth.MinRefetch + time.Second)
	_, err = v.Verify(context.Background(), raw2, auth.TypeAccess)
	require.NoError(t, err)
	require.EqualValues(t, 2, calls.Load())
}

func TestConcurrentUnknownKidSingleFetch(t *testing.T) {
	var calls atomic.Int64
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	s, err := auth.NewSigner(k, "k", iss, aud)
	require.NoError(t, err)
	release := make(chan struct{})
	src := func(context.Context) (auth.JWKS, error) {
		calls.Add(1)
		<-release
		return auth.JWKS{Keys: []auth.JWK{auth.PublicJWK(s.PublicKey(), "k")}}, nil
	}
	v := auth.NewVerifierWithSource(src, iss, aud)
	raw, _, _ := s.Issue(auth.TypeAccess, principal(), time.Hour)

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), raw, auth.TypeAccess)
			errs <- err
		})
	}
	// Let the goroutines pile up on the in-flight fetch before it answers.
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		// Callers that arrived after the fetch finished use the cache; all succeed.
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, calls.Load())
}

func TestSourceErrorIsInvalidToken(t *testing.T) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	s, _ := auth.NewSigner(k, "k", iss, aud)
	v := auth.NewVerifierWithSource(func(context.Context) (auth.JWKS, error) { return auth.JWKS{}, errors.New("down") }, iss, aud)
	raw, _, _ := s.Issue(auth.TypeAccess, principal(), time.Hour)
	_, err := v.Verify(context.Background(), raw, auth.TypeAccess)
	require.ErrorIs(t, err, auth.ErrInvalidToken)
}

func TestKeyIDIsRFC7638Thumbprint(t *testing.T) {
	// RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
	x, err := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	require.NoError(t, err)
	require.Equal(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", auth.KeyID(ed25519.PublicKey(x)))
}

func TestMiddlewareAndRoles(t *testing.T) {
	ks := newKeyServer(t)
	s := ks.add(t, true)
	v := auth.NewVerifier(ks.url(), iss, aud, nil)

	var seen auth.Principal
	final := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.FromContext(r.Context())
		require.True(t, ok)
		seen = p
		w.WriteHeader(http.StatusNoContent)
	})
	h := auth.Middleware(v)(auth.RequireRole(auth.RoleOrganizer)(final))

	do := func(authz string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	issue := func(role, typ string) string {
		p := principal()
		p.Role = role
		raw, _, err := s.Issue(typ, p, time.Minute)
		require.NoError(t, err)
		return raw
	}

	for name, authz := range map[string]string{
		"missing":    "",
		"not bearer": "Basic abc",
		"refresh":    "Bearer " + issue(auth.RoleOrganizer, auth.TypeRefresh),
		"tampered":   "Bearer " + tamper(t, issue(auth.RoleOrganizer, auth.TypeAccess)),
	} {
		rec := do(authz)
		require.Equal(t, http.StatusUnauthorized, rec.Code, name)
		require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"), name)
		require.True(t, strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer"), name)
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), name)
		require.Equal(t, "/problems/unauthorized", body["type"], name)
	}

	rec := do("Bearer " + issue(auth.RoleStaff, auth.TypeAccess))
	require.Equal(t, http.StatusForbidden, rec.Code)

	rec = do("bearer " + issue(auth.RoleOrganizer, auth.TypeAccess))
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, auth.RoleOrganizer, seen.Role)

	rec = do("Bearer " + issue(auth.RoleAdmin, auth.TypeAccess))
	require.Equal(t, http.StatusNoContent, rec.Code)
}

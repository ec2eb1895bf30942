// Package servicetest is the harness the services' in-process tests share: a token issuer with its
// own JWKS server, a service's HTTP surface and background work run for one test, envelopes put
// on the topics as their owning services would, and JSON requests with their decoded answers.
// What a test world is made of (users, companies, events) stays in each service's tests.
package servicetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/kafkax"
)

// Issuer signs real access tokens with a fresh Ed25519 key and serves the matching JWKS, as
// identity does, so a service under test verifies tokens through its ordinary code path.
type Issuer struct {
	// Signer issues the tokens.
	Signer *auth.Signer
	// JWKSURL is where the public key is served (closed at the test's cleanup).
	JWKSURL string
}

// NewIssuer starts an Issuer for issuer and audience.
func NewIssuer(t testing.TB, issuer, audience string) *Issuer {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	kid := auth.KeyID(pub)
	signer, err := auth.NewSigner(priv, kid, issuer, audience)
	require.NoError(t, err)
	jwks := httptest.NewServer(auth.JWKSHandler(func(*http.Request) (auth.JWKS, error) {
		return auth.JWKS{Keys: []auth.JWK{auth.PublicJWK(pub, kid)}}, nil
	}))
	t.Cleanup(jwks.Close)
	return &Issuer{Signer: signer, JWKSURL: jwks.URL}
}

// Token issues an access token for p that lives for ttl.
func (i *Issuer) Token(t testing.TB, p auth.Principal, ttl time.Duration) string {
	t.Helper()
	tok, _, err := i.Signer.Issue(auth.TypeAccess, p, ttl)
	require.NoError(t, err)
	return tok
}

// Service is what Serve runs: a wired service's background work, HTTP surface and release.
type Service interface {
	Background(ctx context.Context) error
	Handler() http.Handler
	Close()
}

// Serve runs svc for one test: its background work (relay, consumer) and its handler on a local
// HTTP server. It returns the server's URL and a stop that shuts down as SIGTERM would: the
// server first, then the background work (which must end without error), then svc.Close. Stop
// is idempotent and also runs at the test's cleanup.
func Serve(t testing.TB, svc Service) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Background(ctx) }()
	srv := httptest.NewServer(svc.Handler())
	var once sync.Once
	stop = func() {
		once.Do(func() {
			srv.Close()
			cancel()
			require.NoError(t, <-done)
			svc.Close()
		})
	}
	t.Cleanup(stop)
	return srv.URL, stop
}

// NewWriter is a Kafka writer on brokers, closed at the test's cleanup.
func NewWriter(t testing.TB, brokers []string) *kafka.Writer {
	w := kafkax.NewWriter(brokers)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

// Publish puts data in an envelope of source and typ on topic, keyed and subjected by key, as
// the owning service's relay would.
func Publish(t testing.TB, w *kafka.Writer, topic, source, typ, key string, data any) {
	t.Helper()
	env, err := envelope.New(source, typ, key, data)
	require.NoError(t, err)
	raw, err := env.Encode()
	require.NoError(t, err)
	require.NoError(t, w.WriteMessages(context.Background(), kafka.Message{Topic: topic, Key: []byte(key), Value: raw}))
}

// Response is a decoded answer.
type Response struct {
	Status int
	Header http.Header
	// Body is the decoded JSON object (nil when the answer is not one).
	Body map[string]any
	Raw  []byte
}

// Do sends method path to base with body (nil, a raw string, or a value sent as JSON), the
// bearer token when not empty and headers given as name, value pairs, and decodes the answer.
func Do(t testing.TB, base, token, method, path string, body any, headers ...string) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := Response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(t, json.Unmarshal(raw, &out.Body), string(raw))
	}
	return out
}

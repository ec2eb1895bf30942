package server_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/eventai/eventai/gateway/internal/config"
	"github.com/eventai/eventai/gateway/internal/proxy"
	"github.com/eventai/eventai/gateway/internal/server"
	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/logging"
)

const (
	issuer   = "eventai-identity"
	audience = "eventai"
)

// identity is a signing key and the JWKS server that publishes it, as the identity service would.
type identity struct {
	key    ed25519.PrivateKey
	signer *auth.Signer
	jwks   *httptest.Server
}

func newIdentity(t testing.TB) *identity {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := auth.NewSigner(key, auth.KeyID(pub), issuer, audience)
	require.NoError(t, err)
	jwks := httptest.NewServer(auth.JWKSHandler(func(*http.Request) (auth.JWKS, error) {
		return auth.JWKS{Keys: []auth.JWK{auth.PublicJWK(pub, signer.KeyID())}}, nil
	}))
	t.Cleanup(jwks.Close)
	return &identity{key: key, signer: signer, jwks: jwks}
}

func (id *identity) token(t testing.TB, typ, role string) string {
	t.Helper()
	raw, _, err := id.signer.Issue(typ, auth.Principal{UserID: uuid.New(), Role: role, Username: role + "1"}, time.Minute)
	require.NoError(t, err)
	return raw
}

// seen is what an upstream received, echoed back as the response body.
type seen struct {
	Service string              `json:"service"`
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   string              `json:"query"`
	Header  map[string][]string `json:"header"`
	BodyLen int                 `json:"body_len"`
}

// echoUpstream answers every request with what it saw, plus headers a service would set.
func echoUpstream(t testing.TB, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("ETag", `"7"`)
		w.Header().Set("Location", "/somewhere")
		// A service must not decide CORS; the gateway drops this.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		status := http.StatusOK
		if r.Method == http.MethodPost {
			status = http.StatusCreated
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(seen{
			Service: name, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Header: r.Header, BodyLen: len(body),
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

var services = []string{"identity", "company", "event", "task", "suggestion"}

type gateway struct {
	url      string
	identity *identity
	reg      *prometheus.Registry
	logs     *logBuffer
}

type setup struct {
	mutate    func(*config.Config)
	upstreams map[string]string // overrides per service; "" means not configured
	verifier  server.Verifier
}

// startGateway runs a real gateway on a free TCP port in front of echo upstreams (one per
// service) and a JWKS server.
func startGateway(t testing.TB, s setup) *gateway {
	t.Helper()
	id := newIdentity(t)
	cfg := config.Default()
	cfg.JWKSURL = id.jwks.URL
	cfg.CORSOrigins = "http://app.example"
	cfg.UpstreamTimeout = 2 * time.Second
	cfg.ShutdownTimeout = 2 * time.Second
	if s.mutate != nil {
		s.mutate(&cfg)
	}
	ups := map[string]*proxy.Upstream{}
	for _, name := range services {
		url, ok := s.upstreams[name]
		if !ok {
			url = echoUpstream(t, name).URL
		}
		up, err := proxy.New(name, url, proxy.Options{Timeout: cfg.UpstreamTimeout, DialTimeout: cfg.DialTimeout})
		require.NoError(t, err)
		ups[name] = up
	}
	logs := &logBuffer{}
	reg := prometheus.NewRegistry()
	v := s.verifier
	if v == nil {
		v = auth.NewVerifier(id.jwks.URL, issuer, audience, nil)
	}
	srv, err := server.New(server.Options{
		Config:     cfg,
		Verifier:   v,
		Upstreams:  ups,
		Registry:   reg,
		Tracer:     sdktrace.NewTracerProvider(),
		Propagator: propagation.TraceContext{},
		Log:        logging.New("gateway", "info", logs),
	})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return &gateway{url: "http://" + ln.Addr().String(), identity: id, reg: reg, logs: logs}
}

// logBuffer collects the gateway's log lines; fasthttp workers write concurrently.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// call sends one request; headers are name/value pairs.
func (g *gateway) call(t testing.TB, method, path string, body io.Reader, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, g.url+path, body)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// problemOf decodes a problem+json answer, failing when the media type is wrong.
func problemOf(t testing.TB, resp *http.Response) map[string]any {
	t.Helper()
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	var p map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
	require.EqualValues(t, resp.StatusCode, p["status"])
	return p
}

func seenOf(t testing.TB, resp *http.Response) seen {
	t.Helper()
	var s seen
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
	return s
}

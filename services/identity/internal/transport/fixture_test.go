package transport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/kafkax/kafkatest"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/services/identity/internal/app"
	"github.com/eventai/eventai/services/identity/internal/domain"
	"github.com/eventai/eventai/services/identity/internal/events"
	"github.com/eventai/eventai/services/identity/internal/password"
	"github.com/eventai/eventai/services/identity/internal/store"
	"github.com/eventai/eventai/services/identity/internal/store/storetest"
	"github.com/eventai/eventai/services/identity/internal/transport"
)

const (
	iss = "eventai-identity"
	aud = "eventai"
)

// cheap argon2id parameters keep handler tests fast; the OWASP ones are tested in password.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type nopFlusher struct{}

func (nopFlusher) Flush(context.Context) error { return nil }

type fixture struct {
	t       *testing.T
	srv     *httptest.Server
	app     *app.Service
	store   *store.Store
	keys    app.Keys
	brokers []string
	cons    *consumer.Consumer
	relay   *outbox.Relay
}

// newFixture serves identity over real TCP on a fresh database. With kafka, a kfake broker, the
// outbox relay and the company consumer run too.
func newFixture(t *testing.T, kafka bool) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, pool := storetest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	keys, err := app.LoadKeys(ctx, st, "", iss, aud)
	require.NoError(t, err)
	hasher, err := password.NewHasher(cheap, 2)
	require.NoError(t, err)
	verifier := auth.NewVerifierWithSource(keys.Source, iss, aud)
	f := &fixture{t: t, store: st, keys: keys}

	var (
		flusher app.Flusher = nopFlusher{}
		catchUp app.CatchUp
		done    = make(chan struct{})
	)
	if kafka {
		require.NoError(t, consumer.CreateTable(ctx, pool))
		f.brokers = kafkatest.Start(t)
		require.NoError(t, kafkax.EnsureTopics(ctx, f.brokers, domain.TopicUsers, domain.TopicCompanies))
		w := kafkax.NewWriter(f.brokers)
		relay := outbox.NewRelay(pool, w, log, prometheus.NewRegistry())
		f.cons = consumer.New(consumer.Config{Brokers: f.brokers, Group: "identity", Topics: []string{domain.TopicCompanies}},
			pool, events.NewHandler(st, log).Handle, log, prometheus.NewRegistry())
		f.relay = relay
		flusher, catchUp = relay, f.cons
		go func() { _ = relay.Run(ctx) }()
		go func() { defer close(done); _ = f.cons.Run(ctx) }()
		t.Cleanup(func() { _ = w.Close() })
	} else {
		close(done)
	}
	opt := app.DefaultOptions()
	f.app = app.New(st, hasher, keys.Signer, verifier, flusher, catchUp, log, opt)
	ips, err := transport.NewClientIP([]string{"127.0.0.0/8", "::1/128"})
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	mux := http.NewServeMux()
	transport.Register(mux, f.app, keys.Source, auth.Middleware(verifier), ips, log)
	f.srv = httptest.NewServer(httpx.StripSlash(httpx.Middleware("identity", log, reg, mux)))
	t.Cleanup(func() { f.srv.Close(); cancel(); <-done })
	return f
}

type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func (f *fixture) do(method, path, token string, body any, hdr ...string) resp {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(f.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	require.NoError(f.t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(f.t, err)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(f.t, json.Unmarshal(raw, &out.Body), string(raw))
	}
	return out
}

// fieldsOf returns field -> message of a validation problem.
func fieldsOf(t *testing.T, r resp) map[string]string {
	t.Helper()
	require.Equal(t, "/problems/validation", r.Body["type"], string(r.Raw))
	out := map[string]string{}
	errs, _ := r.Body["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		out[m["field"].(string)] = m["message"].(string)
	}
	return out
}

func (f *fixture) register(name string) resp {
	f.t.Helper()
	r := f.do("POST", "/auth/register/", "", map[string]any{"username": name, "email": name + "@example.com", "password": "pass-" + name, "full_name": "N " + name})
	require.Equal(f.t, http.StatusCreated, r.Status, string(r.Raw))
	return r
}

func (f *fixture) login(login, pw string, hdr ...string) resp {
	f.t.Helper()
	key := "username"
	if bytes.ContainsRune([]byte(login), '@') {
		key = "email"
	}
	return f.do("POST", "/auth/login", "", map[string]any{key: login, "password": pw}, hdr...)
}

// admin bootstraps an admin and returns its access token.
func (f *fixture) admin() string {
	f.t.Helper()
	_, err := f.app.Bootstrap(context.Background(), "root", "root@example.com", "root-password")
	require.NoError(f.t, err)
	r := f.login("root", "root-password")
	require.Equal(f.t, http.StatusOK, r.Status, string(r.Raw))
	return r.Body["access"].(string)
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

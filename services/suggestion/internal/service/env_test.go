package service_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/kafkax/kafkatest"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/services/suggestion/internal/config"
	"github.com/eventai/eventai/services/suggestion/internal/service"
)

// env is a suggestion service running in-process on a fresh database and an embedded broker,
// verifying tokens against a JWKS served by the test.
type env struct {
	t       testing.TB
	url     string
	brokers []string
	signer  *auth.Signer
	pool    *pgxpool.Pool
	writer  *kafka.Writer
	// stop shuts the service down as SIGTERM would (idempotent; also run at cleanup).
	stop func()
}

// smallPool keeps each test's pools small: the shared server has max_connections=100.
func smallPool(url string) string {
	if strings.Contains(url, "?") {
		return url + "&pool_max_conns=4"
	}
	return url + "?pool_max_conns=4"
}

func newEnv(t testing.TB, tweak ...func(*config.Config)) *env {
	t.Helper()
	ctx := context.Background()
	dbURL := smallPool(pgtest.NewDatabase(t))
	brokers := kafkatest.Start(t)

	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	kid := auth.KeyID(pub)
	cfg := config.Default()
	signer, err := auth.NewSigner(priv, kid, cfg.JWTIssuer, cfg.JWTAudience)
	require.NoError(t, err)
	jwks := httptest.NewServer(auth.JWKSHandler(func(*http.Request) (auth.JWKS, error) {
		return auth.JWKS{Keys: []auth.JWK{auth.PublicJWK(pub, kid)}}, nil
	}))
	t.Cleanup(jwks.Close)

	cfg.DatabaseURL, cfg.KafkaBrokers, cfg.JWKSURL = dbURL, brokers, jwks.URL
	for _, f := range tweak {
		f(&cfg)
	}
	svc, err := service.New(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Background(runCtx) }()
	srv := httptest.NewServer(svc.Handler())
	var once sync.Once
	stop := func() {
		once.Do(func() {
			srv.Close()
			cancel()
			require.NoError(t, <-done)
			svc.Close()
		})
	}
	t.Cleanup(stop)

	pool, err := pg.Connect(ctx, dbURL, service.Name)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	w := kafkax.NewWriter(brokers)
	t.Cleanup(func() { _ = w.Close() })
	return &env{t: t, url: srv.URL, brokers: brokers, signer: signer, pool: pool, writer: w, stop: stop}
}

// user is a signed-in caller.
type user struct {
	ID    uuid.UUID
	Role  string
	Token string
}

func (e *env) login(role string) user {
	e.t.Helper()
	id := uuid.New()
	tok, _, err := e.signer.Issue(auth.TypeAccess, auth.Principal{UserID: id, Role: role, Username: role + "-" + id.String()[:8]}, 15*time.Minute)
	require.NoError(e.t, err)
	return user{ID: id, Role: role, Token: tok}
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func (e *env) do(u user, method, path string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	require.NoError(e.t, err)
	if u.Token != "" {
		req.Header.Set("Authorization", "Bearer "+u.Token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	out := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(e.t, json.Unmarshal(raw, &out.Body), string(raw))
	}
	return out
}

// publish puts an envelope on topic as its owning service would, keyed by key.
func (e *env) publish(topic, source, typ, key string, data any) {
	e.t.Helper()
	env, err := envelope.New(source, typ, key, data)
	require.NoError(e.t, err)
	raw, err := env.Encode()
	require.NoError(e.t, err)
	require.NoError(e.t, e.writer.WriteMessages(context.Background(), kafka.Message{Topic: topic, Key: []byte(key), Value: raw}))
}

func (e *env) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// fieldsOf lists the field names of a validation problem.
func fieldsOf(r response) []string {
	var out []string
	errs, _ := r.Body["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

// readSuggestionTopic reads suggestion.suggestions.v1 from the start until want says it has
// seen enough, and returns the messages read.
func (e *env) readSuggestionTopic(want func([]kafka.Message) bool) []kafka.Message {
	e.t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: e.brokers, GroupID: "test-" + uuid.NewString(), Topic: "suggestion.suggestions.v1",
		StartOffset: kafka.FirstOffset, MaxWait: 50 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []kafka.Message
	for !want(got) {
		m, err := r.ReadMessage(ctx)
		require.NoError(e.t, err, "topic has %d messages so far", len(got))
		got = append(got, m)
	}
	return got
}

package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/kafkax/kafkatest"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/libs/servicetest"
	"github.com/eventai/eventai/services/suggestion/internal/config"
	"github.com/eventai/eventai/services/suggestion/internal/service"
)

// env is a suggestion service running in-process on a fresh database and an embedded broker,
// verifying tokens against a JWKS served by the test.
type env struct {
	t       testing.TB
	url     string
	brokers []string
	issuer  *servicetest.Issuer
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
	cfg := config.Default()
	iss := servicetest.NewIssuer(t, cfg.JWTIssuer, cfg.JWTAudience)
	cfg.DatabaseURL, cfg.KafkaBrokers, cfg.JWKSURL = dbURL, brokers, iss.JWKSURL
	for _, f := range tweak {
		f(&cfg)
	}
	svc, err := service.New(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	url, stop := servicetest.Serve(t, svc)

	pool, err := pg.Connect(ctx, dbURL, service.Name)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	w := servicetest.NewWriter(t, brokers)
	return &env{t: t, url: url, brokers: brokers, issuer: iss, pool: pool, writer: w, stop: stop}
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
	tok := e.issuer.Token(e.t, auth.Principal{UserID: id, Role: role, Username: role + "-" + id.String()[:8]}, 15*time.Minute)
	return user{ID: id, Role: role, Token: tok}
}

// response is a decoded answer.
type response = servicetest.Response

func (e *env) do(u user, method, path string, body any) response {
	e.t.Helper()
	return servicetest.Do(e.t, e.url, u.Token, method, path, body)
}

// publish puts an envelope on topic as its owning service would, keyed by key.
func (e *env) publish(topic, source, typ, key string, data any) {
	e.t.Helper()
	servicetest.Publish(e.t, e.writer, topic, source, typ, key, data)
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

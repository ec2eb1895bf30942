package service_test

import (
	"context"
	"log/slog"
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
	"github.com/eventai/eventai/services/company/internal/config"
	"github.com/eventai/eventai/services/company/internal/service"
)

// env is a company service running in-process on a fresh database and an embedded broker,
// verifying tokens against a JWKS served by the test.
type env struct {
	t       testing.TB
	url     string
	brokers []string
	issuer  *servicetest.Issuer
	pool    *pgxpool.Pool
	writer  *kafka.Writer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	brokers := kafkatest.Start(t)
	cfg := config.Default()
	iss := servicetest.NewIssuer(t, cfg.JWTIssuer, cfg.JWTAudience)
	cfg.DatabaseURL, cfg.KafkaBrokers, cfg.JWKSURL = dbURL, brokers, iss.JWKSURL
	svc, err := service.New(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	url, _ := servicetest.Serve(t, svc)

	pool, err := pg.Connect(ctx, dbURL, service.Name)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	w := servicetest.NewWriter(t, brokers)
	return &env{t: t, url: url, brokers: brokers, issuer: iss, pool: pool, writer: w}
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

func (e *env) do(u user, method, path string, body any, headers ...string) response {
	e.t.Helper()
	return servicetest.Do(e.t, e.url, u.Token, method, path, body, headers...)
}

// publishUser puts a user snapshot on identity.users.v1 as the identity service would.
func (e *env) publishUser(typ string, data map[string]any) {
	e.t.Helper()
	servicetest.Publish(e.t, e.writer, "identity.users.v1", "identity", typ, data["id"].(string), data)
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

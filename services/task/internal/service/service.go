// Package service assembles the task service from its parts (Postgres, Kafka, auth, HTTP) so
// that main and the in-process tests wire it the same way.
package service

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventai/eventai/libs/assembly"
	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/services/task/internal/app"
	"github.com/eventai/eventai/services/task/internal/config"
	"github.com/eventai/eventai/services/task/internal/events"
	"github.com/eventai/eventai/services/task/internal/migrations"
	"github.com/eventai/eventai/services/task/internal/store"
	"github.com/eventai/eventai/services/task/internal/transport"
)

// Name is the service name: its schema, consumer group and log/metric label.
const Name = "task"

// spec is what the task service brings to the shared assembly: it publishes tasks and keeps read
// models of users, companies, events and suggestions (whose proposed tasks it creates).
func spec(log *slog.Logger) assembly.Spec {
	return assembly.Spec{
		Name:       Name,
		Migrations: migrations.FS,
		Produces:   store.Topic,
		Consumes:   events.Topics,
		Handler:    func(*pgxpool.Pool) consumer.Handler { return events.NewHandler(log).Handle },
	}
}

// Service is a wired task service (the shared lifecycle, plus what tests and tools inspect).
type Service struct{ *assembly.Service }

// New connects to Postgres (migrating the schema) and Kafka (creating the topics) and builds the
// HTTP handler. Close releases what it opened.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Service, error) {
	p, err := assembly.Open(ctx, cfg.Service, log, spec(log))
	if err != nil {
		return nil, err
	}
	verifier := assembly.NewVerifier(cfg.Service, cfg.JWKS)
	a := app.New(store.New(p.Pool), p.Relay, p.Consumer, log)
	h := Handler(a, auth.Middleware(verifier), log, p.Registry, p.Ready())
	return &Service{p.Service(cfg.HTTPAddr, h)}, nil
}

// Migrate is the whole work of a migration Job (MIGRATE_ONLY): connect, Prepare, close. It
// touches neither Kafka nor HTTP, so it can run before the rest of the system is up.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	return assembly.Migrate(ctx, cfg.Service, log, spec(log))
}

// Prepare migrates the schema and creates the outbox and inbox tables (also used by tools that
// seed a database without running the service).
func Prepare(ctx context.Context, pool *pgxpool.Pool) error {
	return assembly.Prepare(ctx, pool, assembly.Spec{Name: Name, Migrations: migrations.FS})
}

// Handler builds the HTTP surface: the task routes behind authn, the ops endpoints, a 404
// problem for everything else, and the shared middleware around the mux (so that the route
// label of the metrics is the matched pattern).
func Handler(a *app.App, authn func(http.Handler) http.Handler, log *slog.Logger, reg *prometheus.Registry, ready map[string]httpx.Check) http.Handler {
	return assembly.Routes(Name, log, reg, ready, func(mux *http.ServeMux) { transport.Register(mux, a, authn, log) })
}

// WaitCaughtUp waits until the consumer has applied everything published so far (tests and
// tools use it to line up with the topics).
func (s *Service) WaitCaughtUp(ctx context.Context) error { return s.Consumer.WaitCaughtUp(ctx) }

// Pool is the service's Postgres pool (tests inspect the rows with it).
func (s *Service) Pool() *pgxpool.Pool { return s.Parts.Pool }

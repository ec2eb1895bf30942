// Package service assembles the company service from its parts (Postgres, Kafka, auth, HTTP) so
// that main and the in-process tests wire it the same way.
package service

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventai/eventai/libs/assembly"
	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/services/company/internal/app"
	"github.com/eventai/eventai/services/company/internal/config"
	"github.com/eventai/eventai/services/company/internal/events"
	"github.com/eventai/eventai/services/company/internal/migrations"
	"github.com/eventai/eventai/services/company/internal/store"
	"github.com/eventai/eventai/services/company/internal/transport"
)

// Name is the service name: its schema, consumer group and log/metric label.
const Name = "company"

// spec is what the company service brings to the shared assembly: it publishes companies and
// keeps a users read model (memberships) from identity's topic.
func spec(log *slog.Logger) assembly.Spec {
	return assembly.Spec{
		Name:       Name,
		Migrations: migrations.FS,
		Produces:   store.Topic,
		Consumes:   []string{events.UsersTopic},
		Handler:    func(*pgxpool.Pool) consumer.Handler { return events.NewHandler(log).Handle },
	}
}

// Service is a wired company service.
type Service = assembly.Service

// New connects to Postgres (migrating the schema) and Kafka (creating the topics) and builds the
// HTTP handler. Close releases what it opened.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Service, error) {
	p, err := assembly.Open(ctx, cfg.Service, log, spec(log))
	if err != nil {
		return nil, err
	}
	verifier := assembly.NewVerifier(cfg.Service, cfg.JWKS)
	a := app.New(store.New(p.Pool), p.Relay, p.Consumer, log)
	h := p.Handler(func(mux *http.ServeMux) { transport.Register(mux, a, auth.Middleware(verifier), log) })
	return p.Service(cfg.HTTPAddr, h), nil
}

// Migrate is the whole work of a migration Job (MIGRATE_ONLY): connect, migrate, close. It
// touches neither Kafka nor HTTP, so it can run before the rest of the system is up.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	return assembly.Migrate(ctx, cfg.Service, log, spec(log))
}

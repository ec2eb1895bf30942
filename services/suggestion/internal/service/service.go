// Package service assembles the suggestion service from its parts (Postgres, Kafka, auth,
// planner, HTTP) so that main and the in-process tests wire it the same way.
package service

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventai/eventai/libs/assembly"
	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/services/suggestion/internal/app"
	"github.com/eventai/eventai/services/suggestion/internal/config"
	"github.com/eventai/eventai/services/suggestion/internal/events"
	"github.com/eventai/eventai/services/suggestion/internal/migrations"
	"github.com/eventai/eventai/services/suggestion/internal/planner/llm"
	"github.com/eventai/eventai/services/suggestion/internal/store"
	"github.com/eventai/eventai/services/suggestion/internal/transport"
)

// Name is the service name: its schema, consumer group and log/metric label.
const Name = "suggestion"

// spec is what the suggestion service brings to the shared assembly: it publishes suggestions
// (with their proposed tasks) and keeps the read model the planner and the optimiser work from.
func spec(log *slog.Logger) assembly.Spec {
	return assembly.Spec{
		Name:       Name,
		Migrations: migrations.FS,
		Produces:   store.Topic,
		Consumes:   events.Topics,
		Handler:    func(*pgxpool.Pool) consumer.Handler { return events.NewHandler(log).Handle },
	}
}

// Service is a wired suggestion service.
type Service struct {
	cfg     config.Config
	log     *slog.Logger
	parts   *assembly.Parts
	app     *app.App
	handler http.Handler
}

// New connects to Postgres (migrating the schema) and Kafka (creating the topics) and builds the
// HTTP handler. Close releases what it opened.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Service, error) {
	p, err := assembly.Open(ctx, cfg.Service, log, spec(log))
	if err != nil {
		return nil, err
	}
	st := store.New(p.Pool)
	// No solve of this process runs yet: a running suggestion was cut off by a restart.
	n, err := st.FailRunning(ctx, "interrupted by a restart of the suggestion service; ask again", time.Now().UTC())
	if err != nil {
		p.Close()
		return nil, err
	}
	if n > 0 {
		log.Warn("marked interrupted suggestions failed", "count", n)
	}
	planner := llm.New(llm.Config{BaseURL: cfg.LLMBaseURL, Model: cfg.LLMModel, APIKey: cfg.LLMAPIKey, Timeout: cfg.LLMTimeout},
		&http.Client{})
	verifier := assembly.NewVerifier(cfg.Service, cfg.JWKS)
	a := app.New(st, planner, p.Relay, p.Consumer, newSolveMetrics(p.Registry), log)
	h := p.Handler(func(mux *http.ServeMux) { transport.Register(mux, a, auth.Middleware(verifier), log) })
	return &Service{cfg: cfg, log: log, parts: p, app: a, handler: h}, nil
}

// Migrate is the whole work of a migration Job (MIGRATE_ONLY): connect, migrate, close. It
// touches neither Kafka nor HTTP, so it can run before the rest of the system is up.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	return assembly.Migrate(ctx, cfg.Service, log, spec(log))
}

// Handler is the service's HTTP surface (routes and ops endpoints).
func (s *Service) Handler() http.Handler { return s.handler }

// Background runs the outbox relay and the consumer until ctx ends.
func (s *Service) Background(ctx context.Context) error { return s.parts.Background(ctx) }

// Run serves HTTP on the configured address and runs the background work until ctx ends. It
// then drains in-flight requests, ends the background solves (each stores its best plan so
// far) while the relay still runs to publish them, and only then stops the relay and consumer.
// A failure of the background work stops the server too. (Not Parts.Serve: that stops the relay
// together with the server, before the solves have stored and published their plans.)
func (s *Service) Run(ctx context.Context) error {
	srv := httpx.NewServer(s.cfg.HTTPAddr, s.handler, s.log)
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	srvCtx, stopServer := context.WithCancel(ctx)
	defer stopServer()
	bgDone := make(chan error, 1)
	go func() {
		bgDone <- s.Background(bgCtx)
		stopServer()
	}()
	err := srv.Run(srvCtx)
	s.app.Close()
	stopBackground()
	return errors.Join(assembly.IgnoreCanceled(err), <-bgDone)
}

// Close ends the background solves and releases the Kafka writer and the Postgres pool.
func (s *Service) Close() {
	s.app.Close()
	s.parts.Close()
}

// Package service assembles the suggestion service from its parts (Postgres, Kafka, auth,
// planner, HTTP) so that main and the in-process tests wire it the same way.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
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

// Service is a wired suggestion service.
type Service struct {
	cfg      config.Config
	log      *slog.Logger
	pool     *pgxpool.Pool
	writer   *kafka.Writer
	relay    *outbox.Relay
	consumer *consumer.Consumer
	app      *app.App
	handler  http.Handler
}

// New connects to Postgres (migrating the schema) and Kafka (creating the topics) and builds the
// HTTP handler. Close releases what it opened.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Service, error) {
	pool, err := pg.Connect(ctx, cfg.DatabaseURL, Name)
	if err != nil {
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	s := &Service{cfg: cfg, log: log, pool: pool}
	if err := s.setup(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Migrate is the whole work of a migration Job (MIGRATE_ONLY): connect, Prepare, close. It
// touches neither Kafka nor HTTP, so it can run before the rest of the system is up.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	pool, err := pg.Connect(ctx, cfg.DatabaseURL, Name)
	if err != nil {
		return fmt.Errorf("connect postgres: %w", err)
	}
	defer pool.Close()
	if err := Prepare(ctx, pool); err != nil {
		return err
	}
	log.InfoContext(ctx, "migrated; exiting without serving", "schema", Name)
	return nil
}

// Prepare migrates the schema and creates the outbox and inbox tables.
func Prepare(ctx context.Context, pool *pgxpool.Pool) error {
	if err := pg.Migrate(ctx, pool, Name, migrations.FS); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := outbox.CreateTable(ctx, pool); err != nil {
		return fmt.Errorf("create outbox table: %w", err)
	}
	if err := consumer.CreateTable(ctx, pool); err != nil {
		return fmt.Errorf("create inbox table: %w", err)
	}
	return nil
}

func (s *Service) setup(ctx context.Context) error {
	if err := Prepare(ctx, s.pool); err != nil {
		return err
	}
	if err := kafkax.EnsureTopics(ctx, s.cfg.KafkaBrokers, append([]string{store.Topic}, events.Topics...)...); err != nil {
		return fmt.Errorf("ensure topics: %w", err)
	}
	st := store.New(s.pool)
	// No solve of this process runs yet: a running suggestion was cut off by a restart.
	n, err := st.FailRunning(ctx, "interrupted by a restart of the suggestion service; ask again", time.Now().UTC())
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Warn("marked interrupted suggestions failed", "count", n)
	}
	reg := httpx.NewRegistry()
	s.writer = kafkax.NewWriter(s.cfg.KafkaBrokers)
	s.relay = outbox.NewRelay(s.pool, s.writer, s.log, reg)
	s.consumer = consumer.New(consumer.Config{Brokers: s.cfg.KafkaBrokers, Group: Name, Topics: events.Topics},
		s.pool, events.NewHandler(s.log).Handle, s.log, reg)
	verifier := auth.NewVerifier(s.cfg.JWKSURL, s.cfg.JWTIssuer, s.cfg.JWTAudience, &http.Client{Timeout: 5 * time.Second})
	planner := llm.New(llm.Config{BaseURL: s.cfg.LLMBaseURL, Model: s.cfg.LLMModel, APIKey: s.cfg.LLMAPIKey, Timeout: s.cfg.LLMTimeout},
		&http.Client{})

	s.app = app.New(st, planner, s.relay, s.consumer, newSolveMetrics(reg), s.log)
	mux := http.NewServeMux()
	httpx.Ops(mux, reg, map[string]httpx.Check{"postgres": s.pool.Ping, "kafka": s.consumer.Ready})
	transport.Register(mux, s.app, auth.Middleware(verifier), s.log)
	mux.Handle("/", httpx.NotFound())
	s.handler = httpx.Middleware(Name, s.log, reg, httpx.StripSlash(mux))
	return nil
}

// Handler is the service's HTTP surface (routes and ops endpoints).
func (s *Service) Handler() http.Handler { return s.handler }

// Background runs the outbox relay and the consumer until ctx ends.
func (s *Service) Background(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.relay.Run(gctx) })
	g.Go(func() error { return s.consumer.Run(gctx) })
	return ignoreCanceled(g.Wait())
}

// Run serves HTTP on the configured address and runs the background work until ctx ends. It
// then drains in-flight requests, ends the background solves (each stores its best plan so
// far) while the relay still runs to publish them, and only then stops the relay and consumer.
// A failure of the background work stops the server too.
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
	return errors.Join(ignoreCanceled(err), <-bgDone)
}

// Close ends the background solves and releases the Kafka writer and the Postgres pool.
func (s *Service) Close() {
	s.app.Close()
	if err := s.writer.Close(); err != nil {
		s.log.Warn("close kafka writer", "err", err)
	}
	s.pool.Close()
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

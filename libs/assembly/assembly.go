// Package assembly is the infrastructure every service process is assembled from: a Postgres pool
// on the service's schema with its migrations and the outbox/inbox tables, its Kafka topics, the
// outbox relay and the inbox consumer, the ops endpoints around its routes, and the run group that
// serves HTTP beside the background work. What a service is made of (its schema, topics, event
// handler, routes and use cases) stays in the service and is handed over in a Spec.
package assembly

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/config"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
)

// Spec is what a service brings to the shared assembly.
type Spec struct {
	// Name is the service name: its Postgres schema, consumer group and log/metric label.
	Name string
	// Migrations holds the schema's goose SQL files.
	Migrations fs.FS
	// Produces is the topic the service's outbox publishes to.
	Produces string
	// Consumes are the topics its consumer reads into the read models.
	Consumes []string
	// Handler returns what applies one consumed event inside the inbox transaction; it is given
	// the pool for a handler that writes through the service's store.
	Handler func(pool *pgxpool.Pool) consumer.Handler
}

// Parts is the shared infrastructure Open wired for one service.
type Parts struct {
	// Log is the process logger.
	Log *slog.Logger
	// Pool is the Postgres pool, search_path set to the service's schema.
	Pool *pgxpool.Pool
	// Registry holds the process's metrics (Go runtime, HTTP, outbox, consumer, the service's own).
	Registry *prometheus.Registry
	// Relay publishes the outbox; write handlers Flush it before answering.
	Relay *outbox.Relay
	// Consumer applies the consumed topics; readers WaitCaughtUp on it after a miss.
	Consumer *consumer.Consumer

	name   string
	writer *kafka.Writer
}

// Prepare migrates the service's schema and creates the outbox and inbox tables. Migration Jobs
// and tools that seed a database without running the service use it too.
func Prepare(ctx context.Context, pool *pgxpool.Pool, spec Spec) error {
	if err := pg.Migrate(ctx, pool, spec.Name, spec.Migrations); err != nil {
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

// Migrate is the whole work of a migration Job (MIGRATE_ONLY): connect, Prepare, close. It
// touches neither Kafka nor HTTP, so it can run before the rest of the system is up.
func Migrate(ctx context.Context, cfg config.Service, log *slog.Logger, spec Spec) error {
	pool, err := pg.Connect(ctx, cfg.DatabaseURL, spec.Name)
	if err != nil {
		return fmt.Errorf("connect postgres: %w", err)
	}
	defer pool.Close()
	if err := Prepare(ctx, pool, spec); err != nil {
		return err
	}
	log.InfoContext(ctx, "migrated; exiting without serving", "schema", spec.Name)
	return nil
}

// Open connects to Postgres (migrating the schema), creates the produced and consumed topics, and
// builds the Kafka writer, the outbox relay and the consumer. Nothing runs until Background;
// Close releases what Open opened.
func Open(ctx context.Context, cfg config.Service, log *slog.Logger, spec Spec) (*Parts, error) {
	pool, err := pg.Connect(ctx, cfg.DatabaseURL, spec.Name)
	if err != nil {
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	if err := Prepare(ctx, pool, spec); err != nil {
		pool.Close()
		return nil, err
	}
	topics := append([]string{spec.Produces}, spec.Consumes...)
	if err := kafkax.EnsureTopics(ctx, cfg.KafkaBrokers, topics...); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ensure topics: %w", err)
	}
	p := &Parts{Log: log, Pool: pool, Registry: httpx.NewRegistry(), name: spec.Name}
	p.writer = kafkax.NewWriter(cfg.KafkaBrokers)
	p.Relay = outbox.NewRelay(pool, p.writer, log, p.Registry)
	p.Consumer = consumer.New(consumer.Config{Brokers: cfg.KafkaBrokers, Group: spec.Name, Topics: spec.Consumes},
		pool, spec.Handler(pool), log, p.Registry)
	return p, nil
}

// NewVerifier verifies tokens against identity's JWKS with the shared issuer and audience.
func NewVerifier(cfg config.Service, jwks config.JWKS) *auth.Verifier {
	return auth.NewVerifier(jwks.JWKSURL, cfg.JWTIssuer, cfg.JWTAudience, &http.Client{Timeout: 5 * time.Second})
}

// Ready is the readiness every service reports: Postgres answers and the consumer has joined.
func (p *Parts) Ready() map[string]httpx.Check {
	return map[string]httpx.Check{"postgres": p.Pool.Ping, "kafka": p.Consumer.Ready}
}

// Handler builds the HTTP surface of p's service; see Routes.
func (p *Parts) Handler(register func(mux *http.ServeMux)) http.Handler {
	return Routes(p.name, p.Log, p.Registry, p.Ready(), register)
}

// Routes builds a service's HTTP surface: the ops endpoints (/healthz, /readyz over ready,
// /metrics of reg), the routes register adds, a 404 problem for everything else, and the shared
// middleware around the mux, outside the trailing-slash strip, so that the access log shows the
// path as sent and the route label of the metrics is the matched pattern.
func Routes(name string, log *slog.Logger, reg *prometheus.Registry, ready map[string]httpx.Check, register func(mux *http.ServeMux)) http.Handler {
	mux := http.NewServeMux()
	httpx.Ops(mux, reg, ready)
	register(mux)
	mux.Handle("/", httpx.NotFound())
	return httpx.Middleware(name, log, reg, httpx.StripSlash(mux))
}

// Background runs the outbox relay and the consumer until ctx ends (or one of them fails).
func (p *Parts) Background(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return p.Relay.Run(gctx) })
	g.Go(func() error { return p.Consumer.Run(gctx) })
	return IgnoreCanceled(g.Wait())
}

// Serve serves h on addr and runs the background work until ctx ends, then drains in-flight
// requests. A failure of either stops the other.
func (p *Parts) Serve(ctx context.Context, addr string, h http.Handler) error {
	srv := httpx.NewServer(addr, h, p.Log)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return p.Background(gctx) })
	g.Go(func() error { return srv.Run(gctx) })
	return IgnoreCanceled(g.Wait())
}

// Close releases the Kafka writer and the Postgres pool.
func (p *Parts) Close() {
	if err := p.writer.Close(); err != nil {
		p.Log.Warn("close kafka writer", "err", err)
	}
	p.Pool.Close()
}

// IgnoreCanceled maps the context.Canceled of an ordinary shutdown to nil.
func IgnoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Service is a wired service with the ordinary lifecycle: its parts (Background and Close are
// theirs), its HTTP surface and the address it serves on.
type Service struct {
	*Parts
	addr    string
	handler http.Handler
}

// Service pairs p with its HTTP surface h, to be served on addr.
func (p *Parts) Service(addr string, h http.Handler) *Service {
	return &Service{Parts: p, addr: addr, handler: h}
}

// Handler is the service's HTTP surface (routes and ops endpoints).
func (s *Service) Handler() http.Handler { return s.handler }

// Run serves HTTP on the service's address and runs the background work until ctx ends, then
// drains in-flight requests.
func (s *Service) Run(ctx context.Context) error { return s.Serve(ctx, s.addr, s.handler) }

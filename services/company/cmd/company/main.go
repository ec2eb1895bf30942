// Command company runs the company service: companies, memberships and the members list.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/eventai/eventai/libs/auth"
	libconfig "github.com/eventai/eventai/libs/config"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/logging"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/telemetry"
	"github.com/eventai/eventai/services/company/internal/app"
	"github.com/eventai/eventai/services/company/internal/config"
	"github.com/eventai/eventai/services/company/internal/events"
	"github.com/eventai/eventai/services/company/internal/migrations"
	"github.com/eventai/eventai/services/company/internal/store"
	"github.com/eventai/eventai/services/company/internal/transport"
)

const service = "company"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "company:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg := config.Default()
	if err := libconfig.Load("COMPANY", &cfg); err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid config: %w", err)
	}
	log := logging.New(service, cfg.LogLevel, os.Stdout)
	log.Info("starting", "config", libconfig.Masked(cfg))

	shutdownTracing, err := telemetry.Setup(ctx, service, cfg.OTLPEndpoint)
	if err != nil {
		return fmt.Errorf("set up telemetry: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTracing(sctx); err != nil {
			log.Warn("shut down telemetry", "err", err)
		}
	}()

	pool, err := pg.Connect(ctx, cfg.DatabaseURL, service)
	if err != nil {
		return fmt.Errorf("connect postgres: %w", err)
	}
	defer pool.Close()
	if err := pg.Migrate(ctx, pool, service, migrations.FS); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := outbox.CreateTable(ctx, pool); err != nil {
		return fmt.Errorf("create outbox table: %w", err)
	}
	if err := consumer.CreateTable(ctx, pool); err != nil {
		return fmt.Errorf("create inbox table: %w", err)
	}
	if err := kafkax.EnsureTopics(ctx, cfg.KafkaBrokers, store.Topic, events.UsersTopic); err != nil {
		return fmt.Errorf("ensure topics: %w", err)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	writer := kafkax.NewWriter(cfg.KafkaBrokers)
	defer writer.Close()
	relay := outbox.NewRelay(pool, writer, log, reg)
	cons := consumer.New(consumer.Config{Brokers: cfg.KafkaBrokers, Group: service, Topics: []string{events.UsersTopic}},
		pool, events.NewHandler(log).Handle, log, reg)
	verifier := auth.NewVerifier(cfg.JWKSURL, cfg.JWTIssuer, cfg.JWTAudience, &http.Client{Timeout: 5 * time.Second})

	a := app.New(store.New(pool), relay, cons, log)
	mux := http.NewServeMux()
	httpx.Ops(mux, reg, map[string]httpx.Check{"postgres": pool.Ping, "kafka": cons.Ready})
	transport.Register(mux, a, auth.Middleware(verifier), log)
	srv := httpx.NewServer(cfg.HTTPAddr, transport.StripSlash(httpx.Middleware(service, log, reg, mux)), log)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return relay.Run(gctx) })
	g.Go(func() error { return cons.Run(gctx) })
	g.Go(func() error { return srv.Run(gctx) })
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	log.Info("stopped", "err", err)
	return err
}

// Command identity runs the identity service: users, credentials, tokens and the JWKS.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sync/errgroup"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/process"
	"github.com/eventai/eventai/services/identity/internal/app"
	"github.com/eventai/eventai/services/identity/internal/config"
	"github.com/eventai/eventai/services/identity/internal/domain"
	"github.com/eventai/eventai/services/identity/internal/events"
	"github.com/eventai/eventai/services/identity/internal/migrations"
	"github.com/eventai/eventai/services/identity/internal/password"
	"github.com/eventai/eventai/services/identity/internal/store"
	"github.com/eventai/eventai/services/identity/internal/transport"
)

const service = "identity"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := process.Run(ctx, service, "IDENTITY", config.Default(), os.Stdout, run)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "identity:", err)
		os.Exit(1)
	}
}

// run migrates the schema, then returns (IDENTITY_MIGRATE_ONLY, the migration Job) or serves HTTP,
// the outbox relay and the company consumer until ctx ends.
func run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
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
	if cfg.MigrateOnly {
		log.InfoContext(ctx, "migrated; exiting without serving", "schema", service)
		return nil
	}
	if err := kafkax.EnsureTopics(ctx, cfg.KafkaBrokers, domain.TopicUsers, domain.TopicCompanies); err != nil {
		return fmt.Errorf("ensure topics: %w", err)
	}

	st := store.New(pool)
	keys, err := app.LoadKeys(ctx, st, cfg.SigningKeyFile, cfg.JWTIssuer, cfg.JWTAudience)
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	hasher, err := password.NewHasher(password.OWASP, cfg.HashConcurrency)
	if err != nil {
		return fmt.Errorf("password hasher: %w", err)
	}
	ips, err := transport.NewClientIP(cfg.TrustedProxies)
	if err != nil {
		return fmt.Errorf("trusted proxies: %w", err)
	}

	reg := httpx.NewRegistry()
	writer := kafkax.NewWriter(cfg.KafkaBrokers)
	defer writer.Close()
	relay := outbox.NewRelay(pool, writer, log, reg)
	cons := consumer.New(consumer.Config{Brokers: cfg.KafkaBrokers, Group: service, Topics: []string{domain.TopicCompanies}},
		pool, events.NewHandler(st, log).Handle, log, reg)
	verifier := auth.NewVerifierWithSource(keys.Source, cfg.JWTIssuer, cfg.JWTAudience)

	opt := app.DefaultOptions()
	opt.AccessTTL, opt.RefreshTTL = cfg.AccessTTL, cfg.RefreshTTL
	a := app.New(st, hasher, keys.Signer, verifier, relay, cons, log, opt)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return relay.Run(gctx) })
	g.Go(func() error { return cons.Run(gctx) })

	if cfg.Bootstrap() {
		// A refused bootstrap (say, the name belongs to a staff account) is logged, not fatal:
		// a crash loop of identity would take every sign-in down with it.
		created, err := a.Bootstrap(ctx, cfg.AdminUsername, cfg.AdminEmail, cfg.AdminPassword)
		if err != nil {
			log.Error("bootstrap admin failed; fix EVENTAI_ADMIN_* or create an admin by hand", "err", err)
		} else {
			log.Info("bootstrap admin", "username", cfg.AdminUsername, "created", created)
		}
	}

	mux := http.NewServeMux()
	httpx.Ops(mux, reg, map[string]httpx.Check{
		"postgres":   pool.Ping,
		"migrations": st.MigrationsApplied,
		"kafka":      cons.Ready,
	})
	transport.Register(mux, a, keys.Source, auth.Middleware(verifier), ips, log)
	srv := httpx.NewServer(cfg.HTTPAddr, httpx.StripSlash(httpx.Middleware(service, log, reg, mux)), log)
	g.Go(func() error { return srv.Run(gctx) })

	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

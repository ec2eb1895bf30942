// Command identity runs the identity service: users, credentials, tokens and the JWKS.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/eventai/eventai/libs/assembly"
	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/httpx"
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

// spec is what identity brings to the shared assembly: it publishes users and consumes
// company.created to add a new company to its creator's memberships.
func spec(log *slog.Logger) assembly.Spec {
	return assembly.Spec{
		Name:       service,
		Migrations: migrations.FS,
		Produces:   domain.TopicUsers,
		Consumes:   []string{domain.TopicCompanies},
		Handler: func(pool *pgxpool.Pool) consumer.Handler {
			return events.NewHandler(store.New(pool), log).Handle
		},
	}
}

// run migrates the schema, then returns (IDENTITY_MIGRATE_ONLY, the migration Job) or serves HTTP,
// the outbox relay and the company consumer until ctx ends.
func run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.MigrateOnly {
		return assembly.Migrate(ctx, cfg.Service, log, spec(log))
	}
	p, err := assembly.Open(ctx, cfg.Service, log, spec(log))
	if err != nil {
		return err
	}
	defer p.Close()

	st := store.New(p.Pool)
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
	// Identity signs the tokens, so it verifies them against its own keys rather than a JWKS URL.
	verifier := auth.NewVerifierWithSource(keys.Source, cfg.JWTIssuer, cfg.JWTAudience)

	opt := app.DefaultOptions()
	opt.AccessTTL, opt.RefreshTTL = cfg.AccessTTL, cfg.RefreshTTL
	a := app.New(st, hasher, keys.Signer, verifier, p.Relay, p.Consumer, log, opt)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return p.Background(gctx) })

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

	ready := p.Ready()
	ready["migrations"] = st.MigrationsApplied
	h := assembly.Routes(service, log, p.Registry, ready, func(mux *http.ServeMux) {
		transport.Register(mux, a, keys.Source, auth.Middleware(verifier), ips, log)
	})
	srv := httpx.NewServer(cfg.HTTPAddr, h, log)
	g.Go(func() error { return srv.Run(gctx) })
	return assembly.IgnoreCanceled(g.Wait())
}

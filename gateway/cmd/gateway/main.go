// Command gateway is EventAI's public entry point: it verifies tokens, applies the role table and
// forwards the documented routes to the services.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel"

	"github.com/eventai/eventai/gateway/internal/config"
	"github.com/eventai/eventai/gateway/internal/proxy"
	"github.com/eventai/eventai/gateway/internal/server"
	"github.com/eventai/eventai/libs/auth"
	libconfig "github.com/eventai/eventai/libs/config"
	"github.com/eventai/eventai/libs/logging"
	"github.com/eventai/eventai/libs/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg := config.Default()
	if err := libconfig.Load("GATEWAY", &cfg); err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	log := logging.New("gateway", cfg.LogLevel, os.Stdout)
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log.Info("starting", "config", libconfig.Masked(&cfg))

	shutdownTracing, err := telemetry.Setup(ctx, "gateway", cfg.OTLPEndpoint)
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTracing(sctx); err != nil {
			log.Warn("flush traces", "err", err)
		}
	}()

	opts := proxy.Options{Timeout: cfg.UpstreamTimeout, DialTimeout: cfg.DialTimeout}
	upstreams := map[string]*proxy.Upstream{}
	for name, url := range cfg.Upstreams() {
		up, err := proxy.New(name, url, opts)
		if err != nil {
			return err
		}
		upstreams[name] = up
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	httpClient := &http.Client{Timeout: 5 * time.Second}
	srv, err := server.New(server.Options{
		Config:     cfg,
		Verifier:   auth.NewVerifier(cfg.JWKSURL, cfg.JWTIssuer, cfg.JWTAudience, httpClient),
		Upstreams:  upstreams,
		Registry:   reg,
		Tracer:     otel.GetTracerProvider(),
		Propagator: otel.GetTextMapPropagator(),
		Log:        log,
		HTTPClient: httpClient,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
	}
	log.Info("listening", "addr", ln.Addr().String())
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info("stopped")
	return nil
}

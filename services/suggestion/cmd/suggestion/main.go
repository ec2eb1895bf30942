// Command suggestion runs the suggestion service: the AI that drafts event task plans and staffs them.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	libconfig "github.com/eventai/eventai/libs/config"
	"github.com/eventai/eventai/libs/logging"
	"github.com/eventai/eventai/libs/telemetry"
	"github.com/eventai/eventai/services/suggestion/internal/config"
	"github.com/eventai/eventai/services/suggestion/internal/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "suggestion:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg := config.Default()
	if err := libconfig.Load("SUGGESTION", &cfg); err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid config: %w", err)
	}
	log := logging.New(service.Name, cfg.LogLevel, os.Stdout)
	log.Info("starting", "config", libconfig.Masked(cfg))

	shutdownTracing, err := telemetry.Setup(ctx, service.Name, cfg.OTLPEndpoint)
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

	svc, err := service.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	err = svc.Run(ctx)
	log.Info("stopped", "err", err)
	return err
}

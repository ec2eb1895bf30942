// Command suggestion runs the suggestion service: the AI that drafts event task plans and staffs them.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/eventai/eventai/libs/process"
	"github.com/eventai/eventai/services/suggestion/internal/config"
	"github.com/eventai/eventai/services/suggestion/internal/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := process.Run(ctx, service.Name, "SUGGESTION", config.Default(), os.Stdout, run)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "suggestion:", err)
		os.Exit(1)
	}
}

// run migrates and returns (SUGGESTION_MIGRATE_ONLY, the migration Job), or serves HTTP, the outbox
// relay and the consumer until ctx ends.
func run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.MigrateOnly {
		return service.Migrate(ctx, cfg, log)
	}
	svc, err := service.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	return svc.Run(ctx)
}

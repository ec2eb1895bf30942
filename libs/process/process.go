// Package process is the start-up every service process shares: typed settings from the
// environment, the JSON logger, tracing, and the effective config in the first log line. What the
// process then does (serve, or only migrate) stays in its main.
package process

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	libconfig "github.com/eventai/eventai/libs/config"
	"github.com/eventai/eventai/libs/logging"
	"github.com/eventai/eventai/libs/telemetry"
)

// Config is what Run needs from a process' typed settings.
type Config interface {
	// Validate reports every setting that cannot work.
	Validate() error
	// Observability returns the log level and the OTLP endpoint ("" = no span export).
	Observability() (logLevel, otlpEndpoint string)
}

// tracingShutdown bounds the final span flush, so a dead collector cannot eat the grace period.
const tracingShutdown = 5 * time.Second

// Run loads cfg (defaults already set) from the environment under prefix (libs/config), validates
// it, builds the JSON logger writing to out, logs the masked config, installs tracing, and then
// calls fn with the loaded config. Tracing is flushed after fn returns. The returned error is
// fn's (or the start-up's); Run never exits the process.
func Run[C any, PC interface {
	*C
	Config
}](ctx context.Context, name, prefix string, cfg C, out io.Writer, fn func(ctx context.Context, cfg C, log *slog.Logger) error) error {
	if err := libconfig.Load(prefix, PC(&cfg)); err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	if err := PC(&cfg).Validate(); err != nil {
		return fmt.Errorf("invalid config: %w", err)
	}
	level, endpoint := PC(&cfg).Observability()
	log := logging.New(name, level, out)
	log.Info("starting", "config", libconfig.Masked(cfg))

	shutdownTracing, err := telemetry.Setup(ctx, name, endpoint)
	if err != nil {
		return fmt.Errorf("set up telemetry: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), tracingShutdown)
		defer cancel()
		if err := shutdownTracing(sctx); err != nil {
			log.Warn("shut down telemetry", "err", err)
		}
	}()

	err = fn(ctx, cfg, log)
	log.Info("stopped", "err", err)
	return err
}

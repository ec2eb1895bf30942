package process_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/libs/process"
)

type settings struct {
	Name     string `mapstructure:"name"`
	Password string `mapstructure:"password" secret:"true"`
	LogLevel string `mapstructure:"log_level" shared:"true"`
	Fail     bool   `mapstructure:"fail"`
}

func (s settings) Validate() error {
	if s.Fail {
		return errors.New("fail is set")
	}
	return nil
}

func (s settings) Observability() (string, string) { return s.LogLevel, "" }

// lines decodes the JSON log records.
func lines(t *testing.T, out *bytes.Buffer) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "log line %q", sc.Text())
		recs = append(recs, rec)
	}
	return recs
}

func TestRunLoadsValidatesLogsAndCalls(t *testing.T) {
	t.Setenv("PROCTEST_NAME", "from-env")
	t.Setenv("PROCTEST_PASSWORD", "hunter2")
	t.Setenv("LOG_LEVEL", "debug") // shared key, unprefixed
	var out bytes.Buffer
	var got settings
	var traced bool
	err := process.Run(context.Background(), "proctest", "PROCTEST", settings{Name: "default", LogLevel: "info"}, &out,
		func(ctx context.Context, cfg settings, log *slog.Logger) error {
			got = cfg
			log.Debug("inside")
			// Tracing is installed before fn: spans get valid ids even without an exporter.
			_, span := traceStart(ctx)
			traced = span.SpanContext().IsValid()
			span.End()
			return nil
		})
	require.NoError(t, err)
	require.Equal(t, settings{Name: "from-env", Password: "hunter2", LogLevel: "debug"}, got)
	require.True(t, traced, "span without valid ids: tracer provider not installed")

	recs := lines(t, &out)
	require.Len(t, recs, 3, "starting, inside (debug), stopped")
	require.Equal(t, "starting", recs[0]["msg"])
	require.Equal(t, "proctest", recs[0]["service"])
	cfg := recs[0]["config"].(map[string]any)
	require.Equal(t, "from-env", cfg["name"])
	require.Equal(t, "****", cfg["password"], "secret must be masked")
	require.NotContains(t, out.String(), "hunter2")
	require.Equal(t, "inside", recs[1]["msg"])
	require.Equal(t, "stopped", recs[2]["msg"])
}

func TestRunStopsOnInvalidConfig(t *testing.T) {
	t.Setenv("PROCTEST_FAIL", "true")
	called := false
	err := process.Run(context.Background(), "proctest", "PROCTEST", settings{}, &bytes.Buffer{},
		func(context.Context, settings, *slog.Logger) error { called = true; return nil })
	require.ErrorContains(t, err, "invalid config: fail is set")
	require.False(t, called)
}

func TestRunStopsOnUndecodableSetting(t *testing.T) {
	t.Setenv("PROCTEST_FAIL", "not-a-bool")
	called := false
	err := process.Run(context.Background(), "proctest", "PROCTEST", settings{}, &bytes.Buffer{},
		func(context.Context, settings, *slog.Logger) error { called = true; return nil })
	require.ErrorContains(t, err, "load config")
	require.False(t, called)
}

func TestRunReturnsFnError(t *testing.T) {
	boom := errors.New("boom")
	var out bytes.Buffer
	err := process.Run(context.Background(), "proctest", "PROCTEST", settings{}, &out,
		func(context.Context, settings, *slog.Logger) error { return boom })
	require.ErrorIs(t, err, boom)
	recs := lines(t, &out)
	require.Equal(t, "stopped", recs[len(recs)-1]["msg"])
	require.Equal(t, "boom", recs[len(recs)-1]["err"])
}

func traceStart(ctx context.Context) (context.Context, trace.Span) {
	return otel.Tracer("process_test").Start(ctx, "test")
}

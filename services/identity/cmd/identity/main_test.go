package main

import (
	"bytes"
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/libs/process"
	"github.com/eventai/eventai/services/identity/internal/config"
)

// TestMigrateOnly runs main's path with IDENTITY_MIGRATE_ONLY=true, as the migration Job does: the
// schema's tables (and the outbox and inbox) exist afterwards and run returns on its own, without
// Kafka (the brokers point at a closed port) and without listening on its HTTP address.
func TestMigrateOnly(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	addr := closedAddr(t)
	t.Setenv("IDENTITY_DATABASE_URL", dbURL)
	t.Setenv("IDENTITY_MIGRATE_ONLY", "true")
	t.Setenv("IDENTITY_KAFKA_BROKERS", addr)
	t.Setenv("IDENTITY_HTTP_ADDR", addr)

	// A server would run until ctx ends; a deadline hit means the process did not stop by itself.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := process.Run(ctx, service, "IDENTITY", config.Default(), &out, run)
	require.NoError(t, err, "log:\n%s", out.String())
	require.NoError(t, ctx.Err(), "run returned only because its context ended")
	require.Contains(t, out.String(), `"msg":"migrated; exiting without serving"`)

	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(),
		`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, service)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	for _, want := range []string{"users", "refresh_tokens", "signing_keys", "companies", "outbox", "inbox", "dead_letters", "goose_db_version"} {
		require.True(t, slices.Contains(tables, want), "table %s.%s missing; have %s", service, want, strings.Join(tables, ", "))
	}
}

// closedAddr returns a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

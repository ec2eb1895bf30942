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
	"github.com/eventai/eventai/services/company/internal/config"
	"github.com/eventai/eventai/services/company/internal/service"
)

// TestMigrateOnly runs main's path with COMPANY_MIGRATE_ONLY=true, as the migration Job does: the
// schema's tables (and the outbox and inbox) exist afterwards and run returns on its own, without
// Kafka (the brokers point at a closed port) and without listening on its HTTP address.
func TestMigrateOnly(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	addr := closedAddr(t)
	t.Setenv("COMPANY_DATABASE_URL", dbURL)
	t.Setenv("COMPANY_MIGRATE_ONLY", "true")
	t.Setenv("COMPANY_KAFKA_BROKERS", addr)
	t.Setenv("COMPANY_HTTP_ADDR", addr)

	// A server would run until ctx ends; a deadline hit means the process did not stop by itself.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := process.Run(ctx, service.Name, "COMPANY", config.Default(), &out, run)
	require.NoError(t, err, "log:\n%s", out.String())
	require.NoError(t, ctx.Err(), "run returned only because its context ended")
	require.Contains(t, out.String(), `"msg":"migrated; exiting without serving"`)

	conn, err := pgx.Connect(context.Background(), dbURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(),
		`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, service.Name)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	for _, want := range []string{"companies", "memberships", "users", "outbox", "inbox", "dead_letters", "goose_db_version"} {
		require.True(t, slices.Contains(tables, want), "table %s.%s missing; have %s", service.Name, want, strings.Join(tables, ", "))
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

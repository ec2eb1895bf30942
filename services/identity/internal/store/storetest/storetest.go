// Package storetest gives tests a Store on a fresh, migrated database.
package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/services/identity/internal/migrations"
	"github.com/eventai/eventai/services/identity/internal/store"
)

// Schema is identity's Postgres schema.
const Schema = "identity"

// New returns a Store and its pool on a fresh database with identity's migrations and the outbox.
func New(t testing.TB) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	// A small pool: the test server is shared by every package's tests running at once.
	url := pgtest.NewDatabase(t)
	if strings.Contains(url, "?") {
		url += "&pool_max_conns=4"
	} else {
		url += "?pool_max_conns=4"
	}
	pool, err := pg.Connect(ctx, url, Schema)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, pg.Migrate(ctx, pool, Schema, migrations.FS))
	require.NoError(t, outbox.CreateTable(ctx, pool))
	return store.New(pool), pool
}

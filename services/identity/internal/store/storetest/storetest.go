// Package storetest gives tests a Store on a fresh, migrated database.
package storetest

import (
	"context"
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
	pool, err := pg.Connect(ctx, pgtest.NewDatabase(t), Schema)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, pg.Migrate(ctx, pool, Schema, migrations.FS))
	require.NoError(t, outbox.CreateTable(ctx, pool))
	return store.New(pool), pool
}

package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/services/suggestion/internal/domain"
	"github.com/eventai/eventai/services/suggestion/internal/migrations"
	"github.com/eventai/eventai/services/suggestion/internal/store"
)

// released pins the migrations as they shipped: goose never re-runs an applied version, so an
// edit to one of these files never reaches a database that has it already. Change goes into a
// new file.
var released = map[string]string{
	"00001_init.sql": "bb2811ce1affe73f5e249cd99679c284a52f2416af637e3819c0b59bc0cb9240",
}

func TestReleasedMigrationsAreNotEdited(t *testing.T) {
	for name, want := range released {
		raw, err := fs.ReadFile(migrations.FS, name)
		require.NoError(t, err)
		sum := sha256.Sum256(raw)
		require.Equal(t, want, hex.EncodeToString(sum[:]), "%s was edited in place; add a new migration instead", name)
	}
}

// A database migrated by the first release (00001 only) upgrades to the current schema, and
// its suggestions read as before; one that got new_task_count from the in-place edit of 00001
// migrates too.
func TestUpgradeFromFirstRelease(t *testing.T) {
	ctx := context.Background()
	first, err := fs.ReadFile(migrations.FS, "00001_init.sql")
	require.NoError(t, err)

	for _, hadColumn := range []bool{false, true} {
		pool, err := pg.Connect(ctx, pgtest.NewDatabase(t)+"&pool_max_conns=2", "suggestion")
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		require.NoError(t, pg.Migrate(ctx, pool, "suggestion", fstest.MapFS{"00001_init.sql": {Data: first}}))
		if hadColumn {
			_, err = pool.Exec(ctx, `ALTER TABLE suggestions ADD COLUMN new_task_count integer NOT NULL DEFAULT 0`)
			require.NoError(t, err)
		}
		id, ev := uuid.New(), uuid.New()
		at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		_, err = pool.Exec(ctx, `INSERT INTO suggestions (id, event_id, company_id, created_by, mode, status, planner, task_count, body, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'plan', 'ready', 'builtin', 2, '{"tasks": []}', $5, $5)`, id, ev, uuid.New(), uuid.New(), at)
		require.NoError(t, err)

		require.NoError(t, pg.Migrate(ctx, pool, "suggestion", migrations.FS), "had column %v", hadColumn)
		st := store.New(pool)
		sg, err := st.Suggestion(ctx, id)
		require.NoError(t, err, "had column %v", hadColumn)
		require.Equal(t, ev, sg.EventID)
		require.Equal(t, 2, sg.TaskCount)
		_, err = st.Suggestion(ctx, uuid.New())
		require.ErrorIs(t, err, domain.ErrNotFound)
		items, _, err := st.Suggestions(ctx, ev, 10, "")
		require.NoError(t, err)
		require.Len(t, items, 1)
	}
}

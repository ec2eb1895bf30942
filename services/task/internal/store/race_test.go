package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/task/internal/domain"
	"github.com/eventai/eventai/services/task/internal/store"
)

// A task created while its event is being deleted must not outlive the event. The creating
// transaction holds the event's read-model row (LiveEvent), so the consumer's deletion waits
// for it and then deletes the new task too; once the event is deleted, LiveEvent answers
// ErrNotFound and nothing is created.
func TestTaskCreationAndEventDeletionDoNotRace(t *testing.T) {
	s, pool := newStore(t)
	ev, co := uuid.New(), uuid.New()
	require.NoError(t, s.InTx(ctx, t0, func(tx *store.Tx) error {
		return tx.ApplyEvent(ctx, store.EventSnapshot{ID: ev, CompanyID: co, Timezone: "UTC", Version: 1})
	}))
	task := newTask(ev, 9, 10, nil, domain.ApprovalApproved)
	task.CompanyID = co

	locked, release := make(chan struct{}), make(chan struct{})
	created, deleted := make(chan error, 1), make(chan error, 1)
	go func() {
		created <- s.InTx(ctx, t0, func(tx *store.Tx) error {
			if _, err := tx.LiveEvent(ctx, ev); err != nil {
				return err
			}
			close(locked)
			<-release
			_, err := tx.Insert(ctx, task, nil, "")
			return err
		})
	}()
	<-locked
	go func() {
		deleted <- s.InTx(ctx, t0, func(tx *store.Tx) error {
			_, err := tx.DeleteEvent(ctx, ev, co)
			return err
		})
	}()
	waitForLockWait(t, pool)
	close(release)
	require.NoError(t, <-created)
	require.NoError(t, <-deleted)
	require.Equal(t, 0, count(t, pool, `SELECT count(*) FROM tasks WHERE event_id = $1 AND deleted_at IS NULL`, ev))

	err := s.InTx(ctx, t0, func(tx *store.Tx) error {
		_, err := tx.LiveEvent(ctx, ev)
		return err
	})
	require.ErrorIs(t, err, domain.ErrNotFound)
}

// waitForLockWait returns once some session of the test database waits for a row lock; the
// deletion must queue behind the creation, not run past it.
func waitForLockWait(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if count(t, pool, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the event's deletion did not wait for the task's creation")
}

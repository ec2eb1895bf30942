package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/services/task/internal/domain"
	"github.com/eventai/eventai/services/task/internal/service"
	"github.com/eventai/eventai/services/task/internal/store"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC)
)

func newStore(t *testing.T) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	pool, err := pg.Connect(ctx, pgtest.NewDatabase(t), "task")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, service.Prepare(ctx, pool))
	return store.New(pool), pool
}

func hour(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

func newTask(event uuid.UUID, h1, h2 int, assignee *uuid.UUID, approval string) domain.Task {
	return domain.Task{ID: uuid.New(), EventID: event, CompanyID: uuid.New(), Title: "T", RequiredSkills: []domain.Skill{{Name: "av", MinLevel: 2}},
		StartsAt: hour(h1), EndsAt: hour(h2), Priority: 3, AssigneeID: assignee, Approval: approval, Status: domain.StatusPending,
		Source: domain.SourceManual, Reasons: json.RawMessage(`["x"]`), Version: 1, CreatedAt: t0, UpdatedAt: t0}
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(ctx, sql, args...).Scan(&n))
	return n
}

func insert(t *testing.T, s *store.Store, tasks ...domain.Task) {
	t.Helper()
	require.NoError(t, s.InTx(ctx, t0, func(tx *store.Tx) error {
		for _, task := range tasks {
			if _, err := tx.Insert(ctx, task, nil, ""); err != nil {
				return err
			}
		}
		return nil
	}))
}

func TestInsertSaveRoundTrip(t *testing.T) {
	s, pool := newStore(t)
	task := newTask(uuid.New(), 9, 10, nil, domain.ApprovalApproved)
	insert(t, s, task)
	insert(t, s, task) // a redelivered insert is a no-op
	require.Equal(t, 1, count(t, pool, `SELECT count(*) FROM task_history`))
	require.Equal(t, 1, count(t, pool, `SELECT count(*) FROM outbox WHERE envelope->>'type' = 'task.created'`))

	got, err := s.Task(ctx, task.ID)
	require.NoError(t, err)
	require.Equal(t, task, got)

	who := uuid.New()
	var saved domain.Task
	require.NoError(t, s.InTx(ctx, hour(1), func(tx *store.Tx) error {
		cur, err := tx.Task(ctx, task.ID)
		if err != nil {
			return err
		}
		after := cur
		after.AssigneeID = &who
		saved, err = tx.Save(ctx, cur, after, &who, "why")
		return err
	}))
	require.EqualValues(t, 2, saved.Version)
	require.True(t, saved.UpdatedAt.Equal(hour(1)))
	var from, to, note string
	require.NoError(t, pool.QueryRow(ctx, `SELECT "from"::text, "to"::text, note FROM task_history WHERE action = 'assigned'`).Scan(&from, &to, &note))
	require.JSONEq(t, `{"assignee_id": null}`, from)
	require.JSONEq(t, `{"assignee_id": "`+who.String()+`"}`, to)
	require.Equal(t, "why", note)

	// Saving over a stale copy fails and changes nothing.
	err = s.InTx(ctx, hour(2), func(tx *store.Tx) error {
		after := task
		after.Title = "late"
		_, err := tx.Save(ctx, task, after, nil, "")
		return err
	})
	require.ErrorIs(t, err, domain.ErrStale)
	// Saving without a difference writes nothing.
	require.NoError(t, s.InTx(ctx, hour(2), func(tx *store.Tx) error {
		_, err := tx.Save(ctx, saved, saved, nil, "")
		return err
	}))
	require.Equal(t, 2, count(t, pool, `SELECT version FROM tasks WHERE id = $1`, task.ID))
	require.Equal(t, 2, count(t, pool, `SELECT count(*) FROM task_history`))
}

func TestBookings(t *testing.T) {
	s, _ := newStore(t)
	who, other := uuid.New(), uuid.New()
	self := newTask(uuid.New(), 9, 10, &who, domain.ApprovalApproved)
	proposed := newTask(uuid.New(), 10, 11, &who, domain.ApprovalProposed)
	rejected := newTask(uuid.New(), 11, 12, &who, domain.ApprovalRejected)
	deleted := newTask(uuid.New(), 12, 13, &who, domain.ApprovalApproved)
	far := newTask(uuid.New(), 24*5, 24*5+1, &who, domain.ApprovalApproved)
	others := newTask(uuid.New(), 9, 10, &other, domain.ApprovalApproved)
	insert(t, s, self, proposed, rejected, deleted, far, others)
	require.NoError(t, s.InTx(ctx, t0, func(tx *store.Tx) error { return tx.Delete(ctx, deleted, nil, "deleted", "") }))

	var got []domain.Booking
	require.NoError(t, s.InTx(ctx, t0, func(tx *store.Tx) (err error) {
		got, err = tx.Bookings(ctx, who, self.ID, self.StartsAt, self.EndsAt)
		return err
	}))
	require.Len(t, got, 1)
	require.Equal(t, proposed.ID, got[0].TaskID)
}

func TestListFiltersAndPages(t *testing.T) {
	s, _ := newStore(t)
	ev, who := uuid.New(), uuid.New()
	var all []domain.Task
	for i := range 5 {
		task := newTask(ev, i, i+2, nil, domain.ApprovalApproved) // [i, i+2)
		if i%2 == 0 {
			task.AssigneeID = &who
		}
		all = append(all, task)
	}
	insert(t, s, all...)
	// Overlap with [3, 4): tasks starting at 2 and 3.
	from, to := hour(3), hour(4)
	got, next, err := s.List(ctx, store.ListFilter{EventID: &ev, From: &from, To: &to, Limit: 10})
	require.NoError(t, err)
	require.Empty(t, next)
	require.Equal(t, []uuid.UUID{all[2].ID, all[3].ID}, ids(got))

	got, _, err = s.List(ctx, store.ListFilter{EventID: &ev, Unassigned: true, Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{all[1].ID, all[3].ID}, ids(got))

	got, next, err = s.List(ctx, store.ListFilter{AssigneeID: &who, Approval: domain.ApprovalApproved, Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{all[0].ID, all[2].ID}, ids(got))
	got, next, err = s.List(ctx, store.ListFilter{AssigneeID: &who, Approval: domain.ApprovalApproved, Limit: 2, Cursor: next})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{all[4].ID}, ids(got))
	require.Empty(t, next)

	_, _, err = s.List(ctx, store.ListFilter{Limit: 2, Cursor: "bogus"})
	require.ErrorIs(t, err, store.ErrBadCursor)
}

func TestSupersede(t *testing.T) {
	s, pool := newStore(t)
	ev := uuid.New()
	old, fresh := uuid.New(), uuid.New()
	ai := func(approval string) domain.Task {
		task := newTask(ev, 1, 2, nil, approval)
		task.Source, task.SuggestionID = domain.SourceAI, &old
		return task
	}
	p1, p2, approved, rejected := ai(domain.ApprovalProposed), ai(domain.ApprovalProposed), ai(domain.ApprovalApproved), ai(domain.ApprovalRejected)
	manual := newTask(ev, 1, 2, nil, domain.ApprovalProposed)
	otherEvent := ai(domain.ApprovalProposed)
	otherEvent.EventID = uuid.New()
	insert(t, s, p1, p2, approved, rejected, manual, otherEvent)

	var n int
	require.NoError(t, s.InTx(ctx, t0, func(tx *store.Tx) (err error) {
		if _, err = tx.AddSuggestion(ctx, store.Suggestion{ID: old, EventID: ev}); err != nil {
			return err
		}
		n, err = tx.AddSuggestion(ctx, store.Suggestion{ID: fresh, EventID: ev})
		return err
	}))
	require.Equal(t, 2, n)
	require.Equal(t, 2, count(t, pool, `SELECT count(*) FROM tasks WHERE deleted_at IS NOT NULL`))
	require.Equal(t, 2, count(t, pool, `SELECT count(*) FROM tasks WHERE deleted_at IS NOT NULL AND id IN ($1, $2)`, p1.ID, p2.ID))
	require.Equal(t, 2, count(t, pool, `SELECT count(*) FROM task_history WHERE action = 'superseded'`))
	require.Equal(t, 2, count(t, pool, `SELECT count(*) FROM outbox WHERE envelope->>'type' = 'task.deleted'`))
	sug, err := s.Suggestion(ctx, old)
	require.NoError(t, err)
	require.True(t, sug.Superseded)
	// Seen again (redelivery): nothing more happens.
	require.NoError(t, s.InTx(ctx, t0, func(tx *store.Tx) (err error) {
		n, err = tx.AddSuggestion(ctx, store.Suggestion{ID: fresh, EventID: ev})
		return err
	}))
	require.Zero(t, n)
}

func ids(ts []domain.Task) []uuid.UUID {
	out := make([]uuid.UUID, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

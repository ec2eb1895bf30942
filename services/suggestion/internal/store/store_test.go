package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/services/suggestion/internal/domain"
	"github.com/eventai/eventai/services/suggestion/internal/migrations"
	"github.com/eventai/eventai/services/suggestion/internal/store"
)

func newStore(t *testing.T) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool, err := pg.Connect(ctx, pgtest.NewDatabase(t)+"&pool_max_conns=2", "suggestion")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, pg.Migrate(ctx, pool, "suggestion", migrations.FS))
	require.NoError(t, outbox.CreateTable(ctx, pool))
	return store.New(pool), pool
}

var t0 = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)

func suggestion(ev uuid.UUID, n int, at time.Time) domain.Suggestion {
	id := uuid.New()
	body := &domain.Body{}
	for i := 0; i < n; i++ {
		body.Tasks = append(body.Tasks, domain.ProposedTask{ID: uuid.New(), Title: "T", StartsAt: t0, EndsAt: t0.Add(time.Hour), Priority: 3,
			SlotGroup: "g", Reasons: []string{"r"}})
	}
	return domain.Suggestion{ID: id, EventID: ev, CompanyID: uuid.New(), CreatedBy: uuid.New(), Mode: domain.ModePlan,
		Planner: "builtin", Body: body, CreatedAt: at, UpdatedAt: at}
}

func addTask(t *testing.T, pool *pgxpool.Pool, sg domain.Suggestion, approval string) {
	t.Helper()
	sid := sg.ID
	require.NoError(t, pg.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		return store.ApplyTask(context.Background(), tx, store.TaskSnapshot{Task: domain.Task{ID: uuid.New(), EventID: sg.EventID,
			StartsAt: t0, EndsAt: t0.Add(time.Hour), Approval: approval, SuggestionID: &sid}, Version: 1})
	}))
}

func TestSaveReadySupersedesOnlyUnapprovedAndWritesBatches(t *testing.T) {
	st, pool := newStore(t)
	ctx := context.Background()
	ev := uuid.New()

	open := suggestion(ev, 1, t0)
	approved := suggestion(ev, 1, t0.Add(time.Minute))
	partly := suggestion(ev, 2, t0.Add(2*time.Minute))
	running := suggestion(ev, 0, t0.Add(3*time.Minute))
	other := suggestion(uuid.New(), 1, t0)
	save := func(sg domain.Suggestion) []uuid.UUID {
		t.Helper()
		saved, err := st.SaveReady(ctx, sg)
		require.NoError(t, err)
		return saved.Supersedes
	}
	require.Empty(t, save(open))
	require.Empty(t, save(other), "another event's suggestions are unrelated")
	require.Equal(t, []uuid.UUID{open.ID}, save(approved))
	addTask(t, pool, approved, "approved")
	addTask(t, pool, approved, "rejected")
	require.Empty(t, save(partly), "an approved suggestion is not superseded, a superseded one not twice")
	addTask(t, pool, partly, "approved")
	addTask(t, pool, partly, "proposed")
	require.NoError(t, st.InsertRunning(ctx, running))

	next := suggestion(ev, 401, t0.Add(4*time.Minute))
	require.Equal(t, []uuid.UUID{partly.ID}, save(next), "a partly approved suggestion is still unapproved")

	got, err := st.Suggestion(ctx, open.ID)
	require.NoError(t, err)
	require.Equal(t, approved.ID, *got.SupersededBy)
	got, err = st.Suggestion(ctx, approved.ID)
	require.NoError(t, err)
	require.Nil(t, got.SupersededBy)
	counts, err := st.Counts(ctx, []uuid.UUID{approved.ID, partly.ID, next.ID})
	require.NoError(t, err)
	require.Equal(t, domain.StatusApproved, got.DerivedStatus(counts[approved.ID]))
	require.Equal(t, domain.TaskCounts{Proposed: 1, Approved: 1}, counts[partly.ID])
	require.Equal(t, domain.TaskCounts{}, counts[next.ID])

	// One suggestion.created and ceil(401/200) = 3 batches of 200, 200, 1, keyed by the event.
	rows, err := pool.Query(ctx, `SELECT key, envelope FROM outbox WHERE key = $1 AND topic = $2 ORDER BY id`, ev.String(), store.Topic)
	require.NoError(t, err)
	type row struct {
		Key     string
		Payload []byte
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	require.NoError(t, err)
	var types []string
	var sizes []int
	for _, r := range all {
		var env struct {
			Type string `json:"type"`
			Data struct {
				ID    uuid.UUID         `json:"id"`
				SID   uuid.UUID         `json:"suggestion_id"`
				Tasks []json.RawMessage `json:"tasks"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(r.Payload, &env))
		if env.Data.ID == next.ID || env.Data.SID == next.ID {
			types = append(types, env.Type)
			if env.Type == store.TypeTasksProposed {
				sizes = append(sizes, len(env.Data.Tasks))
			}
		}
	}
	require.Equal(t, []string{store.TypeCreated, store.TypeTasksProposed, store.TypeTasksProposed, store.TypeTasksProposed}, types)
	require.Equal(t, []int{200, 200, 1}, sizes)

	// A background solve whose suggestion was failed meanwhile is refused.
	n, err := st.FailRunning(ctx, "restart", t0)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	_, err = st.SaveReady(ctx, running)
	require.ErrorIs(t, err, store.ErrNotRunning)
	got, err = st.Suggestion(ctx, running.ID)
	require.NoError(t, err)
	require.Equal(t, domain.StatusFailed, got.Status)
	require.Equal(t, "restart", got.Error)
}

func TestListPagesNewestFirst(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	ev := uuid.New()
	var ids []uuid.UUID
	for i := 0; i < 5; i++ {
		sg := suggestion(ev, 1, t0.Add(time.Duration(i)*time.Minute))
		_, err := st.SaveReady(ctx, sg)
		require.NoError(t, err)
		ids = append([]uuid.UUID{sg.ID}, ids...)
	}
	var got []uuid.UUID
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		items, next, err := st.Suggestions(ctx, ev, 2, cursor)
		require.NoError(t, err)
		for _, s := range items {
			got = append(got, s.ID)
			require.NotNil(t, s.Body)
			require.Nil(t, s.Body.Tasks, "lists do not load tasks")
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, ids, got)
	_, _, err := st.Suggestions(ctx, ev, 2, "bogus!")
	require.ErrorIs(t, err, store.ErrBadCursor)
}

// A solve that finishes after its event was deleted must leave nothing behind: no ready
// suggestion and no outbox rows announcing tasks for an event that no longer exists.
func TestSaveReadyRefusesADeletedEvent(t *testing.T) {
	st, pool := newStore(t)
	ctx := context.Background()
	ev := domain.Event{ID: uuid.New(), CompanyID: uuid.New(), Title: "E", Timezone: "UTC", StartsAt: t0, EndsAt: t0.Add(8 * time.Hour)}
	require.NoError(t, pg.InTx(ctx, pool, func(tx pgx.Tx) error {
		return store.ApplyEvent(ctx, tx, store.EventSnapshot{Event: ev, Version: 1})
	}))
	sync := suggestion(ev.ID, 2, t0)
	running := suggestion(ev.ID, 2, t0.Add(time.Minute))
	require.NoError(t, st.InsertRunning(ctx, running))
	require.NoError(t, pg.InTx(ctx, pool, func(tx pgx.Tx) error {
		return store.DeleteEvent(ctx, tx, ev.ID, ev.CompanyID)
	}))

	_, err := st.SaveReady(ctx, sync)
	require.ErrorIs(t, err, store.ErrEventDeleted)
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = st.Suggestion(ctx, sync.ID)
	require.ErrorIs(t, err, domain.ErrNotFound, "a synchronous solve stores nothing")

	_, err = st.SaveReady(ctx, running)
	require.ErrorIs(t, err, store.ErrEventDeleted)
	got, err := st.Suggestion(ctx, running.ID)
	require.NoError(t, err)
	require.Equal(t, domain.StatusRunning, got.Status, "the caller fails it with a reason")

	var rows int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&rows))
	require.Zero(t, rows)
}

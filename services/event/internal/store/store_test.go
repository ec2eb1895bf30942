package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/services/event/internal/domain"
	"github.com/eventai/eventai/services/event/internal/migrations"
	"github.com/eventai/eventai/services/event/internal/store"
)

func newStore(t testing.TB) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool, err := pg.Connect(ctx, pgtest.NewDatabase(t), "event")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, pg.Migrate(ctx, pool, "event", migrations.FS))
	require.NoError(t, outbox.CreateTable(ctx, pool))
	return store.New(pool), pool
}

var base = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func event(company uuid.UUID, title string, startOffset time.Duration, managers ...uuid.UUID) domain.Event {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if managers == nil {
		managers = []uuid.UUID{}
	}
	return domain.Event{ID: uuid.New(), CompanyID: company, Title: title, Timezone: "Europe/Berlin",
		StartsAt: base.Add(startOffset), EndsAt: base.Add(startOffset + 8*time.Hour), EventType: "conference",
		ManagerIDs: managers, CreatedBy: uuid.New(), CreatedAt: now, UpdatedAt: now, Version: 1}
}

func outboxTypes(t testing.TB, pool *pgxpool.Pool, key uuid.UUID) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT envelope->>'type' FROM outbox WHERE key = $1 ORDER BY id`, key.String())
	require.NoError(t, err)
	types, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return types
}

func inTx(t testing.TB, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) {
	t.Helper()
	require.NoError(t, pg.InTx(context.Background(), pool, fn))
}

func TestEventRoundTripAndVersioning(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	e := event(uuid.New(), "Summit", 0, uuid.New())
	e.Description, e.Location, e.ExpectedAttendees = "desc", "Hall", 120
	require.NoError(t, s.CreateEvent(ctx, e))
	got, err := s.GetEvent(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, e, got)

	_, err = s.UpdateEvent(ctx, e.ID, 3, time.Now(), func(*domain.Event) error { return nil })
	require.ErrorIs(t, err, domain.ErrStale)
	up, err := s.UpdateEvent(ctx, e.ID, 1, time.Now().UTC(), func(e *domain.Event) error { e.Title = "Renamed"; return nil })
	require.NoError(t, err)
	require.Equal(t, int64(2), up.Version)
	got, err = s.GetEvent(ctx, e.ID)
	require.NoError(t, err)
	require.Equal(t, "Renamed", got.Title)

	require.NoError(t, s.DeleteEvent(ctx, e.ID, nil))
	_, err = s.GetEvent(ctx, e.ID)
	require.ErrorIs(t, err, domain.ErrNotFound)
	require.Equal(t, []string{store.TypeCreated, store.TypeUpdated, store.TypeDeleted}, outboxTypes(t, pool, e.ID))
}

func TestListEventsFilters(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	acme, other := uuid.New(), uuid.New()
	member, mgr := uuid.New(), uuid.New()
	inTx(t, pool, func(tx pgx.Tx) error {
		if err := store.ApplyCompany(ctx, tx, acme, "Acme", member, true); err != nil {
			return err
		}
		return store.ApplyCompany(ctx, tx, other, "Other", uuid.New(), true)
	})
	day := 24 * time.Hour
	e1 := event(acme, "Summer Summit", 0, mgr)
	e2 := event(acme, "Winter Meetup", 10*day)
	e3 := event(acme, "Autumn Summit", 20*day, mgr)
	e4 := event(other, "Foreign Summit", 5*day, mgr)
	for _, e := range []domain.Event{e1, e2, e3, e4} {
		require.NoError(t, s.CreateEvent(ctx, e))
	}
	ids := func(f store.EventFilter) []uuid.UUID {
		t.Helper()
		if f.Limit == 0 {
			f.Limit = 50
		}
		evs, _, err := s.ListEvents(ctx, f)
		require.NoError(t, err)
		out := []uuid.UUID{}
		for _, e := range evs {
			out = append(out, e.ID)
		}
		return out
	}
	require.Equal(t, []uuid.UUID{e1.ID, e2.ID, e3.ID}, ids(store.EventFilter{MemberID: &member}))
	require.Equal(t, []uuid.UUID{e1.ID, e4.ID, e3.ID}, ids(store.EventFilter{ManagerID: &mgr}))
	require.Equal(t, []uuid.UUID{e4.ID}, ids(store.EventFilter{CompanyID: &other}))
	require.Equal(t, []uuid.UUID{e1.ID, e3.ID}, ids(store.EventFilter{MemberID: &member, Query: "summit"}))
	from, to := base.Add(9*day), base.Add(15*day)
	require.Equal(t, []uuid.UUID{e2.ID}, ids(store.EventFilter{MemberID: &member, From: &from, To: &to}))

	// Pages of one, following the cursor, see every event once in order.
	var paged []uuid.UUID
	cursor := ""
	for {
		evs, next, err := s.ListEvents(ctx, store.EventFilter{Limit: 1, Cursor: cursor})
		require.NoError(t, err)
		for _, e := range evs {
			paged = append(paged, e.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []uuid.UUID{e1.ID, e4.ID, e2.ID, e3.ID}, paged)
}

func TestTaskCountsFollowTaskStates(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	ev := uuid.New()
	t1, t2, t3 := uuid.New(), uuid.New(), uuid.New()
	inTx(t, pool, func(tx pgx.Tx) error {
		for _, id := range []uuid.UUID{t1, t2, t3} {
			if err := store.ApplyTask(ctx, tx, id, ev, "proposed", "pending", 1); err != nil {
				return err
			}
		}
		return nil
	})
	counts := func() domain.TaskCounts {
		m, err := s.TaskCounts(ctx, []uuid.UUID{ev})
		require.NoError(t, err)
		return m[ev]
	}
	require.Equal(t, domain.TaskCounts{Proposed: 3}, counts())
	inTx(t, pool, func(tx pgx.Tx) error {
		if err := store.ApplyTask(ctx, tx, t1, ev, "approved", "done", 3); err != nil {
			return err
		}
		if err := store.ApplyTask(ctx, tx, t2, ev, "approved", "in_progress", 2); err != nil {
			return err
		}
		// A late, older snapshot of t1 must not undo its newer state.
		if err := store.ApplyTask(ctx, tx, t1, ev, "proposed", "pending", 2); err != nil {
			return err
		}
		return store.DeleteTask(ctx, tx, t3)
	})
	require.Equal(t, domain.TaskCounts{Proposed: 0, Approved: 2, Done: 1}, counts())
}

func TestReplaceAITeamsKeepsDecidedAndManualTeams(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	e := event(uuid.New(), "Summit", 0)
	require.NoError(t, s.CreateEvent(ctx, e))
	now := time.Now().UTC().Truncate(time.Microsecond)
	team := func(name, approval, source string) domain.Team {
		return domain.Team{ID: uuid.New(), EventID: e.ID, Name: name, MemberIDs: []uuid.UUID{}, Approval: approval, Source: source,
			CreatedAt: now, UpdatedAt: now, Version: 1}
	}
	oldProposed := team("old proposed", domain.ApprovalProposed, domain.SourceAI)
	approved := team("approved", domain.ApprovalApproved, domain.SourceAI)
	manual := team("manual", domain.ApprovalProposed, domain.SourceManual)
	for _, tm := range []domain.Team{oldProposed, approved, manual} {
		require.NoError(t, s.CreateTeam(ctx, tm))
	}
	fresh := team("fresh", domain.ApprovalProposed, domain.SourceAI)
	inTx(t, pool, func(tx pgx.Tx) error { return store.ReplaceAITeams(ctx, tx, e.ID, []domain.Team{fresh}) })
	inTx(t, pool, func(tx pgx.Tx) error {
		return store.ReplaceAITeams(ctx, tx, uuid.New(), []domain.Team{team("x", "proposed", "ai")})
	})

	teams, _, err := s.ListTeams(ctx, e.ID, 50, "")
	require.NoError(t, err)
	var names []string
	for _, tm := range teams {
		names = append(names, tm.Name)
	}
	require.ElementsMatch(t, []string{"approved", "manual", "fresh"}, names)
}

func TestDeleteCompanyDeletesItsEventsThroughTheOutbox(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	acme := uuid.New()
	e := event(acme, "Summit", 0)
	keep := event(uuid.New(), "Other", 0)
	require.NoError(t, s.CreateEvent(ctx, e))
	require.NoError(t, s.CreateEvent(ctx, keep))
	inTx(t, pool, func(tx pgx.Tx) error { return store.DeleteCompany(ctx, tx, acme) })
	_, err := s.GetEvent(ctx, e.ID)
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = s.GetEvent(ctx, keep.ID)
	require.NoError(t, err)
	require.Equal(t, []string{store.TypeCreated, store.TypeDeleted}, outboxTypes(t, pool, e.ID))
}

func TestImportSessionsUpsertsByExternalID(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	e := event(uuid.New(), "Congress", 0)
	require.NoError(t, s.CreateEvent(ctx, e))
	ses := func(ext, title string) domain.Session {
		return domain.Session{ExternalID: ext, Room: "Saal 1", Title: title, Speakers: []string{"Ada"}, StartsAt: base, EndsAt: base.Add(time.Hour),
			Day: "2026-06-01", DayIndex: 1}
	}
	plan, err := s.ImportSessions(ctx, e.ID, []domain.Session{ses("a", "A"), ses("b", "B")})
	require.NoError(t, err)
	require.Len(t, plan.Create, 2)

	plan, err = s.ImportSessions(ctx, e.ID, []domain.Session{ses("a", "A"), ses("b", "B")})
	require.NoError(t, err)
	require.Equal(t, 2, plan.Unchanged)
	require.Empty(t, plan.Create)

	plan, err = s.ImportSessions(ctx, e.ID, []domain.Session{ses("b", "B changed"), ses("c", "C")})
	require.NoError(t, err)
	require.Equal(t, []int{1, 1, 1, 0}, []int{len(plan.Create), len(plan.Update), len(plan.Delete), plan.Unchanged})

	got, _, err := s.ListSessions(ctx, e.ID, store.SessionFilter{Limit: 50})
	require.NoError(t, err)
	titles := map[string]string{}
	for _, ss := range got {
		titles[ss.ExternalID] = ss.Title
	}
	require.Equal(t, map[string]string{"b": "B changed", "c": "C"}, titles)
	require.Equal(t, []string{store.TypeCreated, store.TypeScheduleImported, store.TypeScheduleImported, store.TypeScheduleImported}, outboxTypes(t, pool, e.ID))

	_, err = s.ImportSessions(ctx, uuid.New(), []domain.Session{ses("a", "A")})
	require.ErrorIs(t, err, domain.ErrNotFound)
}

package events_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/services/suggestion/internal/domain"
	"github.com/eventai/eventai/services/suggestion/internal/events"
	"github.com/eventai/eventai/services/suggestion/internal/migrations"
	"github.com/eventai/eventai/services/suggestion/internal/store"
)

type fixture struct {
	t    *testing.T
	pool *pgxpool.Pool
	h    *events.Handler
	st   *store.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	pool, err := pg.Connect(ctx, pgtest.NewDatabase(t)+"&pool_max_conns=2", "suggestion")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, pg.Migrate(ctx, pool, "suggestion", migrations.FS))
	return &fixture{t: t, pool: pool, h: events.NewHandler(slog.New(slog.DiscardHandler)), st: store.New(pool)}
}

// apply runs one envelope through the handler in a transaction, as the consumer does.
func (f *fixture) apply(typ, subject string, data any) {
	f.t.Helper()
	env, err := envelope.New("test", typ, subject, data)
	require.NoError(f.t, err)
	require.NoError(f.t, pg.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		return f.h.Handle(context.Background(), tx, env)
	}))
}

func (f *fixture) applyRaw(typ string, raw string) {
	f.t.Helper()
	env := envelope.Envelope{ID: uuid.NewString(), Type: typ, Source: "test", Time: time.Now(), SchemaVersion: 1, Data: []byte(raw)}
	require.NoError(f.t, pg.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		return f.h.Handle(context.Background(), tx, env)
	}), "a message that can never apply is dropped, not retried forever")
}

func user(id, company uuid.UUID, role string, active bool, version int64, level int) map[string]any {
	return map[string]any{"id": id, "role": role, "company_ids": []uuid.UUID{company}, "is_active": active, "version": version,
		"skills": []map[string]any{{"name": "AV", "level": level}}, "availability": []any{}, "max_hours_per_day": 6.5}
}

func TestUsersMembershipsAndVersions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	company, owner, staff := uuid.New(), uuid.New(), uuid.New()
	f.apply("company.created", company.String(), map[string]any{"id": company, "name": "C", "created_by": owner})
	ok, err := f.st.IsMember(ctx, owner, company)
	require.NoError(t, err)
	require.True(t, ok, "the creator is a member")

	f.apply("user.created", staff.String(), user(staff, company, "staff", true, 2, 4))
	f.apply("user.updated", staff.String(), user(staff, company, "staff", true, 1, 1)) // older: ignored
	got, err := f.st.CompanyStaff(ctx, company)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, []domain.Skill{{Name: "AV", Level: 4}}, got[0].Skills)
	require.Equal(t, 6.5, got[0].MaxHoursPerDay)

	f.apply("user.updated", staff.String(), user(staff, company, "staff", false, 3, 4))
	got, err = f.st.CompanyStaff(ctx, company)
	require.NoError(t, err)
	require.Empty(t, got, "an inactive user loses their memberships")

	f.apply("user.updated", staff.String(), user(staff, company, "staff", true, 4, 4))
	f.apply("user.deleted", staff.String(), map[string]any{"id": staff})
	f.apply("user.updated", staff.String(), user(staff, company, "staff", true, 5, 4)) // late snapshot
	got, err = f.st.CompanyStaff(ctx, company)
	require.NoError(t, err)
	require.Empty(t, got, "a deleted user stays deleted")

	f.apply("company.deleted", company.String(), map[string]any{"id": company})
	ok, err = f.st.IsMember(ctx, owner, company)
	require.NoError(t, err)
	require.False(t, ok)
}

func TestEventsSessionsAndTasks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ev, company, mgr := uuid.New(), uuid.New(), uuid.New()
	start := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	event := func(version int64, title string) map[string]any {
		return map[string]any{"id": ev, "company_id": company, "title": title, "timezone": "Europe/Berlin", "starts_at": start,
			"ends_at": start.Add(8 * time.Hour), "event_type": "meetup", "expected_attendees": 40, "manager_ids": []uuid.UUID{mgr}, "version": version}
	}
	f.apply("event.created", ev.String(), event(1, "One"))
	f.apply("event.updated", ev.String(), event(3, "Three"))
	f.apply("event.updated", ev.String(), event(2, "Two"))
	e, err := f.st.Event(ctx, ev)
	require.NoError(t, err)
	require.Equal(t, "Three", e.Title)
	require.True(t, e.IsManager(mgr))
	require.Equal(t, "Europe/Berlin", e.Timezone)

	session := func(id string, h int) map[string]any {
		return map[string]any{"external_id": id, "room": "A", "title": id, "starts_at": start.Add(time.Duration(h) * time.Hour),
			"ends_at": start.Add(time.Duration(h)*time.Hour + 45*time.Minute)}
	}
	f.apply("event.schedule_imported", ev.String(), map[string]any{"event_id": ev, "sessions": []any{session("a", 1), session("b", 2)}})
	f.apply("event.schedule_imported", ev.String(), map[string]any{"event_id": ev, "sessions": []any{session("c", 3), session("c", 4)}})
	ss, err := f.st.Sessions(ctx, ev)
	require.NoError(t, err)
	require.Len(t, ss, 1, "a re-import replaces the sessions; a duplicate id is kept once")
	require.Equal(t, "c", ss[0].ExternalID)

	task := uuid.New()
	td := func(version int64, approval string, slot any) map[string]any {
		return map[string]any{"id": task, "event_id": ev, "company_id": company, "title": "T", "required_skills": []map[string]any{{"name": "av", "min_level": 2}},
			"starts_at": start, "ends_at": start.Add(time.Hour), "priority": 4, "approval": approval, "status": "pending",
			"source": "ai", "slot_group": slot, "version": version}
	}
	f.apply("task.created", task.String(), td(1, "proposed", 7))
	f.apply("task.updated", task.String(), td(2, "approved", "desk"))
	f.apply("task.updated", task.String(), td(1, "proposed", nil))
	ts, err := f.st.EventTasks(ctx, ev)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	require.Equal(t, "approved", ts[0].Approval)
	require.Equal(t, "desk", ts[0].SlotGroup)
	require.Equal(t, []domain.Requirement{{Name: "av", MinLevel: 2}}, ts[0].RequiredSkills)
	f.apply("task.deleted", task.String(), map[string]any{"id": task})
	ts, err = f.st.EventTasks(ctx, ev)
	require.NoError(t, err)
	require.Empty(t, ts)

	f.apply("event.deleted", ev.String(), map[string]any{"id": ev, "company_id": company})
	f.apply("event.updated", ev.String(), event(9, "Zombie"))
	_, err = f.st.Event(ctx, ev)
	require.ErrorIs(t, err, domain.ErrNotFound, "a deleted event stays deleted")
	ss, err = f.st.Sessions(ctx, ev)
	require.NoError(t, err)
	require.Empty(t, ss)
}

func TestUndecodableMessagesAreDroppedAndUnknownTypesIgnored(t *testing.T) {
	f := newFixture(t)
	f.applyRaw("user.updated", `{"id": "not-a-uuid"}`)
	f.applyRaw("event.created", `{"id": "`+uuid.NewString()+`", "company_id": "`+uuid.NewString()+`"}`) // no dates
	f.applyRaw("task.created", `[1, 2]`)
	f.applyRaw("something.new", `{"whatever": true}`)
	var n int
	require.NoError(t, f.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM events) + (SELECT count(*) FROM tasks)`).Scan(&n))
	require.Zero(t, n)
}

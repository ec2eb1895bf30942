package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/services/company/internal/domain"
	"github.com/eventai/eventai/services/company/internal/migrations"
	"github.com/eventai/eventai/services/company/internal/store"
)

func newStore(t testing.TB) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool, err := pg.Connect(ctx, pgtest.NewDatabase(t), "company")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, pg.Migrate(ctx, pool, "company", migrations.FS))
	require.NoError(t, outbox.CreateTable(ctx, pool))
	return store.New(pool), pool
}

func company(name string, by uuid.UUID) domain.Company {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return domain.Company{ID: uuid.New(), Name: name, CreatedBy: by, CreatedAt: now, UpdatedAt: now, Version: 1}
}

// outboxTypes lists the event types queued for one aggregate, in order.
func outboxTypes(t testing.TB, pool *pgxpool.Pool, key uuid.UUID) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT envelope->>'type' FROM outbox WHERE key = $1 ORDER BY id`, key.String())
	require.NoError(t, err)
	types, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return types
}

func count(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func TestCreateMakesCreatorMemberAndQueuesEvent(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	owner := uuid.New()
	c := company("Acme", owner)
	require.NoError(t, s.Create(ctx, c))

	got, err := s.Get(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, c, got)
	ok, err := s.IsMember(ctx, owner, c.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []string{store.TypeCreated}, outboxTypes(t, pool, c.ID))
}

func TestCreateRefusesNameTakenInAnyCaseAndWritesNothing(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	require.NoError(t, s.Create(ctx, company("Acme", uuid.New())))
	dup := company("ACME", uuid.New())
	err := s.Create(ctx, dup)
	require.ErrorIs(t, err, domain.ErrNameTaken)
	require.Equal(t, 1, count(t, pool, `SELECT count(*) FROM companies`))
	require.Equal(t, 0, count(t, pool, `SELECT count(*) FROM memberships WHERE user_id = $1`, dup.CreatedBy))
	require.Empty(t, outboxTypes(t, pool, dup.ID))
}

func TestUpdateChecksVersion(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	c := company("Acme", uuid.New())
	require.NoError(t, s.Create(ctx, c))
	now := time.Now().UTC().Truncate(time.Microsecond)

	_, err := s.Update(ctx, c.ID, 7, now, func(c *domain.Company) error { c.Name = "Other"; return nil })
	require.ErrorIs(t, err, domain.ErrStale)

	got, err := s.Update(ctx, c.ID, 1, now, func(c *domain.Company) error { c.Name = "Acme 2"; return nil })
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Version)
	stored, err := s.Get(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, "Acme 2", stored.Name)
	require.Equal(t, []string{store.TypeCreated, store.TypeUpdated}, outboxTypes(t, pool, c.ID))

	_, err = s.Update(ctx, uuid.New(), 1, now, func(*domain.Company) error { return nil })
	require.ErrorIs(t, err, domain.ErrNotFound)
}

func TestUpdateToTakenNameIsConflict(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	a, b := company("Alpha", uuid.New()), company("Beta", uuid.New())
	require.NoError(t, s.Create(ctx, a))
	require.NoError(t, s.Create(ctx, b))
	_, err := s.Update(ctx, b.ID, 1, time.Now(), func(c *domain.Company) error { c.Name = "alpha"; return nil })
	require.ErrorIs(t, err, domain.ErrNameTaken)
}

func TestDeleteRemovesMembershipsAndQueuesEvent(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	c := company("Acme", uuid.New())
	require.NoError(t, s.Create(ctx, c))
	stale := int64(5)
	require.ErrorIs(t, s.Delete(ctx, c.ID, &stale), domain.ErrStale)
	require.NoError(t, s.Delete(ctx, c.ID, nil))
	_, err := s.Get(ctx, c.ID)
	require.True(t, errors.Is(err, domain.ErrNotFound))
	require.Equal(t, 0, count(t, pool, `SELECT count(*) FROM memberships WHERE company_id = $1`, c.ID))
	require.Equal(t, []string{store.TypeCreated, store.TypeDeleted}, outboxTypes(t, pool, c.ID))
}

func TestListPagesAndFilters(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	member := uuid.New()
	var mine []uuid.UUID
	for i, name := range []string{"Alpha", "Beta", "Gamma", "Alphabet", "Delta"} {
		by := uuid.New()
		if i%2 == 0 {
			by = member
		}
		c := company(name, by)
		c.CreatedAt = c.CreatedAt.Add(time.Duration(i) * time.Second)
		require.NoError(t, s.Create(ctx, c))
		if by == member {
			mine = append(mine, c.ID)
		}
	}
	var seen []string
	cursor := ""
	for {
		page, next, err := s.List(ctx, store.ListFilter{Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		for _, c := range page {
			seen = append(seen, c.Name)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Equal(t, []string{"Alpha", "Beta", "Gamma", "Alphabet", "Delta"}, seen)

	page, _, err := s.List(ctx, store.ListFilter{Query: "alpha", Limit: 50})
	require.NoError(t, err)
	require.Len(t, page, 2)

	page, _, err = s.List(ctx, store.ListFilter{MemberID: &member, Limit: 50})
	require.NoError(t, err)
	require.Equal(t, mine, []uuid.UUID{page[0].ID, page[1].ID, page[2].ID})

	_, _, err = s.List(ctx, store.ListFilter{Limit: 2, Cursor: "!!"})
	require.ErrorIs(t, err, store.ErrBadCursor)

	page, _, err = s.List(ctx, store.ListFilter{Query: "%", Limit: 50})
	require.NoError(t, err)
	require.Empty(t, page, "LIKE wildcards in q match literally")
}

func applyUser(t testing.TB, pool *pgxpool.Pool, u domain.User) {
	t.Helper()
	require.NoError(t, pg.InTx(context.Background(), pool, func(tx pgx.Tx) error { return store.ApplyUser(context.Background(), tx, u) }))
}

func TestApplyUserFollowsMembershipRule(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	a, b := company("A", uuid.New()), company("B", uuid.New())
	require.NoError(t, s.Create(ctx, a))
	require.NoError(t, s.Create(ctx, b))
	u := domain.User{ID: uuid.New(), Username: "sam", FullName: "Sam", Role: "staff", IsActive: true,
		CompanyIDs: []uuid.UUID{a.ID, b.ID}, Skills: []domain.Skill{{Name: "video", Level: 3}}, Version: 1}
	applyUser(t, pool, u)

	members, next, err := s.Members(ctx, a.ID, 50, "")
	require.NoError(t, err)
	require.Empty(t, next)
	ids := map[uuid.UUID]domain.Member{}
	for _, m := range members {
		ids[m.UserID] = m
	}
	require.Contains(t, ids, u.ID)
	require.Equal(t, []domain.Skill{{Name: "video", Level: 3}}, ids[u.ID].Skills)
	require.Equal(t, "sam", ids[u.ID].Username)

	// Moved out of A.
	u.CompanyIDs, u.Version = []uuid.UUID{b.ID}, 2
	applyUser(t, pool, u)
	inA, err := s.IsMember(ctx, u.ID, a.ID)
	require.NoError(t, err)
	require.False(t, inA)

	// An older snapshot arriving late changes nothing.
	old := u
	old.CompanyIDs, old.Version = []uuid.UUID{a.ID}, 1
	applyUser(t, pool, old)
	inA, err = s.IsMember(ctx, u.ID, a.ID)
	require.NoError(t, err)
	require.False(t, inA)

	// Deactivated: no memberships.
	u.IsActive, u.Version = false, 3
	applyUser(t, pool, u)
	require.Equal(t, 0, count(t, pool, `SELECT count(*) FROM memberships WHERE user_id = $1`, u.ID))

	// Deleted: a tombstone (inactive, no role) that a late snapshot cannot revive.
	require.NoError(t, pg.InTx(ctx, pool, func(tx pgx.Tx) error { return store.DeleteUser(ctx, tx, u.ID) }))
	require.Equal(t, 1, count(t, pool, `SELECT count(*) FROM users WHERE id = $1 AND NOT is_active AND role = ''`, u.ID))
	u.IsActive, u.Version = true, 4
	applyUser(t, pool, u)
	_, active, err := s.UserStatus(ctx, u.ID)
	require.NoError(t, err)
	require.False(t, active)
	require.Equal(t, 0, count(t, pool, `SELECT count(*) FROM memberships WHERE user_id = $1`, u.ID))
}

func TestMembersPaginate(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	c := company("A", uuid.New())
	require.NoError(t, s.Create(ctx, c))
	for i := 0; i < 4; i++ {
		applyUser(t, pool, domain.User{ID: uuid.New(), Role: "staff", IsActive: true, CompanyIDs: []uuid.UUID{c.ID}, Version: 1})
	}
	seen := map[uuid.UUID]bool{}
	cursor := ""
	pages := 0
	for {
		page, next, err := s.Members(ctx, c.ID, 2, cursor)
		require.NoError(t, err)
		pages++
		for _, m := range page {
			require.False(t, seen[m.UserID], "member listed twice")
			seen[m.UserID] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	require.Len(t, seen, 5, "four users plus the creator")
	require.Equal(t, 3, pages)
}

package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/identity/internal/domain"
	"github.com/eventai/eventai/services/identity/internal/store"
	"github.com/eventai/eventai/services/identity/internal/store/storetest"
)

type outboxRow struct {
	Topic, Key, Type string
	Data             map[string]any
}

func outboxRows(t *testing.T, pool *pgxpool.Pool) []outboxRow {
	rows, err := pool.Query(context.Background(), `SELECT topic, key, envelope FROM outbox ORDER BY id`)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (outboxRow, error) {
		var o outboxRow
		var env []byte
		if err := r.Scan(&o.Topic, &o.Key, &env); err != nil {
			return o, err
		}
		var e struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		err := json.Unmarshal(env, &e)
		o.Type, o.Data = e.Type, e.Data
		return o, err
	})
	require.NoError(t, err)
	return out
}

func newUser(name string) domain.User {
	return domain.User{Username: name, Email: name + "@example.com", Role: domain.RoleStaff, PasswordHash: "x",
		MaxHoursPerDay: 8, IsActive: true, Skills: []domain.Skill{{Name: "Sound", Level: 3}}}
}

func addCompany(t *testing.T, s *store.Store, pool *pgxpool.Pool, id uuid.UUID, creator *uuid.UUID) {
	require.NoError(t, pg.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		return s.ApplyCompanyUpsert(context.Background(), tx, store.Company{ID: id, Name: "c-" + id.String()[:8], CreatedBy: creator, CreatedAt: time.Now()}, true)
	}))
}

func TestCreateGetAndEvent(t *testing.T) {
	s, pool := storetest.New(t)
	ctx := context.Background()
	c := uuid.New()
	addCompany(t, s, pool, c, nil)

	in := newUser("Ana")
	in.CompanyIDs = []uuid.UUID{c}
	in.Availability = []domain.Slot{{StartsAt: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 5, 1, 16, 0, 0, 0, time.UTC)}}
	u, err := s.CreateUser(ctx, in)
	require.NoError(t, err)
	require.EqualValues(t, 1, u.Version)
	require.Equal(t, 7, int(u.ID.Version()), "ids are UUIDv7 for keyset order")

	got, err := s.GetUser(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, u.Username, got.Username)
	require.Equal(t, []uuid.UUID{c}, got.CompanyIDs)
	require.Equal(t, in.Skills, got.Skills)
	require.True(t, in.Availability[0].StartsAt.Equal(got.Availability[0].StartsAt))
	require.True(t, u.CreatedAt.Equal(got.CreatedAt))

	byEmail, err := s.GetByLogin(ctx, "ANA@EXAMPLE.COM")
	require.NoError(t, err)
	require.Equal(t, u.ID, byEmail.ID)
	byName, err := s.GetByLogin(ctx, "ana")
	require.NoError(t, err)
	require.Equal(t, u.ID, byName.ID)

	ev := outboxRows(t, pool)
	require.Len(t, ev, 1)
	require.Equal(t, outboxRow{Topic: "identity.users.v1", Key: u.ID.String(), Type: "user.created", Data: ev[0].Data}, ev[0])
	require.Equal(t, "Ana", ev[0].Data["username"])
	require.Equal(t, []any{c.String()}, ev[0].Data["company_ids"])
	require.NotContains(t, ev[0].Data, "password_hash")
}

func TestUniqueCaseInsensitive(t *testing.T) {
	s, pool := storetest.New(t)
	ctx := context.Background()
	_, err := s.CreateUser(ctx, newUser("bob"))
	require.NoError(t, err)

	dupName := newUser("BOB")
	dupName.Email = "other@example.com"
	_, err = s.CreateUser(ctx, dupName)
	var ce *domain.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "username", ce.Field)

	dupMail := newUser("bobby")
	dupMail.Email = "Bob@Example.com"
	_, err = s.CreateUser(ctx, dupMail)
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "email", ce.Field)
	require.Len(t, outboxRows(t, pool), 1, "a refused write leaves no event")
}

func TestUnknownCompanyRefused(t *testing.T) {
	s, pool := storetest.New(t)
	u := newUser("carl")
	missing := uuid.New()
	u.CompanyIDs = []uuid.UUID{missing}
	_, err := s.CreateUser(context.Background(), u)
	var uc *domain.UnknownCompaniesError
	require.ErrorAs(t, err, &uc)
	require.Equal(t, []uuid.UUID{missing}, uc.IDs)
	_, err = s.GetByLogin(context.Background(), "carl")
	require.ErrorIs(t, err, domain.ErrNotFound)
	require.Empty(t, outboxRows(t, pool))
}

func TestUpdateVersionAndDeactivate(t *testing.T) {
	s, pool := storetest.New(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, newUser("dora"))
	require.NoError(t, err)
	require.NoError(t, s.AddRefresh(ctx, []byte("h1"), uuid.New(), u.ID, time.Now().Add(time.Hour)))

	off := false
	stale := int64(0)
	_, err = s.UpdateUser(ctx, u.ID, func(x *domain.User) error { return domain.Patch{IsActive: &off, Version: &stale}.Apply(x) })
	require.ErrorIs(t, err, domain.ErrStaleVersion)

	v := u.Version
	up, err := s.UpdateUser(ctx, u.ID, func(x *domain.User) error { return domain.Patch{IsActive: &off, Version: &v}.Apply(x) })
	require.NoError(t, err)
	require.EqualValues(t, 2, up.Version)
	require.False(t, up.IsActive)

	_, err = s.RotateRefresh(ctx, []byte("h1"), func(domain.User) (store.Minted, error) {
		t.Fatal("must not mint for a deactivated user's revoked token")
		return store.Minted{}, nil
	})
	require.ErrorIs(t, err, domain.ErrInvalidToken)

	ev := outboxRows(t, pool)
	require.Len(t, ev, 2)
	require.Equal(t, "user.updated", ev[1].Type)
	require.Equal(t, false, ev[1].Data["is_active"])
	require.EqualValues(t, 2, ev[1].Data["version"])
}

func TestDeleteKeepsNamesReserved(t *testing.T) {
	s, pool := storetest.New(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, newUser("eve"))
	require.NoError(t, err)
	require.NoError(t, s.DeleteUser(ctx, u.ID, nil))
	require.ErrorIs(t, s.DeleteUser(ctx, u.ID, nil), domain.ErrNotFound)
	_, err = s.GetUser(ctx, u.ID)
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = s.GetByLogin(ctx, "eve")
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = s.CreateUser(ctx, newUser("eve"))
	require.ErrorIs(t, err, domain.ErrConflict)

	ev := outboxRows(t, pool)
	require.Equal(t, "user.deleted", ev[len(ev)-1].Type)
	require.Equal(t, map[string]any{"id": u.ID.String()}, ev[len(ev)-1].Data)
}

func TestListFiltersAndKeyset(t *testing.T) {
	s, pool := storetest.New(t)
	ctx := context.Background()
	c := uuid.New()
	addCompany(t, s, pool, c, nil)
	var ids []uuid.UUID
	for i, name := range []string{"alpha", "bravo", "charlie", "delta", "echo_1"} {
		u := newUser(name)
		if i%2 == 0 {
			u.Role = domain.RoleManager
			u.CompanyIDs = []uuid.UUID{c}
		}
		got, err := s.CreateUser(ctx, u)
		require.NoError(t, err)
		ids = append(ids, got.ID)
	}
	gone, err := s.CreateUser(ctx, newUser("foxtrot"))
	require.NoError(t, err)
	require.NoError(t, s.DeleteUser(ctx, gone.ID, nil))

	names := func(f store.Filter) []string {
		us, _, err := s.ListUsers(ctx, f)
		require.NoError(t, err)
		var out []string
		for _, u := range us {
			out = append(out, u.Username)
		}
		return out
	}
	require.Equal(t, []string{"alpha", "charlie", "echo_1"}, names(store.Filter{Role: domain.RoleManager, Limit: 50}))
	require.Equal(t, []string{"alpha", "charlie", "echo_1"}, names(store.Filter{CompanyID: &c, Limit: 50}))
	require.Equal(t, []string{"charlie"}, names(store.Filter{Q: "ARL", Limit: 50}))
	require.Equal(t, []string{"echo_1"}, names(store.Filter{Q: "_", Limit: 50}), "LIKE wildcards are literal")

	var all []uuid.UUID
	var after *uuid.UUID
	for {
		page, more, err := s.ListUsers(ctx, store.Filter{Limit: 2, After: after})
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 2)
		for _, u := range page {
			all = append(all, u.ID)
		}
		if !more {
			break
		}
		last := page[len(page)-1].ID
		after = &last
	}
	require.Equal(t, ids, all)
}

func TestRefreshRotationAndReuse(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, newUser("finn"))
	require.NoError(t, err)
	h := func(s string) []byte { b := sha256.Sum256([]byte(s)); return b[:] }
	fam := uuid.New()
	exp := time.Now().Add(time.Hour)
	require.NoError(t, s.AddRefresh(ctx, h("t1"), fam, u.ID, exp))

	mint := func(name string) func(domain.User) (store.Minted, error) {
		return func(got domain.User) (store.Minted, error) {
			require.Equal(t, u.ID, got.ID)
			return store.Minted{JTIHash: h(name), ExpiresAt: exp}, nil
		}
	}
	_, err = s.RotateRefresh(ctx, h("t1"), mint("t2"))
	require.NoError(t, err)
	_, err = s.RotateRefresh(ctx, h("t2"), mint("t3"))
	require.NoError(t, err)

	// t1 again: reuse; the family (t3 included) is revoked.
	_, err = s.RotateRefresh(ctx, h("t1"), mint("x"))
	require.ErrorIs(t, err, store.ErrTokenReused)
	_, err = s.RotateRefresh(ctx, h("t3"), mint("t4"))
	require.ErrorIs(t, err, domain.ErrInvalidToken)

	_, err = s.RotateRefresh(ctx, h("never"), mint("x"))
	require.ErrorIs(t, err, domain.ErrInvalidToken)

	// Logout revokes a second family; other families are unaffected by it.
	fam2, fam3 := uuid.New(), uuid.New()
	require.NoError(t, s.AddRefresh(ctx, h("a1"), fam2, u.ID, exp))
	require.NoError(t, s.AddRefresh(ctx, h("b1"), fam3, u.ID, exp))
	require.NoError(t, s.RevokeFamilyOf(ctx, h("a1")))
	_, err = s.RotateRefresh(ctx, h("a1"), mint("a2"))
	require.ErrorIs(t, err, domain.ErrInvalidToken)
	_, err = s.RotateRefresh(ctx, h("b1"), mint("b2"))
	require.NoError(t, err)

	// Expired token.
	require.NoError(t, s.AddRefresh(ctx, h("old"), uuid.New(), u.ID, time.Now().Add(-time.Second)))
	_, err = s.RotateRefresh(ctx, h("old"), mint("x"))
	require.ErrorIs(t, err, domain.ErrInvalidToken)
	require.False(t, errors.Is(err, store.ErrTokenReused))
}

func TestSigningKeyCreatedOnceConcurrently(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	var mu sync.Mutex
	gens := 0
	var wg sync.WaitGroup
	kids := make([]string, 4)
	for i := range kids {
		wg.Go(func() {
			k, err := s.EnsureSigningKey(ctx, func() (store.SigningKey, error) {
				mu.Lock()
				gens++
				mu.Unlock()
				return store.SigningKey{KID: uuid.NewString(), DER: []byte("der")}, nil
			})
			require.NoError(t, err)
			kids[i] = k.KID
		})
	}
	wg.Wait()
	require.Equal(t, 1, gens)
	for _, k := range kids {
		require.Equal(t, kids[0], k)
	}
	keys, err := s.ActiveKeys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 1)
}

func TestBootstrapAdminOnceConcurrently(t *testing.T) {
	s, pool := storetest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	created := make([]bool, 3)
	for i := range created {
		wg.Go(func() {
			u := newUser("root")
			u.Role = domain.RoleAdmin
			ok, err := s.EnsureAdmin(ctx, u)
			require.NoError(t, err)
			created[i] = ok
		})
	}
	wg.Wait()
	n := 0
	for _, c := range created {
		if c {
			n++
		}
	}
	require.Equal(t, 1, n)
	var admins int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin'`).Scan(&admins))
	require.Equal(t, 1, admins)
}

func TestThrottle(t *testing.T) {
	s, _ := storetest.New(t)
	ctx := context.Background()
	p := domain.ThrottlePolicy{Threshold: 3, Base: time.Second, Max: time.Minute, Window: time.Hour}
	now := time.Now().UTC().Truncate(time.Microsecond)
	keys := []string{"acct:x", "ip:1.2.3.4"}
	for range 3 {
		w, err := s.ThrottleWait(ctx, p, keys, now)
		require.NoError(t, err)
		require.Zero(t, w)
		require.NoError(t, s.ThrottleFail(ctx, map[string]domain.ThrottlePolicy{"acct:x": p}, now))
	}
	w, err := s.ThrottleWait(ctx, p, keys, now)
	require.NoError(t, err)
	require.Equal(t, time.Second, w)
	require.NoError(t, s.ThrottleFail(ctx, map[string]domain.ThrottlePolicy{"acct:x": p}, now))
	w, err = s.ThrottleWait(ctx, p, keys, now)
	require.NoError(t, err)
	require.Equal(t, 2*time.Second, w)

	require.NoError(t, s.ThrottleReset(ctx, "acct:x"))
	w, err = s.ThrottleWait(ctx, p, keys, now)
	require.NoError(t, err)
	require.Zero(t, w)
}

func TestCompanyEvents(t *testing.T) {
	s, pool := storetest.New(t)
	ctx := context.Background()
	creator, err := s.CreateUser(ctx, newUser("gina"))
	require.NoError(t, err)
	other, err := s.CreateUser(ctx, newUser("hank"))
	require.NoError(t, err)
	c := uuid.New()
	addCompany(t, s, pool, c, &creator.ID)
	addCompany(t, s, pool, c, &creator.ID) // redelivery changes nothing

	got, err := s.GetUser(ctx, creator.ID)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{c}, got.CompanyIDs)
	require.EqualValues(t, 2, got.Version)

	_, err = s.UpdateUser(ctx, other.ID, func(u *domain.User) error { u.CompanyIDs = []uuid.UUID{c}; return nil })
	require.NoError(t, err)

	require.NoError(t, pg.InTx(ctx, pool, func(tx pgx.Tx) error { return s.ApplyCompanyDeleted(ctx, tx, c) }))
	for _, id := range []uuid.UUID{creator.ID, other.ID} {
		u, err := s.GetUser(ctx, id)
		require.NoError(t, err)
		require.Empty(t, u.CompanyIDs)
	}
	ok, err := s.HasCompany(ctx, c)
	require.NoError(t, err)
	require.False(t, ok)

	var types []string
	for _, e := range outboxRows(t, pool) {
		types = append(types, e.Type+":"+e.Key[:8])
	}
	cr, ot := creator.ID.String()[:8], other.ID.String()[:8]
	require.ElementsMatch(t, []string{"user.created:" + cr, "user.created:" + ot, "user.updated:" + cr,
		"user.updated:" + ot, "user.updated:" + cr, "user.updated:" + ot}, types)
}

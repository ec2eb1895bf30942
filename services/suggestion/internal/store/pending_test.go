package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/suggestion/internal/store"
)

// company.created's creator membership survives a user snapshot identity produced before it
// learned of the company (two companies made back to back); a snapshot listing the company
// confirms it, and a later one without it removes it; deactivation and deletion drop pending
// memberships too.
func TestCreatorMembershipSurvivesAStaleSnapshot(t *testing.T) {
	st, pool := newStore(t)
	ctx := context.Background()
	who, first, second := uuid.New(), uuid.New(), uuid.New()
	apply := func(fn func(tx pgx.Tx) error) {
		t.Helper()
		require.NoError(t, pg.InTx(ctx, pool, fn))
	}
	user := func(version int64, active bool, companies ...uuid.UUID) {
		t.Helper()
		apply(func(tx pgx.Tx) error {
			return store.ApplyUser(ctx, tx, store.UserSnapshot{ID: who, Role: "organizer", IsActive: active, CompanyIDs: companies, Version: version})
		})
	}
	created := func(id uuid.UUID) {
		t.Helper()
		apply(func(tx pgx.Tx) error { return store.ApplyCompany(ctx, tx, id, "C "+id.String()[:6], who, true) })
	}
	member := func(id uuid.UUID) bool {
		t.Helper()
		ok, err := st.IsMember(ctx, who, id)
		require.NoError(t, err)
		return ok
	}

	created(first)
	user(2, true, first)
	created(second)
	user(3, true, first) // produced before identity saw the second company
	require.True(t, member(first))
	require.True(t, member(second), "the creator keeps the company they just made")

	user(4, true, first, second)
	user(5, true, first)
	require.False(t, member(second), "a confirmed membership the snapshot drops goes")

	third := uuid.New()
	created(third)
	user(9, false, first)
	require.False(t, member(first))
	require.False(t, member(third), "an inactive user belongs nowhere, pending memberships included")

	fourth := uuid.New()
	user(10, true, first)
	created(fourth)
	apply(func(tx pgx.Tx) error { return store.DeleteUser(ctx, tx, who) })
	require.False(t, member(fourth))
	require.False(t, member(first))
}

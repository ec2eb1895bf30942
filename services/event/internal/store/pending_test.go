package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/event/internal/store"
)

// company.created's creator membership survives a user snapshot identity produced before it
// learned of the company (two companies made back to back); a snapshot listing the company
// confirms it, and a later one without it removes it.
func TestCreatorMembershipSurvivesAStaleSnapshot(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	who, first, second := uuid.New(), uuid.New(), uuid.New()
	user := func(version int64, companies ...uuid.UUID) {
		inTx(t, pool, func(tx pgx.Tx) error {
			return store.ApplyUser(ctx, tx, store.UserSnapshot{ID: who, Role: "organizer", IsActive: true, CompanyIDs: companies, Version: version})
		})
	}
	created := func(id uuid.UUID) {
		inTx(t, pool, func(tx pgx.Tx) error { return store.ApplyCompany(ctx, tx, id, "C "+id.String()[:6], who, true) })
	}
	member := func(id uuid.UUID) bool {
		ok, err := s.IsMember(ctx, who, id)
		require.NoError(t, err)
		return ok
	}
	created(first)
	user(2, first)
	created(second)
	user(3, first) // produced before identity saw the second company
	require.True(t, member(first))
	require.True(t, member(second), "the creator keeps the company they just made")

	user(4, first, second)
	user(5, first)
	require.False(t, member(second), "a confirmed membership the snapshot drops goes")
}

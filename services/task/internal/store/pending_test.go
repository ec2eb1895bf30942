package store_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/task/internal/store"
)

// company.created's creator membership survives a user snapshot identity produced before it
// learned of the company; a snapshot listing the company confirms it, and a later one without
// it removes it.
func TestCreatorMembershipSurvivesAStaleSnapshot(t *testing.T) {
	s, _ := newStore(t)
	who, first, second := uuid.New(), uuid.New(), uuid.New()
	apply := func(fn func(tx *store.Tx) error) { require.NoError(t, s.InTx(ctx, t0, fn)) }
	user := func(version int64, companies ...uuid.UUID) {
		apply(func(tx *store.Tx) error {
			_, err := tx.ApplyUser(ctx, store.UserSnapshot{ID: who, Role: "organizer", IsActive: true, CompanyIDs: companies, Version: version})
			return err
		})
	}
	member := func(id uuid.UUID) bool {
		ok, err := s.IsMember(ctx, who, id)
		require.NoError(t, err)
		return ok
	}
	apply(func(tx *store.Tx) error { return tx.AddMembership(ctx, who, first) })
	user(2, first)
	apply(func(tx *store.Tx) error { return tx.AddMembership(ctx, who, second) })
	user(3, first) // produced before identity saw the second company
	require.True(t, member(first))
	require.True(t, member(second), "the creator keeps the company they just made")

	user(4, first, second)
	user(5, first)
	require.False(t, member(second), "a confirmed membership the snapshot drops goes")
}

package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/company/internal/domain"
)

// The creator's membership of a company they just made survives a user snapshot identity
// produced before it learned of the company (two companies created back to back); once a
// snapshot lists the company the membership is confirmed, and a later snapshot without it
// removes it (the admin took the creator out).
func TestCreatorMembershipSurvivesAStaleSnapshot(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	who := uuid.New()
	first, second := company("First", who), company("Second", who)
	require.NoError(t, s.Create(ctx, first))
	applyUser(t, pool, domain.User{ID: who, Role: "organizer", IsActive: true, CompanyIDs: []uuid.UUID{first.ID}, Version: 2})
	require.NoError(t, s.Create(ctx, second))
	// identity's snapshot for the first company arrives again after the second was made
	applyUser(t, pool, domain.User{ID: who, Role: "organizer", IsActive: true, CompanyIDs: []uuid.UUID{first.ID}, Version: 3})
	for _, c := range []domain.Company{first, second} {
		ok, err := s.IsMember(ctx, who, c.ID)
		require.NoError(t, err)
		require.True(t, ok, "member of %s", c.Name)
	}

	applyUser(t, pool, domain.User{ID: who, Role: "organizer", IsActive: true, CompanyIDs: []uuid.UUID{first.ID, second.ID}, Version: 4})
	applyUser(t, pool, domain.User{ID: who, Role: "organizer", IsActive: true, CompanyIDs: []uuid.UUID{first.ID}, Version: 5})
	ok, err := s.IsMember(ctx, who, second.ID)
	require.NoError(t, err)
	require.False(t, ok, "a confirmed membership the snapshot drops goes")

	// Deactivation takes pending memberships too.
	third := company("Third", who)
	require.NoError(t, s.Create(ctx, third))
	applyUser(t, pool, domain.User{ID: who, Role: "organizer", IsActive: false, CompanyIDs: []uuid.UUID{first.ID}, Version: 6})
	require.Equal(t, 0, count(t, pool, `SELECT count(*) FROM memberships WHERE user_id = $1`, who))
}

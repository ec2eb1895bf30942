package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/event/internal/domain"
)

// A team created for an event that is deleted in the meantime (the request checked the event,
// then the deletion committed) is ErrNotFound (404), not a foreign-key error (500).
func TestCreateTeamForADeletedEventIsNotFound(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	e := event(uuid.New(), "Gone", 0)
	require.NoError(t, s.CreateEvent(ctx, e))
	require.NoError(t, s.DeleteEvent(ctx, e.ID, nil))
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := s.CreateTeam(ctx, domain.Team{ID: uuid.New(), EventID: e.ID, Name: "Late", MemberIDs: []uuid.UUID{},
		Approval: domain.ApprovalApproved, Source: domain.SourceManual, CreatedAt: now, UpdatedAt: now, Version: 1})
	require.ErrorIs(t, err, domain.ErrNotFound)
}

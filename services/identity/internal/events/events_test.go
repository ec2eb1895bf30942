package events_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/identity/internal/domain"
	"github.com/eventai/eventai/services/identity/internal/events"
	"github.com/eventai/eventai/services/identity/internal/store/storetest"
)

func TestHandle(t *testing.T) {
	s, pool := storetest.New(t)
	ctx := context.Background()
	h := events.NewHandler(s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	apply := func(typ string, data string) error {
		env := envelope.Envelope{ID: uuid.NewString(), Type: typ, Source: "company", Time: time.Now().UTC(), Subject: "x", SchemaVersion: 1, Data: json.RawMessage(data)}
		return pg.InTx(ctx, pool, func(tx pgx.Tx) error { return h.Handle(ctx, tx, env) })
	}
	u, err := s.CreateUser(ctx, domain.User{Username: "pia", Email: "pia@example.com", Role: domain.RoleOrganizer, PasswordHash: "x", MaxHoursPerDay: 8, IsActive: true})
	require.NoError(t, err)

	co := uuid.New()
	require.NoError(t, apply("company.created", `{"id":"`+co.String()+`","name":"Acme","created_by":"`+u.ID.String()+`","created_at":"2026-01-01T00:00:00Z","extra":1}`))
	got, err := s.GetUser(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{co}, got.CompanyIDs)

	// company.updated never adds members; it only keeps the company known.
	other := uuid.New()
	require.NoError(t, apply("company.updated", `{"id":"`+other.String()+`","name":"B","created_by":"`+u.ID.String()+`"}`))
	ok, err := s.HasCompany(ctx, other)
	require.NoError(t, err)
	require.True(t, ok)
	got, err = s.GetUser(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{co}, got.CompanyIDs)

	// Unusable or unknown messages are skipped without error (they would block the partition).
	require.NoError(t, apply("company.created", `{"id": 5}`))
	require.NoError(t, apply("company.created", `{"name":"no id"}`))
	require.NoError(t, apply("company.renamed", `{}`))
	require.NoError(t, apply("company.deleted", `[]`))

	require.NoError(t, apply("company.deleted", `{"id":"`+co.String()+`"}`))
	got, err = s.GetUser(ctx, u.ID)
	require.NoError(t, err)
	require.Empty(t, got.CompanyIDs)
}

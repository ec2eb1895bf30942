// Package events applies company.companies.v1 to identity: the set of known companies (to
// validate company_ids) and the creator's membership. Unknown types are ignored.
package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/services/identity/internal/store"
)

// Applier is the part of the store the handler writes through.
type Applier interface {
	ApplyCompanyUpsert(ctx context.Context, tx pgx.Tx, c store.Company, addCreator bool) error
	ApplyCompanyDeleted(ctx context.Context, tx pgx.Tx, id uuid.UUID) error
}

// Handler applies company events inside the consumer's inbox transaction.
type Handler struct {
	store Applier
	log   *slog.Logger
}

// NewHandler returns a Handler writing through s.
func NewHandler(s Applier, log *slog.Logger) *Handler { return &Handler{store: s, log: log} }

type companyData struct {
	ID        uuid.UUID  `json:"id"`
	Name      string     `json:"name"`
	CreatedBy *uuid.UUID `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// drop logs a message that can never be applied; an error would retry it forever and block the
// partition behind it.
func (h *Handler) drop(ctx context.Context, env envelope.Envelope, why string) error {
	h.log.ErrorContext(ctx, "dropping unusable company event", "type", env.Type, "event_id", env.ID, "why", why)
	return nil
}

// Handle applies one envelope.
func (h *Handler) Handle(ctx context.Context, tx pgx.Tx, env envelope.Envelope) error {
	switch env.Type {
	case "company.created", "company.updated":
		var d companyData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return h.drop(ctx, env, err.Error())
		}
		if d.ID == uuid.Nil {
			return h.drop(ctx, env, "no company id")
		}
		if d.CreatedAt.IsZero() {
			d.CreatedAt = env.Time
		}
		c := store.Company{ID: d.ID, Name: d.Name, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt}
		return h.store.ApplyCompanyUpsert(ctx, tx, c, env.Type == "company.created")
	case "company.deleted":
		var d struct {
			ID uuid.UUID `json:"id"`
		}
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return h.drop(ctx, env, err.Error())
		}
		if d.ID == uuid.Nil {
			return h.drop(ctx, env, "no company id")
		}
		return h.store.ApplyCompanyDeleted(ctx, tx, d.ID)
	}
	return nil
}

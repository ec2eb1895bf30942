// Package events applies identity.users.v1 to the company service's read model (users and the
// memberships they carry). Unknown types are ignored, as the envelope contract asks.
package events

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/services/company/internal/domain"
	"github.com/eventai/eventai/services/company/internal/store"
)

// UsersTopic is the identity service's topic this service reads.
const UsersTopic = "identity.users.v1"

// userData is the part of user.created/user.updated this service keeps.
type userData struct {
	ID         uuid.UUID      `json:"id"`
	Username   string         `json:"username"`
	FullName   string         `json:"full_name"`
	Role       string         `json:"role"`
	CompanyIDs []uuid.UUID    `json:"company_ids"`
	Skills     []domain.Skill `json:"skills"`
	IsActive   *bool          `json:"is_active"`
	Version    int64          `json:"version"`
}

// Handler applies envelopes to the read model.
type Handler struct {
	log *slog.Logger
}

// NewHandler returns a Handler that logs the messages it has to drop.
func NewHandler(log *slog.Logger) *Handler { return &Handler{log: log} }

// drop logs a message that can never be applied; returning an error instead would make the
// consumer retry it forever and block its partition.
func (h *Handler) drop(ctx context.Context, env envelope.Envelope, err error) error {
	h.log.ErrorContext(ctx, "dropping undecodable message", "type", env.Type, "event_id", env.ID, "err", err)
	return nil
}

// Handle applies one envelope inside the consumer's transaction.
func (h *Handler) Handle(ctx context.Context, tx pgx.Tx, env envelope.Envelope) error {
	switch env.Type {
	case "user.created", "user.updated":
		var d userData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return h.drop(ctx, env, err)
		}
		if d.ID == uuid.Nil {
			return nil // nothing to key the snapshot on; poison messages must not block the partition
		}
		active := d.IsActive == nil || *d.IsActive
		return store.ApplyUser(ctx, tx, domain.User{
			ID: d.ID, Username: d.Username, FullName: d.FullName, Role: d.Role,
			CompanyIDs: d.CompanyIDs, Skills: d.Skills, IsActive: active, Version: d.Version,
		})
	case "user.deleted":
		var d struct {
			ID uuid.UUID `json:"id"`
		}
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return h.drop(ctx, env, err)
		}
		if d.ID == uuid.Nil {
			return nil
		}
		return store.DeleteUser(ctx, tx, d.ID)
	}
	return nil
}

// Package events applies other services' topics to the event service's read models: users and
// memberships (identity), companies (company), task counts (task) and AI teams (suggestion).
// Unknown types are ignored, as the envelope contract asks.
package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/services/event/internal/domain"
	"github.com/eventai/eventai/services/event/internal/store"
)

// Topics this service consumes.
const (
	UsersTopic       = "identity.users.v1"
	CompaniesTopic   = "company.companies.v1"
	TasksTopic       = "task.tasks.v1"
	SuggestionsTopic = "suggestion.suggestions.v1"
)

// Topics lists every consumed topic.
var Topics = []string{UsersTopic, CompaniesTopic, TasksTopic, SuggestionsTopic}

// Handler applies envelopes to the read models.
type Handler struct {
	log *slog.Logger
	now func() time.Time
}

// NewHandler returns a Handler that logs the messages it has to drop.
func NewHandler(log *slog.Logger) *Handler {
	return &Handler{log: log, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// drop logs a message that can never be applied; returning an error instead would make the
// consumer retry it forever and block its partition.
func (h *Handler) drop(ctx context.Context, env envelope.Envelope, why string, err error) error {
	h.log.ErrorContext(ctx, "dropping message", "type", env.Type, "event_id", env.ID, "why", why, "err", err)
	return nil
}

type userData struct {
	ID         uuid.UUID   `json:"id"`
	Role       string      `json:"role"`
	CompanyIDs []uuid.UUID `json:"company_ids"`
	IsActive   *bool       `json:"is_active"`
	Version    int64       `json:"version"`
}

type companyData struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	CreatedBy uuid.UUID `json:"created_by"`
}

type taskData struct {
	ID       uuid.UUID `json:"id"`
	EventID  uuid.UUID `json:"event_id"`
	Approval string    `json:"approval"`
	Status   string    `json:"status"`
	Version  int64     `json:"version"`
}

type suggestionData struct {
	ID      uuid.UUID   `json:"id"`
	EventID uuid.UUID   `json:"event_id"`
	Teams   *[]teamData `json:"teams"`
}

type teamData struct {
	ID        uuid.UUID   `json:"id"`
	Name      string      `json:"name"`
	Area      string      `json:"area"`
	LeadID    *uuid.UUID  `json:"lead_id"`
	MemberIDs []uuid.UUID `json:"member_ids"`
}

type idData struct {
	ID uuid.UUID `json:"id"`
}

// Handle applies one envelope inside the consumer's transaction.
func (h *Handler) Handle(ctx context.Context, tx pgx.Tx, env envelope.Envelope) error {
	switch env.Type {
	case "user.created", "user.updated":
		var d userData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable user", err)
		}
		return store.ApplyUser(ctx, tx, store.UserSnapshot{ID: d.ID, Role: d.Role, IsActive: d.IsActive == nil || *d.IsActive,
			CompanyIDs: d.CompanyIDs, Version: d.Version})
	case "user.deleted":
		var d idData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable user id", err)
		}
		return store.DeleteUser(ctx, tx, d.ID)
	case "company.created", "company.updated":
		var d companyData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable company", err)
		}
		return store.ApplyCompany(ctx, tx, d.ID, d.Name, d.CreatedBy, env.Type == "company.created")
	case "company.deleted":
		var d idData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable company id", err)
		}
		return store.DeleteCompany(ctx, tx, d.ID)
	case "task.created", "task.updated":
		var d taskData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil || d.EventID == uuid.Nil {
			return h.drop(ctx, env, "undecodable task", err)
		}
		return store.ApplyTask(ctx, tx, d.ID, d.EventID, d.Approval, d.Status, d.Version)
	case "task.deleted":
		var d idData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable task id", err)
		}
		return store.DeleteTask(ctx, tx, d.ID)
	case "suggestion.created":
		var d suggestionData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.EventID == uuid.Nil {
			return h.drop(ctx, env, "undecodable suggestion", err)
		}
		if d.Teams == nil {
			return nil // a suggestion without teams leaves the event's teams alone
		}
		return store.ReplaceAITeams(ctx, tx, d.EventID, h.aiTeams(d))
	}
	return nil
}

// aiTeams turns a suggestion's teams into proposed AI teams of its event.
func (h *Handler) aiTeams(d suggestionData) []domain.Team {
	now := h.now()
	out := make([]domain.Team, 0, len(*d.Teams))
	for _, t := range *d.Teams {
		id := t.ID
		if id == uuid.Nil {
			id = uuid.New()
		}
		sid := d.ID
		members := t.MemberIDs
		if members == nil {
			members = []uuid.UUID{}
		}
		out = append(out, domain.Team{ID: id, EventID: d.EventID, Name: t.Name, Area: t.Area, LeadID: t.LeadID,
			MemberIDs: members, Approval: domain.ApprovalProposed, Source: domain.SourceAI, SuggestionID: &sid,
			CreatedAt: now, UpdatedAt: now, Version: 1})
	}
	return out
}

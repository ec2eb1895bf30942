// Package events applies other services' topics to the suggestion service's read models:
// users, memberships and companies (identity, company), events and their sessions (event), and
// every task (task). Unknown types are ignored, as the envelope contract asks.
package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/services/suggestion/internal/domain"
	"github.com/eventai/eventai/services/suggestion/internal/store"
)

// Topics this service consumes.
const (
	UsersTopic     = "identity.users.v1"
	CompaniesTopic = "company.companies.v1"
	EventsTopic    = "event.events.v1"
	TasksTopic     = "task.tasks.v1"
)

// Topics lists every consumed topic.
var Topics = []string{UsersTopic, CompaniesTopic, EventsTopic, TasksTopic}

// Handler applies envelopes to the read models.
type Handler struct {
	log *slog.Logger
}

// NewHandler returns a Handler that logs the messages it has to drop.
func NewHandler(log *slog.Logger) *Handler { return &Handler{log: log} }

// drop logs a message that can never be applied; returning an error instead would make the
// consumer retry it forever and block its partition.
func (h *Handler) drop(ctx context.Context, env envelope.Envelope, why string, err error) error {
	h.log.ErrorContext(ctx, "dropping message", "type", env.Type, "event_id", env.ID, "why", why, "err", err)
	return nil
}

type userData struct {
	ID             uuid.UUID       `json:"id"`
	Username       string          `json:"username"`
	FullName       string          `json:"full_name"`
	Role           string          `json:"role"`
	CompanyIDs     []uuid.UUID     `json:"company_ids"`
	Skills         []domain.Skill  `json:"skills"`
	Availability   []domain.Window `json:"availability"`
	MaxHoursPerDay float64         `json:"max_hours_per_day"`
	IsActive       *bool           `json:"is_active"`
	Version        int64           `json:"version"`
}

type companyData struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	CreatedBy uuid.UUID `json:"created_by"`
}

type eventData struct {
	ID                uuid.UUID   `json:"id"`
	CompanyID         uuid.UUID   `json:"company_id"`
	Title             string      `json:"title"`
	Timezone          string      `json:"timezone"`
	StartsAt          time.Time   `json:"starts_at"`
	EndsAt            time.Time   `json:"ends_at"`
	EventType         string      `json:"event_type"`
	ExpectedAttendees int         `json:"expected_attendees"`
	ManagerIDs        []uuid.UUID `json:"manager_ids"`
	Version           int64       `json:"version"`
}

type sessionData struct {
	ExternalID string    `json:"external_id"`
	Room       string    `json:"room"`
	Track      string    `json:"track"`
	Title      string    `json:"title"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
}

type scheduleData struct {
	EventID  uuid.UUID     `json:"event_id"`
	Sessions []sessionData `json:"sessions"`
}

type taskData struct {
	ID              uuid.UUID            `json:"id"`
	EventID         uuid.UUID            `json:"event_id"`
	CompanyID       uuid.UUID            `json:"company_id"`
	Title           string               `json:"title"`
	Description     string               `json:"description"`
	RequiredSkills  []domain.Requirement `json:"required_skills"`
	StartsAt        time.Time            `json:"starts_at"`
	EndsAt          time.Time            `json:"ends_at"`
	Priority        int                  `json:"priority"`
	AssigneeID      *uuid.UUID           `json:"assignee_id"`
	Approval        string               `json:"approval"`
	Status          string               `json:"status"`
	Source          string               `json:"source"`
	SuggestionID    *uuid.UUID           `json:"suggestion_id"`
	SlotGroup       json.RawMessage      `json:"slot_group"`
	Area            string               `json:"area"`
	ApprovedAt      *time.Time           `json:"approved_at"`
	CompletedAt     *time.Time           `json:"completed_at"`
	EditedByManager bool                 `json:"edited_by_manager"`
	WasBlocked      bool                 `json:"was_blocked"`
	UpdatedAt       time.Time            `json:"updated_at"`
	Version         int64                `json:"version"`
}

type idData struct {
	ID        uuid.UUID `json:"id"`
	CompanyID uuid.UUID `json:"company_id"`
}

// Handle applies one envelope inside the consumer's transaction.
func (h *Handler) Handle(ctx context.Context, tx pgx.Tx, env envelope.Envelope) error {
	switch env.Type {
	case "user.created", "user.updated":
		var d userData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable user", err)
		}
		return store.ApplyUser(ctx, tx, store.UserSnapshot{ID: d.ID, Username: d.Username, FullName: d.FullName, Role: d.Role,
			IsActive: d.IsActive == nil || *d.IsActive, CompanyIDs: d.CompanyIDs, Skills: d.Skills, Availability: d.Availability,
			MaxHoursPerDay: d.MaxHoursPerDay, Version: d.Version})
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
	case "event.created", "event.updated":
		var d eventData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil || d.CompanyID == uuid.Nil || !d.StartsAt.Before(d.EndsAt) {
			return h.drop(ctx, env, "undecodable event", err)
		}
		return store.ApplyEvent(ctx, tx, store.EventSnapshot{Event: domain.Event{ID: d.ID, CompanyID: d.CompanyID, Title: d.Title,
			Timezone: d.Timezone, EventType: d.EventType, ExpectedAttendees: d.ExpectedAttendees, StartsAt: d.StartsAt,
			EndsAt: d.EndsAt, ManagerIDs: d.ManagerIDs}, Version: d.Version})
	case "event.deleted":
		var d idData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable event id", err)
		}
		return store.DeleteEvent(ctx, tx, d.ID, d.CompanyID)
	case "event.schedule_imported":
		var d scheduleData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.EventID == uuid.Nil {
			return h.drop(ctx, env, "undecodable schedule", err)
		}
		sessions := make([]store.Session, 0, len(d.Sessions))
		for _, s := range d.Sessions {
			sessions = append(sessions, store.Session{ExternalID: s.ExternalID, Room: s.Room, Track: s.Track, Title: s.Title,
				StartsAt: s.StartsAt, EndsAt: s.EndsAt})
		}
		return store.ReplaceSessions(ctx, tx, d.EventID, sessions)
	case "task.created", "task.updated":
		var d taskData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil || d.EventID == uuid.Nil || !d.StartsAt.Before(d.EndsAt) {
			return h.drop(ctx, env, "undecodable task", err)
		}
		return store.ApplyTask(ctx, tx, store.TaskSnapshot{Task: domain.Task{ID: d.ID, EventID: d.EventID, CompanyID: d.CompanyID,
			Title: d.Title, Description: d.Description, RequiredSkills: d.RequiredSkills, StartsAt: d.StartsAt, EndsAt: d.EndsAt,
			Priority: d.Priority, AssigneeID: d.AssigneeID, Approval: d.Approval, Status: d.Status, Source: d.Source,
			SuggestionID: d.SuggestionID, SlotGroup: slotGroup(d.SlotGroup), Area: d.Area, ApprovedAt: d.ApprovedAt,
			CompletedAt: d.CompletedAt, EditedByManager: d.EditedByManager, WasBlocked: d.WasBlocked, UpdatedAt: d.UpdatedAt},
			Version: d.Version})
	case "task.deleted":
		var d idData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable task id", err)
		}
		return store.DeleteTask(ctx, tx, d.ID)
	}
	return nil
}

// slotGroup accepts a string or a number (the contract does not pin the type); null is none.
func slotGroup(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}

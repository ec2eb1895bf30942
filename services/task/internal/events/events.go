// Package events applies other services' topics to the task service: the read models of users,
// memberships, events and suggestions, and the AI's proposed tasks. Unknown types are ignored, as
// the envelope contract asks.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/services/task/internal/domain"
	"github.com/eventai/eventai/services/task/internal/store"
)

// Topics this service consumes.
const (
	UsersTopic       = "identity.users.v1"
	CompaniesTopic   = "company.companies.v1"
	EventsTopic      = "event.events.v1"
	SuggestionsTopic = "suggestion.suggestions.v1"
)

// Topics lists every consumed topic.
var Topics = []string{UsersTopic, CompaniesTopic, EventsTopic, SuggestionsTopic}

// Notes written into the history of tasks changed by other services' events.
const (
	NoteUserDeleted     = "unassigned: user deleted"
	NoteUserDeactivated = "unassigned: user deactivated"
	NoteUserLeft        = "unassigned: user left the company"
)

// Handler applies envelopes to the read models and tasks.
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
	ID             uuid.UUID          `json:"id"`
	Role           string             `json:"role"`
	CompanyIDs     []uuid.UUID        `json:"company_ids"`
	Skills         []domain.UserSkill `json:"skills"`
	Availability   []domain.Window    `json:"availability"`
	MaxHoursPerDay float64            `json:"max_hours_per_day"`
	IsActive       *bool              `json:"is_active"`
	Version        int64              `json:"version"`
}

type companyData struct {
	ID        uuid.UUID  `json:"id"`
	CreatedBy *uuid.UUID `json:"created_by"`
}

type eventData struct {
	ID         uuid.UUID   `json:"id"`
	CompanyID  uuid.UUID   `json:"company_id"`
	ManagerIDs []uuid.UUID `json:"manager_ids"`
	Timezone   string      `json:"timezone"`
	Version    int64       `json:"version"`
}

type idData struct {
	ID        uuid.UUID `json:"id"`
	CompanyID uuid.UUID `json:"company_id"`
}

type suggestionData struct {
	ID        uuid.UUID `json:"id"`
	EventID   uuid.UUID `json:"event_id"`
	CompanyID uuid.UUID `json:"company_id"`
}

type proposedData struct {
	SuggestionID uuid.UUID      `json:"suggestion_id"`
	EventID      uuid.UUID      `json:"event_id"`
	CompanyID    uuid.UUID      `json:"company_id"`
	Batch        int            `json:"batch"`
	Tasks        []proposalData `json:"tasks"`
}

type proposalData struct {
	ID             uuid.UUID       `json:"id"`
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	RequiredSkills []domain.Skill  `json:"required_skills"`
	StartsAt       time.Time       `json:"starts_at"`
	EndsAt         time.Time       `json:"ends_at"`
	Priority       int             `json:"priority"`
	AssigneeID     *uuid.UUID      `json:"assignee_id"`
	SlotGroup      json.RawMessage `json:"slot_group"`
	Area           string          `json:"area"`
	Reasons        json.RawMessage `json:"reasons"`
}

// Handle applies one envelope inside the consumer's transaction.
func (h *Handler) Handle(ctx context.Context, ptx pgx.Tx, env envelope.Envelope) error {
	tx := store.Wrap(ptx, h.now())
	switch env.Type {
	case "user.created", "user.updated":
		var d userData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable user", err)
		}
		active := d.IsActive == nil || *d.IsActive
		// A stale snapshot must not unassign anything (the consumer applies one key in order,
		// so nothing changes the stored version between this read and ApplyUser).
		newer, err := tx.Newer(ctx, d.ID, d.Version)
		if err != nil {
			return err
		}
		// Tasks before the user row: request handlers lock tasks first too (no deadlock).
		switch {
		case !newer:
		case !active:
			if _, err := tx.UnassignOpenTasks(ctx, d.ID, NoteUserDeactivated); err != nil {
				return err
			}
		default:
			// Someone moved out of a company gives up its open tasks (the assignment rule
			// asks for membership); done tasks keep them as the record.
			if _, err := tx.UnassignOpenTasksOutside(ctx, d.ID, d.CompanyIDs, NoteUserLeft); err != nil {
				return err
			}
		}
		_, err = tx.ApplyUser(ctx, store.UserSnapshot{ID: d.ID, Role: d.Role, IsActive: active, CompanyIDs: d.CompanyIDs,
			Skills: d.Skills, Availability: d.Availability, MaxHoursPerDay: d.MaxHoursPerDay, Version: d.Version})
		return err
	case "user.deleted":
		var d idData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable user id", err)
		}
		n, err := tx.UnassignOpenTasks(ctx, d.ID, NoteUserDeleted)
		if err != nil {
			return err
		}
		if n > 0 {
			h.log.InfoContext(ctx, "unassigned a deleted user's open tasks", "user_id", d.ID, "tasks", n)
		}
		return tx.DeleteUser(ctx, d.ID)
	case "company.created":
		var d companyData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable company", err)
		}
		if d.CreatedBy == nil || *d.CreatedBy == uuid.Nil {
			return nil
		}
		return tx.AddMembership(ctx, *d.CreatedBy, d.ID)
	case "company.deleted":
		var d idData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable company id", err)
		}
		return tx.DeleteCompanyMemberships(ctx, d.ID)
	case "event.created", "event.updated":
		var d eventData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil || d.CompanyID == uuid.Nil {
			return h.drop(ctx, env, "undecodable event", err)
		}
		return tx.ApplyEvent(ctx, store.EventSnapshot{ID: d.ID, CompanyID: d.CompanyID, ManagerIDs: d.ManagerIDs,
			Timezone: d.Timezone, Version: d.Version})
	case "event.deleted":
		var d idData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil {
			return h.drop(ctx, env, "undecodable event id", err)
		}
		_, err := tx.DeleteEvent(ctx, d.ID, d.CompanyID)
		return err
	case "suggestion.created":
		var d suggestionData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == uuid.Nil || d.EventID == uuid.Nil {
			return h.drop(ctx, env, "undecodable suggestion", err)
		}
		_, err := tx.AddSuggestion(ctx, store.Suggestion{ID: d.ID, EventID: d.EventID, CompanyID: d.CompanyID})
		return err
	case "suggestion.tasks_proposed":
		var d proposedData
		if err := json.Unmarshal(env.Data, &d); err != nil || d.SuggestionID == uuid.Nil || d.EventID == uuid.Nil {
			return h.drop(ctx, env, "undecodable proposed tasks", err)
		}
		return h.propose(ctx, tx, env, d)
	}
	return nil
}

// propose creates a batch of the AI's tasks as proposed. A batch of a suggestion not seen yet
// registers it (and supersedes the event's earlier ones); a batch of a superseded suggestion is
// ignored, so a late batch cannot resurrect an old plan.
func (h *Handler) propose(ctx context.Context, tx *store.Tx, env envelope.Envelope, d proposedData) error {
	sug, err := tx.Suggestion(ctx, d.SuggestionID)
	switch {
	case err == nil:
	case errors.Is(err, domain.ErrNotFound):
		sug = store.Suggestion{ID: d.SuggestionID, EventID: d.EventID, CompanyID: d.CompanyID}
		if _, err := tx.AddSuggestion(ctx, sug); err != nil {
			return err
		}
	default:
		return err
	}
	if sug.Superseded {
		h.log.InfoContext(ctx, "ignoring tasks of a superseded suggestion", "suggestion_id", sug.ID, "batch", d.Batch)
		return nil
	}
	// A deleted event gets no tasks: they would outlive it. A known live event is held so that
	// a concurrent deletion waits and takes these tasks too. An event not announced yet (the
	// topics are not ordered with each other) must not lose its proposals: they go in as before.
	switch ev, err := tx.Event(ctx, sug.EventID); {
	case errors.Is(err, domain.ErrNotFound):
	case err != nil:
		return err
	case ev.Deleted:
		h.log.InfoContext(ctx, "ignoring tasks proposed for a deleted event", "suggestion_id", sug.ID, "event_id", sug.EventID)
		return nil
	default:
		if _, err := tx.LiveEvent(ctx, sug.EventID); err != nil {
			if errors.Is(err, domain.ErrNotFound) {
				return nil // deleted meanwhile
			}
			return err
		}
	}
	companyID := sug.CompanyID
	if companyID == uuid.Nil {
		companyID = d.CompanyID
	}
	now := h.now()
	for _, p := range d.Tasks {
		t, err := domain.ProposedTask(domain.Proposal{ID: p.ID, Title: p.Title, Description: p.Description,
			RequiredSkills: p.RequiredSkills, StartsAt: p.StartsAt, EndsAt: p.EndsAt, Priority: p.Priority,
			AssigneeID: p.AssigneeID, SlotGroup: slotGroup(p.SlotGroup), Area: p.Area, Reasons: p.Reasons},
			sug.EventID, companyID, sug.ID, now)
		if err != nil {
			_ = h.drop(ctx, env, "unusable proposed task", err)
			continue
		}
		created, err := tx.Insert(ctx, t, nil, "proposed by suggestion "+sug.ID.String())
		if err != nil {
			return err
		}
		if !created {
			if err := h.proposeAssignment(ctx, tx, env, sug, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// proposeAssignment applies a proposal whose id is a task the service has already: in the
// "assign" modes the AI staffs the event's open tasks under their own ids. A redelivered AI task
// changes nothing; anything else that is not the AI's to staff is logged and skipped.
func (h *Handler) proposeAssignment(ctx context.Context, tx *store.Tx, env envelope.Envelope, sug store.Suggestion, p proposalData) error {
	existing, err := tx.Task(ctx, p.ID)
	if errors.Is(err, domain.ErrNotFound) {
		h.log.InfoContext(ctx, "ignoring a proposal for a deleted task", "task_id", p.ID, "suggestion_id", sug.ID)
		return nil
	}
	if err != nil {
		return err
	}
	after, ok, err := domain.ProposeAssignment(existing, sug.EventID, sug.ID, p.AssigneeID, p.Reasons)
	if err != nil {
		h.log.InfoContext(ctx, "ignoring a proposal for an existing task", "task_id", p.ID, "suggestion_id", sug.ID,
			"event_id", env.ID, "why", err.Error())
		return nil
	}
	if !ok {
		return nil
	}
	_, err = tx.Save(ctx, existing, after, nil, "proposed by suggestion "+sug.ID.String())
	return err
}

// slotGroup accepts the slot group as a JSON string or number (the contract does not pin it).
func slotGroup(raw json.RawMessage) *string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			return nil
		}
		return &s
	}
	s = string(raw)
	return &s
}

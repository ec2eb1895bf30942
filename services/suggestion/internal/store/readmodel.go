package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/services/suggestion/internal/domain"
)

// Read-model writers, called by the consumer inside its inbox transaction. Snapshots carry a
// version; an older snapshot than the stored one changes nothing, and deletions leave
// tombstones so that a late snapshot cannot bring an object back.

// UserSnapshot is what the service keeps of a user.created/user.updated.
type UserSnapshot struct {
	ID             uuid.UUID
	Username       string
	FullName       string
	Role           string
	IsActive       bool
	CompanyIDs     []uuid.UUID
	Skills         []domain.Skill
	Availability   []domain.Window
	MaxHoursPerDay float64
	Version        int64
}

const (
	sqlUpsertUser = `INSERT INTO users (id, username, full_name, role, is_active, skills, availability, max_hours_per_day, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET username = excluded.username, full_name = excluded.full_name, role = excluded.role,
			is_active = excluded.is_active, skills = excluded.skills, availability = excluded.availability,
			max_hours_per_day = excluded.max_hours_per_day, version = excluded.version
		WHERE users.version <= excluded.version AND NOT users.deleted RETURNING id`
	sqlDeleteUserMemberships = `DELETE FROM memberships WHERE user_id = $1`
	// company.created's creator membership waits for identity to confirm it (ApplyUser).
	sqlInsertPendingMembership = `INSERT INTO memberships (user_id, company_id, pending) VALUES ($1, $2, true) ON CONFLICT DO NOTHING`
	// Confirmed memberships a snapshot no longer lists go; pending ones stay until one lists them.
	sqlDropUnlistedMemberships = `DELETE FROM memberships WHERE user_id = $1 AND NOT pending AND NOT (company_id = ANY($2))`
	sqlConfirmMembership       = `INSERT INTO memberships (user_id, company_id, pending) VALUES ($1, $2, false)
		ON CONFLICT (user_id, company_id) DO UPDATE SET pending = false`
	sqlTombstoneUser = `INSERT INTO users (id, deleted, is_active) VALUES ($1, true, false)
		ON CONFLICT (id) DO UPDATE SET deleted = true, is_active = false`
)

// ApplyUser upserts a user and replaces their memberships per the membership rule (none when
// inactive), except a creator's pending membership of a company the snapshot does not list yet:
// identity produced the snapshot before it learned of the company (two companies made back to
// back), and dropping it would lock the creator out until the next snapshot. A snapshot that
// lists a pending membership confirms it. An older snapshot than the stored one changes nothing.
func ApplyUser(ctx context.Context, tx pgx.Tx, u UserSnapshot) error {
	skills, err := json.Marshal(nonNil(u.Skills))
	if err != nil {
		return fmt.Errorf("encode skills of %s: %w", u.ID, err)
	}
	avail, err := json.Marshal(nonNil(u.Availability))
	if err != nil {
		return fmt.Errorf("encode availability of %s: %w", u.ID, err)
	}
	var id uuid.UUID
	err = tx.QueryRow(ctx, sqlUpsertUser, u.ID, u.Username, u.FullName, u.Role, u.IsActive, skills, avail, u.MaxHoursPerDay, u.Version).Scan(&id)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("upsert user %s: %w", u.ID, err)
	}
	if !u.IsActive {
		// An inactive user belongs nowhere, pending memberships included.
		if _, err := tx.Exec(ctx, sqlDeleteUserMemberships, u.ID); err != nil {
			return fmt.Errorf("clear memberships of %s: %w", u.ID, err)
		}
		return nil
	}
	listed := make([]uuid.UUID, 0, len(u.CompanyIDs))
	for _, cid := range u.CompanyIDs {
		if cid != uuid.Nil {
			listed = append(listed, cid)
		}
	}
	if _, err := tx.Exec(ctx, sqlDropUnlistedMemberships, u.ID, listed); err != nil {
		return fmt.Errorf("drop memberships of %s: %w", u.ID, err)
	}
	for _, cid := range listed {
		if _, err := tx.Exec(ctx, sqlConfirmMembership, u.ID, cid); err != nil {
			return fmt.Errorf("add membership of %s in %s: %w", u.ID, cid, err)
		}
	}
	return nil
}

// DeleteUser tombstones a user and removes their memberships.
func DeleteUser(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, sqlDeleteUserMemberships, id); err != nil {
		return fmt.Errorf("delete memberships of %s: %w", id, err)
	}
	if _, err := tx.Exec(ctx, sqlTombstoneUser, id); err != nil {
		return fmt.Errorf("delete user %s: %w", id, err)
	}
	return nil
}

const (
	sqlUpsertCompany = `INSERT INTO companies (id, name, created_by) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE NOT companies.deleted RETURNING id`
	sqlDeleteCompanyMemberships = `DELETE FROM memberships WHERE company_id = $1`
	sqlTombstoneCompany         = `INSERT INTO companies (id, deleted) VALUES ($1, true) ON CONFLICT (id) DO UPDATE SET deleted = true`
)

// ApplyCompany records a created or updated company; on creation its creator becomes a pending
// member (confirmed by the first user snapshot that lists the company, see ApplyUser).
func ApplyCompany(ctx context.Context, tx pgx.Tx, id uuid.UUID, name string, createdBy uuid.UUID, created bool) error {
	var got uuid.UUID
	err := tx.QueryRow(ctx, sqlUpsertCompany, id, name, nullUUID(createdBy)).Scan(&got)
	if err == pgx.ErrNoRows {
		return nil // deleted already
	}
	if err != nil {
		return fmt.Errorf("upsert company %s: %w", id, err)
	}
	if created && createdBy != uuid.Nil {
		if _, err := tx.Exec(ctx, sqlInsertPendingMembership, createdBy, id); err != nil {
			return fmt.Errorf("add creator membership of %s: %w", id, err)
		}
	}
	return nil
}

// DeleteCompany tombstones a company and drops its memberships.
func DeleteCompany(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, sqlDeleteCompanyMemberships, id); err != nil {
		return fmt.Errorf("delete memberships of company %s: %w", id, err)
	}
	if _, err := tx.Exec(ctx, sqlTombstoneCompany, id); err != nil {
		return fmt.Errorf("delete company %s: %w", id, err)
	}
	return nil
}

// EventSnapshot is what the service keeps of event.created/event.updated.
type EventSnapshot struct {
	domain.Event
	Version int64
}

const (
	sqlUpsertEvent = `INSERT INTO events (id, company_id, title, timezone, event_type, expected_attendees, starts_at, ends_at, manager_ids, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET company_id = excluded.company_id, title = excluded.title, timezone = excluded.timezone,
			event_type = excluded.event_type, expected_attendees = excluded.expected_attendees, starts_at = excluded.starts_at,
			ends_at = excluded.ends_at, manager_ids = excluded.manager_ids, version = excluded.version
		WHERE events.version <= excluded.version AND NOT events.deleted`
	sqlTombstoneEvent = `INSERT INTO events (id, company_id, starts_at, ends_at, deleted) VALUES ($1, $2, 'epoch', 'epoch', true)
		ON CONFLICT (id) DO UPDATE SET deleted = true`
	sqlDeleteSessions = `DELETE FROM sessions WHERE event_id = $1`
)

// ApplyEvent upserts an event.
func ApplyEvent(ctx context.Context, tx pgx.Tx, e EventSnapshot) error {
	ids := e.ManagerIDs
	if ids == nil {
		ids = []uuid.UUID{}
	}
	tz := e.Timezone
	if tz == "" {
		tz = "UTC"
	}
	if _, err := tx.Exec(ctx, sqlUpsertEvent, e.ID, e.CompanyID, e.Title, tz, e.EventType, e.ExpectedAttendees,
		e.StartsAt, e.EndsAt, ids, e.Version); err != nil {
		return fmt.Errorf("upsert event %s: %w", e.ID, err)
	}
	return nil
}

// DeleteEvent tombstones an event and forgets its sessions.
func DeleteEvent(ctx context.Context, tx pgx.Tx, id, companyID uuid.UUID) error {
	if _, err := tx.Exec(ctx, sqlTombstoneEvent, id, companyID); err != nil {
		return fmt.Errorf("delete event %s: %w", id, err)
	}
	if _, err := tx.Exec(ctx, sqlDeleteSessions, id); err != nil {
		return fmt.Errorf("delete sessions of %s: %w", id, err)
	}
	return nil
}

// Session is an imported schedule item of an event.
type Session struct {
	ExternalID string
	Room       string
	Track      string
	Title      string
	StartsAt   time.Time
	EndsAt     time.Time
}

// ReplaceSessions stores an event's full session list (event.schedule_imported).
func ReplaceSessions(ctx context.Context, tx pgx.Tx, eventID uuid.UUID, sessions []Session) error {
	if _, err := tx.Exec(ctx, sqlDeleteSessions, eventID); err != nil {
		return fmt.Errorf("clear sessions of %s: %w", eventID, err)
	}
	rows := make([][]any, 0, len(sessions))
	seen := make(map[string]bool, len(sessions))
	for _, s := range sessions {
		if seen[s.ExternalID] || !s.StartsAt.Before(s.EndsAt) {
			continue
		}
		seen[s.ExternalID] = true
		rows = append(rows, []any{eventID, s.ExternalID, s.Room, s.Track, s.Title, s.StartsAt, s.EndsAt})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"sessions"},
		[]string{"event_id", "external_id", "room", "track", "title", "starts_at", "ends_at"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("store sessions of %s: %w", eventID, err)
	}
	return nil
}

// TaskSnapshot is what the service keeps of task.created/task.updated.
type TaskSnapshot struct {
	domain.Task
	Version int64
}

const (
	sqlUpsertTask = `INSERT INTO tasks (id, event_id, company_id, title, description, required_skills, starts_at, ends_at, priority,
			assignee_id, approval, status, source, suggestion_id, slot_group, area, approved_at, completed_at, edited_by_manager,
			was_blocked, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
		ON CONFLICT (id) DO UPDATE SET event_id = excluded.event_id, company_id = excluded.company_id, title = excluded.title,
			description = excluded.description, required_skills = excluded.required_skills, starts_at = excluded.starts_at,
			ends_at = excluded.ends_at, priority = excluded.priority, assignee_id = excluded.assignee_id,
			approval = excluded.approval, status = excluded.status, source = excluded.source,
			suggestion_id = excluded.suggestion_id, slot_group = excluded.slot_group, area = excluded.area,
			approved_at = excluded.approved_at, completed_at = excluded.completed_at,
			edited_by_manager = excluded.edited_by_manager, was_blocked = excluded.was_blocked,
			updated_at = excluded.updated_at, version = excluded.version
		WHERE tasks.version <= excluded.version AND NOT tasks.deleted`
	sqlTombstoneTask = `UPDATE tasks SET deleted = true WHERE id = $1`
)

// ApplyTask upserts a task.
func ApplyTask(ctx context.Context, tx pgx.Tx, t TaskSnapshot) error {
	skills, err := json.Marshal(nonNil(t.RequiredSkills))
	if err != nil {
		return fmt.Errorf("encode skills of task %s: %w", t.ID, err)
	}
	var updated *time.Time
	if !t.UpdatedAt.IsZero() {
		updated = &t.UpdatedAt
	}
	if _, err := tx.Exec(ctx, sqlUpsertTask, t.ID, t.EventID, nullUUID(t.CompanyID), t.Title, t.Description, skills,
		t.StartsAt, t.EndsAt, t.Priority, t.AssigneeID, t.Approval, t.Status, t.Source, t.SuggestionID,
		nullString(t.SlotGroup), t.Area, t.ApprovedAt, t.CompletedAt, t.EditedByManager, t.WasBlocked, updated, t.Version); err != nil {
		return fmt.Errorf("upsert task %s: %w", t.ID, err)
	}
	return nil
}

// DeleteTask tombstones a task (a delete that overtakes its creation is moot: the id is
// never reused).
func DeleteTask(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, sqlTombstoneTask, id); err != nil {
		return fmt.Errorf("delete task %s: %w", id, err)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

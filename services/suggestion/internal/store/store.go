// Package store is the suggestion service's Postgres repository: the read models fed by other
// services' topics, and the suggestions themselves, whose outbox rows are written in the same
// transaction as the suggestion.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventai/eventai/services/suggestion/internal/domain"
)

// Store is the Postgres repository of the suggestion service.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store on pool (whose search_path is the suggestion schema).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const sqlEvent = `SELECT id, company_id, title, timezone, event_type, expected_attendees, starts_at, ends_at, manager_ids
	FROM events WHERE id = $1 AND NOT deleted`

// Event loads an event; a missing or deleted one is domain.ErrNotFound.
func (s *Store) Event(ctx context.Context, id uuid.UUID) (domain.Event, error) {
	var e domain.Event
	err := s.pool.QueryRow(ctx, sqlEvent, id).Scan(&e.ID, &e.CompanyID, &e.Title, &e.Timezone, &e.EventType,
		&e.ExpectedAttendees, &e.StartsAt, &e.EndsAt, &e.ManagerIDs)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("event %s: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("load event %s: %w", id, err)
	}
	return e, nil
}

const sqlIsMember = `SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND company_id = $2)`

// IsMember reports whether the user belongs to the company.
func (s *Store) IsMember(ctx context.Context, userID, companyID uuid.UUID) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, sqlIsMember, userID, companyID).Scan(&ok); err != nil {
		return false, fmt.Errorf("check membership of %s in %s: %w", userID, companyID, err)
	}
	return ok, nil
}

const sqlAccount = `SELECT deleted, is_active, role FROM users WHERE id = $1`

// Account loads what the read model knows of a user's account (Known false when nothing).
func (s *Store) Account(ctx context.Context, userID uuid.UUID) (domain.Account, error) {
	a := domain.Account{Known: true}
	err := s.pool.QueryRow(ctx, sqlAccount, userID).Scan(&a.Deleted, &a.IsActive, &a.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Account{}, nil
	}
	if err != nil {
		return domain.Account{}, fmt.Errorf("load account of %s: %w", userID, err)
	}
	return a, nil
}

const (
	userCols        = `u.id, u.full_name, u.role, u.is_active, u.skills, u.availability, u.max_hours_per_day`
	sqlCompanyStaff = `SELECT ` + userCols + ` FROM users u JOIN memberships m ON m.user_id = u.id
		WHERE m.company_id = $1 AND u.role = 'staff' AND u.is_active AND NOT u.deleted ORDER BY u.id`
	sqlUsersIn = `SELECT ` + userCols + ` FROM users u
		WHERE u.id = ANY($2) AND NOT u.deleted AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.company_id = $1)
		ORDER BY u.id`
)

// CompanyStaff lists the company's active staff members.
func (s *Store) CompanyStaff(ctx context.Context, companyID uuid.UUID) ([]domain.Staff, error) {
	out, err := collectStaff(s.pool.Query(ctx, sqlCompanyStaff, companyID))
	if err != nil {
		return nil, fmt.Errorf("load staff of company %s: %w", companyID, err)
	}
	return out, nil
}

// MembersIn loads those of the listed users who are members of the company (any role or
// activity: the caller decides who qualifies).
func (s *Store) MembersIn(ctx context.Context, companyID uuid.UUID, ids []uuid.UUID) ([]domain.Staff, error) {
	out, err := collectStaff(s.pool.Query(ctx, sqlUsersIn, companyID, ids))
	if err != nil {
		return nil, fmt.Errorf("load members of company %s: %w", companyID, err)
	}
	return out, nil
}

func collectStaff(rows pgx.Rows, err error) ([]domain.Staff, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Staff, error) {
		var st domain.Staff
		var skills, avail []byte
		if err := r.Scan(&st.ID, &st.FullName, &st.Role, &st.IsActive, &skills, &avail, &st.MaxHoursPerDay); err != nil {
			return st, err
		}
		if err := json.Unmarshal(skills, &st.Skills); err != nil {
			return st, fmt.Errorf("decode skills of %s: %w", st.ID, err)
		}
		if err := json.Unmarshal(avail, &st.Availability); err != nil {
			return st, fmt.Errorf("decode availability of %s: %w", st.ID, err)
		}
		return st, nil
	})
}

const sqlSessions = `SELECT external_id, room, track, title, starts_at, ends_at FROM sessions WHERE event_id = $1
	ORDER BY starts_at, external_id`

// Sessions lists an event's imported sessions in time order.
func (s *Store) Sessions(ctx context.Context, eventID uuid.UUID) ([]Session, error) {
	rows, err := s.pool.Query(ctx, sqlSessions, eventID)
	if err != nil {
		return nil, fmt.Errorf("load sessions of %s: %w", eventID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Session, error) {
		var x Session
		err := r.Scan(&x.ExternalID, &x.Room, &x.Track, &x.Title, &x.StartsAt, &x.EndsAt)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("load sessions of %s: %w", eventID, err)
	}
	return out, nil
}

const taskCols = `id, event_id, coalesce(company_id, '00000000-0000-0000-0000-000000000000'), title, description, required_skills,
	starts_at, ends_at, priority, assignee_id, approval, status, source, suggestion_id, coalesce(slot_group, ''), area,
	approved_at, completed_at, edited_by_manager, was_blocked, coalesce(updated_at, starts_at)`

const (
	sqlEventTasks = `SELECT ` + taskCols + ` FROM tasks WHERE event_id = $1 AND NOT deleted ORDER BY starts_at, id`
	// Approved work of the people overlapping the window: their busy time.
	sqlCommitments = `SELECT ` + taskCols + ` FROM tasks
		WHERE assignee_id = ANY($1) AND approval = 'approved' AND NOT deleted AND starts_at < $3 AND ends_at > $2
		ORDER BY starts_at, id`
	// What the learning model reads: decided or finished work of the people.
	sqlHistory = `SELECT ` + taskCols + ` FROM tasks
		WHERE assignee_id = ANY($1) AND NOT deleted AND (approval = 'approved' OR status = 'done' OR was_blocked)`
)

// EventTasks lists the event's tasks.
func (s *Store) EventTasks(ctx context.Context, eventID uuid.UUID) ([]domain.Task, error) {
	out, err := collectTasks(s.pool.Query(ctx, sqlEventTasks, eventID))
	if err != nil {
		return nil, fmt.Errorf("load tasks of event %s: %w", eventID, err)
	}
	return out, nil
}

// Commitments lists the approved tasks of the people that overlap [from, to).
func (s *Store) Commitments(ctx context.Context, staff []uuid.UUID, from, to time.Time) ([]domain.Task, error) {
	out, err := collectTasks(s.pool.Query(ctx, sqlCommitments, staff, from, to))
	if err != nil {
		return nil, fmt.Errorf("load commitments: %w", err)
	}
	return out, nil
}

// History lists the people's approved, finished or blocked tasks.
func (s *Store) History(ctx context.Context, staff []uuid.UUID) ([]domain.Task, error) {
	out, err := collectTasks(s.pool.Query(ctx, sqlHistory, staff))
	if err != nil {
		return nil, fmt.Errorf("load task history: %w", err)
	}
	return out, nil
}

func collectTasks(rows pgx.Rows, err error) ([]domain.Task, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Task, error) {
		var t domain.Task
		var skills []byte
		if err := r.Scan(&t.ID, &t.EventID, &t.CompanyID, &t.Title, &t.Description, &skills, &t.StartsAt, &t.EndsAt,
			&t.Priority, &t.AssigneeID, &t.Approval, &t.Status, &t.Source, &t.SuggestionID, &t.SlotGroup, &t.Area,
			&t.ApprovedAt, &t.CompletedAt, &t.EditedByManager, &t.WasBlocked, &t.UpdatedAt); err != nil {
			return t, err
		}
		if err := json.Unmarshal(skills, &t.RequiredSkills); err != nil {
			return t, fmt.Errorf("decode skills of task %s: %w", t.ID, err)
		}
		return t, nil
	})
}

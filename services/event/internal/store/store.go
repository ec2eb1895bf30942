// Package store keeps events, teams, sessions and the read models of other services' topics in
// Postgres. Every change and the event announcing it commit in one transaction (the outbox row).
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/event/internal/domain"
)

// Topic is the event service's own topic.
const Topic = "event.events.v1"

// Event types published on Topic.
const (
	TypeCreated          = "event.created"
	TypeUpdated          = "event.updated"
	TypeDeleted          = "event.deleted"
	TypeScheduleImported = "event.schedule_imported"
)

const source = "event"

// EventData is the data of event.created and event.updated: the event object of DESIGN.md.
type EventData struct {
	ID                uuid.UUID   `json:"id"`
	CompanyID         uuid.UUID   `json:"company_id"`
	Title             string      `json:"title"`
	Description       string      `json:"description"`
	Location          string      `json:"location"`
	Timezone          string      `json:"timezone"`
	StartsAt          time.Time   `json:"starts_at"`
	EndsAt            time.Time   `json:"ends_at"`
	EventType         string      `json:"event_type"`
	ExpectedAttendees int         `json:"expected_attendees"`
	ManagerIDs        []uuid.UUID `json:"manager_ids"`
	CreatedBy         uuid.UUID   `json:"created_by"`
	CreatedAt         time.Time   `json:"created_at"`
	UpdatedAt         time.Time   `json:"updated_at"`
	Version           int64       `json:"version"`
}

// DeletedData is the data of event.deleted.
type DeletedData struct {
	ID        uuid.UUID `json:"id"`
	CompanyID uuid.UUID `json:"company_id"`
}

// SessionData is one session in event.schedule_imported.
type SessionData struct {
	ID         uuid.UUID `json:"id"`
	ExternalID string    `json:"external_id"`
	Room       string    `json:"room"`
	Track      string    `json:"track"`
	Title      string    `json:"title"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
}

// ScheduleImportedData is the data of event.schedule_imported: the event's full session list.
type ScheduleImportedData struct {
	EventID   uuid.UUID     `json:"event_id"`
	CompanyID uuid.UUID     `json:"company_id"`
	Timezone  string        `json:"timezone"`
	Sessions  []SessionData `json:"sessions"`
}

// Store is the Postgres repository of the event service.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store on pool (whose search_path is the event schema).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

func publish(ctx context.Context, tx pgx.Tx, typ string, key uuid.UUID, data any) error {
	env, err := envelope.New(source, typ, key.String(), data)
	if err != nil {
		return fmt.Errorf("build %s envelope: %w", typ, err)
	}
	if err := outbox.Add(ctx, tx, Topic, key.String(), env); err != nil {
		return fmt.Errorf("add %s to outbox: %w", typ, err)
	}
	return nil
}

func eventData(e domain.Event) EventData {
	ids := e.ManagerIDs
	if ids == nil {
		ids = []uuid.UUID{}
	}
	return EventData{ID: e.ID, CompanyID: e.CompanyID, Title: e.Title, Description: e.Description, Location: e.Location,
		Timezone: e.Timezone, StartsAt: e.StartsAt, EndsAt: e.EndsAt, EventType: e.EventType,
		ExpectedAttendees: e.ExpectedAttendees, ManagerIDs: ids, CreatedBy: e.CreatedBy,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt, Version: e.Version}
}

const eventCols = `id, company_id, title, description, location, timezone, starts_at, ends_at, event_type,
	expected_attendees, manager_ids, created_by, created_at, updated_at, version`

func scanEvent(row pgx.Row) (domain.Event, error) {
	var e domain.Event
	err := row.Scan(&e.ID, &e.CompanyID, &e.Title, &e.Description, &e.Location, &e.Timezone, &e.StartsAt, &e.EndsAt,
		&e.EventType, &e.ExpectedAttendees, &e.ManagerIDs, &e.CreatedBy, &e.CreatedAt, &e.UpdatedAt, &e.Version)
	e.StartsAt, e.EndsAt, e.CreatedAt, e.UpdatedAt = e.StartsAt.UTC(), e.EndsAt.UTC(), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	if e.ManagerIDs == nil {
		e.ManagerIDs = []uuid.UUID{}
	}
	return e, err
}

const sqlInsertEvent = `INSERT INTO events (` + eventCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`

// CreateEvent stores e and queues event.created in one transaction.
func (s *Store) CreateEvent(ctx context.Context, e domain.Event) error {
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlInsertEvent, e.ID, e.CompanyID, e.Title, e.Description, e.Location, e.Timezone,
			e.StartsAt, e.EndsAt, e.EventType, e.ExpectedAttendees, e.ManagerIDs, e.CreatedBy, e.CreatedAt, e.UpdatedAt, e.Version); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
		return publish(ctx, tx, TypeCreated, e.ID, eventData(e))
	})
	if err != nil {
		return fmt.Errorf("create event %s: %w", e.ID, err)
	}
	return nil
}

const sqlGetEvent = `SELECT ` + eventCols + ` FROM events WHERE id = $1`

// GetEvent loads one event.
func (s *Store) GetEvent(ctx context.Context, id uuid.UUID) (domain.Event, error) {
	e, err := scanEvent(s.pool.QueryRow(ctx, sqlGetEvent, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("event %s: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("load event %s: %w", id, err)
	}
	return e, nil
}

// EventFilter selects a page of events.
type EventFilter struct {
	// MemberID restricts to events of companies the user belongs to.
	MemberID *uuid.UUID
	// ManagerID restricts to events the user manages.
	ManagerID *uuid.UUID
	CompanyID *uuid.UUID
	// From and To keep events that overlap [From, To].
	From, To *time.Time
	// Query matches part of the title without regard to case.
	Query  string
	Limit  int
	Cursor string
}

// ListEvents answers one page of events ordered by start, and the next page's cursor.
func (s *Store) ListEvents(ctx context.Context, f EventFilter) ([]domain.Event, string, error) {
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	sql := `SELECT ` + eventCols + ` FROM events e WHERE true`
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.MemberID != nil {
		sql += ` AND EXISTS (SELECT 1 FROM memberships m WHERE m.company_id = e.company_id AND m.user_id = ` + arg(*f.MemberID) + `)`
	}
	if f.ManagerID != nil {
		sql += ` AND e.manager_ids @> ARRAY[` + arg(*f.ManagerID) + `::uuid]`
	}
	if f.CompanyID != nil {
		sql += ` AND e.company_id = ` + arg(*f.CompanyID)
	}
	if f.From != nil {
		sql += ` AND e.ends_at >= ` + arg(*f.From)
	}
	if f.To != nil {
		sql += ` AND e.starts_at <= ` + arg(*f.To)
	}
	if f.Query != "" {
		sql += ` AND e.title ILIKE ` + arg(likePattern(f.Query))
	}
	if after != nil {
		sql += ` AND (e.starts_at, e.id) > (` + arg(after.At) + `, ` + arg(after.ID) + `)`
	}
	sql += ` ORDER BY e.starts_at, e.id LIMIT ` + arg(f.Limit+1)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list events: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, "", fmt.Errorf("list events: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = encodeCursor(keyset{At: last.StartsAt, ID: last.ID})
	}
	return out, next, nil
}

const (
	sqlLockEvent   = `SELECT ` + eventCols + ` FROM events WHERE id = $1 FOR UPDATE`
	sqlUpdateEvent = `UPDATE events SET title = $2, description = $3, location = $4, timezone = $5, starts_at = $6,
		ends_at = $7, event_type = $8, expected_attendees = $9, manager_ids = $10, updated_at = $11, version = $12 WHERE id = $1`
)

func lockEvent(ctx context.Context, tx pgx.Tx, id uuid.UUID) (domain.Event, error) {
	e, err := scanEvent(tx.QueryRow(ctx, sqlLockEvent, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("event %s: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("lock event %s: %w", id, err)
	}
	return e, nil
}

// UpdateEvent applies fn to the event in one transaction when version is current, bumps the
// version and queues event.updated. fn validates and may return a validation error.
func (s *Store) UpdateEvent(ctx context.Context, id uuid.UUID, version int64, now time.Time, fn func(*domain.Event) error) (domain.Event, error) {
	var out domain.Event
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		e, err := lockEvent(ctx, tx, id)
		if err != nil {
			return err
		}
		if e.Version != version {
			return domain.ErrStale
		}
		if err := fn(&e); err != nil {
			return err
		}
		e.Version++
		e.UpdatedAt = now
		if _, err := tx.Exec(ctx, sqlUpdateEvent, e.ID, e.Title, e.Description, e.Location, e.Timezone, e.StartsAt, e.EndsAt,
			e.EventType, e.ExpectedAttendees, e.ManagerIDs, e.UpdatedAt, e.Version); err != nil {
			return fmt.Errorf("update event: %w", err)
		}
		out = e
		return publish(ctx, tx, TypeUpdated, e.ID, eventData(e))
	})
	if err != nil {
		return out, fmt.Errorf("update event %s: %w", id, err)
	}
	return out, nil
}

const sqlDeleteEvent = `DELETE FROM events WHERE id = $1`

// DeleteEvent removes the event with its teams and sessions and queues event.deleted; version,
// when given, must be current.
func (s *Store) DeleteEvent(ctx context.Context, id uuid.UUID, version *int64) error {
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		e, err := lockEvent(ctx, tx, id)
		if err != nil {
			return err
		}
		if version != nil && *version != e.Version {
			return domain.ErrStale
		}
		if _, err := tx.Exec(ctx, sqlDeleteEvent, id); err != nil {
			return fmt.Errorf("delete event: %w", err)
		}
		return publish(ctx, tx, TypeDeleted, id, DeletedData{ID: id, CompanyID: e.CompanyID})
	})
	if err != nil {
		return fmt.Errorf("delete event %s: %w", id, err)
	}
	return nil
}

const sqlTaskCounts = `SELECT event_id,
	count(*) FILTER (WHERE approval = 'proposed'),
	count(*) FILTER (WHERE approval = 'approved'),
	count(*) FILTER (WHERE approval = 'approved' AND status = 'done')
	FROM tasks WHERE event_id = ANY($1) GROUP BY event_id`

// TaskCounts answers the task counts of each listed event (events without tasks are absent).
func (s *Store) TaskCounts(ctx context.Context, eventIDs []uuid.UUID) (map[uuid.UUID]domain.TaskCounts, error) {
	rows, err := s.pool.Query(ctx, sqlTaskCounts, eventIDs)
	if err != nil {
		return nil, fmt.Errorf("count tasks: %w", err)
	}
	defer rows.Close()
	out := make(map[uuid.UUID]domain.TaskCounts, len(eventIDs))
	for rows.Next() {
		var id uuid.UUID
		var c domain.TaskCounts
		if err := rows.Scan(&id, &c.Proposed, &c.Approved, &c.Done); err != nil {
			return nil, fmt.Errorf("count tasks: %w", err)
		}
		out[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count tasks: %w", err)
	}
	return out, nil
}

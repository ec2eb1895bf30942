package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/event/internal/domain"
)

const sessionCols = `id, event_id, external_id, room, track, title, speakers, starts_at, ends_at,
	coalesce(to_char(day, 'YYYY-MM-DD'), ''), day_index`

func scanSession(row pgx.Row) (domain.Session, error) {
	var s domain.Session
	err := row.Scan(&s.ID, &s.EventID, &s.ExternalID, &s.Room, &s.Track, &s.Title, &s.Speakers, &s.StartsAt, &s.EndsAt, &s.Day, &s.DayIndex)
	s.StartsAt, s.EndsAt = s.StartsAt.UTC(), s.EndsAt.UTC()
	if s.Speakers == nil {
		s.Speakers = []string{}
	}
	return s, err
}

const (
	sqlEventSessions = `SELECT ` + sessionCols + ` FROM sessions WHERE event_id = $1`
	sqlInsertSession = `INSERT INTO sessions (id, event_id, external_id, room, track, title, speakers, starts_at, ends_at, day, day_index)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, nullif($10, '')::date, $11)`
	sqlUpdateSession = `UPDATE sessions SET room = $2, track = $3, title = $4, speakers = $5, starts_at = $6, ends_at = $7,
		day = nullif($8, '')::date, day_index = $9 WHERE id = $1`
	sqlDeleteSessions = `DELETE FROM sessions WHERE id = ANY($1)`
)

// ImportSessions replaces an event's sessions with incoming in one transaction, keyed by the
// schedule's external ids: new ones are inserted, changed ones updated in place, missing ones
// deleted; event.schedule_imported carries the full list. The event row is locked so that two
// imports of one event run one after the other.
func (s *Store) ImportSessions(ctx context.Context, eventID uuid.UUID, incoming []domain.Session) (domain.ImportPlan, error) {
	var plan domain.ImportPlan
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		e, err := lockEvent(ctx, tx, eventID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, sqlEventSessions, eventID)
		if err != nil {
			return fmt.Errorf("load sessions: %w", err)
		}
		stored, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Session, error) { return scanSession(r) })
		if err != nil {
			return fmt.Errorf("load sessions: %w", err)
		}
		plan = domain.PlanImport(stored, incoming, uuid.New)

		batch := &pgx.Batch{}
		for _, ss := range plan.Create {
			batch.Queue(sqlInsertSession, ss.ID, eventID, ss.ExternalID, ss.Room, ss.Track, ss.Title, ss.Speakers, ss.StartsAt, ss.EndsAt, ss.Day, ss.DayIndex)
		}
		for _, ss := range plan.Update {
			batch.Queue(sqlUpdateSession, ss.ID, ss.Room, ss.Track, ss.Title, ss.Speakers, ss.StartsAt, ss.EndsAt, ss.Day, ss.DayIndex)
		}
		if len(plan.Delete) > 0 {
			batch.Queue(sqlDeleteSessions, plan.Delete)
		}
		if batch.Len() > 0 {
			if err := tx.SendBatch(ctx, batch).Close(); err != nil {
				return fmt.Errorf("write sessions: %w", err)
			}
		}
		data := ScheduleImportedData{EventID: eventID, CompanyID: e.CompanyID, Timezone: e.Timezone, Sessions: make([]SessionData, 0, len(plan.Result))}
		for _, ss := range plan.Result {
			data.Sessions = append(data.Sessions, SessionData{ID: ss.ID, ExternalID: ss.ExternalID, Room: ss.Room, Track: ss.Track,
				Title: ss.Title, StartsAt: ss.StartsAt, EndsAt: ss.EndsAt})
		}
		return publish(ctx, tx, TypeScheduleImported, eventID, data)
	})
	if err != nil {
		return plan, fmt.Errorf("import sessions of %s: %w", eventID, err)
	}
	return plan, nil
}

// SessionFilter selects a page of an event's sessions.
type SessionFilter struct {
	Room string
	// Day is a schedule day's date (YYYY-MM-DD).
	Day    *time.Time
	Limit  int
	Cursor string
}

// ListSessions answers one page of an event's sessions ordered by start and the next cursor.
func (s *Store) ListSessions(ctx context.Context, eventID uuid.UUID, f SessionFilter) ([]domain.Session, string, error) {
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	sql := `SELECT ` + sessionCols + ` FROM sessions WHERE event_id = $1`
	args := []any{eventID}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Room != "" {
		sql += ` AND room = ` + arg(f.Room)
	}
	if f.Day != nil {
		sql += ` AND day = ` + arg(f.Day.Format(time.DateOnly)) + `::date`
	}
	if after != nil {
		sql += ` AND (starts_at, id) > (` + arg(after.At) + `, ` + arg(after.ID) + `)`
	}
	sql += ` ORDER BY starts_at, id LIMIT ` + arg(f.Limit+1)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list sessions of %s: %w", eventID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Session, error) { return scanSession(r) })
	if err != nil {
		return nil, "", fmt.Errorf("list sessions of %s: %w", eventID, err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = encodeCursor(keyset{At: last.StartsAt, ID: last.ID})
	}
	return out, next, nil
}

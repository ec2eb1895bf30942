package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/event/internal/domain"
)

const teamCols = `id, event_id, name, area, lead_id, member_ids, approval, source, suggestion_id, created_at, updated_at, version`

func scanTeam(row pgx.Row) (domain.Team, error) {
	var t domain.Team
	err := row.Scan(&t.ID, &t.EventID, &t.Name, &t.Area, &t.LeadID, &t.MemberIDs, &t.Approval, &t.Source,
		&t.SuggestionID, &t.CreatedAt, &t.UpdatedAt, &t.Version)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	if t.MemberIDs == nil {
		t.MemberIDs = []uuid.UUID{}
	}
	return t, err
}

const sqlInsertTeam = `INSERT INTO teams (` + teamCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

func insertTeam(ctx context.Context, tx pgx.Tx, t domain.Team) error {
	ids := t.MemberIDs
	if ids == nil {
		ids = []uuid.UUID{}
	}
	_, err := tx.Exec(ctx, sqlInsertTeam+` ON CONFLICT (id) DO NOTHING`, t.ID, t.EventID, t.Name, t.Area, t.LeadID, ids,
		t.Approval, t.Source, t.SuggestionID, t.CreatedAt, t.UpdatedAt, t.Version)
	if err != nil {
		return fmt.Errorf("insert team %s: %w", t.ID, err)
	}
	return nil
}

// CreateTeam stores a team. Its event is locked first: a deletion that committed after the
// caller's check makes this ErrNotFound rather than a foreign-key error, and one still running
// waits for it (the cascade then takes the team too).
func (s *Store) CreateTeam(ctx context.Context, t domain.Team) error {
	return pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := lockEvent(ctx, tx, t.EventID); err != nil {
			return err
		}
		return insertTeam(ctx, tx, t)
	})
}

const sqlGetTeam = `SELECT ` + teamCols + ` FROM teams WHERE id = $1`

// GetTeam loads one team.
func (s *Store) GetTeam(ctx context.Context, id uuid.UUID) (domain.Team, error) {
	t, err := scanTeam(s.pool.QueryRow(ctx, sqlGetTeam, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("team %s: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("load team %s: %w", id, err)
	}
	return t, nil
}

// ListTeams answers one page of an event's teams in creation order and the next cursor.
func (s *Store) ListTeams(ctx context.Context, eventID uuid.UUID, limit int, cursor string) ([]domain.Team, string, error) {
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	sql := `SELECT ` + teamCols + ` FROM teams WHERE event_id = $1`
	args := []any{eventID}
	if after != nil {
		sql += ` AND (created_at, id) > ($3, $4)`
	}
	sql += ` ORDER BY created_at, id LIMIT $2`
	args = append(args, limit+1)
	if after != nil {
		args = append(args, after.At, after.ID)
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list teams of %s: %w", eventID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Team, error) { return scanTeam(r) })
	if err != nil {
		return nil, "", fmt.Errorf("list teams of %s: %w", eventID, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = encodeCursor(keyset{At: last.CreatedAt, ID: last.ID})
	}
	return out, next, nil
}

const (
	sqlLockTeam   = `SELECT ` + teamCols + ` FROM teams WHERE id = $1 FOR UPDATE`
	sqlUpdateTeam = `UPDATE teams SET name = $2, area = $3, lead_id = $4, member_ids = $5, approval = $6,
		updated_at = $7, version = $8 WHERE id = $1`
	sqlDeleteTeam = `DELETE FROM teams WHERE id = $1`
)

func lockTeam(ctx context.Context, tx pgx.Tx, id uuid.UUID) (domain.Team, error) {
	t, err := scanTeam(tx.QueryRow(ctx, sqlLockTeam, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, fmt.Errorf("team %s: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("lock team %s: %w", id, err)
	}
	return t, nil
}

// UpdateTeam applies fn to the team in one transaction when version is current and bumps it.
func (s *Store) UpdateTeam(ctx context.Context, id uuid.UUID, version int64, now time.Time, fn func(*domain.Team) error) (domain.Team, error) {
	var out domain.Team
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := lockTeam(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.Version != version {
			return domain.ErrStale
		}
		if err := fn(&t); err != nil {
			return err
		}
		t.Version++
		t.UpdatedAt = now
		if _, err := tx.Exec(ctx, sqlUpdateTeam, t.ID, t.Name, t.Area, t.LeadID, t.MemberIDs, t.Approval, t.UpdatedAt, t.Version); err != nil {
			return fmt.Errorf("update team: %w", err)
		}
		out = t
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("update team %s: %w", id, err)
	}
	return out, nil
}

// DeleteTeam removes a team; version, when given, must be current.
func (s *Store) DeleteTeam(ctx context.Context, id uuid.UUID, version *int64) error {
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		t, err := lockTeam(ctx, tx, id)
		if err != nil {
			return err
		}
		if version != nil && *version != t.Version {
			return domain.ErrStale
		}
		if _, err := tx.Exec(ctx, sqlDeleteTeam, id); err != nil {
			return fmt.Errorf("delete team: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete team %s: %w", id, err)
	}
	return nil
}

const (
	sqlEventExists       = `SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)`
	sqlDeleteProposedAIs = `DELETE FROM teams WHERE event_id = $1 AND source = 'ai' AND approval = 'proposed'`
)

// ReplaceAITeams swaps an event's still-proposed AI teams for a new suggestion's teams (inside
// the consumer's transaction). Approved, rejected and manual teams stay. Teams of an event this
// service does not know are ignored.
func ReplaceAITeams(ctx context.Context, tx pgx.Tx, eventID uuid.UUID, teams []domain.Team) error {
	var ok bool
	if err := tx.QueryRow(ctx, sqlEventExists, eventID).Scan(&ok); err != nil {
		return fmt.Errorf("check event %s: %w", eventID, err)
	}
	if !ok {
		return nil
	}
	if _, err := tx.Exec(ctx, sqlDeleteProposedAIs, eventID); err != nil {
		return fmt.Errorf("drop proposed AI teams of %s: %w", eventID, err)
	}
	for _, t := range teams {
		if err := insertTeam(ctx, tx, t); err != nil {
			return err
		}
	}
	return nil
}

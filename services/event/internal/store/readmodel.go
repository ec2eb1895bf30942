package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/services/event/internal/domain"
)

const sqlIsMember = `SELECT EXISTS (SELECT 1 FROM memberships m JOIN companies c ON c.id = m.company_id
	WHERE m.user_id = $1 AND m.company_id = $2)`

// IsMember reports whether the user belongs to a company this service knows.
func (s *Store) IsMember(ctx context.Context, userID, companyID uuid.UUID) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, sqlIsMember, userID, companyID).Scan(&ok); err != nil {
		return false, fmt.Errorf("check membership of %s in %s: %w", userID, companyID, err)
	}
	return ok, nil
}

const sqlCompanyExists = `SELECT EXISTS (SELECT 1 FROM companies WHERE id = $1)`

// CompanyExists reports whether the company is in the read model.
func (s *Store) CompanyExists(ctx context.Context, id uuid.UUID) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, sqlCompanyExists, id).Scan(&ok); err != nil {
		return false, fmt.Errorf("check company %s: %w", id, err)
	}
	return ok, nil
}

const sqlUsers = `SELECT id, role, is_active FROM users WHERE id = ANY($1)`

// Users answers what the read model knows about the listed users.
func (s *Store) Users(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.UserInfo, error) {
	out := make(map[uuid.UUID]domain.UserInfo, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, sqlUsers, ids)
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var u domain.UserInfo
		if err := rows.Scan(&id, &u.Role, &u.IsActive); err != nil {
			return nil, fmt.Errorf("load users: %w", err)
		}
		out[id] = u
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	return out, nil
}

const sqlMembersAmong = `SELECT user_id FROM memberships WHERE company_id = $1 AND user_id = ANY($2)`

// MembersAmong answers which of the listed users belong to the company.
func (s *Store) MembersAmong(ctx context.Context, companyID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	out := make(map[uuid.UUID]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, sqlMembersAmong, companyID, ids)
	if err != nil {
		return nil, fmt.Errorf("load members of %s: %w", companyID, err)
	}
	ids, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("load members of %s: %w", companyID, err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Read-model writers, called by the consumer inside its inbox transaction.

const (
	sqlUpsertUser = `INSERT INTO users (id, role, is_active, version) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET role = excluded.role, is_active = excluded.is_active, version = excluded.version
		WHERE users.version <= excluded.version RETURNING id`
	sqlDeleteUserMemberships = `DELETE FROM memberships WHERE user_id = $1`
	// company.created's creator membership waits for identity to confirm it (ApplyUser).
	sqlInsertPendingMembership = `INSERT INTO memberships (user_id, company_id, pending) VALUES ($1, $2, true) ON CONFLICT DO NOTHING`
	// Confirmed memberships a snapshot no longer lists go; pending ones stay until one lists them.
	sqlDropUnlistedMemberships = `DELETE FROM memberships WHERE user_id = $1 AND NOT pending AND NOT (company_id = ANY($2))`
	sqlConfirmMembership       = `INSERT INTO memberships (user_id, company_id, pending) VALUES ($1, $2, false)
		ON CONFLICT (user_id, company_id) DO UPDATE SET pending = false`
	// A deleted user stays as an inactive tombstone with the highest version, so that the
	// caller check knows them and a late snapshot cannot bring them back.
	sqlDeleteUser = `INSERT INTO users (id, role, is_active, version) VALUES ($1, '', false, 9223372036854775807)
		ON CONFLICT (id) DO UPDATE SET role = '', is_active = false, version = 9223372036854775807`
)

// UserSnapshot is what the event service keeps of a user.created/user.updated.
type UserSnapshot struct {
	ID         uuid.UUID
	Role       string
	IsActive   bool
	CompanyIDs []uuid.UUID
	Version    int64
}

// ApplyUser upserts a user and replaces their memberships per the membership rule (none when
// inactive), except a creator's pending membership of a company the snapshot does not list yet
// (identity produced it before it learned of the company). A snapshot older than the stored one
// changes nothing.
func ApplyUser(ctx context.Context, tx pgx.Tx, u UserSnapshot) error {
	var id uuid.UUID
	err := tx.QueryRow(ctx, sqlUpsertUser, u.ID, u.Role, u.IsActive, u.Version).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
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

// DeleteUser removes a user's memberships and leaves a tombstone.
func DeleteUser(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, sqlDeleteUserMemberships, id); err != nil {
		return fmt.Errorf("delete memberships of %s: %w", id, err)
	}
	if _, err := tx.Exec(ctx, sqlDeleteUser, id); err != nil {
		return fmt.Errorf("delete user %s: %w", id, err)
	}
	return nil
}

const sqlUpsertCompany = `INSERT INTO companies (id, name, created_by) VALUES ($1, $2, $3)
	ON CONFLICT (id) DO UPDATE SET name = excluded.name`

// ApplyCompany records a created or updated company; on creation its creator becomes a member.
func ApplyCompany(ctx context.Context, tx pgx.Tx, id uuid.UUID, name string, createdBy uuid.UUID, created bool) error {
	if _, err := tx.Exec(ctx, sqlUpsertCompany, id, name, createdBy); err != nil {
		return fmt.Errorf("upsert company %s: %w", id, err)
	}
	if created && createdBy != uuid.Nil {
		if _, err := tx.Exec(ctx, sqlInsertPendingMembership, createdBy, id); err != nil {
			return fmt.Errorf("add creator membership of %s: %w", id, err)
		}
	}
	return nil
}

const (
	sqlDeleteCompanyMemberships = `DELETE FROM memberships WHERE company_id = $1`
	sqlDeleteCompany            = `DELETE FROM companies WHERE id = $1`
	sqlDeleteCompanyEvents      = `DELETE FROM events WHERE company_id = $1 RETURNING id`
)

// DeleteCompany forgets a company and its memberships, and deletes its events (announcing each
// as event.deleted through the outbox, in the same transaction).
func DeleteCompany(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, sqlDeleteCompanyMemberships, id); err != nil {
		return fmt.Errorf("delete memberships of company %s: %w", id, err)
	}
	if _, err := tx.Exec(ctx, sqlDeleteCompany, id); err != nil {
		return fmt.Errorf("delete company %s: %w", id, err)
	}
	rows, err := tx.Query(ctx, sqlDeleteCompanyEvents, id)
	if err != nil {
		return fmt.Errorf("delete events of company %s: %w", id, err)
	}
	events, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return fmt.Errorf("delete events of company %s: %w", id, err)
	}
	for _, eid := range events {
		if err := publish(ctx, tx, TypeDeleted, eid, DeletedData{ID: eid, CompanyID: id}); err != nil {
			return err
		}
	}
	return nil
}

const (
	sqlUpsertTask = `INSERT INTO tasks (id, event_id, approval, status, version) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET event_id = excluded.event_id, approval = excluded.approval,
			status = excluded.status, version = excluded.version
		WHERE tasks.version <= excluded.version`
	sqlDeleteTask = `DELETE FROM tasks WHERE id = $1`
)

// ApplyTask records a task's state for the counts; an older snapshot changes nothing.
func ApplyTask(ctx context.Context, tx pgx.Tx, id, eventID uuid.UUID, approval, status string, version int64) error {
	if _, err := tx.Exec(ctx, sqlUpsertTask, id, eventID, approval, status, version); err != nil {
		return fmt.Errorf("upsert task %s: %w", id, err)
	}
	return nil
}

// DeleteTask forgets a task.
func DeleteTask(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, sqlDeleteTask, id); err != nil {
		return fmt.Errorf("delete task %s: %w", id, err)
	}
	return nil
}

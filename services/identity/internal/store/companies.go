package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/services/identity/internal/domain"
)

// Company is identity's read model of a company: enough to validate company_ids.
type Company struct {
	ID        uuid.UUID  `json:"id"`
	Name      string     `json:"name"`
	CreatedBy *uuid.UUID `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

const (
	upsertCompanySQL = `INSERT INTO companies (id, name, created_by, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name`
	addCreatorSQL = `UPDATE users SET company_ids = array_append(company_ids, $1), version = version + 1, updated_at = $3
		WHERE id = $2 AND deleted_at IS NULL AND NOT ($1 = ANY(company_ids)) RETURNING ` + userCols
	deleteCompanySQL = `DELETE FROM companies WHERE id = $1`
	removeCompanySQL = `UPDATE users SET company_ids = array_remove(company_ids, $1), version = version + 1, updated_at = $2
		WHERE $1 = ANY(company_ids) RETURNING ` + userCols
)

// ApplyCompanyUpsert records a created or updated company inside the consumer's tx. For a
// created one (addCreator), the creator gains the company in company_ids and user.updated is
// published, so identity's snapshot and the memberships of other services converge.
func (s *Store) ApplyCompanyUpsert(ctx context.Context, tx pgx.Tx, c Company, addCreator bool) error {
	if _, err := tx.Exec(ctx, upsertCompanySQL, c.ID, c.Name, c.CreatedBy, c.CreatedAt); err != nil {
		return fmt.Errorf("upsert company %s: %w", c.ID, err)
	}
	if !addCreator || c.CreatedBy == nil {
		return nil
	}
	return s.republish(ctx, tx, addCreatorSQL, c.ID, *c.CreatedBy, s.ts())
}

// ApplyCompanyDeleted forgets a company and removes it from every user's company_ids, publishing
// user.updated for each changed user.
func (s *Store) ApplyCompanyDeleted(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, deleteCompanySQL, id); err != nil {
		return fmt.Errorf("delete company %s: %w", id, err)
	}
	return s.republish(ctx, tx, removeCompanySQL, id, s.ts())
}

func (s *Store) republish(ctx context.Context, tx pgx.Tx, sql string, args ...any) error {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("update memberships: %w", err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.User, error) { return scanUser(r) })
	if err != nil {
		return fmt.Errorf("update memberships: %w", err)
	}
	for _, u := range users {
		if err := publish(ctx, tx, domain.EventUserUpdated, u); err != nil {
			return err
		}
	}
	return nil
}

// HasCompany reports whether the read model knows the company (tests and diagnostics).
func (s *Store) HasCompany(ctx context.Context, id uuid.UUID) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM companies WHERE id = $1)`, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look up company %s: %w", id, err)
	}
	return ok, nil
}

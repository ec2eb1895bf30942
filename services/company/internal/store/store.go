// Package store keeps companies, memberships and the user read model in Postgres. Every change
// and the event announcing it commit in one transaction (the outbox row).
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/company/internal/domain"
)

// Topic is the company service's own topic.
const Topic = "company.companies.v1"

// Event types published on Topic.
const (
	TypeCreated = "company.created"
	TypeUpdated = "company.updated"
	TypeDeleted = "company.deleted"
)

const source = "company"

// CompanyData is the data of company.created and company.updated (CONVENTIONS.md), plus
// updated_at and version which consumers may ignore.
type CompanyData struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	CreatedBy uuid.UUID `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// DeletedData is the data of company.deleted.
type DeletedData struct {
	ID uuid.UUID `json:"id"`
}

// Store is the Postgres repository of the company service.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store on pool (whose search_path is the company schema).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const companyCols = `id, name, created_by, created_at, updated_at, version`

func scanCompany(row pgx.Row) (domain.Company, error) {
	var c domain.Company
	err := row.Scan(&c.ID, &c.Name, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &c.Version)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

func companyData(c domain.Company) CompanyData {
	return CompanyData{ID: c.ID, Name: c.Name, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
}

func publish(ctx context.Context, tx pgx.Tx, typ string, id uuid.UUID, data any) error {
	env, err := envelope.New(source, typ, id.String(), data)
	if err != nil {
		return fmt.Errorf("build %s envelope: %w", typ, err)
	}
	if err := outbox.Add(ctx, tx, Topic, id.String(), env); err != nil {
		return fmt.Errorf("add %s to outbox: %w", typ, err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

const (
	sqlInsertCompany = `INSERT INTO companies (` + companyCols + `) VALUES ($1, $2, $3, $4, $5, $6)`
	sqlInsertMember  = `INSERT INTO memberships (user_id, company_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	// The creator's membership waits for identity to confirm it (ApplyUser).
	sqlInsertPendingMember = `INSERT INTO memberships (user_id, company_id, pending) VALUES ($1, $2, true) ON CONFLICT DO NOTHING`
)

// Create stores c, makes its creator a member and queues company.created, all in one transaction.
func (s *Store) Create(ctx context.Context, c domain.Company) error {
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlInsertCompany, c.ID, c.Name, c.CreatedBy, c.CreatedAt, c.UpdatedAt, c.Version); err != nil {
			if isUniqueViolation(err) {
				return domain.ErrNameTaken
			}
			return fmt.Errorf("insert company: %w", err)
		}
		if _, err := tx.Exec(ctx, sqlInsertPendingMember, c.CreatedBy, c.ID); err != nil {
			return fmt.Errorf("insert creator membership: %w", err)
		}
		return publish(ctx, tx, TypeCreated, c.ID, companyData(c))
	})
	if err != nil {
		return fmt.Errorf("create company %s: %w", c.ID, err)
	}
	return nil
}

const sqlGetCompany = `SELECT ` + companyCols + ` FROM companies WHERE id = $1`

// Get loads one company.
func (s *Store) Get(ctx context.Context, id uuid.UUID) (domain.Company, error) {
	c, err := scanCompany(s.pool.QueryRow(ctx, sqlGetCompany, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, domain.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("load company %s: %w", id, err)
	}
	return c, nil
}

const sqlIsMember = `SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND company_id = $2)`

// IsMember reports whether user belongs to company according to the membership rule.
func (s *Store) IsMember(ctx context.Context, userID, companyID uuid.UUID) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, sqlIsMember, userID, companyID).Scan(&ok); err != nil {
		return false, fmt.Errorf("check membership of %s in %s: %w", userID, companyID, err)
	}
	return ok, nil
}

// ListFilter selects a page of companies.
type ListFilter struct {
	// MemberID, when set, restricts the list to companies the user belongs to.
	MemberID *uuid.UUID
	// Query matches a part of the name without regard to case.
	Query  string
	Limit  int
	Cursor string
}

// List answers one page of companies ordered by creation, and the cursor of the next page
// ("" at the end).
func (s *Store) List(ctx context.Context, f ListFilter) ([]domain.Company, string, error) {
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	sql := `SELECT ` + companyCols + ` FROM companies c WHERE true`
	args := []any{}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.MemberID != nil {
		sql += ` AND EXISTS (SELECT 1 FROM memberships m WHERE m.company_id = c.id AND m.user_id = ` + arg(*f.MemberID) + `)`
	}
	if f.Query != "" {
		sql += ` AND c.name ILIKE ` + arg(likePattern(f.Query))
	}
	if after != nil {
		sql += ` AND (c.created_at, c.id) > (` + arg(after.At) + `, ` + arg(after.ID) + `)`
	}
	sql += ` ORDER BY c.created_at, c.id LIMIT ` + arg(f.Limit+1)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list companies: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Company, error) { return scanCompany(r) })
	if err != nil {
		return nil, "", fmt.Errorf("list companies: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = encodeCursor(keyset{At: last.CreatedAt, ID: last.ID})
	}
	return out, next, nil
}

const (
	sqlLockCompany   = `SELECT ` + companyCols + ` FROM companies WHERE id = $1 FOR UPDATE`
	sqlUpdateCompany = `UPDATE companies SET name = $2, updated_at = $3, version = $4 WHERE id = $1`
)

// Update applies fn to the company inside one transaction when version matches the stored one,
// bumps the version and queues company.updated. fn may return a validation error.
func (s *Store) Update(ctx context.Context, id uuid.UUID, version int64, now time.Time, fn func(*domain.Company) error) (domain.Company, error) {
	var out domain.Company
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := scanCompany(tx.QueryRow(ctx, sqlLockCompany, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock company: %w", err)
		}
		if c.Version != version {
			return domain.ErrStale
		}
		if err := fn(&c); err != nil {
			return err
		}
		c.Version++
		c.UpdatedAt = now
		if _, err := tx.Exec(ctx, sqlUpdateCompany, c.ID, c.Name, c.UpdatedAt, c.Version); err != nil {
			if isUniqueViolation(err) {
				return domain.ErrNameTaken
			}
			return fmt.Errorf("update company: %w", err)
		}
		out = c
		return publish(ctx, tx, TypeUpdated, c.ID, companyData(c))
	})
	if err != nil {
		return out, fmt.Errorf("update company %s: %w", id, err)
	}
	return out, nil
}

const (
	sqlDeleteCompany     = `DELETE FROM companies WHERE id = $1`
	sqlDeleteMemberships = `DELETE FROM memberships WHERE company_id = $1`
)

// Delete removes the company and its memberships and queues company.deleted. When version is
// given it must match the stored one.
func (s *Store) Delete(ctx context.Context, id uuid.UUID, version *int64) error {
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := scanCompany(tx.QueryRow(ctx, sqlLockCompany, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock company: %w", err)
		}
		if version != nil && *version != c.Version {
			return domain.ErrStale
		}
		if _, err := tx.Exec(ctx, sqlDeleteMemberships, id); err != nil {
			return fmt.Errorf("delete memberships: %w", err)
		}
		if _, err := tx.Exec(ctx, sqlDeleteCompany, id); err != nil {
			return fmt.Errorf("delete company: %w", err)
		}
		return publish(ctx, tx, TypeDeleted, id, DeletedData{ID: id})
	})
	if err != nil {
		return fmt.Errorf("delete company %s: %w", id, err)
	}
	return nil
}

// Members answers one page of a company's members (ordered by user id) with what the read
// model knows of each, and the cursor of the next page.
func (s *Store) Members(ctx context.Context, companyID uuid.UUID, limit int, cursor string) ([]domain.Member, string, error) {
	var after uuid.UUID
	if cursor != "" {
		k, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		after = k.ID
	}
	const sql = `SELECT m.user_id, coalesce(u.username, ''), coalesce(u.full_name, ''), coalesce(u.role, ''),
		coalesce(u.skills, '[]'::jsonb), coalesce(u.is_active, true)
		FROM memberships m LEFT JOIN users u ON u.id = m.user_id
		WHERE m.company_id = $1 AND m.user_id > $2 ORDER BY m.user_id LIMIT $3`
	rows, err := s.pool.Query(ctx, sql, companyID, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list members of %s: %w", companyID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Member, error) {
		var m domain.Member
		var skills []byte
		if err := r.Scan(&m.UserID, &m.Username, &m.FullName, &m.Role, &skills, &m.IsActive); err != nil {
			return m, err
		}
		if err := json.Unmarshal(skills, &m.Skills); err != nil {
			return m, fmt.Errorf("decode skills of %s: %w", m.UserID, err)
		}
		if m.Skills == nil {
			m.Skills = []domain.Skill{}
		}
		return m, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list members of %s: %w", companyID, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(keyset{At: time.Unix(0, 0), ID: out[len(out)-1].UserID})
	}
	return out, next, nil
}

const (
	sqlUpsertUser = `INSERT INTO users (id, username, full_name, role, skills, is_active, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET username = excluded.username, full_name = excluded.full_name,
			role = excluded.role, skills = excluded.skills, is_active = excluded.is_active, version = excluded.version
		WHERE users.version <= excluded.version
		RETURNING id`
	sqlDeleteUserMemberships = `DELETE FROM memberships WHERE user_id = $1`
	// Confirmed memberships the snapshot no longer lists go; pending ones (a company created
	// after identity produced the snapshot) stay until a snapshot lists them.
	sqlDropUnlistedMemberships = `DELETE FROM memberships WHERE user_id = $1 AND NOT pending AND NOT (company_id = ANY($2))`
	sqlConfirmMember           = `INSERT INTO memberships (user_id, company_id, pending) VALUES ($1, $2, false)
		ON CONFLICT (user_id, company_id) DO UPDATE SET pending = false`
	// A deleted user stays as an inactive tombstone with the highest version, so that the
	// caller check knows them and a late snapshot cannot bring them back.
	sqlDeleteUser = `INSERT INTO users (id, role, is_active, version) VALUES ($1, '', false, 9223372036854775807)
		ON CONFLICT (id) DO UPDATE SET role = '', is_active = false, version = 9223372036854775807`
	sqlUserStatus = `SELECT role, is_active FROM users WHERE id = $1`
)

// UserStatus answers what the read model knows of a user: role and whether active; ErrNotFound
// when identity has not announced them (yet).
func (s *Store) UserStatus(ctx context.Context, id uuid.UUID) (role string, active bool, err error) {
	err = s.pool.QueryRow(ctx, sqlUserStatus, id).Scan(&role, &active)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, domain.ErrNotFound
	}
	if err != nil {
		return "", false, fmt.Errorf("load user %s: %w", id, err)
	}
	return role, active, nil
}

// ApplyUser upserts a user snapshot into the read model inside the consumer's transaction and
// replaces the user's memberships per the membership rule, except a creator's pending
// membership of a company the snapshot does not list yet (identity produced it before it learned
// of the company; dropping it would lock the creator out of a company they just made). An older
// snapshot than the stored one changes nothing.
func ApplyUser(ctx context.Context, tx pgx.Tx, u domain.User) error {
	skills, err := json.Marshal(u.Skills)
	if err != nil {
		return fmt.Errorf("encode skills of %s: %w", u.ID, err)
	}
	if u.Skills == nil {
		skills = []byte("[]")
	}
	var id uuid.UUID
	err = tx.QueryRow(ctx, sqlUpsertUser, u.ID, u.Username, u.FullName, u.Role, skills, u.IsActive, u.Version).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // stale snapshot
	}
	if err != nil {
		return fmt.Errorf("upsert user %s: %w", u.ID, err)
	}
	companies := domain.MembershipsFor(u)
	if !u.IsActive {
		// An inactive user belongs nowhere, pending memberships included.
		if _, err := tx.Exec(ctx, sqlDeleteUserMemberships, u.ID); err != nil {
			return fmt.Errorf("clear memberships of %s: %w", u.ID, err)
		}
		return nil
	}
	if _, err := tx.Exec(ctx, sqlDropUnlistedMemberships, u.ID, companies); err != nil {
		return fmt.Errorf("drop memberships of %s: %w", u.ID, err)
	}
	for _, cid := range companies {
		if _, err := tx.Exec(ctx, sqlConfirmMember, u.ID, cid); err != nil {
			return fmt.Errorf("add membership of %s in %s: %w", u.ID, cid, err)
		}
	}
	return nil
}

// DeleteUser removes a user's memberships and leaves a tombstone, inside the consumer's
// transaction.
func DeleteUser(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, sqlDeleteUserMemberships, id); err != nil {
		return fmt.Errorf("delete memberships of %s: %w", id, err)
	}
	if _, err := tx.Exec(ctx, sqlDeleteUser, id); err != nil {
		return fmt.Errorf("delete user %s: %w", id, err)
	}
	return nil
}

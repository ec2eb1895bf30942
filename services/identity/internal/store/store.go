// Package store keeps identity's state in PostgreSQL (schema identity). Every change that other
// services must hear about writes its outbox row in the same transaction.
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

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/identity/internal/domain"
)

// Source is the envelope source of identity's events.
const Source = "identity"

// Store is identity's Postgres repository.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// New returns a Store on pool (whose search_path is the identity schema).
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, now: time.Now}
}

// Pool exposes the pool for readiness checks and the outbox relay.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

func (s *Store) ts() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

const userCols = `id, username, email, full_name, role, password_hash, company_ids, skills, availability,
	max_hours_per_day, is_active, version, created_at, updated_at, deleted_at`

func scanUser(row pgx.Row) (domain.User, error) {
	var (
		u            domain.User
		skills, slot []byte
	)
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.FullName, &u.Role, &u.PasswordHash, &u.CompanyIDs,
		&skills, &slot, &u.MaxHoursPerDay, &u.IsActive, &u.Version, &u.CreatedAt, &u.UpdatedAt, &u.DeletedAt)
	if err != nil {
		return domain.User{}, err
	}
	if err := json.Unmarshal(skills, &u.Skills); err != nil {
		return domain.User{}, fmt.Errorf("decode skills of %s: %w", u.ID, err)
	}
	if err := json.Unmarshal(slot, &u.Availability); err != nil {
		return domain.User{}, fmt.Errorf("decode availability of %s: %w", u.ID, err)
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

func jsonOf(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	return b, nil
}

func emptyIfNil(u *domain.User) {
	if u.CompanyIDs == nil {
		u.CompanyIDs = []uuid.UUID{}
	}
	if u.Skills == nil {
		u.Skills = []domain.Skill{}
	}
	if u.Availability == nil {
		u.Availability = []domain.Slot{}
	}
}

// publish writes the user event for u to the outbox inside tx.
func publish(ctx context.Context, tx pgx.Tx, typ string, u domain.User) error {
	var data any = u.Snapshot()
	if typ == domain.EventUserDeleted {
		data = map[string]uuid.UUID{"id": u.ID}
	}
	env, err := envelope.New(Source, typ, u.ID.String(), data)
	if err != nil {
		return fmt.Errorf("envelope %s %s: %w", typ, u.ID, err)
	}
	if err := outbox.Add(ctx, tx, domain.TopicUsers, u.ID.String(), env); err != nil {
		return fmt.Errorf("outbox %s %s: %w", typ, u.ID, err)
	}
	return nil
}

// conflictField maps a unique index to the API field it protects.
func conflictField(err error) error {
	if c, ok := pg.IsUniqueViolation(err); ok {
		switch c {
		case "users_username_key":
			return &domain.ConflictError{Field: "username"}
		case "users_email_key":
			return &domain.ConflictError{Field: "email"}
		}
		return fmt.Errorf("%w: %s", domain.ErrConflict, c)
	}
	return err
}

const unknownCompaniesSQL = `SELECT c FROM unnest($1::uuid[]) AS c WHERE NOT EXISTS (SELECT 1 FROM companies WHERE id = c)`

func checkCompanies(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, unknownCompaniesSQL, ids)
	if err != nil {
		return fmt.Errorf("check companies: %w", err)
	}
	missing, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return fmt.Errorf("check companies: %w", err)
	}
	if len(missing) > 0 {
		return &domain.UnknownCompaniesError{IDs: missing}
	}
	return nil
}

const insertUserSQL = `INSERT INTO users (id, username, email, full_name, role, password_hash, company_ids, skills,
	availability, max_hours_per_day, is_active, version, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12)`

func (s *Store) insertUser(ctx context.Context, tx pgx.Tx, u *domain.User) error {
	if err := checkCompanies(ctx, tx, u.CompanyIDs); err != nil {
		return err
	}
	if u.ID == uuid.Nil {
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("new user id: %w", err)
		}
		u.ID = id
	}
	emptyIfNil(u)
	u.Version = 1
	u.CreatedAt = s.ts()
	u.UpdatedAt = u.CreatedAt
	skills, err := jsonOf(u.Skills)
	if err != nil {
		return err
	}
	slots, err := jsonOf(u.Availability)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, insertUserSQL, u.ID, u.Username, u.Email, u.FullName, u.Role, u.PasswordHash,
		u.CompanyIDs, skills, slots, u.MaxHoursPerDay, u.IsActive, u.CreatedAt)
	if err != nil {
		return conflictField(fmt.Errorf("insert user %s: %w", u.Username, err))
	}
	return publish(ctx, tx, domain.EventUserCreated, *u)
}

// CreateUser inserts u (ID assigned when nil) and its user.created event. A taken username or
// email gives *domain.ConflictError; unknown company ids *domain.UnknownCompaniesError.
func (s *Store) CreateUser(ctx context.Context, u domain.User) (domain.User, error) {
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error { return s.insertUser(ctx, tx, &u) })
	if err != nil {
		return domain.User{}, err
	}
	return u, nil
}

const getUserSQL = `SELECT ` + userCols + ` FROM users WHERE id = $1 AND deleted_at IS NULL`

// GetUser returns a live (not deleted) user or domain.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id uuid.UUID) (domain.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, getUserSQL, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.User{}, fmt.Errorf("user %s: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return domain.User{}, fmt.Errorf("load user %s: %w", id, err)
	}
	return u, nil
}

// Usernames cannot contain '@' and emails must, so one lookup serves both.
const getByLoginSQL = `SELECT ` + userCols + ` FROM users
	WHERE (lower(username) = lower($1) OR lower(email) = lower($1)) AND deleted_at IS NULL`

// GetByLogin finds a live user by username or email, without regard to case.
func (s *Store) GetByLogin(ctx context.Context, login string) (domain.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, getByLoginSQL, login))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.User{}, fmt.Errorf("user %q: %w", login, domain.ErrNotFound)
	}
	if err != nil {
		return domain.User{}, fmt.Errorf("load user %q: %w", login, err)
	}
	return u, nil
}

const (
	lockUserSQL   = `SELECT ` + userCols + ` FROM users WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`
	updateUserSQL = `UPDATE users SET username = $2, email = $3, full_name = $4, role = $5, password_hash = $6,
		company_ids = $7, skills = $8, availability = $9, max_hours_per_day = $10, is_active = $11,
		version = version + 1, updated_at = $12 WHERE id = $1 RETURNING version`
	revokeUserTokensSQL = `UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`
)

// UpdateUser loads the user under a row lock, lets fn change it, stores it with version+1 and
// publishes user.updated, all in one transaction. Deactivation or a new password revokes the
// user's refresh tokens.
func (s *Store) UpdateUser(ctx context.Context, id uuid.UUID, fn func(*domain.User) error) (domain.User, error) {
	var out domain.User
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, lockUserSQL, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("user %s: %w", id, domain.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("lock user %s: %w", id, err)
		}
		oldHash := u.PasswordHash
		if err := fn(&u); err != nil {
			return err
		}
		if err := checkCompanies(ctx, tx, u.CompanyIDs); err != nil {
			return err
		}
		emptyIfNil(&u)
		skills, err := jsonOf(u.Skills)
		if err != nil {
			return err
		}
		slots, err := jsonOf(u.Availability)
		if err != nil {
			return err
		}
		u.UpdatedAt = s.ts()
		err = tx.QueryRow(ctx, updateUserSQL, u.ID, u.Username, u.Email, u.FullName, u.Role, u.PasswordHash,
			u.CompanyIDs, skills, slots, u.MaxHoursPerDay, u.IsActive, u.UpdatedAt).Scan(&u.Version)
		if err != nil {
			return conflictField(fmt.Errorf("update user %s: %w", id, err))
		}
		// A deactivated account or a changed password ends every session.
		if !u.IsActive || u.PasswordHash != oldHash {
			if _, err := tx.Exec(ctx, revokeUserTokensSQL, u.ID, u.UpdatedAt); err != nil {
				return fmt.Errorf("revoke tokens of %s: %w", id, err)
			}
		}
		out = u
		return publish(ctx, tx, domain.EventUserUpdated, u)
	})
	return out, err
}

const deleteUserSQL = `UPDATE users SET deleted_at = $2, is_active = false, version = version + 1, updated_at = $2
	WHERE id = $1 AND deleted_at IS NULL RETURNING ` + userCols

// DeleteUser soft-deletes a user (the row stays, its username and email stay reserved), revokes
// its refresh tokens and publishes user.deleted. With a version (If-Match), a user changed
// meanwhile is not deleted: ErrStaleVersion.
func (s *Store) DeleteUser(ctx context.Context, id uuid.UUID, version *int64) error {
	return pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if version != nil {
			cur, err := scanUser(tx.QueryRow(ctx, lockUserSQL, id))
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("user %s: %w", id, domain.ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("lock user %s: %w", id, err)
			}
			if cur.Version != *version {
				return fmt.Errorf("delete user %s: %w: have %d, got %d", id, domain.ErrStaleVersion, cur.Version, *version)
			}
		}
		now := s.ts()
		u, err := scanUser(tx.QueryRow(ctx, deleteUserSQL, id, now))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("user %s: %w", id, domain.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("delete user %s: %w", id, err)
		}
		if _, err := tx.Exec(ctx, revokeUserTokensSQL, id, now); err != nil {
			return fmt.Errorf("revoke tokens of %s: %w", id, err)
		}
		return publish(ctx, tx, domain.EventUserDeleted, u)
	})
}

// Filter selects users for the admin list.
type Filter struct {
	Role      string
	CompanyID *uuid.UUID
	Q         string
	Limit     int
	After     *uuid.UUID // keyset cursor: ids are UUIDv7, so id order is creation order
}

const listUsersSQL = `SELECT ` + userCols + ` FROM users
	WHERE deleted_at IS NULL
	  AND ($1 = '' OR role = $1)
	  AND ($2::uuid IS NULL OR $2::uuid = ANY(company_ids))
	  AND ($3 = '' OR username ILIKE $3 ESCAPE '\' OR email ILIKE $3 ESCAPE '\' OR full_name ILIKE $3 ESCAPE '\')
	  AND ($4::uuid IS NULL OR id > $4::uuid)
	ORDER BY id
	LIMIT $5`

// ListUsers returns up to f.Limit live users after f.After, and whether more follow.
func (s *Store) ListUsers(ctx context.Context, f Filter) ([]domain.User, bool, error) {
	q := ""
	if f.Q != "" {
		q = "%" + likeEscape(f.Q) + "%"
	}
	rows, err := s.pool.Query(ctx, listUsersSQL, f.Role, f.CompanyID, q, f.After, f.Limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list users: %w", err)
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.User, error) { return scanUser(r) })
	if err != nil {
		return nil, false, fmt.Errorf("list users: %w", err)
	}
	more := len(users) > f.Limit
	if more {
		users = users[:f.Limit]
	}
	return users, more, nil
}

func likeEscape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\\' || r == '%' || r == '_' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// bootstrapLock serialises admin bootstrap across replicas starting at once.
const bootstrapLock = `SELECT pg_advisory_xact_lock(hashtextextended('eventai-identity-bootstrap', 0))`

const activeAdminSQL = `SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND is_active AND deleted_at IS NULL)`

// EnsureAdmin creates u (an admin) unless an active admin exists; it reports whether it created.
func (s *Store) EnsureAdmin(ctx context.Context, u domain.User) (bool, error) {
	created := false
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, bootstrapLock); err != nil {
			return fmt.Errorf("bootstrap lock: %w", err)
		}
		var exists bool
		if err := tx.QueryRow(ctx, activeAdminSQL).Scan(&exists); err != nil {
			return fmt.Errorf("look for admin: %w", err)
		}
		if exists {
			return nil
		}
		created = true
		return s.insertUser(ctx, tx, &u)
	})
	return created, err
}

// MigrationsApplied checks that goose recorded at least the first migration (for /readyz).
func (s *Store) MigrationsApplied(ctx context.Context) error {
	var v int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		return fmt.Errorf("read migration version: %w", err)
	}
	if v < 1 {
		return errors.New("migrations not applied")
	}
	return nil
}

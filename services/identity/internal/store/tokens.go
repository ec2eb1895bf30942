package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/identity/internal/domain"
)

// ErrTokenReused is returned when a revoked refresh token is presented again; its whole family
// has been revoked by then.
var ErrTokenReused = fmt.Errorf("%w: refresh token reused", domain.ErrInvalidToken)

const insertRefreshSQL = `INSERT INTO refresh_tokens (jti_hash, family_id, user_id, expires_at, created_at)
	VALUES ($1, $2, $3, $4, $5)`

// AddRefresh records a new refresh token (by the hash of its jti) in family.
func (s *Store) AddRefresh(ctx context.Context, jtiHash []byte, family, userID uuid.UUID, exp time.Time) error {
	if _, err := s.pool.Exec(ctx, insertRefreshSQL, jtiHash, family, userID, exp, s.ts()); err != nil {
		return fmt.Errorf("store refresh token of %s: %w", userID, err)
	}
	return nil
}

const (
	lockRefreshSQL = `SELECT family_id, user_id, expires_at, revoked_at FROM refresh_tokens
		WHERE jti_hash = $1 FOR UPDATE`
	revokeFamilySQL = `UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL`
	revokeOneSQL    = `UPDATE refresh_tokens SET revoked_at = $2 WHERE jti_hash = $1`
)

// Minted is a new refresh token's hash and expiry, produced by RotateRefresh's callback.
type Minted struct {
	JTIHash   []byte
	ExpiresAt time.Time
}

// RotateRefresh exchanges the refresh token with oldHash for one minted by mint (given the
// current user), in the same family. A revoked token revokes its whole family (reuse
// detection) and gives ErrTokenReused; an unknown or expired token, or a user who may no longer
// sign in, gives domain.ErrInvalidToken.
func (s *Store) RotateRefresh(ctx context.Context, oldHash []byte, mint func(domain.User) (Minted, error)) (domain.User, error) {
	var (
		out     domain.User
		outcome error // set when the transaction must commit yet the caller gets an error
	)
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			family, userID uuid.UUID
			exp            time.Time
			revoked        *time.Time
		)
		err := tx.QueryRow(ctx, lockRefreshSQL, oldHash).Scan(&family, &userID, &exp, &revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			outcome = fmt.Errorf("%w: unknown refresh token", domain.ErrInvalidToken)
			return nil
		}
		if err != nil {
			return fmt.Errorf("lock refresh token: %w", err)
		}
		now := s.ts()
		if revoked != nil {
			if _, err := tx.Exec(ctx, revokeFamilySQL, family, now); err != nil {
				return fmt.Errorf("revoke family %s: %w", family, err)
			}
			outcome = ErrTokenReused
			return nil
		}
		if !now.Before(exp) {
			outcome = fmt.Errorf("%w: refresh token expired", domain.ErrInvalidToken)
			return nil
		}
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, userID))
		if err != nil {
			return fmt.Errorf("load user %s: %w", userID, err)
		}
		if !u.CanSignIn() {
			if _, err := tx.Exec(ctx, revokeFamilySQL, family, now); err != nil {
				return fmt.Errorf("revoke family %s: %w", family, err)
			}
			outcome = fmt.Errorf("%w: user %s may not sign in", domain.ErrInvalidToken, userID)
			return nil
		}
		m, err := mint(u)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, revokeOneSQL, oldHash, now); err != nil {
			return fmt.Errorf("revoke refresh token: %w", err)
		}
		if _, err := tx.Exec(ctx, insertRefreshSQL, m.JTIHash, family, userID, m.ExpiresAt, now); err != nil {
			return fmt.Errorf("store rotated refresh token: %w", err)
		}
		out = u
		return nil
	})
	if err != nil {
		return domain.User{}, err
	}
	if outcome != nil {
		return domain.User{}, outcome
	}
	return out, nil
}

const revokeFamilyOfSQL = `UPDATE refresh_tokens SET revoked_at = $2
	WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE jti_hash = $1) AND revoked_at IS NULL`

// RevokeFamilyOf revokes every token of the family the token with jtiHash belongs to (logout).
// An unknown token is not an error: logout is idempotent.
func (s *Store) RevokeFamilyOf(ctx context.Context, jtiHash []byte) error {
	if _, err := s.pool.Exec(ctx, revokeFamilyOfSQL, jtiHash, s.ts()); err != nil {
		return fmt.Errorf("revoke refresh family: %w", err)
	}
	return nil
}

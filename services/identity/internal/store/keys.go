package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/pg"
)

// SigningKey is a stored private key in PKCS#8 DER form.
type SigningKey struct {
	KID string
	DER []byte
}

// Generation happens under an advisory lock so that replicas starting together agree on one key.
const (
	keysLockSQL   = `SELECT pg_advisory_xact_lock(hashtextextended('eventai-identity-signing-keys', 0))`
	currentKeySQL = `SELECT kid, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1`
	insertKeySQL  = `INSERT INTO signing_keys (kid, private_key, created_at) VALUES ($1, $2, $3)`
	activeKeysSQL = `SELECT kid, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at, kid`
)

// EnsureSigningKey returns the newest non-retired key, creating one with gen when none exists.
func (s *Store) EnsureSigningKey(ctx context.Context, gen func() (SigningKey, error)) (SigningKey, error) {
	var k SigningKey
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, keysLockSQL); err != nil {
			return fmt.Errorf("signing key lock: %w", err)
		}
		err := tx.QueryRow(ctx, currentKeySQL).Scan(&k.KID, &k.DER)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("load signing key: %w", err)
		}
		if k, err = gen(); err != nil {
			return fmt.Errorf("generate signing key: %w", err)
		}
		if _, err := tx.Exec(ctx, insertKeySQL, k.KID, k.DER, s.ts()); err != nil {
			return fmt.Errorf("store signing key: %w", err)
		}
		return nil
	})
	return k, err
}

// ActiveKeys returns every non-retired key; the JWKS publishes all of them so tokens signed
// before a rotation keep verifying.
func (s *Store) ActiveKeys(ctx context.Context) ([]SigningKey, error) {
	rows, err := s.pool.Query(ctx, activeKeysSQL)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SigningKey, error) {
		var k SigningKey
		return k, r.Scan(&k.KID, &k.DER)
	})
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return keys, nil
}

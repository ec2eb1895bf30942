package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/identity/internal/domain"
)

// Login throttling lives in Postgres so every replica sees the same counts.

const (
	throttleGetSQL  = `SELECT key, failures, last_failure, blocked_until FROM login_throttle WHERE key = ANY($1)`
	throttleSeedSQL = `INSERT INTO login_throttle (key, failures, last_failure, blocked_until)
		VALUES ($1, 0, $2, $2) ON CONFLICT (key) DO NOTHING`
	throttleLockSQL = `SELECT failures, last_failure, blocked_until FROM login_throttle WHERE key = $1 FOR UPDATE`
	throttleSetSQL  = `UPDATE login_throttle SET failures = $2, last_failure = $3, blocked_until = $4 WHERE key = $1`
	throttleDelSQL  = `DELETE FROM login_throttle WHERE key = $1`
)

// ThrottleWait returns the longest wait any of keys is under at now (0: none).
func (s *Store) ThrottleWait(ctx context.Context, p domain.ThrottlePolicy, keys []string, now time.Time) (time.Duration, error) {
	rows, err := s.pool.Query(ctx, throttleGetSQL, keys)
	if err != nil {
		return 0, fmt.Errorf("read throttle: %w", err)
	}
	defer rows.Close()
	var wait time.Duration
	for rows.Next() {
		var (
			k  string
			st domain.ThrottleState
		)
		if err := rows.Scan(&k, &st.Failures, &st.LastFailure, &st.BlockedUntil); err != nil {
			return 0, fmt.Errorf("read throttle: %w", err)
		}
		wait = max(wait, p.RetryAfter(st, now))
	}
	return wait, rows.Err()
}

// ThrottleFail records one failed login for each key (policy per key) at now.
func (s *Store) ThrottleFail(ctx context.Context, fails map[string]domain.ThrottlePolicy, now time.Time) error {
	return pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		for k, p := range fails {
			if _, err := tx.Exec(ctx, throttleSeedSQL, k, now); err != nil {
				return fmt.Errorf("seed throttle %s: %w", k, err)
			}
			var st domain.ThrottleState
			err := tx.QueryRow(ctx, throttleLockSQL, k).Scan(&st.Failures, &st.LastFailure, &st.BlockedUntil)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("lock throttle %s: %w", k, err)
			}
			if st.Failures == 0 {
				st = domain.ThrottleState{}
			}
			st = p.Fail(st, now)
			if _, err := tx.Exec(ctx, throttleSetSQL, k, st.Failures, st.LastFailure, st.BlockedUntil); err != nil {
				return fmt.Errorf("update throttle %s: %w", k, err)
			}
		}
		return nil
	})
}

// ThrottleReset forgets the failures of key (after a successful login).
func (s *Store) ThrottleReset(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, throttleDelSQL, key); err != nil {
		return fmt.Errorf("reset throttle %s: %w", key, err)
	}
	return nil
}

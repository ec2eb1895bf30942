// Package pg connects a service to PostgreSQL: a pool bound to the service's
// own schema, goose migrations under an advisory lock, and transactions.
package pg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc64"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Pool sizing: enough for a service's handlers, relay and consumer without
// exhausting a shared server's max_connections (100 by default) when six
// processes share it. A pool_max_conns in the URL wins.
const (
	defaultMaxConns = 10
	// connectWait bounds the ping retries when ctx has no deadline.
	connectWait = 30 * time.Second
)

// Connect opens a pool on url whose every connection has search_path set to
// schema, waits (retrying, until ctx's deadline or 30 s) for the server to
// answer, and creates the schema if it does not exist.
func Connect(ctx context.Context, url, schema string) (*pgxpool.Pool, error) {
	if schema == "" {
		return nil, errors.New("pg connect: empty schema")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error can echo the URL; do not wrap the raw URL into logs.
		return nil, fmt.Errorf("pg connect: parse database url: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	cfg.HealthCheckPeriod = 30 * time.Second

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pg connect: %w", err)
	}
	if err := pingRetry(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pg connect to %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	if err := createSchema(ctx, pool, schema); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func pingRetry(ctx context.Context, pool *pgxpool.Pool) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, connectWait)
		defer cancel()
	}
	wait := 100 * time.Millisecond
	for {
		err := pool.Ping(ctx)
		if err == nil {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("ping: %w (gave up: %v)", err, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, 2*time.Second)
	}
}

func createSchema(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	_, err := pool.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
	// Two processes racing on IF NOT EXISTS can still collide in the catalog.
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "42P06") {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}
	return nil
}

// Migrate applies the goose SQL migrations found at the root of fsys (files
// like 00001_init.sql), keeping the version table goose_db_version inside
// schema. A Postgres advisory lock keyed by the schema makes concurrent
// replicas apply each migration once.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string, fsys fs.FS) error {
	db := stdlib.OpenDB(*pool.Config().ConnConfig.Copy())
	defer db.Close()
	return migrateDB(ctx, db, schema, fsys)
}

func migrateDB(ctx context.Context, db *sql.DB, schema string, fsys fs.FS) error {
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(lockID(schema)),
		lock.WithLockTimeout(1, 300), // poll each second, give up after 5 min
	)
	if err != nil {
		return fmt.Errorf("migrate %s: locker: %w", schema, err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker),
		goose.WithTableName(schema+".goose_db_version"),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", schema, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", schema, err)
	}
	return nil
}

// lockID derives a per-schema advisory lock id so that services sharing one
// database do not wait on each other's migrations.
func lockID(schema string) int64 {
	return int64(crc64.Checksum([]byte("eventai-migrate:"+schema), crc64.MakeTable(crc64.ECMA)) >> 1)
}

// InTx runs fn in a transaction: committed when fn returns nil, rolled back
// when it returns an error or panics (the panic is re-raised).
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin tx: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit tx: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique_violation (23505) and,
// if so, the name of the violated constraint.
func IsUniqueViolation(err error) (constraint string, ok bool) {
	return pgCode(err, "23505")
}

// IsForeignKeyViolation reports whether err is a foreign_key_violation (23503)
// and, if so, the name of the violated constraint.
func IsForeignKeyViolation(err error) (constraint string, ok bool) {
	return pgCode(err, "23503")
}

func pgCode(err error, code string) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == code {
		return pgErr.ConstraintName, true
	}
	return "", false
}

package pg_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
)

func connect(t *testing.T, url, schema string) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pg.Connect(ctx, url, schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestConnectCreatesSchemaAndSetsSearchPath(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pool := connect(t, url, "task")
	ctx := context.Background()

	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'task'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("schema task exists %d times", n)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE t (id int)`); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := pool.QueryRow(ctx, `SELECT table_schema FROM information_schema.tables WHERE table_name = 't'`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if schema != "task" {
		t.Fatalf("unqualified table created in %q, want task", schema)
	}
	// A second Connect to the existing schema is fine.
	connect(t, url, "task")
}

func TestConnectGivesUpAtDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := pg.Connect(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", "x")
	if err == nil {
		t.Fatal("want error for an unreachable server")
	}
}

var migrations = fstest.MapFS{
	"00001_init.sql": {Data: []byte(`-- +goose Up
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL UNIQUE);
-- pg_sleep widens the window in which a second migrator would run it too.
SELECT pg_sleep(0.3);
INSERT INTO applied DEFAULT VALUES;
-- +goose Down
DROP TABLE items;
`)},
	"00002_child.sql": {Data: []byte(`-- +goose Up
CREATE TABLE children (id int PRIMARY KEY, item_id int NOT NULL CONSTRAINT children_item_fk REFERENCES items(id));
INSERT INTO applied DEFAULT VALUES;
-- +goose Down
DROP TABLE children;
`)},
}

func TestMigrateConcurrentAppliesOnce(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pool := connect(t, url, "svc")
	ctx := context.Background()
	// A counter outside the migrations: each applied migration adds a row.
	if _, err := pool.Exec(ctx, `CREATE TABLE applied (n serial)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = pg.Migrate(ctx, pool, "svc", migrations)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := pg.Migrate(ctx, pool, "svc", migrations); err != nil {
		t.Fatalf("re-run: %v", err)
	}
	var applied int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM applied`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != 2 {
		t.Fatalf("migration bodies ran %d times, want 2 (one per migration)", applied)
	}
	var versionSchema string
	if err := pool.QueryRow(ctx, `SELECT table_schema FROM information_schema.tables WHERE table_name = 'goose_db_version'`).Scan(&versionSchema); err != nil {
		t.Fatal(err)
	}
	if versionSchema != "svc" {
		t.Fatalf("goose_db_version in %q, want svc", versionSchema)
	}
}

func TestInTxAndViolations(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pool := connect(t, url, "svc")
	ctx := context.Background()
	if err := pg.Migrate(ctx, pool, "svc", fstest.MapFS{
		"00001_init.sql": {Data: []byte("-- +goose Up\nCREATE TABLE items (id int PRIMARY KEY, name text NOT NULL CONSTRAINT items_name_key UNIQUE);\n" +
			"CREATE TABLE children (id int PRIMARY KEY, item_id int NOT NULL CONSTRAINT children_item_fk REFERENCES items(id));\n")},
	}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	boom := errors.New("boom")
	err := pg.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO items VALUES (1, 'a')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count() != 0 {
		t.Fatalf("error path: err=%v rows=%d, want boom and 0", err, count())
	}

	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic not re-raised")
			}
		}()
		_ = pg.InTx(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO items VALUES (1, 'a')`); err != nil {
				return err
			}
			panic("kaboom")
		})
	}()
	if count() != 0 {
		t.Fatalf("panic path left %d rows", count())
	}

	if err := pg.InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO items VALUES (1, 'a')`)
		return err
	}); err != nil || count() != 1 {
		t.Fatalf("commit path: err=%v rows=%d", err, count())
	}

	_, err = pool.Exec(ctx, `INSERT INTO items VALUES (2, 'a')`)
	if c, ok := pg.IsUniqueViolation(err); !ok || c != "items_name_key" {
		t.Fatalf("IsUniqueViolation(%v) = %q, %v", err, c, ok)
	}
	if _, ok := pg.IsForeignKeyViolation(err); ok {
		t.Fatal("unique violation reported as FK violation")
	}
	_, err = pool.Exec(ctx, `INSERT INTO children VALUES (1, 99)`)
	if c, ok := pg.IsForeignKeyViolation(err); !ok || c != "children_item_fk" {
		t.Fatalf("IsForeignKeyViolation(%v) = %q, %v", err, c, ok)
	}
	if _, ok := pg.IsUniqueViolation(nil); ok {
		t.Fatal("nil is not a violation")
	}
}

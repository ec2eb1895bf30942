package stack

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPrivateCluster initialises a real cluster from the system binaries,
// checks it keeps its data across a stop and a second start, and that a
// second launcher reuses a running cluster instead of starting another.
func TestPrivateCluster(t *testing.T) {
	if _, err := FindPGBin(); err != nil {
		t.Skipf("no PostgreSQL server binaries: %v", err)
	}
	// Not t.TempDir: its parent is private (0700), and as root the cluster
	// runs as the postgres user, who must reach the directory.
	dir, err := os.MkdirTemp("", "stack-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// As root the cluster runs as the postgres user, who must reach the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := PGConfig{Dir: filepath.Join(dir, "pg"), LogDir: filepath.Join(dir, "logs"), Port: port}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	pg, err := EnsurePostgres(ctx, cfg)
	if err != nil {
		t.Fatalf("EnsurePostgres: %v", err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	if !pg.StartedHere() {
		t.Fatal("first EnsurePostgres did not start the server")
	}
	if want := "postgres://postgres@127.0.0.1:" + strconv.Itoa(port) + "/eventai?sslmode=disable"; pg.URL("eventai") != want {
		t.Fatalf("URL = %s, want %s", pg.URL("eventai"), want)
	}
	for range 2 { // idempotent
		if err := CreateDatabase(ctx, pg.ServerURL(), "eventai"); err != nil {
			t.Fatalf("CreateDatabase: %v", err)
		}
	}
	execSQL(t, ctx, pg.URL("eventai"), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")

	again, err := EnsurePostgres(ctx, cfg)
	if err != nil {
		t.Fatalf("second EnsurePostgres: %v", err)
	}
	if again.StartedHere() {
		t.Fatal("second EnsurePostgres started a server although one runs")
	}

	if err := pg.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := Ping(ctx, pg.ServerURL()); err == nil {
		t.Fatal("server still answers after Stop")
	}
	restarted, err := EnsurePostgres(ctx, cfg)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { _ = restarted.Stop(context.Background()) })
	conn, err := pgx.Connect(ctx, restarted.URL("eventai"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Fatalf("data after restart: v=%d err=%v, want 42", v, err)
	}
	if err := DropDatabase(ctx, restarted.ServerURL(), "eventai"); err != nil {
		t.Fatalf("DropDatabase: %v", err)
	}
}

func execSQL(t *testing.T, ctx context.Context, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

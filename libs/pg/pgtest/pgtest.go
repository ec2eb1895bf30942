// Package pgtest gives each test a fresh PostgreSQL database on a real server.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the server used when TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDatabase creates a uniquely named database on the server of
// TEST_DATABASE_URL (default DefaultURL), returns its URL and drops it (WITH
// (FORCE), so open pools do not block) when the test ends. When the server is
// unreachable it fails the test under CI=true and skips it otherwise.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		admin = DefaultURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		msg := "pgtest: PostgreSQL is not reachable at TEST_DATABASE_URL (default " + DefaultURL + "): " + err.Error() +
			"\nstart one, e.g. `make dev-db` or as root: runuser -u postgres -- pg_ctl -D <datadir> -o '-k /tmp -p 5432' start, with trust auth for 127.0.0.1"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	defer conn.Close(context.Background())

	name := dbName(t.Name())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})

	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: parse TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// dbName makes a readable, unique identifier within Postgres's 63 bytes.
func dbName(testName string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	base := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(testName), "_"), "_")
	if len(base) > 40 {
		base = base[:40]
	}
	return "t_" + base + "_" + hex.EncodeToString(b[:])
}

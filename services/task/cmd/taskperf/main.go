// Command taskperf seeds a throw-away database with tasks and serves the task service's HTTP
// surface on it, so that GET /staff/tasks can be measured with a load generator. It prints a
// staff token and the URL to measure, then serves until SIGTERM and drops its database.
//
// It wires the real store, use cases, transport and token verification (with a key of its own,
// published on a local JWKS endpoint), but no Kafka: the measured route never needs it.
//
//	go run ./cmd/taskperf -tasks 10000
//	loadgen -url "$URL" -rate 200 -duration 10s -warmup 3s -header "Authorization: Bearer $TOKEN"
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/logging"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/task/internal/app"
	"github.com/eventai/eventai/services/task/internal/service"
	"github.com/eventai/eventai/services/task/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "taskperf:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	admin := flag.String("admin-db", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "server to create the throw-away database on")
	total := flag.Int("tasks", 10000, "tasks in the database")
	mine := flag.Int("mine", 2000, "of which approved tasks of the measured staff user")
	addr := flag.String("addr", "127.0.0.1:18104", "HTTP address to serve on")
	flag.Parse()
	log := logging.New("taskperf", "warn", os.Stderr)

	dbURL, drop, err := freshDatabase(ctx, *admin)
	if err != nil {
		return err
	}
	defer drop()
	pool, err := pg.Connect(ctx, dbURL, service.Name)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := service.Prepare(ctx, pool); err != nil {
		return err
	}
	staff := uuid.New()
	start := time.Now()
	if err := seed(ctx, pool, staff, *total, *mine); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "ANALYZE tasks"); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "seeded %d tasks (%d of the staff user) in %s\n", *total, *mine, time.Since(start).Round(time.Millisecond))

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	pub := priv.Public().(ed25519.PublicKey)
	signer, err := auth.NewSigner(priv, auth.KeyID(pub), "eventai-identity", "eventai")
	if err != nil {
		return err
	}
	jwksLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	jwks := &http.Server{Handler: auth.JWKSHandler(func(*http.Request) (auth.JWKS, error) {
		return auth.JWKS{Keys: []auth.JWK{auth.PublicJWK(pub, signer.KeyID())}}, nil
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = jwks.Serve(jwksLn) }()
	defer jwks.Close()
	verifier := auth.NewVerifier("http://"+jwksLn.Addr().String()+"/.well-known/jwks.json", "eventai-identity", "eventai", &http.Client{Timeout: 5 * time.Second})
	token, _, err := signer.Issue(auth.TypeAccess, auth.Principal{UserID: staff, Role: "staff", Username: "perf"}, 2*time.Hour)
	if err != nil {
		return err
	}

	a := app.New(store.New(pool), nil, nil, log)
	h := service.Handler(a, auth.Middleware(verifier), log, httpx.NewRegistry(), map[string]httpx.Check{"postgres": pool.Ping})
	fmt.Printf("URL=http://%s/staff/tasks\nTOKEN=%s\n", *addr, token)
	return httpx.NewServer(*addr, h, log).Run(ctx)
}

// freshDatabase creates a database of its own and returns its URL and a function that drops it.
func freshDatabase(ctx context.Context, adminURL string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("connect %s: %w", adminURL, err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "taskperf_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := conn.Exec(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "drop database:", err)
		}
		conn.Close(dctx)
	}, nil
}

// seed writes total tasks spread over 20 events and 50 people; mine of them are the staff
// user's approved tasks, one hour each, back to back over the weeks.
func seed(ctx context.Context, pool interface {
	CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error)
}, staff uuid.UUID, total, mine int) error {
	if mine > total {
		return errors.New("-mine exceeds -tasks")
	}
	company := uuid.New()
	events := make([]uuid.UUID, 20)
	people := make([]uuid.UUID, 49)
	for i := range events {
		events[i] = uuid.New()
	}
	for i := range people {
		people[i] = uuid.New()
	}
	base := time.Date(2026, 9, 1, 6, 0, 0, 0, time.UTC)
	now := time.Now().UTC()
	approvals := []string{"approved", "approved", "proposed", "rejected"}
	statuses := []string{"pending", "in_progress", "done", "blocked"}
	rows := make([][]any, 0, total)
	for i := range total {
		assignee := staff
		approval := "approved"
		if i >= mine {
			assignee = people[i%len(people)]
			approval = approvals[i%len(approvals)]
		}
		startsAt := base.Add(time.Duration(i) * time.Hour)
		rows = append(rows, []any{uuid.New(), events[i%len(events)], company, fmt.Sprintf("Task %d", i), "seeded",
			[]byte(`[{"name":"registration","min_level":2}]`), startsAt, startsAt.Add(time.Hour), int16(1 + i%5),
			assignee, approval, statuses[i%len(statuses)], int16(0), "", "manual", now, now, []byte("[]")})
	}
	cols := []string{"id", "event_id", "company_id", "title", "description", "required_skills", "starts_at", "ends_at",
		"priority", "assignee_id", "approval", "status", "progress", "note", "source", "created_at", "updated_at", "reasons"}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"tasks"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy tasks: %w", err)
	}
	return nil
}

package service_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/kafkax/kafkatest"
	"github.com/eventai/eventai/libs/pg/pgtest"
	"github.com/eventai/eventai/libs/servicetest"
	"github.com/eventai/eventai/services/task/internal/config"
	"github.com/eventai/eventai/services/task/internal/events"
	"github.com/eventai/eventai/services/task/internal/service"
)

// harness runs the whole task service in-process against a fresh database and an embedded
// Kafka-protocol broker, with a JWKS server of its own so that tests sign real tokens.
type harness struct {
	t       *testing.T
	url     string
	pool    *pgxpool.Pool
	svc     *service.Service
	issuer  *servicetest.Issuer
	writer  *kafka.Writer
	brokers []string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	brokers := kafkatest.Start(t)
	cfg := config.Default()
	iss := servicetest.NewIssuer(t, cfg.JWTIssuer, cfg.JWTAudience)
	cfg.DatabaseURL, cfg.KafkaBrokers, cfg.JWKSURL = dbURL, brokers, iss.JWKSURL
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc, err := service.New(context.Background(), cfg, log)
	require.NoError(t, err)
	url, _ := servicetest.Serve(t, svc)
	w := servicetest.NewWriter(t, brokers)
	h := &harness{t: t, url: url, pool: svc.Pool(), svc: svc, issuer: iss, writer: w, brokers: brokers}
	// One message per consumed topic, then a wait: the consumer has joined its group and reads
	// every topic before a test starts (its first join can take longer than a request's wait).
	for _, topic := range events.Topics {
		h.publish(topic, uuid.New(), "test.warmup", map[string]any{})
	}
	h.caughtUp()
	return h
}

// caughtUp waits until the service applied everything published so far.
func (h *harness) caughtUp() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(h.t, h.svc.WaitCaughtUp(ctx))
}

func (h *harness) publish(topic string, key uuid.UUID, typ string, data any) {
	h.t.Helper()
	servicetest.Publish(h.t, h.writer, topic, "test", typ, key.String(), data)
}

func (h *harness) token(role string, id uuid.UUID) string {
	h.t.Helper()
	return h.issuer.Token(h.t, auth.Principal{UserID: id, Role: role, Username: role}, time.Hour)
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body %s", r.body)
	return m
}

func (h *harness) do(method, path, token string, body any) resp {
	h.t.Helper()
	r := servicetest.Do(h.t, h.url, token, method, path, body)
	return resp{status: r.Status, header: r.Header, body: r.Raw}
}

// world is one company with its people and an event, known to the service through the topics
// exactly as the identity, company and event services announce them.
type world struct {
	company, event                    uuid.UUID
	organizer, manager, staff, staff2 uuid.UUID
}

type skill struct {
	Name  string `json:"name"`
	Level int    `json:"level"`
}

type window struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

func (h *harness) user(id uuid.UUID, role string, companies []uuid.UUID, skills []skill, avail []window, maxHours float64, version int64) {
	h.t.Helper()
	if skills == nil {
		skills = []skill{}
	}
	if avail == nil {
		avail = []window{}
	}
	h.publish(events.UsersTopic, id, "user.updated", map[string]any{"id": id, "username": id.String()[:8], "email": id.String()[:8] + "@x.test",
		"full_name": "", "role": role, "company_ids": companies, "skills": skills, "availability": avail,
		"max_hours_per_day": maxHours, "is_active": true, "version": version})
}

func (h *harness) newWorld() world {
	h.t.Helper()
	w := world{company: uuid.New(), event: uuid.New(), organizer: uuid.New(), manager: uuid.New(), staff: uuid.New(), staff2: uuid.New()}
	h.publish(events.CompaniesTopic, w.company, "company.created", map[string]any{"id": w.company, "name": "Acme " + w.company.String()[:6],
		"created_by": w.organizer, "created_at": time.Now().UTC()})
	h.user(w.manager, "manager", []uuid.UUID{w.company}, nil, nil, 8, 1)
	h.user(w.staff, "staff", []uuid.UUID{w.company}, []skill{{"Registration", 3}, {"AV", 2}}, nil, 8, 1)
	h.user(w.staff2, "staff", []uuid.UUID{w.company}, []skill{{"registration", 5}}, nil, 8, 1)
	h.event(w, 1)
	return w
}

func (h *harness) event(w world, version int64) {
	h.publish(events.EventsTopic, w.event, "event.updated", map[string]any{"id": w.event, "company_id": w.company, "title": "Conf",
		"timezone": "Europe/Berlin", "starts_at": day(8), "ends_at": day(20), "manager_ids": []uuid.UUID{w.manager}, "version": version})
}

// day is a time on the test day (UTC).
func day(h int) time.Time { return time.Date(2026, 9, 14, h, 0, 0, 0, time.UTC) }

func manualTask(title string, h1, h2 int, skills ...map[string]any) map[string]any {
	if skills == nil {
		skills = []map[string]any{}
	}
	return map[string]any{"title": title, "starts_at": day(h1), "ends_at": day(h2), "required_skills": skills}
}

// count answers one integer from SQL.
func (h *harness) count(sql string, args ...any) int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

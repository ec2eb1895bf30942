package service_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/kafkax/kafkatest"
	"github.com/eventai/eventai/libs/pg/pgtest"
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
	signer  *auth.Signer
	writer  *kafka.Writer
	brokers []string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	brokers := kafkatest.Start(t)

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	pub := priv.Public().(ed25519.PublicKey)
	signer, err := auth.NewSigner(priv, auth.KeyID(pub), "eventai-identity", "eventai")
	require.NoError(t, err)
	jwks := httptest.NewServer(auth.JWKSHandler(func(*http.Request) (auth.JWKS, error) {
		return auth.JWKS{Keys: []auth.JWK{auth.PublicJWK(pub, signer.KeyID())}}, nil
	}))
	t.Cleanup(jwks.Close)

	cfg := config.Default()
	cfg.DatabaseURL, cfg.KafkaBrokers, cfg.JWKSURL = dbURL, brokers, jwks.URL
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := service.New(ctx, cfg, log)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- svc.Background(ctx) }()
	srv := httptest.NewServer(svc.Handler())
	w := kafkax.NewWriter(brokers)
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		_ = w.Close()
		svc.Close()
	})
	h := &harness{t: t, url: srv.URL, pool: svc.Pool(), svc: svc, signer: signer, writer: w, brokers: brokers}
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
	env, err := envelope.New("test", typ, key.String(), data)
	require.NoError(h.t, err)
	b, err := env.Encode()
	require.NoError(h.t, err)
	require.NoError(h.t, h.writer.WriteMessages(context.Background(), kafka.Message{Topic: topic, Key: []byte(key.String()), Value: b}))
}

func (h *harness) token(role string, id uuid.UUID) string {
	h.t.Helper()
	raw, _, err := h.signer.Issue(auth.TypeAccess, auth.Principal{UserID: id, Role: role, Username: role}, time.Hour)
	require.NoError(h.t, err)
	return raw
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
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	require.NoError(h.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	return resp{status: res.StatusCode, header: res.Header, body: raw}
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

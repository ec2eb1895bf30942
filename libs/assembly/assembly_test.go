package assembly_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/assembly"
	"github.com/eventai/eventai/libs/config"
	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/kafkax/kafkatest"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
)

var migrations = fstest.MapFS{
	"00001_init.sql": {Data: []byte("-- +goose Up\nCREATE TABLE seen (id text PRIMARY KEY);\n-- +goose Down\nDROP TABLE seen;\n")},
}

func spec() assembly.Spec {
	return assembly.Spec{
		Name:       "asmtest",
		Migrations: migrations,
		Produces:   "asmtest.things.v1",
		Consumes:   []string{"other.things.v1"},
		Handler: func(*pgxpool.Pool) consumer.Handler {
			return func(ctx context.Context, tx pgx.Tx, env envelope.Envelope) error {
				_, err := tx.Exec(ctx, `INSERT INTO seen (id) VALUES ($1)`, env.Subject)
				return err
			}
		},
	}
}

func tables(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(),
		`SELECT table_name FROM information_schema.tables WHERE table_schema = 'asmtest' ORDER BY table_name`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return names
}

// A migration Job needs no Kafka: the brokers here do not exist.
func TestMigrateTouchesOnlyPostgres(t *testing.T) {
	cfg := config.DefaultService(":0")
	cfg.DatabaseURL = pgtest.NewDatabase(t)
	cfg.KafkaBrokers = []string{"127.0.0.1:1"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, assembly.Migrate(ctx, cfg, slog.New(slog.DiscardHandler), spec()))

	pool, err := pg.Connect(ctx, cfg.DatabaseURL, "asmtest")
	require.NoError(t, err)
	defer pool.Close()
	got := tables(t, pool)
	for _, want := range []string{"dead_letters", "goose_db_version", "inbox", "outbox", "seen"} {
		require.Contains(t, got, want)
	}
}

func TestOpenWiresConsumerRelayAndHTTP(t *testing.T) {
	cfg := config.DefaultService(":0")
	cfg.DatabaseURL = pgtest.NewDatabase(t)
	cfg.KafkaBrokers = kafkatest.Start(t)
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	p, err := assembly.Open(ctx, cfg, log, spec())
	require.NoError(t, err)
	defer p.Close()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Background(runCtx) }()
	defer func() {
		stop()
		require.NoError(t, <-done, "an ordinary stop is not an error")
	}()

	// A route that writes an outbox row and flushes it before answering, as write handlers do.
	h := p.Handler(func(mux *http.ServeMux) {
		mux.HandleFunc("POST /things/{id}", func(w http.ResponseWriter, r *http.Request) {
			env, err := envelope.New("asmtest", "thing.created", r.PathValue("id"), map[string]string{"id": r.PathValue("id")})
			if err == nil {
				err = pg.InTx(r.Context(), p.Pool, func(tx pgx.Tx) error {
					return outbox.Add(r.Context(), tx, "asmtest.things.v1", r.PathValue("id"), env)
				})
			}
			if err == nil {
				err = p.Relay.Flush(r.Context())
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusCreated)
		})
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	// The trailing slash is tolerated, and the event is on the produced topic when the answer comes.
	res, err := http.Post(srv.URL+"/things/t1/", "application/json", nil)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusCreated, res.StatusCode)
	var sent, unsent int
	require.NoError(t, p.Pool.QueryRow(ctx,
		`SELECT count(*) FILTER (WHERE sent_at IS NOT NULL), count(*) FILTER (WHERE sent_at IS NULL) FROM outbox`).Scan(&sent, &unsent))
	require.Equal(t, []int{1, 0}, []int{sent, unsent}, "Flush publishes before the answer")

	// A consumed event reaches the handler through the inbox.
	env, err := envelope.New("other", "thing.created", "x1", map[string]string{"id": "x1"})
	require.NoError(t, err)
	raw, err := env.Encode()
	require.NoError(t, err)
	w := kafkax.NewWriter(cfg.KafkaBrokers)
	defer w.Close()
	require.NoError(t, w.WriteMessages(ctx, kafka.Message{Topic: "other.things.v1", Key: []byte("x1"), Value: raw}))
	require.NoError(t, p.Consumer.WaitCaughtUp(ctx))
	var id string
	require.NoError(t, p.Pool.QueryRow(ctx, `SELECT id FROM seen`).Scan(&id))
	require.Equal(t, "x1", id)

	// Ops endpoints and the 404 problem for the rest.
	res, err = http.Get(srv.URL + "/healthz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, err = http.Get(srv.URL + "/nope")
	require.NoError(t, err)
	var prob map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&prob))
	res.Body.Close()
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
	res, err = http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Contains(t, string(body), `route="POST /things/{id}"`, "metrics labelled by the matched pattern")
	require.True(t, strings.Contains(string(body), "outbox_published_total"), "relay metrics on the service registry")
	require.Contains(t, p.Ready(), "postgres")
	require.Contains(t, p.Ready(), "kafka")
}

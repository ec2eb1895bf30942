package outbox_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/kafkax/kafkatest"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
)

func TestMain(m *testing.M) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	os.Exit(m.Run())
}

func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pool, err := pg.Connect(ctx, pgtest.NewDatabase(t), "svc")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, outbox.CreateTable(ctx, pool))
	require.NoError(t, outbox.CreateTable(ctx, pool), "DDL must be idempotent")
	return pool
}

func add(t *testing.T, ctx context.Context, pool *pgxpool.Pool, topic, key string, n int) []string {
	t.Helper()
	var ids []string
	require.NoError(t, pg.InTx(ctx, pool, func(tx pgx.Tx) error {
		for i := range n {
			env, err := envelope.New("test", "thing.updated", key, map[string]int{"seq": i})
			if err != nil {
				return err
			}
			ids = append(ids, env.ID)
			if err := outbox.Add(ctx, tx, topic, key, env); err != nil {
				return err
			}
		}
		return nil
	}))
	return ids
}

func TestAddStoresEnvelopeAndTraceparent(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	spanCtx := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	ids := add(t, spanCtx, pool, "t.v1", "agg-1", 1)

	var topic, key, traceparent, envID string
	var sent *time.Time
	require.NoError(t, pool.QueryRow(ctx, `SELECT topic, key, headers->>'traceparent', envelope->>'id', sent_at FROM outbox`).
		Scan(&topic, &key, &traceparent, &envID, &sent))
	require.Equal(t, "t.v1", topic)
	require.Equal(t, "agg-1", key)
	require.Equal(t, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", traceparent)
	require.Equal(t, ids[0], envID)
	require.Nil(t, sent)

	err := pg.InTx(ctx, pool, func(tx pgx.Tx) error {
		env, _ := envelope.New("test", "x.y", "s", nil)
		return outbox.Add(ctx, tx, "", "k", env)
	})
	require.Error(t, err)
}

func TestFlushWithoutPendingRowsReturnsAtOnce(t *testing.T) {
	pool := newPool(t)
	relay := outbox.NewRelay(pool, kafkax.NewWriter([]string{"127.0.0.1:1"}), nil, nil)
	// No relay is running, so this can only succeed through the "nothing pending" path.
	require.NoError(t, relay.Flush(context.Background()))

	add(t, context.Background(), pool, "t.v1", "k", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, relay.Flush(ctx), context.DeadlineExceeded, "a pending row and no relay: Flush must give up with ctx")
}

// TestPublishErrorsRetryTheSameRows publishes to a topic that does not exist yet: the relay must
// keep the rows, count the errors, and deliver them in order once the topic exists.
func TestPublishErrorsRetryTheSameRows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pool := newPool(t)
	brokers := kafkatest.Start(t)
	const topic = "late.v1"
	ids := add(t, ctx, pool, topic, "k", 10)

	w := kafkax.NewWriter(brokers)
	w.MaxAttempts = 1
	defer w.Close()
	reg := prometheus.NewRegistry()
	relay := outbox.NewRelay(pool, w, nil, reg)
	relay.BatchSize = 4
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- relay.Run(runCtx) }()
	defer func() { stop(); require.NoError(t, <-done) }()

	for metric(t, reg, "outbox_publish_errors_total") < 2 {
		require.NoError(t, ctx.Err(), "relay never reported a publish error")
		time.Sleep(10 * time.Millisecond)
	}
	var unsent int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL`).Scan(&unsent))
	require.Equal(t, 10, unsent)
	require.Equal(t, 10.0, metric(t, reg, "outbox_pending"))

	require.NoError(t, kafkax.EnsureTopics(ctx, brokers, topic))
	require.NoError(t, relay.Flush(ctx))
	require.Equal(t, 10.0, metric(t, reg, "outbox_published_total"))
	require.Equal(t, 0.0, metric(t, reg, "outbox_pending"))

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: partitionOf(t, ctx, brokers, topic), MaxWait: 100 * time.Millisecond})
	defer r.Close()
	var got []string
	for range 10 {
		m, err := r.ReadMessage(ctx)
		require.NoError(t, err)
		var env envelope.Envelope
		require.NoError(t, json.Unmarshal(m.Value, &env))
		got = append(got, env.ID)
		hdr := map[string]string{}
		for _, h := range m.Headers {
			hdr[h.Key] = string(h.Value)
		}
		require.Equal(t, env.ID, hdr[outbox.HeaderEventID])
		require.Equal(t, "thing.updated", hdr[outbox.HeaderEventType])
	}
	require.Equal(t, ids, got, "rows are published in id order, none skipped")
}

func TestSentRowsArePurgedAfterRetention(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool := newPool(t)
	brokers := kafkatest.Start(t)
	require.NoError(t, kafkax.EnsureTopics(ctx, brokers, "t.v1"))
	add(t, ctx, pool, "t.v1", "k", 3)
	_, err := pool.Exec(ctx, `UPDATE outbox SET sent_at = now() - interval '25 hours' WHERE id = 1`)
	require.NoError(t, err)

	w := kafkax.NewWriter(brokers)
	defer w.Close()
	relay := outbox.NewRelay(pool, w, nil, nil)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- relay.Run(runCtx) }()
	require.NoError(t, relay.Flush(ctx))
	stop()
	require.NoError(t, <-done)

	var ids []int64
	rows, err := pool.Query(ctx, `SELECT id FROM outbox WHERE sent_at IS NOT NULL ORDER BY id`)
	require.NoError(t, err)
	ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	require.Equal(t, []int64{2, 3}, ids, "row 1 was sent 25 h ago and must be gone; rows 2 and 3 are kept")
}

// metric reads a single-series counter or gauge from a registry.
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			require.Len(t, mf.GetMetric(), 1)
			m := mf.GetMetric()[0]
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

func partitionOf(t *testing.T, ctx context.Context, brokers []string, topic string) int {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(brokers...)}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for p := range kafkax.DefaultPartitions {
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p))
	}
	resp, err := client.ListOffsets(ctx, req)
	require.NoError(t, err)
	for _, po := range resp.Topics[topic] {
		if po.LastOffset > 0 {
			return po.Partition
		}
	}
	t.Fatalf("no partition of %s has messages", topic)
	return 0
}

package consumer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/libs/consumer"
	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/kafkax"
	"github.com/eventai/eventai/libs/kafkax/kafkatest"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/libs/pg/pgtest"
)

const topic = "test.things.v1"

func TestMain(m *testing.M) {
	// Services install the W3C propagator through libs/telemetry; the test does the same.
	otel.SetTextMapPropagator(propagation.TraceContext{})
	os.Exit(m.Run())
}

// rig is one service's worth of real infrastructure: a schema in a fresh database and a kfake broker.
type rig struct {
	brokers []string
	pool    *pgxpool.Pool
}

func newRig(t testing.TB) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	brokers := kafkatest.Start(t)
	pool, err := pg.Connect(ctx, pgtest.NewDatabase(t), "svc")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, outbox.CreateTable(ctx, pool))
	require.NoError(t, consumer.CreateTable(ctx, pool))
	require.NoError(t, consumer.CreateTable(ctx, pool), "DDL must be idempotent")
	_, err = pool.Exec(ctx, `CREATE TABLE applied (
		n bigserial PRIMARY KEY, event_id uuid NOT NULL, key text NOT NULL, seq int NOT NULL, traceparent text NOT NULL)`)
	require.NoError(t, err)
	require.NoError(t, kafkax.EnsureTopics(ctx, brokers, topic))
	return &rig{brokers: brokers, pool: pool}
}

type payload struct {
	Key string `json:"key"`
	Seq int    `json:"seq"`
}

// record is the handler under test: it writes one row per application, with no uniqueness, so
// that a double application would show up as an extra row.
func record(ctx context.Context, tx pgx.Tx, env envelope.Envelope) error {
	var p payload
	if err := json.Unmarshal(env.Data, &p); err != nil {
		return err
	}
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	_, err := tx.Exec(ctx, `INSERT INTO applied (event_id, key, seq, traceparent) VALUES ($1, $2, $3, $4)`,
		env.ID, p.Key, p.Seq, carrier["traceparent"])
	return err
}

// produce commits events through the outbox: for seq 0..perKey-1, one event per key.
func (r *rig) produce(t testing.TB, ctx context.Context, keys []string, from, perKey int) {
	t.Helper()
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		for seq := from; seq < from+perKey; seq++ {
			for _, k := range keys {
				env, err := envelope.New("test", "thing.updated", k, payload{Key: k, Seq: seq})
				if err != nil {
					return err
				}
				if err := outbox.Add(ctx, tx, topic, k, env); err != nil {
					return err
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
}

func (r *rig) count(t testing.TB, q string) int {
	t.Helper()
	var n int
	require.NoError(t, r.pool.QueryRow(context.Background(), q).Scan(&n))
	return n
}

// seqsByKey returns, per key, the seq values in the order they were applied.
func (r *rig) seqsByKey(t *testing.T) map[string][]int {
	t.Helper()
	rows, err := r.pool.Query(context.Background(), `SELECT key, seq FROM applied ORDER BY n`)
	require.NoError(t, err)
	got := map[string][]int{}
	for rows.Next() {
		var k string
		var s int
		require.NoError(t, rows.Scan(&k, &s))
		got[k] = append(got[k], s)
	}
	require.NoError(t, rows.Err())
	return got
}

func (r *rig) consumer(h consumer.Handler) *consumer.Consumer {
	return consumer.New(consumer.Config{Brokers: r.brokers, Group: "svc", Topics: []string{topic}}, r.pool, h, nil, nil)
}

func start(t testing.TB, ctx context.Context, run func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	return func() {
		cancel()
		require.NoError(t, <-done)
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

// TestExactlyOnceAcrossCrashes kills the relay between publish and mark and the consumer between
// its transaction and its offset commit, restarts both, and checks that every event was applied
// exactly once and in order per key.
func TestExactlyOnceAcrossCrashes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := newRig(t)
	keys := []string{"k1", "k2", "k3"}
	const perKey = 20
	r.produce(t, ctx, keys, 0, perKey)
	total := len(keys) * perKey

	// Relay 1 publishes its first batch of 7 and dies before marking it.
	w := kafkax.NewWriter(r.brokers)
	defer w.Close()
	relay1 := outbox.NewRelay(r.pool, w, nil, nil)
	relay1.BatchSize = 7
	relayCtx, killRelay := context.WithCancel(ctx)
	relay1.Hooks.AfterPublish = killRelay
	require.NoError(t, relay1.Run(relayCtx))
	require.Equal(t, total, r.count(t, `SELECT count(*) FROM svc.outbox WHERE sent_at IS NULL`), "the killed relay must not have marked its batch")

	// Consumer 1 dies after its 5th transaction, before committing that offset.
	var processed atomic.Int64
	c1 := r.consumer(record)
	c1Ctx, killC1 := context.WithCancel(ctx)
	c1.Hooks.AfterApply = func(kafka.Message) {
		if processed.Add(1) == 5 {
			killC1()
		}
	}
	c1Done := make(chan error, 1)
	go func() { c1Done <- c1.Run(c1Ctx) }()
	require.NoError(t, <-c1Done)
	require.Equal(t, int64(5), processed.Load())
	require.Equal(t, 5, r.count(t, `SELECT count(*) FROM applied`))

	// Restart: two relays compete for the lock (one relays, Flush on the other polls), and a
	// fresh consumer takes over the group.
	relay2a := outbox.NewRelay(r.pool, w, nil, nil)
	relay2b := outbox.NewRelay(r.pool, w, nil, nil)
	relay2a.BatchSize, relay2b.BatchSize = 7, 7
	stopA := start(t, ctx, relay2a.Run)
	defer stopA()
	stopB := start(t, ctx, relay2b.Run)
	defer stopB()
	flushCtx, cancelFlush := context.WithTimeout(ctx, 15*time.Second)
	defer cancelFlush()
	require.NoError(t, relay2a.Flush(flushCtx))
	require.NoError(t, relay2b.Flush(flushCtx))
	require.Equal(t, 0, r.count(t, `SELECT count(*) FROM svc.outbox WHERE sent_at IS NULL`))

	c2 := r.consumer(record)
	c2.Hooks.AfterApply = func(kafka.Message) { processed.Add(1) }
	stopC2 := start(t, ctx, c2.Run)
	defer stopC2()
	waitCtx, cancelWait := context.WithTimeout(ctx, 20*time.Second)
	defer cancelWait()
	require.NoError(t, c2.WaitCaughtUp(waitCtx))

	require.Equal(t, total, r.count(t, `SELECT count(*) FROM applied`), "each event applied once")
	require.Equal(t, total, r.count(t, `SELECT count(DISTINCT event_id) FROM applied`))
	require.Equal(t, total, r.count(t, `SELECT count(*) FROM svc.inbox`))
	// On Kafka: 7 re-published + 60 messages; consumer 1 committed 4 of its 5, so 63 more were
	// processed after the restart: 68 in all, of which 8 were recognised as duplicates.
	require.Equal(t, int64(total+7+1), processed.Load())
	for _, k := range keys {
		require.Equal(t, seq(0, perKey), r.seqsByKey(t)[k], "order of key %s", k)
	}
}

func TestTraceparentReachesHandler(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := newRig(t)
	tid, err := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	require.NoError(t, err)
	sid, err := trace.SpanIDFromHex("00f067aa0ba902b7")
	require.NoError(t, err)
	reqCtx := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled,
	}))
	r.produce(t, reqCtx, []string{"k"}, 0, 1)

	w := kafkax.NewWriter(r.brokers)
	defer w.Close()
	relay := outbox.NewRelay(r.pool, w, nil, nil)
	defer start(t, ctx, relay.Run)()
	require.NoError(t, relay.Flush(ctx))

	var mu sync.Mutex
	var seen trace.SpanContext
	c := r.consumer(func(ctx context.Context, tx pgx.Tx, env envelope.Envelope) error {
		mu.Lock()
		seen = trace.SpanContextFromContext(ctx)
		mu.Unlock()
		return record(ctx, tx, env)
	})
	defer start(t, ctx, c.Run)()
	require.NoError(t, c.WaitCaughtUp(ctx))

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, tid, seen.TraceID(), "handler must continue the producer's trace")
	// Without an SDK tracer the relay's and consumer's spans are non-recording and keep the
	// incoming span context, so the whole traceparent is the producer's.
	require.Equal(t, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		func() string {
			var s string
			require.NoError(t, r.pool.QueryRow(ctx, `SELECT traceparent FROM applied`).Scan(&s))
			return s
		}())
}

// TestWaitCaughtUpSeesJustPublishedEvent publishes to a running, idle consumer and checks the
// event is applied by the time WaitCaughtUp returns (no sleeping in between).
func TestWaitCaughtUpSeesJustPublishedEvent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := newRig(t)
	w := kafkax.NewWriter(r.brokers)
	defer w.Close()
	relay := outbox.NewRelay(r.pool, w, nil, nil)
	defer start(t, ctx, relay.Run)()
	c := r.consumer(record)
	require.Error(t, c.Ready(ctx), "not running yet")
	defer start(t, ctx, c.Run)()

	require.NoError(t, c.WaitCaughtUp(ctx), "empty topics: caught up at once")
	for i := range 5 {
		r.produce(t, ctx, []string{fmt.Sprintf("k%d", i)}, i, 1)
		require.NoError(t, relay.Flush(ctx))
		require.NoError(t, c.WaitCaughtUp(ctx))
		require.Equal(t, i+1, r.count(t, `SELECT count(*) FROM applied`), "round %d", i)
	}
	require.NoError(t, c.Ready(ctx))
}

// TestPoisonPillDoesNotBlock puts an undecodable value in front of a good event of the same key.
func TestPoisonPillDoesNotBlock(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := newRig(t)
	w := kafkax.NewWriter(r.brokers)
	defer w.Close()
	require.NoError(t, w.WriteMessages(ctx,
		kafka.Message{Topic: topic, Key: []byte("k"), Value: []byte(`{"id": not json`)},
		kafka.Message{Topic: topic, Key: []byte("k"), Value: []byte(`{"type":"thing.updated"}`)}))
	r.produce(t, ctx, []string{"k"}, 0, 1)
	relay := outbox.NewRelay(r.pool, w, nil, nil)
	defer start(t, ctx, relay.Run)()
	require.NoError(t, relay.Flush(ctx))

	c := r.consumer(record)
	defer start(t, ctx, c.Run)()
	require.NoError(t, c.WaitCaughtUp(ctx))
	require.Equal(t, 2, r.count(t, `SELECT count(*) FROM dead_letters`))
	require.Equal(t, 1, r.count(t, `SELECT count(*) FROM applied`))
}

// TestHandlerErrorIsRetriedNotSkipped fails an event's handler twice; the event is applied once
// and the next event of its key only after it.
func TestHandlerErrorIsRetriedNotSkipped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := newRig(t)
	r.produce(t, ctx, []string{"k"}, 0, 3)
	w := kafkax.NewWriter(r.brokers)
	defer w.Close()
	relay := outbox.NewRelay(r.pool, w, nil, nil)
	defer start(t, ctx, relay.Run)()
	require.NoError(t, relay.Flush(ctx))

	var failures atomic.Int64
	c := r.consumer(func(ctx context.Context, tx pgx.Tx, env envelope.Envelope) error {
		var p payload
		if err := json.Unmarshal(env.Data, &p); err != nil {
			return err
		}
		// Write first, then fail: the rollback must undo the write.
		if err := record(ctx, tx, env); err != nil {
			return err
		}
		if p.Seq == 1 && failures.Add(1) <= 2 {
			return fmt.Errorf("transient failure %d", failures.Load())
		}
		return nil
	})
	defer start(t, ctx, c.Run)()
	require.NoError(t, c.WaitCaughtUp(ctx))
	require.Equal(t, int64(3), failures.Load())
	require.Equal(t, []int{0, 1, 2}, r.seqsByKey(t)["k"])
}

// BenchmarkWaitCaughtUp measures the cost of the "already caught up" answer that readers pay on a
// miss (CONVENTIONS.md: about a millisecond).
func BenchmarkWaitCaughtUp(b *testing.B) {
	ctx := context.Background()
	brokers := kafkatest.Start(b)
	require.NoError(b, kafkax.EnsureTopics(ctx, brokers, topic))
	w := kafkax.NewWriter(brokers)
	defer w.Close()
	require.NoError(b, w.WriteMessages(ctx, kafka.Message{Topic: topic, Key: []byte("k"), Value: []byte("x")}))
	c := consumer.New(consumer.Config{Brokers: brokers, Group: "bench", Topics: []string{topic}}, nil, nil, nil, nil)
	// Commit the group's offset directly so the consumer is caught up without a database.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, GroupID: "bench", GroupTopics: []string{topic}, MaxWait: 100 * time.Millisecond})
	m, err := r.FetchMessage(ctx)
	require.NoError(b, err)
	require.NoError(b, r.CommitMessages(ctx, m))
	require.NoError(b, r.Close())
	b.ResetTimer()
	for b.Loop() {
		if err := c.WaitCaughtUp(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTrip measures one event's trip as a write handler and a reader see it: commit
// through the outbox, Flush, then WaitCaughtUp until the consumer has applied it.
func BenchmarkRoundTrip(b *testing.B) {
	ctx := context.Background()
	r := newRig(b)
	w := kafkax.NewWriter(r.brokers)
	defer w.Close()
	relay := outbox.NewRelay(r.pool, w, nil, nil)
	defer start(b, ctx, relay.Run)()
	c := r.consumer(record)
	defer start(b, ctx, c.Run)()
	i := 0
	for b.Loop() {
		r.produce(b, ctx, []string{"k"}, i, 1)
		if err := relay.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		if err := c.WaitCaughtUp(ctx); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
	require.Equal(b, i, r.count(b, `SELECT count(*) FROM applied`))
}

// BenchmarkBacklog measures relay and consumer throughput on a backlog of 2000 events over 20 keys.
func BenchmarkBacklog(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		r := newRig(b)
		keys := make([]string, 20)
		for k := range keys {
			keys[k] = fmt.Sprintf("k%d", k)
		}
		r.produce(b, ctx, keys, 0, 100)
		w := kafkax.NewWriter(r.brokers)
		relay := outbox.NewRelay(r.pool, w, nil, nil)
		c := r.consumer(record)
		b.StartTimer()
		stopRelay := start(b, ctx, relay.Run)
		stopC := start(b, ctx, c.Run)
		require.NoError(b, relay.Flush(ctx))
		require.NoError(b, c.WaitCaughtUp(ctx))
		b.StopTimer()
		stopC()
		stopRelay()
		require.NoError(b, w.Close())
		require.Equal(b, 2000, r.count(b, `SELECT count(*) FROM applied`))
	}
	b.ReportMetric(2000*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

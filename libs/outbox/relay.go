package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/libs/kafkax"
)

// Header names the relay adds next to traceparent, so that consumers and operators can see what a
// message is without decoding its value.
const (
	HeaderEventID   = "event-id"
	HeaderEventType = "event-type"
)

const (
	selectUnsentSQL = `SELECT id, topic, key, envelope, headers FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1`
	markSentSQL     = `UPDATE outbox SET sent_at = now() WHERE id = ANY($1)`
	pendingSQL      = `SELECT count(*) FROM outbox WHERE sent_at IS NULL`
	maxUnsentSQL    = `SELECT coalesce(max(id), 0) FROM outbox WHERE sent_at IS NULL`
	unsentUpToSQL   = `SELECT EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NULL AND id <= $1)`
	purgeSQL        = `DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(secs => $1)`
	// The lock key is per schema: every service shares one database but relays only its own outbox.
	tryLockSQL = `SELECT pg_try_advisory_lock(hashtext('outbox.relay.' || current_schema()))`
)

// Hooks lets tests stop the relay inside its crash windows. Nil fields do nothing; production
// code leaves Hooks empty.
type Hooks struct {
	// AfterPublish runs after a batch was written to Kafka and before it is marked sent.
	AfterPublish func()
}

// Relay publishes committed outbox rows to Kafka in id order and marks them sent. Only the replica
// holding the schema's advisory lock relays; the others stand by.
type Relay struct {
	pool   *pgxpool.Pool
	w      *kafka.Writer
	log    *slog.Logger
	tracer trace.Tracer

	// BatchSize is the most rows published per round (default 500).
	BatchSize int
	// Interval is the polling period when nobody calls Flush (default 200 ms).
	Interval time.Duration
	// Retention is how long sent rows are kept for inspection before being purged (default 24 h).
	Retention time.Duration
	// Hooks are test-only interception points.
	Hooks Hooks

	wake chan struct{}

	mu       sync.Mutex
	progress chan struct{} // closed (and replaced) whenever rows were marked sent

	pending   prometheus.Gauge
	published prometheus.Counter
	errors    prometheus.Counter
}

// NewRelay wires a relay. reg may be nil (no metrics registered).
func NewRelay(pool *pgxpool.Pool, w *kafka.Writer, log *slog.Logger, reg prometheus.Registerer) *Relay {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Relay{
		pool:      pool,
		w:         w,
		log:       log.With("component", "outbox.relay"),
		tracer:    otel.Tracer("github.com/eventai/eventai/libs/outbox"),
		BatchSize: 500,
		Interval:  200 * time.Millisecond,
		Retention: 24 * time.Hour,
		wake:      make(chan struct{}, 1),
		progress:  make(chan struct{}),
		pending:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "outbox_pending", Help: "Outbox rows committed but not yet published (relay lag)."}),
		published: prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_published_total", Help: "Outbox messages written to Kafka."}),
		errors:    prometheus.NewCounter(prometheus.CounterOpts{Name: "outbox_publish_errors_total", Help: "Failed attempts to publish an outbox batch."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{r.pending, r.published, r.errors} {
			if err := reg.Register(c); err != nil {
				r.log.Warn("register outbox metric", "err", err)
			}
		}
	}
	return r
}

// Run relays until ctx ends. It returns nil on cancellation and an error only for a setup problem.
// Lost database connections are retried: the advisory lock dies with its session, and whichever
// replica takes it next resumes from the first unsent row.
func (r *Relay) Run(ctx context.Context) error {
	if r.pool == nil || r.w == nil {
		return errors.New("outbox relay: pool and writer are required")
	}
	backoff := newBackoff()
	for ctx.Err() == nil {
		err := r.leadAndRelay(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.log.Warn("outbox relay interrupted, retrying", "err", err)
			sleep(ctx, backoff.next())
			continue
		}
		backoff.reset()
	}
	return nil
}

// leadAndRelay takes the relay lock on a dedicated connection and relays while holding it. It
// returns nil without relaying when another replica holds the lock (after waiting a little).
func (r *Relay) leadAndRelay(ctx context.Context) error {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire relay connection: %w", err)
	}
	var locked bool
	if err := conn.QueryRow(ctx, tryLockSQL).Scan(&locked); err != nil {
		conn.Release()
		return fmt.Errorf("try relay lock: %w", err)
	}
	if !locked {
		conn.Release()
		sleep(ctx, 5*r.Interval)
		return nil
	}
	// Closing the session is the only reliable way to give up a session lock on every exit path
	// (the connection may be mid-error), so the connection is not returned to the pool.
	defer func() {
		c := conn.Hijack()
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = c.Close(closeCtx)
	}()
	r.log.Info("outbox relay is leader")
	return r.relay(ctx, conn.Conn())
}

func (r *Relay) relay(ctx context.Context, conn *pgx.Conn) error {
	backoff := newBackoff()
	lastPurge := time.Time{}
	for ctx.Err() == nil {
		if time.Since(lastPurge) > time.Minute {
			if _, err := conn.Exec(ctx, purgeSQL, r.Retention.Seconds()); err != nil {
				return fmt.Errorf("purge sent outbox rows: %w", err)
			}
			lastPurge = time.Now()
		}
		n, err := r.publishBatch(ctx, conn)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var pubErr *publishError
			if !errors.As(err, &pubErr) {
				return err // database trouble: start over with a new session
			}
			r.errors.Inc()
			d := backoff.next()
			r.log.Error("outbox publish failed, retrying the same rows", "err", err, "retry_in", d)
			sleep(ctx, d)
			continue
		}
		backoff.reset()
		if n == r.BatchSize {
			continue // more rows are waiting
		}
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-time.After(r.Interval):
		}
	}
	return nil
}

type publishError struct{ err error }

func (e *publishError) Error() string { return e.err.Error() }
func (e *publishError) Unwrap() error { return e.err }

type row struct {
	id       int64
	topic    string
	key      string
	envelope []byte
	headers  []byte
}

// publishBatch writes the first unsent rows and marks them sent. It returns how many it handled.
func (r *Relay) publishBatch(ctx context.Context, conn *pgx.Conn) (int, error) {
	rows, err := conn.Query(ctx, selectUnsentSQL, r.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("read unsent outbox rows: %w", err)
	}
	batch, err := pgx.CollectRows(rows, func(cr pgx.CollectableRow) (row, error) {
		var x row
		err := cr.Scan(&x.id, &x.topic, &x.key, &x.envelope, &x.headers)
		return x, err
	})
	if err != nil {
		return 0, fmt.Errorf("scan unsent outbox rows: %w", err)
	}
	if len(batch) == 0 {
		r.pending.Set(0)
		return 0, nil
	}
	// The lag gauge is exact at the two moments that matter: before the write and after the mark.
	pending := len(batch)
	if len(batch) == r.BatchSize {
		if err := conn.QueryRow(ctx, pendingSQL).Scan(&pending); err != nil {
			return 0, fmt.Errorf("count unsent outbox rows: %w", err)
		}
	}
	r.pending.Set(float64(pending))
	msgs := make([]kafka.Message, len(batch))
	spans := make([]trace.Span, len(batch))
	ids := make([]int64, len(batch))
	for i, x := range batch {
		msgs[i], spans[i] = r.message(ctx, x)
		ids[i] = x.id
	}
	// One synchronous write keeps per-partition order: kafka-go batches messages per partition in
	// slice order, and the next batch is not read until this one is acknowledged.
	werr := r.w.WriteMessages(ctx, msgs...)
	for _, s := range spans {
		if werr != nil {
			s.RecordError(werr)
			s.SetStatus(codes.Error, "publish failed")
		}
		s.End()
	}
	if werr != nil {
		return 0, &publishError{fmt.Errorf("publish %d outbox rows from id %d: %w", len(batch), ids[0], werr)}
	}
	if r.Hooks.AfterPublish != nil {
		r.Hooks.AfterPublish()
	}
	// A crash or shutdown here leaves published rows unsent: they are published again by the next
	// leader, and the consumers' inbox drops the duplicates. That is the at-least-once contract.
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if _, err := conn.Exec(ctx, markSentSQL, ids); err != nil {
		return 0, fmt.Errorf("mark %d outbox rows sent: %w", len(ids), err)
	}
	r.published.Add(float64(len(batch)))
	r.pending.Set(float64(max(pending-len(batch), 0)))
	r.notifyProgress()
	return len(batch), nil
}

// message builds the Kafka message of one row inside a producer span that continues the trace
// stored with the row; the span's context is what travels on to the consumer.
func (r *Relay) message(ctx context.Context, x row) (kafka.Message, trace.Span) {
	carrier := propagation.MapCarrier{}
	if err := json.Unmarshal(x.headers, &carrier); err != nil {
		r.log.Warn("outbox row has unreadable headers; publishing without trace", "id", x.id, "err", err)
	}
	prop := otel.GetTextMapPropagator()
	parent := prop.Extract(ctx, carrier)
	spanCtx, span := r.tracer.Start(parent, "publish "+x.topic,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("messaging.system", "kafka"),
			attribute.String("messaging.destination.name", x.topic),
			attribute.String("messaging.kafka.message.key", x.key),
			attribute.Int64("outbox.id", x.id),
		))
	var meta struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	_ = json.Unmarshal(x.envelope, &meta) // Add wrote it from a valid envelope
	msg := kafka.Message{Topic: x.topic, Key: []byte(x.key), Value: x.envelope}
	prop.Inject(spanCtx, kafkax.HeaderCarrier{Headers: &msg.Headers})
	msg.Headers = append(msg.Headers,
		kafka.Header{Key: HeaderEventID, Value: []byte(meta.ID)},
		kafka.Header{Key: HeaderEventType, Value: []byte(meta.Type)})
	return msg, span
}

func (r *Relay) notifyProgress() {
	r.mu.Lock()
	close(r.progress)
	r.progress = make(chan struct{})
	r.mu.Unlock()
}

func (r *Relay) progressCh() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.progress
}

// Flush wakes the relay and waits until every outbox row committed before the call has been
// published, or ctx ends (then it returns an error). When another replica relays, it notices by
// polling the rows' sent_at. With nothing pending it returns after one query.
func (r *Relay) Flush(ctx context.Context) error {
	var upTo int64
	if err := r.pool.QueryRow(ctx, maxUnsentSQL).Scan(&upTo); err != nil {
		return fmt.Errorf("outbox flush: %w", err)
	}
	if upTo == 0 {
		return nil
	}
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is already queued
	}
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		progress := r.progressCh()
		var waiting bool
		if err := r.pool.QueryRow(ctx, unsentUpToSQL, upTo).Scan(&waiting); err != nil {
			return fmt.Errorf("outbox flush up to %d: %w", upTo, err)
		}
		if !waiting {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("outbox flush up to %d: %w", upTo, ctx.Err())
		case <-progress:
		case <-poll.C:
		}
	}
}

type backoff struct{ d time.Duration }

func newBackoff() *backoff { return &backoff{} }

func (b *backoff) next() time.Duration {
	if b.d == 0 {
		b.d = 50 * time.Millisecond
	} else {
		b.d = min(2*b.d, 5*time.Second)
	}
	return b.d
}

func (b *backoff) reset() { b.d = 0 }

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

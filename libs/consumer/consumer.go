// Package consumer applies Kafka events to Postgres exactly once per event id: each message is
// handled in one transaction together with its inbox row, and its offset is committed only after
// that transaction. Failures are retried, never skipped; undecodable messages are parked.
package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/kafkax"
)

const createTableSQL = `
CREATE TABLE IF NOT EXISTS inbox (
	event_id     uuid        PRIMARY KEY,
	topic        text        NOT NULL,
	"partition"  integer     NOT NULL,
	"offset"     bigint      NOT NULL,
	processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS dead_letters (
	topic       text        NOT NULL,
	"partition" integer     NOT NULL,
	"offset"    bigint      NOT NULL,
	key         bytea,
	value       bytea,
	error       text        NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (topic, "partition", "offset")
);
`

const (
	insertInboxSQL      = `INSERT INTO inbox (event_id, topic, "partition", "offset") VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING`
	insertDeadLetterSQL = `INSERT INTO dead_letters (topic, "partition", "offset", key, value, error) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`
)

// CreateTable creates the inbox and dead_letters tables if they do not exist (safe from every
// replica at once). Services call it after their migrations.
func CreateTable(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('inbox.ddl.' || current_schema()))`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, createTableSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("create inbox table: %w", err)
	}
	return nil
}

// Handler applies one event inside the inbox transaction. ctx carries the producer's trace.
// Returning an error rolls the transaction back and the same message is retried, so a handler
// returns nil for event types it does not know (DESIGN.md: consumers ignore unknown types).
type Handler func(ctx context.Context, tx pgx.Tx, env envelope.Envelope) error

// Config says what to consume.
type Config struct {
	Brokers []string
	Group   string
	Topics  []string
	// LoudAfter is the attempt count after which a failing message is logged at error level on
	// every retry (default 5). The message is still retried: skipping it would lose it.
	LoudAfter int
}

// Hooks lets tests stop the consumer inside its crash windows; production leaves them nil.
type Hooks struct {
	// AfterApply runs after the inbox transaction committed and before the offset commit.
	AfterApply func(m kafka.Message)
}

// Consumer runs one consumer group member.
type Consumer struct {
	cfg    Config
	pool   *pgxpool.Pool
	h      Handler
	log    *slog.Logger
	tracer trace.Tracer
	client *kafka.Client

	// Hooks are test-only interception points.
	Hooks Hooks

	started atomic.Bool
	fetched atomic.Bool

	mu        sync.Mutex
	committed map[topicPartition]int64 // next offset to read, per partition, as committed by us
	progress  chan struct{}            // closed (and replaced) on every commit, wakes WaitCaughtUp

	lag      *prometheus.GaugeVec
	messages *prometheus.CounterVec
}

type topicPartition struct {
	topic     string
	partition int
}

// New wires a consumer. reg may be nil (no metrics registered).
func New(cfg Config, pool *pgxpool.Pool, h Handler, log *slog.Logger, reg prometheus.Registerer) *Consumer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.LoudAfter <= 0 {
		cfg.LoudAfter = 5
	}
	c := &Consumer{
		cfg:       cfg,
		pool:      pool,
		h:         h,
		log:       log.With("component", "consumer", "group", cfg.Group),
		tracer:    otel.Tracer("github.com/eventai/eventai/libs/consumer"),
		client:    &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 5 * time.Second},
		committed: map[topicPartition]int64{},
		progress:  make(chan struct{}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "consumer_lag", Help: "Messages behind the partition's high watermark at the last fetch.",
		}, []string{"topic", "partition"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consumer_messages_total", Help: "Consumed messages by result (applied, duplicate, dead_letter, error).",
		}, []string{"result"}),
	}
	if reg != nil {
		for _, col := range []prometheus.Collector{c.lag, c.messages} {
			if err := reg.Register(col); err != nil {
				c.log.Warn("register consumer metric", "err", err)
			}
		}
	}
	return c
}

// Run consumes until ctx ends; it returns nil on cancellation. Each message goes FetchMessage →
// one transaction {inbox insert, handler} → CommitMessages, so a crash anywhere re-delivers at
// most the messages whose offsets were not committed, and the inbox makes that harmless.
func (c *Consumer) Run(ctx context.Context) error {
	if c.cfg.Group == "" || len(c.cfg.Topics) == 0 || len(c.cfg.Brokers) == 0 {
		return errors.New("consumer: brokers, group and topics are required")
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        c.cfg.Brokers,
		GroupID:        c.cfg.Group,
		GroupTopics:    c.cfg.Topics,
		StartOffset:    kafka.FirstOffset,
		MinBytes:       1,
		MaxBytes:       10 << 20,
		MaxWait:        250 * time.Millisecond,
		CommitInterval: 0, // synchronous: CommitMessages returns once the broker has the offset
	})
	c.started.Store(true)
	defer func() {
		c.started.Store(false)
		// kafka-go's Close can hang on a dead broker (#711, #1248): bound it.
		done := make(chan error, 1)
		go func() { done <- r.Close() }()
		select {
		case err := <-done:
			if err != nil {
				c.log.Warn("close reader", "err", err)
			}
		case <-time.After(5 * time.Second):
			c.log.Error("close reader timed out")
		}
	}()

	fetchBackoff := time.Duration(0)
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			fetchBackoff = min(max(2*fetchBackoff, 50*time.Millisecond), 5*time.Second)
			c.log.Warn("fetch message", "err", err, "retry_in", fetchBackoff)
			sleep(ctx, fetchBackoff)
			continue
		}
		fetchBackoff = 0
		c.fetched.Store(true)
		c.lag.WithLabelValues(m.Topic, strconv.Itoa(m.Partition)).Set(float64(max(m.HighWaterMark-m.Offset-1, 0)))

		if !c.process(ctx, m) {
			return nil // ctx ended before the message was applied: it will be fetched again
		}
		if c.Hooks.AfterApply != nil {
			c.Hooks.AfterApply(m)
		}
		if !c.commit(ctx, r, m) {
			return nil
		}
	}
}

// process applies m, retrying until it succeeds; it returns false only when ctx ended first.
func (c *Consumer) process(ctx context.Context, m kafka.Message) bool {
	msgCtx := otel.GetTextMapPropagator().Extract(ctx, kafkax.HeaderCarrier{Headers: &m.Headers})
	msgCtx, span := c.tracer.Start(msgCtx, "process "+m.Topic,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "kafka"),
			attribute.String("messaging.destination.name", m.Topic),
			attribute.String("messaging.consumer.group.name", c.cfg.Group),
			attribute.Int("messaging.destination.partition.id", m.Partition),
			attribute.Int64("messaging.kafka.offset", m.Offset),
		))
	defer span.End()

	env, decodeErr := envelope.Decode(m.Value)
	log := c.log.With("topic", m.Topic, "partition", m.Partition, "offset", m.Offset)
	wait := time.Duration(0)
	for attempt := 1; ; attempt++ {
		result, err := c.apply(msgCtx, m, env, decodeErr)
		if err == nil {
			c.messages.WithLabelValues(result).Inc()
			span.SetAttributes(attribute.String("consumer.result", result))
			if result == "dead_letter" {
				log.ErrorContext(msgCtx, "undecodable message parked in dead_letters", "err", decodeErr)
			} else {
				// With msgCtx the line carries the producer's trace_id: logs join a request to the
				// consumers that acted on it.
				log.DebugContext(msgCtx, "applied event", "type", env.Type, "event_id", env.ID, "result", result)
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		c.messages.WithLabelValues("error").Inc()
		span.RecordError(err)
		span.SetStatus(codes.Error, "handler failed")
		wait = min(max(2*wait, 50*time.Millisecond), 5*time.Second)
		if attempt >= c.cfg.LoudAfter {
			log.ErrorContext(msgCtx, "event keeps failing; partition is blocked until it succeeds", "event_id", env.ID, "type", env.Type, "attempt", attempt, "err", err)
		} else {
			log.WarnContext(msgCtx, "event failed, retrying", "event_id", env.ID, "type", env.Type, "attempt", attempt, "err", err)
		}
		sleep(ctx, wait)
	}
}

// apply runs one attempt in one transaction and reports what happened.
func (c *Consumer) apply(ctx context.Context, m kafka.Message, env envelope.Envelope, decodeErr error) (string, error) {
	result := "applied"
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		if decodeErr != nil {
			result = "dead_letter"
			_, err := tx.Exec(ctx, insertDeadLetterSQL, m.Topic, m.Partition, m.Offset, m.Key, m.Value, decodeErr.Error())
			return err
		}
		tag, err := tx.Exec(ctx, insertInboxSQL, env.ID, m.Topic, m.Partition, m.Offset)
		if err != nil {
			return fmt.Errorf("insert inbox row: %w", err)
		}
		if tag.RowsAffected() == 0 {
			result = "duplicate"
			return nil
		}
		if err := c.h(ctx, tx, env); err != nil {
			return fmt.Errorf("handle %s %s: %w", env.Type, env.ID, err)
		}
		return nil
	})
	return result, err
}

// commit commits m's offset, retrying transient failures; false means ctx ended first (the
// message will be redelivered and dropped by the inbox).
func (c *Consumer) commit(ctx context.Context, r *kafka.Reader, m kafka.Message) bool {
	wait := time.Duration(0)
	for {
		// kafka-go races a cancelled ctx against the commit; decide here instead, so a shutdown
		// right after the transaction predictably leaves the offset for the next member.
		if ctx.Err() != nil {
			return false
		}
		err := r.CommitMessages(ctx, m)
		if err == nil {
			c.mu.Lock()
			c.committed[topicPartition{m.Topic, m.Partition}] = m.Offset + 1
			close(c.progress)
			c.progress = make(chan struct{})
			c.mu.Unlock()
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		wait = min(max(2*wait, 50*time.Millisecond), 5*time.Second)
		c.log.Warn("commit offset", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err)
		sleep(ctx, wait)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

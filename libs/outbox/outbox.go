// Package outbox is the transactional outbox: a service stores its events in the same Postgres
// transaction as its state change (Add), and a Relay publishes them to Kafka afterwards, in order,
// at least once. No dual writes.
//
// Order per key: rows are published in id order, and ids are handed out at INSERT. Write (and so
// lock) the aggregate's row before calling Add in the transaction: then two transactions on one
// aggregate take their outbox ids in commit order. Rows of a transaction that commits late are still
// published, later, because the relay looks for unsent rows rather than a high-water mark.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/eventai/eventai/libs/envelope"
)

// createTableSQL is the outbox DDL. It runs in the service's schema (search_path). The partial
// index keeps the relay's "unsent in id order" scan cheap however many sent rows are kept.
const createTableSQL = `
CREATE TABLE IF NOT EXISTS outbox (
	id         bigserial   PRIMARY KEY,
	topic      text        NOT NULL,
	key        text        NOT NULL,
	envelope   jsonb       NOT NULL,
	headers    jsonb       NOT NULL DEFAULT '{}'::jsonb,
	created_at timestamptz NOT NULL DEFAULT now(),
	sent_at    timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
`

const insertSQL = `INSERT INTO outbox (topic, key, envelope, headers) VALUES ($1, $2, $3, $4)`

// CreateTable creates the outbox table and its indexes if they do not exist. Services call it
// after their migrations; it is safe to call from every replica at once.
func CreateTable(ctx context.Context, pool *pgxpool.Pool) error {
	// Concurrent CREATE ... IF NOT EXISTS can still collide on the catalog; serialise replicas.
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('outbox.ddl.' || current_schema()))`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, createTableSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("create outbox table: %w", err)
	}
	return nil
}

// Add stores env for topic under key (the aggregate id) in tx, together with the W3C trace context
// of ctx so that the consumer's work joins the producer's trace.
func Add(ctx context.Context, tx pgx.Tx, topic, key string, env envelope.Envelope) error {
	if topic == "" || key == "" {
		return errors.New("outbox add: topic and key are required")
	}
	value, err := env.Encode()
	if err != nil {
		return fmt.Errorf("outbox add %s: %w", env.Type, err)
	}
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	headers, err := json.Marshal(carrier)
	if err != nil {
		return fmt.Errorf("outbox add %s: headers: %w", env.Type, err)
	}
	if _, err := tx.Exec(ctx, insertSQL, topic, key, value, headers); err != nil {
		return fmt.Errorf("outbox add %s %s to %s: %w", env.Type, env.ID, topic, err)
	}
	return nil
}

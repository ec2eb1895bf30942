// Package envelope is the JSON wrapper every Kafka message value carries (DESIGN.md "Kafka contract").
package envelope

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// SchemaVersion is the envelope schema version this package writes.
const SchemaVersion = 1

// Envelope is one event: who sent it, what happened to which aggregate, and the type's data.
type Envelope struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	Source        string          `json:"source"`
	Time          time.Time       `json:"time"`
	Subject       string          `json:"subject"`
	SchemaVersion int             `json:"schema_version"`
	Data          json.RawMessage `json:"data"`
}

// New builds an envelope with a fresh time-ordered (v7) id, the current UTC time (microsecond
// precision, so that it survives a Postgres round trip unchanged) and data marshalled to JSON.
func New(source, typ, subject string, data any) (Envelope, error) {
	if source == "" || typ == "" || subject == "" {
		return Envelope{}, fmt.Errorf("new envelope: source, type and subject are required (got %q, %q, %q)", source, typ, subject)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("new envelope %s: marshal data: %w", typ, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Envelope{}, fmt.Errorf("new envelope %s: id: %w", typ, err)
	}
	return Envelope{
		ID:            id.String(),
		Type:          typ,
		Source:        source,
		Time:          time.Now().UTC().Truncate(time.Microsecond),
		Subject:       subject,
		SchemaVersion: SchemaVersion,
		Data:          raw,
	}, nil
}

// ErrInvalid marks a message value that is not a usable envelope.
var ErrInvalid = errors.New("invalid envelope")

// Decode parses a message value. Unknown fields are ignored so that producers can add fields
// without breaking consumers; a value without an id (a UUID) or a type is ErrInvalid.
func Decode(b []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := uuid.Parse(e.ID); err != nil {
		return Envelope{}, fmt.Errorf("%w: id %q: %v", ErrInvalid, e.ID, err)
	}
	if e.Type == "" {
		return Envelope{}, fmt.Errorf("%w: missing type", ErrInvalid)
	}
	e.Time = e.Time.UTC()
	return e, nil
}

// Encode marshals the envelope with its time in UTC RFC 3339.
func (e Envelope) Encode() ([]byte, error) {
	e.Time = e.Time.UTC()
	if e.Data == nil {
		e.Data = json.RawMessage("null")
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode envelope %s: %w", e.ID, err)
	}
	return b, nil
}

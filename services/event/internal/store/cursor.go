package store

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ErrBadCursor means a client sent a cursor this service did not issue.
var ErrBadCursor = errors.New("malformed cursor")

// keyset is the position after which a page continues: a time and an id break ties.
type keyset struct {
	At time.Time
	ID uuid.UUID
}

func encodeCursor(k keyset) string {
	raw := strconv.FormatInt(k.At.UnixMicro(), 10) + "|" + k.ID.String()
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(s string) (*keyset, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	if !ok {
		return nil, ErrBadCursor
	}
	micros, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, ErrBadCursor
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil, ErrBadCursor
	}
	return &keyset{At: time.UnixMicro(micros).UTC(), ID: uid}, nil
}

// likePattern escapes LIKE wildcards so that a search text matches literally.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/services/task/internal/domain"
)

// ErrBadCursor means a client sent a cursor this service did not issue.
var ErrBadCursor = errors.New("malformed cursor")

// keyset is the position after which a page of tasks continues (they are ordered by start, id).
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

// ListFilter selects a page of tasks; zero fields do not filter.
type ListFilter struct {
	EventID    *uuid.UUID
	AssigneeID *uuid.UUID
	Unassigned bool
	Approval   string
	Status     string
	From       *time.Time // tasks that end after From
	To         *time.Time // tasks that start before To
	Limit      int
	Cursor     string
}

// List answers one page of live tasks ordered by start time and id, and the next cursor ("" at
// the end). With AssigneeID and Approval set it runs on tasks_staff_idx.
func (s *Store) List(ctx context.Context, f ListFilter) ([]domain.Task, string, error) {
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var sb strings.Builder
	sb.WriteString(`SELECT ` + taskCols + ` FROM tasks WHERE deleted_at IS NULL`)
	args := []any{}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.EventID != nil {
		sb.WriteString(` AND event_id = ` + arg(*f.EventID))
	}
	if f.AssigneeID != nil {
		sb.WriteString(` AND assignee_id = ` + arg(*f.AssigneeID))
	}
	if f.Unassigned {
		sb.WriteString(` AND assignee_id IS NULL`)
	}
	if f.Approval != "" {
		sb.WriteString(` AND approval = ` + arg(f.Approval))
	}
	if f.Status != "" {
		sb.WriteString(` AND status = ` + arg(f.Status))
	}
	if f.From != nil {
		sb.WriteString(` AND ends_at > ` + arg(*f.From))
	}
	if f.To != nil {
		sb.WriteString(` AND starts_at < ` + arg(*f.To))
	}
	if after != nil {
		sb.WriteString(` AND (starts_at, id) > (` + arg(after.At) + `, ` + arg(after.ID) + `)`)
	}
	sb.WriteString(` ORDER BY starts_at, id LIMIT ` + arg(f.Limit+1))
	out, err := collectTasks(s.pool.Query(ctx, sb.String(), args...))
	if err != nil {
		return nil, "", fmt.Errorf("list tasks: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = encodeCursor(keyset{At: last.StartsAt, ID: last.ID})
	}
	return out, next, nil
}

// HistoryEntry is one row of a task's history.
type HistoryEntry struct {
	ID      int64           `json:"id"`
	TaskID  uuid.UUID       `json:"task_id"`
	At      time.Time       `json:"at"`
	ActorID *uuid.UUID      `json:"actor_id"`
	Action  string          `json:"action"`
	From    json.RawMessage `json:"from"`
	To      json.RawMessage `json:"to"`
	Note    string          `json:"note"`
}

// History answers one page of a task's history, oldest first, and the next cursor.
func (s *Store) History(ctx context.Context, taskID uuid.UUID, limit int, cursor string) ([]HistoryEntry, string, error) {
	var after int64
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil {
			return nil, "", ErrBadCursor
		}
		if after, err = strconv.ParseInt(string(raw), 10, 64); err != nil {
			return nil, "", ErrBadCursor
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT id, task_id, at, actor_id, action, "from", "to", note FROM task_history
		WHERE task_id = $1 AND id > $2 ORDER BY id LIMIT $3`, taskID, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list history of %s: %w", taskID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (HistoryEntry, error) {
		var h HistoryEntry
		var from, to []byte
		err := r.Scan(&h.ID, &h.TaskID, &h.At, &h.ActorID, &h.Action, &from, &to, &h.Note)
		h.At, h.From, h.To = h.At.UTC(), from, to
		return h, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list history of %s: %w", taskID, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(out[len(out)-1].ID, 10)))
	}
	return out, next, nil
}

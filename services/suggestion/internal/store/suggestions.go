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

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/suggestion/internal/domain"
)

// Topic is the suggestion service's own topic.
const Topic = "suggestion.suggestions.v1"

// Event types published on Topic.
const (
	TypeCreated       = "suggestion.created"
	TypeTasksProposed = "suggestion.tasks_proposed"
)

const source = "suggestion"

// TeamData is a team in suggestion.created.
type TeamData struct {
	ID        uuid.UUID   `json:"id"`
	Name      string      `json:"name"`
	Area      string      `json:"area"`
	LeadID    *uuid.UUID  `json:"lead_id"`
	MemberIDs []uuid.UUID `json:"member_ids"`
}

// CreatedData is the data of suggestion.created (CONVENTIONS.md).
type CreatedData struct {
	ID         uuid.UUID   `json:"id"`
	EventID    uuid.UUID   `json:"event_id"`
	CompanyID  uuid.UUID   `json:"company_id"`
	CreatedBy  uuid.UUID   `json:"created_by"`
	Mode       string      `json:"mode"`
	Planner    string      `json:"planner"`
	Supersedes []uuid.UUID `json:"supersedes"`
	TaskCount  int         `json:"task_count"`
	Batches    int         `json:"batches"`
	Teams      []TeamData  `json:"teams"`
}

// ProposedTaskData is one task in suggestion.tasks_proposed.
type ProposedTaskData struct {
	ID             uuid.UUID            `json:"id"`
	Title          string               `json:"title"`
	Description    string               `json:"description"`
	RequiredSkills []domain.Requirement `json:"required_skills"`
	StartsAt       time.Time            `json:"starts_at"`
	EndsAt         time.Time            `json:"ends_at"`
	Priority       int                  `json:"priority"`
	AssigneeID     *uuid.UUID           `json:"assignee_id"`
	SlotGroup      *string              `json:"slot_group"`
	Area           string               `json:"area"`
	Reasons        []string             `json:"reasons"`
}

// TasksProposedData is the data of suggestion.tasks_proposed: at most domain.BatchSize tasks.
type TasksProposedData struct {
	SuggestionID uuid.UUID          `json:"suggestion_id"`
	EventID      uuid.UUID          `json:"event_id"`
	CompanyID    uuid.UUID          `json:"company_id"`
	Batch        int                `json:"batch"` // 1-based
	Batches      int                `json:"batches"`
	Tasks        []ProposedTaskData `json:"tasks"`
}

func publish(ctx context.Context, tx pgx.Tx, typ string, eventID uuid.UUID, data any) error {
	env, err := envelope.New(source, typ, eventID.String(), data)
	if err != nil {
		return fmt.Errorf("build %s envelope: %w", typ, err)
	}
	if err := outbox.Add(ctx, tx, Topic, eventID.String(), env); err != nil {
		return fmt.Errorf("add %s to outbox: %w", typ, err)
	}
	return nil
}

const suggestionCols = `id, event_id, company_id, created_by, mode, status, planner, task_count, new_task_count, body, error, supersedes,
	superseded_by, created_at, updated_at`

const (
	sqlInsertSuggestion = `INSERT INTO suggestions (id, event_id, company_id, created_by, mode, status, planner, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`
	sqlLockEvent = `SELECT pg_advisory_xact_lock(hashtextextended('suggestion:' || $1::text, 0))`
	// The share lock makes a concurrent event.deleted either wait for this suggestion (which then
	// existed before the deletion) or be seen by it.
	sqlEventDeleted = `SELECT deleted FROM events WHERE id = $1 FOR SHARE`
	// Earlier suggestions of the event that are not approved yet (the rule of
	// domain.Suggestion.DerivedStatus, in SQL).
	sqlToSupersede = `SELECT s.id FROM suggestions s
		LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE approval = 'proposed' AND NOT deleted) AS proposed,
				count(*) FILTER (WHERE approval = 'approved' AND NOT deleted) AS approved,
				count(*) FILTER (WHERE approval IN ('approved', 'rejected') OR deleted) AS decided
			FROM tasks t WHERE t.suggestion_id = s.id) c ON true
		WHERE s.event_id = $1 AND s.id <> $2 AND s.status = 'ready' AND s.superseded_by IS NULL
		  AND NOT (c.approved > 0 AND c.proposed = 0 AND c.decided >= s.new_task_count)
		ORDER BY s.created_at, s.id`
	sqlMarkSuperseded = `UPDATE suggestions SET superseded_by = $2, updated_at = $3 WHERE id = ANY($1)`
	sqlUpsertReady    = `INSERT INTO suggestions (id, event_id, company_id, created_by, mode, status, planner, task_count, body,
			supersedes, created_at, updated_at, new_task_count)
		VALUES ($1, $2, $3, $4, $5, 'ready', $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (id) DO UPDATE SET status = 'ready', planner = excluded.planner, task_count = excluded.task_count,
			new_task_count = excluded.new_task_count,
			body = excluded.body, supersedes = excluded.supersedes, updated_at = excluded.updated_at
		WHERE suggestions.status = 'running'`
	sqlFail          = `UPDATE suggestions SET status = 'failed', error = $2, updated_at = $3 WHERE id = $1 AND status = 'running'`
	sqlFailRunning   = `UPDATE suggestions SET status = 'failed', error = $1, updated_at = $2 WHERE status = 'running'`
	sqlGetSuggestion = `SELECT ` + suggestionCols + ` FROM suggestions WHERE id = $1`
)

// ErrNotRunning means a background solve finished for a suggestion that is no longer running
// (failed meanwhile, e.g. by a restart of another replica).
var ErrNotRunning = errors.New("suggestion is not running")

// ErrEventDeleted means a solve finished after its event was deleted: nothing is stored or
// published. It is a domain.ErrNotFound (the event is gone).
var ErrEventDeleted = fmt.Errorf("event was deleted during the solve: %w", domain.ErrNotFound)

// InsertRunning records a suggestion whose solve runs in the background.
func (s *Store) InsertRunning(ctx context.Context, sg domain.Suggestion) error {
	if _, err := s.pool.Exec(ctx, sqlInsertSuggestion, sg.ID, sg.EventID, sg.CompanyID, sg.CreatedBy, sg.Mode,
		domain.StatusRunning, sg.Planner, sg.CreatedAt); err != nil {
		return fmt.Errorf("insert suggestion %s: %w", sg.ID, err)
	}
	return nil
}

// SaveReady stores a solved suggestion and, in the same transaction, supersedes the event's
// earlier unapproved suggestions and writes the outbox rows: one suggestion.created and the
// tasks in suggestion.tasks_proposed batches, all keyed by the event id so they stay in order.
// A suggestion inserted as running must still be running. It returns sg with Supersedes set.
func (s *Store) SaveReady(ctx context.Context, sg domain.Suggestion) (domain.Suggestion, error) {
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlLockEvent, sg.EventID); err != nil {
			return fmt.Errorf("lock suggestions of event %s: %w", sg.EventID, err)
		}
		var deleted bool
		switch err := tx.QueryRow(ctx, sqlEventDeleted, sg.EventID).Scan(&deleted); {
		case errors.Is(err, pgx.ErrNoRows):
			// Not in the read model (yet): nothing says it is gone.
		case err != nil:
			return fmt.Errorf("check event %s: %w", sg.EventID, err)
		case deleted:
			return fmt.Errorf("store suggestion %s: %w", sg.ID, ErrEventDeleted)
		}
		rows, err := tx.Query(ctx, sqlToSupersede, sg.EventID, sg.ID)
		if err != nil {
			return fmt.Errorf("find superseded suggestions of event %s: %w", sg.EventID, err)
		}
		older, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return fmt.Errorf("find superseded suggestions of event %s: %w", sg.EventID, err)
		}
		sg.Supersedes = nonNil(older)
		body, err := json.Marshal(sg.Body)
		if err != nil {
			return fmt.Errorf("encode suggestion %s: %w", sg.ID, err)
		}
		tag, err := tx.Exec(ctx, sqlUpsertReady, sg.ID, sg.EventID, sg.CompanyID, sg.CreatedBy, sg.Mode, sg.Planner,
			len(sg.Body.Tasks), body, sg.Supersedes, sg.CreatedAt, sg.UpdatedAt, sg.Body.NewTasks())
		if err != nil {
			return fmt.Errorf("store suggestion %s: %w", sg.ID, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("store suggestion %s: %w", sg.ID, ErrNotRunning)
		}
		if len(older) > 0 {
			if _, err := tx.Exec(ctx, sqlMarkSuperseded, older, sg.ID, sg.UpdatedAt); err != nil {
				return fmt.Errorf("mark suggestions superseded by %s: %w", sg.ID, err)
			}
		}
		return publishSuggestion(ctx, tx, sg)
	})
	if err != nil {
		return sg, err
	}
	sg.Status, sg.TaskCount, sg.NewTaskCount = domain.StatusReady, len(sg.Body.Tasks), sg.Body.NewTasks()
	return sg, nil
}

func publishSuggestion(ctx context.Context, tx pgx.Tx, sg domain.Suggestion) error {
	batches := domain.Batches(sg.Body.Tasks, domain.BatchSize)
	teams := make([]TeamData, 0, len(sg.Body.Teams))
	for _, t := range sg.Body.Teams {
		teams = append(teams, TeamData{ID: t.ID, Name: t.Name, Area: t.Area, LeadID: t.LeadID, MemberIDs: nonNil(t.MemberIDs)})
	}
	if err := publish(ctx, tx, TypeCreated, sg.EventID, CreatedData{ID: sg.ID, EventID: sg.EventID, CompanyID: sg.CompanyID,
		CreatedBy: sg.CreatedBy, Mode: sg.Mode, Planner: sg.Planner, Supersedes: sg.Supersedes, TaskCount: len(sg.Body.Tasks),
		Batches: len(batches), Teams: teams}); err != nil {
		return err
	}
	for i, b := range batches {
		d := TasksProposedData{SuggestionID: sg.ID, EventID: sg.EventID, CompanyID: sg.CompanyID, Batch: i + 1,
			Batches: len(batches), Tasks: make([]ProposedTaskData, 0, len(b))}
		for _, t := range b {
			d.Tasks = append(d.Tasks, ProposedTaskData{ID: t.ID, Title: t.Title, Description: t.Description,
				RequiredSkills: nonNil(t.RequiredSkills), StartsAt: t.StartsAt, EndsAt: t.EndsAt, Priority: t.Priority,
				AssigneeID: t.AssigneeID, SlotGroup: nullString(t.SlotGroup), Area: t.Area, Reasons: nonNil(t.Reasons)})
		}
		if err := publish(ctx, tx, TypeTasksProposed, sg.EventID, d); err != nil {
			return err
		}
	}
	return nil
}

// Fail marks a running suggestion failed with a reason.
func (s *Store) Fail(ctx context.Context, id uuid.UUID, reason string, now time.Time) error {
	if _, err := s.pool.Exec(ctx, sqlFail, id, reason, now); err != nil {
		return fmt.Errorf("fail suggestion %s: %w", id, err)
	}
	return nil
}

// FailRunning marks every running suggestion failed: called at start, when no solve of this
// process can be running yet. With several replicas, a solve of another one that finishes
// later is refused (ErrNotRunning) rather than resurrected.
func (s *Store) FailRunning(ctx context.Context, reason string, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, sqlFailRunning, reason, now)
	if err != nil {
		return 0, fmt.Errorf("fail interrupted suggestions: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Suggestion loads one suggestion; a missing one is domain.ErrNotFound.
func (s *Store) Suggestion(ctx context.Context, id uuid.UUID) (domain.Suggestion, error) {
	rows, err := s.pool.Query(ctx, sqlGetSuggestion, id)
	if err != nil {
		return domain.Suggestion{}, fmt.Errorf("load suggestion %s: %w", id, err)
	}
	sg, err := pgx.CollectExactlyOneRow(rows, scanSuggestion)
	if errors.Is(err, pgx.ErrNoRows) {
		return sg, fmt.Errorf("suggestion %s: %w", id, domain.ErrNotFound)
	}
	if err != nil {
		return sg, fmt.Errorf("load suggestion %s: %w", id, err)
	}
	return sg, nil
}

const sqlLatestReady = `SELECT ` + suggestionCols + ` FROM suggestions
	WHERE event_id = $1 AND status = 'ready' AND superseded_by IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`

// LatestReady loads the event's newest ready suggestion that nothing superseded; nil if none.
func (s *Store) LatestReady(ctx context.Context, eventID uuid.UUID) (*domain.Suggestion, error) {
	rows, err := s.pool.Query(ctx, sqlLatestReady, eventID)
	if err != nil {
		return nil, fmt.Errorf("load latest suggestion of %s: %w", eventID, err)
	}
	sg, err := pgx.CollectExactlyOneRow(rows, scanSuggestion)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load latest suggestion of %s: %w", eventID, err)
	}
	return &sg, nil
}

// Summary columns leave the body out, except its metrics.
const (
	summaryCols = `id, event_id, company_id, created_by, mode, status, planner, task_count, new_task_count,
		CASE WHEN body IS NULL THEN NULL ELSE jsonb_build_object('metrics', body->'metrics', 'teams', body->'teams') END,
		error, supersedes, superseded_by, created_at, updated_at`
	sqlListSuggestions = `SELECT ` + summaryCols + ` FROM suggestions WHERE event_id = $1
		AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) ORDER BY created_at DESC, id DESC LIMIT $4`
)

// ErrBadCursor means a client sent a cursor this service did not issue.
var ErrBadCursor = errors.New("malformed cursor")

// Suggestions lists an event's suggestions, newest first, without their tasks. The cursor is
// opaque to clients.
func (s *Store) Suggestions(ctx context.Context, eventID uuid.UUID, limit int, cursor string) ([]domain.Suggestion, string, error) {
	var at *time.Time
	var after uuid.UUID
	if cursor != "" {
		t, id, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		at, after = &t, id
	}
	rows, err := s.pool.Query(ctx, sqlListSuggestions, eventID, at, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list suggestions of %s: %w", eventID, err)
	}
	out, err := pgx.CollectRows(rows, scanSuggestion)
	if err != nil {
		return nil, "", fmt.Errorf("list suggestions of %s: %w", eventID, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = encodeCursor(last.CreatedAt, last.ID)
	}
	return out, next, nil
}

func scanSuggestion(r pgx.CollectableRow) (domain.Suggestion, error) {
	var sg domain.Suggestion
	var body []byte
	if err := r.Scan(&sg.ID, &sg.EventID, &sg.CompanyID, &sg.CreatedBy, &sg.Mode, &sg.Status, &sg.Planner, &sg.TaskCount, &sg.NewTaskCount,
		&body, &sg.Error, &sg.Supersedes, &sg.SupersededBy, &sg.CreatedAt, &sg.UpdatedAt); err != nil {
		return sg, err
	}
	if body != nil {
		sg.Body = &domain.Body{}
		if err := json.Unmarshal(body, sg.Body); err != nil {
			return sg, fmt.Errorf("decode suggestion %s: %w", sg.ID, err)
		}
	}
	return sg, nil
}

const sqlCounts = `SELECT suggestion_id, count(*) FILTER (WHERE approval = 'proposed' AND NOT deleted),
		count(*) FILTER (WHERE approval = 'approved' AND NOT deleted), count(*) FILTER (WHERE approval = 'rejected' AND NOT deleted),
		count(*) FILTER (WHERE deleted)
	FROM tasks WHERE suggestion_id = ANY($1) GROUP BY suggestion_id`

// Counts answers the read model's approval counts of the suggestions' tasks.
func (s *Store) Counts(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.TaskCounts, error) {
	out := make(map[uuid.UUID]domain.TaskCounts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, sqlCounts, ids)
	if err != nil {
		return nil, fmt.Errorf("count tasks of suggestions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var c domain.TaskCounts
		if err := rows.Scan(&id, &c.Proposed, &c.Approved, &c.Rejected, &c.Deleted); err != nil {
			return nil, fmt.Errorf("count tasks of suggestions: %w", err)
		}
		out[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count tasks of suggestions: %w", err)
	}
	return out, nil
}

func encodeCursor(at time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "|" + id.String()))
}

func decodeCursor(s string) (time.Time, uuid.UUID, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, uuid.Nil, ErrBadCursor
	}
	ts, idText, ok := strings.Cut(string(raw), "|")
	if !ok {
		return time.Time{}, uuid.Nil, ErrBadCursor
	}
	micros, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, uuid.Nil, ErrBadCursor
	}
	id, err := uuid.Parse(idText)
	if err != nil {
		return time.Time{}, uuid.Nil, ErrBadCursor
	}
	return time.UnixMicro(micros).UTC(), id, nil
}

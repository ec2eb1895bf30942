// Package store keeps tasks, their history and the read models of other services in Postgres.
// Every change of a task, its history row and the event announcing it commit in one transaction
// (the outbox row); callers get that transaction as a Tx and run the domain rules inside it.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/libs/outbox"
	"github.com/eventai/eventai/libs/pg"
	"github.com/eventai/eventai/services/task/internal/domain"
)

// Topic is the task service's own topic.
const Topic = "task.tasks.v1"

// Event types published on Topic.
const (
	TypeCreated = "task.created"
	TypeUpdated = "task.updated"
	TypeDeleted = "task.deleted"
)

const source = "task"

// DeletedData is the data of task.deleted.
type DeletedData struct {
	ID        uuid.UUID `json:"id"`
	EventID   uuid.UUID `json:"event_id"`
	CompanyID uuid.UUID `json:"company_id"`
}

// querier is what both the pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is the Postgres repository of the task service.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a Store on pool (whose search_path is the task schema).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Tx is one transaction of the task service: reads that lock, and writes that add the history
// row and the outbox row with the change.
type Tx struct {
	tx  pgx.Tx
	now time.Time
}

// Wrap lets a consumer handler use the task writes inside the consumer's own transaction.
func Wrap(tx pgx.Tx, now time.Time) *Tx { return &Tx{tx: tx, now: now} }

// InTx runs fn in one transaction stamped with now; fn's error rolls everything back.
func (s *Store) InTx(ctx context.Context, now time.Time, fn func(*Tx) error) error {
	return pg.InTx(ctx, s.pool, func(tx pgx.Tx) error { return fn(&Tx{tx: tx, now: now}) })
}

const taskCols = `id, event_id, company_id, title, description, required_skills, starts_at, ends_at, priority,
	assignee_id, approval, status, progress, note, source, suggestion_id, slot_group, area, reasons, version,
	created_at, updated_at, approved_at, completed_at, edited_by_manager, was_blocked`

func scanTask(row pgx.Row) (domain.Task, error) {
	var t domain.Task
	var skills, reasons []byte
	err := row.Scan(&t.ID, &t.EventID, &t.CompanyID, &t.Title, &t.Description, &skills, &t.StartsAt, &t.EndsAt,
		&t.Priority, &t.AssigneeID, &t.Approval, &t.Status, &t.Progress, &t.Note, &t.Source, &t.SuggestionID,
		&t.SlotGroup, &t.Area, &reasons, &t.Version, &t.CreatedAt, &t.UpdatedAt, &t.ApprovedAt, &t.CompletedAt,
		&t.EditedByManager, &t.WasBlocked)
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(skills, &t.RequiredSkills); err != nil {
		return t, fmt.Errorf("decode required skills of %s: %w", t.ID, err)
	}
	if t.RequiredSkills == nil {
		t.RequiredSkills = []domain.Skill{}
	}
	t.Reasons = json.RawMessage(reasons)
	t.StartsAt, t.EndsAt = t.StartsAt.UTC(), t.EndsAt.UTC()
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	t.ApprovedAt, t.CompletedAt = utcPtr(t.ApprovedAt), utcPtr(t.CompletedAt)
	return t, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func collectTasks(rows pgx.Rows, err error) ([]domain.Task, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Task, error) { return scanTask(r) })
}

func skillsJSON(s []domain.Skill) []byte {
	if len(s) == 0 {
		return []byte("[]")
	}
	b, _ := json.Marshal(s) // plain structs of strings and ints always marshal
	return b
}

func reasonsJSON(r json.RawMessage) []byte {
	if len(r) == 0 || !json.Valid(r) {
		return []byte("[]")
	}
	return r
}

func publish(ctx context.Context, tx pgx.Tx, typ string, id uuid.UUID, data any) error {
	env, err := envelope.New(source, typ, id.String(), data)
	if err != nil {
		return fmt.Errorf("build %s envelope: %w", typ, err)
	}
	if err := outbox.Add(ctx, tx, Topic, id.String(), env); err != nil {
		return fmt.Errorf("add %s to outbox: %w", typ, err)
	}
	return nil
}

const sqlInsertHistory = `INSERT INTO task_history (task_id, at, actor_id, action, "from", "to", note) VALUES ($1, $2, $3, $4, $5, $6, $7)`

func (t *Tx) history(ctx context.Context, taskID uuid.UUID, actor *uuid.UUID, action string, from, to map[string]any, note string) error {
	f, err := json.Marshal(orEmpty(from))
	if err != nil {
		return fmt.Errorf("encode history of %s: %w", taskID, err)
	}
	g, err := json.Marshal(orEmpty(to))
	if err != nil {
		return fmt.Errorf("encode history of %s: %w", taskID, err)
	}
	if _, err := t.tx.Exec(ctx, sqlInsertHistory, taskID, t.now, actor, action, f, g, note); err != nil {
		return fmt.Errorf("insert history of %s: %w", taskID, err)
	}
	return nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

const sqlGetTask = `SELECT ` + taskCols + ` FROM tasks WHERE id = $1 AND deleted_at IS NULL`

func getTask(ctx context.Context, q querier, sql string, id uuid.UUID) (domain.Task, error) {
	t, err := scanTask(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, domain.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("load task %s: %w", id, err)
	}
	return t, nil
}

// Task loads a task that is not deleted.
func (s *Store) Task(ctx context.Context, id uuid.UUID) (domain.Task, error) {
	return getTask(ctx, s.pool, sqlGetTask, id)
}

// TaskAny loads a task even when it was deleted (for its history); deleted reports which.
func (s *Store) TaskAny(ctx context.Context, id uuid.UUID) (t domain.Task, deleted bool, err error) {
	var at *time.Time
	row := s.pool.QueryRow(ctx, `SELECT `+taskCols+`, deleted_at FROM tasks WHERE id = $1`, id)
	t, err = scanTask(rowWithExtra{row: row, extra: &at})
	if errors.Is(err, pgx.ErrNoRows) {
		return t, false, domain.ErrNotFound
	}
	if err != nil {
		return t, false, fmt.Errorf("load task %s: %w", id, err)
	}
	return t, at != nil, nil
}

// rowWithExtra scans one more trailing column than scanTask knows about.
type rowWithExtra struct {
	row   pgx.Row
	extra any
}

func (r rowWithExtra) Scan(dest ...any) error { return r.row.Scan(append(dest, r.extra)...) }

// Task loads and locks a task that is not deleted.
func (t *Tx) Task(ctx context.Context, id uuid.UUID) (domain.Task, error) {
	return getTask(ctx, t.tx, sqlGetTask+` FOR UPDATE`, id)
}

const sqlSuggestionTasks = `SELECT ` + taskCols + ` FROM tasks
	WHERE suggestion_id = $1 AND deleted_at IS NULL ORDER BY id FOR UPDATE`

// SuggestionTasks loads and locks every live task of a suggestion, in id order (a fixed lock
// order keeps concurrent approvals from deadlocking).
func (t *Tx) SuggestionTasks(ctx context.Context, suggestionID uuid.UUID) ([]domain.Task, error) {
	out, err := collectTasks(t.tx.Query(ctx, sqlSuggestionTasks, suggestionID))
	if err != nil {
		return nil, fmt.Errorf("load tasks of suggestion %s: %w", suggestionID, err)
	}
	return out, nil
}

const sqlInsertTask = `INSERT INTO tasks (` + taskCols + `) VALUES
	($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
	ON CONFLICT (id) DO NOTHING`

// Insert stores a new task, its "created" history row and task.created. A task whose id exists
// already is left alone and reported as false (redelivered AI batches).
func (t *Tx) Insert(ctx context.Context, task domain.Task, actor *uuid.UUID, note string) (bool, error) {
	tag, err := t.tx.Exec(ctx, sqlInsertTask, task.ID, task.EventID, task.CompanyID, task.Title, task.Description,
		skillsJSON(task.RequiredSkills), task.StartsAt, task.EndsAt, task.Priority, task.AssigneeID, task.Approval,
		task.Status, task.Progress, task.Note, task.Source, task.SuggestionID, task.SlotGroup, task.Area,
		reasonsJSON(task.Reasons), task.Version, task.CreatedAt, task.UpdatedAt, task.ApprovedAt, task.CompletedAt,
		task.EditedByManager, task.WasBlocked)
	if err != nil {
		return false, fmt.Errorf("insert task %s: %w", task.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	_, _, to := domain.Changes(domain.Task{}, task)
	if err := t.history(ctx, task.ID, actor, "created", nil, to, note); err != nil {
		return false, err
	}
	return true, publish(ctx, t.tx, TypeCreated, task.ID, task)
}

const sqlUpdateTask = `UPDATE tasks SET title = $2, description = $3, required_skills = $4, starts_at = $5,
	ends_at = $6, priority = $7, assignee_id = $8, approval = $9, status = $10, progress = $11, note = $12,
	area = $13, version = $14, updated_at = $15, approved_at = $16, completed_at = $17,
	edited_by_manager = $18, was_blocked = $19, suggestion_id = $21, reasons = $22
	WHERE id = $1 AND version = $20`

// Save stores after over before (loaded in this transaction), bumping the version, with a
// history row naming the change and task.updated. Nothing changes when nothing differs.
func (t *Tx) Save(ctx context.Context, before, after domain.Task, actor *uuid.UUID, note string) (domain.Task, error) {
	action, from, to := domain.Changes(before, after)
	if len(to) == 0 && after.EditedByManager == before.EditedByManager {
		return before, nil
	}
	after.Version = before.Version + 1
	after.UpdatedAt = t.now
	tag, err := t.tx.Exec(ctx, sqlUpdateTask, after.ID, after.Title, after.Description, skillsJSON(after.RequiredSkills),
		after.StartsAt, after.EndsAt, after.Priority, after.AssigneeID, after.Approval, after.Status, after.Progress,
		after.Note, after.Area, after.Version, after.UpdatedAt, after.ApprovedAt, after.CompletedAt,
		after.EditedByManager, after.WasBlocked, before.Version, after.SuggestionID, reasonsJSON(after.Reasons))
	if err != nil {
		return before, fmt.Errorf("update task %s: %w", after.ID, err)
	}
	if tag.RowsAffected() != 1 {
		return before, domain.ErrStale
	}
	if err := t.history(ctx, after.ID, actor, action, from, to, note); err != nil {
		return before, err
	}
	return after, publish(ctx, t.tx, TypeUpdated, after.ID, after)
}

const sqlDeleteTask = `UPDATE tasks SET deleted_at = $2, updated_at = $2, version = version + 1 WHERE id = $1 AND deleted_at IS NULL`

// Delete hides a task for good (deleted_at), keeps a history row saying why, and announces
// task.deleted.
func (t *Tx) Delete(ctx context.Context, task domain.Task, actor *uuid.UUID, action, note string) error {
	tag, err := t.tx.Exec(ctx, sqlDeleteTask, task.ID, t.now)
	if err != nil {
		return fmt.Errorf("delete task %s: %w", task.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	if err := t.history(ctx, task.ID, actor, action, nil, nil, note); err != nil {
		return err
	}
	return publish(ctx, t.tx, TypeDeleted, task.ID, DeletedData{ID: task.ID, EventID: task.EventID, CompanyID: task.CompanyID})
}

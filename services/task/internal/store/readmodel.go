package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/eventai/eventai/services/task/internal/domain"
)

// UserSnapshot is the part of user.created/user.updated this service keeps.
type UserSnapshot struct {
	ID             uuid.UUID
	Role           string
	IsActive       bool
	CompanyIDs     []uuid.UUID
	Skills         []domain.UserSkill
	Availability   []domain.Window
	MaxHoursPerDay float64
	Version        int64
}

// EventSnapshot is the part of event.created/event.updated this service keeps.
type EventSnapshot struct {
	ID         uuid.UUID
	CompanyID  uuid.UUID
	ManagerIDs []uuid.UUID
	Timezone   string
	Version    int64
}

const sqlGetEvent = `SELECT id, company_id, manager_ids, timezone, deleted FROM events WHERE id = $1`

func getEvent(ctx context.Context, q querier, id uuid.UUID) (domain.Event, error) {
	return loadEvent(ctx, q, sqlGetEvent, id)
}

func loadEvent(ctx context.Context, q querier, sql string, id uuid.UUID) (domain.Event, error) {
	var e domain.Event
	err := q.QueryRow(ctx, sql, id).Scan(&e.ID, &e.CompanyID, &e.ManagerIDs, &e.Timezone, &e.Deleted)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, domain.ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("load event %s: %w", id, err)
	}
	return e, nil
}

// Event loads an event of the read model (deleted ones too; callers decide).
func (s *Store) Event(ctx context.Context, id uuid.UUID) (domain.Event, error) {
	return getEvent(ctx, s.pool, id)
}

// LiveEvent loads an event that is not deleted and holds its read-model row until the
// transaction ends: the consumer's deletion of the event waits for this transaction and then
// deletes what it created, and a deleted event is ErrNotFound. Writes that add tasks to an event
// take it first, so that no task outlives its event.
func (t *Tx) LiveEvent(ctx context.Context, id uuid.UUID) (domain.Event, error) {
	e, err := loadEvent(ctx, t.tx, sqlGetEvent+` FOR SHARE`, id)
	if err != nil {
		return e, err
	}
	if e.Deleted {
		return e, fmt.Errorf("event %s: %w", id, domain.ErrNotFound)
	}
	return e, nil
}

// Event loads an event of the read model inside the transaction.
func (t *Tx) Event(ctx context.Context, id uuid.UUID) (domain.Event, error) {
	return getEvent(ctx, t.tx, id)
}

const sqlIsMember = `SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND company_id = $2)`

// IsMember reports whether user belongs to company per the membership rule.
func (s *Store) IsMember(ctx context.Context, userID, companyID uuid.UUID) (bool, error) {
	var ok bool
	if err := s.pool.QueryRow(ctx, sqlIsMember, userID, companyID).Scan(&ok); err != nil {
		return false, fmt.Errorf("check membership of %s in %s: %w", userID, companyID, err)
	}
	return ok, nil
}

const sqlGetPerson = `SELECT u.role, u.is_active, u.deleted, u.skills, u.availability, u.max_hours_per_day,
	EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.company_id = $2)
	FROM users u WHERE u.id = $1`

func getPerson(ctx context.Context, q querier, sql string, userID, companyID uuid.UUID) (domain.Person, error) {
	p := domain.Person{ID: userID}
	var skills, avail []byte
	err := q.QueryRow(ctx, sql, userID, companyID).Scan(&p.Role, &p.IsActive, &p.Deleted, &skills, &avail, &p.MaxHoursPerDay, &p.Member)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil // Known stays false
	}
	if err != nil {
		return p, fmt.Errorf("load user %s: %w", userID, err)
	}
	p.Known = true
	if err := json.Unmarshal(skills, &p.Skills); err != nil {
		return p, fmt.Errorf("decode skills of %s: %w", userID, err)
	}
	if err := json.Unmarshal(avail, &p.Availability); err != nil {
		return p, fmt.Errorf("decode availability of %s: %w", userID, err)
	}
	return p, nil
}

// Person loads what the assignment checks know of a user, relative to a company.
func (s *Store) Person(ctx context.Context, userID, companyID uuid.UUID) (domain.Person, error) {
	return getPerson(ctx, s.pool, sqlGetPerson, userID, companyID)
}

// Person loads and locks the user's read-model row: assignments of one person are serialised, so
// two concurrent approvals cannot both book the same hour.
func (t *Tx) Person(ctx context.Context, userID, companyID uuid.UUID) (domain.Person, error) {
	return getPerson(ctx, t.tx, sqlGetPerson+` FOR UPDATE OF u`, userID, companyID)
}

// bookingMargin widens the window of other tasks loaded for a check: the daily-hours rule looks
// at whole local days around the task, and time zones are at most 14 h from UTC.
const bookingMargin = 48 * time.Hour

const sqlBookings = `SELECT id, starts_at, ends_at FROM tasks
	WHERE assignee_id = $1 AND deleted_at IS NULL AND approval <> 'rejected' AND id <> $2
	  AND starts_at < $4 AND ends_at > $3
	ORDER BY starts_at, id`

// Bookings lists the user's other assigned, non-rejected tasks near [from, to) (any event).
func (t *Tx) Bookings(ctx context.Context, userID, exclude uuid.UUID, from, to time.Time) ([]domain.Booking, error) {
	rows, err := t.tx.Query(ctx, sqlBookings, userID, exclude, from.Add(-bookingMargin), to.Add(bookingMargin))
	if err != nil {
		return nil, fmt.Errorf("load bookings of %s: %w", userID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Booking, error) {
		var b domain.Booking
		err := r.Scan(&b.TaskID, &b.StartsAt, &b.EndsAt)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("load bookings of %s: %w", userID, err)
	}
	return out, nil
}

const (
	sqlUpsertUser = `INSERT INTO users (id, role, is_active, skills, availability, max_hours_per_day, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET role = excluded.role, is_active = excluded.is_active, skills = excluded.skills,
			availability = excluded.availability, max_hours_per_day = excluded.max_hours_per_day, version = excluded.version
		WHERE users.version <= excluded.version AND NOT users.deleted
		RETURNING id`
	sqlDeleteUserMemberships = `DELETE FROM memberships WHERE user_id = $1`
	// company.created's creator membership waits for identity to confirm it (ApplyUser).
	sqlInsertPendingMember = `INSERT INTO memberships (user_id, company_id, pending) VALUES ($1, $2, true) ON CONFLICT DO NOTHING`
	// Confirmed memberships a snapshot no longer lists go; pending ones stay until one lists them.
	sqlDropUnlistedMembers = `DELETE FROM memberships WHERE user_id = $1 AND NOT pending AND NOT (company_id = ANY($2))`
	sqlConfirmMember       = `INSERT INTO memberships (user_id, company_id, pending) VALUES ($1, $2, false)
		ON CONFLICT (user_id, company_id) DO UPDATE SET pending = false`
	sqlTombstoneUser = `INSERT INTO users (id, deleted, is_active) VALUES ($1, true, false)
		ON CONFLICT (id) DO UPDATE SET deleted = true, is_active = false`
	sqlOpenTasksOf = `SELECT ` + taskCols + ` FROM tasks
		WHERE assignee_id = $1 AND status <> 'done' AND deleted_at IS NULL ORDER BY id FOR UPDATE`
	sqlOpenTasksOutside = `SELECT ` + taskCols + ` FROM tasks
		WHERE assignee_id = $1 AND status <> 'done' AND deleted_at IS NULL AND NOT (company_id = ANY($2))
		ORDER BY id FOR UPDATE`
	sqlUserVersion = `SELECT version, deleted FROM users WHERE id = $1`
)

// Newer reports whether a snapshot of version would be applied: the user is unknown, or the
// stored snapshot is not newer and the user is not deleted.
func (t *Tx) Newer(ctx context.Context, userID uuid.UUID, version int64) (bool, error) {
	var (
		stored  int64
		deleted bool
	)
	err := t.tx.QueryRow(ctx, sqlUserVersion, userID).Scan(&stored, &deleted)
	if errors.Is(err, pgx.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("load version of user %s: %w", userID, err)
	}
	return !deleted && stored <= version, nil
}

// UnassignOpenTasksOutside takes the user off their open tasks in companies not listed (a user
// moved out of a company), like UnassignOpenTasks.
func (t *Tx) UnassignOpenTasksOutside(ctx context.Context, userID uuid.UUID, companyIDs []uuid.UUID, note string) (int, error) {
	if companyIDs == nil {
		companyIDs = []uuid.UUID{}
	}
	tasks, err := collectTasks(t.tx.Query(ctx, sqlOpenTasksOutside, userID, companyIDs))
	if err != nil {
		return 0, fmt.Errorf("load open tasks of %s outside their companies: %w", userID, err)
	}
	for _, task := range tasks {
		if _, err := t.Save(ctx, task, domain.Unassign(task), nil, note); err != nil {
			return 0, err
		}
	}
	return len(tasks), nil
}

// ApplyUser upserts a user snapshot and replaces the user's memberships (dropped when inactive),
// keeping a creator's pending membership of a company the snapshot does not list yet.
// An older snapshot, or one of a deleted user, changes nothing; applied says which.
func (t *Tx) ApplyUser(ctx context.Context, u UserSnapshot) (applied bool, err error) {
	skills, err := json.Marshal(orSlice(u.Skills))
	if err != nil {
		return false, fmt.Errorf("encode skills of %s: %w", u.ID, err)
	}
	avail, err := json.Marshal(orSlice(u.Availability))
	if err != nil {
		return false, fmt.Errorf("encode availability of %s: %w", u.ID, err)
	}
	var id uuid.UUID
	err = t.tx.QueryRow(ctx, sqlUpsertUser, u.ID, u.Role, u.IsActive, skills, avail, u.MaxHoursPerDay, u.Version).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("upsert user %s: %w", u.ID, err)
	}
	if !u.IsActive {
		// An inactive user belongs nowhere, pending memberships included.
		if _, err := t.tx.Exec(ctx, sqlDeleteUserMemberships, u.ID); err != nil {
			return false, fmt.Errorf("clear memberships of %s: %w", u.ID, err)
		}
		return true, nil
	}
	listed := orSlice(u.CompanyIDs)
	if _, err := t.tx.Exec(ctx, sqlDropUnlistedMembers, u.ID, listed); err != nil {
		return false, fmt.Errorf("drop memberships of %s: %w", u.ID, err)
	}
	for _, cid := range listed {
		if _, err := t.tx.Exec(ctx, sqlConfirmMember, u.ID, cid); err != nil {
			return false, fmt.Errorf("add membership of %s in %s: %w", u.ID, cid, err)
		}
	}
	return true, nil
}

func orSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// DeleteUser keeps a tombstone of the user and drops their memberships.
func (t *Tx) DeleteUser(ctx context.Context, id uuid.UUID) error {
	if _, err := t.tx.Exec(ctx, sqlTombstoneUser, id); err != nil {
		return fmt.Errorf("tombstone user %s: %w", id, err)
	}
	if _, err := t.tx.Exec(ctx, sqlDeleteUserMemberships, id); err != nil {
		return fmt.Errorf("delete memberships of %s: %w", id, err)
	}
	return nil
}

// UnassignOpenTasks takes the user off every task that is not done (each with a history row
// carrying note and a task.updated); done tasks keep their assignee as the record of who did
// them. It returns how many tasks changed.
func (t *Tx) UnassignOpenTasks(ctx context.Context, userID uuid.UUID, note string) (int, error) {
	tasks, err := collectTasks(t.tx.Query(ctx, sqlOpenTasksOf, userID))
	if err != nil {
		return 0, fmt.Errorf("load open tasks of %s: %w", userID, err)
	}
	for _, task := range tasks {
		if _, err := t.Save(ctx, task, domain.Unassign(task), nil, note); err != nil {
			return 0, err
		}
	}
	return len(tasks), nil
}

// AddMembership records a company's creator as its member (company.created), pending until
// identity's user snapshot lists the company: a snapshot produced before identity learned of the
// company must not drop it (ApplyUser).
func (t *Tx) AddMembership(ctx context.Context, userID, companyID uuid.UUID) error {
	if _, err := t.tx.Exec(ctx, sqlInsertPendingMember, userID, companyID); err != nil {
		return fmt.Errorf("add membership of %s in %s: %w", userID, companyID, err)
	}
	return nil
}

// DeleteCompanyMemberships drops a deleted company's memberships.
func (t *Tx) DeleteCompanyMemberships(ctx context.Context, companyID uuid.UUID) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM memberships WHERE company_id = $1`, companyID); err != nil {
		return fmt.Errorf("delete memberships of company %s: %w", companyID, err)
	}
	return nil
}

const sqlUpsertEvent = `INSERT INTO events (id, company_id, manager_ids, timezone, version) VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (id) DO UPDATE SET company_id = excluded.company_id, manager_ids = excluded.manager_ids,
		timezone = excluded.timezone, version = excluded.version
	WHERE events.version <= excluded.version AND NOT events.deleted`

// ApplyEvent upserts an event snapshot; older snapshots and deleted events are left alone.
func (t *Tx) ApplyEvent(ctx context.Context, e EventSnapshot) error {
	if _, err := t.tx.Exec(ctx, sqlUpsertEvent, e.ID, e.CompanyID, orSlice(e.ManagerIDs), e.Timezone, e.Version); err != nil {
		return fmt.Errorf("upsert event %s: %w", e.ID, err)
	}
	return nil
}

const (
	sqlTombstoneEvent = `INSERT INTO events (id, company_id, deleted) VALUES ($1, $2, true)
		ON CONFLICT (id) DO UPDATE SET deleted = true`
	sqlEventTasks = `SELECT ` + taskCols + ` FROM tasks WHERE event_id = $1 AND deleted_at IS NULL ORDER BY id FOR UPDATE`
)

// DeleteEvent marks the event deleted and deletes its tasks (soft: rows and history stay, each
// with a history row and a task.deleted). It returns how many tasks went.
func (t *Tx) DeleteEvent(ctx context.Context, eventID, companyID uuid.UUID) (int, error) {
	if _, err := t.tx.Exec(ctx, sqlTombstoneEvent, eventID, companyID); err != nil {
		return 0, fmt.Errorf("tombstone event %s: %w", eventID, err)
	}
	tasks, err := collectTasks(t.tx.Query(ctx, sqlEventTasks, eventID))
	if err != nil {
		return 0, fmt.Errorf("load tasks of event %s: %w", eventID, err)
	}
	for _, task := range tasks {
		if err := t.Delete(ctx, task, nil, "deleted", "event deleted"); err != nil {
			return 0, err
		}
	}
	return len(tasks), nil
}

const (
	sqlGetSuggestion    = `SELECT event_id, company_id, superseded FROM suggestions WHERE id = $1`
	sqlInsertSuggestion = `INSERT INTO suggestions (id, event_id, company_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`
	sqlSupersede        = `UPDATE suggestions SET superseded = true WHERE event_id = $1 AND id <> $2 AND NOT superseded`
	sqlStaleProposals   = `SELECT ` + taskCols + ` FROM tasks
		WHERE event_id = $1 AND source = 'ai' AND approval = 'proposed' AND deleted_at IS NULL
		  AND suggestion_id IS DISTINCT FROM $2
		ORDER BY id FOR UPDATE`
	// Proposed assignments of the organizer's own tasks, made by earlier suggestions.
	sqlStaleAssignments = `SELECT ` + taskCols + ` FROM tasks
		WHERE event_id = $1 AND source <> 'ai' AND approval = 'proposed' AND deleted_at IS NULL
		  AND suggestion_id IS DISTINCT FROM $2
		ORDER BY id FOR UPDATE`
)

// Suggestion is what the task service knows of an AI suggestion.
type Suggestion struct {
	ID         uuid.UUID
	EventID    uuid.UUID
	CompanyID  uuid.UUID
	Superseded bool
}

func getSuggestion(ctx context.Context, q querier, id uuid.UUID) (Suggestion, error) {
	s := Suggestion{ID: id}
	err := q.QueryRow(ctx, sqlGetSuggestion, id).Scan(&s.EventID, &s.CompanyID, &s.Superseded)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, domain.ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("load suggestion %s: %w", id, err)
	}
	return s, nil
}

// Suggestion loads a suggestion of the read model.
func (s *Store) Suggestion(ctx context.Context, id uuid.UUID) (Suggestion, error) {
	return getSuggestion(ctx, s.pool, id)
}

// Suggestion loads a suggestion inside the transaction.
func (t *Tx) Suggestion(ctx context.Context, id uuid.UUID) (Suggestion, error) {
	return getSuggestion(ctx, t.tx, id)
}

// AddSuggestion records a new suggestion and supersedes the event's earlier ones: their
// still-proposed AI tasks are deleted (history kept); approved and rejected tasks are never
// touched. A suggestion seen before changes nothing. It returns how many tasks went.
func (t *Tx) AddSuggestion(ctx context.Context, s Suggestion) (int, error) {
	tag, err := t.tx.Exec(ctx, sqlInsertSuggestion, s.ID, s.EventID, s.CompanyID, t.now)
	if err != nil {
		return 0, fmt.Errorf("insert suggestion %s: %w", s.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return 0, nil
	}
	if _, err := t.tx.Exec(ctx, sqlSupersede, s.EventID, s.ID); err != nil {
		return 0, fmt.Errorf("supersede suggestions of event %s: %w", s.EventID, err)
	}
	stale, err := collectTasks(t.tx.Query(ctx, sqlStaleProposals, s.EventID, s.ID))
	if err != nil {
		return 0, fmt.Errorf("load superseded tasks of event %s: %w", s.EventID, err)
	}
	for _, task := range stale {
		if err := t.Delete(ctx, task, nil, "superseded", "superseded by suggestion "+s.ID.String()); err != nil {
			return 0, err
		}
	}
	// The organizer's tasks that an earlier suggestion proposed to staff are not deleted: their
	// proposed assignment is withdrawn, so the new suggestion may staff them again.
	withdrawn, err := collectTasks(t.tx.Query(ctx, sqlStaleAssignments, s.EventID, s.ID))
	if err != nil {
		return 0, fmt.Errorf("load superseded assignments of event %s: %w", s.EventID, err)
	}
	for _, task := range withdrawn {
		if _, err := t.Save(ctx, task, domain.WithdrawProposal(task), nil, "superseded by suggestion "+s.ID.String()); err != nil {
			return 0, err
		}
	}
	return len(stale) + len(withdrawn), nil
}

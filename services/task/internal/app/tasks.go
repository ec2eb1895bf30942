package app

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/services/task/internal/domain"
	"github.com/eventai/eventai/services/task/internal/store"
)

// Query filters a list of tasks (empty fields do not filter).
type Query struct {
	Approval   string
	Status     string
	AssigneeID *uuid.UUID
	Unassigned bool
	From, To   *time.Time
	Limit      int
	Cursor     string
}

func (q Query) validate() error {
	if q.Approval != "" && !domain.ValidApproval(q.Approval) {
		return domain.Invalid("approval", "must be one of proposed, approved, rejected")
	}
	if q.Status != "" && !domain.ValidStatus(q.Status) {
		return domain.Invalid("status", "must be one of pending, in_progress, blocked, done")
	}
	if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
		return domain.Invalid("to", "must be after from")
	}
	return nil
}

// EventTasks lists an event's tasks for its organizers (route RouteOrganizer) or managers
// (RouteManager).
func (a *App) EventTasks(ctx context.Context, actor domain.Actor, eventID uuid.UUID, r Route, q Query) (Page[domain.Task], error) {
	if err := q.validate(); err != nil {
		return Page[domain.Task]{}, err
	}
	if _, err := a.event(ctx, actor, eventID, r); err != nil {
		return Page[domain.Task]{}, err
	}
	items, next, err := a.repo.List(ctx, store.ListFilter{EventID: &eventID, AssigneeID: q.AssigneeID, Unassigned: q.Unassigned,
		Approval: q.Approval, Status: q.Status, From: q.From, To: q.To, Limit: q.Limit, Cursor: q.Cursor})
	return Page[domain.Task]{Items: items, NextCursor: next}, err
}

// StaffTasks lists the caller's own approved tasks.
func (a *App) StaffTasks(ctx context.Context, actor domain.Actor, q Query) (Page[domain.Task], error) {
	if err := gate(actor, RouteStaff); err != nil {
		return Page[domain.Task]{}, err
	}
	if err := q.validate(); err != nil {
		return Page[domain.Task]{}, err
	}
	me := actor.UserID
	items, next, err := a.repo.List(ctx, store.ListFilter{AssigneeID: &me, Approval: domain.ApprovalApproved,
		Status: q.Status, From: q.From, To: q.To, Limit: q.Limit, Cursor: q.Cursor})
	return Page[domain.Task]{Items: items, NextCursor: next}, err
}

// NewTask is an organizer's manual task.
type NewTask struct {
	Draft     domain.Draft
	Headcount int
	Assignee  *uuid.UUID
}

// CreateTasks adds manual tasks to an event: approved at once, headcount of them sharing a slot
// group, an optional assignee passing the same checks as a manager's assignment.
func (a *App) CreateTasks(ctx context.Context, actor domain.Actor, eventID uuid.UUID, in NewTask) ([]domain.Task, error) {
	ev, err := a.event(ctx, actor, eventID, RouteOrganizer)
	if err != nil {
		return nil, err
	}
	now := a.now()
	tasks, err := domain.NewManualTasks(in.Draft, ev.ID, ev.CompanyID, in.Headcount, in.Assignee, now)
	if err != nil {
		return nil, err
	}
	if err := a.prepareAssignee(ctx, in.Assignee, ev.CompanyID); err != nil {
		return nil, err
	}
	err = a.repo.InTx(ctx, now, func(tx *store.Tx) error {
		// Hold the event: a deletion racing with this request waits and takes these tasks too.
		if _, err := tx.LiveEvent(ctx, ev.ID); err != nil {
			return err
		}
		for _, t := range tasks {
			if err := checkAssignee(ctx, tx, t); err != nil {
				return err
			}
			if _, err := tx.Insert(ctx, t, &actor.UserID, "manual task"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create tasks of event %s: %w", eventID, err)
	}
	a.flush(ctx)
	return tasks, nil
}

// Get reads one task through route r.
func (a *App) Get(ctx context.Context, actor domain.Actor, id uuid.UUID, r Route) (domain.Task, error) {
	return a.task(ctx, actor, id, r)
}

// Edit changes a task as an organizer (RouteOrganizer) or manager (RouteManager) when version
// is current. A new assignee, a moved window or an approval re-runs the assignment checks.
func (a *App) Edit(ctx context.Context, actor domain.Actor, id uuid.UUID, r Route, version int64, e domain.Edit, reason string) (domain.Task, error) {
	cur, err := a.task(ctx, actor, id, r)
	if err != nil {
		return domain.Task{}, err
	}
	if e.AssigneeSet {
		if err := a.prepareAssignee(ctx, e.Assignee, cur.CompanyID); err != nil {
			return domain.Task{}, err
		}
	}
	now := a.now()
	var out domain.Task
	err = a.repo.InTx(ctx, now, func(tx *store.Tx) error {
		t, err := tx.Task(ctx, id)
		if err != nil {
			return err
		}
		if t.Version != version {
			return domain.ErrStale
		}
		after, check, err := domain.ApplyEdit(t, e, now)
		if err != nil {
			return err
		}
		if check {
			if err := checkAssignee(ctx, tx, after); err != nil {
				return err
			}
		}
		out, err = tx.Save(ctx, t, after, &actor.UserID, reason)
		return err
	})
	if err != nil {
		return domain.Task{}, fmt.Errorf("edit task %s: %w", id, err)
	}
	a.flush(ctx)
	return out, nil
}

// Delete removes an organizer's task (kept as a deleted row with its history); version, when
// given, must be current.
func (a *App) Delete(ctx context.Context, actor domain.Actor, id uuid.UUID, version *int64, reason string) error {
	if _, err := a.task(ctx, actor, id, RouteOrganizer); err != nil {
		return err
	}
	err := a.repo.InTx(ctx, a.now(), func(tx *store.Tx) error {
		t, err := tx.Task(ctx, id)
		if err != nil {
			return err
		}
		if version != nil && *version != t.Version {
			return domain.ErrStale
		}
		return tx.Delete(ctx, t, &actor.UserID, "deleted", reason)
	})
	if err != nil {
		return fmt.Errorf("delete task %s: %w", id, err)
	}
	a.flush(ctx)
	return nil
}

// UpdateOwn applies a staff member's change to their own approved task when version is current.
func (a *App) UpdateOwn(ctx context.Context, actor domain.Actor, id uuid.UUID, version int64, c domain.StaffChange) (domain.Task, error) {
	if _, err := a.task(ctx, actor, id, RouteStaff); err != nil {
		return domain.Task{}, err
	}
	now := a.now()
	var out domain.Task
	err := a.repo.InTx(ctx, now, func(tx *store.Tx) error {
		t, err := tx.Task(ctx, id)
		if err != nil {
			return err
		}
		// The task may have been reassigned or rejected since the check above.
		if !actor.IsAdmin() && !domain.CanSee(actor, t, domain.Event{}, false) {
			return domain.ErrNotFound
		}
		if t.Version != version {
			return domain.ErrStale
		}
		after, err := domain.ApplyStaffChange(t, c, now)
		if err != nil {
			return err
		}
		out, err = tx.Save(ctx, t, after, &actor.UserID, "")
		return err
	})
	if err != nil {
		return domain.Task{}, fmt.Errorf("update own task %s: %w", id, err)
	}
	a.flush(ctx)
	return out, nil
}

// History lists a task's history for whoever may see the task (admins also of deleted tasks).
func (a *App) History(ctx context.Context, actor domain.Actor, id uuid.UUID, limit int, cursor string) (Page[store.HistoryEntry], error) {
	if err := gate(actor, RouteAny); err != nil {
		return Page[store.HistoryEntry]{}, err
	}
	err := a.twice(ctx, func() error {
		t, deleted, err := a.repo.TaskAny(ctx, id)
		if err != nil {
			return err
		}
		if deleted && !actor.IsAdmin() {
			return domain.ErrNotFound
		}
		return a.visible(ctx, actor, t)
	})
	if err != nil {
		return Page[store.HistoryEntry]{}, fmt.Errorf("history of task %s: %w", id, err)
	}
	items, next, err := a.repo.History(ctx, id, limit, cursor)
	return Page[store.HistoryEntry]{Items: items, NextCursor: next}, err
}

// Skipped is a task an approval left proposed, and why.
type Skipped struct {
	TaskID uuid.UUID `json:"task_id"`
	Rule   string    `json:"rule"`
	Reason string    `json:"reason"`
}

// ApprovalResult is the answer of approving a suggestion.
type ApprovalResult struct {
	Approved []uuid.UUID `json:"approved"`
	Rejected []uuid.UUID `json:"rejected"`
	Skipped  []Skipped   `json:"skipped"`
}

// ApproveSuggestion approves, in one transaction, every proposed task of a suggestion except
// those listed in except, and rejects those in reject. A task whose assignee no longer passes the
// checks stays proposed and is reported in Skipped.
func (a *App) ApproveSuggestion(ctx context.Context, actor domain.Actor, id uuid.UUID, except, reject []uuid.UUID) (ApprovalResult, error) {
	res := ApprovalResult{Approved: []uuid.UUID{}, Rejected: []uuid.UUID{}, Skipped: []Skipped{}}
	if err := gate(actor, RouteManager); err != nil {
		return res, err
	}
	for i, r := range reject {
		if slices.Contains(except, r) {
			return res, domain.Invalid(fmt.Sprintf("reject[%d]", i), "task %s is also in except", r)
		}
	}
	var sug store.Suggestion
	err := a.twice(ctx, func() error {
		var err error
		if sug, err = a.repo.Suggestion(ctx, id); err != nil {
			return err
		}
		_, err = a.event(ctx, actor, sug.EventID, RouteManager)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("suggestion %s for %s: %w", id, actor.UserID, err)
	}
	now := a.now()
	err = a.repo.InTx(ctx, now, func(tx *store.Tx) error {
		res = ApprovalResult{Approved: []uuid.UUID{}, Rejected: []uuid.UUID{}, Skipped: []Skipped{}}
		tasks, err := tx.SuggestionTasks(ctx, id)
		if err != nil {
			return err
		}
		if err := unknownIDs(tasks, except, "except"); err != nil {
			return err
		}
		if err := unknownIDs(tasks, reject, "reject"); err != nil {
			return err
		}
		// Rejections first, so that they free their people's time for the approvals.
		for i, t := range tasks {
			if t.Approval != domain.ApprovalProposed || !slices.Contains(reject, t.ID) {
				continue
			}
			after, _ := domain.SetApproval(t, domain.ApprovalRejected, now)
			if t.ProposedAssignment() {
				after = domain.WithdrawProposal(t) // the organizer's task stays, unassigned
			}
			if tasks[i], err = tx.Save(ctx, t, after, &actor.UserID, "rejected with suggestion "+id.String()); err != nil {
				return err
			}
			res.Rejected = append(res.Rejected, t.ID)
		}
		if err := lockPeople(ctx, tx, tasks); err != nil {
			return err
		}
		for _, t := range tasks {
			if t.Approval != domain.ApprovalProposed || slices.Contains(except, t.ID) {
				continue
			}
			if err := checkAssignee(ctx, tx, t); err != nil {
				if v, ok := err.(*domain.RuleError); ok {
					res.Skipped = append(res.Skipped, Skipped{TaskID: t.ID, Rule: v.Rule, Reason: v.Detail})
					continue
				}
				return err
			}
			after, _ := domain.SetApproval(t, domain.ApprovalApproved, now)
			if _, err := tx.Save(ctx, t, after, &actor.UserID, "approved with suggestion "+id.String()); err != nil {
				return err
			}
			res.Approved = append(res.Approved, t.ID)
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("approve suggestion %s: %w", id, err)
	}
	a.flush(ctx)
	return res, nil
}

// lockPeople locks every assignee's read-model row in id order before any check, so that two
// approvals touching the same people cannot deadlock.
func lockPeople(ctx context.Context, tx *store.Tx, tasks []domain.Task) error {
	seen := map[uuid.UUID]uuid.UUID{}
	for _, t := range tasks {
		if t.AssigneeID != nil && t.Approval == domain.ApprovalProposed {
			seen[*t.AssigneeID] = t.CompanyID
		}
	}
	ids := make([]uuid.UUID, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	for _, id := range ids {
		if _, err := tx.Person(ctx, id, seen[id]); err != nil {
			return err
		}
	}
	return nil
}

func unknownIDs(tasks []domain.Task, ids []uuid.UUID, field string) error {
	for i, id := range ids {
		if !slices.ContainsFunc(tasks, func(t domain.Task) bool { return t.ID == id }) {
			return domain.Invalid(fmt.Sprintf("%s[%d]", field, i), "task %s is not a task of this suggestion", id)
		}
	}
	return nil
}

// Package app holds the task service's use cases: it checks who may act on which object, runs the
// domain rules inside one store transaction, and pushes committed events out before answering.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/services/task/internal/domain"
	"github.com/eventai/eventai/services/task/internal/store"
)

// Repo is the storage the use cases need.
type Repo interface {
	InTx(ctx context.Context, now time.Time, fn func(*store.Tx) error) error
	Task(ctx context.Context, id uuid.UUID) (domain.Task, error)
	TaskAny(ctx context.Context, id uuid.UUID) (domain.Task, bool, error)
	Event(ctx context.Context, id uuid.UUID) (domain.Event, error)
	Suggestion(ctx context.Context, id uuid.UUID) (store.Suggestion, error)
	IsMember(ctx context.Context, userID, companyID uuid.UUID) (bool, error)
	Person(ctx context.Context, userID, companyID uuid.UUID) (domain.Person, error)
	List(ctx context.Context, f store.ListFilter) ([]domain.Task, string, error)
	History(ctx context.Context, taskID uuid.UUID, limit int, cursor string) ([]store.HistoryEntry, string, error)
}

// Flusher publishes every committed outbox row before a write answers (read your writes).
type Flusher interface {
	Flush(ctx context.Context) error
}

// Waiter waits until the consumer has applied everything on its topics so far.
type Waiter interface {
	WaitCaughtUp(ctx context.Context) error
}

// Bounds of the read-your-writes waits (CONVENTIONS.md).
const (
	flushTimeout = time.Second
	waitTimeout  = 2 * time.Second
)

// App is the task service's use cases.
type App struct {
	repo  Repo
	relay Flusher
	wait  Waiter
	log   *slog.Logger
	now   func() time.Time
}

// New returns the use cases over repo. relay and wait may be nil (a tool that runs without
// Kafka); then writes are not flushed and misses are not retried.
func New(repo Repo, relay Flusher, wait Waiter, log *slog.Logger) *App {
	return &App{repo: repo, relay: relay, wait: wait, log: log,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// flush pushes committed events out; the write is already durable, so a failure only delays
// the event (the relay retries) and is logged rather than failing the request.
func (a *App) flush(ctx context.Context) {
	if a.relay == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if err := a.relay.Flush(ctx); err != nil {
		a.log.WarnContext(ctx, "outbox flush after commit", "err", err)
	}
}

// catchUp gives the consumer one bounded chance to apply what other services published.
func (a *App) catchUp(ctx context.Context) {
	if a.wait == nil {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	if err := a.wait.WaitCaughtUp(wctx); err != nil {
		a.log.WarnContext(ctx, "wait for consumer to catch up", "err", err)
	}
}

// CheckCaller refuses a token whose user identity has since deactivated or deleted
// (ErrSignedOut) or given another role (ErrRoleChanged): access tokens cannot be revoked and
// live 15 minutes. A user the read model has not heard of is let through on the token alone; a
// refusal first lets the consumer catch up once (the token may be newer than the read model).
func (a *App) CheckCaller(ctx context.Context, actor domain.Actor) error {
	p, err := a.repo.Person(ctx, actor.UserID, uuid.Nil)
	if err != nil {
		return err
	}
	if !p.Known || (p.IsActive && !p.Deleted && p.Role == actor.Role) {
		return nil
	}
	a.catchUp(ctx)
	if p, err = a.repo.Person(ctx, actor.UserID, uuid.Nil); err != nil {
		return err
	}
	switch {
	case !p.Known:
		return nil
	case p.Deleted || !p.IsActive:
		return fmt.Errorf("user %s: %w", actor.UserID, domain.ErrSignedOut)
	case p.Role != actor.Role:
		return fmt.Errorf("user %s is %s now, not %s: %w", actor.UserID, p.Role, actor.Role, domain.ErrRoleChanged)
	}
	return nil
}

// twice runs fn, and once more after the consumer caught up when fn missed (ErrNotFound): the
// object or the caller's right to it may just not have arrived yet.
func (a *App) twice(ctx context.Context, fn func() error) error {
	err := fn()
	if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	a.catchUp(ctx)
	return fn()
}

// Routes name which family of paths a call came through; each admits its roles (admin always).
type Route int

// The route families of CONVENTIONS.md.
const (
	RouteOrganizer Route = iota
	RouteManager
	RouteStaff
	RouteAny
)

func gate(actor domain.Actor, r Route) error {
	if actor.IsAdmin() {
		return nil
	}
	ok := false
	switch r {
	case RouteOrganizer:
		ok = actor.Role == domain.RoleOrganizer
	case RouteManager:
		ok = actor.Role == domain.RoleManager
	case RouteStaff:
		ok = actor.Role == domain.RoleStaff
	case RouteAny:
		ok = actor.Role == domain.RoleOrganizer || actor.Role == domain.RoleManager || actor.Role == domain.RoleStaff
	}
	if !ok {
		return domain.ErrForbidden
	}
	return nil
}

// event loads an event the actor may work on through route r: organizers in their companies,
// managers on events they manage.
func (a *App) event(ctx context.Context, actor domain.Actor, id uuid.UUID, r Route) (domain.Event, error) {
	if err := gate(actor, r); err != nil {
		return domain.Event{}, err
	}
	var ev domain.Event
	err := a.twice(ctx, func() error {
		var err error
		if ev, err = a.repo.Event(ctx, id); err != nil {
			return err
		}
		if ev.Deleted {
			return domain.ErrNotFound
		}
		switch {
		case actor.IsAdmin():
			return nil
		case r == RouteOrganizer:
			ok, err := a.repo.IsMember(ctx, actor.UserID, ev.CompanyID)
			if err != nil || ok {
				return err
			}
		case r == RouteManager && ev.Manages(actor.UserID):
			// manager_ids alone is not enough: a manager moved out of the company keeps
			// being listed there.
			ok, err := a.repo.IsMember(ctx, actor.UserID, ev.CompanyID)
			if err != nil || ok {
				return err
			}
		}
		return domain.ErrNotFound
	})
	if err != nil {
		return domain.Event{}, fmt.Errorf("event %s for %s: %w", id, actor.UserID, err)
	}
	return ev, nil
}

// task loads a task the actor may see through route r (see domain.CanSee).
func (a *App) task(ctx context.Context, actor domain.Actor, id uuid.UUID, r Route) (domain.Task, error) {
	if err := gate(actor, r); err != nil {
		return domain.Task{}, err
	}
	var t domain.Task
	err := a.twice(ctx, func() error {
		var err error
		if t, err = a.repo.Task(ctx, id); err != nil {
			return err
		}
		return a.visible(ctx, actor, t)
	})
	if err != nil {
		return domain.Task{}, fmt.Errorf("task %s for %s: %w", id, actor.UserID, err)
	}
	return t, nil
}

// visible answers ErrNotFound unless the actor may see t.
func (a *App) visible(ctx context.Context, actor domain.Actor, t domain.Task) error {
	var ev domain.Event
	member := false
	switch actor.Role {
	case domain.RoleManager:
		e, err := a.repo.Event(ctx, t.EventID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		ev = e
		if member, err = a.repo.IsMember(ctx, actor.UserID, t.CompanyID); err != nil {
			return err
		}
	case domain.RoleOrganizer:
		ok, err := a.repo.IsMember(ctx, actor.UserID, t.CompanyID)
		if err != nil {
			return err
		}
		member = ok
	}
	if !domain.CanSee(actor, t, ev, member) {
		return domain.ErrNotFound
	}
	return nil
}

// prepareAssignee makes sure the read model has had its chance to learn of a person just created
// or just added to the company, before the checks inside the transaction decide.
func (a *App) prepareAssignee(ctx context.Context, assignee *uuid.UUID, companyID uuid.UUID) error {
	if assignee == nil || a.wait == nil {
		return nil
	}
	p, err := a.repo.Person(ctx, *assignee, companyID)
	if err != nil {
		return err
	}
	if !p.Known || !p.Member {
		a.catchUp(ctx)
	}
	return nil
}

// checkAssignee runs the assignment checks for t's assignee inside tx, locking the person.
func checkAssignee(ctx context.Context, tx *store.Tx, t domain.Task) error {
	if t.AssigneeID == nil {
		return nil
	}
	ev, err := tx.Event(ctx, t.EventID)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	p, err := tx.Person(ctx, *t.AssigneeID, t.CompanyID)
	if err != nil {
		return err
	}
	others, err := tx.Bookings(ctx, *t.AssigneeID, t.ID, t.StartsAt, t.EndsAt)
	if err != nil {
		return err
	}
	if v := domain.CheckAssignment(t, p, others, domain.LoadTimezone(ev.Timezone)); v != nil {
		return v
	}
	return nil
}

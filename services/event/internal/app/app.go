// Package app holds the event service's use cases: who may act on which event, the domain
// rules, storage through the repository, and pushing committed events out before answering.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/services/event/internal/domain"
	"github.com/eventai/eventai/services/event/internal/store"
)

// Repo is the storage the use cases need.
type Repo interface {
	CreateEvent(ctx context.Context, e domain.Event) error
	GetEvent(ctx context.Context, id uuid.UUID) (domain.Event, error)
	ListEvents(ctx context.Context, f store.EventFilter) ([]domain.Event, string, error)
	UpdateEvent(ctx context.Context, id uuid.UUID, version int64, now time.Time, fn func(*domain.Event) error) (domain.Event, error)
	DeleteEvent(ctx context.Context, id uuid.UUID, version *int64) error
	TaskCounts(ctx context.Context, eventIDs []uuid.UUID) (map[uuid.UUID]domain.TaskCounts, error)

	IsMember(ctx context.Context, userID, companyID uuid.UUID) (bool, error)
	CompanyExists(ctx context.Context, id uuid.UUID) (bool, error)
	Users(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.UserInfo, error)
	MembersAmong(ctx context.Context, companyID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]bool, error)

	CreateTeam(ctx context.Context, t domain.Team) error
	GetTeam(ctx context.Context, id uuid.UUID) (domain.Team, error)
	ListTeams(ctx context.Context, eventID uuid.UUID, limit int, cursor string) ([]domain.Team, string, error)
	UpdateTeam(ctx context.Context, id uuid.UUID, version int64, now time.Time, fn func(*domain.Team) error) (domain.Team, error)
	DeleteTeam(ctx context.Context, id uuid.UUID, version *int64) error

	ImportSessions(ctx context.Context, eventID uuid.UUID, incoming []domain.Session) (domain.ImportPlan, error)
	ListSessions(ctx context.Context, eventID uuid.UUID, f store.SessionFilter) ([]domain.Session, string, error)
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

// App is the event service's use cases.
type App struct {
	repo  Repo
	relay Flusher
	wait  Waiter
	log   *slog.Logger
	now   func() time.Time
}

// New returns the use cases over repo.
func New(repo Repo, relay Flusher, wait Waiter, log *slog.Logger) *App {
	return &App{repo: repo, relay: relay, wait: wait, log: log, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// CheckCaller refuses a token whose user identity has since deactivated or deleted
// (ErrSignedOut) or given another role (ErrRoleChanged): access tokens cannot be revoked and
// live 15 minutes. A user the read model has not heard of is let through on the token alone; a
// refusal first lets the consumer catch up once (the token may be newer than the read model).
func (a *App) CheckCaller(ctx context.Context, actor domain.Actor) error {
	check := func() (bool, error) {
		users, err := a.repo.Users(ctx, []uuid.UUID{actor.UserID})
		if err != nil {
			return false, err
		}
		u, known := users[actor.UserID]
		return !known || (u.IsActive && u.Role == actor.Role), nil
	}
	ok, err := check()
	if err != nil || ok {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, waitTimeout)
	if werr := a.wait.WaitCaughtUp(wctx); werr != nil {
		a.log.WarnContext(ctx, "wait for consumer to catch up", "err", werr)
	}
	cancel()
	users, err := a.repo.Users(ctx, []uuid.UUID{actor.UserID})
	if err != nil {
		return err
	}
	u, known := users[actor.UserID]
	switch {
	case !known:
		return nil
	case !u.IsActive:
		return fmt.Errorf("user %s: %w", actor.UserID, domain.ErrSignedOut)
	case u.Role != actor.Role:
		return fmt.Errorf("user %s is %s now, not %s: %w", actor.UserID, u.Role, actor.Role, domain.ErrRoleChanged)
	}
	return nil
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// flush pushes committed events out; the write is durable already, so a failure only delays
// the event (the relay retries) and is logged rather than failing the request.
func (a *App) flush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if err := a.relay.Flush(ctx); err != nil {
		a.log.WarnContext(ctx, "outbox flush after commit", "err", err)
	}
}

// catchUp gives the read models one bounded chance to apply what other services have just
// published (a company created a moment ago, a membership just granted).
func (a *App) catchUp(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	if err := a.wait.WaitCaughtUp(ctx); err != nil {
		a.log.WarnContext(ctx, "wait for consumer to catch up", "err", err)
	}
}

// retryOnMiss runs check, and once more after catching up when it reports a miss.
func (a *App) retryOnMiss(ctx context.Context, check func() (bool, error)) (bool, error) {
	ok, err := check()
	if err != nil || ok {
		return ok, err
	}
	a.catchUp(ctx)
	return check()
}

// canUseCompany reports whether the actor may act in the company: admins in every known
// company, organizers in their own.
func (a *App) canUseCompany(ctx context.Context, actor domain.Actor, companyID uuid.UUID) (bool, error) {
	return a.retryOnMiss(ctx, func() (bool, error) {
		if actor.IsAdmin() {
			return a.repo.CompanyExists(ctx, companyID)
		}
		return a.repo.IsMember(ctx, actor.UserID, companyID)
	})
}

func requireRole(actor domain.Actor, roles ...string) error {
	if actor.IsAdmin() {
		return nil
	}
	for _, r := range roles {
		if actor.Role == r {
			return nil
		}
	}
	return domain.ErrForbidden
}

// eventForOrganizer loads an event the actor may manage as organizer; an event of another
// company answers ErrNotFound, exactly like a missing one.
func (a *App) eventForOrganizer(ctx context.Context, actor domain.Actor, id uuid.UUID) (domain.Event, error) {
	if err := requireRole(actor, domain.RoleOrganizer); err != nil {
		return domain.Event{}, err
	}
	e, err := a.repo.GetEvent(ctx, id)
	if err != nil || actor.IsAdmin() {
		return e, err
	}
	ok, err := a.retryOnMiss(ctx, func() (bool, error) { return a.repo.IsMember(ctx, actor.UserID, e.CompanyID) })
	if err != nil {
		return domain.Event{}, err
	}
	if !ok {
		return domain.Event{}, fmt.Errorf("event %s for organizer %s: %w", id, actor.UserID, domain.ErrNotFound)
	}
	return e, nil
}

// eventForManager loads an event the actor manages.
func (a *App) eventForManager(ctx context.Context, actor domain.Actor, id uuid.UUID) (domain.Event, error) {
	if err := requireRole(actor, domain.RoleManager); err != nil {
		return domain.Event{}, err
	}
	e, err := a.repo.GetEvent(ctx, id)
	if err != nil || actor.IsAdmin() {
		return e, err
	}
	if !e.Manages(actor.UserID) {
		return domain.Event{}, fmt.Errorf("event %s for manager %s: %w", id, actor.UserID, domain.ErrNotFound)
	}
	// manager_ids alone is not enough: a manager moved out of the company stays listed there.
	ok, err := a.repo.IsMember(ctx, actor.UserID, e.CompanyID)
	if err != nil {
		return domain.Event{}, err
	}
	if !ok {
		return domain.Event{}, fmt.Errorf("event %s for manager %s outside its company: %w", id, actor.UserID, domain.ErrNotFound)
	}
	return e, nil
}

// eventForReader loads an event for routes open to its organizers and its managers.
func (a *App) eventForReader(ctx context.Context, actor domain.Actor, id uuid.UUID) (domain.Event, error) {
	if actor.Role == domain.RoleManager {
		return a.eventForManager(ctx, actor, id)
	}
	return a.eventForOrganizer(ctx, actor, id)
}

// checkManagers verifies that every listed id is an active manager, catching up once when the
// read model does not agree yet (a manager created a moment ago).
func (a *App) checkManagers(ctx context.Context, companyID uuid.UUID, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	var verr error
	_, err := a.retryOnMiss(ctx, func() (bool, error) {
		known, err := a.repo.Users(ctx, ids)
		if err != nil {
			return false, err
		}
		members, err := a.repo.MembersAmong(ctx, companyID, ids)
		if err != nil {
			return false, err
		}
		verr = domain.CheckManagers(ids, known, members)
		return verr == nil, nil
	})
	if err != nil {
		return err
	}
	return verr
}

// CreateEvent makes an event in a company the actor may use.
func (a *App) CreateEvent(ctx context.Context, actor domain.Actor, companyID *uuid.UUID, p domain.EventPatch) (domain.Event, error) {
	if err := requireRole(actor, domain.RoleOrganizer); err != nil {
		return domain.Event{}, err
	}
	now := a.now()
	e := domain.Event{ID: uuid.New(), CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now, Version: 1, ManagerIDs: []uuid.UUID{}}
	if err := p.RequireCreateFields(); err != nil {
		return domain.Event{}, withCompanyCheck(err, companyID)
	}
	if companyID == nil || *companyID == uuid.Nil {
		return domain.Event{}, &domain.ValidationError{Fields: []domain.FieldError{{Field: "company_id", Message: "is required"}}}
	}
	e.CompanyID = *companyID
	p.Apply(&e)
	if err := e.Validate(); err != nil {
		return domain.Event{}, err
	}
	ok, err := a.canUseCompany(ctx, actor, e.CompanyID)
	if err != nil {
		return domain.Event{}, err
	}
	if !ok {
		return domain.Event{}, fmt.Errorf("company %s for %s: %w", e.CompanyID, actor.UserID, domain.ErrNotFound)
	}
	if err := a.checkManagers(ctx, e.CompanyID, e.ManagerIDs); err != nil {
		return domain.Event{}, err
	}
	if err := a.repo.CreateEvent(ctx, e); err != nil {
		return domain.Event{}, err
	}
	a.flush(ctx)
	return e, nil
}

// withCompanyCheck adds a missing company_id to a validation error of required fields.
func withCompanyCheck(err error, companyID *uuid.UUID) error {
	ve, ok := err.(*domain.ValidationError)
	if ok && (companyID == nil || *companyID == uuid.Nil) {
		ve.Fields = append([]domain.FieldError{{Field: "company_id", Message: "is required"}}, ve.Fields...)
	}
	return err
}

// EventQuery filters the organizer's event list.
type EventQuery struct {
	CompanyID *uuid.UUID
	From, To  *time.Time
	Query     string
	Limit     int
	Cursor    string
}

// ListEvents lists the events of the actor's companies (an admin's: all).
func (a *App) ListEvents(ctx context.Context, actor domain.Actor, q EventQuery) (Page[domain.Event], error) {
	if err := requireRole(actor, domain.RoleOrganizer); err != nil {
		return Page[domain.Event]{}, err
	}
	f := store.EventFilter{CompanyID: q.CompanyID, From: q.From, To: q.To, Query: q.Query, Limit: q.Limit, Cursor: q.Cursor}
	if !actor.IsAdmin() {
		f.MemberID = &actor.UserID
	}
	if q.CompanyID != nil {
		// Filtering by another company's id answers like reading it: not found.
		ok, err := a.canUseCompany(ctx, actor, *q.CompanyID)
		if err != nil {
			return Page[domain.Event]{}, err
		}
		if !ok {
			return Page[domain.Event]{}, fmt.Errorf("company %s for %s: %w", *q.CompanyID, actor.UserID, domain.ErrNotFound)
		}
	}
	items, next, err := a.repo.ListEvents(ctx, f)
	return Page[domain.Event]{Items: items, NextCursor: next}, err
}

// GetEvent reads one event as organizer.
func (a *App) GetEvent(ctx context.Context, actor domain.Actor, id uuid.UUID) (domain.Event, error) {
	return a.eventForOrganizer(ctx, actor, id)
}

// UpdateEvent changes the given fields of an event when version is current.
func (a *App) UpdateEvent(ctx context.Context, actor domain.Actor, id uuid.UUID, version int64, p domain.EventPatch) (domain.Event, error) {
	current, err := a.eventForOrganizer(ctx, actor, id)
	if err != nil {
		return domain.Event{}, err
	}
	if p.ManagerIDs != nil {
		probe := domain.Event{}
		p.Apply(&probe)
		if err := a.checkManagers(ctx, current.CompanyID, probe.ManagerIDs); err != nil {
			return domain.Event{}, err
		}
	}
	e, err := a.repo.UpdateEvent(ctx, id, version, a.now(), func(e *domain.Event) error {
		p.Apply(e)
		return e.Validate()
	})
	if err != nil {
		return e, err
	}
	a.flush(ctx)
	return e, nil
}

// DeleteEvent removes an event with its teams and sessions.
func (a *App) DeleteEvent(ctx context.Context, actor domain.Actor, id uuid.UUID, version *int64) error {
	if _, err := a.eventForOrganizer(ctx, actor, id); err != nil {
		return err
	}
	if err := a.repo.DeleteEvent(ctx, id, version); err != nil {
		return err
	}
	a.flush(ctx)
	return nil
}

// ManagedEvent is an event with its task counts, as its managers see it.
type ManagedEvent struct {
	domain.Event
	Counts domain.TaskCounts
}

// ManagerEvents lists the events the actor manages (an admin: all) with their task counts.
func (a *App) ManagerEvents(ctx context.Context, actor domain.Actor, limit int, cursor string) (Page[ManagedEvent], error) {
	if err := requireRole(actor, domain.RoleManager); err != nil {
		return Page[ManagedEvent]{}, err
	}
	f := store.EventFilter{Limit: limit, Cursor: cursor}
	if !actor.IsAdmin() {
		f.ManagerID, f.MemberID = &actor.UserID, &actor.UserID
	}
	events, next, err := a.repo.ListEvents(ctx, f)
	if err != nil {
		return Page[ManagedEvent]{}, err
	}
	out, err := a.withCounts(ctx, events)
	return Page[ManagedEvent]{Items: out, NextCursor: next}, err
}

// ManagerEvent reads one managed event with its task counts.
func (a *App) ManagerEvent(ctx context.Context, actor domain.Actor, id uuid.UUID) (ManagedEvent, error) {
	e, err := a.eventForManager(ctx, actor, id)
	if err != nil {
		return ManagedEvent{}, err
	}
	out, err := a.withCounts(ctx, []domain.Event{e})
	if err != nil {
		return ManagedEvent{}, err
	}
	return out[0], nil
}

func (a *App) withCounts(ctx context.Context, events []domain.Event) ([]ManagedEvent, error) {
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	counts, err := a.repo.TaskCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ManagedEvent, len(events))
	for i, e := range events {
		out[i] = ManagedEvent{Event: e, Counts: counts[e.ID]}
	}
	return out, nil
}

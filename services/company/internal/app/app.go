// Package app holds the company service's use cases: it checks who may act, runs the domain
// rules, stores through the repository, and pushes committed events out before answering.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/services/company/internal/domain"
	"github.com/eventai/eventai/services/company/internal/store"
)

// Repo is the storage the use cases need.
type Repo interface {
	Create(ctx context.Context, c domain.Company) error
	Get(ctx context.Context, id uuid.UUID) (domain.Company, error)
	IsMember(ctx context.Context, userID, companyID uuid.UUID) (bool, error)
	List(ctx context.Context, f store.ListFilter) ([]domain.Company, string, error)
	Update(ctx context.Context, id uuid.UUID, version int64, now time.Time, fn func(*domain.Company) error) (domain.Company, error)
	Delete(ctx context.Context, id uuid.UUID, version *int64) error
	Members(ctx context.Context, companyID uuid.UUID, limit int, cursor string) ([]domain.Member, string, error)
	UserStatus(ctx context.Context, id uuid.UUID) (role string, active bool, err error)
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

// App is the company service's use cases.
type App struct {
	repo  Repo
	relay Flusher
	wait  Waiter
	log   *slog.Logger
	now   func() time.Time
}

// New returns the use cases over repo; relay and wait make writes visible to other services at
// once and let reads see memberships granted a moment ago.
func New(repo Repo, relay Flusher, wait Waiter, log *slog.Logger) *App {
	return &App{repo: repo, relay: relay, wait: wait, log: log, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// flush pushes committed events out; the write is already durable, so a failure only delays
// the event (the relay retries) and is logged rather than failing the request.
func (a *App) flush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if err := a.relay.Flush(ctx); err != nil {
		a.log.WarnContext(ctx, "outbox flush after commit", "err", err)
	}
}

// CheckCaller refuses a token whose user identity has since deactivated or deleted
// (ErrSignedOut) or given another role (ErrRoleChanged): access tokens cannot be revoked and
// live 15 minutes. A user the read model has not heard of is let through on the token alone.
func (a *App) CheckCaller(ctx context.Context, actor domain.Actor) error {
	role, active, err := a.repo.UserStatus(ctx, actor.UserID)
	if err == nil && (!active || role != actor.Role) {
		// The token may be newer than the read model (re-activated, promoted a moment ago):
		// one bounded catch-up before refusing.
		wctx, cancel := context.WithTimeout(ctx, waitTimeout)
		if werr := a.wait.WaitCaughtUp(wctx); werr != nil {
			a.log.WarnContext(ctx, "wait for consumer to catch up", "err", werr)
		}
		cancel()
		role, active, err = a.repo.UserStatus(ctx, actor.UserID)
	}
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return nil
	case err != nil:
		return err
	case !active:
		return fmt.Errorf("user %s: %w", actor.UserID, domain.ErrSignedOut)
	case role != actor.Role:
		return fmt.Errorf("user %s is %s now, not %s: %w", actor.UserID, role, actor.Role, domain.ErrRoleChanged)
	}
	return nil
}

// Create makes a company with the actor as creator and first member.
func (a *App) Create(ctx context.Context, actor domain.Actor, name string) (domain.Company, error) {
	if !actor.CanManageCompanies() {
		return domain.Company{}, domain.ErrForbidden
	}
	n, err := domain.NormalizeName(name)
	if err != nil {
		return domain.Company{}, err
	}
	now := a.now()
	c := domain.Company{ID: uuid.New(), Name: n, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := a.repo.Create(ctx, c); err != nil {
		return domain.Company{}, err
	}
	a.flush(ctx)
	return c, nil
}

// authorize loads a company the actor may see: admins see all; members see theirs. A missing
// membership may just not have arrived yet, so the consumer gets one bounded chance to catch up.
func (a *App) authorize(ctx context.Context, actor domain.Actor, id uuid.UUID) (domain.Company, error) {
	c, err := a.repo.Get(ctx, id)
	if err != nil {
		return c, err
	}
	if actor.IsAdmin() {
		return c, nil
	}
	ok, err := a.repo.IsMember(ctx, actor.UserID, id)
	if err != nil {
		return c, err
	}
	if !ok {
		wctx, cancel := context.WithTimeout(ctx, waitTimeout)
		werr := a.wait.WaitCaughtUp(wctx)
		cancel()
		if werr != nil {
			a.log.WarnContext(ctx, "wait for consumer to catch up", "err", werr)
		}
		if ok, err = a.repo.IsMember(ctx, actor.UserID, id); err != nil {
			return c, err
		}
	}
	if !ok {
		return domain.Company{}, fmt.Errorf("company %s for user %s: %w", id, actor.UserID, domain.ErrNotFound)
	}
	return c, nil
}

// Get reads one company.
func (a *App) Get(ctx context.Context, actor domain.Actor, id uuid.UUID) (domain.Company, error) {
	if !actor.CanManageCompanies() {
		return domain.Company{}, domain.ErrForbidden
	}
	return a.authorize(ctx, actor, id)
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// ListOwn lists the organizer's companies (an admin's: all).
func (a *App) ListOwn(ctx context.Context, actor domain.Actor, q string, limit int, cursor string) (Page[domain.Company], error) {
	if !actor.CanManageCompanies() {
		return Page[domain.Company]{}, domain.ErrForbidden
	}
	f := store.ListFilter{Query: q, Limit: limit, Cursor: cursor}
	if !actor.IsAdmin() {
		f.MemberID = &actor.UserID
	}
	items, next, err := a.repo.List(ctx, f)
	return Page[domain.Company]{Items: items, NextCursor: next}, err
}

// ListAll lists every company (admins only).
func (a *App) ListAll(ctx context.Context, actor domain.Actor, q string, limit int, cursor string) (Page[domain.Company], error) {
	if !actor.IsAdmin() {
		return Page[domain.Company]{}, domain.ErrForbidden
	}
	items, next, err := a.repo.List(ctx, store.ListFilter{Query: q, Limit: limit, Cursor: cursor})
	return Page[domain.Company]{Items: items, NextCursor: next}, err
}

// Rename changes a company's name when version is current.
func (a *App) Rename(ctx context.Context, actor domain.Actor, id uuid.UUID, version int64, name string) (domain.Company, error) {
	if !actor.CanManageCompanies() {
		return domain.Company{}, domain.ErrForbidden
	}
	n, err := domain.NormalizeName(name)
	if err != nil {
		return domain.Company{}, err
	}
	if _, err := a.authorize(ctx, actor, id); err != nil {
		return domain.Company{}, err
	}
	c, err := a.repo.Update(ctx, id, version, a.now(), func(c *domain.Company) error {
		c.Name = n
		return nil
	})
	if err != nil {
		return c, err
	}
	a.flush(ctx)
	return c, nil
}

// Delete removes a company (and its memberships); version, when given, must be current.
func (a *App) Delete(ctx context.Context, actor domain.Actor, id uuid.UUID, version *int64) error {
	if !actor.CanManageCompanies() {
		return domain.ErrForbidden
	}
	if _, err := a.authorize(ctx, actor, id); err != nil {
		return err
	}
	if err := a.repo.Delete(ctx, id, version); err != nil {
		return err
	}
	a.flush(ctx)
	return nil
}

// Members lists a company's members for admins and for organizers and managers who belong to it.
func (a *App) Members(ctx context.Context, actor domain.Actor, id uuid.UUID, limit int, cursor string) (Page[domain.Member], error) {
	if !actor.CanListMembers() {
		return Page[domain.Member]{}, domain.ErrForbidden
	}
	if _, err := a.authorize(ctx, actor, id); err != nil {
		return Page[domain.Member]{}, err
	}
	items, next, err := a.repo.Members(ctx, id, limit, cursor)
	return Page[domain.Member]{Items: items, NextCursor: next}, err
}

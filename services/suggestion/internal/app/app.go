// Package app holds the suggestion service's use cases: who may ask for and read which
// suggestion, loading the inputs of a solve from the read models, running the planner and the
// optimiser, and storing the result with its outbox rows before answering.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/services/suggestion/internal/domain"
	"github.com/eventai/eventai/services/suggestion/internal/learning"
	"github.com/eventai/eventai/services/suggestion/internal/planner"
	"github.com/eventai/eventai/services/suggestion/internal/planner/llm"
	"github.com/eventai/eventai/services/suggestion/internal/solver"
	"github.com/eventai/eventai/services/suggestion/internal/store"
)

// Repo is the storage the use cases need.
type Repo interface {
	Event(ctx context.Context, id uuid.UUID) (domain.Event, error)
	IsMember(ctx context.Context, userID, companyID uuid.UUID) (bool, error)
	Account(ctx context.Context, userID uuid.UUID) (domain.Account, error)
	CompanyStaff(ctx context.Context, companyID uuid.UUID) ([]domain.Staff, error)
	MembersIn(ctx context.Context, companyID uuid.UUID, ids []uuid.UUID) ([]domain.Staff, error)
	Sessions(ctx context.Context, eventID uuid.UUID) ([]store.Session, error)
	EventTasks(ctx context.Context, eventID uuid.UUID) ([]domain.Task, error)
	Commitments(ctx context.Context, staff []uuid.UUID, from, to time.Time) ([]domain.Task, error)
	History(ctx context.Context, staff []uuid.UUID) ([]domain.Task, error)

	InsertRunning(ctx context.Context, sg domain.Suggestion) error
	SaveReady(ctx context.Context, sg domain.Suggestion) (domain.Suggestion, error)
	Fail(ctx context.Context, id uuid.UUID, reason string, now time.Time) error
	Suggestion(ctx context.Context, id uuid.UUID) (domain.Suggestion, error)
	LatestReady(ctx context.Context, eventID uuid.UUID) (*domain.Suggestion, error)
	Suggestions(ctx context.Context, eventID uuid.UUID, limit int, cursor string) ([]domain.Suggestion, string, error)
	Counts(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]domain.TaskCounts, error)
}

// Planner drafts an event's tasks (the LLM planner with its built-in fallback).
type Planner interface {
	Plan(ctx context.Context, in planner.Input) (llm.Result, error)
}

// Flusher publishes every committed outbox row before a write answers (read your writes).
type Flusher interface {
	Flush(ctx context.Context) error
}

// Waiter waits until the consumer has applied everything on its topics so far.
type Waiter interface {
	WaitCaughtUp(ctx context.Context) error
}

// Observer records what solves did (metrics); nil records nothing.
type Observer interface {
	Solved(mode string, elapsed time.Duration, tasks, assigned, hardViolations int)
}

// Bounds of the read-your-writes waits (CONVENTIONS.md) and of storing a finished solve.
const (
	flushTimeout = time.Second
	waitTimeout  = 2 * time.Second
	saveTimeout  = 10 * time.Second
)

// App is the suggestion service's use cases.
type App struct {
	repo    Repo
	planner Planner
	relay   Flusher
	wait    Waiter
	log     *slog.Logger
	now     func() time.Time
	newID   func() uuid.UUID
	params  learning.Params
	obs     Observer

	// slots bound the solves running at once: each keeps a core busy for its whole time
	// limit, so more of them than cores only makes every one of them worse.
	slots chan struct{}

	// Background solves (time limits above domain.AsyncAbove) run under jobs, which Close
	// cancels: the anytime solver then returns its best plan at once and it is stored.
	jobs   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns the use cases; obs may be nil. Close stops the background solves.
func New(repo Repo, p Planner, relay Flusher, wait Waiter, obs Observer, log *slog.Logger) *App {
	jobs, cancel := context.WithCancel(context.Background())
	return &App{repo: repo, planner: p, relay: relay, wait: wait, obs: obs, log: log,
		now:    func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		newID:  uuid.New,
		params: learning.DefaultParams(),
		slots:  make(chan struct{}, max(1, runtime.GOMAXPROCS(0))),
		jobs:   jobs, cancel: cancel}
}

// Close ends the background solves early (each stores its best plan so far) and waits for them.
func (a *App) Close() {
	a.cancel()
	a.wg.Wait()
}

// View is a suggestion as a client sees it: with its derived status and task counts.
type View struct {
	domain.Suggestion
	Derived string
	Counts  domain.TaskCounts
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

func (a *App) flush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if err := a.relay.Flush(ctx); err != nil {
		// The rows are committed: the relay publishes them later; the answer stays correct.
		a.log.WarnContext(ctx, "outbox flush after commit", "err", err)
	}
}

func (a *App) catchUp(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	if err := a.wait.WaitCaughtUp(ctx); err != nil {
		a.log.WarnContext(ctx, "wait for consumer to catch up", "err", err)
	}
}

// CheckCaller refuses a token whose user identity has since deactivated or deleted
// (domain.ErrSignedOut) or given another role (domain.ErrRoleChanged). A refusal first lets the
// consumer catch up once (the token may be newer than the read model: a re-activation or a
// role given back); a user the read model has not heard of acts on the token alone.
func (a *App) CheckCaller(ctx context.Context, actor domain.Actor) error {
	acc, err := a.repo.Account(ctx, actor.UserID)
	if err != nil || acc.Admits(actor) == nil {
		return err
	}
	a.catchUp(ctx)
	if acc, err = a.repo.Account(ctx, actor.UserID); err != nil {
		return err
	}
	return acc.Admits(actor)
}

func requireRole(actor domain.Actor, role string) error {
	if actor.IsAdmin() || actor.Role == role {
		return nil
	}
	return domain.ErrForbidden
}

// organizerEvent loads an event the actor may work on as organizer (a member of its company,
// or an admin); another company's event is ErrNotFound. A miss waits for the consumer once.
func (a *App) organizerEvent(ctx context.Context, actor domain.Actor, id uuid.UUID, caughtUp bool) (domain.Event, error) {
	ev, err := a.repo.Event(ctx, id)
	if errors.Is(err, domain.ErrNotFound) && !caughtUp {
		a.catchUp(ctx)
		caughtUp = true
		ev, err = a.repo.Event(ctx, id)
	}
	if err != nil || actor.IsAdmin() {
		return ev, err
	}
	ok, err := a.repo.IsMember(ctx, actor.UserID, ev.CompanyID)
	if err == nil && !ok && !caughtUp {
		a.catchUp(ctx)
		ok, err = a.repo.IsMember(ctx, actor.UserID, ev.CompanyID)
	}
	if err != nil {
		return ev, err
	}
	if !ok {
		return ev, fmt.Errorf("event %s of another company: %w", id, domain.ErrNotFound)
	}
	return ev, nil
}

// Suggest asks the AI for a suggestion for an event: the role first, then the request, then
// the event (another company's answers ErrNotFound) and the staff. With a time limit above
// domain.AsyncAbove it answers at once with a running suggestion (async = true) and solves in
// the background; otherwise it answers the stored, ready suggestion.
func (a *App) Suggest(ctx context.Context, actor domain.Actor, eventID uuid.UUID, raw domain.RawRequest) (View, bool, error) {
	if err := requireRole(actor, domain.RoleOrganizer); err != nil {
		return View{}, false, err
	}
	req, err := raw.Validate()
	if err != nil {
		return View{}, false, err
	}
	// A suggestion reads everything: staff just added and a schedule just imported must be in
	// it. Catching up costs about a millisecond when nothing is pending.
	a.catchUp(ctx)
	ev, err := a.organizerEvent(ctx, actor, eventID, true)
	if err != nil {
		return View{}, false, err
	}
	staff, err := a.staff(ctx, ev, req.StaffIDs)
	if err != nil {
		return View{}, false, err
	}
	now := a.now()
	sg := domain.Suggestion{ID: a.newID(), EventID: ev.ID, CompanyID: ev.CompanyID, CreatedBy: actor.UserID, Mode: req.Mode,
		Status: domain.StatusRunning, Supersedes: []uuid.UUID{}, CreatedAt: now, UpdatedAt: now}
	if req.Async() {
		if err := a.repo.InsertRunning(ctx, sg); err != nil {
			return View{}, false, err
		}
		a.wg.Add(1)
		go a.background(sg, ev, req, staff)
		return View{Suggestion: sg, Derived: sg.Status}, true, nil
	}
	sg, err = a.solveAndSave(ctx, sg, ev, req, staff)
	if err != nil {
		return View{}, false, err
	}
	a.flush(ctx)
	return View{Suggestion: sg, Derived: sg.Status}, false, nil
}

func (a *App) background(sg domain.Suggestion, ev domain.Event, req domain.Request, staff []domain.Staff) {
	defer a.wg.Done()
	ctx := a.jobs
	_, err := a.solveAndSave(ctx, sg, ev, req, staff)
	// Storing and flushing must outlive a shutdown that ended the search early.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if err != nil {
		if errors.Is(err, store.ErrEventDeleted) {
			a.log.InfoContext(sctx, "event deleted during a background solve", "suggestion_id", sg.ID, "event_id", sg.EventID)
		} else {
			a.log.ErrorContext(sctx, "background suggestion failed", "suggestion_id", sg.ID, "err", err)
		}
		if ferr := a.repo.Fail(sctx, sg.ID, failureReason(err), a.now()); ferr != nil {
			a.log.ErrorContext(sctx, "mark suggestion failed", "suggestion_id", sg.ID, "err", ferr)
		}
		return
	}
	a.flush(sctx)
}

// failureReason is what a client reads about a failed background solve: input problems in
// full, anything else without internals.
func failureReason(err error) string {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return ve.Error()
	}
	if errors.Is(err, store.ErrEventDeleted) {
		return "the event was deleted during the solve"
	}
	return "the solve failed; ask again"
}

// staff answers the people to staff with: the company's active staff members, or the listed
// ones, each of whom must be one (422 naming the entry otherwise).
func (a *App) staff(ctx context.Context, ev domain.Event, ids []uuid.UUID) ([]domain.Staff, error) {
	if ids == nil {
		return a.repo.CompanyStaff(ctx, ev.CompanyID)
	}
	found, err := a.repo.MembersIn(ctx, ev.CompanyID, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]domain.Staff, len(found))
	for _, s := range found {
		byID[s.ID] = s
	}
	var errs []domain.FieldError
	out := make([]domain.Staff, 0, len(ids))
	for i, id := range ids {
		s, ok := byID[id]
		if !ok || s.Role != domain.RoleStaff || !s.IsActive {
			errs = append(errs, domain.FieldError{Field: fmt.Sprintf("staff_ids[%d]", i), Message: "is not an active staff member of the event's company"})
			continue
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		return nil, &domain.ValidationError{Fields: errs}
	}
	return out, nil
}

// solveAndSave loads the inputs, plans, solves, and stores the suggestion with its outbox rows.
func (a *App) solveAndSave(ctx context.Context, sg domain.Suggestion, ev domain.Event, req domain.Request, staff []domain.Staff) (domain.Suggestion, error) {
	body, source, err := a.solve(ctx, sg.ID, ev, req, staff)
	if err != nil {
		return sg, err
	}
	sg.Body, sg.Planner = &body, source
	sg.UpdatedAt = a.now()
	// The search may have ended because ctx did (shutdown): the plan is still valid and stored.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	return a.repo.SaveReady(sctx, sg)
}

func (a *App) solve(ctx context.Context, id uuid.UUID, ev domain.Event, req domain.Request, staff []domain.Staff) (domain.Body, string, error) {
	started := time.Now()
	body, source, err := a.solveInputs(ctx, id, ev, req, staff)
	if err == nil && a.obs != nil {
		a.obs.Solved(req.Mode, time.Since(started), body.Metrics.Tasks, body.Metrics.Assigned, body.Metrics.HardViolations)
	}
	return body, source, err
}

func (a *App) solveInputs(ctx context.Context, id uuid.UUID, ev domain.Event, req domain.Request, staff []domain.Staff) (domain.Body, string, error) {
	tasks, err := a.repo.EventTasks(ctx, ev.ID)
	if err != nil {
		return domain.Body{}, "", err
	}
	in := domain.Inputs{SuggestionID: id, Event: ev, Request: req, EventTasks: tasks, Staff: staff, NewID: a.newID}
	source, note := "", ""
	if req.Plans() {
		res, err := a.plan(ctx, ev, len(staff))
		if err != nil {
			return domain.Body{}, "", err
		}
		in.Drafts = planner.Expand(res.Drafts)
		source, note = res.Source, res.FallbackReason
		prev, err := a.repo.LatestReady(ctx, ev.ID)
		if err != nil {
			return domain.Body{}, "", err
		}
		if prev != nil && prev.Body != nil {
			in.Previous = prev.Body.Tasks
		}
	}
	ids := make([]uuid.UUID, 0, len(staff))
	for _, s := range staff {
		ids = append(ids, s.ID)
	}
	if req.Assigns() && len(ids) > 0 {
		from, to := window(ev, in)
		if in.Commitments, err = a.repo.Commitments(ctx, ids, from, to); err != nil {
			return domain.Body{}, "", err
		}
		history, err := a.repo.History(ctx, ids)
		if err != nil {
			return domain.Body{}, "", err
		}
		in.Learning = learning.Estimate(records(history), a.now(), a.params)
	} else {
		in.Learning = learning.Estimate(nil, a.now(), a.params)
	}
	c := domain.Compose(in)
	var body domain.Body
	if req.Assigns() {
		select {
		case a.slots <- struct{}{}:
		case <-ctx.Done():
			return domain.Body{}, "", fmt.Errorf("wait for a free solver: %w", ctx.Err())
		}
		plan, err := solver.Solve(ctx, c.Problem)
		<-a.slots
		if err != nil {
			return domain.Body{}, "", solverError(err)
		}
		body = domain.Assemble(c, plan, in)
		if body.Metrics.HardViolations > 0 {
			// Verify shares no code with the search; this would be a solver bug. The plan is
			// still shown (with the count) so the manager sees it, never silently approved.
			a.log.ErrorContext(ctx, "optimiser plan breaks hard rules", "suggestion_id", id, "violations", body.Metrics.HardViolations)
		}
	} else {
		body = domain.Unstaffed(c)
	}
	body.PlannerNote = note
	return body, source, nil
}

func (a *App) plan(ctx context.Context, ev domain.Event, teamSize int) (llm.Result, error) {
	sessions, err := a.repo.Sessions(ctx, ev.ID)
	if err != nil {
		return llm.Result{}, err
	}
	in := planner.Input{Event: planner.Event{ID: ev.ID.String(), Type: ev.EventType, ExpectedAttendees: ev.ExpectedAttendees,
		StartsAt: ev.StartsAt, EndsAt: ev.EndsAt, Timezone: ev.Timezone}, TeamSize: teamSize}
	for _, s := range sessions {
		in.Sessions = append(in.Sessions, planner.Session{ExternalID: s.ExternalID, Room: s.Room, Track: s.Track, Title: s.Title,
			Start: s.StartsAt, End: s.EndsAt})
	}
	res, err := a.planner.Plan(ctx, in)
	if err != nil {
		var ve *planner.ValidationError
		if errors.As(err, &ve) {
			out := &domain.ValidationError{Detail: "the event cannot be planned"}
			for _, p := range ve.Problems {
				out.Fields = append(out.Fields, domain.FieldError{Field: p.Path, Message: p.Message})
			}
			return llm.Result{}, out
		}
		return llm.Result{}, fmt.Errorf("plan event %s: %w", ev.ID, err)
	}
	return res, nil
}

func solverError(err error) error {
	var ve *solver.ValidationError
	if errors.As(err, &ve) {
		out := &domain.ValidationError{Detail: "the event's tasks or staff cannot be optimised"}
		for _, f := range ve.Fields {
			out.Fields = append(out.Fields, domain.FieldError{Field: f.Field, Message: f.Message})
		}
		return out
	}
	return fmt.Errorf("optimise: %w", err)
}

// window is the time range whose commitments matter: the event and every task to staff, with a
// day either side so per-day hour limits see the whole local days.
func window(ev domain.Event, in domain.Inputs) (time.Time, time.Time) {
	from, to := ev.StartsAt.Add(-planner.DraftMargin), ev.EndsAt.Add(planner.DraftMargin)
	for _, d := range in.Drafts {
		from, to = minTime(from, d.Start), maxTime(to, d.End)
	}
	for _, t := range in.EventTasks {
		if t.IsOpen() || t.IsEarlierProposal() {
			from, to = minTime(from, t.StartsAt), maxTime(to, t.EndsAt)
		}
	}
	return from.Add(-24 * time.Hour), to.Add(24 * time.Hour)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func records(tasks []domain.Task) []learning.Record {
	out := make([]learning.Record, 0, len(tasks))
	for _, t := range tasks {
		if t.AssigneeID == nil {
			continue
		}
		skills := make([]string, 0, len(t.RequiredSkills))
		for _, s := range t.RequiredSkills {
			skills = append(skills, s.Name)
		}
		out = append(out, learning.Record{StaffID: t.AssigneeID.String(), Skills: skills, Area: t.Area, EndsAt: t.EndsAt,
			Approved: t.Approval == domain.ApprovalApproved, ApprovedAt: t.ApprovedAt, EditedByManager: t.EditedByManager,
			Done: t.Status == domain.StatusDone, CompletedAt: t.CompletedAt, WasBlocked: t.WasBlocked, UpdatedAt: t.UpdatedAt})
	}
	return out
}

// Get answers one suggestion to an organizer member of its company (organizer = true) or a
// manager of its event. Other objects are ErrNotFound.
func (a *App) Get(ctx context.Context, actor domain.Actor, id uuid.UUID, organizer bool) (View, error) {
	role := domain.RoleManager
	if organizer {
		role = domain.RoleOrganizer
	}
	if err := requireRole(actor, role); err != nil {
		return View{}, err
	}
	sg, err := a.repo.Suggestion(ctx, id)
	if err != nil {
		return View{}, err
	}
	if organizer {
		if _, err := a.organizerEvent(ctx, actor, sg.EventID, false); err != nil {
			return View{}, err
		}
	} else if err := a.managerOf(ctx, actor, sg.EventID); err != nil {
		return View{}, err
	}
	views, err := a.views(ctx, []domain.Suggestion{sg})
	if err != nil {
		return View{}, err
	}
	return views[0], nil
}

// managerOf checks that the actor manages the event and is still a member of its company (or
// is an admin): a manager moved to another company loses the event, as in the event and task
// services.
func (a *App) managerOf(ctx context.Context, actor domain.Actor, eventID uuid.UUID) error {
	if actor.IsAdmin() {
		_, err := a.repo.Event(ctx, eventID)
		if errors.Is(err, domain.ErrNotFound) {
			a.catchUp(ctx)
			_, err = a.repo.Event(ctx, eventID)
		}
		return err
	}
	ok, err := a.manages(ctx, actor, eventID)
	if err == nil && !ok {
		// The manager may have been added to the event or the company a moment ago.
		a.catchUp(ctx)
		ok, err = a.manages(ctx, actor, eventID)
	}
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("event %s not managed by %s: %w", eventID, actor.UserID, domain.ErrNotFound)
	}
	return nil
}

// manages reports whether the actor is one of the event's managers and a member of its company.
func (a *App) manages(ctx context.Context, actor domain.Actor, eventID uuid.UUID) (bool, error) {
	ev, err := a.repo.Event(ctx, eventID)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	if err != nil || !ev.IsManager(actor.UserID) {
		return false, err
	}
	return a.repo.IsMember(ctx, actor.UserID, ev.CompanyID)
}

// List answers a page of an event's suggestions, newest first, without their tasks.
func (a *App) List(ctx context.Context, actor domain.Actor, eventID uuid.UUID, limit int, cursor string) (Page[View], error) {
	if err := requireRole(actor, domain.RoleOrganizer); err != nil {
		return Page[View]{}, err
	}
	if _, err := a.organizerEvent(ctx, actor, eventID, false); err != nil {
		return Page[View]{}, err
	}
	items, next, err := a.repo.Suggestions(ctx, eventID, limit, cursor)
	if err != nil {
		return Page[View]{}, err
	}
	views, err := a.views(ctx, items)
	if err != nil {
		return Page[View]{}, err
	}
	return Page[View]{Items: views, NextCursor: next}, nil
}

func (a *App) views(ctx context.Context, items []domain.Suggestion) ([]View, error) {
	ids := make([]uuid.UUID, 0, len(items))
	for _, s := range items {
		ids = append(ids, s.ID)
	}
	counts, err := a.repo.Counts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(items))
	for _, s := range items {
		c := counts[s.ID]
		out = append(out, View{Suggestion: s, Derived: s.DerivedStatus(c), Counts: c})
	}
	return out, nil
}

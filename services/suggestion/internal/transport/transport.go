// Package transport is the suggestion service's HTTP surface: it decodes requests, calls the
// use cases, and turns their results and errors into JSON and RFC 9457 problems (in one place).
package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/problem"
	"github.com/eventai/eventai/services/suggestion/internal/app"
	"github.com/eventai/eventai/services/suggestion/internal/domain"
	"github.com/eventai/eventai/services/suggestion/internal/solver"
	"github.com/eventai/eventai/services/suggestion/internal/store"
)

// Handlers serves the suggestion routes of the route table.
type Handlers struct {
	app *app.App
	log *slog.Logger
}

// Register adds every suggestion route to mux, each behind authn (token verification).
func Register(mux *http.ServeMux, a *app.App, authn func(http.Handler) http.Handler, log *slog.Logger) {
	h := &Handlers{app: a, log: log}
	routes := map[string]http.HandlerFunc{
		"POST /organizer/events/{event_id}/ai/suggest": h.route(h.suggest),
		"GET /organizer/events/{event_id}/suggestions": h.route(h.list),
		"GET /organizer/suggestions/{id}":              h.route(h.get(true)),
		"GET /manager/suggestions/{id}":                h.route(h.get(false)),
	}
	httpx.Handle(mux, routes, authn, auth.Current(h.checkCaller, h.fail))
}

// checkCaller refuses a caller the users read model no longer knows as the token says.
func (h *Handlers) checkCaller(ctx context.Context, p auth.Principal) error {
	return h.app.CheckCaller(ctx, domain.Actor{UserID: p.UserID, Role: p.Role})
}

func actorOf(r *http.Request) (domain.Actor, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return domain.Actor{}, problem.Unauthorized("a bearer token is required")
	}
	return domain.Actor{UserID: p.UserID, Role: p.Role}, nil
}

// pathID parses a path id; a malformed id names no object, hence 404.
func pathID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil {
		return uuid.Nil, fmt.Errorf("malformed %s %q: %w", name, r.PathValue(name), domain.ErrNotFound)
	}
	return id, nil
}

// handlerFunc is the part of a handler that differs from route to route: it returns the status
// and body of a success, or the error that fail turns into a problem. It gets w only to decode
// a bounded body and to set headers that belong to a success.
type handlerFunc func(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error)

// route wraps fn with what every handler shares: the caller first, one error path, JSON last.
func (h *Handlers) route(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, err := actorOf(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		status, body, err := fn(w, r, actor)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		httpx.JSON(w, status, body)
	}
}

func (h *Handlers) suggest(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	eventID, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	var raw domain.RawRequest
	// Every field is optional, so an empty body asks for the defaults.
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &raw); err != nil {
			return 0, nil, err
		}
	}
	v, async, err := h.app.Suggest(r.Context(), actor, eventID, raw)
	if err != nil {
		return 0, nil, err
	}
	w.Header().Set("Location", "/organizer/suggestions/"+v.ID.String())
	if async {
		return http.StatusAccepted, toJSON(v, true), nil
	}
	return http.StatusCreated, toJSON(v, true), nil
}

func (h *Handlers) get(organizer bool) handlerFunc {
	return func(_ http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		v, err := h.app.Get(r.Context(), actor, id, organizer)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toJSON(v, true), nil
	}
}

func (h *Handlers) list(_ http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	eventID, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		return 0, nil, err
	}
	page, err := h.app.List(r.Context(), actor, eventID, limit, cursor)
	if err != nil {
		return 0, nil, err
	}
	out := listJSON{Items: make([]suggestionJSON, 0, len(page.Items))}
	for _, v := range page.Items {
		out.Items = append(out.Items, toJSON(v, false))
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	return http.StatusOK, out, nil
}

type listJSON struct {
	Items      []suggestionJSON `json:"items"`
	NextCursor *string          `json:"next_cursor"`
}

// suggestionJSON is the suggestion object of DESIGN.md plus what a frontend needs around it.
type suggestionJSON struct {
	ID            uuid.UUID              `json:"id"`
	EventID       uuid.UUID              `json:"event_id"`
	CompanyID     uuid.UUID              `json:"company_id"`
	CreatedBy     uuid.UUID              `json:"created_by"`
	Status        string                 `json:"status"`
	Mode          string                 `json:"mode"`
	Planner       *string                `json:"planner"`
	PlannerNote   string                 `json:"planner_note,omitempty"`
	Tasks         *[]domain.ProposedTask `json:"tasks,omitempty"`
	Unassigned    *[]domain.Unassigned   `json:"unassigned,omitempty"`
	Teams         []domain.Team          `json:"teams"`
	Metrics       *solver.Metrics        `json:"metrics"`
	TaskCount     int                    `json:"task_count"`
	TasksProposed int                    `json:"tasks_proposed"`
	TasksApproved int                    `json:"tasks_approved"`
	TasksRejected int                    `json:"tasks_rejected"`
	Skipped       int                    `json:"skipped_covered"`
	Supersedes    []uuid.UUID            `json:"supersedes"`
	SupersededBy  *uuid.UUID             `json:"superseded_by"`
	Error         string                 `json:"error,omitempty"`
	CreatedAt     time.Time              `json:"created_at"`
	UpdatedAt     time.Time              `json:"updated_at"`
}

// toJSON renders a suggestion; full adds its tasks (lists leave them out: a suggestion may
// carry thousands).
func toJSON(v app.View, full bool) suggestionJSON {
	out := suggestionJSON{ID: v.ID, EventID: v.EventID, CompanyID: v.CompanyID, CreatedBy: v.CreatedBy, Status: v.Derived,
		Mode: v.Mode, TaskCount: v.TaskCount, TasksProposed: v.Counts.Proposed, TasksApproved: v.Counts.Approved,
		TasksRejected: v.Counts.Rejected, Supersedes: v.Supersedes, SupersededBy: v.SupersededBy, Error: v.Error,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, Teams: []domain.Team{}}
	if out.Supersedes == nil {
		out.Supersedes = []uuid.UUID{}
	}
	tasks, unassigned := []domain.ProposedTask{}, []domain.Unassigned{}
	if v.Planner != "" {
		out.Planner = &v.Planner
	}
	if b := v.Body; b != nil {
		m := b.Metrics
		out.Metrics = &m
		out.PlannerNote, out.Skipped = b.PlannerNote, b.Skipped
		if b.Teams != nil {
			out.Teams = b.Teams
		}
		if b.Tasks != nil {
			tasks = b.Tasks
			out.TaskCount = len(b.Tasks)
		}
		if b.Unassigned != nil {
			unassigned = b.Unassigned
		}
	}
	if full {
		out.Tasks, out.Unassigned = &tasks, &unassigned
	}
	return out
}

// fail is the one place where errors become HTTP answers.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		p  *problem.Problem
		ve *domain.ValidationError
	)
	switch {
	case errors.As(err, &p):
	case errors.As(err, &ve):
		if len(ve.Fields) == 0 {
			p = problem.Unprocessable(ve.Error())
			break
		}
		fields := make([]problem.FieldError, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			fields = append(fields, problem.FieldError{Field: f.Field, Message: f.Message})
		}
		p = problem.Validation(fields...)
		if ve.Detail != "" {
			p.Detail = ve.Detail
		}
	case errors.Is(err, domain.ErrNotFound):
		p = problem.NotFound("no such object, or not yours")
	case errors.Is(err, domain.ErrSignedOut):
		p = problem.Unauthorized("the account was deactivated or deleted")
	case errors.Is(err, domain.ErrRoleChanged):
		p = problem.Forbidden("your role has changed; sign in again")
	case errors.Is(err, domain.ErrForbidden):
		p = problem.Forbidden("your role may not do this")
	case errors.Is(err, store.ErrBadCursor):
		p = problem.BadRequest("malformed cursor")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		p = problem.Unavailable("the request was cancelled or timed out")
	default:
		h.log.ErrorContext(r.Context(), "request failed", "err", err)
		p = problem.Internal("")
	}
	problem.Write(w, r, p)
}

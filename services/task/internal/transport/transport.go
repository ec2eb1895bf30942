// Package transport is the task service's HTTP surface: it decodes requests, calls the use cases,
// and turns their results and errors into JSON and RFC 9457 problems (in one place, fail).
package transport

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/problem"
	"github.com/eventai/eventai/services/task/internal/app"
	"github.com/eventai/eventai/services/task/internal/domain"
	"github.com/eventai/eventai/services/task/internal/store"
)

// Handlers serves the task routes of the route table.
type Handlers struct {
	app *app.App
	log *slog.Logger
}

// Register adds every task route to mux, each behind authn (token verification). Paths have no
// trailing slash; the server strips one before routing.
func Register(mux *http.ServeMux, a *app.App, authn func(http.Handler) http.Handler, log *slog.Logger) {
	h := &Handlers{app: a, log: log}
	routes := map[string]http.HandlerFunc{
		"GET /organizer/events/{event_id}/tasks":  h.route(h.eventTasks(app.RouteOrganizer)),
		"POST /organizer/events/{event_id}/tasks": h.route(h.create),
		"GET /organizer/tasks/{id}":               h.route(h.get(app.RouteOrganizer)),
		"PUT /organizer/tasks/{id}":               h.route(h.organizerUpdate),
		"DELETE /organizer/tasks/{id}":            h.route(h.delete),
		"GET /manager/events/{event_id}/tasks":    h.route(h.eventTasks(app.RouteManager)),
		"GET /manager/tasks/{id}":                 h.route(h.get(app.RouteManager)),
		"PUT /manager/tasks/{id}":                 h.route(h.managerUpdate),
		"POST /manager/suggestions/{id}/approve":  h.route(h.approveSuggestion),
		"GET /staff/tasks":                        h.route(h.staffTasks),
		"GET /staff/tasks/{id}":                   h.route(h.get(app.RouteStaff)),
		"PUT /staff/tasks/{id}":                   h.route(h.staffUpdate),
		"GET /tasks/{id}/history":                 h.route(h.history),
	}
	httpx.Handle(mux, routes, authn, auth.Current(h.checkCaller, h.fail))
}

// checkCaller refuses a caller the users read model no longer knows as the token says.
func (h *Handlers) checkCaller(ctx context.Context, p auth.Principal) error {
	return h.app.CheckCaller(ctx, domain.Actor{UserID: p.UserID, Role: p.Role})
}

type listJSON[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func toList[T any](p app.Page[T]) listJSON[T] {
	out := listJSON[T]{Items: p.Items}
	if out.Items == nil {
		out.Items = []T{}
	}
	if p.NextCursor != "" {
		out.NextCursor = &p.NextCursor
	}
	return out
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
		return uuid.Nil, problem.NotFound("no object with this id")
	}
	return id, nil
}

// ifMatch reads a version from If-Match ("3", W/"3" or 3); nil when absent.
func ifMatch(r *http.Request) (*int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return nil, nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil {
		return nil, problem.Validation(problem.FieldError{Field: "If-Match", Message: "must be the version number from the ETag"})
	}
	return &v, nil
}

// version picks the body's version, else If-Match; one of them is required.
func version(r *http.Request, body *int64) (int64, error) {
	if body != nil {
		return *body, nil
	}
	v, err := ifMatch(r)
	if err != nil {
		return 0, err
	}
	if v == nil {
		return 0, problem.Validation(problem.FieldError{Field: "version", Message: "is required (or send If-Match)"})
	}
	return *v, nil
}

// task answers with t and its version as the ETag, so a client can send it back in If-Match.
func task(w http.ResponseWriter, status int, t domain.Task) (int, any, error) {
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(t.Version, 10)))
	return status, t, nil
}

// handlerFunc is the part of a handler that differs from route to route: it returns the status
// and body of a success, or the error that fail turns into a problem. It gets w only to decode
// a bounded body and to set headers that belong to a success.
type handlerFunc func(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error)

// route wraps fn with what every handler shares: the caller first, one error path, JSON last
// (a 204 carries neither body nor Content-Type).
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
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		httpx.JSON(w, status, body)
	}
}

// query reads the list filters shared by the list routes.
func query(r *http.Request, withAssignee bool) (app.Query, error) {
	var q app.Query
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		return q, err
	}
	q.Limit, q.Cursor = limit, cursor
	v := r.URL.Query()
	q.Approval, q.Status = v.Get("approval"), v.Get("status")
	var fe []problem.FieldError
	if a := v.Get("assignee_id"); a != "" && withAssignee {
		if a == "none" {
			q.Unassigned = true
		} else if id, err := uuid.Parse(a); err == nil {
			q.AssigneeID = &id
		} else {
			fe = append(fe, problem.FieldError{Field: "assignee_id", Message: "must be a user id or none"})
		}
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				fe = append(fe, problem.FieldError{Field: p.name, Message: "must be an RFC 3339 time"})
				continue
			}
			t = t.UTC()
			*p.dst = &t
		}
	}
	if len(fe) > 0 {
		return q, problem.Validation(fe...)
	}
	return q, nil
}

func (h *Handlers) eventTasks(route app.Route) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
		eventID, err := pathID(r, "event_id")
		if err != nil {
			return 0, nil, err
		}
		q, err := query(r, true)
		if err != nil {
			return 0, nil, err
		}
		page, err := h.app.EventTasks(r.Context(), actor, eventID, route, q)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toList(page), nil
	}
}

func (h *Handlers) staffTasks(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	q, err := query(r, false)
	if err != nil {
		return 0, nil, err
	}
	page, err := h.app.StaffTasks(r.Context(), actor, q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toList(page), nil
}

// errBadAssignee is what optionalID fails with; httpx.Decode turns it into a 400 carrying this
// text, which decode recognises and answers as the 422 it is.
var errBadAssignee = errors.New("assignee_id must be a user id or null")

// optionalID tells an absent assignee_id (Set false) from an explicit null (Set true, ID nil).
type optionalID struct {
	Set bool
	ID  *uuid.UUID
}

// UnmarshalJSON is called for every present key, null included.
func (o *optionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.ID = nil
		return nil
	}
	var id uuid.UUID
	if err := json.Unmarshal(b, &id); err != nil {
		return errBadAssignee
	}
	o.ID = &id
	return nil
}

type createRequest struct {
	Title          string         `json:"title"`
	Description    string         `json:"description"`
	RequiredSkills []domain.Skill `json:"required_skills"`
	StartsAt       time.Time      `json:"starts_at"`
	EndsAt         time.Time      `json:"ends_at"`
	Priority       *int           `json:"priority"`
	Area           string         `json:"area"`
	AssigneeID     *uuid.UUID     `json:"assignee_id"`
	Headcount      *int           `json:"headcount"`
}

// orDefault is *p, or def when the field was left out: an explicit 0 stays 0
// so that validation refuses it instead of silently using the default.
func orDefault(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// create adds manual tasks: one task answers the task; headcount > 1 answers them as a list.
func (h *Handlers) create(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	eventID, err := pathID(r, "event_id")
	if err != nil {
		return 0, nil, err
	}
	var req createRequest
	if err := decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	tasks, err := h.app.CreateTasks(r.Context(), actor, eventID, app.NewTask{
		Draft: domain.Draft{Title: req.Title, Description: req.Description, RequiredSkills: req.RequiredSkills,
			StartsAt: req.StartsAt, EndsAt: req.EndsAt, Priority: orDefault(req.Priority, domain.DefaultPriority), Area: req.Area},
		Headcount: orDefault(req.Headcount, 1), Assignee: req.AssigneeID,
	})
	if err != nil {
		return 0, nil, err
	}
	if len(tasks) == 1 {
		w.Header().Set("Location", "/organizer/tasks/"+tasks[0].ID.String())
		return task(w, http.StatusCreated, tasks[0])
	}
	return http.StatusCreated, toList(app.Page[domain.Task]{Items: tasks}), nil
}

// decode is httpx.Decode that lets a field's own problem (from an UnmarshalJSON) through.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	err := httpx.Decode(w, r, dst)
	var p *problem.Problem
	if errors.As(err, &p) && strings.Contains(p.Detail, errBadAssignee.Error()) {
		return problem.Validation(problem.FieldError{Field: "assignee_id", Message: "must be a user id or null"})
	}
	return err
}

func (h *Handlers) get(route app.Route) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		t, err := h.app.Get(r.Context(), actor, id, route)
		if err != nil {
			return 0, nil, err
		}
		return task(w, http.StatusOK, t)
	}
}

type managerUpdateRequest struct {
	Version     *int64     `json:"version"`
	Approval    *string    `json:"approval"`
	AssigneeID  optionalID `json:"assignee_id"`
	Title       *string    `json:"title"`
	Description *string    `json:"description"`
	StartsAt    *time.Time `json:"starts_at"`
	EndsAt      *time.Time `json:"ends_at"`
	Status      *string    `json:"status"`
	Reason      string     `json:"reason"`
}

func (h *Handlers) managerUpdate(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	var req managerUpdateRequest
	return h.update(w, r, actor, &req, func() (*int64, domain.Edit, string) {
		return req.Version, domain.Edit{Approval: req.Approval, AssigneeSet: req.AssigneeID.Set, Assignee: req.AssigneeID.ID,
			Title: req.Title, Description: req.Description, StartsAt: req.StartsAt, EndsAt: req.EndsAt, Status: req.Status}, req.Reason
	}, app.RouteManager)
}

type organizerUpdateRequest struct {
	Version        *int64          `json:"version"`
	Approval       *string         `json:"approval"`
	AssigneeID     optionalID      `json:"assignee_id"`
	Title          *string         `json:"title"`
	Description    *string         `json:"description"`
	RequiredSkills *[]domain.Skill `json:"required_skills"`
	StartsAt       *time.Time      `json:"starts_at"`
	EndsAt         *time.Time      `json:"ends_at"`
	Priority       *int            `json:"priority"`
	Area           *string         `json:"area"`
	Reason         string          `json:"reason"`
}

func (h *Handlers) organizerUpdate(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	var req organizerUpdateRequest
	return h.update(w, r, actor, &req, func() (*int64, domain.Edit, string) {
		return req.Version, domain.Edit{Approval: req.Approval, AssigneeSet: req.AssigneeID.Set, Assignee: req.AssigneeID.ID,
			Title: req.Title, Description: req.Description, RequiredSkills: req.RequiredSkills, StartsAt: req.StartsAt,
			EndsAt: req.EndsAt, Priority: req.Priority, Area: req.Area}, req.Reason
	}, app.RouteOrganizer)
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request, actor domain.Actor, req any, edit func() (*int64, domain.Edit, string), route app.Route) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	if err := decode(w, r, req); err != nil {
		return 0, nil, err
	}
	bodyVersion, e, reason := edit()
	v, err := version(r, bodyVersion)
	if err != nil {
		return 0, nil, err
	}
	if len(reason) > domain.MaxNoteLen {
		return 0, nil, problem.Validation(problem.FieldError{Field: "reason", Message: "must be at most 2000 characters"})
	}
	t, err := h.app.Edit(r.Context(), actor, id, route, v, e, strings.TrimSpace(reason))
	if err != nil {
		return 0, nil, err
	}
	return task(w, http.StatusOK, t)
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	v, err := ifMatch(r)
	if err != nil {
		return 0, nil, err
	}
	if err := h.app.Delete(r.Context(), actor, id, v, "deleted by organizer"); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

type staffUpdateRequest struct {
	Version  *int64  `json:"version"`
	Status   *string `json:"status"`
	Progress *int    `json:"progress"`
	Note     *string `json:"note"`
}

func (h *Handlers) staffUpdate(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var req staffUpdateRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	v, err := version(r, req.Version)
	if err != nil {
		return 0, nil, err
	}
	t, err := h.app.UpdateOwn(r.Context(), actor, id, v, domain.StaffChange{Status: req.Status, Progress: req.Progress, Note: req.Note})
	if err != nil {
		return 0, nil, err
	}
	return task(w, http.StatusOK, t)
}

type approveRequest struct {
	Except []uuid.UUID `json:"except"`
	Reject []uuid.UUID `json:"reject"`
}

func (h *Handlers) approveSuggestion(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var req approveRequest
	// An empty body means "approve everything".
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &req); err != nil {
			var p *problem.Problem
			if !errors.As(err, &p) || !strings.Contains(p.Detail, "empty") {
				return 0, nil, err
			}
		}
	}
	res, err := h.app.ApproveSuggestion(r.Context(), actor, id, req.Except, req.Reject)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, res, nil
}

func (h *Handlers) history(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		return 0, nil, err
	}
	page, err := h.app.History(r.Context(), actor, id, limit, cursor)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toList(page), nil
}

// fail is the one place where errors become HTTP answers.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		p  *problem.Problem
		ve *domain.ValidationError
		re *domain.RuleError
	)
	switch {
	case errors.As(err, &p):
	case errors.As(err, &ve):
		fields := make([]problem.FieldError, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			fields = append(fields, problem.FieldError{Field: f.Field, Message: f.Message})
		}
		p = problem.Validation(fields...)
	case errors.As(err, &re):
		p = problem.Unprocessable(re.Detail)
		field := "assignee_id"
		switch re.Rule {
		case "illegal_transition", "done_is_final":
			field = "status"
		}
		p.Errors = []problem.FieldError{{Field: field, Message: re.Rule + ": " + re.Detail}}
	case errors.Is(err, domain.ErrNotFound):
		p = problem.NotFound("no such object, or not yours to see")
	case errors.Is(err, domain.ErrSignedOut):
		p = problem.Unauthorized("the account was deactivated or deleted")
	case errors.Is(err, domain.ErrRoleChanged):
		p = problem.Forbidden("your role has changed; sign in again")
	case errors.Is(err, domain.ErrForbidden):
		p = problem.Forbidden("your role may not do this")
	case errors.Is(err, domain.ErrStale):
		p = problem.Conflict("the task was changed meanwhile; reload it and retry with its current version")
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

// Package transport is the company service's HTTP surface: it decodes requests, calls the use
// cases, and turns their results and errors into JSON and RFC 9457 problems (in one place).
package transport

import (
	"context"
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
	"github.com/eventai/eventai/services/company/internal/app"
	"github.com/eventai/eventai/services/company/internal/domain"
	"github.com/eventai/eventai/services/company/internal/store"
)

// Handlers serves the company routes of the route table.
type Handlers struct {
	app *app.App
	log *slog.Logger
}

// Register adds every company route to mux, each behind authn (token verification).
func Register(mux *http.ServeMux, a *app.App, authn func(http.Handler) http.Handler, log *slog.Logger) {
	h := &Handlers{app: a, log: log}
	routes := map[string]http.HandlerFunc{
		"POST /organizer/companies":             h.route(h.create),
		"GET /organizer/companies":              h.route(h.list(a.ListOwn)),
		"GET /organizer/companies/{id}":         h.route(h.get),
		"PUT /organizer/companies/{id}":         h.route(h.update),
		"DELETE /organizer/companies/{id}":      h.route(h.delete),
		"GET /organizer/companies/{id}/members": h.route(h.members),
		"GET /admin/companies":                  h.route(h.list(a.ListAll)),
	}
	httpx.Handle(mux, routes, authn, auth.Current(h.checkCaller, h.fail))
}

// checkCaller refuses a caller the users read model no longer knows as the token says.
func (h *Handlers) checkCaller(ctx context.Context, p auth.Principal) error {
	return h.app.CheckCaller(ctx, domain.Actor{UserID: p.UserID, Role: p.Role})
}

type companyJSON struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	CreatedBy uuid.UUID `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

func toCompanyJSON(c domain.Company) companyJSON {
	return companyJSON{ID: c.ID, Name: c.Name, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
}

type memberJSON struct {
	ID       uuid.UUID      `json:"id"`
	Username string         `json:"username"`
	FullName string         `json:"full_name"`
	Role     string         `json:"role"`
	Skills   []domain.Skill `json:"skills"`
	IsActive bool           `json:"is_active"`
}

type listJSON[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func toList[S, T any](p app.Page[S], conv func(S) T) listJSON[T] {
	out := listJSON[T]{Items: make([]T, 0, len(p.Items))}
	for _, s := range p.Items {
		out.Items = append(out.Items, conv(s))
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

// pathID parses {id}; a malformed id names no object, hence 404.
func pathID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return uuid.Nil, problem.NotFound("no company with this id")
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

// company answers with c and its version as the ETag, so a client can send it back in If-Match.
func company(w http.ResponseWriter, status int, c domain.Company) (int, any, error) {
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(c.Version, 10)))
	return status, toCompanyJSON(c), nil
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

type createRequest struct {
	Name *string `json:"name"`
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	var req createRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	if req.Name == nil {
		return 0, nil, problem.Validation(problem.FieldError{Field: "name", Message: "is required"})
	}
	c, err := h.app.Create(r.Context(), actor, *req.Name)
	if err != nil {
		return 0, nil, err
	}
	w.Header().Set("Location", "/organizer/companies/"+c.ID.String())
	return company(w, http.StatusCreated, c)
}

type listFunc func(ctx context.Context, actor domain.Actor, q string, limit int, cursor string) (app.Page[domain.Company], error)

// list serves both company lists, which differ only in whose companies fn reads.
func (h *Handlers) list(fn listFunc) handlerFunc {
	return func(_ http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
		limit, cursor, err := httpx.Page(r)
		if err != nil {
			return 0, nil, err
		}
		page, err := fn(r.Context(), actor, strings.TrimSpace(r.URL.Query().Get("q")), limit, cursor)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, toList(page, toCompanyJSON), nil
	}
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	c, err := h.app.Get(r.Context(), actor, id)
	if err != nil {
		return 0, nil, err
	}
	return company(w, http.StatusOK, c)
}

type updateRequest struct {
	Name    *string `json:"name"`
	Version *int64  `json:"version"`
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var req updateRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		return 0, nil, err
	}
	version, err := ifMatch(r)
	if err != nil {
		return 0, nil, err
	}
	if req.Version != nil {
		version = req.Version
	}
	var errs []problem.FieldError
	if version == nil {
		errs = append(errs, problem.FieldError{Field: "version", Message: "is required (or send If-Match)"})
	}
	if req.Name == nil {
		errs = append(errs, problem.FieldError{Field: "name", Message: "is required"})
	}
	if len(errs) > 0 {
		return 0, nil, problem.Validation(errs...)
	}
	c, err := h.app.Rename(r.Context(), actor, id, *version, *req.Name)
	if err != nil {
		return 0, nil, err
	}
	return company(w, http.StatusOK, c)
}

func (h *Handlers) delete(_ http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	version, err := ifMatch(r)
	if err != nil {
		return 0, nil, err
	}
	if err := h.app.Delete(r.Context(), actor, id, version); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (h *Handlers) members(_ http.ResponseWriter, r *http.Request, actor domain.Actor) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		return 0, nil, err
	}
	page, err := h.app.Members(r.Context(), actor, id, limit, cursor)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toList(page, func(m domain.Member) memberJSON {
		return memberJSON{ID: m.UserID, Username: m.Username, FullName: m.FullName, Role: m.Role, Skills: m.Skills, IsActive: m.IsActive}
	}), nil
}

// fail is the one place where errors become HTTP answers.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem.Problem
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &ve):
		fields := make([]problem.FieldError, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			fields = append(fields, problem.FieldError{Field: f.Field, Message: f.Message})
		}
		p = problem.Validation(fields...)
	case errors.Is(err, domain.ErrNotFound):
		p = problem.NotFound("no company with this id")
	case errors.Is(err, domain.ErrSignedOut):
		p = problem.Unauthorized("the account was deactivated or deleted")
	case errors.Is(err, domain.ErrRoleChanged):
		p = problem.Forbidden("your role has changed; sign in again")
	case errors.Is(err, domain.ErrForbidden):
		p = problem.Forbidden("your role may not do this")
	case errors.Is(err, domain.ErrNameTaken):
		p = problem.Conflict("a company with this name exists")
	case errors.Is(err, domain.ErrStale):
		p = problem.Conflict("the company was changed meanwhile; reload it and retry with its current version")
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

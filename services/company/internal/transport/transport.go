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
		"POST /organizer/companies":             h.create,
		"GET /organizer/companies":              h.listOwn,
		"GET /organizer/companies/{id}":         h.get,
		"PUT /organizer/companies/{id}":         h.update,
		"DELETE /organizer/companies/{id}":      h.delete,
		"GET /organizer/companies/{id}/members": h.members,
		"GET /admin/companies":                  h.listAll,
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

func writeCompany(w http.ResponseWriter, status int, c domain.Company) {
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(c.Version, 10)))
	httpx.JSON(w, status, toCompanyJSON(c))
}

type createRequest struct {
	Name *string `json:"name"`
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req createRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if req.Name == nil {
		h.fail(w, r, problem.Validation(problem.FieldError{Field: "name", Message: "is required"}))
		return
	}
	c, err := h.app.Create(r.Context(), actor, *req.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/organizer/companies/"+c.ID.String())
	writeCompany(w, http.StatusCreated, c)
}

func (h *Handlers) listOwn(w http.ResponseWriter, r *http.Request) {
	h.list(w, r, h.app.ListOwn)
}

func (h *Handlers) listAll(w http.ResponseWriter, r *http.Request) {
	h.list(w, r, h.app.ListAll)
}

type listFunc func(ctx context.Context, actor domain.Actor, q string, limit int, cursor string) (app.Page[domain.Company], error)

func (h *Handlers) list(w http.ResponseWriter, r *http.Request, fn listFunc) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := fn(r.Context(), actor, strings.TrimSpace(r.URL.Query().Get("q")), limit, cursor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, toList(page, toCompanyJSON))
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.app.Get(r.Context(), actor, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeCompany(w, http.StatusOK, c)
}

type updateRequest struct {
	Name    *string `json:"name"`
	Version *int64  `json:"version"`
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req updateRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	version, err := ifMatch(r)
	if err != nil {
		h.fail(w, r, err)
		return
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
		h.fail(w, r, problem.Validation(errs...))
		return
	}
	c, err := h.app.Rename(r.Context(), actor, id, *version, *req.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeCompany(w, http.StatusOK, c)
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	version, err := ifMatch(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.app.Delete(r.Context(), actor, id, version); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) members(w http.ResponseWriter, r *http.Request) {
	actor, err := actorOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := h.app.Members(r.Context(), actor, id, limit, cursor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, toList(page, func(m domain.Member) memberJSON {
		return memberJSON{ID: m.UserID, Username: m.Username, FullName: m.FullName, Role: m.Role, Skills: m.Skills, IsActive: m.IsActive}
	}))
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

// Package transport is the event service's HTTP surface: it decodes requests, calls the use
// cases, and turns their results and errors into JSON and RFC 9457 problems (in one place).
package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/libs/auth"
	"github.com/eventai/eventai/libs/httpx"
	"github.com/eventai/eventai/libs/problem"
	"github.com/eventai/eventai/services/event/internal/app"
	"github.com/eventai/eventai/services/event/internal/domain"
	"github.com/eventai/eventai/services/event/internal/schedule"
	"github.com/eventai/eventai/services/event/internal/store"
)

// MaxScheduleBytes bounds a schedule import body.
const MaxScheduleBytes = 16 << 20

// Handlers serves the event routes of the route table.
type Handlers struct {
	app *app.App
	log *slog.Logger
}

// Register adds every event route to mux, each behind authn (token verification).
func Register(mux *http.ServeMux, a *app.App, authn func(http.Handler) http.Handler, log *slog.Logger) {
	h := &Handlers{app: a, log: log}
	routes := map[string]http.HandlerFunc{
		"POST /organizer/events":                              h.route(h.createEvent),
		"GET /organizer/events":                               h.route(h.listEvents),
		"GET /organizer/events/{event_id}":                    h.route(h.getEvent),
		"PUT /organizer/events/{event_id}":                    h.route(h.updateEvent),
		"DELETE /organizer/events/{event_id}":                 h.route(h.deleteEvent),
		"POST /organizer/events/{event_id}/schedule":          h.route(h.importSchedule),
		"GET /organizer/events/{event_id}/sessions":           h.route(h.listSessions),
		"GET /organizer/events/{event_id}/teams":              h.route(h.listTeams(false)),
		"POST /organizer/events/{event_id}/teams":             h.route(h.createTeam),
		"PUT /organizer/events/{event_id}/teams/{team_id}":    h.route(h.updateTeamAsOrganizer),
		"DELETE /organizer/events/{event_id}/teams/{team_id}": h.route(h.deleteTeam),
		"GET /manager/events":                                 h.route(h.managerEvents),
		"GET /manager/events/{event_id}":                      h.route(h.managerEvent),
		"GET /manager/events/{event_id}/teams":                h.route(h.listTeams(true)),
		"PUT /manager/teams/{team_id}":                        h.route(h.updateTeamAsManager),
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

// ifMatch reads a version from If-Match ("3", W/"3" or 3); nil when absent.
func ifMatch(r *http.Request) (*int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil {
		return nil, problem.Validation(problem.FieldError{Field: "If-Match", Message: "must be the version number from the ETag"})
	}
	return &v, nil
}

// version picks the body's version, else If-Match; one of them is required for updates.
func version(r *http.Request, body *int64, fe *fieldErrs) int64 {
	if body != nil {
		return *body
	}
	v, err := ifMatch(r)
	if err != nil {
		fe.add("If-Match", "must be the version number from the ETag")
		return 0
	}
	if v == nil {
		fe.add("version", "is required (or send If-Match)")
		return 0
	}
	return *v
}

// handlerFunc is the part of a handler that differs from route to route: it returns the status
// and body of a success, or the error that fail turns into a problem. It gets w only to read a
// bounded body and to set headers that belong to a success.
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

func setETag(w http.ResponseWriter, v int64) {
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(v, 10)))
}

// fieldErrs collects per-field input errors of one request.
type fieldErrs []problem.FieldError

func (f *fieldErrs) add(field, msg string) {
	*f = append(*f, problem.FieldError{Field: field, Message: msg})
}

func (f fieldErrs) err() error {
	if len(f) == 0 {
		return nil
	}
	return problem.Validation(f...)
}

func (f *fieldErrs) time(field string, s *string) *time.Time {
	if s == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		f.add(field, "must be an RFC 3339 time such as 2026-06-01T09:00:00Z")
		return nil
	}
	return &t
}

func (f *fieldErrs) uuid(field string, s *string) *uuid.UUID {
	if s == nil {
		return nil
	}
	id, err := uuid.Parse(*s)
	if err != nil {
		f.add(field, "must be a UUID")
		return nil
	}
	return &id
}

func (f *fieldErrs) uuids(field string, ss *[]string) *[]uuid.UUID {
	if ss == nil {
		return nil
	}
	out := make([]uuid.UUID, 0, len(*ss))
	for i, s := range *ss {
		id, err := uuid.Parse(s)
		if err != nil {
			f.add(fmt.Sprintf("%s[%d]", field, i), "must be a UUID")
			continue
		}
		out = append(out, id)
	}
	return &out
}

// nullableString tells "absent" from "null" in a JSON body.
type nullableString struct {
	Set   bool
	Value *string
}

// UnmarshalJSON implements json.Unmarshaler (called for null too, so Set records presence).
func (n *nullableString) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	n.Value = &s
	return nil
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

// fail is the one place where errors become HTTP answers.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		p     *problem.Problem
		ve    *domain.ValidationError
		synt  *schedule.SyntaxError
		sval  *schedule.ValidationError
		stype *schedule.UnsupportedTypeError
	)
	switch {
	case errors.As(err, &p):
	case errors.As(err, &ve):
		fields := make([]problem.FieldError, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			fields = append(fields, problem.FieldError{Field: f.Field, Message: f.Message})
		}
		p = problem.Validation(fields...)
	case errors.As(err, &synt):
		p = problem.BadRequest(synt.Error())
	case errors.As(err, &sval):
		fields := make([]problem.FieldError, 0, len(sval.Problems))
		for _, f := range sval.Problems {
			fields = append(fields, problem.FieldError{Field: f.Path, Message: f.Message})
		}
		p = problem.Validation(fields...)
		p.Detail = "the schedule has errors; nothing was imported"
		if sval.Truncated {
			p.Detail += " (only the first problems are listed)"
		}
	case errors.As(err, &stype):
		p = problem.New(problem.TypeBadRequest, http.StatusUnsupportedMediaType, stype.Error())
	case errors.Is(err, schedule.ErrTooLarge):
		p = problem.New(problem.TypeBadRequest, http.StatusRequestEntityTooLarge, fmt.Sprintf("a schedule may have at most %d bytes", MaxScheduleBytes))
	case errors.Is(err, domain.ErrNotFound):
		p = problem.NotFound("no such object, or not yours")
	case errors.Is(err, domain.ErrSignedOut):
		p = problem.Unauthorized("the account was deactivated or deleted")
	case errors.Is(err, domain.ErrRoleChanged):
		p = problem.Forbidden("your role has changed; sign in again")
	case errors.Is(err, domain.ErrForbidden):
		p = problem.Forbidden("your role may not do this")
	case errors.Is(err, domain.ErrStale):
		p = problem.Conflict("the object was changed meanwhile; reload it and retry with its current version")
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

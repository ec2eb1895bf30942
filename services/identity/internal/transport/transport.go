// Package transport is identity's HTTP API: thin handlers that decode, call the app and encode.
// Errors become problem+json in one place (writeErr).
package transport

import (
	"encoding/base64"
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
	"github.com/eventai/eventai/services/identity/internal/app"
	"github.com/eventai/eventai/services/identity/internal/domain"
	"github.com/eventai/eventai/services/identity/internal/store"
)

// Handler serves the identity routes.
type Handler struct {
	app  *app.Service
	ips  *ClientIP
	jwks auth.KeySource
	log  *slog.Logger
}

// Register adds identity's routes (CONVENTIONS.md route table) to mux. authn verifies access
// tokens (auth.Middleware).
func Register(mux *http.ServeMux, a *app.Service, jwks auth.KeySource, authn func(http.Handler) http.Handler, ips *ClientIP, log *slog.Logger) {
	h := &Handler{app: a, ips: ips, jwks: jwks, log: log}
	signedIn := func(f http.HandlerFunc) http.Handler { return authn(h.current(false, f)) }
	admin := func(f http.HandlerFunc) http.Handler {
		return authn(auth.RequireRole(auth.RoleAdmin)(h.current(true, f)))
	}

	mux.HandleFunc("POST /auth/register", h.register)
	mux.HandleFunc("POST /auth/login", h.login)
	mux.HandleFunc("POST /auth/refresh", h.refresh)
	mux.HandleFunc("POST /auth/logout", h.logout)
	mux.Handle("GET /auth/me", signedIn(h.me))
	mux.Handle("PUT /auth/me", signedIn(h.updateMe))
	mux.Handle("GET /.well-known/jwks.json", auth.JWKSHandler(func(r *http.Request) (auth.JWKS, error) { return jwks(r.Context()) }))
	mux.Handle("GET /admin/users", admin(h.listUsers))
	mux.Handle("POST /admin/users", admin(h.createUser))
	mux.Handle("GET /admin/users/{id}", admin(h.getUser))
	mux.Handle("PUT /admin/users/{id}", admin(h.updateUser))
	mux.Handle("DELETE /admin/users/{id}", admin(h.deleteUser))
}

// userJSON is the public user object of DESIGN.md (never the password hash).
type userJSON struct {
	ID             uuid.UUID      `json:"id"`
	Username       string         `json:"username"`
	Email          string         `json:"email"`
	FullName       string         `json:"full_name"`
	Role           string         `json:"role"`
	CompanyIDs     []uuid.UUID    `json:"company_ids"`
	Skills         []domain.Skill `json:"skills"`
	Availability   []domain.Slot  `json:"availability"`
	MaxHoursPerDay float64        `json:"max_hours_per_day"`
	IsActive       bool           `json:"is_active"`
	Version        int64          `json:"version"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

func toJSON(u domain.User) userJSON {
	d := u.Snapshot()
	return userJSON{ID: u.ID, Username: u.Username, Email: u.Email, FullName: u.FullName, Role: u.Role,
		CompanyIDs: d.CompanyIDs, Skills: d.Skills, Availability: d.Availability, MaxHoursPerDay: u.MaxHoursPerDay,
		IsActive: u.IsActive, Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func writeUser(w http.ResponseWriter, status int, u domain.User) {
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, u.Version))
	httpx.JSON(w, status, toJSON(u))
}

type tokensJSON struct {
	Access    string   `json:"access"`
	Refresh   string   `json:"refresh"`
	TokenType string   `json:"token_type"`
	ExpiresIn int      `json:"expires_in"`
	User      userJSON `json:"user"`
}

func writeTokens(w http.ResponseWriter, status int, t app.Tokens) {
	// Tokens must not be cached by anything between us and the client.
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, status, tokensJSON{Access: t.Access, Refresh: t.Refresh, TokenType: "Bearer", ExpiresIn: t.ExpiresIn, User: toJSON(t.User)})
}

// writeErr is the one place where errors become HTTP statuses.
func (h *Handler) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var (
		p  *problem.Problem
		ve *domain.ValidationError
		ce *domain.ConflictError
		uc *domain.UnknownCompaniesError
		rl *app.RateLimitedError
	)
	switch {
	case errors.As(err, &p):
		problem.Write(w, r, p)
	case errors.As(err, &ve):
		fe := make([]problem.FieldError, len(ve.Fields))
		for i, f := range ve.Fields {
			fe[i] = problem.FieldError{Field: f.Field, Message: f.Message}
		}
		problem.Write(w, r, problem.Validation(fe...))
	case errors.As(err, &uc):
		fe := make([]problem.FieldError, len(uc.IDs))
		for i, id := range uc.IDs {
			fe[i] = problem.FieldError{Field: "company_ids", Message: "unknown company " + id.String()}
		}
		problem.Write(w, r, problem.Validation(fe...))
	case errors.As(err, &ce):
		problem.Write(w, r, problem.Conflict(ce.Error()))
	case errors.Is(err, domain.ErrStaleVersion):
		problem.Write(w, r, problem.Conflict("the user was changed meanwhile; reload it and retry with its current version"))
	case errors.Is(err, domain.ErrConflict):
		problem.Write(w, r, problem.Conflict("conflicts with an existing user"))
	case errors.Is(err, domain.ErrNotFound):
		problem.Write(w, r, problem.NotFound("no such user"))
	case errors.Is(err, domain.ErrInvalidCredentials):
		problem.Write(w, r, problem.Unauthorized("invalid username, email or password"))
	case errors.Is(err, domain.ErrInvalidToken):
		problem.Write(w, r, problem.Unauthorized("the refresh token is invalid, expired or revoked"))
	case errors.As(err, &rl):
		secs := int(rl.RetryAfter.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		problem.Write(w, r, problem.RateLimited(fmt.Sprintf("too many failed logins; retry in %d s", max(secs, 1))))
	case errors.Is(err, app.ErrSelfDelete), errors.Is(err, app.ErrSelfLockout):
		problem.Write(w, r, problem.Unprocessable(err.Error()))
	default:
		h.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		problem.Write(w, r, problem.Internal("internal error"))
	}
}

type registerReq struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	FullName string `json:"full_name"`
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	var in registerReq // no role or company fields: unknown fields are refused (no mass assignment)
	if err := httpx.Decode(w, r, &in); err != nil {
		h.writeErr(w, r, err)
		return
	}
	t, err := h.app.Register(r.Context(), app.RegisterInput{Username: in.Username, Email: in.Email, Password: in.Password, FullName: in.FullName})
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeTokens(w, http.StatusCreated, t)
}

type loginReq struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	var in loginReq
	if err := httpx.Decode(w, r, &in); err != nil {
		h.writeErr(w, r, err)
		return
	}
	login := in.Username
	var fe []problem.FieldError
	switch {
	case in.Username != "" && in.Email != "":
		fe = append(fe, problem.FieldError{Field: "email", Message: "give username or email, not both"})
	case in.Username == "" && in.Email == "":
		fe = append(fe, problem.FieldError{Field: "username", Message: "username or email is required"})
	case in.Email != "":
		login = in.Email
	}
	if in.Password == "" {
		fe = append(fe, problem.FieldError{Field: "password", Message: "is required"})
	} else if len(in.Password) > domain.MaxPasswordLen {
		fe = append(fe, problem.FieldError{Field: "password", Message: fmt.Sprintf("must be at most %d bytes", domain.MaxPasswordLen)})
	}
	if len(fe) > 0 {
		problem.Write(w, r, problem.Validation(fe...))
		return
	}
	t, err := h.app.Login(r.Context(), login, in.Password, h.ips.Of(r))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeTokens(w, http.StatusOK, t)
}

type refreshReq struct {
	Refresh string `json:"refresh"`
}

func decodeRefresh(w http.ResponseWriter, r *http.Request) (string, error) {
	var in refreshReq
	if err := httpx.Decode(w, r, &in); err != nil {
		return "", err
	}
	if in.Refresh == "" {
		return "", problem.Validation(problem.FieldError{Field: "refresh", Message: "is required"})
	}
	return in.Refresh, nil
}

func (h *Handler) refresh(w http.ResponseWriter, r *http.Request) {
	raw, err := decodeRefresh(w, r)
	if err == nil {
		var t app.Tokens
		if t, err = h.app.Refresh(r.Context(), raw); err == nil {
			writeTokens(w, http.StatusOK, t)
			return
		}
	}
	h.writeErr(w, r, err)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	raw, err := decodeRefresh(w, r)
	if err == nil {
		if err = h.app.Logout(r.Context(), raw); err == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	h.writeErr(w, r, err)
}

// current checks the caller's account as it is now, not as the token says: access tokens live
// 15 minutes and cannot be revoked, and a deleted or deactivated user's token must not keep
// working here (401), nor a demoted admin's reach the admin routes, where it could create new
// admins (403).
func (h *Handler) current(admin bool, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := h.app.Me(r.Context(), caller(r).UserID)
		if errors.Is(err, domain.ErrNotFound) || (err == nil && !u.CanSignIn()) {
			problem.Write(w, r, problem.Unauthorized("the account no longer exists or is deactivated"))
			return
		}
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		if admin && u.Role != domain.RoleAdmin {
			problem.Write(w, r, problem.Forbidden("your role is now "+u.Role+"; sign in again"))
			return
		}
		next(w, r)
	}
}

func caller(r *http.Request) auth.Principal {
	p, _ := auth.FromContext(r.Context()) // the auth middleware guarantees it
	return p
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	u, err := h.app.Me(r.Context(), caller(r).UserID)
	if errors.Is(err, domain.ErrNotFound) {
		// A valid token of a deleted account: treat like a revoked credential.
		problem.Write(w, r, problem.Unauthorized("the account no longer exists"))
		return
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeUser(w, http.StatusOK, u)
}

type meReq struct {
	FullName        *string        `json:"full_name"`
	Availability    *[]domain.Slot `json:"availability"`
	MaxHoursPerDay  *float64       `json:"max_hours_per_day"`
	Password        *string        `json:"password"`
	CurrentPassword *string        `json:"current_password"`
	Version         *int64         `json:"version"`
}

// ifMatch reads a version from If-Match ("3" or W/"3") when the body gave none.
func ifMatch(r *http.Request, v *int64) (*int64, error) {
	if v != nil {
		return v, nil
	}
	s := strings.TrimPrefix(strings.TrimSpace(r.Header.Get("If-Match")), "W/")
	if s == "" || s == "*" {
		return nil, nil
	}
	n, err := strconv.ParseInt(strings.Trim(s, `"`), 10, 64)
	if err != nil {
		return nil, problem.BadRequest("If-Match must be the ETag of the user, like \"3\"")
	}
	return &n, nil
}

func (h *Handler) updateMe(w http.ResponseWriter, r *http.Request) {
	var in meReq
	if err := httpx.Decode(w, r, &in); err != nil {
		h.writeErr(w, r, err)
		return
	}
	v, err := ifMatch(r, in.Version)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	u, err := h.app.UpdateMe(r.Context(), caller(r).UserID, app.MePatch{FullName: in.FullName, Availability: in.Availability,
		MaxHoursPerDay: in.MaxHoursPerDay, Password: in.Password, CurrentPassword: in.CurrentPassword, Version: v})
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeUser(w, http.StatusOK, u)
}

type listJSON struct {
	Items      []userJSON `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := httpx.Page(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.Filter{Role: q.Get("role"), Q: strings.TrimSpace(q.Get("q")), Limit: limit}
	var fe []problem.FieldError
	if f.Role != "" && !domain.IsRole(f.Role) {
		fe = append(fe, problem.FieldError{Field: "role", Message: "must be one of admin, organizer, manager, staff"})
	}
	if s := q.Get("company_id"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			fe = append(fe, problem.FieldError{Field: "company_id", Message: "must be a UUID"})
		}
		f.CompanyID = &id
	}
	if len(f.Q) > 100 {
		fe = append(fe, problem.FieldError{Field: "q", Message: "must be at most 100 characters"})
	}
	if len(fe) > 0 {
		problem.Write(w, r, problem.Validation(fe...))
		return
	}
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		id, perr := uuid.FromBytes(b)
		if err != nil || perr != nil {
			problem.Write(w, r, problem.BadRequest("cursor is not valid"))
			return
		}
		f.After = &id
	}
	users, more, err := h.app.ListUsers(r.Context(), f)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	out := listJSON{Items: make([]userJSON, len(users))}
	for i, u := range users {
		out.Items[i] = toJSON(u)
	}
	if more {
		last := users[len(users)-1].ID
		c := base64.RawURLEncoding.EncodeToString(last[:])
		out.NextCursor = &c
	}
	httpx.JSON(w, http.StatusOK, out)
}

type createUserReq struct {
	Username       string         `json:"username"`
	Email          string         `json:"email"`
	Password       string         `json:"password"`
	Role           string         `json:"role"`
	FullName       string         `json:"full_name"`
	CompanyIDs     []uuid.UUID    `json:"company_ids"`
	Skills         []domain.Skill `json:"skills"`
	Availability   []domain.Slot  `json:"availability"`
	MaxHoursPerDay *float64       `json:"max_hours_per_day"`
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) {
	var in createUserReq
	if err := httpx.Decode(w, r, &in); err != nil {
		h.writeErr(w, r, err)
		return
	}
	u, err := h.app.CreateUser(r.Context(), domain.NewUser{Username: in.Username, Email: in.Email, Password: in.Password,
		Role: in.Role, FullName: in.FullName, CompanyIDs: in.CompanyIDs, Skills: in.Skills, Availability: in.Availability,
		MaxHoursPerDay: in.MaxHoursPerDay})
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	w.Header().Set("Location", "/admin/users/"+u.ID.String())
	writeUser(w, http.StatusCreated, u)
}

// pathID parses {id}; a malformed id is simply not found (CONVENTIONS.md).
func pathID(r *http.Request) (uuid.UUID, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	return id, err == nil
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		problem.Write(w, r, problem.NotFound("no such user"))
		return
	}
	u, err := h.app.GetUser(r.Context(), id)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeUser(w, http.StatusOK, u)
}

type updateUserReq struct {
	Username       *string         `json:"username"`
	Email          *string         `json:"email"`
	Password       *string         `json:"password"`
	Role           *string         `json:"role"`
	FullName       *string         `json:"full_name"`
	CompanyIDs     *[]uuid.UUID    `json:"company_ids"`
	Skills         *[]domain.Skill `json:"skills"`
	Availability   *[]domain.Slot  `json:"availability"`
	MaxHoursPerDay *float64        `json:"max_hours_per_day"`
	IsActive       *bool           `json:"is_active"`
	Version        *int64          `json:"version"`
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		problem.Write(w, r, problem.NotFound("no such user"))
		return
	}
	var in updateUserReq
	if err := httpx.Decode(w, r, &in); err != nil {
		h.writeErr(w, r, err)
		return
	}
	v, err := ifMatch(r, in.Version)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	u, err := h.app.UpdateUser(r.Context(), caller(r).UserID, id, domain.Patch{Username: in.Username, Email: in.Email, Password: in.Password,
		Role: in.Role, FullName: in.FullName, CompanyIDs: in.CompanyIDs, Skills: in.Skills, Availability: in.Availability,
		MaxHoursPerDay: in.MaxHoursPerDay, IsActive: in.IsActive, Version: v})
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeUser(w, http.StatusOK, u)
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		problem.Write(w, r, problem.NotFound("no such user"))
		return
	}
	v, err := ifMatch(r, nil)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if err := h.app.DeleteUser(r.Context(), caller(r).UserID, id, v); err != nil {
		h.writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

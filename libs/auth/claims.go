// Package auth issues and verifies the EventAI JWTs (EdDSA, keys published as a JWKS) and
// carries the verified principal through net/http handlers.
package auth

import (
	"context"
	"errors"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Token types carried in the typ claim; access and refresh tokens are never interchangeable.
const (
	TypeAccess  = "access"
	TypeRefresh = "refresh"
)

// Roles known to every service.
const (
	RoleAdmin     = "admin"
	RoleOrganizer = "organizer"
	RoleManager   = "manager"
	RoleStaff     = "staff"
)

// ErrInvalidToken is returned (wrapped) for every token that must not be accepted.
var ErrInvalidToken = errors.New("invalid token")

// Claims are the JWT claims of CONVENTIONS.md: the registered ones plus typ, role and username.
type Claims struct {
	jwt.RegisteredClaims
	Type     string `json:"typ"`
	Role     string `json:"role"`
	Username string `json:"username"`
}

// Principal is the verified caller of a request.
type Principal struct {
	UserID   uuid.UUID
	Role     string
	Username string
}

// Principal converts verified claims into a Principal.
func (c *Claims) Principal() (Principal, error) {
	id, err := uuid.Parse(c.Subject)
	if err != nil {
		return Principal{}, errors.Join(ErrInvalidToken, err)
	}
	return Principal{UserID: id, Role: c.Role, Username: c.Username}, nil
}

type principalKey struct{}

// WithPrincipal returns a context carrying p; Middleware calls it, tests may too.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal put there by Middleware.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

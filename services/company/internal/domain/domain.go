// Package domain holds the company service's pure rules: what a company is, how its input is
// validated, and who may do what with it. It does no I/O.
package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Sentinel errors; the transport layer maps them to HTTP answers in one place.
var (
	// ErrNotFound means the object does not exist or the caller may not know that it does.
	ErrNotFound = errors.New("not found")
	// ErrNameTaken means another company already has the name (compared without regard to case).
	ErrNameTaken = errors.New("company name taken")
	// ErrStale means the caller's version is not the stored one.
	ErrStale = errors.New("stale version")
	// ErrForbidden means the caller's role may not use the operation at all.
	ErrForbidden = errors.New("forbidden")
	// ErrSignedOut means the caller's account was deactivated or deleted after the token was issued.
	ErrSignedOut = errors.New("account deactivated or deleted")
	// ErrRoleChanged means the caller's role is no longer the one in the token.
	ErrRoleChanged = errors.New("role changed since the token was issued")
)

// Roles as carried in the access token.
const (
	RoleAdmin     = "admin"
	RoleOrganizer = "organizer"
	RoleManager   = "manager"
	RoleStaff     = "staff"
)

// MaxNameLen bounds a company name in characters.
const MaxNameLen = 200

// Company is one tenant of the product.
type Company struct {
	ID        uuid.UUID
	Name      string
	CreatedBy uuid.UUID
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Skill is a user's skill as kept in the read model of identity users.
type Skill struct {
	Name  string `json:"name"`
	Level int    `json:"level"`
}

// Member is a user who belongs to a company, as known from identity.users.v1.
type Member struct {
	UserID   uuid.UUID
	Username string
	FullName string
	Role     string
	Skills   []Skill
	IsActive bool
}

// User is the read-model snapshot of an identity user.
type User struct {
	ID         uuid.UUID
	Username   string
	FullName   string
	Role       string
	CompanyIDs []uuid.UUID
	Skills     []Skill
	IsActive   bool
	Version    int64
}

// FieldError names an invalid input field.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError collects every invalid field of one input.
type ValidationError struct {
	Fields []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// NormalizeName trims a company name and checks it; the result is what gets stored.
func NormalizeName(name string) (string, error) {
	n := strings.TrimSpace(name)
	switch {
	case n == "":
		return "", &ValidationError{Fields: []FieldError{{Field: "name", Message: "is required"}}}
	case utf8.RuneCountInString(n) > MaxNameLen:
		return "", &ValidationError{Fields: []FieldError{{Field: "name", Message: fmt.Sprintf("must be at most %d characters", MaxNameLen)}}}
	case strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", &ValidationError{Fields: []FieldError{{Field: "name", Message: "must not contain control characters"}}}
	}
	return n, nil
}

// Actor is the verified caller of a use case.
type Actor struct {
	UserID uuid.UUID
	Role   string
}

// IsAdmin reports whether the actor may act everywhere.
func (a Actor) IsAdmin() bool { return a.Role == RoleAdmin }

// CanManageCompanies reports whether the role may use the organizer's company routes at all
// (reading one company, renaming it, deleting it, listing own companies).
func (a Actor) CanManageCompanies() bool { return a.Role == RoleAdmin || a.Role == RoleOrganizer }

// CanListMembers reports whether the role may list a company's members at all; membership of
// the particular company is checked separately.
func (a Actor) CanListMembers() bool {
	return a.Role == RoleAdmin || a.Role == RoleOrganizer || a.Role == RoleManager
}

// MembershipsFor applies the membership rule of CONVENTIONS.md to a user snapshot: an inactive
// user belongs to no company; an active one belongs exactly to company_ids (deduplicated).
func MembershipsFor(u User) []uuid.UUID {
	if !u.IsActive {
		return nil
	}
	seen := make(map[uuid.UUID]bool, len(u.CompanyIDs))
	out := make([]uuid.UUID, 0, len(u.CompanyIDs))
	for _, id := range u.CompanyIDs {
		if id == uuid.Nil || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

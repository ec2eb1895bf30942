// Package domain holds the suggestion service's rules without I/O: who may see what, the
// request's validation, how an event's inputs become one optimiser problem, and how a solved
// plan becomes a suggestion (tasks with reasons, teams with leads, outbox batches).
package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Sentinel errors, turned into HTTP answers by the transport.
var (
	// ErrNotFound means no such object, or one the actor may not see (another company's).
	ErrNotFound = errors.New("not found")
	// ErrForbidden means the actor's role may not do this at all.
	ErrForbidden = errors.New("forbidden")
	// ErrSignedOut means the caller's account was deactivated or deleted after the token was issued.
	ErrSignedOut = errors.New("account deactivated or deleted")
	// ErrRoleChanged means the caller's role is no longer the one in the token.
	ErrRoleChanged = errors.New("role changed since the token was issued")
)

// FieldError is one invalid input field.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError lists what is wrong with a request (422).
type ValidationError struct {
	Fields []FieldError
	// Detail summarises a rule violation that has no single field.
	Detail string
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields)+1)
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Roles of the access token.
const (
	RoleAdmin     = "admin"
	RoleOrganizer = "organizer"
	RoleManager   = "manager"
	RoleStaff     = "staff"
)

// Account is what the users read model knows of a caller's account.
type Account struct {
	// Known is false for a user identity has not announced (yet): the token alone decides.
	Known    bool
	Deleted  bool
	IsActive bool
	Role     string
}

// Admits reports whether a token of actor may still act for this account: access tokens live
// 15 minutes and cannot be revoked, so a deactivated or deleted account (ErrSignedOut) or one
// given another role (ErrRoleChanged) stops them. An unknown account is admitted.
func (a Account) Admits(actor Actor) error {
	switch {
	case !a.Known:
		return nil
	case a.Deleted || !a.IsActive:
		return fmt.Errorf("user %s: %w", actor.UserID, ErrSignedOut)
	case a.Role != actor.Role:
		return fmt.Errorf("user %s is %s now, not %s: %w", actor.UserID, a.Role, actor.Role, ErrRoleChanged)
	}
	return nil
}

// Actor is the signed-in caller.
type Actor struct {
	UserID uuid.UUID
	Role   string
}

// IsAdmin reports the admin role, which may use every route.
func (a Actor) IsAdmin() bool { return a.Role == RoleAdmin }

// Event is what the read model keeps of an event.
type Event struct {
	ID                uuid.UUID
	CompanyID         uuid.UUID
	Title             string
	Timezone          string
	EventType         string
	ExpectedAttendees int
	StartsAt          time.Time
	EndsAt            time.Time
	ManagerIDs        []uuid.UUID
}

// IsManager reports whether the user manages the event.
func (e Event) IsManager(id uuid.UUID) bool { return slices.Contains(e.ManagerIDs, id) }

// Skill is a skill name with a level (a person's) or a minimum level (a task's).
type Skill struct {
	Name  string `json:"name"`
	Level int    `json:"level"`
}

// Requirement is a task's required skill.
type Requirement struct {
	Name     string `json:"name"`
	MinLevel int    `json:"min_level"`
}

// Window is a half-open time range [StartsAt, EndsAt).
type Window struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// Staff is a person of the read model who may be given tasks.
type Staff struct {
	ID             uuid.UUID
	FullName       string
	Role           string
	IsActive       bool
	Skills         []Skill
	Availability   []Window
	MaxHoursPerDay float64
}

// Levels maps lower-case skill names to the person's level.
func (s Staff) Levels() map[string]int {
	out := make(map[string]int, len(s.Skills))
	for _, sk := range s.Skills {
		k := strings.ToLower(strings.TrimSpace(sk.Name))
		if k != "" && sk.Level > out[k] {
			out[k] = sk.Level
		}
	}
	return out
}

// Task approval and status values of the task topic.
const (
	ApprovalProposed = "proposed"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	StatusDone       = "done"
	SourceAI         = "ai"
)

// Task is what the read model keeps of a task.
type Task struct {
	ID              uuid.UUID
	EventID         uuid.UUID
	CompanyID       uuid.UUID
	Title           string
	Description     string
	RequiredSkills  []Requirement
	StartsAt        time.Time
	EndsAt          time.Time
	Priority        int
	AssigneeID      *uuid.UUID
	Approval        string
	Status          string
	Source          string
	SuggestionID    *uuid.UUID
	SlotGroup       string
	Area            string
	ApprovedAt      *time.Time
	CompletedAt     *time.Time
	EditedByManager bool
	WasBlocked      bool
	UpdatedAt       time.Time
}

// IsOpen reports work still to be staffed: unassigned, not rejected, not done.
func (t Task) IsOpen() bool {
	return t.AssigneeID == nil && t.Approval != ApprovalRejected && t.Status != StatusDone
}

// IsEarlierProposal reports a still-proposed AI task of an earlier suggestion: the task
// service deletes these when a new suggestion arrives.
func (t Task) IsEarlierProposal() bool {
	return t.Source == SourceAI && t.Approval == ApprovalProposed
}

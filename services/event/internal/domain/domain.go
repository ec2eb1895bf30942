// Package domain holds the event service's pure rules: events, teams, imported sessions, the
// distribution status, and who may act on them. It does no I/O.
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

// Limits on free-text fields, in characters.
const (
	MaxTitleLen       = 200
	MaxDescriptionLen = 20000
	MaxLocationLen    = 500
	MaxEventTypeLen   = 100
	MaxAttendees      = 10_000_000
	MaxManagers       = 50
	MaxTeamMembers    = 500
)

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

// errs accumulates field errors and turns them into one error (nil when there are none).
type errs []FieldError

func (e *errs) add(field, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (e errs) err() error {
	if len(e) == 0 {
		return nil
	}
	return &ValidationError{Fields: e}
}

// Actor is the verified caller of a use case.
type Actor struct {
	UserID uuid.UUID
	Role   string
}

// IsAdmin reports whether the actor may act everywhere.
func (a Actor) IsAdmin() bool { return a.Role == RoleAdmin }

// Event is one event of a company.
type Event struct {
	ID                uuid.UUID
	CompanyID         uuid.UUID
	Title             string
	Description       string
	Location          string
	Timezone          string
	StartsAt          time.Time
	EndsAt            time.Time
	EventType         string
	ExpectedAttendees int
	ManagerIDs        []uuid.UUID
	CreatedBy         uuid.UUID
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int64
}

// EventPatch carries the client-settable fields of an event; nil means "not given". Ids,
// company, creator and version are deliberately absent: they cannot be mass-assigned.
type EventPatch struct {
	Title             *string
	Description       *string
	Location          *string
	Timezone          *string
	StartsAt          *time.Time
	EndsAt            *time.Time
	EventType         *string
	ExpectedAttendees *int
	ManagerIDs        *[]uuid.UUID
}

// Apply copies the given fields onto e (normalising text and times).
func (p EventPatch) Apply(e *Event) {
	if p.Title != nil {
		e.Title = strings.TrimSpace(*p.Title)
	}
	if p.Description != nil {
		e.Description = strings.TrimSpace(*p.Description)
	}
	if p.Location != nil {
		e.Location = strings.TrimSpace(*p.Location)
	}
	if p.Timezone != nil {
		e.Timezone = strings.TrimSpace(*p.Timezone)
	}
	if p.StartsAt != nil {
		e.StartsAt = p.StartsAt.UTC().Truncate(time.Microsecond)
	}
	if p.EndsAt != nil {
		e.EndsAt = p.EndsAt.UTC().Truncate(time.Microsecond)
	}
	if p.EventType != nil {
		e.EventType = strings.TrimSpace(*p.EventType)
	}
	if p.ExpectedAttendees != nil {
		e.ExpectedAttendees = *p.ExpectedAttendees
	}
	if p.ManagerIDs != nil {
		e.ManagerIDs = dedupe(*p.ManagerIDs)
	}
}

// RequireCreateFields reports the fields a new event must carry.
func (p EventPatch) RequireCreateFields() error {
	var es errs
	if p.Title == nil {
		es.add("title", "is required")
	}
	if p.Timezone == nil {
		es.add("timezone", "is required")
	}
	if p.StartsAt == nil {
		es.add("starts_at", "is required")
	}
	if p.EndsAt == nil {
		es.add("ends_at", "is required")
	}
	return es.err()
}

func dedupe(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func checkText(es *errs, field, v string, required bool, max int) {
	switch {
	case required && v == "":
		es.add(field, "is required")
	case utf8.RuneCountInString(v) > max:
		es.add(field, "must be at most %d characters", max)
	case !utf8.ValidString(v):
		es.add(field, "must be valid UTF-8")
	}
}

// ValidTimezone reports whether tz names an IANA zone. "Local" and the empty string are
// refused: they would mean the server's zone, not the event's.
func ValidTimezone(tz string) bool {
	if tz == "" || tz == "Local" {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// Validate checks an event's own fields (managers are checked against the user read model by
// the use case).
func (e Event) Validate() error {
	var es errs
	checkText(&es, "title", e.Title, true, MaxTitleLen)
	checkText(&es, "description", e.Description, false, MaxDescriptionLen)
	checkText(&es, "location", e.Location, false, MaxLocationLen)
	checkText(&es, "event_type", e.EventType, false, MaxEventTypeLen)
	if !ValidTimezone(e.Timezone) {
		es.add("timezone", "must be an IANA time zone name such as Europe/Berlin")
	}
	if e.StartsAt.IsZero() {
		es.add("starts_at", "is required")
	}
	if e.EndsAt.IsZero() {
		es.add("ends_at", "is required")
	}
	if !e.StartsAt.IsZero() && !e.EndsAt.IsZero() && !e.StartsAt.Before(e.EndsAt) {
		es.add("ends_at", "must be after starts_at")
	}
	if e.ExpectedAttendees < 0 || e.ExpectedAttendees > MaxAttendees {
		es.add("expected_attendees", "must be between 0 and %d", MaxAttendees)
	}
	if len(e.ManagerIDs) > MaxManagers {
		es.add("manager_ids", "must list at most %d managers", MaxManagers)
	}
	for i, id := range e.ManagerIDs {
		if id == uuid.Nil {
			es.add(fmt.Sprintf("manager_ids[%d]", i), "must be a user id")
		}
	}
	return es.err()
}

// Manages reports whether the user is one of the event's managers.
func (e Event) Manages(userID uuid.UUID) bool {
	for _, id := range e.ManagerIDs {
		if id == userID {
			return true
		}
	}
	return false
}

// UserInfo is what the read model knows about a user for validation.
type UserInfo struct {
	Role     string
	IsActive bool
}

// CheckManagers reports, per listed id, why it cannot manage an event: unknown, inactive, not
// a manager, or not a member of the event's company (a manager works for the company whose
// events they manage). known holds the read model's users for the listed ids; members the ids
// that belong to the event's company.
func CheckManagers(ids []uuid.UUID, known map[uuid.UUID]UserInfo, members map[uuid.UUID]bool) error {
	var es errs
	for i, id := range ids {
		u, ok := known[id]
		field := fmt.Sprintf("manager_ids[%d]", i)
		switch {
		case !ok:
			es.add(field, "no user with id %s", id)
		case !u.IsActive:
			es.add(field, "user %s is not active", id)
		case u.Role != RoleManager:
			es.add(field, "user %s is not a manager", id)
		case !members[id]:
			es.add(field, "user %s is not a member of the event's company", id)
		}
	}
	return es.err()
}

// TaskCounts are the task counts of one event, kept from task.tasks.v1.
type TaskCounts struct {
	Proposed int
	Approved int
	Done     int
}

// Distribution statuses of an event as shown to its managers.
const (
	DistributionNone              = "none"
	DistributionProposed          = "proposed"
	DistributionPartiallyApproved = "partially_approved"
	DistributionApproved          = "approved"
)

// DistributionStatus summarises where the event's task distribution stands: nothing yet,
// only proposals, some approved with proposals still open, or everything decided.
func (c TaskCounts) DistributionStatus() string {
	switch {
	case c.Proposed == 0 && c.Approved == 0:
		return DistributionNone
	case c.Approved == 0:
		return DistributionProposed
	case c.Proposed > 0:
		return DistributionPartiallyApproved
	default:
		return DistributionApproved
	}
}

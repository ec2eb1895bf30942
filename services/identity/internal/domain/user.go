// Package domain holds the identity rules: what a valid user is and how a profile changes.
// It does no I/O.
package domain

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Roles a user can have.
const (
	RoleAdmin     = "admin"
	RoleOrganizer = "organizer"
	RoleManager   = "manager"
	RoleStaff     = "staff"
)

// Limits on profile fields; they bound storage and the work a single request can cause.
const (
	DefaultMaxHoursPerDay = 8.0
	MinPasswordLen        = 8
	// MaxPasswordLen bounds the bytes fed to argon2 per login.
	MaxPasswordLen  = 256
	MaxSkills       = 100
	MaxAvailability = 1000
	MaxCompanies    = 200
)

// Sentinel errors; the transport maps them to HTTP statuses in one place.
var (
	ErrNotFound           = errors.New("not found")
	ErrConflict           = errors.New("conflict")
	ErrStaleVersion       = errors.New("stale version")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrInvalidToken       = errors.New("invalid or revoked token")
)

// Skill is a free-form skill name with a level from 1 to 5.
type Skill struct {
	Name  string `json:"name"`
	Level int    `json:"level"`
}

// Slot is a period in which the user is available.
type Slot struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// User is an account with its profile. PasswordHash never leaves the service.
type User struct {
	ID             uuid.UUID
	Username       string
	Email          string
	FullName       string
	Role           string
	PasswordHash   string
	CompanyIDs     []uuid.UUID
	Skills         []Skill
	Availability   []Slot
	MaxHoursPerDay float64
	IsActive       bool
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      *time.Time
}

// CanSignIn reports whether the account may log in or refresh.
func (u User) CanSignIn() bool { return u.IsActive && u.DeletedAt == nil }

// FieldError names an invalid input field.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError lists every invalid field of one input.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

func (e *ValidationError) add(field, msg string) { e.Fields = append(e.Fields, FieldError{field, msg}) }

func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// ConflictError says which unique field (username or email) is taken.
type ConflictError struct{ Field string }

func (e *ConflictError) Error() string { return e.Field + " is already taken" }

// Unwrap makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// UnknownCompaniesError lists company ids that are not (yet) known.
type UnknownCompaniesError struct{ IDs []uuid.UUID }

func (e *UnknownCompaniesError) Error() string {
	return fmt.Sprintf("unknown company ids %v", e.IDs)
}

// IsRole reports whether r is one of the four roles.
func IsRole(r string) bool {
	return r == RoleAdmin || r == RoleOrganizer || r == RoleManager || r == RoleStaff
}

// NormalizeUsername trims the name; usernames compare case-insensitively in the store.
func NormalizeUsername(s string) string { return strings.TrimSpace(s) }

// NormalizeEmail trims the address; emails compare case-insensitively in the store.
func NormalizeEmail(s string) string { return strings.TrimSpace(s) }

func validUsername(s string) string {
	n := utf8.RuneCountInString(s)
	if n < 3 || n > 40 {
		return "must be 3 to 40 characters"
	}
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '.' || r == '_' || r == '-') {
			return "may contain only letters, digits, '.', '_' and '-'"
		}
	}
	if strings.Contains(s, "@") {
		return "must not contain '@'"
	}
	return ""
}

func validEmail(s string) string {
	if s == "" {
		return "is required"
	}
	if len(s) > 254 {
		return "must be at most 254 characters"
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "must be a plain e-mail address like name@example.com"
	}
	return ""
}

// ValidatePassword checks a new password's length.
func ValidatePassword(p string) string {
	if utf8.RuneCountInString(p) < MinPasswordLen {
		return fmt.Sprintf("must be at least %d characters", MinPasswordLen)
	}
	if len(p) > MaxPasswordLen {
		return fmt.Sprintf("must be at most %d bytes", MaxPasswordLen)
	}
	return ""
}

// NormalizeSkills trims names and reports duplicates (case-insensitive) and bad levels,
// naming fields as skills[i].name / skills[i].level.
func NormalizeSkills(in []Skill, ve *ValidationError) []Skill {
	if len(in) > MaxSkills {
		ve.add("skills", fmt.Sprintf("at most %d skills", MaxSkills))
		return in
	}
	out := make([]Skill, 0, len(in))
	seen := map[string]int{}
	for i, s := range in {
		name := strings.TrimSpace(s.Name)
		switch {
		case name == "":
			ve.add(fmt.Sprintf("skills[%d].name", i), "is required")
		case utf8.RuneCountInString(name) > 64:
			ve.add(fmt.Sprintf("skills[%d].name", i), "must be at most 64 characters")
		default:
			key := strings.ToLower(name)
			if j, dup := seen[key]; dup {
				ve.add(fmt.Sprintf("skills[%d].name", i), fmt.Sprintf("duplicates skills[%d] (names compare without case)", j))
			}
			seen[key] = i
		}
		if s.Level < 1 || s.Level > 5 {
			ve.add(fmt.Sprintf("skills[%d].level", i), "must be between 1 and 5")
		}
		out = append(out, Skill{Name: name, Level: s.Level})
	}
	return out
}

// NormalizeAvailability checks that each slot ends after it starts and returns the slots in UTC,
// sorted by start.
func NormalizeAvailability(in []Slot, ve *ValidationError) []Slot {
	if len(in) > MaxAvailability {
		ve.add("availability", fmt.Sprintf("at most %d slots", MaxAvailability))
		return in
	}
	out := make([]Slot, 0, len(in))
	for i, s := range in {
		if s.StartsAt.IsZero() {
			ve.add(fmt.Sprintf("availability[%d].starts_at", i), "is required")
		}
		if s.EndsAt.IsZero() {
			ve.add(fmt.Sprintf("availability[%d].ends_at", i), "is required")
		} else if !s.EndsAt.After(s.StartsAt) {
			ve.add(fmt.Sprintf("availability[%d].ends_at", i), "must be after starts_at")
		}
		out = append(out, Slot{StartsAt: s.StartsAt.UTC(), EndsAt: s.EndsAt.UTC()})
	}
	slices.SortStableFunc(out, func(a, b Slot) int { return a.StartsAt.Compare(b.StartsAt) })
	return out
}

func validHours(h float64) string {
	if !(h > 0 && h <= 24) {
		return "must be greater than 0 and at most 24"
	}
	return ""
}

func normalizeCompanies(in []uuid.UUID, ve *ValidationError) []uuid.UUID {
	if len(in) > MaxCompanies {
		ve.add("company_ids", fmt.Sprintf("at most %d companies", MaxCompanies))
		return in
	}
	out := make([]uuid.UUID, 0, len(in))
	for i, id := range in {
		if id == uuid.Nil {
			ve.add(fmt.Sprintf("company_ids[%d]", i), "must be a company id")
			continue
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// NewUser is the input of account creation (registration or by an admin).
type NewUser struct {
	Username       string
	Email          string
	Password       string
	FullName       string
	Role           string
	CompanyIDs     []uuid.UUID
	Skills         []Skill
	Availability   []Slot
	MaxHoursPerDay *float64
}

// Validate normalises n into a User (without id, hash or times) or lists every invalid field.
func (n NewUser) Validate() (User, error) {
	var ve ValidationError
	u := User{
		Username: NormalizeUsername(n.Username),
		Email:    NormalizeEmail(n.Email),
		FullName: strings.TrimSpace(n.FullName),
		Role:     n.Role,
		IsActive: true,
	}
	if m := validUsername(u.Username); m != "" {
		ve.add("username", m)
	}
	if m := validEmail(u.Email); m != "" {
		ve.add("email", m)
	}
	if m := ValidatePassword(n.Password); m != "" {
		ve.add("password", m)
	}
	if utf8.RuneCountInString(u.FullName) > 200 {
		ve.add("full_name", "must be at most 200 characters")
	}
	if !IsRole(u.Role) {
		ve.add("role", "must be one of admin, organizer, manager, staff")
	}
	u.CompanyIDs = normalizeCompanies(n.CompanyIDs, &ve)
	u.Skills = NormalizeSkills(n.Skills, &ve)
	u.Availability = NormalizeAvailability(n.Availability, &ve)
	u.MaxHoursPerDay = DefaultMaxHoursPerDay
	if n.MaxHoursPerDay != nil {
		u.MaxHoursPerDay = *n.MaxHoursPerDay
		if m := validHours(u.MaxHoursPerDay); m != "" {
			ve.add("max_hours_per_day", m)
		}
	}
	return u, ve.err()
}

// Patch is a partial update; nil fields keep their value. Password is handled by the caller
// (it needs hashing) after Apply accepted the rest.
type Patch struct {
	Username       *string
	Email          *string
	Password       *string
	FullName       *string
	Role           *string
	CompanyIDs     *[]uuid.UUID
	Skills         *[]Skill
	Availability   *[]Slot
	MaxHoursPerDay *float64
	IsActive       *bool
	Version        *int64
}

// Apply validates p and applies it to u. A stale Version gives ErrStaleVersion.
func (p Patch) Apply(u *User) error {
	if p.Version != nil && *p.Version != u.Version {
		return fmt.Errorf("%w: have %d, got %d", ErrStaleVersion, u.Version, *p.Version)
	}
	var ve ValidationError
	if p.Username != nil {
		v := NormalizeUsername(*p.Username)
		if m := validUsername(v); m != "" {
			ve.add("username", m)
		}
		u.Username = v
	}
	if p.Email != nil {
		v := NormalizeEmail(*p.Email)
		if m := validEmail(v); m != "" {
			ve.add("email", m)
		}
		u.Email = v
	}
	if p.Password != nil {
		if m := ValidatePassword(*p.Password); m != "" {
			ve.add("password", m)
		}
	}
	if p.FullName != nil {
		v := strings.TrimSpace(*p.FullName)
		if utf8.RuneCountInString(v) > 200 {
			ve.add("full_name", "must be at most 200 characters")
		}
		u.FullName = v
	}
	if p.Role != nil {
		if !IsRole(*p.Role) {
			ve.add("role", "must be one of admin, organizer, manager, staff")
		}
		u.Role = *p.Role
	}
	if p.CompanyIDs != nil {
		u.CompanyIDs = normalizeCompanies(*p.CompanyIDs, &ve)
	}
	if p.Skills != nil {
		u.Skills = NormalizeSkills(*p.Skills, &ve)
	}
	if p.Availability != nil {
		u.Availability = NormalizeAvailability(*p.Availability, &ve)
	}
	if p.MaxHoursPerDay != nil {
		if m := validHours(*p.MaxHoursPerDay); m != "" {
			ve.add("max_hours_per_day", m)
		}
		u.MaxHoursPerDay = *p.MaxHoursPerDay
	}
	if p.IsActive != nil {
		u.IsActive = *p.IsActive
	}
	return ve.err()
}

// Event data of identity.users.v1 (CONVENTIONS.md).

// UserData is the snapshot published with user.created and user.updated.
type UserData struct {
	ID             uuid.UUID   `json:"id"`
	Username       string      `json:"username"`
	Email          string      `json:"email"`
	FullName       string      `json:"full_name"`
	Role           string      `json:"role"`
	CompanyIDs     []uuid.UUID `json:"company_ids"`
	Skills         []Skill     `json:"skills"`
	Availability   []Slot      `json:"availability"`
	MaxHoursPerDay float64     `json:"max_hours_per_day"`
	IsActive       bool        `json:"is_active"`
	Version        int64       `json:"version"`
}

// Snapshot returns the event data of u.
func (u User) Snapshot() UserData {
	d := UserData{ID: u.ID, Username: u.Username, Email: u.Email, FullName: u.FullName, Role: u.Role,
		CompanyIDs: u.CompanyIDs, Skills: u.Skills, Availability: u.Availability,
		MaxHoursPerDay: u.MaxHoursPerDay, IsActive: u.IsActive, Version: u.Version}
	if d.CompanyIDs == nil {
		d.CompanyIDs = []uuid.UUID{}
	}
	if d.Skills == nil {
		d.Skills = []Skill{}
	}
	if d.Availability == nil {
		d.Availability = []Slot{}
	}
	return d
}

// Event types of identity.users.v1.
const (
	TopicUsers       = "identity.users.v1"
	TopicCompanies   = "company.companies.v1"
	EventUserCreated = "user.created"
	EventUserUpdated = "user.updated"
	EventUserDeleted = "user.deleted"
)

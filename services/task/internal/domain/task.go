// Package domain holds the task service's pure rules: what a task is, how its input is validated,
// the approval and status lifecycle, the assignment checks and who may see what. It does no I/O.
package domain

import (
	"encoding/json"
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

// Approval states of a task.
const (
	ApprovalProposed = "proposed"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// Status values of a task as staff move it.
const (
	StatusPending    = "pending"
	StatusInProgress = "in_progress"
	StatusBlocked    = "blocked"
	StatusDone       = "done"
)

// Sources of a task.
const (
	SourceAI     = "ai"
	SourceManual = "manual"
	SourceImport = "import"
)

// Limits on input, in characters or items.
const (
	MaxTitleLen       = 200
	MaxDescriptionLen = 5000
	MaxNoteLen        = 2000
	MaxAreaLen        = 100
	MaxSkillNameLen   = 64
	MaxSkills         = 20
	MaxHeadcount      = 50
	DefaultPriority   = 3
)

// Skill is a skill a task requires, at least at MinLevel (1-5). Names compare without case.
type Skill struct {
	Name     string `json:"name"`
	MinLevel int    `json:"min_level"`
}

// Task is one person's piece of work at an event. The JSON shape is both the HTTP answer and
// the data of task.created/task.updated (CONVENTIONS.md).
type Task struct {
	ID              uuid.UUID       `json:"id"`
	EventID         uuid.UUID       `json:"event_id"`
	CompanyID       uuid.UUID       `json:"company_id"`
	Title           string          `json:"title"`
	Description     string          `json:"description"`
	RequiredSkills  []Skill         `json:"required_skills"`
	StartsAt        time.Time       `json:"starts_at"`
	EndsAt          time.Time       `json:"ends_at"`
	Priority        int             `json:"priority"`
	AssigneeID      *uuid.UUID      `json:"assignee_id"`
	Approval        string          `json:"approval"`
	Status          string          `json:"status"`
	Progress        int             `json:"progress"`
	Note            string          `json:"note"`
	Source          string          `json:"source"`
	SuggestionID    *uuid.UUID      `json:"suggestion_id"`
	SlotGroup       *string         `json:"slot_group"`
	Area            string          `json:"area"`
	Reasons         json.RawMessage `json:"reasons"`
	Version         int64           `json:"version"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	ApprovedAt      *time.Time      `json:"approved_at"`
	CompletedAt     *time.Time      `json:"completed_at"`
	EditedByManager bool            `json:"edited_by_manager"`
	WasBlocked      bool            `json:"was_blocked"`
}

// Open reports whether the task still needs doing (its assignee matters to someone).
func (t Task) Open() bool { return t.Status != StatusDone }

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

// Invalid is a ValidationError of one field.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
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

// RuleError is a violated business rule that is not about the shape of one field: an illegal
// transition or a failed assignment check. Rule is a stable code, Detail a sentence for people.
type RuleError struct {
	Rule   string
	Detail string
}

// Error implements error.
func (e *RuleError) Error() string { return e.Rule + ": " + e.Detail }

func ruleErr(rule, format string, args ...any) *RuleError {
	return &RuleError{Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// Draft is the input of a new manual task (and the editable content of an existing one).
type Draft struct {
	Title          string
	Description    string
	RequiredSkills []Skill
	StartsAt       time.Time
	EndsAt         time.Time
	Priority       int
	Area           string
}

func validText(e *errs, field, s string, minLen, maxLen int) {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		e.add(field, "must be valid UTF-8")
	case n < minLen:
		e.add(field, "is required")
	case n > maxLen:
		e.add(field, "must be at most %d characters", maxLen)
	}
}

// NormalizeSkills trims names, checks levels and merges duplicates (names compared without case,
// the higher level kept). Field names in errors start with prefix.
func NormalizeSkills(prefix string, in []Skill) ([]Skill, error) {
	var e errs
	if len(in) > MaxSkills {
		e.add(prefix, "at most %d skills", MaxSkills)
		return nil, e.err()
	}
	out := make([]Skill, 0, len(in))
	seen := map[string]int{}
	for i, s := range in {
		name := strings.TrimSpace(s.Name)
		f := fmt.Sprintf("%s[%d]", prefix, i)
		validText(&e, f+".name", name, 1, MaxSkillNameLen)
		if s.MinLevel < 1 || s.MinLevel > 5 {
			e.add(f+".min_level", "must be between 1 and 5")
		}
		key := strings.ToLower(name)
		if j, ok := seen[key]; ok {
			out[j].MinLevel = max(out[j].MinLevel, s.MinLevel)
			continue
		}
		seen[key] = len(out)
		out = append(out, Skill{Name: name, MinLevel: s.MinLevel})
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Validate normalises d in place and reports every invalid field.
func (d *Draft) Validate() error {
	var e errs
	d.Title = strings.TrimSpace(d.Title)
	d.Description = strings.TrimSpace(d.Description)
	d.Area = strings.TrimSpace(d.Area)
	validText(&e, "title", d.Title, 1, MaxTitleLen)
	validText(&e, "description", d.Description, 0, MaxDescriptionLen)
	validText(&e, "area", d.Area, 0, MaxAreaLen)
	if d.Priority < 1 || d.Priority > 5 {
		e.add("priority", "must be between 1 and 5")
	}
	e = append(e, validWindow(d.StartsAt, d.EndsAt)...)
	skills, err := NormalizeSkills("required_skills", d.RequiredSkills)
	var ve *ValidationError
	if errors.As(err, &ve) {
		e = append(e, ve.Fields...)
	}
	d.RequiredSkills = skills
	return e.err()
}

func validWindow(start, end time.Time) errs {
	var e errs
	if start.IsZero() {
		e.add("starts_at", "is required")
	}
	if end.IsZero() {
		e.add("ends_at", "is required")
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		e.add("ends_at", "must be after starts_at")
	}
	if !end.IsZero() && !start.IsZero() && end.Sub(start) > 7*24*time.Hour {
		e.add("ends_at", "a task may last at most 7 days")
	}
	return e
}

// NewManualTasks builds headcount tasks of d for an event (the organizer's manual tasks): approved
// at once, sharing a slot group when there are several. assignee, when set, is for a single task.
func NewManualTasks(d Draft, eventID, companyID uuid.UUID, headcount int, assignee *uuid.UUID, now time.Time) ([]Task, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if headcount < 1 || headcount > MaxHeadcount {
		return nil, Invalid("headcount", "must be between 1 and %d", MaxHeadcount)
	}
	if assignee != nil && headcount > 1 {
		return nil, Invalid("assignee_id", "one person cannot take several tasks of one slot; create them with headcount and assign each")
	}
	var group *string
	if headcount > 1 {
		g := uuid.NewString()
		group = &g
	}
	out := make([]Task, 0, headcount)
	for range headcount {
		t := Task{
			ID: uuid.New(), EventID: eventID, CompanyID: companyID,
			Title: d.Title, Description: d.Description, RequiredSkills: d.RequiredSkills,
			StartsAt: d.StartsAt.UTC(), EndsAt: d.EndsAt.UTC(), Priority: d.Priority, Area: d.Area,
			AssigneeID: assignee, Approval: ApprovalApproved, Status: StatusPending,
			Source: SourceManual, SlotGroup: group, Reasons: json.RawMessage("[]"),
			Version: 1, CreatedAt: now, UpdatedAt: now, ApprovedAt: &now,
		}
		out = append(out, t)
	}
	return out, nil
}

// Proposal is one task of an AI suggestion batch.
type Proposal struct {
	ID             uuid.UUID
	Title          string
	Description    string
	RequiredSkills []Skill
	StartsAt       time.Time
	EndsAt         time.Time
	Priority       int
	AssigneeID     *uuid.UUID
	SlotGroup      *string
	Area           string
	Reasons        json.RawMessage
}

// ProposedTask turns an AI proposal into a proposed task, repairing what can be repaired
// (clamped priority, trimmed texts) and refusing what cannot (no id, no valid window): a bad
// task from the AI must not block the rest of its batch.
func ProposedTask(p Proposal, eventID, companyID, suggestionID uuid.UUID, now time.Time) (Task, error) {
	if p.ID == uuid.Nil {
		return Task{}, errors.New("proposal without id")
	}
	if p.StartsAt.IsZero() || p.EndsAt.IsZero() || !p.StartsAt.Before(p.EndsAt) {
		return Task{}, fmt.Errorf("proposal %s has no valid time window", p.ID)
	}
	title := truncate(strings.TrimSpace(p.Title), MaxTitleLen)
	if title == "" {
		title = "Task"
	}
	skills, err := NormalizeSkills("required_skills", clampSkills(p.RequiredSkills))
	if err != nil {
		return Task{}, fmt.Errorf("proposal %s: %w", p.ID, err)
	}
	reasons := p.Reasons
	if len(reasons) == 0 || string(reasons) == "null" {
		reasons = json.RawMessage("[]")
	}
	sid := suggestionID
	return Task{
		ID: p.ID, EventID: eventID, CompanyID: companyID, Title: title,
		Description: truncate(strings.TrimSpace(p.Description), MaxDescriptionLen), RequiredSkills: skills,
		StartsAt: p.StartsAt.UTC(), EndsAt: p.EndsAt.UTC(), Priority: min(max(p.Priority, 1), 5),
		AssigneeID: p.AssigneeID, Approval: ApprovalProposed, Status: StatusPending, Source: SourceAI,
		SuggestionID: &sid, SlotGroup: p.SlotGroup, Area: truncate(strings.TrimSpace(p.Area), MaxAreaLen),
		Reasons: reasons, Version: 1, CreatedAt: now, UpdatedAt: now,
	}, nil
}

func clampSkills(in []Skill) []Skill {
	out := make([]Skill, 0, len(in))
	for _, s := range in {
		if strings.TrimSpace(s.Name) == "" {
			continue
		}
		s.MinLevel = min(max(s.MinLevel, 1), 5)
		s.Name = truncate(s.Name, MaxSkillNameLen)
		out = append(out, s)
	}
	if len(out) > MaxSkills {
		out = out[:MaxSkills]
	}
	return out
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

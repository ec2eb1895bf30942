package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/services/suggestion/internal/solver"
)

// Suggestion statuses. running, ready and failed are stored; approved and superseded are
// derived when read (from the task read model and later suggestions).
const (
	StatusRunning    = "running"
	StatusReady      = "ready"
	StatusFailed     = "failed"
	StatusApproved   = "approved"
	StatusSuperseded = "superseded"
)

// ProposedTask is one task of a suggestion, as served and as sent to the task service.
type ProposedTask struct {
	ID             uuid.UUID          `json:"id"`
	EventID        uuid.UUID          `json:"event_id"`
	CompanyID      uuid.UUID          `json:"company_id"`
	Title          string             `json:"title"`
	Description    string             `json:"description"`
	RequiredSkills []Requirement      `json:"required_skills"`
	StartsAt       time.Time          `json:"starts_at"`
	EndsAt         time.Time          `json:"ends_at"`
	Priority       int                `json:"priority"`
	AssigneeID     *uuid.UUID         `json:"assignee_id"`
	Approval       string             `json:"approval"`
	Status         string             `json:"status"`
	Source         string             `json:"source"`
	SuggestionID   uuid.UUID          `json:"suggestion_id"`
	SlotGroup      string             `json:"slot_group,omitempty"`
	Area           string             `json:"area"`
	Reasons        []string           `json:"reasons"`
	Explanation    solver.Explanation `json:"explanation"`
	// Existing marks an open task that the task service already has (assign modes); its id
	// is the task service's own.
	Existing bool `json:"existing,omitempty"`
}

// Unassigned is a task nobody could take, with why.
type Unassigned struct {
	Task    ProposedTask `json:"task"`
	Reasons []string     `json:"reasons"`
}

// Team is the staff of one area of the event, with a proposed lead.
type Team struct {
	ID         uuid.UUID   `json:"id"`
	Name       string      `json:"name"`
	Area       string      `json:"area"`
	LeadID     *uuid.UUID  `json:"lead_id"`
	MemberIDs  []uuid.UUID `json:"member_ids"`
	LeadReason string      `json:"lead_reason"`
	TaskCount  int         `json:"task_count"`
}

// Body is the part of a suggestion written when its solve ends.
type Body struct {
	Tasks      []ProposedTask `json:"tasks"`
	Unassigned []Unassigned   `json:"unassigned"`
	Teams      []Team         `json:"teams"`
	Metrics    solver.Metrics `json:"metrics"`
	// PlannerNote says why the built-in planner was used when an LLM is configured.
	PlannerNote string `json:"planner_note,omitempty"`
	// Skipped counts drafted seats already covered by approved tasks of the event.
	Skipped int `json:"skipped_covered"`
}

// Suggestion is the service's object.
type Suggestion struct {
	ID           uuid.UUID
	EventID      uuid.UUID
	CompanyID    uuid.UUID
	CreatedBy    uuid.UUID
	Mode         string
	Status       string // stored status: running, ready or failed
	Planner      string
	TaskCount    int
	NewTaskCount int
	Body         *Body
	Error        string
	Supersedes   []uuid.UUID
	SupersededBy *uuid.UUID
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TaskCounts are the read model's counts of a suggestion's tasks by approval (Deleted: removed
// by the task service since).
type TaskCounts struct {
	Proposed, Approved, Rejected, Deleted int
}

// DerivedStatus is what clients see: a ready suggestion is approved once the task service
// reports all of its new tasks decided and at least one approved (rejected exceptions do not
// hold it back; a task still unreported does), and superseded once a later suggestion
// replaced it before that.
func (s Suggestion) DerivedStatus(c TaskCounts) string {
	if s.Status != StatusReady {
		return s.Status
	}
	if c.Approved > 0 && c.Proposed == 0 && c.Approved+c.Rejected+c.Deleted >= s.NewTaskCount {
		return StatusApproved
	}
	if s.SupersededBy != nil {
		return StatusSuperseded
	}
	return StatusReady
}

// NewTasks counts the tasks the task service will create from the body.
func (b Body) NewTasks() int {
	n := 0
	for _, t := range b.Tasks {
		if !t.Existing {
			n++
		}
	}
	return n
}

// BatchSize is the most tasks in one suggestion.tasks_proposed message.
const BatchSize = 200

// Batches splits tasks into consecutive batches of at most size (at least one batch, so that a
// suggestion without tasks still tells the task service to supersede the earlier ones).
func Batches(tasks []ProposedTask, size int) [][]ProposedTask {
	if size <= 0 {
		size = BatchSize
	}
	if len(tasks) == 0 {
		return [][]ProposedTask{{}}
	}
	out := make([][]ProposedTask, 0, (len(tasks)+size-1)/size)
	for i := 0; i < len(tasks); i += size {
		out = append(out, tasks[i:min(i+size, len(tasks))])
	}
	return out
}

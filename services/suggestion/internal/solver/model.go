// Package solver is the assignment optimiser of the suggestion service: it staffs an event's
// tasks under hard constraints (skills, availability, no double booking, daily hour limits)
// while optimising weighted soft goals, explains every choice, and reports a lower bound. It also
// solves the generalized assignment problem (SolveGAP) used to measure it against known optima.
// It does no I/O.
package solver

import (
	"time"
)

// SkillReq is a skill a task needs, at a minimum level (1-5). Names compare without case.
type SkillReq struct {
	Name     string
	MinLevel int
}

// Task is one person's piece of work.
type Task struct {
	ID    string
	Start time.Time
	End   time.Time
	// Skills are all required (a person must hold each at its minimum level).
	Skills []SkillReq
	// Priority is 1-5, 5 being the most important; zero counts as 3.
	Priority int
	// SlotGroup names tasks that together make a headcount (three people = three tasks).
	SlotGroup string
	// Area is the kind of work (registration, av, security...), matched against preferences.
	Area string
	// PreviousAssignee is the staff id of an earlier approved plan, for stability.
	PreviousAssignee string
	// DurationMinutes is the effort counted toward hour limits and load; zero means the whole
	// window. The person is busy for the whole window either way.
	DurationMinutes int
}

// Interval is a half-open time range [Start, End).
type Interval struct {
	Start time.Time
	End   time.Time
}

// Staff is a person who may take tasks.
type Staff struct {
	ID string
	// Skills maps a skill name (any case) to a level 1-5.
	Skills map[string]int
	// Availability lists the windows the person can work; none means always available.
	Availability []Interval
	// MaxMinutesPerDay caps the minutes counted per local day of the event's timezone; zero
	// means no cap.
	MaxMinutesPerDay int
	// Committed are intervals already taken (other events, approved tasks): they block the
	// person and count toward hours and load.
	Committed []Interval
	// Performance maps a skill name to an estimated score in [0,1]; missing skills use the
	// prior of the weights.
	Performance map[string]float64
	// Preferences maps a task area or skill name to a liking in [-1,1].
	Preferences map[string]float64
}

// Weights price the soft goals. The solver minimises the weighted sum.
type Weights struct {
	// Unassigned is the penalty of leaving a priority-1 task unstaffed; each priority step
	// multiplies it by PriorityFactor. It dominates every other term by design.
	Unassigned     float64
	PriorityFactor float64
	// SkillWaste is charged per level above the minimum, so experts are kept for the tasks
	// that need them when someone less senior qualifies.
	SkillWaste float64
	// Load is charged per squared hour of a person's total work, which spreads work evenly.
	Load float64
	// Performance is charged per unit of (1 - performance score).
	Performance float64
	// PerformancePrior is the score assumed without history, so newcomers are neither
	// punished nor favoured.
	PerformancePrior float64
	// Stability is charged when a task leaves its previous assignee.
	Stability float64
	// Rest is charged, scaled by how short the gap is, when two of a person's tasks are closer
	// than MinRestMinutes.
	Rest           float64
	MinRestMinutes int
	// Preference rewards (liking > 0) or charges (< 0) an assignment by the person's liking.
	Preference float64
}

// DefaultWeights returns weights under which staffing a task always beats every comfort goal.
func DefaultWeights() Weights {
	return Weights{
		Unassigned:       1000,
		PriorityFactor:   2,
		SkillWaste:       2,
		Load:             1,
		Performance:      20,
		PerformancePrior: 0.5,
		Stability:        15,
		Rest:             3,
		MinRestMinutes:   30,
		Preference:       5,
	}
}

// Problem is everything one solve needs.
type Problem struct {
	Tasks []Task
	Staff []Staff
	// Location is the event's timezone for per-day hour limits; nil means UTC.
	Location *time.Location
	// Weights of the soft goals; the zero value means DefaultWeights.
	Weights Weights
	// Seed makes the search reproducible.
	Seed uint64
	// TimeLimit bounds the search; zero means 2 s. The best plan so far is returned; a plan that
	// reaches the per-task lower bound (gap 0) is optimal and returned at once.
	TimeLimit time.Duration
	// MaxIterations, when positive, bounds the local search by move count instead, which makes
	// the result independent of machine speed (the time limit still applies).
	MaxIterations int
	// Existing is an optional earlier plan (task id → staff id) used as the starting point.
	Existing map[string]string
}

// Plan is a solve's answer: one row per task, in input order, and the metrics.
type Plan struct {
	Assignments []Assignment
	Metrics     Metrics
}

// Assignment is one task's outcome.
type Assignment struct {
	TaskID string
	// StaffID is empty when the task stays unassigned.
	StaffID string
	// Reasons explain the choice (or why nobody could take it) in words.
	Reasons []string
	// Detail carries the same explanation as fields.
	Detail Explanation
}

// Explanation is the structured form of an assignment's reasons.
type Explanation struct {
	// Skills compares the assignee's levels with the requirements.
	Skills []SkillMatch `json:"skills,omitempty"`
	// LoadAfterHours is the assignee's total hours (committed + this plan) with the task.
	LoadAfterHours float64 `json:"load_after_hours,omitempty"`
	// Performance is the assignee's score on the task's skills.
	Performance float64 `json:"performance,omitempty"`
	// Cost is the assignment's share of the objective.
	Cost float64 `json:"cost,omitempty"`
	// RunnerUp is the best other person who could have taken the task, if any.
	RunnerUp *RunnerUp `json:"runner_up,omitempty"`
	// Unassigned counts, for a task left open, why the staff could not take it.
	Unassigned *UnassignedWhy `json:"unassigned,omitempty"`
}

// SkillMatch is a required skill against the assignee's level.
type SkillMatch struct {
	Name     string `json:"name"`
	Level    int    `json:"level"`
	Required int    `json:"required"`
}

// RunnerUp is the closest alternative and why it lost.
type RunnerUp struct {
	StaffID string `json:"staff_id"`
	// ExtraCost is how much worse the objective would be with the runner-up.
	ExtraCost float64 `json:"extra_cost"`
	Why       string  `json:"why"`
}

// UnassignedWhy counts the staff by the first rule that excluded them.
type UnassignedWhy struct {
	// MissingSkills lists requirements nobody meets, with how many hold the skill lower.
	MissingSkills []MissingSkill `json:"missing_skills,omitempty"`
	Qualified     int            `json:"qualified"`
	Unavailable   int            `json:"unavailable"`
	Busy          int            `json:"busy"`
	OverHours     int            `json:"over_hours"`
}

// MissingSkill is a requirement no staff member meets.
type MissingSkill struct {
	Name       string `json:"name"`
	MinLevel   int    `json:"min_level"`
	LowerLevel int    `json:"holders_below_level"`
}

// Metrics summarise a plan.
type Metrics struct {
	Tasks          int     `json:"tasks"`
	Assigned       int     `json:"assigned"`
	HardViolations int     `json:"hard_violations"`
	SkillFit       float64 `json:"skill_fit"`
	LoadMinHours   float64 `json:"load_min_hours"`
	LoadMaxHours   float64 `json:"load_max_hours"`
	Objective      float64 `json:"objective"`
	LowerBound     float64 `json:"lower_bound"`
	Gap            float64 `json:"gap"`
	SolveMS        int64   `json:"solve_ms"`
	// FirstFeasibleMS is when the construction finished (every plan it builds is feasible).
	FirstFeasibleMS int64 `json:"first_feasible_ms"`
	// Iterations counts local-search moves tried.
	Iterations int `json:"iterations"`
}

// FieldError is one invalid input field.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError lists what is wrong with a Problem; callers answer it with a 422.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 0 {
		return "invalid problem"
	}
	return "invalid problem: " + e.Fields[0].Field + ": " + e.Fields[0].Message
}

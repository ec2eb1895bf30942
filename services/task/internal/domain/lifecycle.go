package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// transitions is DESIGN.md's status table for staff: done is final for them.
var transitions = map[string][]string{
	StatusPending:    {StatusInProgress, StatusBlocked, StatusDone},
	StatusInProgress: {StatusDone, StatusBlocked},
	StatusBlocked:    {StatusInProgress, StatusDone},
}

// ValidStatus reports whether s is a known status.
func ValidStatus(s string) bool {
	switch s {
	case StatusPending, StatusInProgress, StatusBlocked, StatusDone:
		return true
	}
	return false
}

// ValidApproval reports whether s is a known approval state.
func ValidApproval(s string) bool {
	switch s {
	case ApprovalProposed, ApprovalApproved, ApprovalRejected:
		return true
	}
	return false
}

// CanMove reports whether staff may move a task from one status to another. A manager may in
// addition reopen a done task (done → in_progress).
func CanMove(from, to string, manager bool) bool {
	if manager && from == StatusDone && to == StatusInProgress {
		return true
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// StaffChange is everything staff may change on their own task; nil fields keep their value.
type StaffChange struct {
	Status   *string
	Progress *int
	Note     *string
}

// ApplyStaffChange returns t with c applied, or the violated rule. It does not bump the version.
func ApplyStaffChange(t Task, c StaffChange, now time.Time) (Task, error) {
	var e errs
	to := t.Status
	if c.Status != nil {
		to = *c.Status
		if !ValidStatus(to) {
			e.add("status", "must be one of pending, in_progress, blocked, done")
		}
	}
	if c.Progress != nil && (*c.Progress < 0 || *c.Progress > 100) {
		e.add("progress", "must be between 0 and 100")
	}
	note := t.Note
	if c.Note != nil {
		note = strings.TrimSpace(*c.Note)
		if !utf8.ValidString(note) || utf8.RuneCountInString(note) > MaxNoteLen {
			e.add("note", "must be valid text of at most %d characters", MaxNoteLen)
		}
	}
	if err := e.err(); err != nil {
		return t, err
	}
	out := t
	if t.Status == StatusDone {
		if to != StatusDone || (c.Progress != nil && *c.Progress != t.Progress) || note != t.Note {
			return t, ruleErr("done_is_final", "the task is done; only a manager can reopen it")
		}
		return t, nil
	}
	if to != t.Status {
		if !CanMove(t.Status, to, false) {
			return t, ruleErr("illegal_transition", "a task cannot move from %s to %s", t.Status, to)
		}
		if to == StatusBlocked && (c.Note == nil || note == "") {
			return t, &ValidationError{Fields: []FieldError{{Field: "note", Message: "is required when moving a task to blocked: say what blocks it"}}}
		}
	}
	out.Status, out.Note = to, note
	if c.Progress != nil {
		out.Progress = *c.Progress
	}
	if to == StatusDone {
		if c.Progress != nil && *c.Progress != 100 {
			return t, Invalid("progress", "a done task has progress 100")
		}
		out.Progress = 100
		if t.Status != StatusDone {
			done := now
			out.CompletedAt = &done
		}
	}
	if to == StatusBlocked {
		out.WasBlocked = true
	}
	return out, nil
}

// Reopen is the manager's move of a done task back to in_progress.
func Reopen(t Task) (Task, error) {
	if t.Status != StatusDone {
		return t, ruleErr("illegal_transition", "only a done task can be reopened (it is %s)", t.Status)
	}
	t.Status = StatusInProgress
	t.CompletedAt = nil
	return t, nil
}

// SetApproval moves the approval of t to a (approved or rejected); approving stamps approved_at.
func SetApproval(t Task, a string, now time.Time) (Task, error) {
	if a != ApprovalApproved && a != ApprovalRejected {
		return t, Invalid("approval", "must be approved or rejected")
	}
	if t.Approval == a {
		return t, nil
	}
	t.Approval = a
	if a == ApprovalApproved {
		at := now
		t.ApprovedAt = &at
	}
	return t, nil
}

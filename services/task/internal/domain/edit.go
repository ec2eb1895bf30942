package domain

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Actor is the verified caller of a use case.
type Actor struct {
	UserID uuid.UUID
	Role   string
}

// IsAdmin reports whether the actor may act everywhere.
func (a Actor) IsAdmin() bool { return a.Role == RoleAdmin }

// Event is what the task service knows of an event (read model of event.events.v1).
type Event struct {
	ID         uuid.UUID
	CompanyID  uuid.UUID
	ManagerIDs []uuid.UUID
	Timezone   string
	Deleted    bool
}

// Manages reports whether user is one of the event's managers.
func (e Event) Manages(user uuid.UUID) bool { return slices.Contains(e.ManagerIDs, user) }

// CanSee reports whether a may see task t of event ev; member says whether a belongs to the
// task's company. Admins see everything, organizers their companies' tasks, managers the tasks
// of events they manage in companies they still belong to, staff their own approved tasks.
func CanSee(a Actor, t Task, ev Event, member bool) bool {
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleOrganizer:
		return member
	case RoleManager:
		return member && ev.Manages(a.UserID)
	case RoleStaff:
		return t.Approval == ApprovalApproved && t.AssigneeID != nil && *t.AssigneeID == a.UserID
	}
	return false
}

// Edit is a change by an organizer or manager; nil fields keep their value. AssigneeSet says
// whether assignee_id was sent at all (then Assignee nil means unassign).
type Edit struct {
	Approval       *string
	AssigneeSet    bool
	Assignee       *uuid.UUID
	Title          *string
	Description    *string
	RequiredSkills *[]Skill
	StartsAt       *time.Time
	EndsAt         *time.Time
	Priority       *int
	Area           *string
	Status         *string // managers: only reopening (done → in_progress)
}

// ApplyEdit returns t with e applied and whether its assignee must pass the assignment checks
// (a new assignee, a moved window of an assigned task, or an approval of an assigned task).
// Content edits set edited_by_manager, which the AI's learning reads as "not approved as is".
func ApplyEdit(t Task, e Edit, now time.Time) (Task, bool, error) {
	var fe errs
	out := t
	content := false
	if e.Title != nil {
		title := strings.TrimSpace(*e.Title)
		validText(&fe, "title", title, 1, MaxTitleLen)
		content = content || title != t.Title
		out.Title = title
	}
	if e.Description != nil {
		d := strings.TrimSpace(*e.Description)
		validText(&fe, "description", d, 0, MaxDescriptionLen)
		content = content || d != t.Description
		out.Description = d
	}
	if e.Area != nil {
		a := strings.TrimSpace(*e.Area)
		validText(&fe, "area", a, 0, MaxAreaLen)
		content = content || a != t.Area
		out.Area = a
	}
	if e.Priority != nil {
		if *e.Priority < 1 || *e.Priority > 5 {
			fe.add("priority", "must be between 1 and 5")
		}
		content = content || *e.Priority != t.Priority
		out.Priority = *e.Priority
	}
	if e.RequiredSkills != nil {
		skills, err := NormalizeSkills("required_skills", *e.RequiredSkills)
		if ve, ok := err.(*ValidationError); ok {
			fe = append(fe, ve.Fields...)
		}
		content = content || !slices.Equal(skills, t.RequiredSkills)
		out.RequiredSkills = skills
	}
	moved := false
	if e.StartsAt != nil {
		out.StartsAt = e.StartsAt.UTC()
		moved = moved || !out.StartsAt.Equal(t.StartsAt)
	}
	if e.EndsAt != nil {
		out.EndsAt = e.EndsAt.UTC()
		moved = moved || !out.EndsAt.Equal(t.EndsAt)
	}
	if e.StartsAt != nil || e.EndsAt != nil {
		fe = append(fe, validWindow(out.StartsAt, out.EndsAt)...)
	}
	if e.Approval != nil && *e.Approval != ApprovalApproved && *e.Approval != ApprovalRejected {
		fe.add("approval", "must be approved or rejected")
	}
	if e.Status != nil && !ValidStatus(*e.Status) {
		fe.add("status", "must be one of pending, in_progress, blocked, done")
	}
	if err := fe.err(); err != nil {
		return t, false, err
	}
	reassigned := false
	if e.AssigneeSet && !sameID(e.Assignee, t.AssigneeID) {
		out.AssigneeID = e.Assignee
		reassigned = true
	}
	if e.Status != nil && *e.Status != t.Status {
		if *e.Status != StatusInProgress || t.Status != StatusDone {
			return t, false, ruleErr("illegal_transition", "managers only reopen done tasks (done → in_progress); staff move the status")
		}
		var err error
		if out, err = Reopen(out); err != nil {
			return t, false, err
		}
	}
	approving := false
	if e.Approval != nil {
		approving = *e.Approval == ApprovalApproved && t.Approval != ApprovalApproved
		if *e.Approval == ApprovalRejected && t.ProposedAssignment() {
			// Rejecting the AI's choice for an organizer's task keeps the task, unassigned.
			out = WithdrawProposal(out)
		} else {
			var err error
			if out, err = SetApproval(out, *e.Approval, now); err != nil {
				return t, false, err
			}
		}
	}
	if content || moved || reassigned {
		out.EditedByManager = true
	}
	check := out.AssigneeID != nil && out.Approval != ApprovalRejected && (reassigned || moved || approving ||
		(e.RequiredSkills != nil && content))
	return out, check, nil
}

func sameID(a, b *uuid.UUID) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// Unassign clears t's assignee (a deleted or deactivated user's open task).
func Unassign(t Task) Task {
	t.AssigneeID = nil
	return t
}

// Changes lists the fields that differ between before and after as two maps (old and new
// values) for the history row, and the action that best names the change.
func Changes(before, after Task) (action string, from, to map[string]any) {
	from, to = map[string]any{}, map[string]any{}
	diff := func(name string, a, b any, eq bool) {
		if !eq {
			from[name], to[name] = a, b
		}
	}
	diff("title", before.Title, after.Title, before.Title == after.Title)
	diff("description", before.Description, after.Description, before.Description == after.Description)
	diff("required_skills", before.RequiredSkills, after.RequiredSkills, slices.Equal(before.RequiredSkills, after.RequiredSkills))
	diff("starts_at", before.StartsAt, after.StartsAt, before.StartsAt.Equal(after.StartsAt))
	diff("ends_at", before.EndsAt, after.EndsAt, before.EndsAt.Equal(after.EndsAt))
	diff("priority", before.Priority, after.Priority, before.Priority == after.Priority)
	diff("area", before.Area, after.Area, before.Area == after.Area)
	diff("assignee_id", before.AssigneeID, after.AssigneeID, sameID(before.AssigneeID, after.AssigneeID))
	diff("approval", before.Approval, after.Approval, before.Approval == after.Approval)
	diff("status", before.Status, after.Status, before.Status == after.Status)
	diff("progress", before.Progress, after.Progress, before.Progress == after.Progress)
	diff("note", before.Note, after.Note, before.Note == after.Note)
	switch {
	case before.Approval != after.Approval:
		action = after.Approval
	case before.Status == StatusDone && after.Status != StatusDone:
		action = "reopened"
	case before.Status != after.Status:
		action = "status_changed"
	case !sameID(before.AssigneeID, after.AssigneeID) && after.AssigneeID == nil:
		action = "unassigned"
	case !sameID(before.AssigneeID, after.AssigneeID):
		action = "assigned"
	case len(to) == 1 && (to["progress"] != nil || to["note"] != nil):
		action = "progress"
	default:
		action = "edited"
	}
	return action, from, to
}

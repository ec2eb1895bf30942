package domain

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
)

// ProposeAssignment turns the AI's assignee for an existing open task (the "assign" modes, whose
// proposals carry the task service's own ids) into a proposed assignment: the assignee is set,
// the approval goes back to proposed and the task joins the suggestion, so that approving the
// suggestion checks and approves it like any proposal. It refuses, with the reason, a task that
// is not the AI's to staff: another event's, an AI task of another suggestion, a done or
// rejected one, one that already has an approved assignee, or a proposal without an assignee.
// ok is false with a nil error when the task already belongs to this suggestion (redelivery).
func ProposeAssignment(t Task, eventID, suggestionID uuid.UUID, assignee *uuid.UUID, reasons json.RawMessage) (out Task, ok bool, err error) {
	switch {
	case t.SuggestionID != nil && *t.SuggestionID == suggestionID:
		return t, false, nil
	case t.EventID != eventID:
		return t, false, fmt.Errorf("task %s belongs to event %s, not %s", t.ID, t.EventID, eventID)
	case t.Source == SourceAI:
		return t, false, fmt.Errorf("task %s is an AI task of another suggestion", t.ID)
	case t.Status == StatusDone:
		return t, false, fmt.Errorf("task %s is done", t.ID)
	case t.Approval == ApprovalRejected:
		return t, false, fmt.Errorf("task %s is rejected", t.ID)
	case t.Approval == ApprovalApproved && t.AssigneeID != nil:
		return t, false, fmt.Errorf("task %s already has an approved assignee", t.ID)
	case assignee == nil:
		return t, false, fmt.Errorf("the proposal for task %s names no assignee", t.ID)
	}
	if len(reasons) == 0 || string(reasons) == "null" {
		reasons = json.RawMessage("[]")
	}
	id, sid := *assignee, suggestionID
	t.AssigneeID = &id
	t.Approval = ApprovalProposed
	t.SuggestionID = &sid
	t.Reasons = reasons
	return t, true, nil
}

// WithdrawProposal is how a proposed assignment of a manual or imported task ends when it is
// rejected or superseded: the task goes back to approved and unassigned, so rejecting the AI's
// choice never loses the organizer's task. AI tasks are not withdrawn but rejected or deleted.
func WithdrawProposal(t Task) Task {
	t.AssigneeID = nil
	t.Approval = ApprovalApproved
	t.SuggestionID = nil
	t.Reasons = json.RawMessage("[]")
	return t
}

// ProposedAssignment reports whether t is a proposed assignment of a task the AI did not create.
func (t Task) ProposedAssignment() bool {
	return t.Approval == ApprovalProposed && t.Source != SourceAI
}

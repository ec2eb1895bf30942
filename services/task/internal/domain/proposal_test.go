package domain

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestProposeAssignment(t *testing.T) {
	ev, sug, who := uuid.New(), uuid.New(), uuid.New()
	open := Task{ID: uuid.New(), EventID: ev, Source: SourceManual, Approval: ApprovalApproved, Status: StatusPending,
		Reasons: json.RawMessage("[]")}
	reasons := json.RawMessage(`["skill fit"]`)

	got, ok, err := ProposeAssignment(open, ev, sug, &who, reasons)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, who, *got.AssigneeID)
	require.Equal(t, ApprovalProposed, got.Approval)
	require.Equal(t, sug, *got.SuggestionID)
	require.JSONEq(t, `["skill fit"]`, string(got.Reasons))
	require.True(t, got.ProposedAssignment())
	require.Nil(t, open.AssigneeID, "the input is not changed")

	_, ok, err = ProposeAssignment(got, ev, sug, &who, reasons)
	require.NoError(t, err, "a redelivered proposal is not an error")
	require.False(t, ok)

	// An earlier suggestion's proposed assignment may be replaced by a newer suggestion.
	again, ok, err := ProposeAssignment(got, ev, uuid.New(), &who, nil)
	require.NoError(t, err)
	require.True(t, ok)
	require.JSONEq(t, `[]`, string(again.Reasons))

	mod := func(f func(*Task)) Task { c := open; f(&c); return c }
	other := uuid.New()
	refused := map[string]struct {
		task     Task
		assignee *uuid.UUID
	}{
		"other event":       {mod(func(c *Task) { c.EventID = uuid.New() }), &who},
		"ai task":           {mod(func(c *Task) { c.Source = SourceAI; c.Approval = ApprovalProposed }), &who},
		"done":              {mod(func(c *Task) { c.Status = StatusDone }), &who},
		"rejected":          {mod(func(c *Task) { c.Approval = ApprovalRejected }), &who},
		"already staffed":   {mod(func(c *Task) { c.AssigneeID = &other }), &who},
		"no assignee given": {open, nil},
	}
	for name, c := range refused {
		_, ok, err := ProposeAssignment(c.task, ev, sug, c.assignee, reasons)
		require.Error(t, err, name)
		require.False(t, ok, name)
	}
}

func TestWithdrawProposal(t *testing.T) {
	who, sug := uuid.New(), uuid.New()
	p := Task{ID: uuid.New(), Source: SourceManual, Approval: ApprovalProposed, AssigneeID: &who, SuggestionID: &sug,
		Status: StatusPending, Reasons: json.RawMessage(`["x"]`)}
	got := WithdrawProposal(p)
	require.Nil(t, got.AssigneeID)
	require.Nil(t, got.SuggestionID)
	require.Equal(t, ApprovalApproved, got.Approval)
	require.Equal(t, StatusPending, got.Status)
	require.JSONEq(t, `[]`, string(got.Reasons))
	require.False(t, got.ProposedAssignment())
}

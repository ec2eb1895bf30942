package domain

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// TestStatusTable walks every (from, to) pair against DESIGN.md's table, written out here by hand.
func TestStatusTable(t *testing.T) {
	all := []string{StatusPending, StatusInProgress, StatusBlocked, StatusDone}
	allowed := map[[2]string]bool{
		{StatusPending, StatusInProgress}: true, {StatusPending, StatusBlocked}: true, {StatusPending, StatusDone}: true,
		{StatusInProgress, StatusDone}: true, {StatusInProgress, StatusBlocked}: true,
		{StatusBlocked, StatusInProgress}: true, {StatusBlocked, StatusDone}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if from == to {
				continue
			}
			want := allowed[[2]string{from, to}]
			require.Equal(t, want, CanMove(from, to, false), "staff %s → %s", from, to)
			wantManager := want || (from == StatusDone && to == StatusInProgress)
			require.Equal(t, wantManager, CanMove(from, to, true), "manager %s → %s", from, to)
		}
	}
}

func TestApplyStaffChange(t *testing.T) {
	base := Task{Status: StatusPending, Approval: ApprovalApproved, Progress: 0}
	cases := []struct {
		name     string
		from     string
		progress int
		change   StaffChange
		rule     string // RuleError code expected
		field    string // ValidationError field expected
		status   string
		wantProg int
		blocked  bool
		done     bool
	}{
		{name: "start", from: StatusPending, change: StaffChange{Status: ptr(StatusInProgress), Progress: ptr(30)}, status: StatusInProgress, wantProg: 30},
		{name: "done sets 100", from: StatusInProgress, progress: 40, change: StaffChange{Status: ptr(StatusDone)}, status: StatusDone, wantProg: 100, done: true},
		{name: "done with 100 given", from: StatusPending, change: StaffChange{Status: ptr(StatusDone), Progress: ptr(100)}, status: StatusDone, wantProg: 100, done: true},
		{name: "done with 50 refused", from: StatusPending, change: StaffChange{Status: ptr(StatusDone), Progress: ptr(50)}, field: "progress"},
		{name: "blocked with note", from: StatusInProgress, progress: 10, change: StaffChange{Status: ptr(StatusBlocked), Note: ptr("no badge printer")}, status: StatusBlocked, wantProg: 10, blocked: true},
		{name: "blocked without note", from: StatusInProgress, change: StaffChange{Status: ptr(StatusBlocked)}, field: "note"},
		{name: "blocked with blank note", from: StatusPending, change: StaffChange{Status: ptr(StatusBlocked), Note: ptr("   ")}, field: "note"},
		{name: "unblock", from: StatusBlocked, change: StaffChange{Status: ptr(StatusInProgress)}, status: StatusInProgress},
		{name: "back to pending", from: StatusInProgress, change: StaffChange{Status: ptr(StatusPending)}, rule: "illegal_transition"},
		{name: "reopen by staff", from: StatusDone, progress: 100, change: StaffChange{Status: ptr(StatusInProgress)}, rule: "done_is_final"},
		{name: "progress on done", from: StatusDone, progress: 100, change: StaffChange{Progress: ptr(90)}, rule: "done_is_final"},
		{name: "same done again is a no-op", from: StatusDone, progress: 100, change: StaffChange{Status: ptr(StatusDone)}, status: StatusDone, wantProg: 100},
		{name: "unknown status", from: StatusPending, change: StaffChange{Status: ptr("finished")}, field: "status"},
		{name: "progress too high", from: StatusPending, change: StaffChange{Progress: ptr(101)}, field: "progress"},
		{name: "progress negative", from: StatusPending, change: StaffChange{Progress: ptr(-1)}, field: "progress"},
		{name: "progress only", from: StatusInProgress, change: StaffChange{Progress: ptr(70)}, status: StatusInProgress, wantProg: 70},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base
			in.Status, in.Progress = c.from, c.progress
			out, err := ApplyStaffChange(in, c.change, now)
			switch {
			case c.rule != "":
				var re *RuleError
				require.True(t, errors.As(err, &re), "err = %v", err)
				require.Equal(t, c.rule, re.Rule)
				require.Equal(t, in, out)
			case c.field != "":
				var ve *ValidationError
				require.True(t, errors.As(err, &ve), "err = %v", err)
				require.Equal(t, c.field, ve.Fields[0].Field)
			default:
				require.NoError(t, err)
				require.Equal(t, c.status, out.Status)
				require.Equal(t, c.wantProg, out.Progress)
				require.Equal(t, c.blocked, out.WasBlocked)
				require.Equal(t, c.done, out.CompletedAt != nil && out.CompletedAt.Equal(now))
			}
		})
	}
}

func TestReopenAndApproval(t *testing.T) {
	done := Task{Status: StatusDone, Progress: 100, CompletedAt: &now, Approval: ApprovalApproved}
	out, err := Reopen(done)
	require.NoError(t, err)
	require.Equal(t, StatusInProgress, out.Status)
	require.Nil(t, out.CompletedAt)
	_, err = Reopen(out)
	require.Error(t, err)

	p := Task{Approval: ApprovalProposed}
	a, err := SetApproval(p, ApprovalApproved, now)
	require.NoError(t, err)
	require.Equal(t, ApprovalApproved, a.Approval)
	require.True(t, a.ApprovedAt.Equal(now))
	_, err = SetApproval(p, ApprovalProposed, now)
	require.Error(t, err)
}

package domain

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func at(h, m int) time.Time { return time.Date(2026, 6, 10, h, m, 0, 0, time.UTC) }

func TestCheckAssignment(t *testing.T) {
	task := Task{ID: uuid.New(), StartsAt: at(9, 0), EndsAt: at(12, 0),
		RequiredSkills: []Skill{{Name: "First Aid", MinLevel: 3}, {Name: "av", MinLevel: 1}}}
	good := Person{ID: uuid.New(), Known: true, Role: RoleStaff, IsActive: true, Member: true, MaxHoursPerDay: 8,
		Skills: []UserSkill{{Name: "first aid", Level: 4}, {Name: " AV ", Level: 1}}}
	other := func(h1, h2 int) Booking { return Booking{TaskID: uuid.New(), StartsAt: at(h1, 0), EndsAt: at(h2, 0)} }

	cases := []struct {
		name   string
		mod    func(*Person)
		others []Booking
		loc    *time.Location
		rule   string
	}{
		{name: "all good", rule: ""},
		{name: "unknown", mod: func(p *Person) { p.Known = false }, rule: RuleUnknownUser},
		{name: "deleted", mod: func(p *Person) { p.Deleted = true }, rule: RuleUnknownUser},
		{name: "inactive", mod: func(p *Person) { p.IsActive = false }, rule: RuleInactive},
		{name: "a manager", mod: func(p *Person) { p.Role = RoleManager }, rule: RuleNotStaff},
		{name: "another company", mod: func(p *Person) { p.Member = false }, rule: RuleNotMember},
		{name: "level too low", mod: func(p *Person) { p.Skills[0].Level = 2 }, rule: RuleSkill},
		{name: "skill missing", mod: func(p *Person) { p.Skills = p.Skills[:1] }, rule: RuleSkill},
		{name: "window covers", mod: func(p *Person) { p.Availability = []Window{{at(8, 0), at(12, 0)}} }},
		{name: "back-to-back windows cover", mod: func(p *Person) { p.Availability = []Window{{at(10, 0), at(13, 0)}, {at(8, 0), at(10, 0)}} }},
		{name: "window too short", mod: func(p *Person) { p.Availability = []Window{{at(9, 0), at(11, 59)}} }, rule: RuleUnavailable},
		{name: "gap between windows", mod: func(p *Person) { p.Availability = []Window{{at(8, 0), at(10, 0)}, {at(10, 30), at(13, 0)}} }, rule: RuleUnavailable},
		{name: "overlap", others: []Booking{other(11, 13)}, rule: RuleOverlap},
		{name: "back to back is fine", others: []Booking{other(12, 14), other(6, 9)}},
		{name: "inside", others: []Booking{other(10, 11)}, rule: RuleOverlap},
		{name: "exactly the limit", others: []Booking{other(13, 18)}},                              // 3 + 5 = 8
		{name: "over the limit", others: []Booking{other(13, 18), other(19, 20)}, rule: RuleHours}, // 3 + 5 + 1 = 9
		{name: "no limit known", mod: func(p *Person) { p.MaxHoursPerDay = 0 }, others: []Booking{other(13, 23)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := good
			p.Skills = append([]UserSkill(nil), good.Skills...)
			if c.mod != nil {
				c.mod(&p)
			}
			v := CheckAssignment(task, p, c.others, c.loc)
			if c.rule == "" {
				require.Nil(t, v)
				return
			}
			require.NotNil(t, v)
			require.Equal(t, c.rule, v.Rule, v.Detail)
		})
	}
}

// TestDailyHoursUseEventTimezone: 6 h on each side of UTC midnight is 12 h on one local day in
// New York (UTC-4 in June) but 6 h on each of two days in UTC.
func TestDailyHoursUseEventTimezone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	task := Task{ID: uuid.New(), StartsAt: time.Date(2026, 6, 10, 18, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 6, 11, 0, 0, 0, 0, time.UTC)}
	other := []Booking{{TaskID: uuid.New(), StartsAt: time.Date(2026, 6, 11, 0, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 6, 11, 3, 0, 0, 0, time.UTC)}}
	// In New York both lie on June 10 local (14:00-20:00 and 20:00-23:00): 9 h.
	day, hours, over := OverDailyLimit(task, other, 8, ny)
	require.True(t, over)
	require.Equal(t, "2026-06-10", day)
	require.InDelta(t, 9.0, hours, 1e-9)
	// In UTC they are on different days: 6 h and 3 h.
	_, _, over = OverDailyLimit(task, other, 8, time.UTC)
	require.False(t, over)
}

func TestApplyEdit(t *testing.T) {
	who := uuid.New()
	base := Task{ID: uuid.New(), Title: "Registration", StartsAt: at(9, 0), EndsAt: at(12, 0), Priority: 3,
		Approval: ApprovalProposed, Status: StatusPending, AssigneeID: &who, Source: SourceAI}
	other := uuid.New()
	cases := []struct {
		name     string
		edit     Edit
		check    bool
		edited   bool
		approval string
		assignee *uuid.UUID
		field    string
		rule     string
	}{
		{name: "approve assigned", edit: Edit{Approval: ptr(ApprovalApproved)}, check: true, approval: ApprovalApproved, assignee: &who},
		{name: "reject", edit: Edit{Approval: ptr(ApprovalRejected)}, approval: ApprovalRejected, assignee: &who},
		{name: "reassign", edit: Edit{AssigneeSet: true, Assignee: &other}, check: true, edited: true, approval: ApprovalProposed, assignee: &other},
		{name: "unassign", edit: Edit{AssigneeSet: true}, edited: true, approval: ApprovalProposed},
		{name: "same assignee", edit: Edit{AssigneeSet: true, Assignee: &who}, approval: ApprovalProposed, assignee: &who},
		{name: "move window", edit: Edit{EndsAt: ptr(at(13, 0))}, check: true, edited: true, approval: ApprovalProposed, assignee: &who},
		{name: "retitle", edit: Edit{Title: ptr("Front desk")}, edited: true, approval: ApprovalProposed, assignee: &who},
		{name: "empty title", edit: Edit{Title: ptr("  ")}, field: "title"},
		{name: "window reversed", edit: Edit{StartsAt: ptr(at(12, 0))}, field: "ends_at"},
		{name: "approval proposed", edit: Edit{Approval: ptr(ApprovalProposed)}, field: "approval"},
		{name: "manager sets done", edit: Edit{Status: ptr(StatusDone)}, rule: "illegal_transition"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, check, err := ApplyEdit(base, c.edit, now)
			if c.field != "" {
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				require.Equal(t, c.field, ve.Fields[0].Field)
				return
			}
			if c.rule != "" {
				var re *RuleError
				require.ErrorAs(t, err, &re)
				require.Equal(t, c.rule, re.Rule)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.check, check)
			require.Equal(t, c.edited, out.EditedByManager)
			require.Equal(t, c.approval, out.Approval)
			require.Equal(t, c.assignee, out.AssigneeID)
		})
	}

	// Rejecting the AI's assignee for an organizer's task withdraws the proposal: the task stays.
	manual := base
	manual.Source = SourceManual
	out, check, err := ApplyEdit(manual, Edit{Approval: ptr(ApprovalRejected)}, now)
	require.NoError(t, err)
	require.False(t, check)
	require.Equal(t, ApprovalApproved, out.Approval)
	require.Nil(t, out.AssigneeID)

	done := base
	done.Approval, done.Status, done.Progress, done.CompletedAt = ApprovalApproved, StatusDone, 100, &now
	out, _, err = ApplyEdit(done, Edit{Status: ptr(StatusInProgress)}, now)
	require.NoError(t, err)
	require.Equal(t, StatusInProgress, out.Status)
	require.Nil(t, out.CompletedAt)
	action, from, to := Changes(done, out)
	require.Equal(t, "reopened", action)
	require.Equal(t, map[string]any{"status": StatusDone}, from)
	require.Equal(t, map[string]any{"status": StatusInProgress}, to)
}

func TestNewManualTasks(t *testing.T) {
	ev, co := uuid.New(), uuid.New()
	d := Draft{Title: " Security ", StartsAt: at(8, 0), EndsAt: at(10, 0), Priority: 2,
		RequiredSkills: []Skill{{Name: "Security", MinLevel: 2}, {Name: "security", MinLevel: 4}}}
	tasks, err := NewManualTasks(d, ev, co, 3, nil, now)
	require.NoError(t, err)
	require.Len(t, tasks, 3)
	require.NotNil(t, tasks[0].SlotGroup)
	for _, task := range tasks {
		require.Equal(t, *tasks[0].SlotGroup, *task.SlotGroup)
		require.Equal(t, "Security", task.Title)
		require.Equal(t, ApprovalApproved, task.Approval)
		require.Equal(t, SourceManual, task.Source)
		require.Equal(t, 2, task.Priority)
		require.Equal(t, []Skill{{Name: "Security", MinLevel: 4}}, task.RequiredSkills)
	}
	require.NotEqual(t, tasks[0].ID, tasks[1].ID)

	one, err := NewManualTasks(d, ev, co, 1, nil, now)
	require.NoError(t, err)
	require.Len(t, one, 1)
	require.Nil(t, one[0].SlotGroup)
	_, err = NewManualTasks(d, ev, co, 0, nil, now)
	require.ErrorContains(t, err, "headcount", "0 is out of range, not a default (the transport fills defaults)")
	zero := d
	zero.Priority = 0
	_, err = NewManualTasks(zero, ev, co, 1, nil, now)
	require.ErrorContains(t, err, "priority")

	who := uuid.New()
	_, err = NewManualTasks(d, ev, co, 2, &who, now)
	require.ErrorContains(t, err, "assignee_id")
	bad := Draft{Title: "", StartsAt: at(10, 0), EndsAt: at(9, 0), Priority: 9, RequiredSkills: []Skill{{Name: "x", MinLevel: 0}}}
	_, err = NewManualTasks(bad, ev, co, 1, nil, now)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	fields := map[string]bool{}
	for _, f := range ve.Fields {
		fields[f.Field] = true
	}
	require.Equal(t, map[string]bool{"title": true, "priority": true, "ends_at": true, "required_skills[0].min_level": true}, fields)
}

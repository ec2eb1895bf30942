package domain

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/suggestion/internal/learning"
	"github.com/eventai/eventai/services/suggestion/internal/planner"
	"github.com/eventai/eventai/services/suggestion/internal/solver"
)

func counter() func() uuid.UUID {
	n := 0
	return func() uuid.UUID {
		n++
		return uuid.MustParse(fmt.Sprintf("00000000-0000-0000-0000-%012d", n))
	}
}

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	good := uuid.NewString()
	tests := []struct {
		name   string
		raw    RawRequest
		fields []string
		want   Request
	}{
		{name: "defaults", raw: RawRequest{}, want: Request{Mode: ModePlanAndAssign, TimeLimit: 5 * time.Second}},
		{name: "all set", raw: RawRequest{Mode: ptr("assign"), TimeLimitMS: ptr(int64(20000)), Seed: ptr(uint64(7)), StaffIDs: &[]string{good}},
			want: Request{Mode: ModeAssign, TimeLimit: 20 * time.Second, Seed: 7, StaffIDs: []uuid.UUID{uuid.MustParse(good)}}},
		{name: "bad mode", raw: RawRequest{Mode: ptr("magic")}, fields: []string{"mode"}},
		{name: "limit too high", raw: RawRequest{TimeLimitMS: ptr(int64(60001))}, fields: []string{"time_limit_ms"}},
		{name: "limit zero", raw: RawRequest{TimeLimitMS: ptr(int64(0))}, fields: []string{"time_limit_ms"}},
		// 18446744073720 ms is 2^64 ns + 10448384 ns: converted to a Duration first, it wraps into range.
		{name: "limit that wraps a Duration", raw: RawRequest{TimeLimitMS: ptr(int64(18446744073720))}, fields: []string{"time_limit_ms"}},
		{name: "limit max int64", raw: RawRequest{TimeLimitMS: ptr(int64(math.MaxInt64))}, fields: []string{"time_limit_ms"}},
		{name: "bad and duplicate ids", raw: RawRequest{StaffIDs: &[]string{good, "x", good}}, fields: []string{"staff_ids[1]", "staff_ids[2]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.raw.Validate()
			if tt.fields == nil {
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			var fields []string
			for _, f := range ve.Fields {
				fields = append(fields, f.Field)
			}
			require.Equal(t, tt.fields, fields)
		})
	}
	r, _ := RawRequest{TimeLimitMS: ptr(int64(10001))}.Validate()
	require.True(t, r.Async())
	r, _ = RawRequest{TimeLimitMS: ptr(int64(10000))}.Validate()
	require.False(t, r.Async())
}

func TestBatches(t *testing.T) {
	mk := func(n int) []ProposedTask { return make([]ProposedTask, n) }
	for _, tt := range []struct {
		n, size int
		want    []int
	}{
		{0, 200, []int{0}}, {1, 200, []int{1}}, {200, 200, []int{200}}, {201, 200, []int{200, 1}}, {450, 200, []int{200, 200, 50}},
	} {
		var got []int
		for _, b := range Batches(mk(tt.n), tt.size) {
			got = append(got, len(b))
		}
		require.Equal(t, tt.want, got, "n=%d", tt.n)
	}
}

func TestDerivedStatus(t *testing.T) {
	other := uuid.New()
	ready := Suggestion{Status: StatusReady, NewTaskCount: 4}
	require.Equal(t, StatusReady, ready.DerivedStatus(TaskCounts{}))
	require.Equal(t, StatusReady, ready.DerivedStatus(TaskCounts{Proposed: 1, Approved: 3}))
	require.Equal(t, StatusApproved, ready.DerivedStatus(TaskCounts{Approved: 3, Rejected: 1}))
	require.Equal(t, StatusApproved, ready.DerivedStatus(TaskCounts{Approved: 2, Rejected: 1, Deleted: 1}))
	require.Equal(t, StatusReady, ready.DerivedStatus(TaskCounts{Approved: 3}), "one task not reported yet")
	require.Equal(t, StatusReady, ready.DerivedStatus(TaskCounts{Rejected: 4}))
	sup := Suggestion{Status: StatusReady, SupersededBy: &other, NewTaskCount: 2}
	require.Equal(t, StatusSuperseded, sup.DerivedStatus(TaskCounts{Proposed: 2}))
	require.Equal(t, StatusApproved, sup.DerivedStatus(TaskCounts{Approved: 2}))
	require.Equal(t, StatusRunning, Suggestion{Status: StatusRunning}.DerivedStatus(TaskCounts{Approved: 2}))
}

var day = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func at(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }

func TestComposeSkipsCoveredSeatsAndKeepsEarlierAssignees(t *testing.T) {
	ev := Event{ID: uuid.New(), CompanyID: uuid.New(), Timezone: "Europe/Berlin"}
	alice, bob, gone := uuid.New(), uuid.New(), uuid.New()
	draft := func(group string, seat int) planner.TaskDraft {
		return planner.TaskDraft{Title: "Desk " + group, Area: "registration", SlotGroup: group, Seat: seat, Start: at(8), End: at(12), Priority: 4,
			Headcount: 1, RequiredSkills: []planner.Skill{{Name: "registration", MinLevel: 2}}}
	}
	approvedTask := Task{ID: uuid.New(), SlotGroup: "reg", Approval: ApprovalApproved, AssigneeID: &alice, StartsAt: at(8), EndsAt: at(12), Source: SourceAI}
	earlier := []Task{
		approvedTask,
		{ID: uuid.New(), SlotGroup: "info", Approval: ApprovalProposed, Source: SourceAI, AssigneeID: &bob},
		{ID: uuid.New(), SlotGroup: "info", Approval: ApprovalProposed, Source: SourceAI, AssigneeID: &gone},
	}
	in := Inputs{
		SuggestionID: uuid.New(), Event: ev, Request: Request{Mode: ModePlanAndAssign, TimeLimit: time.Second, Seed: 3},
		Drafts:     []planner.TaskDraft{draft("reg", 1), draft("reg", 2), draft("info", 1), draft("info", 2)},
		EventTasks: earlier,
		Staff: []Staff{{ID: alice, Skills: []Skill{{"Registration", 3}}, MaxHoursPerDay: 7.5},
			{ID: bob, Skills: []Skill{{"registration", 2}}, Availability: []Window{{at(6), at(20)}}}},
		Commitments: []Task{approvedTask},
		Learning:    learning.Estimate(nil, day, learning.DefaultParams()),
		NewID:       counter(),
	}
	c := Compose(in)
	require.Equal(t, 1, c.Skipped, "one reg seat is approved already")
	require.Len(t, c.Tasks, 3)
	require.Equal(t, []string{"reg", "info", "info"}, []string{c.Tasks[0].SlotGroup, c.Tasks[1].SlotGroup, c.Tasks[2].SlotGroup})
	for _, tk := range c.Tasks {
		require.False(t, tk.Existing)
		require.Equal(t, in.SuggestionID, tk.SuggestionID)
		require.Equal(t, ApprovalProposed, tk.Approval)
	}
	p := c.Problem
	require.Equal(t, "Europe/Berlin", p.Location.String())
	require.Equal(t, uint64(3), p.Seed)
	require.Equal(t, "", p.Tasks[0].PreviousAssignee)
	// The earlier info seats were bob's and a person no longer on staff: only bob is kept.
	prevs := []string{p.Tasks[1].PreviousAssignee, p.Tasks[2].PreviousAssignee}
	if bob.String() < gone.String() {
		require.Equal(t, []string{bob.String(), ""}, prevs)
	} else {
		require.Equal(t, []string{"", bob.String()}, prevs)
	}
	require.Len(t, p.Existing, 1)
	require.Equal(t, 450, p.Staff[0].MaxMinutesPerDay)
	require.Equal(t, map[string]int{"registration": 3}, p.Staff[0].Skills)
	require.Equal(t, []solver.Interval{{Start: at(8), End: at(12)}}, p.Staff[0].Committed)
	require.Empty(t, p.Staff[1].Committed)
	require.Equal(t, []solver.Interval{{Start: at(6), End: at(20)}}, p.Staff[1].Availability)
}

func TestComposeAssignModeIDs(t *testing.T) {
	ev := Event{ID: uuid.New(), CompanyID: uuid.New(), Timezone: "UTC"}
	someone := uuid.New()
	manual := Task{ID: uuid.New(), Title: "Manual", Approval: ApprovalApproved, Status: "pending", Source: "manual", StartsAt: at(1), EndsAt: at(2), Priority: 2}
	proposedManual := Task{ID: uuid.New(), Title: "Imported", Approval: ApprovalProposed, Status: "pending", Source: "import", StartsAt: at(1), EndsAt: at(2)}
	earlierAI := Task{ID: uuid.New(), Title: "AI", Approval: ApprovalProposed, Status: "pending", Source: SourceAI, AssigneeID: &someone, StartsAt: at(3), EndsAt: at(4)}
	done := Task{ID: uuid.New(), Approval: ApprovalApproved, Status: StatusDone, StartsAt: at(1), EndsAt: at(2)}
	rejected := Task{ID: uuid.New(), Approval: ApprovalRejected, StartsAt: at(1), EndsAt: at(2)}
	assigned := Task{ID: uuid.New(), Approval: ApprovalApproved, AssigneeID: &someone, StartsAt: at(1), EndsAt: at(2)}
	all := []Task{manual, proposedManual, earlierAI, done, rejected, assigned}

	c := Compose(Inputs{Event: ev, Request: Request{Mode: ModeAssign}, EventTasks: all, Staff: []Staff{{ID: someone}}, NewID: counter()})
	require.Len(t, c.Tasks, 3)
	require.Equal(t, manual.ID, c.Tasks[0].ID)
	require.True(t, c.Tasks[0].Existing)
	require.Equal(t, proposedManual.ID, c.Tasks[1].ID)
	require.NotEqual(t, earlierAI.ID, c.Tasks[2].ID, "an earlier AI proposal is deleted by the task service, so it gets a new id")
	require.False(t, c.Tasks[2].Existing)
	require.Equal(t, someone.String(), c.Problem.Tasks[2].PreviousAssignee)

	c = Compose(Inputs{Event: ev, Request: Request{Mode: ModePlanAndAssign}, EventTasks: all, NewID: counter()})
	require.Len(t, c.Tasks, 2, "plan_and_assign replaces earlier AI proposals with the new plan")
	c = Compose(Inputs{Event: ev, Request: Request{Mode: ModePlan}, EventTasks: all, NewID: counter()})
	require.Empty(t, c.Tasks)
}

func TestBuildTeamsPicksTheMostSkilledLead(t *testing.T) {
	a, b, c := uuid.MustParse("aaaaaaaa-0000-0000-0000-000000000000"), uuid.MustParse("bbbbbbbb-0000-0000-0000-000000000000"), uuid.MustParse("cccccccc-0000-0000-0000-000000000000")
	staff := map[uuid.UUID]Staff{
		a: {ID: a, Skills: []Skill{{"av", 3}, {"video", 3}}},
		b: {ID: b, Skills: []Skill{{"AV", 5}, {"video", 2}, {"registration", 1}}},
		c: {ID: c, Skills: []Skill{{"registration", 4}}},
	}
	task := func(area string, who uuid.UUID, skills ...string) ProposedTask {
		t := ProposedTask{Area: area, AssigneeID: &who}
		for _, s := range skills {
			t.RequiredSkills = append(t.RequiredSkills, Requirement{Name: s, MinLevel: 1})
		}
		return t
	}
	// av: a has mean (3+3)/2 = 3, b has (5+2)/2 = 3.5 → b leads although a does more tasks.
	// registration: a tie at level... c 4 vs b 1 → c. catering has no skills: a and c tie on
	// level 0 and the prior, so the one with more tasks (a, 2) leads.
	tasks := []ProposedTask{
		task("AV", a, "av"), task("av", a, "video"), task("av", b, "av"),
		task("registration", b, "registration"), task("registration", c, "registration"),
		task("catering", a), task("catering", a), task("catering", c),
		{Area: "av"}, // unassigned: no team member
	}
	m := learning.Estimate(nil, day, learning.DefaultParams())
	teams := BuildTeams(tasks, staff, m, counter())
	require.Len(t, teams, 3)
	byArea := map[string]Team{}
	for _, tm := range teams {
		byArea[tm.Area] = tm
	}
	require.Equal(t, b, *byArea["av"].LeadID)
	require.Equal(t, []uuid.UUID{a, b}, byArea["av"].MemberIDs)
	require.Equal(t, 3, byArea["av"].TaskCount)
	require.Equal(t, "Av team", byArea["av"].Name)
	require.Contains(t, byArea["av"].LeadReason, "mean level 3.5 in av, video")
	require.Equal(t, c, *byArea["registration"].LeadID)
	require.Equal(t, a, *byArea["catering"].LeadID)
	require.Equal(t, []uuid.UUID{a, c}, byArea["catering"].MemberIDs)
}

func TestBuildTeamsUsesTrackRecordOnTies(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	staff := map[uuid.UUID]Staff{a: {ID: a, Skills: []Skill{{"security", 3}}}, b: {ID: b, Skills: []Skill{{"security", 3}}}}
	done := time.Date(2026, 5, 30, 0, 0, 0, 0, time.UTC)
	hist := []learning.Record{{StaffID: b.String(), Skills: []string{"security"}, EndsAt: done, Done: true, CompletedAt: &done, Approved: true, UpdatedAt: done}}
	m := learning.Estimate(hist, day, learning.DefaultParams())
	tasks := []ProposedTask{
		{Area: "security", AssigneeID: &a, RequiredSkills: []Requirement{{"security", 2}}},
		{Area: "security", AssigneeID: &a, RequiredSkills: []Requirement{{"security", 2}}},
		{Area: "security", AssigneeID: &b, RequiredSkills: []Requirement{{"security", 2}}},
	}
	teams := BuildTeams(tasks, staff, m, uuid.New)
	require.Len(t, teams, 1)
	require.Equal(t, b, *teams[0].LeadID, "same level: b's good record beats a's prior")
}

func TestComposeFallsBackToThePreviousSuggestionForStability(t *testing.T) {
	ev := Event{ID: uuid.New(), CompanyID: uuid.New(), Timezone: "UTC"}
	ann := uuid.New()
	d := planner.TaskDraft{Title: "Desk", Area: "infodesk", SlotGroup: "info", Seat: 1, Start: at(8), End: at(10), Priority: 3, Headcount: 1}
	in := Inputs{Event: ev, Request: Request{Mode: ModePlanAndAssign}, Drafts: []planner.TaskDraft{d},
		Previous: []ProposedTask{{SlotGroup: "info", AssigneeID: &ann}}, Staff: []Staff{{ID: ann}}, NewID: counter()}
	c := Compose(in)
	require.Equal(t, ann.String(), c.Problem.Tasks[0].PreviousAssignee)
	require.Equal(t, map[string]string{c.Tasks[0].ID.String(): ann.String()}, c.Problem.Existing)

	// Once the task service reports the earlier plan, its (possibly edited) state wins.
	bob := uuid.New()
	in.Staff = append(in.Staff, Staff{ID: bob})
	in.EventTasks = []Task{{ID: uuid.New(), SlotGroup: "info", Source: SourceAI, Approval: ApprovalProposed, AssigneeID: &bob}}
	c = Compose(in)
	require.Equal(t, bob.String(), c.Problem.Tasks[0].PreviousAssignee)
}

// Assemble on a real solve: reasons on every row, track records for assignees, the
// unassigned with why, metrics from Verify, and a team per staffed area.
func TestAssembleExplainsARealSolve(t *testing.T) {
	ev := Event{ID: uuid.New(), CompanyID: uuid.New(), Timezone: "Europe/Berlin"}
	ann, ben := uuid.New(), uuid.New()
	drafts := []planner.TaskDraft{
		{Title: "Sound", Area: "av", SlotGroup: "av", Seat: 1, Start: at(8), End: at(12), Priority: 5, RequiredSkills: []planner.Skill{{Name: "av", MinLevel: 3}}},
		{Title: "Sound", Area: "av", SlotGroup: "av", Seat: 2, Start: at(8), End: at(12), Priority: 5, RequiredSkills: []planner.Skill{{Name: "av", MinLevel: 3}}},
		{Title: "Sound", Area: "av", SlotGroup: "av", Seat: 3, Start: at(8), End: at(12), Priority: 5, RequiredSkills: []planner.Skill{{Name: "av", MinLevel: 3}}},
		{Title: "Doctor", Area: "first-aid", SlotGroup: "fa", Seat: 1, Start: at(8), End: at(12), Priority: 5, RequiredSkills: []planner.Skill{{Name: "medicine", MinLevel: 5}}},
	}
	in := Inputs{SuggestionID: uuid.New(), Event: ev, Request: Request{Mode: ModePlanAndAssign, TimeLimit: 200 * time.Millisecond, Seed: 1},
		Drafts: drafts, Staff: []Staff{{ID: ann, Skills: []Skill{{"AV", 4}}}, {ID: ben, Skills: []Skill{{"av", 3}}}},
		Learning: learning.Estimate(nil, day, learning.DefaultParams()), NewID: counter()}
	c := Compose(in)
	plan, err := solver.Solve(context.Background(), c.Problem)
	require.NoError(t, err)
	b := Assemble(c, plan, in)
	require.Equal(t, 4, b.Metrics.Tasks)
	require.Equal(t, 2, b.Metrics.Assigned, "two people, three overlapping sound seats")
	require.Zero(t, b.Metrics.HardViolations)
	require.Len(t, b.Unassigned, 2)
	for _, tk := range b.Tasks {
		require.NotEmpty(t, tk.Reasons)
		if tk.AssigneeID != nil {
			require.Contains(t, tk.Reasons, "no history in av yet: newcomer prior 0.50")
		}
	}
	require.Len(t, b.Teams, 1)
	require.Equal(t, ann, *b.Teams[0].LeadID, "level 4 beats level 3")
	require.ElementsMatch(t, []uuid.UUID{ann, ben}, b.Teams[0].MemberIDs)
}

// Everything already approved: the next plan_and_assign proposes nothing and still answers.
func TestAssembleWithNothingToStaff(t *testing.T) {
	in := Inputs{Event: Event{ID: uuid.New(), Timezone: "UTC"}, Request: Request{Mode: ModePlanAndAssign, TimeLimit: 50 * time.Millisecond},
		Staff: []Staff{{ID: uuid.New()}}, NewID: counter()}
	c := Compose(in)
	plan, err := solver.Solve(context.Background(), c.Problem)
	require.NoError(t, err)
	b := Assemble(c, plan, in)
	require.NotNil(t, b.Tasks)
	require.Empty(t, b.Tasks)
	require.Empty(t, b.Teams)
	require.Zero(t, b.Metrics.Tasks)
	require.Zero(t, b.Metrics.HardViolations)
}

func TestAccountAdmits(t *testing.T) {
	mgr := Actor{UserID: uuid.New(), Role: RoleManager}
	tests := []struct {
		name string
		acc  Account
		want error
	}{
		{"unknown: the token decides", Account{}, nil},
		{"active, same role", Account{Known: true, IsActive: true, Role: "manager"}, nil},
		{"deactivated", Account{Known: true, Role: "manager"}, ErrSignedOut},
		{"deleted (tombstone)", Account{Known: true, Deleted: true}, ErrSignedOut},
		{"deleted beats an active flag", Account{Known: true, Deleted: true, IsActive: true, Role: "manager"}, ErrSignedOut},
		{"demoted", Account{Known: true, IsActive: true, Role: "staff"}, ErrRoleChanged},
		{"promoted", Account{Known: true, IsActive: true, Role: "admin"}, ErrRoleChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.acc.Admits(mgr)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
		})
	}
}

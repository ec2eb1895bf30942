package domain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func validEvent() Event {
	start := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	return Event{Title: "Summit", Timezone: "Europe/Berlin", StartsAt: start, EndsAt: start.Add(8 * time.Hour)}
}

func fields(t *testing.T, err error) []string {
	t.Helper()
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "want a validation error, got %v", err)
	out := make([]string, 0, len(ve.Fields))
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestEventValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Event)
		want   []string // invalid fields; nil = valid
	}{
		{"valid", func(*Event) {}, nil},
		{"missing title", func(e *Event) { e.Title = "" }, []string{"title"}},
		{"long title", func(e *Event) { e.Title = strings.Repeat("x", MaxTitleLen+1) }, []string{"title"}},
		{"unknown zone", func(e *Event) { e.Timezone = "Mars/Olympus" }, []string{"timezone"}},
		{"Local zone", func(e *Event) { e.Timezone = "Local" }, []string{"timezone"}},
		{"empty zone", func(e *Event) { e.Timezone = "" }, []string{"timezone"}},
		{"end before start", func(e *Event) { e.EndsAt = e.StartsAt.Add(-time.Minute) }, []string{"ends_at"}},
		{"end equals start", func(e *Event) { e.EndsAt = e.StartsAt }, []string{"ends_at"}},
		{"negative attendees", func(e *Event) { e.ExpectedAttendees = -1 }, []string{"expected_attendees"}},
		{"nil manager", func(e *Event) { e.ManagerIDs = []uuid.UUID{uuid.New(), uuid.Nil} }, []string{"manager_ids[1]"}},
		{"several at once", func(e *Event) { e.Title = ""; e.ExpectedAttendees = -5 }, []string{"title", "expected_attendees"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEvent()
			tt.mutate(&e)
			err := e.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tt.want, fields(t, err))
		})
	}
}

func TestEventPatchApplyKeepsUnsetFieldsAndDedupesManagers(t *testing.T) {
	e := validEvent()
	e.Location = "Hall A"
	m := uuid.New()
	title := "  New title "
	EventPatch{Title: &title, ManagerIDs: &[]uuid.UUID{m, m}}.Apply(&e)
	require.Equal(t, "New title", e.Title)
	require.Equal(t, "Hall A", e.Location)
	require.Equal(t, []uuid.UUID{m}, e.ManagerIDs)
}

func TestRequireCreateFields(t *testing.T) {
	require.Equal(t, []string{"title", "timezone", "starts_at", "ends_at"}, fields(t, EventPatch{}.RequireCreateFields()))
}

func TestCheckManagers(t *testing.T) {
	mgr, staff, gone, unknown := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	known := map[uuid.UUID]UserInfo{
		mgr:   {Role: RoleManager, IsActive: true},
		staff: {Role: RoleStaff, IsActive: true},
		gone:  {Role: RoleManager, IsActive: false},
	}
	members := map[uuid.UUID]bool{mgr: true, staff: true, gone: true}
	require.NoError(t, CheckManagers([]uuid.UUID{mgr}, known, members))
	require.Equal(t, []string{"manager_ids[1]", "manager_ids[2]", "manager_ids[3]"},
		fields(t, CheckManagers([]uuid.UUID{mgr, staff, gone, unknown}, known, members)))
	require.Equal(t, []string{"manager_ids[0]"}, fields(t, CheckManagers([]uuid.UUID{mgr}, known, nil)),
		"another company's manager")
}

func TestDistributionStatus(t *testing.T) {
	for _, tt := range []struct {
		c    TaskCounts
		want string
	}{
		{TaskCounts{}, DistributionNone},
		{TaskCounts{Proposed: 3}, DistributionProposed},
		{TaskCounts{Proposed: 1, Approved: 2}, DistributionPartiallyApproved},
		{TaskCounts{Approved: 2, Done: 1}, DistributionApproved},
	} {
		require.Equal(t, tt.want, tt.c.DistributionStatus(), "%+v", tt.c)
	}
}

func TestPlanImport(t *testing.T) {
	at := time.Date(2024, 12, 27, 10, 0, 0, 0, time.UTC)
	s := func(ext, title string) Session {
		return Session{ExternalID: ext, Room: "Saal 1", Title: title, Speakers: []string{"a"}, StartsAt: at, EndsAt: at.Add(time.Hour), Day: "2024-12-27", DayIndex: 1}
	}
	keep, change, drop := s("1", "same"), s("2", "old"), s("3", "gone")
	keep.ID, change.ID, drop.ID = uuid.New(), uuid.New(), uuid.New()
	fresh := uuid.New()
	plan := PlanImport([]Session{keep, change, drop}, []Session{s("1", "same"), s("2", "new"), s("4", "added")}, func() uuid.UUID { return fresh })

	require.Equal(t, 1, plan.Unchanged)
	require.Len(t, plan.Update, 1)
	require.Equal(t, change.ID, plan.Update[0].ID, "an update keeps the stored id")
	require.Equal(t, "new", plan.Update[0].Title)
	require.Len(t, plan.Create, 1)
	require.Equal(t, fresh, plan.Create[0].ID)
	require.Equal(t, []uuid.UUID{drop.ID}, plan.Delete)
	require.Equal(t, []uuid.UUID{keep.ID, change.ID, fresh}, []uuid.UUID{plan.Result[0].ID, plan.Result[1].ID, plan.Result[2].ID})

	again := PlanImport(plan.Result, []Session{s("1", "same"), s("2", "new"), s("4", "added")}, uuid.New)
	require.Equal(t, 3, again.Unchanged, "re-importing the same document changes nothing")
	require.Empty(t, again.Create)
	require.Empty(t, again.Update)
	require.Empty(t, again.Delete)
}

func TestTeamValidateAndPeople(t *testing.T) {
	lead, m := uuid.New(), uuid.New()
	team := Team{Name: "Video", Approval: ApprovalProposed, LeadID: &lead, MemberIDs: []uuid.UUID{m, lead}}
	require.NoError(t, team.Validate())
	require.Equal(t, []uuid.UUID{lead, m}, team.People())

	bad := Team{Approval: "maybe"}
	blank := "  "
	TeamPatch{Name: &blank}.Apply(&bad)
	require.Equal(t, []string{"name", "approval"}, fields(t, bad.Validate()))

	outside := Team{Name: "Video", Approval: ApprovalApproved, LeadID: &lead, MemberIDs: []uuid.UUID{m}}
	require.Equal(t, []string{"lead_id"}, fields(t, outside.Validate()), "the lead must be one of the members")

	known := map[uuid.UUID]UserInfo{lead: {Role: RoleStaff, IsActive: true}, m: {Role: RoleStaff, IsActive: true}}
	require.NoError(t, CheckPeople(team, known, map[uuid.UUID]bool{lead: true, m: true}))
	require.Equal(t, []string{"member_ids[0]"}, fields(t, CheckPeople(team, known, map[uuid.UUID]bool{lead: true})))
}

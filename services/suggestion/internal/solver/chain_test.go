package solver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// meetup is the 14-task meetup of the system test (deploy/systemtest
// TestAISuggestApproveAndStaff), on which the search used to stop at 13 staffed tasks.
func meetup() Problem {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		loc = time.FixedZone("CEST", 2*3600) // same offset on that date
	}
	u := func(h, m int) time.Time { return time.Date(2033, 5, 20, h, m, 0, 0, time.UTC) }
	at := func(h, m int) time.Time { return time.Date(2033, 5, 20, h, m, 0, 0, loc) }
	var tasks []Task
	add := func(name string, n int, s, e time.Time, prio int, skill string, lv int) {
		for i := range n {
			tk := Task{ID: fmt.Sprintf("%s#%d", name, i+1), Start: s, End: e, Priority: prio, SlotGroup: name, Area: name}
			if skill != "" {
				tk.Skills = []SkillReq{{Name: skill, MinLevel: lv}}
			}
			tasks = append(tasks, tk)
		}
	}
	add("setup", 3, u(14, 0), u(16, 0), 4, "", 0)
	add("registration", 2, u(16, 0), u(20, 0), 4, "registration", 1)
	add("catering", 3, u(16, 0), u(20, 0), 3, "catering", 1)
	add("av", 1, u(16, 0), u(20, 0), 4, "av", 2)
	add("host", 1, u(16, 0), u(20, 0), 3, "heralding", 1)
	add("cleanup", 2, u(20, 0), u(21, 30), 2, "", 0)
	add("teardown", 2, u(20, 0), u(21, 0), 3, "", 0)
	allDay := []Interval{{Start: at(8, 0), End: at(23, 59)}}
	evening := []Interval{{Start: at(17, 0), End: at(23, 30)}}
	return Problem{Tasks: tasks, Location: loc, Staff: []Staff{
		{ID: "s0", Skills: map[string]int{"registration": 3, "infodesk": 2}, Availability: allDay, MaxMinutesPerDay: 480},
		{ID: "s1", Skills: map[string]int{"registration": 1, "catering": 2}, Availability: evening, MaxMinutesPerDay: 300},
		{ID: "s2", Skills: map[string]int{"catering": 2}, Availability: allDay, MaxMinutesPerDay: 360},
		{ID: "s3", Skills: map[string]int{"catering": 1, "security": 2}, Availability: evening, MaxMinutesPerDay: 360},
		{ID: "s4", Skills: map[string]int{"av": 3, "video": 2}, Availability: allDay, MaxMinutesPerDay: 480},
		{ID: "s5", Skills: map[string]int{"av": 2, "heralding": 2}, Availability: evening, MaxMinutesPerDay: 300},
		{ID: "s6", Skills: map[string]int{"heralding": 1, "registration": 2}, Availability: allDay, MaxMinutesPerDay: 240},
		{ID: "s7", Skills: map[string]int{"security": 3, "first-aid": 2}, Availability: allDay, MaxMinutesPerDay: 480},
		{ID: "s8", Skills: map[string]int{}, Availability: allDay, MaxMinutesPerDay: 480},
		{ID: "s9", Skills: map[string]int{"registration": 2}, Availability: []Interval{{Start: at(8, 0), End: at(12, 0)}}, MaxMinutesPerDay: 480},
	}}
}

// TestMeetupIsFullyStaffed is the regression of the system test: the seven 16:00–20:00 UTC tasks
// need seven different people out of s0–s6, which forces one matching (catering needs all of
// s1, s2, s3; so registration is s0 and s6; so the host is s5 and AV is s4). Greedy insertion
// and single moves cannot reach it from a plan where s6 hosts; an ejection chain can.
func TestMeetupIsFullyStaffed(t *testing.T) {
	check := func(p Problem, plan Plan, label string) {
		t.Helper()
		require.Empty(t, Verify(p, plan), label)
		require.Equal(t, 14, plan.Metrics.Assigned, label)
		got := assignees(plan)
		require.Equal(t, "s4", got["av#1"], label)
		require.Equal(t, "s5", got["host#1"], label)
		require.ElementsMatch(t, []string{"s0", "s6"}, []string{got["registration#1"], got["registration#2"]}, label)
		require.ElementsMatch(t, []string{"s1", "s2", "s3"}, []string{got["catering#1"], got["catering#2"], got["catering#3"]}, label)
		require.LessOrEqual(t, plan.Metrics.LowerBound, plan.Metrics.Objective+1e-6, label)
	}
	p := meetup()
	p.Seed = 1
	first := solve(t, p)
	check(p, first, "seed 1")

	// A re-suggest passes the first plan as previous assignees: keeping it is feasible and
	// costs exactly its old objective, so the new plan must staff everything and be no worse.
	re := meetup()
	for i, a := range first.Assignments {
		re.Tasks[i].PreviousAssignee = a.StaffID
	}
	for _, seed := range []uint64{42, 7, 9, 1, 2, 3} {
		re.Seed = seed
		plan := solve(t, re)
		check(re, plan, fmt.Sprintf("re-plan seed %d", seed))
		require.LessOrEqual(t, plan.Metrics.Objective, first.Metrics.Objective+1e-6, "re-plan seed %d", seed)
	}
}

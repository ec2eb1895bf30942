package solver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/suggestion/internal/gap"
)

var day = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

func at(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

func solve(t testing.TB, p Problem) Plan {
	t.Helper()
	if p.MaxIterations == 0 {
		p.MaxIterations = 3000
	}
	if p.TimeLimit == 0 {
		p.TimeLimit = 10 * time.Second
	}
	plan, err := Solve(context.Background(), p)
	require.NoError(t, err)
	require.Len(t, plan.Assignments, len(p.Tasks))
	return plan
}

func assignees(plan Plan) map[string]string {
	out := map[string]string{}
	for _, a := range plan.Assignments {
		out[a.TaskID] = a.StaffID
	}
	return out
}

// randomProblem draws a small, crowded instance where conflicts are likely.
func randomProblem(seed uint64) Problem {
	rng := rand.New(rand.NewPCG(seed, 7))
	skills := []string{"AV", "security", "Registration"}
	p := Problem{Seed: seed, Location: time.FixedZone("X", -5*3600)}
	for i := range 4 + rng.IntN(8) {
		s := Staff{ID: fmt.Sprintf("s%d", i), Skills: map[string]int{}, MaxMinutesPerDay: 60 * (2 + rng.IntN(6))}
		for _, k := range skills {
			if rng.IntN(2) == 0 {
				s.Skills[strings.ToLower(k)] = 1 + rng.IntN(5)
			}
		}
		if rng.IntN(3) == 0 {
			from := at(6+rng.IntN(6), 0)
			s.Availability = []Interval{{Start: from, End: from.Add(time.Duration(4+rng.IntN(14)) * time.Hour)}}
		}
		if rng.IntN(4) == 0 {
			from := at(8+rng.IntN(10), 0)
			s.Committed = []Interval{{Start: from, End: from.Add(time.Hour)}}
		}
		p.Staff = append(p.Staff, s)
	}
	for i := range 10 + rng.IntN(40) {
		start := at(4+rng.IntN(22), 15*rng.IntN(4))
		p.Tasks = append(p.Tasks, Task{
			ID: fmt.Sprintf("t%d", i), Start: start, End: start.Add(time.Duration(30+30*rng.IntN(8)) * time.Minute),
			Priority: 1 + rng.IntN(5),
			Skills:   []SkillReq{{Name: skills[rng.IntN(len(skills))], MinLevel: 1 + rng.IntN(4)}},
		})
	}
	return p
}

func TestHardConstraintsHoldOnRandomInstances(t *testing.T) {
	for seed := range uint64(60) {
		p := randomProblem(seed)
		plan := solve(t, p)
		require.Empty(t, Verify(p, plan), "seed %d", seed)
		require.Zero(t, plan.Metrics.HardViolations, "seed %d", seed)
		assigned := 0
		for _, a := range plan.Assignments {
			require.NotEmpty(t, a.Reasons, "seed %d task %s has no reasons", seed, a.TaskID)
			if a.StaffID != "" {
				assigned++
			}
		}
		require.Equal(t, assigned, plan.Metrics.Assigned)
		require.LessOrEqual(t, plan.Metrics.LowerBound, plan.Metrics.Objective+1e-6, "seed %d", seed)
	}
}

func TestVerifyCatchesBrokenPlans(t *testing.T) {
	p := Problem{
		Staff: []Staff{{ID: "ann", Skills: map[string]int{"av": 2}, MaxMinutesPerDay: 90,
			Availability: []Interval{{Start: at(8, 0), End: at(12, 0)}}}},
		Tasks: []Task{
			{ID: "a", Start: at(9, 0), End: at(10, 0), Skills: []SkillReq{{Name: "AV", MinLevel: 3}}},
			{ID: "b", Start: at(9, 30), End: at(10, 30)},
			{ID: "c", Start: at(11, 0), End: at(13, 0)},
		},
	}
	plan := Plan{Assignments: []Assignment{{TaskID: "a", StaffID: "ann"}, {TaskID: "b", StaffID: "ann"},
		{TaskID: "c", StaffID: "ann"}, {TaskID: "c", StaffID: "bob"}, {TaskID: "zz", StaffID: "ann"}}}
	kinds := map[string]int{}
	for _, v := range Verify(p, plan) {
		kinds[v.Kind]++
	}
	require.Equal(t, map[string]int{"skill": 1, "overlap": 1, "availability": 1, "hours": 1, "duplicate_task": 1, "unknown_task": 1}, kinds)
}

func TestFairnessTwelveShiftsSevenStaff(t *testing.T) {
	p := Problem{Seed: 3}
	for i := range 7 {
		p.Staff = append(p.Staff, Staff{ID: fmt.Sprintf("s%d", i), Skills: map[string]int{"infodesk": 2}})
	}
	for i := range 12 {
		// Two-hour shifts an hour apart: non-overlapping, with rest between them.
		start := at(0, 0).Add(time.Duration(3*i) * time.Hour)
		p.Tasks = append(p.Tasks, Task{ID: fmt.Sprintf("shift%d", i), Start: start, End: start.Add(2 * time.Hour),
			Skills: []SkillReq{{Name: "infodesk", MinLevel: 1}}})
	}
	plan := solve(t, p)
	count := map[string]int{}
	for _, a := range plan.Assignments {
		require.NotEmpty(t, a.StaffID, "shift %s left open", a.TaskID)
		count[a.StaffID]++
	}
	require.Len(t, count, 7, "everyone works")
	for id, n := range count {
		require.True(t, n == 1 || n == 2, "%s has %d shifts", id, n)
	}
	require.Equal(t, 2.0, plan.Metrics.LoadMinHours)
	require.Equal(t, 4.0, plan.Metrics.LoadMaxHours)
}

func TestDeterministicForSeed(t *testing.T) {
	p := GenerateEvent(300, 30, time.UTC, 11)
	p.MaxIterations = 20000
	p.TimeLimit = time.Minute
	a := solve(t, p)
	b := solve(t, p)
	require.Equal(t, assignees(a), assignees(b))
	require.Equal(t, a.Metrics.Objective, b.Metrics.Objective)
}

func TestUnassignedReasonNamesMissingSkill(t *testing.T) {
	p := Problem{
		Staff: []Staff{{ID: "ann", Skills: map[string]int{"Rigging": 2}}, {ID: "bob", Skills: map[string]int{"av": 5}}},
		Tasks: []Task{
			{ID: "hang", Start: at(9, 0), End: at(10, 0), Skills: []SkillReq{{Name: "rigging", MinLevel: 4}}},
			{ID: "mix", Start: at(9, 0), End: at(10, 0), Skills: []SkillReq{{Name: "AV", MinLevel: 3}}},
		},
	}
	plan := solve(t, p)
	got := assignees(plan)
	require.Equal(t, "", got["hang"])
	require.Equal(t, "bob", got["mix"])
	hang := plan.Assignments[0]
	require.Contains(t, strings.Join(hang.Reasons, "; "), "nobody has skill rigging at level 4 (1 have it at a lower level)")
	require.Equal(t, []MissingSkill{{Name: "rigging", MinLevel: 4, LowerLevel: 1}}, hang.Detail.Unassigned.MissingSkills)
	mix := plan.Assignments[1]
	require.Equal(t, []SkillMatch{{Name: "av", Level: 5, Required: 3}}, mix.Detail.Skills)
	require.Contains(t, mix.Reasons, "skill av level 5 (required 3)")
	require.Contains(t, mix.Reasons, "nobody else qualified was free")
}

func TestRunnerUpExplainsWhyItLost(t *testing.T) {
	p := Problem{
		Staff: []Staff{
			{ID: "strong", Skills: map[string]int{"av": 3}, Performance: map[string]float64{"av": 0.9}},
			{ID: "weak", Skills: map[string]int{"av": 3}, Performance: map[string]float64{"av": 0.3}},
		},
		Tasks: []Task{{ID: "mix", Start: at(9, 0), End: at(10, 0), Skills: []SkillReq{{Name: "av", MinLevel: 3}}}},
	}
	plan := solve(t, p)
	a := plan.Assignments[0]
	require.Equal(t, "strong", a.StaffID)
	require.NotNil(t, a.Detail.RunnerUp)
	require.Equal(t, "weak", a.Detail.RunnerUp.StaffID)
	// Default performance weight 20 × (0.9 − 0.3).
	require.InDelta(t, 12.0, a.Detail.RunnerUp.ExtraCost, 1e-6)
	require.Contains(t, a.Detail.RunnerUp.Why, "lower performance")
}

func TestBusyAndOverHoursReasons(t *testing.T) {
	p := Problem{
		Staff: []Staff{{ID: "ann", Skills: map[string]int{"av": 3}}},
		Tasks: []Task{
			{ID: "first", Start: at(9, 0), End: at(10, 0), Priority: 5, Skills: []SkillReq{{Name: "av", MinLevel: 1}}},
			{ID: "clash", Start: at(9, 30), End: at(10, 30), Priority: 1, Skills: []SkillReq{{Name: "av", MinLevel: 1}}},
		},
	}
	plan := solve(t, p)
	require.Equal(t, map[string]string{"first": "ann", "clash": ""}, assignees(plan))
	require.Equal(t, 1, plan.Assignments[1].Detail.Unassigned.Busy)
	require.Contains(t, plan.Assignments[1].Reasons[0], "1 busy with overlapping work")
}

func TestBackToBackAllowedOverlapRefused(t *testing.T) {
	p := Problem{
		Staff: []Staff{{ID: "ann", Skills: map[string]int{"av": 3}}},
		Tasks: []Task{
			{ID: "a", Start: at(9, 0), End: at(10, 0), Priority: 3},
			{ID: "b", Start: at(10, 0), End: at(11, 0), Priority: 3},
			{ID: "c", Start: at(10, 59), End: at(12, 0), Priority: 1},
		},
	}
	plan := solve(t, p)
	require.Equal(t, map[string]string{"a": "ann", "b": "ann", "c": ""}, assignees(plan))
	require.Empty(t, Verify(p, plan))
}

func TestDailyHoursCountInEventTimezoneAcrossMidnight(t *testing.T) {
	// UTC+5: the night task 22:00–02:00 local is 17:00–21:00 UTC, one UTC day but two local days.
	loc := time.FixedZone("UTC+5", 5*3600)
	local := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, loc) }
	splits := splitDays(local(3, 22), local(4, 2), loc, 4*3600)
	require.Equal(t, []daySplit{{day: civilDay(2026, 12, 3), sec: 7200}, {day: civilDay(2026, 12, 4), sec: 7200}}, splits)

	p := Problem{
		Location: loc,
		Staff:    []Staff{{ID: "ann", MaxMinutesPerDay: 180}},
		Tasks: []Task{
			{ID: "night", Start: local(3, 22), End: local(4, 2), Priority: 5},    // 120 min on Dec 3, 120 on Dec 4
			{ID: "evening", Start: local(3, 19), End: local(3, 21), Priority: 1}, // 120 more on Dec 3: 240 > 180
			{ID: "early", Start: local(4, 3), End: local(4, 4), Priority: 1},     // 60 more on Dec 4: 180, fits
		},
	}
	plan := solve(t, p)
	require.Equal(t, map[string]string{"night": "ann", "evening": "", "early": "ann"}, assignees(plan))
	require.Equal(t, 1, plan.Assignments[1].Detail.Unassigned.OverHours)

	// In UTC the evening task and the night task fall on one day and the early one on the
	// next; Verify in the event's zone flags the evening plan on the local date.
	bad := Plan{Assignments: []Assignment{{TaskID: "night", StaffID: "ann"}, {TaskID: "evening", StaffID: "ann"}}}
	vs := Verify(p, bad)
	require.Len(t, vs, 1)
	require.Equal(t, "hours", vs[0].Kind)
	require.True(t, strings.HasPrefix(vs[0].Detail, "2026-12-03: 240 min"), vs[0].Detail)
}

func TestStabilityKeepsPreviousAssignee(t *testing.T) {
	p := Problem{
		Staff: []Staff{{ID: "ann", Skills: map[string]int{"av": 3}}, {ID: "bob", Skills: map[string]int{"av": 3}}},
		Tasks: []Task{{ID: "mix", Start: at(9, 0), End: at(10, 0), PreviousAssignee: "bob",
			Skills: []SkillReq{{Name: "av", MinLevel: 2}}}},
	}
	plan := solve(t, p)
	require.Equal(t, "bob", plan.Assignments[0].StaffID)
	require.Contains(t, plan.Assignments[0].Reasons, "kept the previous assignee")
}

func TestInvalidInputIsAValidationError(t *testing.T) {
	p := Problem{
		Staff: []Staff{{ID: "ann"}, {ID: "ann", Performance: map[string]float64{"av": 2}}},
		Tasks: []Task{{ID: "x", Start: at(10, 0), End: at(9, 0), Priority: 9, Skills: []SkillReq{{Name: "", MinLevel: 0}}}},
	}
	_, err := Solve(context.Background(), p)
	var ve *ValidationError
	require.True(t, errors.As(err, &ve))
	fields := map[string]bool{}
	for _, f := range ve.Fields {
		fields[f.Field] = true
	}
	for _, want := range []string{"tasks[0].ends_at", "tasks[0].priority", "tasks[0].required_skills[0].name",
		"tasks[0].required_skills[0].min_level", "staff[1].id", "staff[1].performance.av"} {
		require.True(t, fields[want], "missing %s in %v", want, ve.Fields)
	}
}

func TestCancelledContextStillReturnsFeasiblePlan(t *testing.T) {
	p := GenerateEvent(200, 20, time.UTC, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	plan, err := Solve(ctx, p)
	require.NoError(t, err)
	require.Empty(t, Verify(p, plan))
	require.Positive(t, plan.Metrics.Assigned)
}

func TestLocalSearchDoesNotWorsenConstruction(t *testing.T) {
	p := GenerateEvent(400, 40, time.UTC, 9)
	p.MaxIterations = 1
	first := solve(t, p)
	p.MaxIterations = 30000
	better := solve(t, p)
	require.LessOrEqual(t, better.Metrics.Objective, first.Metrics.Objective)
	require.Empty(t, Verify(p, better))
}

func TestGAPReachesOptimumOnGap1Problem1(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "testdata", "gap", "gap1.txt"))
	require.NoError(t, err)
	defer f.Close()
	insts, err := gap.Parse(f, "gap1.txt")
	require.NoError(t, err)
	res, err := SolveGAP(context.Background(), insts[0], GAPOptions{TimeLimit: 5 * time.Second, Seed: 1, MaxIterations: 20000})
	require.NoError(t, err)
	cost, feasible := GAPCost(insts[0], res.Assign)
	require.True(t, feasible)
	require.Equal(t, 261, cost)
	require.LessOrEqual(t, res.LowerBound, 261)
}

func TestIncrementalObjectiveMatchesRecomputation(t *testing.T) {
	for seed := range uint64(5) {
		p := GenerateEvent(300, 25, time.FixedZone("X", 3600), seed)
		require.NoError(t, validate(&p))
		tasks, staff, _ := prepare(&p)
		e := newEngine(p.Weights, tasks, staff, seed)
		e.construct(nil, time.Now().Add(time.Minute))
		require.InDelta(t, e.recompute(), e.obj, 1e-6)
		e.improve(context.Background(), time.Now().Add(time.Minute), 20000)
		require.InDelta(t, e.recompute(), e.obj, 1e-6, "seed %d", seed)
	}
}

func TestEmptyInputs(t *testing.T) {
	plan := solve(t, Problem{})
	require.Empty(t, plan.Assignments)
	require.Zero(t, plan.Metrics.Objective)

	p := Problem{Tasks: []Task{{ID: "a", Start: at(9, 0), End: at(10, 0), Priority: 2}}}
	plan = solve(t, p)
	require.Equal(t, "", plan.Assignments[0].StaffID)
	require.Equal(t, []string{"no staff were given to choose from"}, plan.Assignments[0].Reasons)
	// Priority 2 at the default weights: 1000 × 2¹.
	require.Equal(t, 2000.0, plan.Metrics.Objective)
	require.Equal(t, 2000.0, plan.Metrics.LowerBound)
	require.Zero(t, plan.Metrics.Gap)
}

package solver

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A plan that reaches the lower bound is optimal: the search stops at once instead of running
// to its time limit (a one-task assign used to try 136 million moves in 5 s at gap 0). The
// proof is the move count, not the clock.
func TestSearchStopsAtTheLowerBound(t *testing.T) {
	one := Problem{Seed: 1, TimeLimit: 5 * time.Second,
		Staff: []Staff{{ID: "ann", Skills: map[string]int{"av": 3}, MaxMinutesPerDay: 600}},
		Tasks: []Task{{ID: "a", Start: at(9, 0), End: at(13, 0), Priority: 2, Skills: []SkillReq{{Name: "AV", MinLevel: 2}}}}}
	// Three people, three shifts far apart, each needing the skill only one of them has: the
	// only full plan is also the bound's choice per task.
	three := Problem{Seed: 2, TimeLimit: 5 * time.Second}
	for i, skill := range []string{"av", "catering", "security"} {
		three.Staff = append(three.Staff, Staff{ID: fmt.Sprintf("s%d", i), Skills: map[string]int{skill: 2}})
		start := at(8+4*i, 0)
		three.Tasks = append(three.Tasks, Task{ID: fmt.Sprintf("t%d", i), Start: start, End: start.Add(2 * time.Hour),
			Skills: []SkillReq{{Name: skill, MinLevel: 2}}})
	}
	for name, p := range map[string]Problem{"one task": one, "three disjoint tasks": three} {
		t.Run(name, func(t *testing.T) {
			plan, err := Solve(context.Background(), p)
			require.NoError(t, err)
			m := plan.Metrics
			require.Equal(t, len(p.Tasks), m.Assigned)
			require.Zero(t, m.Gap)
			require.Equal(t, m.LowerBound, m.Objective)
			// The gap is checked before the first move and every 64 moves after.
			require.Zero(t, m.Iterations, "the search went on after reaching the bound")
		})
	}
}

// A plan above the bound keeps searching (within its move budget): the stop is not taken early.
func TestSearchGoesOnAboveTheBound(t *testing.T) {
	// Two tasks at the same time, one person: one task stays open, which the per-task bound
	// does not see, so the gap stays positive.
	p := Problem{Seed: 1, TimeLimit: 5 * time.Second, MaxIterations: 500,
		Staff: []Staff{{ID: "ann", Skills: map[string]int{"av": 3}}},
		Tasks: []Task{{ID: "a", Start: at(9, 0), End: at(10, 0), Skills: []SkillReq{{Name: "av", MinLevel: 1}}},
			{ID: "b", Start: at(9, 0), End: at(10, 0), Skills: []SkillReq{{Name: "av", MinLevel: 1}}}}}
	plan, err := Solve(context.Background(), p)
	require.NoError(t, err)
	require.Positive(t, plan.Metrics.Gap)
	require.Equal(t, 500, plan.Metrics.Iterations)
}

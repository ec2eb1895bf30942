package solver

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// plantedProblem draws a crowded instance around a planted full assignment: each person's
// schedule is built first (tasks from a few shared shift windows, so many tasks compete for the
// same hours), and only then their skills, availability, hour caps and commitments are derived
// so that the schedule is exactly feasible, often with no slack at all. Decoy skills make
// others eligible too, so the search has to find the matching rather than read it off.
func plantedProblem(seed uint64) (Problem, map[string]string) {
	rng := rand.New(rand.NewPCG(seed, 99))
	skills := []string{"av", "security", "registration", "catering", "heralding"}
	loc := time.FixedZone("Z", (rng.IntN(25)-12)*3600)
	day0 := time.Date(2031, 3, 7, 0, 0, 0, 0, loc)
	days := 1 + rng.IntN(2)
	// Shift windows as minutes from local midnight, some overlapping and some back to back.
	type shift struct{ from, to int }
	var shifts []shift
	for range 3 + rng.IntN(4) {
		from := 6*60 + 30*rng.IntN(26)
		shifts = append(shifts, shift{from, from + 60 + 30*rng.IntN(8)})
	}
	p := Problem{Location: loc, Seed: seed}
	planted := map[string]string{}
	nStaff := 4 + rng.IntN(10)
	for i := range nStaff {
		s := Staff{ID: fmt.Sprintf("s%d", i), Skills: map[string]int{}}
		var windows []Interval
		maxDay := 0
		for d := range days {
			base := day0.AddDate(0, 0, d)
			// Walk through the day picking non-overlapping shifts in start order.
			order := rng.Perm(len(shifts))
			var mine []shift
			for _, k := range order {
				sh := shifts[k]
				clash := false
				for _, m := range mine {
					if sh.from < m.to && m.from < sh.to {
						clash = true
					}
				}
				if !clash && rng.IntN(3) > 0 {
					mine = append(mine, sh)
				}
			}
			if len(mine) == 0 {
				continue
			}
			lo, hi, minutes := 24*60*2, 0, 0
			for _, sh := range mine {
				id := fmt.Sprintf("t%d", len(p.Tasks))
				task := Task{ID: id, Start: base.Add(time.Duration(sh.from) * time.Minute),
					End: base.Add(time.Duration(sh.to) * time.Minute), Priority: 1 + rng.IntN(5)}
				task.SlotGroup = fmt.Sprintf("%d-%d", d, sh.from)
				effort := sh.to - sh.from
				if rng.IntN(5) == 0 {
					task.DurationMinutes = max(15, effort/2)
					effort = task.DurationMinutes
				}
				if rng.IntN(4) > 0 {
					name := skills[rng.IntN(len(skills))]
					lv := 1 + rng.IntN(3)
					task.Skills = []SkillReq{{Name: strings.ToUpper(name[:1]) + name[1:], MinLevel: lv}}
					task.Area = name
					s.Skills[name] = max(s.Skills[name], lv+rng.IntN(2))
				}
				if rng.IntN(4) == 0 {
					task.PreviousAssignee = fmt.Sprintf("s%d", rng.IntN(nStaff))
				}
				p.Tasks = append(p.Tasks, task)
				planted[id] = s.ID
				lo, hi, minutes = min(lo, sh.from), max(hi, sh.to), minutes+effort
			}
			// A commitment right before the first shift, when the day allows it.
			if rng.IntN(4) == 0 && lo >= 7*60 {
				c := Interval{Start: base.Add(time.Duration(lo-60) * time.Minute), End: base.Add(time.Duration(lo-30) * time.Minute)}
				s.Committed = append(s.Committed, c)
				minutes += 30
				lo -= 60
			}
			maxDay = max(maxDay, minutes+15*rng.IntN(3))
			windows = append(windows, Interval{Start: base.Add(time.Duration(lo-15*rng.IntN(3)) * time.Minute),
				End: base.Add(time.Duration(hi+15*rng.IntN(3)) * time.Minute)})
		}
		if rng.IntN(3) > 0 {
			s.Availability = windows
		}
		if rng.IntN(4) > 0 {
			s.MaxMinutesPerDay = maxDay
		}
		// Decoys: skills this person's schedule does not need.
		for range rng.IntN(3) {
			name := skills[rng.IntN(len(skills))]
			s.Skills[name] = max(s.Skills[name], 1+rng.IntN(4))
		}
		if rng.IntN(3) == 0 {
			s.Performance = map[string]float64{skills[rng.IntN(len(skills))]: rng.Float64()}
		}
		if rng.IntN(4) == 0 {
			s.Preferences = map[string]float64{skills[rng.IntN(len(skills))]: 2*rng.Float64() - 1}
		}
		p.Staff = append(p.Staff, s)
	}
	// Present the tasks in a random order, as a planner would not list them by person.
	rng.Shuffle(len(p.Tasks), func(a, b int) { p.Tasks[a], p.Tasks[b] = p.Tasks[b], p.Tasks[a] })
	return p, planted
}

// TestPlantedFullAssignmentIsFound: whenever a plan staffing every task exists (here one is
// planted and checked with Verify first), the solver must staff every task, and its own plan
// must keep every hard rule.
func TestPlantedFullAssignmentIsFound(t *testing.T) {
	tasks := 0
	for seed := range uint64(300) {
		p, planted := plantedProblem(seed)
		p.MaxIterations = 2000
		p.TimeLimit = time.Minute // the iteration cap decides, not the machine's speed
		witness := Plan{}
		for _, task := range p.Tasks {
			witness.Assignments = append(witness.Assignments, Assignment{TaskID: task.ID, StaffID: planted[task.ID]})
		}
		require.Empty(t, Verify(p, witness), "seed %d: the planted plan itself must be feasible", seed)
		plan := solve(t, p)
		require.Empty(t, Verify(p, plan), "seed %d", seed)
		require.Zero(t, plan.Metrics.HardViolations, "seed %d", seed)
		var open []string
		for _, a := range plan.Assignments {
			if a.StaffID == "" {
				open = append(open, a.TaskID+": "+strings.Join(a.Reasons, "; "))
			}
		}
		require.Empty(t, open, "seed %d: %d tasks, %d staff", seed, len(p.Tasks), len(p.Staff))
		require.LessOrEqual(t, plan.Metrics.LowerBound, plan.Metrics.Objective+1e-6, "seed %d", seed)
		tasks += len(p.Tasks)
	}
	t.Logf("%d planted tasks staffed", tasks)
}

func TestLubySequence(t *testing.T) {
	var got []int
	for i := 1; i <= 15; i++ {
		got = append(got, luby(i))
	}
	require.Equal(t, []int{1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8}, got)
}

package solver

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkFestival prints, for a 38C3-like load (GenerateFestival: 1,980 tasks, 160 staff,
// four days), the share of tasks staffed, the hard violations Verify finds, the objective and
// the lower bound after 1 s, 5 s and 20 s (0.2 s and 1 s with -short). Run with
// go test -bench Festival -run '^$' -benchtime 1x ./services/suggestion/internal/solver/
func BenchmarkFestival(b *testing.B) {
	budgets := []time.Duration{time.Second, 5 * time.Second, 20 * time.Second}
	if testing.Short() {
		budgets = []time.Duration{200 * time.Millisecond, time.Second}
	}
	loc := time.FixedZone("CET", 3600)
	for _, budget := range budgets {
		b.Run(budget.String(), func(b *testing.B) {
			for range b.N {
				p := GenerateFestival(1980, 160, loc, 1)
				p.TimeLimit = budget
				plan, err := Solve(context.Background(), p)
				if err != nil {
					b.Fatal(err)
				}
				vs := len(Verify(p, plan))
				staffed := 100 * float64(plan.Metrics.Assigned) / float64(len(p.Tasks))
				b.ReportMetric(staffed, "staffed_%")
				b.ReportMetric(float64(vs), "violations")
				b.ReportMetric(float64(plan.Metrics.SolveMS), "solve_ms")
				b.Log(fmt.Sprintf("budget %s: staffed %d/%d (%.1f%%; at most %.1f%% by head count), violations %d, objective %.0f, lower bound %.0f, first feasible %d ms, solve %d ms, moves %d",
					budget, plan.Metrics.Assigned, len(p.Tasks), staffed, 100*float64(len(p.Tasks)-mustStayOpen(p, 4*time.Hour))/float64(len(p.Tasks)),
					vs, plan.Metrics.Objective, plan.Metrics.LowerBound, plan.Metrics.FirstFeasibleMS, plan.Metrics.SolveMS, plan.Metrics.Iterations))
			}
		})
	}
}

// mustStayOpen is a bound on the tasks any plan leaves open, from head counts alone: at an
// instant when more tasks run than people are on site, the excess stays open; instants further
// apart than the longest task share no task, so their excesses add up (best sum by dynamic
// programming over a 15-minute grid). Skills and hour caps are ignored, so the true number is
// at least this.
func mustStayOpen(p Problem, longest time.Duration) int {
	if len(p.Tasks) == 0 {
		return 0
	}
	from, to := p.Tasks[0].Start, p.Tasks[0].End
	for _, t := range p.Tasks {
		if t.Start.Before(from) {
			from = t.Start
		}
		if t.End.After(to) {
			to = t.End
		}
	}
	const step = 15 * time.Minute
	var excess []int
	for x := from.Add(time.Second); x.Before(to); x = x.Add(step) {
		active, present := 0, 0
		for _, t := range p.Tasks {
			if !t.Start.After(x) && t.End.After(x) {
				active++
			}
		}
		for _, s := range p.Staff {
			if len(s.Availability) == 0 {
				present++
				continue
			}
			for _, a := range s.Availability {
				if !a.Start.After(x) && a.End.After(x) {
					present++
					break
				}
			}
		}
		excess = append(excess, max(0, active-present))
	}
	apart := int(longest/step) + 1 // instants this many steps apart share no task
	best := make([]int, len(excess)+1)
	for i, v := range excess {
		take := v
		if i-apart+1 >= 0 {
			take += best[i-apart+1]
		}
		best[i+1] = max(best[i], take)
	}
	return best[len(excess)]
}

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
				b.Log(fmt.Sprintf("budget %s: staffed %d/%d (%.1f%%), violations %d, objective %.0f, lower bound %.0f, first feasible %d ms, solve %d ms, moves %d",
					budget, plan.Metrics.Assigned, len(p.Tasks), staffed, vs, plan.Metrics.Objective, plan.Metrics.LowerBound,
					plan.Metrics.FirstFeasibleMS, plan.Metrics.SolveMS, plan.Metrics.Iterations))
			}
		})
	}
}

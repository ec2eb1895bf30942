package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/eventai/eventai/services/suggestion/internal/solver"
)

// runScaling prints one row per generated event size: time to the first feasible plan, the
// objective (and assigned count) after each budget, the lower bound, hard violations and heap.
func runScaling(ctx context.Context, out io.Writer, budgets []time.Duration, seed uint64) error {
	fmt.Fprintf(out, "%-12s %10s", "tasks×staff", "first_ms")
	for _, b := range budgets {
		fmt.Fprintf(out, " %14s %9s", "obj@"+b.String(), "assigned")
	}
	fmt.Fprintf(out, " %12s %8s %10s %8s\n", "lower_bound", "gap", "violations", "heap_MB")
	for _, size := range solver.ScalingSizes {
		row, err := solver.MeasureScaling(ctx, size[0], size[1], budgets, seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-12s %10d", fmt.Sprintf("%d×%d", row.Tasks, row.Staff), row.FirstFeasible.Milliseconds())
		for i := range budgets {
			fmt.Fprintf(out, " %14.1f %9d", row.Objectives[i], row.Assigned[i])
		}
		last := row.Objectives[len(row.Objectives)-1]
		fmt.Fprintf(out, " %12.1f %8.4f %10d %8d\n", row.LowerBound, (last-row.LowerBound)/last, row.Violations, row.PeakHeapMB)
	}
	return nil
}

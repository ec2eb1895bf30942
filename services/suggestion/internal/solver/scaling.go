package solver

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// ScalingSizes are the (tasks, staff) pairs of the scaling benchmark.
var ScalingSizes = [][2]int{{500, 50}, {2000, 200}, {10000, 1000}}

// ScalingRow is one line of the scaling benchmark.
type ScalingRow struct {
	Tasks, Staff  int
	FirstFeasible time.Duration
	Objectives    []float64
	Assigned      []int
	LowerBound    float64
	Violations    int
	PeakHeapMB    uint64
}

func (r ScalingRow) String() string {
	return fmt.Sprintf("%d×%d first=%s objectives=%v assigned=%v lb=%.0f violations=%d heap=%dMB",
		r.Tasks, r.Staff, r.FirstFeasible, r.Objectives, r.Assigned, r.LowerBound, r.Violations, r.PeakHeapMB)
}

// MeasureScaling solves one generated event once per budget and reports what it saw. Heap is
// read from runtime.MemStats after each solve (HeapAlloc high-water mark across the solves).
func MeasureScaling(ctx context.Context, tasks, staff int, budgets []time.Duration, seed uint64) (ScalingRow, error) {
	row := ScalingRow{Tasks: tasks, Staff: staff}
	loc := time.FixedZone("CEST", 2*3600)
	for _, budget := range budgets {
		p := GenerateEvent(tasks, staff, loc, seed)
		p.TimeLimit = budget
		runtime.GC()
		plan, err := Solve(ctx, p)
		if err != nil {
			return row, fmt.Errorf("solve %dx%d: %w", tasks, staff, err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		row.PeakHeapMB = max(row.PeakHeapMB, ms.HeapAlloc>>20)
		row.FirstFeasible = time.Duration(plan.Metrics.FirstFeasibleMS) * time.Millisecond
		row.Objectives = append(row.Objectives, plan.Metrics.Objective)
		row.Assigned = append(row.Assigned, plan.Metrics.Assigned)
		row.LowerBound = plan.Metrics.LowerBound
		row.Violations += plan.Metrics.HardViolations
	}
	return row, nil
}

package solver

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// BenchmarkScaling prints, for generated events of growing size, the time to the first feasible
// plan and the objective after short and longer budgets. Run with
// go test -bench Scaling -run '^$' ./services/suggestion/internal/solver/ (add -short for the
// 0.2 s / 1 s budgets).
func BenchmarkScaling(b *testing.B) {
	budgets := []time.Duration{time.Second, 10 * time.Second}
	if testing.Short() {
		budgets = []time.Duration{200 * time.Millisecond, time.Second}
	}
	for _, size := range ScalingSizes {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			for range b.N {
				row, err := MeasureScaling(context.Background(), size[0], size[1], budgets, 1)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(row.FirstFeasible.Milliseconds()), "first_ms")
				for i, o := range row.Objectives {
					b.ReportMetric(o, fmt.Sprintf("obj@%s", budgets[i]))
				}
				b.ReportMetric(float64(row.PeakHeapMB), "heap_MB")
				b.Log(row)
			}
		})
	}
	runtime.GC()
}

package solver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventai/eventai/services/suggestion/internal/gap"
)

func TestExpPhases(t *testing.T) {
	if os.Getenv("GAPEXP") == "" {
		t.Skip()
	}
	f, _ := os.Open(filepath.Join("..", "..", "testdata", "gap", "gapd.txt"))
	insts, _ := gap.Parse(f, "gapd.txt")
	for _, inst := range insts {
		g := newGAPSearch(inst, 1)
		t0 := time.Now()
		lhBest := 0
		lb, lambda := g.lagrangianBound(0, nil, time.Now().Add(time.Second), func(x []int, c int) {
			if lhBest == 0 || c < lhBest {
				lhBest = c
			}
		})
		t1 := time.Now()
		t.Logf("lagr heuristic best %d", lhBest)
		g.construct(lambda)
		ex := 0
		for i := range g.m {
			ex += excess(g.load[i], g.cap[i])
		}
		c0 := g.total
		res := g.tabu(context.Background(), time.Now().Add(time.Second), lb, GAPOptions{MaxIterations: 2000})
		t2 := time.Now()
		best := res.Cost
		klb := g.knapsackBound(res.Cost, time.Now().Add(time.Second), func(x []int, cost int) {
			if cost < best {
				best = cost
			}
		})
		t3 := time.Now()
		t.Logf("%s lb=%d (%v) construct=%d ex=%d tabu2000=%d (%v) klb=%d kbest=%d (%v) cells=%d", inst.Name, lb, t1.Sub(t0), c0, ex, res.Cost, t2.Sub(t1), klb, best, t3.Sub(t2), g.knapsackCells())
	}
}

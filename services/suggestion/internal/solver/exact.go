package solver

import (
	"fmt"
	"time"
)

// Local moves and ejection chains can miss a rearrangement that needs many people to swap
// work at once, typically when hour caps and availability leave no slack. On small problems
// a complete search is affordable: depth-first over tasks, the most constrained first, each
// given to a free candidate (cheapest first) or left open while the open tasks' penalties stay
// below the best plan so far (branch and bound on the dominant term of the objective). It stops
// at a plan that staffs everything, which the local search then polishes, or when its node
// budget or the deadline runs out, keeping the best plan it saw.

// exactMaxWork caps tasks × candidates for the complete search: each node rescans the
// undecided tasks, so beyond this the nodes get too slow to be worth it.
const exactMaxWork = 40_000

// exactWork bounds one complete search by candidate checks (nodes × tasks × candidates), and
// exactNodes by nodes: about 0.1 s either way.
const (
	exactWork  = 10_000_000
	exactNodes = 200_000
)

type exactSearch struct {
	e        *engine
	deadline time.Time
	nodes    int
	maxNodes int
	limit    int     // nodes of the current attempt
	noise    float64 // random spread of the value order (0 on the first attempt)
	// weight counts the dead ends each task caused; the task to decide next is the one with
	// the fewest free people per weight (dom/wdeg), so restarts learn where the trouble is.
	weight  []float64
	target  float64 // open penalty to beat
	open    float64 // open penalty of the current branch
	decided []bool
	// class lists, per task, the tasks interchangeable with it (same window, effort and
	// candidates): any plan can be permuted so that their assignees rise with the task index,
	// which the search enforces instead of trying every permutation.
	class [][]int32
	left  int // undecided tasks
	found []int32
}

// openPenalty is the penalty of the open tasks that someone could take.
func (e *engine) openPenalty() float64 {
	sum := 0.0
	for t, s := range e.assign {
		if s < 0 && len(e.tasks[t].cands) > 0 {
			sum += e.tasks[t].penalty
		}
	}
	return sum
}

// exactRepair runs the complete search when the problem is small and some task is open, and
// adopts its plan when it leaves less penalty open. It reports whether it changed the plan.
func (e *engine) exactRepair(deadline time.Time) bool {
	work := 0
	for t := range e.tasks {
		work += len(e.tasks[t].cands)
	}
	target := e.openPenalty()
	if target == 0 || work > exactMaxWork {
		return false
	}
	saved, before := append([]int32(nil), e.assign...), e.obj
	if e.exactWeight == nil {
		// Kept across calls, so every complete search starts where the last one learned.
		e.exactWeight = make([]float64, len(e.tasks))
		for t := range e.exactWeight {
			e.exactWeight[t] = 1
		}
	}
	x := &exactSearch{e: e, deadline: deadline, target: target - eps, decided: make([]bool, len(e.tasks)),
		class: interchangeable(e.tasks), maxNodes: min(exactNodes, exactWork/max(work, 1)),
		weight: e.exactWeight}
	for t := range e.tasks {
		if s := e.assign[t]; s >= 0 {
			e.remove(int32(t))
		}
		if len(e.tasks[t].cands) == 0 {
			x.decided[t] = true // nobody can take it in any plan
		} else {
			x.left++
		}
	}
	// Restarts with node limits in Luby's sequence (mostly short runs, now and then a long
	// one) and randomised orders: a complete search that takes a bad early turn rarely
	// recovers, a fresh one that knows the learned dead ends often succeeds at once.
	for run := 1; x.nodes < x.maxNodes && !(x.found != nil && x.target < 0); run++ {
		x.limit = x.nodes + 500*luby(run)
		x.dfs()
		if time.Now().After(deadline) {
			break
		}
		x.noise = 30
	}
	e.clearPlan() // the search backtracks to the empty plan already; this is for clarity
	if x.found != nil {
		e.load(x.found)
		if e.obj < before-eps {
			return true
		}
		// Less left open but dearer overall (possible only with extreme soft weights).
		e.clearPlan()
	}
	e.load(saved)
	return false
}

// clearPlan unassigns every task.
func (e *engine) clearPlan() {
	for t := range e.tasks {
		if e.assign[t] >= 0 {
			e.remove(int32(t))
		}
	}
}

// load assigns tasks as in plan, a feasible plan, on an empty schedule, and sets the objective
// from scratch.
func (e *engine) load(plan []int32) {
	for t, s := range plan {
		if s >= 0 {
			e.reinsert(int32(t), s)
		}
	}
	e.obj = e.recompute()
}

// dfs decides the most constrained undecided task; it returns true when the search is over (a
// plan with nothing open, or out of budget).
func (x *exactSearch) dfs() bool {
	e := x.e
	x.nodes++
	if x.nodes > min(x.limit, x.maxNodes) || (x.nodes&255 == 0 && time.Now().After(x.deadline)) {
		return true
	}
	if x.left == 0 {
		// Better than the target by construction; keep looking for one that leaves less open.
		x.found = append(x.found[:0], e.assign...)
		x.target = x.open - eps
		return x.open == 0
	}
	// The undecided task with the fewest people free for it now; ties to the more important.
	best, bestFree, bestScore := int32(-1), 0, 0.0
	for t := range e.tasks {
		if x.decided[t] {
			continue
		}
		free := 0
		for _, c := range e.tasks[t].cands {
			if _, ok := e.slot(int32(t), c.s); ok {
				free++
			}
		}
		score := float64(free) / x.weight[t]
		if best < 0 || score < bestScore || (score == bestScore && e.tasks[t].penalty > e.tasks[best].penalty) ||
			(score == bestScore && e.tasks[t].penalty == e.tasks[best].penalty && x.noise > 0 && e.rng.IntN(2) == 0) {
			best, bestFree, bestScore = int32(t), free, score
		}
		if free == 0 {
			break
		}
	}
	t := best
	x.decided[t] = true
	x.left--
	defer func() {
		x.decided[t] = false
		x.left++
	}()
	if bestFree > 0 {
		// Cheapest first, so the first complete plan found is also a good one.
		type option struct {
			s int32
			d float64
		}
		opts := make([]option, 0, bestFree)
		for _, c := range e.tasks[t].cands {
			if d, _, ok := e.insertDelta(t, c.s, c.cost); ok {
				if x.noise > 0 {
					d += x.noise * e.rng.Float64()
				}
				opts = append(opts, option{c.s, d})
			}
		}
		for i := 1; i < len(opts); i++ {
			for j := i; j > 0 && opts[j].d < opts[j-1].d; j-- {
				opts[j], opts[j-1] = opts[j-1], opts[j]
			}
		}
		for _, o := range opts {
			if !x.ordered(t, o.s) {
				continue
			}
			d, i, ok := e.insertDelta(t, o.s, e.staticOf(t, o.s))
			if !ok {
				continue
			}
			e.insert(t, o.s, i, d)
			done := x.dfs()
			e.remove(t)
			if done {
				return true
			}
		}
	}
	// Leave it open, if the plan can still beat the target.
	if x.open+e.tasks[t].penalty < x.target {
		x.open += e.tasks[t].penalty
		done := x.dfs()
		x.open -= e.tasks[t].penalty
		return done
	}
	if bestFree == 0 {
		x.weight[t]++
	}
	return false
}

// ordered reports whether giving t to s keeps the assignees of t's class rising with the task
// index.
func (x *exactSearch) ordered(t, s int32) bool {
	for _, u := range x.class[t] {
		a := x.e.assign[u]
		if a < 0 || u == t {
			continue
		}
		if (u < t && a >= s) || (u > t && a <= s) {
			return false
		}
	}
	return true
}

// interchangeable groups tasks with the same window, effort, day split and candidate people.
func interchangeable(tasks []taskInfo) [][]int32 {
	key := func(t *taskInfo) string {
		b := make([]byte, 0, 24+4*len(t.cands))
		b = fmt.Appendf(b, "%d/%d/%d", t.start, t.end, t.effort)
		for _, c := range t.cands {
			b = fmt.Appendf(b, ",%d", c.s)
		}
		return string(b)
	}
	groups := map[string][]int32{}
	for t := range tasks {
		k := key(&tasks[t])
		groups[k] = append(groups[k], int32(t))
	}
	out := make([][]int32, len(tasks))
	for _, g := range groups {
		if len(g) > 1 {
			for _, t := range g {
				out[t] = g
			}
		}
	}
	return out
}

// luby is the i-th term (from 1) of Luby's restart sequence 1, 1, 2, 1, 1, 2, 4, 1, ...
func luby(i int) int {
	for k := 1; ; k++ {
		if i == 1<<k-1 {
			return 1 << (k - 1)
		}
		if i < 1<<k-1 {
			return luby(i - (1<<(k-1) - 1))
		}
	}
}

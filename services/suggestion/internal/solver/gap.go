package solver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/eventai/eventai/services/suggestion/internal/gap"
)

// GAPOptions bound a generalized assignment solve.
type GAPOptions struct {
	// TimeLimit caps the solve; zero means 2 s.
	TimeLimit time.Duration
	// Stall ends the search early when the best cost has not improved for this long; zero
	// means never (run to the time limit unless optimality is proved).
	Stall time.Duration
	// Seed makes the run reproducible for a given machine speed (the search is anytime, so a
	// slower machine explores less within the same limit).
	Seed uint64
	// MaxIterations, when positive, caps the tabu iterations; with it the run is deterministic
	// regardless of machine speed.
	MaxIterations int
}

// GAPResult is the best assignment found.
type GAPResult struct {
	// Assign[j] is the agent of job j.
	Assign []int
	// Cost is the total cost of Assign.
	Cost int
	// Feasible reports that every capacity holds.
	Feasible bool
	// LowerBound is the best Lagrangian bound (capacity- or assignment-relaxed), rounded up
	// for integer costs.
	LowerBound int
	// Proved reports that Cost equals LowerBound, so Assign is optimal.
	Proved bool
	// Iterations counts tabu iterations.
	Iterations int
	// Elapsed is the wall time of the solve.
	Elapsed time.Duration
}

// ErrInfeasible reports that no feasible assignment was found.
var ErrInfeasible = errors.New("no feasible assignment found")

// SolveGAP minimises a generalized assignment problem: a Lagrangian bound from relaxing the
// capacities, whose repaired relaxed assignments (the Lagrangian heuristic) and priced greedy
// construction give the start; a short tabu search for an incumbent; the stronger knapsack
// Lagrangian bound (assignment constraints relaxed, at most an eighth of the budget), whose
// repaired packings compete as plans and which often proves optimality; then tabu search over
// shift and swap moves with strategic oscillation (capacity excess is allowed at an adaptive
// price so the search can cross infeasible regions), an exact two-agent re-split of every new
// best plan, and path relinking from the best plan toward other elite plans on stagnation. It
// stops shortly before the time limit, on ctx, or once the cost meets the bound.
func SolveGAP(ctx context.Context, inst gap.Instance, opt GAPOptions) (GAPResult, error) {
	start := time.Now()
	if opt.TimeLimit <= 0 {
		opt.TimeLimit = 2 * time.Second
	}
	// The search stops 1 % early: the last iteration, the copy of the result and a loaded
	// machine's scheduling then still fit in the limit.
	deadline := start.Add(opt.TimeLimit - opt.TimeLimit/100)
	m, n := inst.Agents, inst.Jobs
	if m <= 0 || n <= 0 || len(inst.Cost) != m || len(inst.Resource) != m || len(inst.Capacity) != m {
		return GAPResult{}, fmt.Errorf("solve %s: malformed instance", inst.Name)
	}
	g := newGAPSearch(inst, opt.Seed)
	// The Lagrangian heuristic's best plan starts the search when it beats the construction.
	var lhPlan []int
	lhCost := math.MaxInt
	lb, lambda := g.lagrangianBound(0, nil, deadline, func(x []int, cost int) {
		if cost < lhCost {
			lhPlan, lhCost = append(lhPlan[:0], x...), cost
		}
	})
	g.construct(lambda)
	if lhPlan != nil && (g.totalExcess() > 0 || lhCost < g.total) {
		g.setAssign(lhPlan)
	}
	var res GAPResult
	if g.knapsackCells() <= knapsackCellLimit {
		// Small instance: a short search gives an upper bound that steers the stronger
		// knapsack relaxation, which often proves the optimum and ends the solve early.
		first := opt
		first.MaxIterations = 2000
		if opt.MaxIterations > 0 {
			first.MaxIterations = min(first.MaxIterations, opt.MaxIterations)
		}
		res = g.tabu(ctx, minTime(deadline, start.Add(opt.TimeLimit/10)), lb, first)
		if res.Feasible {
			// The relaxation's knapsack packings, repaired, are plans of a different shape
			// than the search's; the best one seeds the rest of the search when it wins.
			bestPlan := res.Assign
			bestCost := res.Cost
			klb, _ := g.knapsackBound(res.Cost, minTime(deadline, time.Now().Add(opt.TimeLimit/8)), func(x []int, cost int) {
				if cost < bestCost {
					bestPlan, bestCost = append([]int(nil), x...), cost
				}
			})
			lb = max(lb, klb)
			res.Assign, res.Cost = bestPlan, bestCost
			if res.Cost > lb && (opt.MaxIterations <= 0 || res.Iterations < opt.MaxIterations) {
				rest := opt
				if opt.MaxIterations > 0 {
					rest.MaxIterations = opt.MaxIterations - res.Iterations
				}
				g.setAssign(res.Assign)
				more := g.tabu(ctx, deadline, lb, rest)
				more.Iterations += res.Iterations
				if !more.Feasible || more.Cost > res.Cost {
					more.Assign, more.Cost, more.Feasible = res.Assign, res.Cost, true
				}
				res = more
			}
		} else {
			res = g.tabu(ctx, deadline, lb, opt)
		}
	} else {
		res = g.tabu(ctx, deadline, lb, opt)
	}
	res.LowerBound = lb
	res.Proved = res.Feasible && res.Cost <= lb
	res.Elapsed = time.Since(start)
	if !res.Feasible {
		return res, fmt.Errorf("solve %s: %w", inst.Name, ErrInfeasible)
	}
	return res, nil
}

// gapSearch holds the flattened instance (job-major: index j*m+i) and the current solution.
type gapSearch struct {
	m, n  int
	cost  []int // cost[j*m+i]
	res   []int // res[j*m+i]
	cap   []int
	x     []int
	load  []int
	total int
	rng   *rand.Rand
}

func newGAPSearch(inst gap.Instance, seed uint64) *gapSearch {
	m, n := inst.Agents, inst.Jobs
	g := &gapSearch{
		m: m, n: n,
		cost: make([]int, m*n), res: make([]int, m*n), cap: append([]int(nil), inst.Capacity...),
		x: make([]int, n), load: make([]int, m),
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	for i := range m {
		for j := range n {
			g.cost[j*m+i] = inst.Cost[i][j]
			g.res[j*m+i] = inst.Resource[i][j]
		}
	}
	return g
}

// lagrangianBound maximises L(λ) = Σ_j min_i (c_ij + λ_i r_ij) − Σ_i λ_i b_i by subgradient
// ascent from lambda0 (nil: zero) with Polyak steps toward ub, an upper bound on the optimum (a
// plan's cost; zero: the crude Σ_j max_i c_ij, which overshoots and is corrected by the step
// halving). It equals the LP bound at the optimum multipliers; the multipliers also price the
// agents' capacity for the construction. onPlan, when set, receives every few iterations the
// relaxed assignment repaired into a feasible plan (the classic Lagrangian heuristic).
func (g *gapSearch) lagrangianBound(ub int, lambda0 []float64, deadline time.Time, onPlan func(x []int, cost int)) (int, []float64) {
	m, n := g.m, g.n
	lambda := make([]float64, m)
	if lambda0 != nil {
		copy(lambda, lambda0)
	}
	if ub <= 0 {
		for j := range n {
			worst := 0
			for i := range m {
				worst = max(worst, g.cost[j*m+i])
			}
			ub += worst
		}
	}
	bestL := math.Inf(-1)
	bestLambda := make([]float64, m)
	use := make([]float64, m)
	relaxed := make([]int, n)
	step := 1.0
	stall := 0
	for it := 0; it < 3000 && step > 1e-4; it++ {
		if it&63 == 0 && time.Now().After(deadline) {
			break
		}
		clear(use)
		L := 0.0
		for i := range m {
			L -= lambda[i] * float64(g.cap[i])
		}
		for j := range n {
			best, bi := math.Inf(1), 0
			for i := range m {
				v := float64(g.cost[j*m+i]) + lambda[i]*float64(g.res[j*m+i])
				if v < best {
					best, bi = v, i
				}
			}
			L += best
			relaxed[j] = bi
			use[bi] += float64(g.res[j*m+bi])
		}
		if L > bestL+1e-9 {
			bestL = L
			copy(bestLambda, lambda)
			stall = 0
		} else if stall++; stall >= 20 {
			step /= 2
			stall = 0
		}
		if onPlan != nil && it%5 == 0 {
			if cost, ok := g.repairRelaxed(relaxed, lambda); ok {
				onPlan(relaxed, cost)
				ub = min(ub, cost)
			}
		}
		if math.Ceil(bestL-1e-6) >= float64(ub) {
			break // the bound meets a known plan: proved
		}
		norm := 0.0
		for i := range m {
			s := use[i] - float64(g.cap[i])
			if lambda[i] <= 0 && s < 0 {
				s = 0
			}
			use[i] = s
			norm += s * s
		}
		if norm == 0 {
			break // the relaxed solution is feasible: L is optimal for the relaxation
		}
		t := step * (float64(ub) - L) / norm
		if t <= 0 {
			t = step / math.Sqrt(norm)
		}
		for i := range m {
			lambda[i] = math.Max(0, lambda[i]+t*use[i])
		}
	}
	return int(math.Ceil(bestL - 1e-6)), bestLambda
}

// repairRelaxed turns the relaxed assignment x (each job on its cheapest agent under the prices
// lambda) into a feasible plan in place: overloaded agents give up the jobs that lose least
// under the prices, per unit of resource freed, until they fit, and repair places those.
func (g *gapSearch) repairRelaxed(x []int, lambda []float64) (int, bool) {
	m, n := g.m, g.n
	load := make([]int, m)
	for j, i := range x {
		load[i] += g.res[j*m+i]
	}
	loss := make([]float64, n)
	for i := range m {
		if load[i] <= g.cap[i] {
			continue
		}
		var on []int
		for j := range n {
			if x[j] != i {
				continue
			}
			own := float64(g.cost[j*m+i]) + lambda[i]*float64(g.res[j*m+i])
			second := math.Inf(1)
			for k := range m {
				if k != i {
					second = math.Min(second, float64(g.cost[j*m+k])+lambda[k]*float64(g.res[j*m+k]))
				}
			}
			on = append(on, j)
			loss[j] = (second - own) / float64(g.res[j*m+i])
		}
		sortIntsBy(on, func(a, b int) bool { return loss[a] < loss[b] })
		for _, j := range on {
			if load[i] <= g.cap[i] {
				break
			}
			load[i] -= g.res[j*m+i]
			x[j] = -1
		}
	}
	return g.repair(x)
}

// construct assigns jobs, hardest first, to the cheapest agent under Lagrangian prices that
// still has room, falling back to the least overloaded agent; tabu search repairs the rest.
func (g *gapSearch) construct(lambda []float64) {
	m, n := g.m, g.n
	order := make([]int, n)
	regret := make([]float64, n)
	for j := range n {
		order[j] = j
		b1, b2 := math.Inf(1), math.Inf(1)
		for i := range m {
			v := float64(g.cost[j*m+i]) + lambda[i]*float64(g.res[j*m+i])
			if v < b1 {
				b1, b2 = v, b1
			} else if v < b2 {
				b2 = v
			}
		}
		regret[j] = b2 - b1
	}
	sortIntsBy(order, func(a, b int) bool { return regret[a] > regret[b] })
	clear(g.load)
	g.total = 0
	for _, j := range order {
		best, bi := math.Inf(1), -1
		for i := range m {
			if g.load[i]+g.res[j*m+i] > g.cap[i] {
				continue
			}
			v := float64(g.cost[j*m+i]) + lambda[i]*float64(g.res[j*m+i])
			if v < best {
				best, bi = v, i
			}
		}
		if bi < 0 {
			over := math.MaxInt
			for i := range m {
				if o := g.load[i] + g.res[j*m+i] - g.cap[i]; o < over {
					over, bi = o, i
				}
			}
		}
		g.x[j] = bi
		g.load[bi] += g.res[j*m+bi]
		g.total += g.cost[j*m+bi]
	}
}

// totalExcess sums the capacity overload of the current solution.
func (g *gapSearch) totalExcess() int {
	e := 0
	for i := range g.m {
		e += excess(g.load[i], g.cap[i])
	}
	return e
}

func excess(load, capacity int) int {
	if load > capacity {
		return load - capacity
	}
	return 0
}

// tabu runs tabu search with strategic oscillation from the current solution.
func (g *gapSearch) tabu(ctx context.Context, deadline time.Time, lb int, opt GAPOptions) GAPResult {
	m, n := g.m, g.n
	bestCost := math.MaxInt
	bestX := make([]int, n)
	feasible := false
	totalExcess := func() int {
		e := 0
		for i := range m {
			e += excess(g.load[i], g.cap[i])
		}
		return e
	}
	save := func() {
		bestCost = g.total
		copy(bestX, g.x)
		feasible = true
	}
	ex := totalExcess()
	if ex == 0 {
		save()
	}
	// The penalty starts at the average cost per unit of resource and adapts every iteration.
	var sc, sr float64
	for k := range g.cost {
		sc += float64(g.cost[k])
		sr += float64(g.res[k])
	}
	alphas := make([]float64, m)
	for i := range alphas {
		alphas[i] = math.Max(sc/math.Max(sr, 1), 0.01)
	}
	tabuUntil := make([]int, m*n)
	// Short tenures measured best on gapd (3..7 beat 13..35 by half a percent).
	minTenure := 3
	spanTenure := 4 + n/50
	// Prices rise faster than they fall: measured on gapd (fixed iterations, four seeds), a
	// slow fall (1.01) beat symmetric rates of 1.02–1.1, and easing the prices of agents within
	// capacity while others are overloaded made it worse.
	const up, down = 1.05, 1.01
	kick := 2 + n/20

	lastImprove := 0
	pool := elitePool{size: 10}
	exOf := make([]int, m)
	plb := make([]float64, m)
	sorted := make([][]int, m*m)
	dirty := make([]bool, m)
	markAll := func() {
		for i := range dirty {
			dirty[i] = true
		}
	}
	markAll()
	lastImproveAt := time.Now()
	// New bests arrive within a few hundred iterations of a restart or not at all (traced on
	// gapd), so restarts come early.
	const restartAfter = 100
	// Large instances read the clock every iteration (an iteration costs tens of microseconds);
	// small ones every 16th.
	clockMask := 15
	if n*m >= 1000 {
		clockMask = 0
	}
	it := 0
	for ; ; it++ {
		if feasible && bestCost <= lb {
			break
		}
		if opt.MaxIterations > 0 && it >= opt.MaxIterations {
			break
		}
		if it&clockMask == 0 {
			now := time.Now()
			if now.After(deadline) || ctx.Err() != nil {
				break
			}
			if opt.Stall > 0 && feasible && now.Sub(lastImproveAt) > opt.Stall {
				break
			}
		}
		// Best admissible move: kind 0 shift (j → a), kind 1 swap (j, k).
		bestVal := math.Inf(1)
		kind, mj, mk, ma := -1, 0, 0, 0
		ties := 0
		consider := func(val float64, newCost, newEx int, tabu bool, k0, j, k, a int) {
			if tabu && !(newEx == 0 && newCost < bestCost) {
				return
			}
			if val < bestVal-1e-9 {
				bestVal, kind, mj, mk, ma, ties = val, k0, j, k, a, 1
			} else if val < bestVal+1e-9 {
				// Reservoir choice among equal moves keeps the walk from cycling on plateaus.
				ties++
				if g.rng.IntN(ties) == 0 {
					kind, mj, mk, ma = k0, j, k, a
				}
			}
		}
		for j := range n {
			a0 := g.x[j]
			base := j * m
			exA0 := excess(g.load[a0], g.cap[a0])
			exA0out := excess(g.load[a0]-g.res[base+a0], g.cap[a0])
			for a := range m {
				if a == a0 {
					continue
				}
				dc := g.cost[base+a] - g.cost[base+a0]
				dA := excess(g.load[a]+g.res[base+a], g.cap[a]) - excess(g.load[a], g.cap[a])
				de := exA0out - exA0 + dA
				val := float64(dc) + alphas[a0]*float64(exA0out-exA0) + alphas[a]*float64(dA)
				if val > bestVal+1e-9 {
					continue
				}
				consider(val, g.total+dc, ex+de, tabuUntil[base+a] > it, 0, j, 0, a)
			}
		}
		// Swaps of j (on a) with k (on b), agent pair by agent pair: each agent's jobs are kept
		// sorted by what moving them to every other agent costs, so both scans stop as soon as
		// the cost change plus the most the capacity terms can fall cannot beat the best move so
		// far. Lists are rebuilt only for agents whose jobs changed.
		for i := range m {
			exOf[i] = excess(g.load[i], g.cap[i])
			plb[i] = -alphas[i] * float64(exOf[i])
			if dirty[i] {
				g.rebuildSorted(i, sorted)
				dirty[i] = false
			}
		}
		for a := range m {
			for b := a + 1; b < m; b++ {
				js, ks := sorted[a*m+b], sorted[b*m+a]
				if len(js) == 0 || len(ks) == 0 {
					continue
				}
				floor := plb[a] + plb[b]
				minK := float64(g.cost[ks[0]*m+a] - g.cost[ks[0]*m+b])
				for _, j := range js {
					bj := j * m
					djB := g.cost[bj+b] - g.cost[bj+a]
					base := float64(djB) + floor
					if base+minK > bestVal+1e-9 {
						break
					}
					for _, k := range ks {
						bk := k * m
						dkA := g.cost[bk+a] - g.cost[bk+b]
						if base+float64(dkA) > bestVal+1e-9 {
							break
						}
						dc := djB + dkA
						la := g.load[a] - g.res[bj+a] + g.res[bk+a]
						lb2 := g.load[b] - g.res[bk+b] + g.res[bj+b]
						dA := excess(la, g.cap[a]) - exOf[a]
						dB := excess(lb2, g.cap[b]) - exOf[b]
						val := float64(dc) + alphas[a]*float64(dA) + alphas[b]*float64(dB)
						if val > bestVal+1e-9 {
							continue
						}
						consider(val, g.total+dc, ex+dA+dB, tabuUntil[bj+b] > it || tabuUntil[bk+a] > it, 1, j, k, 0)
					}
				}
			}
		}
		if kind < 0 {
			clear(tabuUntil) // everything tabu: forget and go on
			continue
		}
		tenure := func() int { return it + minTenure + g.rng.IntN(spanTenure) }
		switch kind {
		case 0:
			a0 := g.x[mj]
			dirty[a0], dirty[ma] = true, true
			g.apply(mj, ma)
			tabuUntil[mj*m+a0] = tenure()
		case 1:
			a, b := g.x[mj], g.x[mk]
			dirty[a], dirty[b] = true, true
			g.apply(mj, b)
			g.apply(mk, a)
			tabuUntil[mj*m+a] = tenure()
			tabuUntil[mk*m+b] = tenure()
		}
		ex = totalExcess()
		if ex == 0 && g.total < bestCost {
			if g.pairDescent(deadline, pairDescentJobs) {
				markAll()
			}
			save()
			lastImprove = it
			lastImproveAt = time.Now()
		}
		// Each overloaded agent's price of excess rises while the plan is infeasible and every
		// price falls while it is feasible, so the search oscillates around the feasibility
		// boundary and learns which capacities are the hard ones (measured slightly better on
		// gapd than one shared price).
		for i := range m {
			switch {
			case ex == 0:
				alphas[i] = max(alphas[i]/down, 1e-3)
			case g.load[i] > g.cap[i]:
				alphas[i] = min(alphas[i]*up, 1e6)
			}
		}
		if ex == 0 {
			pool.offer(g.x, g.total)
		}
		if it-lastImprove > restartAfter && feasible {
			// Restart between two elite plans (path relinking), or from the best with random
			// shifts while the pool is small; the tabu list is forgotten either way.
			markAll()
			if !g.relink(&pool, alphas) {
				g.setAssign(bestX)
				for range kick {
					g.apply(g.rng.IntN(n), g.rng.IntN(m))
				}
			}
			clear(tabuUntil)
			ex = totalExcess()
			lastImprove = it
		}
	}
	return GAPResult{Assign: bestX, Cost: bestCost, Feasible: feasible, Iterations: it}
}

func (g *gapSearch) apply(j, a int) {
	m := g.m
	a0 := g.x[j]
	g.load[a0] -= g.res[j*m+a0]
	g.total -= g.cost[j*m+a0]
	g.x[j] = a
	g.load[a] += g.res[j*m+a]
	g.total += g.cost[j*m+a]
}

// GAPCost recomputes an assignment's cost and checks its capacities, independently of the search.
func GAPCost(inst gap.Instance, assign []int) (cost int, feasible bool) {
	if len(assign) != inst.Jobs {
		return 0, false
	}
	load := make([]int, inst.Agents)
	feasible = true
	for j, i := range assign {
		if i < 0 || i >= inst.Agents {
			return 0, false
		}
		cost += inst.Cost[i][j]
		load[i] += inst.Resource[i][j]
	}
	for i, l := range load {
		if l > inst.Capacity[i] {
			feasible = false
		}
	}
	return cost, feasible
}

// setAssign makes x the current solution.
func (g *gapSearch) setAssign(x []int) {
	clear(g.load)
	g.total = 0
	for j, a := range x {
		g.x[j] = a
		g.load[a] += g.res[j*g.m+a]
		g.total += g.cost[j*g.m+a]
	}
}

// elitePool keeps the best distinct feasible plans seen, for path relinking.
type elitePool struct {
	size  int
	plans [][]int
	costs []int
}

// offer adds x when it beats the worst kept plan and no kept plan has the same cost (equal
// cost is a cheap stand-in for "the same plan", which keeps the pool diverse).
func (p *elitePool) offer(x []int, cost int) {
	worst := -1
	for i, c := range p.costs {
		if c == cost {
			return
		}
		if worst < 0 || c > p.costs[worst] {
			worst = i
		}
	}
	if len(p.plans) < p.size {
		p.plans = append(p.plans, append([]int(nil), x...))
		p.costs = append(p.costs, cost)
		return
	}
	if cost < p.costs[worst] {
		copy(p.plans[worst], x)
		p.costs[worst] = cost
	}
}

// relink starts from one elite plan and walks toward another, each step moving the job (among
// those that still differ) whose move is cheapest under the current prices, and stops part way:
// a point between two good plans that shares what they agree on.
func (g *gapSearch) relink(p *elitePool, alphas []float64) bool {
	if len(p.plans) < 2 {
		return false
	}
	// From the best plan toward a random other elite plan: measured better on gapd than
	// between two random elite plans.
	a := 0
	for i, c := range p.costs {
		if c < p.costs[a] {
			a = i
		}
	}
	b := g.rng.IntN(len(p.plans) - 1)
	if b >= a {
		b++
	}
	from, to := p.plans[a], p.plans[b]
	g.setAssign(from)
	var diff []int
	for j := range from {
		if from[j] != to[j] {
			diff = append(diff, j)
		}
	}
	if len(diff) < 4 {
		return false
	}
	steps := len(diff)/4 + g.rng.IntN(len(diff)/2)
	m := g.m
	for range steps {
		best, bk := math.Inf(1), -1
		for k, j := range diff {
			a0, a1 := g.x[j], to[j]
			dc := g.cost[j*m+a1] - g.cost[j*m+a0]
			dA := excess(g.load[a0]-g.res[j*m+a0], g.cap[a0]) - excess(g.load[a0], g.cap[a0])
			dB := excess(g.load[a1]+g.res[j*m+a1], g.cap[a1]) - excess(g.load[a1], g.cap[a1])
			if v := float64(dc) + alphas[a0]*float64(dA) + alphas[a1]*float64(dB); v < best {
				best, bk = v, k
			}
		}
		j := diff[bk]
		g.apply(j, to[j])
		diff[bk] = diff[len(diff)-1]
		diff = diff[:len(diff)-1]
	}
	return true
}

// knapsackCellLimit caps the dynamic-programming table of one knapsack bound iteration
// (jobs × Σ capacities): gap1–gap12 and the 100-job gapa–gapc problems fit; the others would
// spend on the bound the time their search needs.
const knapsackCellLimit = 2_000_000

func (g *gapSearch) knapsackCells() int {
	cells := 0
	for _, c := range g.cap {
		cells += g.n * (c + 1)
	}
	return cells
}

// knapsackBound relaxes the assignment constraints instead of the capacities:
// L(u) = Σ_j u_j − Σ_i max{Σ_j (u_j − c_ij) x_ij : Σ_j r_ij x_ij ≤ b_i}, each agent a 0-1
// knapsack solved exactly by dynamic programming. It is at least the LP bound and on small GAPs
// usually within a unit or two of the optimum. Subgradient steps use the upper bound ub.
//
// onPlan, when set, receives each iteration's packing repaired into a feasible plan (a job
// packed twice stays with its cheaper agent; jobs left out are placed by repair).
func (g *gapSearch) knapsackBound(ub int, deadline time.Time, onPlan func(x []int, cost int)) (int, []float64) {
	m, n := g.m, g.n
	u := make([]float64, n)
	for j := range n {
		// Start from each job's second-cheapest cost: a job "pays" enough to be wanted.
		b1, b2 := math.Inf(1), math.Inf(1)
		for i := range m {
			c := float64(g.cost[j*m+i])
			if c < b1 {
				b1, b2 = c, b1
			} else if c < b2 {
				b2 = c
			}
		}
		if m == 1 {
			b2 = b1
		}
		u[j] = b2
	}
	maxCap := 0
	for _, c := range g.cap {
		maxCap = max(maxCap, c)
	}
	dp := make([]float64, maxCap+1)
	take := make([]bool, n*(maxCap+1))
	cover := make([]int, n)
	plan := make([]int, n)
	scratch := make([]int, n)
	best := math.Inf(-1)
	bestU := make([]float64, n)
	step := 1.0
	stall := 0
	for it := 0; it < 400 && step > 1e-3; it++ {
		if it&7 == 0 && time.Now().After(deadline) {
			break
		}
		L := 0.0
		for _, v := range u {
			L += v
		}
		clear(cover)
		for j := range plan {
			plan[j] = -1
		}
		for i := range m {
			capI := g.cap[i]
			d := dp[:capI+1]
			clear(d)
			for j := range n {
				row := take[j*(maxCap+1) : j*(maxCap+1)+capI+1]
				clear(row)
				p := u[j] - float64(g.cost[j*m+i])
				w := g.res[j*m+i]
				if p <= 0 || w > capI {
					continue
				}
				for c := capI; c >= w; c-- {
					if v := d[c-w] + p; v > d[c] {
						d[c] = v
						row[c] = true
					}
				}
			}
			L -= d[capI]
			c := capI
			for j := n - 1; j >= 0; j-- {
				if take[j*(maxCap+1)+c] {
					cover[j]++
					c -= g.res[j*m+i]
					if plan[j] < 0 || g.cost[j*m+i] < g.cost[j*m+plan[j]] {
						plan[j] = i
					}
				}
			}
		}
		if onPlan != nil {
			repaired := append(scratch[:0], plan...)
			if cost, ok := g.repair(repaired); ok {
				onPlan(repaired, cost)
			}
		}
		if L > best+1e-9 {
			best = L
			copy(bestU, u)
			stall = 0
		} else if stall++; stall >= 15 {
			step /= 2
			stall = 0
		}
		if int(math.Ceil(best-1e-6)) >= ub {
			break // proved
		}
		norm := 0.0
		for j := range n {
			sg := float64(1 - cover[j])
			norm += sg * sg
		}
		if norm == 0 {
			break // every job covered once: the relaxed solution is optimal
		}
		t := step * (float64(ub) - L) / norm
		if t <= 0 {
			t = step
		}
		for j := range n {
			u[j] += t * float64(1-cover[j])
		}
	}
	return int(math.Ceil(best - 1e-6)), bestU
}

// repair completes a partial plan (jobs −1 are open; every agent within capacity) by giving
// open jobs, largest regret first, to the cheapest agent with room, then shifts jobs to cheaper
// agents while capacity allows. It reports the cost, or false when some job finds no room.
func (g *gapSearch) repair(plan []int) (int, bool) {
	m := g.m
	load := make([]int, m)
	var open []int
	for j, i := range plan {
		if i < 0 {
			open = append(open, j)
			continue
		}
		load[i] += g.res[j*m+i]
	}
	for len(open) > 0 {
		// Pick the open job whose best and second-best feasible agents differ most.
		bestK, bestAgent, bestRegret := -1, -1, -1
		for k, j := range open {
			c1, c2, a1 := math.MaxInt, math.MaxInt, -1
			for i := range m {
				if load[i]+g.res[j*m+i] > g.cap[i] {
					continue
				}
				if c := g.cost[j*m+i]; c < c1 {
					c1, c2, a1 = c, c1, i
				} else if c < c2 {
					c2 = c
				}
			}
			if a1 < 0 {
				return 0, false
			}
			regret := math.MaxInt
			if c2 != math.MaxInt {
				regret = c2 - c1
			}
			if regret > bestRegret {
				bestK, bestAgent, bestRegret = k, a1, regret
			}
		}
		j := open[bestK]
		plan[j] = bestAgent
		load[bestAgent] += g.res[j*m+bestAgent]
		open[bestK] = open[len(open)-1]
		open = open[:len(open)-1]
	}
	for improved := true; improved; {
		improved = false
		for j, a := range plan {
			for i := range m {
				if i != a && g.cost[j*m+i] < g.cost[j*m+a] && load[i]+g.res[j*m+i] <= g.cap[i] {
					load[a] -= g.res[j*m+a]
					load[i] += g.res[j*m+i]
					plan[j], a = i, i
					improved = true
				}
			}
		}
	}
	cost := 0
	for j, i := range plan {
		cost += g.cost[j*m+i]
	}
	return cost, true
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// rebuildSorted refreshes, for agent b, the lists of its jobs ordered by the cost change of
// moving each to every other agent a (sorted[b*m+a]).
func (g *gapSearch) rebuildSorted(b int, sorted [][]int) {
	m := g.m
	var on []int
	for k, x := range g.x {
		if x == b {
			on = append(on, k)
		}
	}
	for a := range m {
		if a == b {
			continue
		}
		l := append(sorted[b*m+a][:0], on...)
		slices.SortFunc(l, func(k1, k2 int) int {
			d1 := g.cost[k1*m+a] - g.cost[k1*m+b]
			d2 := g.cost[k2*m+a] - g.cost[k2*m+b]
			if d1 != d2 {
				return d1 - d2
			}
			return k1 - k2
		})
		sorted[b*m+a] = l
	}
}

// pairDescent re-solves, exactly, the split of the jobs of two agents between those two agents
// for every pair, applying each cheaper split, until no pair improves (or the deadline). It
// contains every shift, swap and multi-job exchange inside a pair. Pairs holding more than
// maxJobs jobs are skipped to bound the branch and bound.
func (g *gapSearch) pairDescent(deadline time.Time, maxJobs int) bool {
	m := g.m
	on := make([][]int, m)
	rebuild := func() {
		for i := range on {
			on[i] = on[i][:0]
		}
		for j, i := range g.x {
			on[i] = append(on[i], j)
		}
	}
	var jobs []int
	var side, bestSide []int8
	var suffixMin []int
	improved := false
	for {
		if time.Now().After(deadline) {
			return improved
		}
		rebuild()
		found := false
		for a := 0; a < m && !found; a++ {
			for b := a + 1; b < m && !found; b++ {
				jobs = append(append(jobs[:0], on[a]...), on[b]...)
				k := len(jobs)
				if k > maxJobs || k < 2 {
					continue
				}
				// Harder jobs first: those whose two costs differ most fix the cost early.
				sortIntsBy(jobs, func(x, y int) bool {
					dx := g.cost[x*m+a] - g.cost[x*m+b]
					dy := g.cost[y*m+a] - g.cost[y*m+b]
					return max(dx, -dx) > max(dy, -dy)
				})
				cur := 0
				for _, j := range jobs {
					cur += g.cost[j*m+g.x[j]]
				}
				suffixMin = append(suffixMin[:0], make([]int, k+1)...)
				for t := k - 1; t >= 0; t-- {
					j := jobs[t]
					suffixMin[t] = suffixMin[t+1] + min(g.cost[j*m+a], g.cost[j*m+b])
				}
				side = append(side[:0], make([]int8, k)...)
				bestSide = append(bestSide[:0], make([]int8, k)...)
				best := cur
				var dfs func(t, cost, la, lb int)
				dfs = func(t, cost, la, lb int) {
					if cost+suffixMin[t] >= best {
						return
					}
					if t == k {
						best = cost
						copy(bestSide, side)
						return
					}
					j := jobs[t]
					ca, cb := g.cost[j*m+a], g.cost[j*m+b]
					first, second := int8(0), int8(1)
					if cb < ca {
						first, second = 1, 0
					}
					for _, s := range [2]int8{first, second} {
						if s == 0 {
							if la+g.res[j*m+a] <= g.cap[a] {
								side[t] = 0
								dfs(t+1, cost+ca, la+g.res[j*m+a], lb)
							}
						} else if lb+g.res[j*m+b] <= g.cap[b] {
							side[t] = 1
							dfs(t+1, cost+cb, la, lb+g.res[j*m+b])
						}
					}
				}
				dfs(0, 0, 0, 0)
				if best < cur {
					for t, j := range jobs {
						to := a
						if bestSide[t] == 1 {
							to = b
						}
						if g.x[j] != to {
							g.apply(j, to)
						}
					}
					found = true
				}
			}
		}
		if !found {
			return improved
		}
		improved = true
	}
}

// pairDescentJobs bounds the two-agent exact re-split: 2^16 splits at worst per pair, which the
// capacity and cost pruning keep to well under a millisecond on the 20×100 gapd problem.
const pairDescentJobs = 16

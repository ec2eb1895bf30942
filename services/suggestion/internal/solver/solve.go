package solver

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Solve staffs the problem's tasks. It returns a *ValidationError for bad input; otherwise the
// best plan found within the time limit (or when ctx ends, or as soon as a plan reaches the
// lower bound), which never breaks a hard rule.
func Solve(ctx context.Context, p Problem) (Plan, error) {
	start := time.Now()
	if p.Location == nil {
		p.Location = time.UTC
	}
	if p.Weights == (Weights{}) {
		p.Weights = DefaultWeights()
	}
	if p.TimeLimit <= 0 {
		p.TimeLimit = 2 * time.Second
	}
	if err := validate(&p); err != nil {
		return Plan{}, err
	}
	deadline := start.Add(p.TimeLimit)
	tasks, staff, staffIdx := prepare(&p)
	// Explaining the plan and bounding it afterwards costs about as much as preparing it, so
	// that time is kept out of the search (up to a fifth of the limit).
	searchEnd := deadline.Add(-min(time.Since(start), p.TimeLimit/5))
	e := newEngine(p.Weights, tasks, staff, p.Seed)
	var existing []int32
	if len(p.Existing) > 0 {
		existing = make([]int32, len(p.Tasks))
		for i, t := range p.Tasks {
			existing[i] = -1
			if id, ok := p.Existing[t.ID]; ok {
				if s, ok := staffIdx[id]; ok {
					existing[i] = int32(s)
				}
			}
		}
	}
	e.construct(existing, searchEnd)
	firstFeasible := time.Since(start)
	// With a bound known before the search, a plan that reaches it ends the search at once (a
	// one-task assign used to run its whole limit at gap 0). The per-task bound costs one pass;
	// the tangent bound's rounds would take tens of ms from large searches that never reach it.
	e.bound = e.taskBound()
	iters := e.improve(ctx, searchEnd, p.MaxIterations)
	e.obj = e.recompute()

	plan := Plan{Assignments: make([]Assignment, len(p.Tasks))}
	for t := range p.Tasks {
		plan.Assignments[t] = e.explain(&p, int32(t))
	}
	m := &plan.Metrics
	m.Tasks = len(p.Tasks)
	m.Objective = round3(e.obj)
	m.LowerBound = round3(e.lowerBound())
	if m.Objective != 0 {
		m.Gap = round3(math.Max(0, (m.Objective-m.LowerBound)/math.Abs(m.Objective)))
	}
	fit, fitN := 0.0, 0
	for t, s := range e.assign {
		if s < 0 {
			continue
		}
		m.Assigned++
		for _, r := range e.tasks[t].skills {
			fit += float64(r.level) / float64(max(e.staff[s].skills[r.name], 1))
			fitN++
		}
	}
	if fitN > 0 {
		m.SkillFit = round3(fit / float64(fitN))
	} else if m.Assigned > 0 {
		m.SkillFit = 1
	}
	for s := range e.people {
		h := e.hours(int32(s), 0)
		if s == 0 || h < m.LoadMinHours {
			m.LoadMinHours = h
		}
		m.LoadMaxHours = math.Max(m.LoadMaxHours, h)
	}
	m.HardViolations = len(Verify(p, plan))
	m.Iterations = iters
	m.FirstFeasibleMS = firstFeasible.Milliseconds()
	m.SolveMS = time.Since(start).Milliseconds()
	return plan, nil
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// hours is s's total hours (commitments and this plan) plus extra seconds.
func (e *engine) hours(s int32, extra int64) float64 {
	return round3(float64(e.staff[s].baseSec+e.people[s].load+extra) / 3600)
}

// lowerBound relaxes every interaction between tasks: each task costs at least the cheaper of
// staying open and its cheapest candidate, with the load term taken as if the task were the
// person's only new work. The load increments of a convex curve are superadditive, and rest
// costs are never negative, so the sum bounds the optimum from below.
//
// A second bound linearises the convex load curve: Load·h² ≥ Load·(2a·h − a²) for any a ≥ base,
// so with a tangent at a_s every task pays a marginal price of 2·Load·a_s per hour and the
// constant −Load·(a_s−base_s)² per person is added. The larger of the two bounds is reported.
func (e *engine) lowerBound() float64 {
	lb := e.taskBound()
	// The tangent points a_s are improved by a few damped fixed-point steps toward the loads
	// the relaxed solution itself implies (a_s = base_s + its hours); any a gives a valid bound,
	// so the best one seen is kept.
	a := make([]float64, len(e.people))
	for s := range e.people {
		a[s] = float64(e.staff[s].baseSec+e.people[s].load) / 3600
	}
	relaxedHours := make([]float64, len(e.people))
	tangent := math.Inf(-1)
	// Each round costs one pass over all candidates; big problems get fewer rounds (a weaker
	// but still valid bound) so that reporting stays cheap next to the search.
	work := 1
	for t := range e.tasks {
		work += len(e.tasks[t].cands)
	}
	rounds := min(30, max(2, 8_000_000/work))
	for round := range rounds {
		clear(relaxedHours)
		v := 0.0
		for s := range e.people {
			x := a[s] - float64(e.staff[s].baseSec)/3600
			v -= e.w.Load * x * x
		}
		for t := range e.tasks {
			ti := &e.tasks[t]
			best, bestS := ti.penalty, -1
			for _, c := range ti.cands {
				if cost := c.cost + 2*e.w.Load*a[c.s]*float64(ti.effort)/3600; cost < best {
					best, bestS = cost, int(c.s)
				}
			}
			v += best
			if bestS >= 0 {
				relaxedHours[bestS] += float64(ti.effort) / 3600
			}
		}
		tangent = math.Max(tangent, v)
		step := 0.5 / float64(1+round/5)
		for s := range a {
			target := float64(e.staff[s].baseSec)/3600 + relaxedHours[s]
			a[s] = math.Max(float64(e.staff[s].baseSec)/3600, a[s]+step*(target-a[s]))
		}
	}
	return math.Max(lb, tangent)
}

// taskBound is lowerBound's first bound alone: one pass over the candidates, independent of the
// plan, so the search can stop on it (see engine.optimal).
func (e *engine) taskBound() float64 {
	lb := 0.0
	for t := range e.tasks {
		ti := &e.tasks[t]
		best := ti.penalty
		for _, c := range ti.cands {
			if v := c.cost + e.loadCost(c.s, ti.effort); v < best {
				best = v
			}
		}
		lb += best
	}
	return lb
}

// explain writes the reasons of task t's outcome.
func (e *engine) explain(p *Problem, t int32) Assignment {
	task := &p.Tasks[t]
	ti := &e.tasks[t]
	a := Assignment{TaskID: task.ID}
	s := e.assign[t]
	if s < 0 {
		why := e.whyOpen(t)
		a.Detail.Unassigned = why
		a.Reasons = openReasons(task, why)
		return a
	}
	a.StaffID = p.Staff[s].ID
	st := &e.staff[s]
	for _, r := range ti.skills {
		lv := st.skills[r.name]
		a.Detail.Skills = append(a.Detail.Skills, SkillMatch{Name: r.name, Level: lv, Required: r.level})
		a.Reasons = append(a.Reasons, fmt.Sprintf("skill %s level %d (required %d)", r.name, lv, r.level))
	}
	if len(ti.skills) == 0 {
		a.Reasons = append(a.Reasons, "no skill required")
	}
	a.Detail.LoadAfterHours = e.hours(s, 0)
	a.Reasons = append(a.Reasons, fmt.Sprintf("load after assignment %.1f h", a.Detail.LoadAfterHours))
	perf := e.perfAvg(t, s)
	a.Detail.Performance = round3(perf)
	a.Reasons = append(a.Reasons, fmt.Sprintf("performance %.2f", perf))
	a.Detail.Cost = round3(e.staticOf(t, s))
	if ti.prev >= 0 {
		if ti.prev == s {
			a.Reasons = append(a.Reasons, "kept the previous assignee")
		} else {
			a.Reasons = append(a.Reasons, fmt.Sprintf("changed from previous assignee %s", p.Staff[ti.prev].ID))
		}
	}
	if ru := e.runnerUp(p, t, s); ru != nil {
		a.Detail.RunnerUp = ru
		a.Reasons = append(a.Reasons, fmt.Sprintf("runner-up %s: %s", ru.StaffID, ru.Why))
	} else {
		a.Reasons = append(a.Reasons, "nobody else qualified was free")
	}
	return a
}

func (e *engine) perfAvg(t, s int32) float64 {
	ti := &e.tasks[t]
	if len(ti.skills) == 0 {
		return e.w.PerformancePrior
	}
	sum := 0.0
	for _, r := range ti.skills {
		sum += perfOf(e.w, &e.staff[s], r.name)
	}
	return sum / float64(len(ti.skills))
}

// runnerUp is the cheapest other person who could take t in the final plan, and the term that
// made them lose.
func (e *engine) runnerUp(p *Problem, t, s int32) *RunnerUp {
	ti := &e.tasks[t]
	// Both deltas are against the plan without t, so their sum is the runner-up's extra cost.
	dRemove, _ := e.removeDelta(t)
	var best *RunnerUp
	var bestS int32
	bestD := 0.0
	// Other people's schedules do not hold t, so their insertion deltas are already against
	// the plan without it.
	for _, c := range ti.cands {
		if c.s == s {
			continue
		}
		if d, _, ok := e.insertDelta(t, c.s, c.cost); ok && (best == nil || d < bestD) {
			best, bestS, bestD = &RunnerUp{StaffID: p.Staff[c.s].ID}, c.s, d
		}
	}
	if best == nil {
		return nil
	}
	best.ExtraCost = round3(bestD + dRemove)
	best.Why = e.whyLost(t, s, bestS, best.ExtraCost)
	return best
}

// whyLost names the term that separates the chosen person from the runner-up.
func (e *engine) whyLost(t, s, r int32, extra float64) string {
	ti := &e.tasks[t]
	type term struct {
		name string
		diff float64
	}
	var terms []term
	waste := func(x int32) float64 {
		w := 0.0
		for _, q := range ti.skills {
			w += float64(e.staff[x].skills[q.name] - q.level)
		}
		return w
	}
	terms = append(terms,
		term{"higher skill level than needed (kept for harder tasks)", e.w.SkillWaste * (waste(r) - waste(s))},
		term{"lower performance", e.w.Performance * (e.perfAvg(t, s) - e.perfAvg(t, r))},
		term{"more hours already", e.loadCost(r, e.people[r].load+ti.effort) - e.loadCost(r, e.people[r].load) -
			(e.loadCost(s, e.people[s].load) - e.loadCost(s, e.people[s].load-ti.effort))},
	)
	if ti.prev == s {
		terms = append(terms, term{"not the previous assignee", e.w.Stability})
	}
	sort.SliceStable(terms, func(a, b int) bool { return terms[a].diff > terms[b].diff })
	if terms[0].diff <= eps {
		if extra <= eps {
			return "equally good; tie broken by the search"
		}
		return fmt.Sprintf("costs %.1f more overall (rest between tasks, preferences)", extra)
	}
	return fmt.Sprintf("%s (costs %.1f more)", terms[0].name, extra)
}

// whyOpen counts, for an open task, why each person could not take it.
func (e *engine) whyOpen(t int32) *UnassignedWhy {
	ti := &e.tasks[t]
	why := &UnassignedWhy{}
	for _, r := range ti.skills {
		holders, lower := 0, 0
		for s := range e.staff {
			switch lv := int(e.staff[s].levels[r.id]); {
			case lv >= r.level:
				holders++
			case lv > 0:
				lower++
			}
		}
		if holders == 0 {
			why.MissingSkills = append(why.MissingSkills, MissingSkill{Name: r.name, MinLevel: r.level, LowerLevel: lower})
		}
	}
	if len(why.MissingSkills) > 0 {
		return why
	}
	for s := range e.staff {
		st := &e.staff[s]
		qualified := true
		for _, r := range ti.skills {
			if int(st.levels[r.id]) < r.level {
				qualified = false
				break
			}
		}
		if !qualified {
			continue
		}
		why.Qualified++
		switch {
		case !covered(st.windows, ti.start, ti.end):
			why.Unavailable++
		case overlapsAny(st.busy, ti.start, ti.end) || e.overlapsPlan(t, int32(s)):
			why.Busy++
		default:
			why.OverHours++
		}
	}
	return why
}

func (e *engine) overlapsPlan(t, s int32) bool {
	ti := &e.tasks[t]
	p := &e.people[s]
	i := sort.Search(len(p.items), func(i int) bool { return p.items[i].end > ti.start })
	return i < len(p.items) && p.items[i].start < ti.end
}

func openReasons(task *Task, why *UnassignedWhy) []string {
	var out []string
	for _, m := range why.MissingSkills {
		msg := fmt.Sprintf("nobody has skill %s at level %d", m.Name, m.MinLevel)
		if m.LowerLevel > 0 {
			msg += fmt.Sprintf(" (%d have it at a lower level)", m.LowerLevel)
		}
		out = append(out, msg)
	}
	if len(out) > 0 {
		return out
	}
	if why.Qualified == 0 && len(task.Skills) == 0 {
		return []string{"no staff were given to choose from"}
	}
	if why.Qualified == 0 {
		names := make([]string, 0, len(task.Skills))
		for _, r := range task.Skills {
			names = append(names, fmt.Sprintf("%s ≥ %d", normSkill(r.Name), r.MinLevel))
		}
		return []string{"nobody holds all required skills together (" + strings.Join(names, ", ") + ")"}
	}
	return []string{fmt.Sprintf("all %d qualified staff are taken: %d unavailable in the window, %d busy with overlapping work, %d over the daily hour limit",
		why.Qualified, why.Unavailable, why.Busy, why.OverHours)}
}

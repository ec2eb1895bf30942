package solver

import (
	"context"
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
	"time"
)

// item is a busy interval in a person's day plan: one of the plan's tasks or a commitment (-1).
type item struct {
	start, end int64
	task       int32
}

// person is one staff member's current schedule.
type person struct {
	items []item     // sorted by start, pairwise disjoint
	days  []daySplit // effort per local day, commitments included
	load  int64      // effort seconds assigned in this plan
}

// engine holds the working state of one solve.
type engine struct {
	w      Weights
	minGap int64
	tasks  []taskInfo
	staff  []staffInfo
	people []person
	assign []int32 // staff index per task, -1 unassigned
	obj    float64
	rng    *rand.Rand
	// byStart lists task indices by start, for finding tasks near a time window.
	byStart []int32
	maxLen  int64
	ch      chainState
	// exactWeight is the complete search's dead-end count per task (see exactRepair).
	exactWeight []float64
	// bound is a lower bound on the objective (-Inf when unknown): a plan that reaches it is
	// optimal, and the search stops there instead of running to its time limit.
	bound float64
}

func newEngine(w Weights, tasks []taskInfo, staff []staffInfo, seed uint64) *engine {
	e := &engine{
		w: w, minGap: int64(w.MinRestMinutes) * 60,
		tasks: tasks, staff: staff,
		people:  make([]person, len(staff)),
		assign:  make([]int32, len(tasks)),
		rng:     rand.New(rand.NewPCG(seed, seed^0x6a09e667f3bcc909)),
		byStart: make([]int32, len(tasks)),
		bound:   math.Inf(-1),
	}
	for i := range e.people {
		p := &e.people[i]
		p.days = append([]daySplit(nil), staff[i].baseDays...)
		for _, b := range staff[i].busy {
			p.items = append(p.items, item{start: b[0], end: b[1], task: -1})
		}
	}
	for t := range tasks {
		e.assign[t] = -1
		e.obj += tasks[t].penalty
		e.byStart[t] = int32(t)
		e.maxLen = max(e.maxLen, tasks[t].end-tasks[t].start)
	}
	sort.SliceStable(e.byStart, func(a, b int) bool { return tasks[e.byStart[a]].start < tasks[e.byStart[b]].start })
	return e
}

// loadCost is the load term of a person with extra effort seconds in this plan. Committed work
// shifts the curve (a busy person costs more to load further) but is not itself charged.
func (e *engine) loadCost(s int32, load int64) float64 {
	base := float64(e.staff[s].baseSec) / 3600
	h := base + float64(load)/3600
	return e.w.Load * (h*h - base*base)
}

// restCost prices a too-short gap between two neighbouring intervals of one person.
func (e *engine) restCost(a, b item) float64 {
	if e.minGap <= 0 || (a.task < 0 && b.task < 0) {
		return 0
	}
	gap := b.start - a.end
	if gap >= e.minGap {
		return 0
	}
	return e.w.Rest * float64(e.minGap-gap) / float64(e.minGap)
}

// candIndex finds s in t's candidates (sorted by staff index), or -1.
func (e *engine) candIndex(t, s int32) int {
	cands := e.tasks[t].cands
	i := sort.Search(len(cands), func(i int) bool { return cands[i].s >= s })
	if i < len(cands) && cands[i].s == s {
		return i
	}
	return -1
}

func (e *engine) staticOf(t, s int32) float64 {
	if i := e.candIndex(t, s); i >= 0 {
		return e.tasks[t].cands[i].cost
	}
	return 0
}

// slot finds where task t would go in s's schedule and whether it fits (no overlap, day caps).
func (e *engine) slot(t, s int32) (int, bool) {
	ti := &e.tasks[t]
	p := &e.people[s]
	i := sort.Search(len(p.items), func(i int) bool { return p.items[i].end > ti.start })
	if i < len(p.items) && p.items[i].start < ti.end {
		return i, false
	}
	if max := e.staff[s].maxDay; max > 0 {
		for _, d := range ti.splits {
			if daySec(p.days, d.day)+d.sec > max {
				return i, false
			}
		}
	}
	return i, true
}

// insertDelta is the objective change of giving unassigned task t to s (with its static cost c),
// or ok=false when s cannot take it now.
func (e *engine) insertDelta(t, s int32, c float64) (float64, int, bool) {
	i, ok := e.slot(t, s)
	if !ok {
		return 0, i, false
	}
	ti := &e.tasks[t]
	p := &e.people[s]
	x := item{start: ti.start, end: ti.end, task: t}
	d := c - ti.penalty + e.loadCost(s, p.load+ti.effort) - e.loadCost(s, p.load)
	if i > 0 {
		d += e.restCost(p.items[i-1], x)
	}
	if i < len(p.items) {
		d += e.restCost(x, p.items[i])
	}
	if i > 0 && i < len(p.items) {
		d -= e.restCost(p.items[i-1], p.items[i])
	}
	return d, i, true
}

// insert gives unassigned task t to s at schedule position i (from insertDelta) and adds d.
func (e *engine) insert(t, s int32, i int, d float64) {
	ti := &e.tasks[t]
	p := &e.people[s]
	p.items = append(p.items, item{})
	copy(p.items[i+1:], p.items[i:])
	p.items[i] = item{start: ti.start, end: ti.end, task: t}
	for _, sp := range ti.splits {
		p.days = addDay(p.days, sp.day, sp.sec)
	}
	p.load += ti.effort
	e.assign[t] = s
	e.obj += d
}

// removeDelta is the objective change of unassigning task t, and its schedule position.
func (e *engine) removeDelta(t int32) (float64, int) {
	s := e.assign[t]
	ti := &e.tasks[t]
	p := &e.people[s]
	i := sort.Search(len(p.items), func(i int) bool { return p.items[i].start >= ti.start })
	for p.items[i].task != t {
		i++
	}
	d := ti.penalty - e.staticOf(t, s) + e.loadCost(s, p.load-ti.effort) - e.loadCost(s, p.load)
	if i > 0 {
		d -= e.restCost(p.items[i-1], p.items[i])
	}
	if i+1 < len(p.items) {
		d -= e.restCost(p.items[i], p.items[i+1])
	}
	if i > 0 && i+1 < len(p.items) {
		d += e.restCost(p.items[i-1], p.items[i+1])
	}
	return d, i
}

// remove unassigns task t and returns the objective change.
func (e *engine) remove(t int32) float64 {
	d, i := e.removeDelta(t)
	s := e.assign[t]
	ti := &e.tasks[t]
	p := &e.people[s]
	p.items = append(p.items[:i], p.items[i+1:]...)
	for _, sp := range ti.splits {
		p.days = addDay(p.days, sp.day, -sp.sec)
	}
	p.load -= ti.effort
	e.assign[t] = -1
	e.obj += d
	return d
}

// bestInsert finds the cheapest person who can take unassigned task t now, skipping `skip`.
func (e *engine) bestInsert(t int32, skip int32) (s int32, pos int, d float64, ok bool) {
	best := 0.0
	for _, c := range e.tasks[t].cands {
		if c.s == skip {
			continue
		}
		dd, i, fits := e.insertDelta(t, c.s, c.cost)
		if fits && (!ok || dd < best) {
			s, pos, best, ok = c.s, i, dd, true
		}
	}
	return s, pos, best, ok
}

// construct builds a feasible plan: the existing plan first (where it still holds), then tasks
// by priority, fewest candidates and start, each to its cheapest feasible person, then ejection
// chains for the tasks left open. Every step keeps the plan feasible, so when the deadline
// passes it simply stops and the search has a plan to start from.
func (e *engine) construct(existing []int32, deadline time.Time) {
	for t, s := range existing {
		if s < 0 || e.assign[t] >= 0 {
			continue
		}
		if !e.isCand(int32(t), s) {
			continue
		}
		if d, i, ok := e.insertDelta(int32(t), s, e.staticOf(int32(t), s)); ok {
			e.insert(int32(t), s, i, d)
		}
	}
	order := make([]int, len(e.tasks))
	for i := range order {
		order[i] = i
	}
	sortIntsBy(order, func(a, b int) bool {
		ta, tb := &e.tasks[a], &e.tasks[b]
		if ta.penalty != tb.penalty {
			return ta.penalty > tb.penalty
		}
		if len(ta.cands) != len(tb.cands) {
			return len(ta.cands) < len(tb.cands)
		}
		return ta.start < tb.start
	})
	for k, t := range order {
		if k&255 == 0 && time.Now().After(deadline) {
			return
		}
		if e.assign[t] >= 0 {
			continue
		}
		if s, i, d, ok := e.bestInsert(int32(t), -1); ok && d < 0 {
			e.insert(int32(t), s, i, d)
		}
	}
	e.repairOpen(deadline)
	// Like the repair pass, the complete search leaves the local search half of the time left.
	e.exactRepair(time.Now().Add(time.Until(deadline) / 2))
}

func (e *engine) isCand(t, s int32) bool { return e.candIndex(t, s) >= 0 }

const eps = 1e-9

// searchChain and searchChainBudget bound the ejection chains tried as local-search moves
// (depth, and people visited per depth); the repair pass after construction goes deeper.
const (
	searchChain       = 3
	searchChainBudget = 24
)

// improve runs the local search until the deadline, ctx or the iteration cap, and returns the
// number of moves tried. Moves: insert an open task (directly, by an ejection chain, or by
// leaving one less important blocker open), shift a task to another person, swap two people's
// tasks, and ruin-and-recreate of a time window; on small problems a complete search runs now
// and then for what is still open. Only changes that do not worsen the objective are kept, so
// the current plan is always the best so far (anytime without copying).
func (e *engine) improve(ctx context.Context, deadline time.Time, maxIter int) int {
	n := len(e.tasks)
	if n == 0 {
		return 0
	}
	var open []int32
	refreshOpen := func() {
		open = open[:0]
		for t, s := range e.assign {
			if s < 0 && len(e.tasks[t].cands) > 0 {
				open = append(open, int32(t))
			}
		}
	}
	refreshOpen()
	it := 0
	for ; maxIter <= 0 || it < maxIter; it++ {
		if it&63 == 0 {
			if ctx.Err() != nil || time.Now().After(deadline) || e.optimal() {
				break
			}
			if it&4095 == 0 {
				refreshOpen()
			}
			// On small problems, another randomised complete search now and then (at
			// 1024, 4096, 16384... moves, so it stays a small share of the time) for what is
			// still open.
			if it >= 1024 && it&(it-1) == 0 && bits.TrailingZeros(uint(it))%2 == 0 && len(open) > 0 && e.exactRepair(deadline) {
				refreshOpen()
			}
		}
		r := e.rng.IntN(100)
		switch {
		case r < 35 && len(open) > 0:
			k := e.rng.IntN(len(open))
			t := open[k]
			if e.assign[t] >= 0 || e.tryPlace(t) {
				open[k] = open[len(open)-1]
				open = open[:len(open)-1]
			}
		case r < 70:
			e.tryShift(int32(e.rng.IntN(n)))
		case r < 95:
			e.trySwap(int32(e.rng.IntN(n)))
		default:
			// Half of the ruins are centred on an open task: that is where a rearrangement pays.
			if len(open) > 0 && e.rng.IntN(2) == 0 {
				e.ruinRecreate(open[e.rng.IntN(len(open))])
			} else {
				e.ruinRecreate(int32(e.rng.IntN(n)))
			}
			refreshOpen()
		}
	}
	return it
}

// optimal reports whether the current plan reaches the lower bound (gap 0 up to rounding):
// moves only ever lower the objective, so no later plan could be better.
func (e *engine) optimal() bool {
	return e.obj-e.bound <= 1e-9*math.Max(1, math.Abs(e.obj))
}

// tryPlace staffs open task t directly, or by an ejection chain (blockers moved to other people,
// recursively), or by leaving one less important blocker open, when that lowers the objective.
func (e *engine) tryPlace(t int32) bool {
	if s, i, d, ok := e.bestInsert(t, -1); ok {
		if d < -eps {
			e.insert(t, s, i, d)
			return true
		}
		return false
	}
	if e.chainPlace(t, searchChain, searchChainBudget) {
		e.ch.log = e.ch.log[:0]
		return true
	}
	// Ejection chain of depth one: on a few candidates, lift the single blocker.
	cands := e.tasks[t].cands
	tries := min(len(cands), 6)
	for range tries {
		s := cands[e.rng.IntN(len(cands))].s
		b := e.singleBlocker(t, s)
		if b < 0 {
			continue
		}
		before := e.obj
		e.remove(b)
		d, i, ok := e.insertDelta(t, s, e.staticOf(t, s))
		if !ok {
			e.reinsert(b, s)
			continue
		}
		e.insert(t, s, i, d)
		if s2, i2, d2, ok := e.bestInsert(b, s); ok && d2 < 0 {
			e.insert(b, s2, i2, d2)
		}
		if e.obj < before-eps {
			return true
		}
		// Undo.
		if e.assign[b] >= 0 {
			e.remove(b)
		}
		e.remove(t)
		e.reinsert(b, s)
		e.obj = before // the undo restores exactly this state; drop float residue
	}
	return false
}

// reinsert puts task t back on s, where it was moments ago.
func (e *engine) reinsert(t, s int32) {
	d, i, ok := e.insertDelta(t, s, e.staticOf(t, s))
	if !ok {
		panic("solver: reinsert of a task that was just removed failed")
	}
	e.insert(t, s, i, d)
}

// singleBlocker returns the one assigned task on s that overlaps t, if exactly one does and no
// commitment does; -1 otherwise.
func (e *engine) singleBlocker(t, s int32) int32 {
	ti := &e.tasks[t]
	p := &e.people[s]
	i := sort.Search(len(p.items), func(i int) bool { return p.items[i].end > ti.start })
	found := int32(-1)
	for ; i < len(p.items) && p.items[i].start < ti.end; i++ {
		if p.items[i].task < 0 || found >= 0 {
			return -1
		}
		found = p.items[i].task
	}
	if found < 0 {
		// Blocked by the day cap: lift one task sharing a day with it.
		for _, it := range p.items {
			if it.task >= 0 && sharesDay(&e.tasks[it.task], ti) {
				return it.task
			}
		}
	}
	return found
}

func sharesDay(a, b *taskInfo) bool {
	for _, x := range a.splits {
		for _, y := range b.splits {
			if x.day == y.day {
				return true
			}
		}
	}
	return false
}

// tryShift moves assigned task t to the person who takes it most cheaply, if that helps.
func (e *engine) tryShift(t int32) {
	s := e.assign[t]
	if s < 0 || len(e.tasks[t].cands) < 2 {
		return
	}
	before := e.obj
	e.remove(t)
	s2, i, d, ok := e.bestInsert(t, -1)
	if ok && s2 != s && e.obj+d < before-eps {
		e.insert(t, s2, i, d)
		return
	}
	e.reinsert(t, s)
	e.obj = before
}

// trySwap exchanges assigned task t with an overlapping task of another candidate.
func (e *engine) trySwap(t int32) {
	s := e.assign[t]
	cands := e.tasks[t].cands
	if s < 0 || len(cands) < 2 {
		return
	}
	s2 := cands[e.rng.IntN(len(cands))].s
	if s2 == s {
		return
	}
	ti := &e.tasks[t]
	p2 := &e.people[s2]
	j := sort.Search(len(p2.items), func(i int) bool { return p2.items[i].end > ti.start })
	var u int32 = -1
	for ; j < len(p2.items) && p2.items[j].start < ti.end; j++ {
		if p2.items[j].task >= 0 && e.isCand(p2.items[j].task, s) {
			u = p2.items[j].task
			break
		}
	}
	if u < 0 {
		return
	}
	before := e.obj
	e.remove(t)
	e.remove(u)
	d1, i1, ok1 := e.insertDelta(t, s2, e.staticOf(t, s2))
	if ok1 {
		e.insert(t, s2, i1, d1)
		d2, i2, ok2 := e.insertDelta(u, s, e.staticOf(u, s))
		if ok2 && e.obj+d2 < before-eps {
			e.insert(u, s, i2, d2)
			return
		}
		e.remove(t)
	}
	e.reinsert(t, s)
	e.reinsert(u, s2)
	e.obj = before
}

// ruinRecreate unassigns a handful of tasks around t's time and staffs that window again, open
// tasks included, in a random priority-respecting order, with ejection chains for what greedy
// insertion cannot place; the old plan is restored if the new one is worse. Equal plans are
// kept, so the search can drift across plateaus toward one where an open task fits.
func (e *engine) ruinRecreate(t int32) {
	ti := &e.tasks[t]
	lo, hi := ti.start-3600, ti.end+3600
	first := sort.Search(len(e.byStart), func(i int) bool { return e.tasks[e.byStart[i]].start >= lo-e.maxLen })
	var window []int32
	for k := first; k < len(e.byStart) && e.tasks[e.byStart[k]].start < hi; k++ {
		u := e.byStart[k]
		if e.tasks[u].end > lo && len(e.tasks[u].cands) > 0 {
			window = append(window, u)
		}
	}
	if len(window) == 0 {
		return
	}
	e.rng.Shuffle(len(window), func(a, b int) { window[a], window[b] = window[b], window[a] })
	if len(window) > 40 {
		window = window[:40]
	}
	k := 2 + e.rng.IntN(min(len(window), 10))
	before := e.obj
	e.ch.log = e.ch.log[:0]
	for _, u := range window[:min(k, len(window))] {
		if e.assign[u] >= 0 {
			e.doRemove(u)
		}
	}
	sortIntsBy32(window, func(a, b int32) bool { return e.tasks[a].penalty > e.tasks[b].penalty })
	for _, u := range window {
		if e.assign[u] >= 0 {
			continue
		}
		if s, i, d, ok := e.bestInsert(u, -1); ok {
			if d < 0 {
				e.doInsert(u, s, i, d)
			}
		} else {
			e.chainPlace(u, searchChain, searchChainBudget)
		}
	}
	if e.obj <= before+eps {
		e.ch.log = e.ch.log[:0]
		return
	}
	e.rollback(0)
	e.obj = before
}

func sortIntsBy32(s []int32, less func(a, b int32) bool) {
	sort.SliceStable(s, func(x, y int) bool { return less(s[x], s[y]) })
}

// recompute evaluates the objective from scratch; the search keeps it incrementally and this
// pins down float drift and double-checks the bookkeeping.
func (e *engine) recompute() float64 {
	obj := 0.0
	for t, s := range e.assign {
		if s < 0 {
			obj += e.tasks[t].penalty
		} else {
			obj += e.staticOf(int32(t), s)
		}
	}
	for s := range e.people {
		p := &e.people[s]
		obj += e.loadCost(int32(s), p.load)
		for i := 1; i < len(p.items); i++ {
			obj += e.restCost(p.items[i-1], p.items[i])
		}
	}
	return obj
}

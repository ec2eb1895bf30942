package solver

import (
	"sort"
	"time"
)

// An open task whose every candidate is busy can often be staffed only by moving work around:
// give it to person A by lifting A's overlapping task, which goes to B by lifting B's, and so
// on until someone is free (an ejection chain; with equal windows it is exactly an augmenting
// path of bipartite matching). The single moves of the local search cannot find such a plan
// because every intermediate step is worse, so the chain is searched as one move.

// maxEject bounds how many tasks one step of a chain may lift from a person (the overlapping
// ones, plus one more when the day's hour cap is what blocks).
const maxEject = 2

// op is one applied change, journaled so that a chain that fails can be undone exactly.
type op struct {
	t, s int32
	ins  bool
}

// chainState is the scratch space of chain searches, kept on the engine to avoid allocations.
type chainState struct {
	log    []op
	visit  []uint32 // stamp per person: visited in the current search
	stamp  uint32
	budget int
}

func (e *engine) doInsert(t, s int32, i int, d float64) {
	e.insert(t, s, i, d)
	e.ch.log = append(e.ch.log, op{t: t, s: s, ins: true})
}

func (e *engine) doRemove(t int32) {
	s := e.assign[t]
	e.remove(t)
	e.ch.log = append(e.ch.log, op{t: t, s: s})
}

// rollback undoes the journal down to mark, in reverse, which restores every schedule exactly.
func (e *engine) rollback(mark int) {
	for k := len(e.ch.log) - 1; k >= mark; k-- {
		o := e.ch.log[k]
		if o.ins {
			e.remove(o.t)
		} else {
			e.reinsert(o.t, o.s)
		}
	}
	e.ch.log = e.ch.log[:mark]
}

// chainPlace tries to staff open task t by an ejection chain of at most maxDepth steps,
// shortest chains first (they change the fewest assignments), visiting at most budget people
// per depth. It keeps the result only when the objective improves; its changes stay in the
// journal, so a caller that journals too can still undo them.
func (e *engine) chainPlace(t int32, maxDepth, budget int) bool {
	if e.ch.visit == nil {
		e.ch.visit = make([]uint32, len(e.staff))
	}
	before := e.obj
	mark := len(e.ch.log)
	for depth := 1; depth <= maxDepth; depth++ {
		e.ch.stamp++
		e.ch.budget = budget
		if !e.place(t, depth) {
			continue
		}
		if e.obj < before-eps {
			return true
		}
		e.rollback(mark)
		e.obj = before // the undo restores exactly this state; drop float residue
		return false   // deeper chains only add changes to the same kind of plan
	}
	return false
}

// place staffs task x directly with its cheapest free candidate, or else gives it to a person
// not already on the current chain after lifting the tasks in its way, each of which must then
// be placed with one step less. The budget (people tried per search) bounds the work. On false
// nothing changed.
func (e *engine) place(x int32, depth int) bool {
	if s, i, d, ok := e.bestInsert(x, -1); ok {
		e.doInsert(x, s, i, d)
		return true
	}
	cands := e.tasks[x].cands
	if depth == 0 || len(cands) == 0 {
		return false
	}
	off := e.rng.IntN(len(cands))
	var buf [maxEject + 4]int32
	for k := range cands {
		if e.ch.budget <= 0 {
			return false
		}
		s := cands[(off+k)%len(cands)].s
		if e.ch.visit[s] == e.ch.stamp {
			continue
		}
		e.ch.visit[s] = e.ch.stamp
		e.ch.budget--
		lifted, ok := e.blockers(x, s, buf[:0])
		if !ok || len(lifted) == 0 {
			e.ch.visit[s] = 0
			continue
		}
		mark := len(e.ch.log)
		for _, b := range lifted {
			e.doRemove(b)
		}
		d, i, fits := e.insertDelta(x, s, e.staticOf(x, s))
		if !fits {
			e.rollback(mark)
			continue
		}
		e.doInsert(x, s, i, d)
		all := true
		for _, b := range lifted {
			if !e.place(b, depth-1) {
				all = false
				break
			}
		}
		if all {
			return true
		}
		e.rollback(mark)
		e.ch.visit[s] = 0
	}
	return false
}

// blockers lists the plan's tasks on s that must go for x to fit there: those overlapping x,
// and, when the day's hour cap still does not leave room, the smallest task of that day whose
// minutes cover the excess. ok is false when a commitment is in the way or more than maxEject
// tasks would have to go.
func (e *engine) blockers(x, s int32, out []int32) ([]int32, bool) {
	ti := &e.tasks[x]
	p := &e.people[s]
	i := sort.Search(len(p.items), func(i int) bool { return p.items[i].end > ti.start })
	for ; i < len(p.items) && p.items[i].start < ti.end; i++ {
		if p.items[i].task < 0 || len(out) == maxEject {
			return out, false
		}
		out = append(out, p.items[i].task)
	}
	limit := e.staff[s].maxDay
	if limit <= 0 {
		return out, true
	}
	for _, d := range ti.splits {
		used := daySec(p.days, d.day) + d.sec
		for _, b := range out {
			used -= daySec(e.tasks[b].splits, d.day)
		}
		excess := used - limit
		if excess <= 0 {
			continue
		}
		if len(out) == maxEject {
			return out, false
		}
		best, bestSec := int32(-1), int64(0)
		for _, it := range p.items {
			if it.task < 0 || containsTask(out, it.task) {
				continue
			}
			if sec := daySec(e.tasks[it.task].splits, d.day); sec >= excess && (best < 0 || sec < bestSec) {
				best, bestSec = it.task, sec
			}
		}
		if best < 0 {
			return out, false
		}
		out = append(out, best)
	}
	return out, true
}

func containsTask(list []int32, t int32) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

// repairOpen runs deep chains for each open task, most important first, for at most half the
// time left before the deadline (the local search needs the rest). It is the closing pass of
// construction: greedy insertion leaves exactly the tasks that need someone else to move.
func (e *engine) repairOpen(deadline time.Time) {
	deadline = time.Now().Add(time.Until(deadline) / 2)
	var open []int32
	for t, s := range e.assign {
		if s < 0 && len(e.tasks[t].cands) > 0 {
			open = append(open, int32(t))
		}
	}
	sortIntsBy32(open, func(a, b int32) bool { return e.tasks[a].penalty > e.tasks[b].penalty })
	for k, t := range open {
		if k&15 == 0 && time.Now().After(deadline) {
			return
		}
		if e.assign[t] >= 0 {
			continue
		}
		if s, i, d, ok := e.bestInsert(t, -1); ok {
			if d < -eps {
				e.insert(t, s, i, d)
			}
			continue
		}
		e.chainPlace(t, deepChain, 4*len(e.staff))
		e.ch.log = e.ch.log[:0]
	}
}

// deepChain is the depth of the closing repair pass; its budget of people tried per depth
// bounds the work.
const deepChain = 6

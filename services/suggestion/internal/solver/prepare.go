package solver

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// normSkill is the comparison form of a skill name.
func normSkill(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// daySplit is the effort a task (or commitment) counts on one local day.
type daySplit struct {
	day int32 // days since 1970-01-01 of the local civil date
	sec int64
}

// splitDays spreads effort seconds over the local days [start, end) touches, proportionally to
// the time spent on each, so a task crossing midnight counts on both days.
func splitDays(start, end time.Time, loc *time.Location, effort int64) []daySplit {
	window := end.Sub(start)
	if window <= 0 {
		return nil
	}
	var out []daySplit
	cur := start.In(loc)
	var given int64
	for cur.Before(end) {
		y, m, d := cur.Date()
		next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
		if !next.After(cur) { // paranoia against odd zone data
			next = cur.Add(24 * time.Hour)
		}
		if next.After(end) {
			next = end.In(loc)
		}
		part := next.Sub(cur)
		sec := int64(math.Round(float64(effort) * float64(part) / float64(window)))
		out = append(out, daySplit{day: civilDay(y, m, d), sec: sec})
		given += sec
		cur = next
	}
	out[len(out)-1].sec += effort - given // rounding remainder
	return out
}

func civilDay(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// taskInfo is a task in the solver's working form.
type taskInfo struct {
	start, end int64 // unix seconds
	effort     int64 // seconds counted toward hours
	splits     []daySplit
	penalty    float64 // cost of leaving it unassigned
	prev       int32   // previous assignee index or -1
	cands      []cand  // eligible staff, by staff index (for binary search)
	skills     []normReq
}

type normReq struct {
	name  string
	id    int // index into staffInfo.levels / perfs
	level int
}

// cand is an eligible person for a task with the task-local part of the cost.
type cand struct {
	s    int32
	cost float64
}

type staffInfo struct {
	windows  [][2]int64 // merged availability, sorted; nil = always
	maxDay   int64      // seconds per local day, 0 = none
	skills   map[string]int
	perf     map[string]float64
	pref     map[string]float64
	baseSec  int64      // committed effort
	baseDays []daySplit // committed effort per local day
	busy     [][2]int64 // committed intervals, sorted
	// levels and perfs are skills and performance indexed by skill id, for the hot loops
	// (perfs < 0: no history).
	levels []uint8
	perfs  []float32
}

// daySec is the effort on day d in a small per-person day list (a handful of days, so a scan
// beats a map).
func daySec(days []daySplit, d int32) int64 {
	for _, x := range days {
		if x.day == d {
			return x.sec
		}
	}
	return 0
}

func addDay(days []daySplit, d int32, sec int64) []daySplit {
	for i := range days {
		if days[i].day == d {
			days[i].sec += sec
			return days
		}
	}
	return append(days, daySplit{day: d, sec: sec})
}

// validate lists every input error so the caller can answer them all at once.
func validate(p *Problem) error {
	var errs []FieldError
	add := func(field, format string, a ...any) {
		if len(errs) < 50 {
			errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, a...)})
		}
	}
	seenTask := make(map[string]bool, len(p.Tasks))
	for i, t := range p.Tasks {
		f := fmt.Sprintf("tasks[%d]", i)
		if t.ID == "" {
			add(f+".id", "is required")
		} else if seenTask[t.ID] {
			add(f+".id", "duplicate task id %q", t.ID)
		}
		seenTask[t.ID] = true
		if !t.End.After(t.Start) {
			add(f+".ends_at", "must be after starts_at")
		}
		if t.Priority < 0 || t.Priority > 5 {
			add(f+".priority", "must be 1-5")
		}
		if t.DurationMinutes < 0 {
			add(f+".duration_minutes", "must not be negative")
		}
		for k, r := range t.Skills {
			if normSkill(r.Name) == "" {
				add(fmt.Sprintf("%s.required_skills[%d].name", f, k), "is required")
			}
			if r.MinLevel < 1 || r.MinLevel > 5 {
				add(fmt.Sprintf("%s.required_skills[%d].min_level", f, k), "must be 1-5")
			}
		}
	}
	seenStaff := make(map[string]bool, len(p.Staff))
	for i, s := range p.Staff {
		f := fmt.Sprintf("staff[%d]", i)
		if s.ID == "" {
			add(f+".id", "is required")
		} else if seenStaff[s.ID] {
			add(f+".id", "duplicate staff id %q", s.ID)
		}
		seenStaff[s.ID] = true
		if s.MaxMinutesPerDay < 0 {
			add(f+".max_minutes_per_day", "must not be negative")
		}
		for name, lv := range s.Skills {
			if lv < 0 || lv > 5 {
				add(f+".skills."+name, "level must be 0-5")
			}
		}
		for name, v := range s.Performance {
			if v < 0 || v > 1 || math.IsNaN(v) {
				add(f+".performance."+name, "must be in [0,1]")
			}
		}
		for name, v := range s.Preferences {
			if v < -1 || v > 1 || math.IsNaN(v) {
				add(f+".preferences."+name, "must be in [-1,1]")
			}
		}
		for k, w := range s.Availability {
			if !w.End.After(w.Start) {
				add(fmt.Sprintf("%s.availability[%d]", f, k), "ends_at must be after starts_at")
			}
		}
		for k, w := range s.Committed {
			if !w.End.After(w.Start) {
				add(fmt.Sprintf("%s.committed[%d]", f, k), "ends_at must be after starts_at")
			}
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	return nil
}

func priorityOf(t Task) int {
	if t.Priority == 0 {
		return 3
	}
	return t.Priority
}

// unassignedPenalty is the price of leaving a task of this priority open.
func unassignedPenalty(w Weights, priority int) float64 {
	return w.Unassigned * math.Pow(w.PriorityFactor, float64(priority-1))
}

// prepare converts the problem and builds every task's eligibility list. Static exclusions
// (skill, availability, clashes with commitments, a day already too full) are settled here once,
// through a per-skill index so that 10,000 tasks × 1,000 staff never touch a dense matrix.
func prepare(p *Problem) ([]taskInfo, []staffInfo, map[string]int) {
	loc := p.Location
	w := p.Weights
	staffIdx := make(map[string]int, len(p.Staff))
	staff := make([]staffInfo, len(p.Staff))
	skillID := map[string]int{}
	intern := func(name string) int {
		id, ok := skillID[name]
		if !ok {
			id = len(skillID)
			skillID[name] = id
		}
		return id
	}
	for _, s := range p.Staff {
		for name := range s.Skills {
			intern(normSkill(name))
		}
	}
	for _, t := range p.Tasks {
		for _, r := range t.Skills {
			intern(normSkill(r.Name))
		}
	}
	// atLeast[skill][level] lists, in staff order, who holds the skill at that level or above.
	atLeast := make([][6][]int32, len(skillID))
	for i, s := range p.Staff {
		staffIdx[s.ID] = i
		si := staffInfo{
			maxDay: int64(s.MaxMinutesPerDay) * 60,
			skills: make(map[string]int, len(s.Skills)),
			perf:   make(map[string]float64, len(s.Performance)),
			pref:   make(map[string]float64, len(s.Preferences)),
		}
		for name, lv := range s.Skills {
			n := normSkill(name)
			if lv > si.skills[n] {
				si.skills[n] = lv
			}
		}
		si.levels = make([]uint8, len(skillID))
		si.perfs = make([]float32, len(skillID))
		for k := range si.perfs {
			si.perfs[k] = -1
		}
		for name, lv := range si.skills {
			id := skillID[name]
			si.levels[id] = uint8(lv)
			for l := 1; l <= lv; l++ {
				atLeast[id][l] = append(atLeast[id][l], int32(i))
			}
		}
		for name, v := range s.Performance {
			n := normSkill(name)
			si.perf[n] = v
			if id, ok := skillID[n]; ok {
				si.perfs[id] = float32(v)
			}
		}
		for name, v := range s.Preferences {
			si.pref[normSkill(name)] = v
		}
		si.windows = mergeIntervals(s.Availability)
		si.busy = mergeIntervals(s.Committed)
		for _, c := range s.Committed {
			eff := int64(c.End.Sub(c.Start) / time.Second)
			si.baseSec += eff
			for _, d := range splitDays(c.Start, c.End, loc, eff) {
				si.baseDays = addDay(si.baseDays, d.day, d.sec)
			}
		}
		staff[i] = si
	}
	tasks := make([]taskInfo, len(p.Tasks))
	var everyone []int32
	// Candidate lists are cut from shared chunks: one allocation per many tasks.
	var chunk []cand
	for ti, t := range p.Tasks {
		info := taskInfo{
			start:   t.Start.Unix(),
			end:     t.End.Unix(),
			penalty: unassignedPenalty(w, priorityOf(t)),
			prev:    -1,
		}
		info.effort = info.end - info.start
		if t.DurationMinutes > 0 {
			info.effort = int64(t.DurationMinutes) * 60
		}
		info.splits = splitDays(t.Start, t.End, loc, info.effort)
		if j, ok := staffIdx[t.PreviousAssignee]; ok && t.PreviousAssignee != "" {
			info.prev = int32(j)
		}
		for _, r := range t.Skills {
			n := normSkill(r.Name)
			info.skills = append(info.skills, normReq{name: n, id: skillID[n], level: r.MinLevel})
		}
		// Scan only the holders of the rarest required skill at its level.
		var pool []int32
		if len(info.skills) == 0 {
			if everyone == nil {
				everyone = make([]int32, len(staff))
				for i := range everyone {
					everyone[i] = int32(i)
				}
			}
			pool = everyone
		} else {
			pool = atLeast[info.skills[0].id][info.skills[0].level]
			for _, r := range info.skills[1:] {
				if l := atLeast[r.id][r.level]; len(l) < len(pool) {
					pool = l
				}
			}
		}
		area := normSkill(t.Area)
		if cap(chunk)-len(chunk) < len(pool) {
			chunk = make([]cand, 0, max(1<<14, len(pool)))
		}
		from := len(chunk)
		// pool is in staff order, so cands come out sorted by staff index.
		for _, s := range pool {
			if eligible(&info, &staff[s]) {
				chunk = append(chunk, cand{s: s, cost: staticCost(w, area, &info, &staff[s], s)})
			}
		}
		info.cands = chunk[from:len(chunk):len(chunk)]
		tasks[ti] = info
	}
	return tasks, staff, staffIdx
}

// eligible applies the hard rules that do not depend on other assignments.
func eligible(t *taskInfo, s *staffInfo) bool {
	for _, r := range t.skills {
		if int(s.levels[r.id]) < r.level {
			return false
		}
	}
	if !covered(s.windows, t.start, t.end) {
		return false
	}
	if overlapsAny(s.busy, t.start, t.end) {
		return false
	}
	if s.maxDay > 0 {
		for _, d := range t.splits {
			if daySec(s.baseDays, d.day)+d.sec > s.maxDay {
				return false
			}
		}
	}
	return true
}

// staticCost is the part of an assignment's cost that depends only on the pair; area is the
// task's area in comparison form.
func staticCost(w Weights, area string, info *taskInfo, s *staffInfo, idx int32) float64 {
	c := 0.0
	perf := 0.0
	for _, r := range info.skills {
		c += w.SkillWaste * float64(int(s.levels[r.id])-r.level)
		if v := s.perfs[r.id]; v >= 0 {
			perf += float64(v)
		} else {
			perf += w.PerformancePrior
		}
	}
	if len(info.skills) > 0 {
		c += w.Performance * (1 - perf/float64(len(info.skills)))
	} else {
		c += w.Performance * (1 - w.PerformancePrior)
	}
	if info.prev >= 0 && info.prev != idx {
		c += w.Stability
	}
	if len(s.pref) == 0 {
		return c
	}
	if v, ok := s.pref[area]; ok && area != "" {
		c -= w.Preference * v
	} else {
		for _, r := range info.skills {
			if v, ok := s.pref[r.name]; ok {
				c -= w.Preference * v
				break
			}
		}
	}
	return c
}

func perfOf(w Weights, s *staffInfo, skill string) float64 {
	if v, ok := s.perf[skill]; ok {
		return v
	}
	return w.PerformancePrior
}

// mergeIntervals sorts and merges intervals into unix-second pairs.
func mergeIntervals(in []Interval) [][2]int64 {
	if len(in) == 0 {
		return nil
	}
	out := make([][2]int64, 0, len(in))
	for _, iv := range in {
		out = append(out, [2]int64{iv.Start.Unix(), iv.End.Unix()})
	}
	sort.Slice(out, func(a, b int) bool { return out[a][0] < out[b][0] })
	merged := out[:1]
	for _, iv := range out[1:] {
		last := &merged[len(merged)-1]
		if iv[0] <= last[1] {
			last[1] = max(last[1], iv[1])
		} else {
			merged = append(merged, iv)
		}
	}
	return merged
}

// covered reports whether one window holds [start, end); nil windows mean always available.
func covered(windows [][2]int64, start, end int64) bool {
	if windows == nil {
		return true
	}
	i := sort.Search(len(windows), func(i int) bool { return windows[i][1] >= end })
	return i < len(windows) && windows[i][0] <= start
}

// overlapsAny reports whether [start, end) meets any of the sorted, merged intervals.
func overlapsAny(busy [][2]int64, start, end int64) bool {
	i := sort.Search(len(busy), func(i int) bool { return busy[i][1] > start })
	return i < len(busy) && busy[i][0] < end
}

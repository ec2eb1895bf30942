package solver

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Violation is a broken hard rule in a plan.
type Violation struct {
	TaskID  string
	StaffID string
	// Kind is one of unknown_task, duplicate_task, unknown_staff, skill, availability,
	// overlap, hours.
	Kind   string
	Detail string
}

// Verify checks a plan against the hard rules from the raw problem, sharing no code with the
// search, so a bookkeeping bug in the solver cannot hide its own violations.
func Verify(p Problem, plan Plan) []Violation {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	var out []Violation
	tasks := make(map[string]*Task, len(p.Tasks))
	for i := range p.Tasks {
		tasks[p.Tasks[i].ID] = &p.Tasks[i]
	}
	staff := make(map[string]*Staff, len(p.Staff))
	for i := range p.Staff {
		staff[p.Staff[i].ID] = &p.Staff[i]
	}
	seen := map[string]bool{}
	byStaff := map[string][]*Task{}
	for _, a := range plan.Assignments {
		t, ok := tasks[a.TaskID]
		if !ok {
			out = append(out, Violation{TaskID: a.TaskID, StaffID: a.StaffID, Kind: "unknown_task", Detail: "task not in the problem"})
			continue
		}
		if seen[a.TaskID] {
			out = append(out, Violation{TaskID: a.TaskID, StaffID: a.StaffID, Kind: "duplicate_task", Detail: "task appears twice in the plan"})
			continue
		}
		seen[a.TaskID] = true
		if a.StaffID == "" {
			continue
		}
		s, ok := staff[a.StaffID]
		if !ok {
			out = append(out, Violation{TaskID: a.TaskID, StaffID: a.StaffID, Kind: "unknown_staff", Detail: "assignee is not among the given staff"})
			continue
		}
		for _, r := range t.Skills {
			lv := 0
			for name, l := range s.Skills {
				if strings.EqualFold(strings.TrimSpace(name), strings.TrimSpace(r.Name)) && l > lv {
					lv = l
				}
			}
			if lv < r.MinLevel {
				out = append(out, Violation{TaskID: a.TaskID, StaffID: a.StaffID, Kind: "skill",
					Detail: fmt.Sprintf("%s level %d < %d", r.Name, lv, r.MinLevel)})
			}
		}
		if len(s.Availability) > 0 && !coveredByUnion(s.Availability, t.Start, t.End) {
			out = append(out, Violation{TaskID: a.TaskID, StaffID: a.StaffID, Kind: "availability", Detail: "task window outside availability"})
		}
		for _, c := range s.Committed {
			if t.Start.Before(c.End) && c.Start.Before(t.End) {
				out = append(out, Violation{TaskID: a.TaskID, StaffID: a.StaffID, Kind: "overlap", Detail: "overlaps committed work"})
			}
		}
		byStaff[a.StaffID] = append(byStaff[a.StaffID], t)
	}
	ids := make([]string, 0, len(byStaff))
	for id := range byStaff {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		list := byStaff[id]
		for i := range list {
			for j := i + 1; j < len(list); j++ {
				if list[i].Start.Before(list[j].End) && list[j].Start.Before(list[i].End) {
					out = append(out, Violation{TaskID: list[j].ID, StaffID: id, Kind: "overlap",
						Detail: "overlaps task " + list[i].ID})
				}
			}
		}
		s := staff[id]
		if s.MaxMinutesPerDay <= 0 {
			continue
		}
		// Per local date, cutting at each local midnight; effort is spread by time on each date.
		perDay := map[string]float64{}
		add := func(start, end time.Time, effortMin float64) {
			total := end.Sub(start).Minutes()
			for cur := start.In(loc); cur.Before(end); {
				y, m, d := cur.Date()
				next := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
				if next.After(end) {
					next = end
				}
				perDay[cur.Format("2006-01-02")] += effortMin * next.Sub(cur).Minutes() / total
				cur = next.In(loc)
			}
		}
		for _, t := range list {
			eff := t.End.Sub(t.Start).Minutes()
			if t.DurationMinutes > 0 {
				eff = float64(t.DurationMinutes)
			}
			add(t.Start, t.End, eff)
		}
		for _, c := range s.Committed {
			add(c.Start, c.End, c.End.Sub(c.Start).Minutes())
		}
		days := make([]string, 0, len(perDay))
		for d := range perDay {
			days = append(days, d)
		}
		sort.Strings(days)
		for _, d := range days {
			// One minute of slack absorbs the rounding of efforts split across midnight.
			if perDay[d] > float64(s.MaxMinutesPerDay)+1 {
				out = append(out, Violation{StaffID: id, Kind: "hours",
					Detail: fmt.Sprintf("%s: %.0f min > %d", d, perDay[d], s.MaxMinutesPerDay)})
			}
		}
	}
	return out
}

// coveredByUnion reports whether the union of windows holds [start, end).
func coveredByUnion(windows []Interval, start, end time.Time) bool {
	ws := append([]Interval(nil), windows...)
	sort.Slice(ws, func(i, j int) bool { return ws[i].Start.Before(ws[j].Start) })
	cur := start
	for _, w := range ws {
		if w.Start.After(cur) {
			break
		}
		if w.End.After(cur) {
			cur = w.End
		}
		if !cur.Before(end) {
			return true
		}
	}
	return !cur.Before(end)
}

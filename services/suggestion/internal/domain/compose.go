package domain

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/eventai/eventai/services/suggestion/internal/learning"
	"github.com/eventai/eventai/services/suggestion/internal/planner"
	"github.com/eventai/eventai/services/suggestion/internal/solver"
)

// Inputs is everything one suggestion reads, loaded by the use case.
type Inputs struct {
	SuggestionID uuid.UUID
	Event        Event
	Request      Request
	// Drafts are the planner's expanded one-person drafts (modes that plan).
	Drafts []planner.TaskDraft
	// EventTasks are the event's tasks in the read model (deleted ones left out).
	EventTasks []Task
	// Staff are the people who may be given tasks.
	Staff []Staff
	// Previous are the tasks of the event's latest ready suggestion: the stability reference
	// when the task read model has none of its proposals yet.
	Previous []ProposedTask
	// Commitments are approved, assigned tasks of those people in any event: busy time.
	Commitments []Task
	Learning    *learning.Model
	NewID       func() uuid.UUID
}

// Composed is the optimiser problem of a suggestion and its tasks in the problem's order.
type Composed struct {
	Problem solver.Problem
	Tasks   []ProposedTask
	// Skipped counts drafted seats already covered by approved tasks.
	Skipped int
}

// Compose turns the inputs into the tasks to propose and the optimiser problem.
//
// Modes that plan draft the event's work; a slot group's seats that approved tasks already
// fill are not proposed again (approved work is never replaced), and the remaining seats keep
// the assignees of the earlier, still-proposed plan as the stability reference (from the task
// read model, or from the previous suggestion before the task service has reported its tasks). The assign
// mode restaffs the event's open tasks and the earlier plan's proposals; plan_and_assign also
// restaffs open tasks that did not come from an earlier AI plan (the new plan replaces those).
// Earlier AI proposals get new ids because the task service deletes them when this suggestion
// arrives; other open tasks keep the id the task service gave them.
func Compose(in Inputs) Composed {
	c := Composed{}
	loc, err := time.LoadLocation(in.Event.Timezone)
	if err != nil {
		loc = time.UTC
	}
	covered := map[string]int{}
	previous := map[string][]string{}
	for _, t := range in.EventTasks {
		if t.SlotGroup == "" {
			continue
		}
		switch {
		case t.Approval == ApprovalApproved:
			covered[t.SlotGroup]++
		case t.IsEarlierProposal() && t.AssigneeID != nil:
			previous[t.SlotGroup] = append(previous[t.SlotGroup], t.AssigneeID.String())
		}
	}
	if len(previous) == 0 {
		for _, t := range in.Previous {
			if t.SlotGroup != "" && t.AssigneeID != nil {
				previous[t.SlotGroup] = append(previous[t.SlotGroup], t.AssigneeID.String())
			}
		}
	}
	for _, p := range previous {
		sort.Strings(p)
	}
	staffIDs := make(map[string]bool, len(in.Staff))
	for _, s := range in.Staff {
		staffIDs[s.ID.String()] = true
	}
	base := func(id uuid.UUID) ProposedTask {
		return ProposedTask{ID: id, EventID: in.Event.ID, CompanyID: in.Event.CompanyID, Approval: ApprovalProposed,
			Status: "pending", Source: SourceAI, SuggestionID: in.SuggestionID, Reasons: []string{}}
	}
	var prev []string
	if in.Request.Plans() {
		for _, d := range in.Drafts {
			if covered[d.SlotGroup] > 0 {
				covered[d.SlotGroup]--
				c.Skipped++
				continue
			}
			t := base(in.NewID())
			t.Title, t.Description, t.Area, t.SlotGroup = d.Title, d.Description, d.Area, d.SlotGroup
			t.StartsAt, t.EndsAt, t.Priority = d.Start.UTC(), d.End.UTC(), d.Priority
			t.RequiredSkills = make([]Requirement, 0, len(d.RequiredSkills))
			for _, s := range d.RequiredSkills {
				t.RequiredSkills = append(t.RequiredSkills, Requirement{Name: s.Name, MinLevel: s.MinLevel})
			}
			p := ""
			if q := previous[d.SlotGroup]; len(q) > 0 {
				p, previous[d.SlotGroup] = q[0], q[1:]
			}
			c.Tasks = append(c.Tasks, t)
			prev = append(prev, p)
		}
	}
	if in.Request.Assigns() {
		for _, et := range in.EventTasks {
			earlier := et.IsEarlierProposal()
			if !earlier && !et.IsOpen() {
				continue
			}
			if earlier && in.Request.Plans() {
				continue // replaced by the new plan's drafts
			}
			id, existing := et.ID, true
			if earlier {
				id, existing = in.NewID(), false
			}
			t := base(id)
			t.Existing = existing
			t.Title, t.Description, t.Area, t.SlotGroup = et.Title, et.Description, et.Area, et.SlotGroup
			t.StartsAt, t.EndsAt, t.Priority = et.StartsAt.UTC(), et.EndsAt.UTC(), et.Priority
			t.RequiredSkills = append([]Requirement{}, et.RequiredSkills...)
			p := ""
			if et.AssigneeID != nil {
				p = et.AssigneeID.String()
			}
			c.Tasks = append(c.Tasks, t)
			prev = append(prev, p)
		}
	}

	inProblem := make(map[uuid.UUID]bool, len(c.Tasks))
	pt := make([]solver.Task, len(c.Tasks))
	existing := map[string]string{}
	for i, t := range c.Tasks {
		inProblem[t.ID] = true
		// The read model is other services' data: clamp what the optimiser would refuse
		// rather than failing the whole suggestion on one odd task.
		skills := make([]solver.SkillReq, 0, len(t.RequiredSkills))
		for _, r := range t.RequiredSkills {
			if strings.TrimSpace(r.Name) != "" {
				skills = append(skills, solver.SkillReq{Name: r.Name, MinLevel: min(max(r.MinLevel, 1), 5)})
			}
		}
		if t.Priority < 1 || t.Priority > 5 {
			c.Tasks[i].Priority = min(max(t.Priority, 1), 5)
		}
		if !staffIDs[prev[i]] {
			prev[i] = ""
		}
		pt[i] = solver.Task{ID: t.ID.String(), Start: t.StartsAt, End: t.EndsAt, Skills: skills, Priority: c.Tasks[i].Priority,
			SlotGroup: t.SlotGroup, Area: t.Area, PreviousAssignee: prev[i]}
		if prev[i] != "" {
			existing[t.ID.String()] = prev[i]
		}
	}
	busy := map[uuid.UUID][]solver.Interval{}
	for _, t := range in.Commitments {
		if t.AssigneeID == nil || inProblem[t.ID] {
			continue
		}
		busy[*t.AssigneeID] = append(busy[*t.AssigneeID], solver.Interval{Start: t.StartsAt, End: t.EndsAt})
	}
	ps := make([]solver.Staff, 0, len(in.Staff))
	for _, s := range in.Staff {
		av := make([]solver.Interval, 0, len(s.Availability))
		for _, w := range s.Availability {
			if w.StartsAt.Before(w.EndsAt) {
				av = append(av, solver.Interval{Start: w.StartsAt, End: w.EndsAt})
			}
		}
		if len(s.Availability) > 0 && len(av) == 0 {
			// Only empty windows: available never, which is not "no windows = always".
			av = append(av, solver.Interval{Start: time.Unix(0, 0), End: time.Unix(1, 0)})
		}
		levels := s.Levels()
		for k, lv := range levels {
			levels[k] = min(max(lv, 0), 5)
		}
		st := solver.Staff{ID: s.ID.String(), Skills: levels, Availability: av,
			MaxMinutesPerDay: int(math.Round(max(s.MaxHoursPerDay, 0) * 60)), Committed: busy[s.ID]}
		if in.Learning != nil {
			st.Performance = in.Learning.Performance(s.ID.String())
		}
		ps = append(ps, st)
	}
	c.Problem = solver.Problem{Tasks: pt, Staff: ps, Location: loc, Seed: in.Request.Seed, TimeLimit: in.Request.TimeLimit}
	if len(existing) > 0 {
		c.Problem.Existing = existing
	}
	return c
}

// Assemble turns a solved plan into the suggestion's body: assignees and reasons on every task,
// the unassigned ones with why, teams per area, and the metrics (hard violations counted by
// the optimiser's independent Verify, not taken on its word).
func Assemble(c Composed, plan solver.Plan, in Inputs) Body {
	b := Body{Tasks: make([]ProposedTask, len(c.Tasks)), Unassigned: []Unassigned{}, Teams: []Team{}, Skipped: c.Skipped}
	copy(b.Tasks, c.Tasks)
	staff := make(map[uuid.UUID]Staff, len(in.Staff))
	for _, s := range in.Staff {
		staff[s.ID] = s
	}
	for i, a := range plan.Assignments {
		t := &b.Tasks[i]
		t.Reasons = append([]string{}, a.Reasons...)
		t.Explanation = a.Detail
		if a.StaffID == "" {
			b.Unassigned = append(b.Unassigned, Unassigned{Task: *t, Reasons: t.Reasons})
			continue
		}
		id, err := uuid.Parse(a.StaffID)
		if err != nil {
			continue // the solver only answers ids it was given
		}
		t.AssigneeID = &id
		if in.Learning != nil {
			t.Reasons = append(t.Reasons, trackRecord(in.Learning, a.StaffID, t.RequiredSkills, t.Area)...)
		}
	}
	b.Metrics = plan.Metrics
	b.Metrics.Tasks = len(b.Tasks)
	b.Metrics.HardViolations = len(solver.Verify(c.Problem, plan))
	b.Teams = BuildTeams(b.Tasks, staff, in.Learning, in.NewID)
	return b
}

// Unstaffed is the body of a plan-only suggestion: the drafted tasks without assignees.
func Unstaffed(c Composed) Body {
	b := Body{Tasks: c.Tasks, Unassigned: []Unassigned{}, Teams: []Team{}, Skipped: c.Skipped}
	if b.Tasks == nil {
		b.Tasks = []ProposedTask{}
	}
	for i := range b.Tasks {
		b.Tasks[i].Reasons = []string{"drafted by the planner; plan mode assigns nobody"}
	}
	b.Metrics = solver.Metrics{Tasks: len(b.Tasks)}
	return b
}

// trackRecord explains the learning estimate behind an assignee's performance on each of the
// task's skills.
func trackRecord(m *learning.Model, staffID string, skills []Requirement, area string) []string {
	names := make([]string, 0, len(skills))
	for _, s := range skills {
		names = append(names, s.Name)
	}
	var out []string
	for _, k := range learning.Keys(names, area) {
		s := m.Score(staffID, k)
		if s.Evidence() == 0 {
			out = append(out, fmt.Sprintf("no history in %s yet: newcomer prior %.2f", k, s.Overall))
			continue
		}
		out = append(out, fmt.Sprintf("track record in %s: on time %.2f, approved without edits %.2f, not blocked %.2f (%.1f weighted tasks)",
			k, s.OnTime.Value, s.Unedited.Value, s.NotBlocked.Value, s.Evidence()))
	}
	return out
}

// BuildTeams groups the staffed tasks by area into one team per area whose members are the
// assignees. The lead is the member with the highest mean level in the area's required skills;
// ties go to the better track record, then to who does more of the area's tasks.
func BuildTeams(tasks []ProposedTask, staff map[uuid.UUID]Staff, m *learning.Model, newID func() uuid.UUID) []Team {
	type area struct {
		name    string
		skills  map[string]bool
		members map[uuid.UUID]int
		tasks   int
	}
	areas := map[string]*area{}
	var order []string
	for _, t := range tasks {
		if t.AssigneeID == nil {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(t.Area))
		if key == "" {
			key = "general"
		}
		a := areas[key]
		if a == nil {
			a = &area{name: key, skills: map[string]bool{}, members: map[uuid.UUID]int{}}
			areas[key] = a
			order = append(order, key)
		}
		a.tasks++
		a.members[*t.AssigneeID]++
		for _, r := range t.RequiredSkills {
			a.skills[strings.ToLower(strings.TrimSpace(r.Name))] = true
		}
	}
	sort.Strings(order)
	out := make([]Team, 0, len(order))
	for _, key := range order {
		a := areas[key]
		skills := make([]string, 0, len(a.skills))
		for s := range a.skills {
			skills = append(skills, s)
		}
		sort.Strings(skills)
		type cand struct {
			id          uuid.UUID
			level, perf float64
			n           int
		}
		cands := make([]cand, 0, len(a.members))
		for id, n := range a.members {
			c := cand{id: id, n: n}
			levels := staff[id].Levels()
			keys := skills
			if len(keys) == 0 {
				keys = []string{key}
			}
			for _, s := range skills {
				c.level += float64(levels[s])
			}
			if len(skills) > 0 {
				c.level /= float64(len(skills))
			}
			if m != nil {
				for _, s := range keys {
					c.perf += m.Score(id.String(), s).Overall
				}
				c.perf /= float64(len(keys))
			}
			cands = append(cands, c)
		}
		sort.Slice(cands, func(i, j int) bool {
			x, y := cands[i], cands[j]
			if x.level != y.level {
				return x.level > y.level
			}
			if x.perf != y.perf {
				return x.perf > y.perf
			}
			if x.n != y.n {
				return x.n > y.n
			}
			return x.id.String() < y.id.String()
		})
		members := make([]uuid.UUID, 0, len(cands))
		for _, c := range cands {
			members = append(members, c.id)
		}
		sort.Slice(members, func(i, j int) bool { return members[i].String() < members[j].String() })
		lead := cands[0]
		reason := fmt.Sprintf("lead: mean level %.1f in %s, track record %.2f, %d of the area's %d tasks",
			lead.level, skillList(skills), lead.perf, lead.n, a.tasks)
		if len(cands) > 1 {
			next := cands[1]
			reason += fmt.Sprintf("; next best %s: level %.1f, track record %.2f", next.id, next.level, next.perf)
		}
		lid := lead.id
		out = append(out, Team{ID: newID(), Name: teamName(key), Area: key, LeadID: &lid, MemberIDs: members,
			LeadReason: reason, TaskCount: a.tasks})
	}
	return out
}

func skillList(skills []string) string {
	if len(skills) == 0 {
		return "(no required skills)"
	}
	return strings.Join(skills, ", ")
}

func teamName(area string) string {
	r := []rune(area)
	return strings.ToUpper(string(r[:1])) + string(r[1:]) + " team"
}

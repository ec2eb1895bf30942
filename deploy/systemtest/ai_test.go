package systemtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestAISuggestApproveAndStaff runs the AI's path of DESIGN.md through the
// gateway: the organizer asks for plan_and_assign on an event whose company
// has ten staff of varied skills, availability and hour limits; the answer has
// tasks, reasons on every task and no hard violation; the test then checks the
// plan itself against the roster it made (skills, availability, overlaps, hours
// per day in the event's time zone); the manager sees the proposed tasks and
// approves the suggestion; each staff member then sees exactly the tasks the
// AI gave them, and the approved tasks still break no rule.
func TestAISuggestApproveAndStaff(t *testing.T) {
	env := Start(t, "company", "event", "task", "suggestion")
	admin := env.AdminClient(t)

	_, orgC := newPerson(t, env, admin, "organizer", nil)
	mgr, mgrC := newPerson(t, env, admin, "manager", nil)
	var co Company
	orgC.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("AI Events")}, http.StatusCreated, &co)
	setCompanies(t, admin, mgr.ID, co.ID)

	// A meetup on May 20th 2033, 18:00–22:00 in Berlin (UTC+2), for 120 people: the
	// built-in planner drafts set-up before, registration, catering, stage, clean-up and
	// teardown after.
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hh, mm int) time.Time { return time.Date(2033, 5, 20, hh, mm, 0, 0, loc) }
	var ev Event
	orgC.JSON("POST", "/organizer/events/", eventBody(co.ID, "meetup", 120, at(18, 0), at(22, 0), mgr.ID), http.StatusCreated, &ev)

	// The roster: ten people, created straight into the company.
	allDay := []Window{{at(8, 0), at(23, 59)}}
	evening := []Window{{at(17, 0), at(23, 30)}}
	roster := []struct {
		skills []Skill
		avail  []Window
		maxH   float64
	}{
		{[]Skill{{"registration", 3}, {"infodesk", 2}}, allDay, 8},
		{[]Skill{{"Registration", 1}, {"catering", 2}}, evening, 5},
		{[]Skill{{"catering", 2}}, allDay, 6},
		{[]Skill{{"catering", 1}, {"security", 2}}, evening, 6},
		{[]Skill{{"AV", 3}, {"video", 2}}, allDay, 8},
		{[]Skill{{"av", 2}, {"heralding", 2}}, evening, 5},
		{[]Skill{{"heralding", 1}, {"registration", 2}}, allDay, 4},
		{[]Skill{{"security", 3}, {"first-aid", 2}}, allDay, 8},
		{nil, allDay, 8}, // no skills: set-up, teardown, clean-up
		{[]Skill{{"registration", 2}}, []Window{{at(8, 0), at(12, 0)}}, 8}, // gone before the event
	}
	staff := map[string]Person{}
	clients := map[string]*Client{}
	for _, r := range roster {
		skills := r.skills
		if skills == nil {
			skills = []Skill{}
		}
		p, c := newPerson(t, env, admin, "staff", map[string]any{
			"skills": skills, "availability": r.avail, "max_hours_per_day": r.maxH, "company_ids": []string{co.ID},
		})
		if !sameSet(p.CompanyIDs, []string{co.ID}) {
			t.Fatalf("staff created with company_ids [%s] answered %v", co.ID, p.CompanyIDs)
		}
		// The answer's own skills and windows: what the AI is given.
		staff[p.ID], clients[p.ID] = p, c
	}

	// A first suggestion that nobody approves: the next one must replace its proposals.
	var first Suggestion
	orgC.JSON("POST", "/organizer/events/"+ev.ID+"/ai/suggest/", map[string]any{"mode": "plan_and_assign", "seed": 1, "time_limit_ms": 1000}, http.StatusCreated, &first)
	if first.ID == "" || len(first.Tasks) == 0 {
		t.Fatalf("first suggestion = %+v, want an id and tasks", first)
	}
	t.Logf("first suggestion %s: %d tasks, %d unassigned, metrics %+v", first.ID, len(first.Tasks), len(first.Unassigned), first.Metrics)
	waitCounts(t, mgrC, ev.ID, len(first.Tasks), 0, 0)

	var sug Suggestion
	r := orgC.JSON("POST", "/organizer/events/"+ev.ID+"/ai/suggest/", map[string]any{"mode": "plan_and_assign", "seed": 42, "time_limit_ms": 3000}, http.StatusCreated, &sug)
	t.Logf("suggestion %s: %d tasks, %d unassigned, metrics %+v", sug.ID, len(sug.Tasks), len(sug.Unassigned), sug.Metrics)
	if sug.ID == "" || sug.EventID != ev.ID || len(sug.Tasks) == 0 {
		t.Fatalf("suggestion lacks id, event or tasks: %.1000s", r.Body)
	}

	t.Run("the answer: reasons everywhere, no hard violation, metrics that add up", func(t *testing.T) {
		if sug.Metrics.HardViolations != 0 {
			t.Errorf("metrics.hard_violations = %v, want 0", sug.Metrics.HardViolations)
		}
		assigned := 0
		for _, tk := range sug.Tasks {
			if len(tk.Reasons) == 0 || strings.TrimSpace(strings.Join(tk.Reasons, "")) == "" {
				t.Errorf("task %q (%s) has no reasons", tk.Title, tk.ID)
			}
			if tk.EventID != ev.ID || tk.Approval != "proposed" || tk.Source != "ai" {
				t.Errorf("task %q: event %s approval %s source %s, want %s proposed ai", tk.Title, tk.EventID, tk.Approval, tk.Source, ev.ID)
			}
			if tk.Assignee() != "" {
				assigned++
			}
		}
		if assigned == 0 {
			t.Fatalf("no task of %d is assigned", len(sug.Tasks))
		}
		if int(sug.Metrics.Tasks) != len(sug.Tasks) || int(sug.Metrics.Assigned) != assigned {
			t.Errorf("metrics tasks/assigned = %v/%v, the answer has %d/%d", sug.Metrics.Tasks, sug.Metrics.Assigned, len(sug.Tasks), assigned)
		}
		inTasks := map[string]Task{}
		for _, tk := range sug.Tasks {
			inTasks[tk.ID] = tk
		}
		for _, u := range sug.Unassigned {
			if len(u.Reasons) == 0 {
				t.Errorf("unassigned task %q has no reason", u.Task.Title)
			}
			if tk, ok := inTasks[u.Task.ID]; !ok || tk.Assignee() != "" {
				t.Errorf("unassigned task %s is not an unassigned task of the suggestion", u.Task.ID)
			}
		}
		if len(sug.Unassigned) != len(sug.Tasks)-assigned {
			t.Errorf("%d unassigned listed, %d tasks without assignee", len(sug.Unassigned), len(sug.Tasks)-assigned)
		}
	})

	t.Run("the plan keeps every hard rule (checked against the roster)", func(t *testing.T) {
		if msg := ruleBreaks(sug.Tasks, staff, loc); msg != "" {
			t.Fatal(msg)
		}
	})

	t.Run("no unassigned task could simply be given to someone free", func(t *testing.T) {
		for _, u := range sug.Unassigned {
			if who := insertable(u.Task, sug.Tasks, staff, loc); who != "" {
				t.Errorf("task %q (%s–%s, needs %+v) is unassigned (%v), but %s could take it without breaking a rule",
					u.Task.Title, rfc(u.Task.StartsAt), rfc(u.Task.EndsAt), u.Task.RequiredSkills, u.Reasons, who)
			}
		}
	})

	t.Run("nothing is left unassigned when everything can be staffed", func(t *testing.T) {
		// Leaving a task unassigned is the heaviest soft cost; when the roster can staff
		// every task, the optimum does, so the answer must too.
		if len(sug.Unassigned) == 0 {
			return
		}
		plan, ok := fullAssignment(sug.Tasks, staff, loc, 5_000_000)
		if ok {
			left := make([]string, 0, len(sug.Unassigned))
			for _, u := range sug.Unassigned {
				left = append(left, fmt.Sprintf("%q %s–%s because %v", u.Task.Title, u.Task.StartsAt.Format("15:04"), u.Task.EndsAt.Format("15:04"), u.Reasons))
			}
			t.Errorf("unassigned: %s (objective %v, lower bound %v, gap %v); yet this assignment staffs all %d tasks and keeps every rule: %s",
				strings.Join(left, "; "), sug.Metrics.Objective, sug.Metrics.LowerBound, sug.Metrics.Gap, len(sug.Tasks), describePlan(plan, staff))
		}
	})

	t.Run("staff see nothing before approval", func(t *testing.T) {
		for id, c := range clients {
			if got := allPages[Task](t, c, "/staff/tasks/"); len(got) != 0 {
				t.Fatalf("staff %s sees %d tasks before any approval: %v", staff[id].Username, len(got), titles(got))
			}
		}
	})

	t.Run("the manager sees the proposed tasks (the first suggestion's are gone)", func(t *testing.T) {
		// Both suggestions have as many tasks, so the counts alone cannot tell them apart:
		// wait for the second one's ids first.
		var proposed []Task
		Eventually(t, 20*time.Second, "the suggestion's tasks proposed in the task service (the first one's gone)", func() (bool, string) {
			proposed = allPages[Task](t, mgrC, "/manager/events/"+ev.ID+"/tasks/?approval=proposed")
			return sameSet(ids(proposed), ids(sug.Tasks)), fmt.Sprintf("%d proposed, %d of them the suggestion's", len(proposed), len(intersect(ids(proposed), ids(sug.Tasks))))
		})
		if e := waitCounts(t, mgrC, ev.ID, len(sug.Tasks), 0, 0); e.TasksProposed == 0 {
			t.Fatal("tasks_proposed = 0")
		}
		byID := map[string]Task{}
		for _, tk := range sug.Tasks {
			byID[tk.ID] = tk
		}
		for _, tk := range proposed {
			want := byID[tk.ID]
			if tk.Assignee() != want.Assignee() || !tk.StartsAt.Equal(want.StartsAt) || !tk.EndsAt.Equal(want.EndsAt) ||
				tk.SuggestionID == nil || *tk.SuggestionID != sug.ID {
				t.Fatalf("task %s in the task service = %+v, the suggestion says %+v", tk.ID, tk, want)
			}
		}
	})

	t.Run("teams by area with a lead from their members reach the manager, who approves and edits them", func(t *testing.T) {
		// Independently: one team per area of the staffed tasks, holding exactly their assignees.
		want := map[string][]string{}
		for _, tk := range sug.Tasks {
			if a := tk.Assignee(); a != "" {
				area := strings.ToLower(strings.TrimSpace(tk.Area))
				if area == "" {
					area = "general"
				}
				if !slices.Contains(want[area], a) {
					want[area] = append(want[area], a)
				}
			}
		}
		if len(sug.Teams) != len(want) {
			t.Fatalf("%d teams for %d areas with staffed tasks (%v)", len(sug.Teams), len(want), want)
		}
		for _, tm := range sug.Teams {
			if !sameSet(tm.MemberIDs, want[strings.ToLower(tm.Area)]) {
				t.Fatalf("team %q has members %v, the area's assignees are %v", tm.Area, tm.MemberIDs, want[strings.ToLower(tm.Area)])
			}
			if tm.LeadID == nil || !slices.Contains(tm.MemberIDs, *tm.LeadID) {
				t.Fatalf("team %q has lead %v, not one of its members %v", tm.Area, tm.LeadID, tm.MemberIDs)
			}
		}
		var teams []Team
		Eventually(t, 20*time.Second, "the suggestion's teams on GET /manager/events/{id}/teams", func() (bool, string) {
			teams = allPages[Team](t, mgrC, "/manager/events/"+ev.ID+"/teams/")
			got := make([]string, 0, len(teams))
			for _, tm := range teams {
				got = append(got, tm.ID)
			}
			wantIDs := make([]string, 0, len(sug.Teams))
			for _, tm := range sug.Teams {
				wantIDs = append(wantIDs, tm.ID)
			}
			return sameSet(got, wantIDs), fmt.Sprintf("teams %v, want %v", got, wantIDs)
		})
		for _, tm := range teams {
			if tm.Approval != "proposed" {
				t.Fatalf("AI team %q has approval %q, want proposed", tm.Name, tm.Approval)
			}
		}
		var ok Team
		mgrC.JSON("PUT", "/manager/teams/"+teams[0].ID, map[string]any{"version": teams[0].Version, "approval": "approved"}, http.StatusOK, &ok)
		if ok.Approval != "approved" || ok.Version <= teams[0].Version || !sameSet(ok.MemberIDs, teams[0].MemberIDs) {
			t.Fatalf("approved team = %+v", ok)
		}
		mgrC.Problem("PUT", "/manager/teams/"+teams[0].ID, map[string]any{"version": teams[0].Version, "name": "stale"}, http.StatusConflict)
		// A lead from outside the team is refused, or joins it: a team never has a lead who is
		// not one of its members.
		outsider := ""
		for id := range staff {
			if !slices.Contains(teams[0].MemberIDs, id) {
				outsider = id
			}
		}
		r := mgrC.Do("PUT", "/manager/teams/"+teams[0].ID, map[string]any{"version": ok.Version, "lead_id": outsider})
		switch r.Status {
		case http.StatusUnprocessableEntity:
			r.RequireProblem(t, "PUT /manager/teams/{id} with an outside lead", http.StatusUnprocessableEntity)
		case http.StatusOK:
			var led Team
			r.Decode(t, &led)
			if led.LeadID == nil || *led.LeadID != outsider || !slices.Contains(led.MemberIDs, outsider) {
				t.Errorf("team after setting the outside lead %s: lead %s, members %v — the lead is not a member", outsider, mustJSON(led.LeadID), led.MemberIDs)
			}
		default:
			t.Fatalf("PUT /manager/teams/{id} with an outside lead: status %d: %s", r.Status, r.Body)
		}
	})

	var approved []Task
	t.Run("the manager approves the suggestion; staff see exactly their tasks", func(t *testing.T) {
		var res struct {
			Approved []string          `json:"approved"`
			Rejected []string          `json:"rejected"`
			Skipped  []json.RawMessage `json:"skipped"`
		}
		mgrC.JSON("POST", "/manager/suggestions/"+sug.ID+"/approve", map[string]any{}, http.StatusOK, &res)
		if !sameSet(res.Approved, ids(sug.Tasks)) || len(res.Rejected) != 0 || len(res.Skipped) != 0 {
			t.Fatalf("approve answered approved %v, rejected %v, skipped %s; want every task of the suggestion approved", res.Approved, res.Rejected, res.Skipped)
		}
		want := map[string][]Task{}
		for _, tk := range sug.Tasks {
			if a := tk.Assignee(); a != "" {
				want[a] = append(want[a], tk)
			}
		}
		for id, c := range clients {
			got := allPages[Task](t, c, "/staff/tasks/")
			if !sameSet(ids(got), ids(want[id])) {
				t.Fatalf("staff %s sees %v, the suggestion gave them %v", staff[id].Username, titles(got), titles(want[id]))
			}
			for _, tk := range got {
				if tk.Approval != "approved" || tk.Status != "pending" || tk.Assignee() != id {
					t.Fatalf("staff %s sees %+v", staff[id].Username, tk)
				}
			}
			approved = append(approved, got...)
		}
		// The person with no window during the event got nothing.
		for id, p := range staff {
			if len(p.Availability) == 1 && p.Availability[0].EndsAt.Before(at(13, 0)) && len(want[id]) > 0 {
				t.Fatalf("staff %s, away from noon, got %v", p.Username, titles(want[id]))
			}
		}
	})

	t.Run("approved tasks keep every hard rule (checked against the roster)", func(t *testing.T) {
		if len(approved) == 0 {
			t.Fatal("no approved task reached any staff member")
		}
		if msg := ruleBreaks(approved, staff, loc); msg != "" {
			t.Fatal(msg)
		}
	})

	t.Run("counts and status converge", func(t *testing.T) {
		waitCounts(t, mgrC, ev.ID, 0, len(sug.Tasks), 0)
		status := func(id, want string) {
			t.Helper()
			Eventually(t, 20*time.Second, "suggestion "+id+" status "+want, func() (bool, string) {
				var s Suggestion
				orgC.JSON("GET", "/organizer/suggestions/"+id, nil, http.StatusOK, &s)
				return s.Status == want, s.Status
			})
		}
		status(sug.ID, "approved")
		status(first.ID, "superseded")
	})

	t.Run("a new suggestion leaves approved tasks alone and plans around them", func(t *testing.T) {
		var again Suggestion
		orgC.JSON("POST", "/organizer/events/"+ev.ID+"/ai/suggest/", map[string]any{"mode": "plan_and_assign", "seed": 9, "time_limit_ms": 1000}, http.StatusCreated, &again)
		t.Logf("suggestion after approval: %d tasks, metrics %+v", len(again.Tasks), again.Metrics)
		if again.Metrics.HardViolations != 0 {
			t.Fatalf("hard_violations = %v", again.Metrics.HardViolations)
		}
		// Tasks the task service has already (the open ones an assign step re-staffs) are
		// not created again; every other one arrives as proposed.
		fresh := 0
		for _, tk := range again.Tasks {
			if !tk.Existing {
				fresh++
			}
		}
		waitCounts(t, mgrC, ev.ID, fresh, len(sug.Tasks), 0)
		for id, c := range clients {
			var mine []Task
			for _, tk := range approved {
				if tk.Assignee() == id {
					mine = append(mine, tk)
				}
			}
			if got := allPages[Task](t, c, "/staff/tasks/"); !sameSet(ids(got), ids(mine)) {
				t.Fatalf("staff %s sees %v after a new suggestion, had %v", staff[id].Username, titles(got), titles(mine))
			}
		}
		// The new proposals together with the approved work still keep every rule.
		if msg := ruleBreaks(append(append([]Task{}, approved...), again.Tasks...), staff, loc); msg != "" {
			t.Fatal(msg)
		}
	})

	t.Run("bad requests are 400/422 problems and create no suggestion", func(t *testing.T) {
		list := "/organizer/events/" + ev.ID + "/suggestions/"
		before := len(allPages[Suggestion](t, orgC, list))
		path := "/organizer/events/" + ev.ID + "/ai/suggest/"
		for _, body := range []any{
			map[string]any{"mode": "everything"},
			map[string]any{"time_limit_ms": 0},
			map[string]any{"time_limit_ms": 3600000},
			map[string]any{"staff_ids": []string{"not-a-uuid"}},
			map[string]any{"seed": "forty-two"},
			map[string]any{"priority": 1},
		} {
			orgC.Problem("POST", path, body, http.StatusUnprocessableEntity)
		}
		orgC.Problem("POST", path, Raw(`{"mode": "plan"`), http.StatusBadRequest)
		// Staff of another company are not the organizer's to plan with.
		other, _ := newPerson(t, env, admin, "staff", nil)
		r := orgC.Do("POST", path, map[string]any{"staff_ids": []string{other.ID}, "time_limit_ms": 200})
		if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusNotFound {
			t.Fatalf("staff_ids with a stranger: status %d, want 422 or 404: %.300s", r.Status, r.Body)
		}
		r.RequireProblem(t, "staff_ids with a stranger", r.Status)
		if after := len(allPages[Suggestion](t, orgC, list)); after != before {
			t.Fatalf("refused requests changed the event's suggestions from %d to %d", before, after)
		}
	})

	t.Run("staff_ids limits who is planned", func(t *testing.T) {
		// Five of the people available all day, for a fresh morning event on the same day
		// (the evening one is fully staffed and approved already).
		var some, left []string
		for id, p := range staff {
			if len(p.Availability) == 1 && p.Availability[0].EndsAt.Equal(allDay[0].EndsAt) {
				if len(some) < 5 {
					some = append(some, id)
				} else {
					left = append(left, id)
				}
			}
		}
		var ev2 Event
		orgC.JSON("POST", "/organizer/events/", eventBody(co.ID, "meetup", 120, at(10, 0), at(14, 0), mgr.ID), http.StatusCreated, &ev2)
		var sub Suggestion
		orgC.JSON("POST", "/organizer/events/"+ev2.ID+"/ai/suggest/", map[string]any{"mode": "plan_and_assign", "staff_ids": some, "seed": 5, "time_limit_ms": 500}, http.StatusCreated, &sub)
		if sub.Metrics.Assigned == 0 {
			t.Fatalf("nobody of %v was planned: %+v", some, sub.Metrics)
		}
		for _, tk := range sub.Tasks {
			if a := tk.Assignee(); a != "" && (!slices.Contains(some, a) || slices.Contains(left, a)) {
				t.Fatalf("task %q went to %s, who is not in staff_ids %v", tk.Title, staff[a].Username, some)
			}
		}
		if sub.Metrics.HardViolations != 0 {
			t.Fatalf("hard_violations = %v", sub.Metrics.HardViolations)
		}
	})
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// insertable names a person of staff who could take task on top of plan without breaking a
// hard rule, or "".
func insertable(task Task, plan []Task, staff map[string]Person, loc *time.Location) string {
	for id, p := range staff {
		tk := task
		tk.AssigneeID = &id
		if ruleBreaks(append(append([]Task{}, plan...), tk), staff, loc) == "" {
			return p.Username
		}
	}
	return ""
}

// fullAssignment searches (depth first, most constrained task first, at most limit nodes)
// for an assignee for every task that keeps every rule of ruleBreaks. It answers the
// tasks with assignees set and whether it found one.
func fullAssignment(tasks []Task, staff map[string]Person, loc *time.Location, limit int) ([]Task, bool) {
	order := append([]Task{}, tasks...)
	people := make([]string, 0, len(staff))
	for id := range staff {
		people = append(people, id)
	}
	sort.Strings(people)
	candidates := map[string][]string{}
	for _, tk := range order {
		for _, id := range people {
			p := staff[id]
			if hasSkills(p.Skills, tk.RequiredSkills) && covered(p.Availability, tk.StartsAt, tk.EndsAt) {
				candidates[tk.ID] = append(candidates[tk.ID], id)
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return len(candidates[order[i].ID]) < len(candidates[order[j].ID]) })
	var chosen []Task
	nodes := 0
	var search func(i int) bool
	search = func(i int) bool {
		if i == len(order) {
			return true
		}
		for _, id := range candidates[order[i].ID] {
			if nodes++; nodes > limit {
				return false
			}
			tk := order[i]
			tk.AssigneeID = &id
			chosen = append(chosen, tk)
			if ruleBreaks(chosen, staff, loc) == "" && search(i+1) {
				return true
			}
			chosen = chosen[:len(chosen)-1]
		}
		return false
	}
	if !search(0) {
		return nil, false
	}
	return chosen, true
}

func describePlan(plan []Task, staff map[string]Person) string {
	parts := make([]string, 0, len(plan))
	for _, tk := range plan {
		parts = append(parts, fmt.Sprintf("%s %s–%s → %s", tk.Title, tk.StartsAt.Format("15:04"), tk.EndsAt.Format("15:04"), staff[tk.Assignee()].Username))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// ruleBreaks checks assigned tasks against the people the test created: every assignee is one
// of them, has each required skill at the level, is available for the whole task, has no two
// overlapping tasks (half-open), and stays within max_hours_per_day on each day of loc.
// It answers the first break found, or "".
func ruleBreaks(tasks []Task, staff map[string]Person, loc *time.Location) string {
	hours := map[string]time.Duration{}
	for _, tk := range tasks {
		a := tk.Assignee()
		if a == "" {
			continue
		}
		p, ok := staff[a]
		if !ok {
			return fmt.Sprintf("task %q is assigned to %s, who is not on the company's roster", tk.Title, a)
		}
		if !hasSkills(p.Skills, tk.RequiredSkills) {
			return fmt.Sprintf("task %q needs %+v; %s has %+v", tk.Title, tk.RequiredSkills, p.Username, p.Skills)
		}
		if !covered(p.Availability, tk.StartsAt, tk.EndsAt) {
			return fmt.Sprintf("task %q (%s–%s) is outside %s's availability %+v", tk.Title, rfc(tk.StartsAt), rfc(tk.EndsAt), p.Username, p.Availability)
		}
		// Split at local midnights: hours count per day of the event's time zone.
		for s := tk.StartsAt; s.Before(tk.EndsAt); {
			l := s.In(loc)
			next := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
			e := tk.EndsAt
			if next.Before(e) {
				e = next
			}
			hours[a+" "+l.Format("2006-01-02")] += e.Sub(s)
			s = e
		}
	}
	for key, d := range hours {
		id, day, _ := strings.Cut(key, " ")
		if limit := staff[id].MaxHoursPerDay; limit > 0 && d.Hours() > limit+1e-9 {
			return fmt.Sprintf("%s works %.2f h on %s, limit %.2f", staff[id].Username, d.Hours(), day, limit)
		}
	}
	return overlapping(tasks)
}

// TestAIAssignsOpenTasks covers mode assign: the organizer enters open tasks by
// hand, the AI staffs them, and its choice reaches the task service so that the
// manager can approve it and staff see their tasks (DESIGN.md: "assign staffs
// the event's open tasks"; the suggestion's tasks carry their task-service ids).
func TestAIAssignsOpenTasks(t *testing.T) {
	env := Start(t, "company", "event", "task", "suggestion")
	admin := env.AdminClient(t)
	_, orgC := newPerson(t, env, admin, "organizer", nil)
	mgr, mgrC := newPerson(t, env, admin, "manager", nil)
	var co Company
	orgC.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("Assign Co")}, http.StatusCreated, &co)
	setCompanies(t, admin, mgr.ID, co.ID)
	start := time.Date(2033, 9, 3, 7, 0, 0, 0, time.UTC)
	hour := func(n int) time.Time { return start.Add(time.Duration(n) * time.Hour) }
	var ev Event
	orgC.JSON("POST", "/organizer/events/", eventBody(co.ID, "corporate", 60, hour(0), hour(10), mgr.ID), http.StatusCreated, &ev)

	staff := map[string]Person{}
	clients := map[string]*Client{}
	for _, sk := range [][]Skill{{{"registration", 2}}, {{"registration", 1}, {"catering", 2}}, {{"av", 3}}, {{"catering", 1}}} {
		p, c := newPerson(t, env, admin, "staff", map[string]any{"skills": sk, "company_ids": []string{co.ID}, "max_hours_per_day": 8})
		staff[p.ID], clients[p.ID] = p, c
	}
	var open []Task
	for _, b := range []map[string]any{
		taskBody("Welcome desk", hour(0), hour(2), "", RequiredSkill{"registration", 2}),
		taskBody("Welcome desk (second)", hour(0), hour(2), "", RequiredSkill{"registration", 1}),
		taskBody("Projector and microphones", hour(1), hour(5), "", RequiredSkill{"av", 2}),
		taskBody("Lunch buffet", hour(4), hour(6), "", RequiredSkill{"catering", 1}),
	} {
		var tk Task
		orgC.JSON("POST", "/organizer/events/"+ev.ID+"/tasks/", b, http.StatusCreated, &tk)
		open = append(open, tk)
	}

	var sug Suggestion
	orgC.JSON("POST", "/organizer/events/"+ev.ID+"/ai/suggest/", map[string]any{"mode": "assign", "seed": 3, "time_limit_ms": 1000}, http.StatusCreated, &sug)
	t.Logf("assign suggestion %s: %d tasks, %d unassigned, metrics %+v", sug.ID, len(sug.Tasks), len(sug.Unassigned), sug.Metrics)
	if !sameSet(ids(sug.Tasks), ids(open)) {
		t.Fatalf("the assign suggestion's tasks %v are not the event's open tasks %v", ids(sug.Tasks), ids(open))
	}
	if sug.Metrics.HardViolations != 0 || int(sug.Metrics.Assigned) != len(open) {
		t.Fatalf("metrics = %+v, want every one of %d tasks assigned with no hard violation", sug.Metrics, len(open))
	}
	if msg := ruleBreaks(sug.Tasks, staff, time.UTC); msg != "" {
		t.Fatal(msg)
	}
	want := map[string]string{}
	for _, tk := range sug.Tasks {
		want[tk.ID] = tk.Assignee()
	}

	// The AI's choice reaches the task service, where the manager sees it.
	Eventually(t, 20*time.Second, "the AI's assignees on the manager's task list", func() (bool, string) {
		got := allPages[Task](t, mgrC, "/manager/events/"+ev.ID+"/tasks/")
		miss := []string{}
		for _, tk := range got {
			if w, ok := want[tk.ID]; ok && tk.Assignee() != w {
				miss = append(miss, fmt.Sprintf("%s: assignee %q approval %s, AI chose %s", tk.Title, tk.Assignee(), tk.Approval, w))
			}
		}
		return len(miss) == 0, strings.Join(miss, "; ")
	})
	// Until the manager decides, they are proposals: counted as such, invisible to staff.
	waitCounts(t, mgrC, ev.ID, len(open), 0, 0)
	for id, c := range clients {
		if got := allPages[Task](t, c, "/staff/tasks/"); len(got) != 0 {
			t.Fatalf("staff %s sees %v before approval", staff[id].Username, titles(got))
		}
	}

	// The manager approves all but two: the projector stays proposed for later (except), the
	// lunch is rejected, so the organizer's task comes back approved and unassigned.
	projector, lunch := open[2], open[3]
	var res struct {
		Approved []string `json:"approved"`
		Rejected []string `json:"rejected"`
	}
	mgrC.JSON("POST", "/manager/suggestions/"+sug.ID+"/approve", map[string]any{"except": []string{projector.ID}, "reject": []string{lunch.ID}}, http.StatusOK, &res)
	if !sameSet(res.Approved, ids(open[:2])) || !sameSet(res.Rejected, []string{lunch.ID}) {
		t.Fatalf("approve with an exception and a rejection answered approved %v, rejected %v; want %v and [%s]", res.Approved, res.Rejected, ids(open[:2]), lunch.ID)
	}
	var pj Task
	mgrC.JSON("GET", "/manager/tasks/"+projector.ID, nil, http.StatusOK, &pj)
	if pj.Approval != "proposed" || pj.Assignee() != want[projector.ID] {
		t.Fatalf("the excepted task = %+v, want still proposed to %s", pj, want[projector.ID])
	}
	if got := allPages[Task](t, clients[want[projector.ID]], "/staff/tasks/"); slices.Contains(ids(got), projector.ID) {
		t.Fatalf("staff see the excepted, still proposed task")
	}
	// A second approve takes what is left and nothing twice.
	mgrC.JSON("POST", "/manager/suggestions/"+sug.ID+"/approve", map[string]any{}, http.StatusOK, &res)
	if !sameSet(res.Approved, []string{projector.ID}) || len(res.Rejected) != 0 {
		t.Fatalf("the second approve answered approved %v, rejected %v; want [%s] and none", res.Approved, res.Rejected, projector.ID)
	}
	var l Task
	mgrC.JSON("GET", "/manager/tasks/"+lunch.ID, nil, http.StatusOK, &l)
	if l.Assignee() != "" || l.Approval != "approved" || l.Title != lunch.Title {
		t.Fatalf("the rejected proposal's task = %+v, want the organizer's task back: approved, unassigned", l)
	}
	for id, c := range clients {
		var mine []Task
		for _, tk := range sug.Tasks {
			if tk.Assignee() == id && tk.ID != lunch.ID {
				mine = append(mine, tk)
			}
		}
		got := allPages[Task](t, c, "/staff/tasks/")
		if !sameSet(ids(got), ids(mine)) {
			t.Fatalf("staff %s sees %v, the AI gave them %v", staff[id].Username, titles(got), titles(mine))
		}
		for _, tk := range got {
			if tk.Approval != "approved" || tk.Assignee() != id {
				t.Fatalf("staff %s sees %+v", staff[id].Username, tk)
			}
		}
	}
	waitCounts(t, mgrC, ev.ID, 0, len(open), 0)
	// The manager can still give the lunch to the person the AI chose.
	var given Task
	mgrC.JSON("PUT", "/manager/tasks/"+lunch.ID, map[string]any{"version": l.Version, "assignee_id": want[lunch.ID]}, http.StatusOK, &given)
	if given.Assignee() != want[lunch.ID] || given.Approval != "approved" {
		t.Fatalf("manual assignment of the lunch = %+v", given)
	}
}

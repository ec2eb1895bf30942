package systemtest

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eventai/eventai/deploy/demo"
	"github.com/eventai/eventai/deploy/internal/stack"
)

// Helpers of the real-input tests (camp_test.go): a schedule run through the
// gateway from import to staff moving a task, with every check computed here
// from the answers, not taken from the services' own summaries.

// scheduleCase is one schedule staffed end to end.
type scheduleCase struct {
	doc, contentType string
	// broken are documents that must be refused with a problem (400/422),
	// keyed by content type.
	broken map[string][]string
	// Expected import counts, known from the document itself.
	sessions, rooms, days int
	// fixed maps an external id to its expected UTC start and end.
	fixed map[string][2]time.Time

	eventType  string
	attendees  int
	start, end time.Time
	timezone   string
	roster     demo.Options
	timeLimit  time.Duration
	minStaffed float64
}

// importAnswer is the answer of POST /organizer/events/{id}/schedule/.
type importAnswer struct {
	Sessions  int `json:"sessions"`
	Rooms     int `json:"rooms"`
	Days      int `json:"days"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
}

// session is an imported session as GET .../sessions/ lists it.
type session struct {
	ID         string    `json:"id"`
	ExternalID string    `json:"external_id"`
	Room       string    `json:"room"`
	Title      string    `json:"title"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
}

// aiTask is a task of a suggestion (with the area the planner gave it).
type aiTask struct {
	Task
	Area string `json:"area"`
}

// aiSuggestion is the suggestion object with the fields these tests read.
type aiSuggestion struct {
	ID         string   `json:"id"`
	EventID    string   `json:"event_id"`
	Status     string   `json:"status"`
	Tasks      []aiTask `json:"tasks"`
	Unassigned []struct {
		Task    aiTask   `json:"task"`
		Reasons []string `json:"reasons"`
	} `json:"unassigned"`
	Metrics struct {
		Tasks          int   `json:"tasks"`
		Assigned       int   `json:"assigned"`
		HardViolations int   `json:"hard_violations"`
		SolveMS        int64 `json:"solve_ms"`
	} `json:"metrics"`
}

// approval is the answer of POST /manager/suggestions/{id}/approve.
type approval struct {
	Approved []string `json:"approved"`
	Rejected []string `json:"rejected"`
	Skipped  []struct {
		TaskID string `json:"task_id"`
		Rule   string `json:"rule"`
		Reason string `json:"reason"`
	} `json:"skipped"`
}

// realDataDir is EVENTAI_DATA_DIR, else the shared data folder beside the repository.
func realDataDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("EVENTAI_DATA_DIR"); d != "" {
		return d
	}
	root, err := stack.FindRoot(".")
	if err != nil {
		t.Fatalf("find repository root: %v", err)
	}
	return filepath.Join(root, "..", "shared", "data")
}

// postSchedule sends a schedule document with its content type.
func postSchedule(c *Client, eventID, contentType, doc string) *Response {
	return c.Do("POST", "/organizer/events/"+eventID+"/schedule/", Raw(doc), "Content-Type", contentType)
}

// sessionsOf lists the event's sessions sorted by external id.
func sessionsOf(t testing.TB, c *Client, eventID string) []session {
	t.Helper()
	out := allPages[session](t, c, "/organizer/events/"+eventID+"/sessions/")
	sort.Slice(out, func(i, j int) bool { return out[i].ExternalID < out[j].ExternalID })
	return out
}

// runSchedule is the whole workflow on one schedule: people, company, event,
// import, re-import, broken documents, AI plan_and_assign with independent
// checks, approval, and staff moving a task.
func runSchedule(t *testing.T, env *Env, sc scheduleCase) {
	admin := env.AdminClient(t)
	org, orgC := newPerson(t, env, admin, "organizer", nil)
	var co Company
	orgC.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("Schedule Crew")}, http.StatusCreated, &co)
	if co.ID == "" || co.CreatedBy != org.ID {
		t.Fatalf("company = %+v, want an id and created_by %s", co, org.ID)
	}
	mgr, mgrC := newPerson(t, env, admin, "manager", map[string]any{"company_ids": []string{co.ID}})

	// The roster: created by the admin (one request each; only the staff who
	// move a task log in later).
	sc.roster.Prefix = Unique("crew")
	members, err := demo.Roster(sc.roster)
	if err != nil {
		t.Fatalf("roster: %v", err)
	}
	password := "Pw-" + randomHex(8)
	staff := map[string]Person{}
	usernames := map[string]string{}
	for _, m := range members {
		var p Person
		admin.JSON("POST", "/admin/users/", map[string]any{
			"username": m.Username, "email": m.Email, "password": password, "role": "staff", "full_name": m.FullName,
			"company_ids": []string{co.ID}, "skills": m.Skills, "availability": m.Availability, "max_hours_per_day": m.MaxHoursPerDay,
		}, http.StatusCreated, &p)
		if p.ID == "" || len(p.Skills) != len(m.Skills) || len(p.Availability) != len(m.Availability) || p.MaxHoursPerDay != float64(m.MaxHoursPerDay) {
			t.Fatalf("created %s = %+v; want %d skills, %d windows, %d h a day", m.Username, p, len(m.Skills), len(m.Availability), m.MaxHoursPerDay)
		}
		staff[p.ID], usernames[p.ID] = p, m.Username
	}

	var ev Event
	orgC.JSON("POST", "/organizer/events/", map[string]any{
		"company_id": co.ID, "title": Unique("Schedule run"), "description": "real-input system test",
		"location": "Field", "timezone": sc.timezone, "event_type": sc.eventType, "expected_attendees": sc.attendees,
		"manager_ids": []string{mgr.ID}, "starts_at": rfc(sc.start), "ends_at": rfc(sc.end),
	}, http.StatusCreated, &ev)

	// Import, then check the stored sessions against the document.
	r := postSchedule(orgC, ev.ID, sc.contentType, sc.doc)
	r.requireStatus(t, "import", http.StatusCreated)
	var first importAnswer
	r.Decode(t, &first)
	if first.Sessions != sc.sessions || first.Rooms != sc.rooms || first.Days != sc.days || first.Created != sc.sessions {
		t.Fatalf("import = %+v, want %d sessions (all created), %d rooms, %d days", first, sc.sessions, sc.rooms, sc.days)
	}
	before := sessionsOf(t, orgC, ev.ID)
	if len(before) != sc.sessions {
		t.Fatalf("GET sessions lists %d, want %d", len(before), sc.sessions)
	}
	rooms := map[string]bool{}
	for _, s := range before {
		rooms[s.Room] = true
		if !s.EndsAt.After(s.StartsAt) {
			t.Errorf("session %s (%q) ends %v, not after its start %v", s.ExternalID, s.Title, s.EndsAt, s.StartsAt)
		}
		if want, ok := sc.fixed[s.ExternalID]; ok && (!s.StartsAt.Equal(want[0]) || !s.EndsAt.Equal(want[1])) {
			t.Errorf("session %s (%q) is %v–%v, want %v–%v", s.ExternalID, s.Title, s.StartsAt, s.EndsAt, want[0], want[1])
		}
	}
	if len(rooms) != sc.rooms {
		t.Errorf("sessions use %d rooms, want %d", len(rooms), sc.rooms)
	}

	t.Run("re-import changes nothing", func(t *testing.T) {
		var again importAnswer
		r := postSchedule(orgC, ev.ID, sc.contentType, sc.doc)
		r.requireStatus(t, "re-import", http.StatusCreated)
		r.Decode(t, &again)
		if again.Sessions != sc.sessions || again.Created+again.Updated+again.Deleted != 0 || again.Unchanged != sc.sessions {
			t.Fatalf("re-import = %+v, want %d sessions all unchanged", again, sc.sessions)
		}
		if after := sessionsOf(t, orgC, ev.ID); !sameSessions(before, after) {
			t.Fatalf("re-import changed the sessions (ids or times)")
		}
	})

	t.Run("broken documents get a problem and import nothing", func(t *testing.T) {
		for ct, docs := range sc.broken {
			for i, doc := range docs {
				r := postSchedule(orgC, ev.ID, ct, doc)
				if r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity {
					t.Fatalf("broken %s #%d: status %d, want 400 or 422; body %s", ct, i, r.Status, r.Body)
				}
				r.RequireProblem(t, fmt.Sprintf("broken %s #%d", ct, i), r.Status)
			}
		}
		if after := sessionsOf(t, orgC, ev.ID); !sameSessions(before, after) {
			t.Fatalf("after broken imports the event has %d sessions (or changed ones), want the %d from before", len(after), len(before))
		}
	})

	// The AI plans and staffs the event.
	var sg aiSuggestion
	r = orgC.Do("POST", "/organizer/events/"+ev.ID+"/ai/suggest/", map[string]any{
		"mode": "plan_and_assign", "time_limit_ms": sc.timeLimit.Milliseconds(), "seed": 1,
	})
	if r.Status != http.StatusCreated && r.Status != http.StatusAccepted {
		t.Fatalf("suggest: status %d, want 201 (or 202); body %s", r.Status, r.Body)
	}
	r.Decode(t, &sg)
	Eventually(t, sc.timeLimit+time.Minute, "suggestion leaves running", func() (bool, string) {
		if sg.Status != "running" {
			return true, ""
		}
		id := sg.ID
		sg = aiSuggestion{}
		orgC.JSON("GET", "/organizer/suggestions/"+id, nil, http.StatusOK, &sg)
		return sg.Status != "running", "status " + sg.Status
	})
	if sg.Status != "ready" || sg.EventID != ev.ID {
		t.Fatalf("suggestion status %q for event %s, want ready for %s", sg.Status, sg.EventID, ev.ID)
	}
	assigned := checkPlan(t, sg, staff, sc.timezone)
	staffed := float64(assigned) / float64(len(sg.Tasks))
	t.Logf("%d sessions → %d tasks, %d assigned (%.1f%%), solve %d ms; unassigned by area: %v",
		sc.sessions, len(sg.Tasks), assigned, 100*staffed, sg.Metrics.SolveMS, unassignedByArea(sg))
	if sg.Metrics.HardViolations != 0 {
		t.Errorf("hard_violations = %d, want 0", sg.Metrics.HardViolations)
	}
	if staffed < sc.minStaffed {
		t.Errorf("staffed %.1f%% of %d tasks, want at least %.0f%%", 100*staffed, len(sg.Tasks), 100*sc.minStaffed)
	}

	// The task service receives the proposals over Kafka; the manager approves them at once.
	Eventually(t, time.Minute, "the manager sees every proposed task", func() (bool, string) {
		e, ok := managedEvent(t, mgrC, ev.ID)
		return ok && e.TasksProposed == len(sg.Tasks), fmt.Sprintf("listed %v, %d proposed of %d", ok, e.TasksProposed, len(sg.Tasks))
	})
	var ap approval
	mgrC.JSON("POST", "/manager/suggestions/"+sg.ID+"/approve", map[string]any{}, http.StatusOK, &ap)
	if len(ap.Skipped) != 0 || len(ap.Rejected) != 0 || len(ap.Approved) != len(sg.Tasks) {
		t.Fatalf("approve = %d approved, %d rejected, %d skipped (first: %+v); want all %d approved: the task service and the optimiser disagree on the rules",
			len(ap.Approved), len(ap.Rejected), len(ap.Skipped), firstSkipped(ap), len(sg.Tasks))
	}
	if !sameSet(ap.Approved, aiIDs(sg.Tasks)) {
		t.Fatalf("approved ids differ from the suggestion's task ids")
	}

	// One assignee sees exactly their approved tasks and moves one to done.
	mover := ""
	mine := map[string]aiTask{}
	for _, tk := range sg.Tasks {
		if a := tk.Assignee(); a != "" && (mover == "" || a == mover) {
			mover = a
			mine[tk.ID] = tk
		}
	}
	if mover == "" {
		t.Fatal("no task was assigned")
	}
	staffC := env.Client(t).As(env.Login(t, Credentials{Username: usernames[mover], Password: password}).Access)
	own := allPages[Task](t, staffC, "/staff/tasks/")
	if !sameSet(ids(own), keys(mine)) {
		t.Fatalf("GET /staff/tasks/ lists %v, want the suggestion's tasks of %s: %v", ids(own), mover, keys(mine))
	}
	tk := own[0]
	for _, step := range []struct {
		status   string
		progress int
	}{{"in_progress", 40}, {"done", 100}} {
		var got Task
		staffC.JSON("PUT", "/staff/tasks/"+tk.ID, map[string]any{"version": tk.Version, "status": step.status, "progress": step.progress, "note": "system test"}, http.StatusOK, &got)
		if got.Status != step.status || got.Progress != step.progress || got.Version <= tk.Version {
			t.Fatalf("after PUT %s: %+v", step.status, got)
		}
		tk = got
	}
	Eventually(t, 30*time.Second, "the manager sees the done task", func() (bool, string) {
		e, _ := managedEvent(t, mgrC, ev.ID)
		return e.TasksDone == 1 && e.TasksApproved == len(sg.Tasks) && e.TasksProposed == 0,
			fmt.Sprintf("proposed/approved/done = %d/%d/%d", e.TasksProposed, e.TasksApproved, e.TasksDone)
	})
}

// checkPlan verifies every assignment of a suggestion against the people as
// the test created them (skills, availability, no overlap, hours per local
// day cut at midnight), that every task ends after it starts, and that the
// metrics count what the tasks show. It answers the number assigned.
func checkPlan(t *testing.T, sg aiSuggestion, staff map[string]Person, tz string) int {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	assigned := 0
	var plain []Task
	minutes := map[string]map[string]float64{} // person → local date → minutes
	for _, tk := range sg.Tasks {
		if !tk.EndsAt.After(tk.StartsAt) {
			t.Errorf("task %q ends %v, not after its start %v", tk.Title, tk.EndsAt, tk.StartsAt)
		}
		a := tk.Assignee()
		if a == "" {
			continue
		}
		assigned++
		plain = append(plain, tk.Task)
		p, ok := staff[a]
		if !ok {
			t.Errorf("task %q goes to %s, who is not on the roster", tk.Title, a)
			continue
		}
		if !hasSkills(p.Skills, tk.RequiredSkills) {
			t.Errorf("task %q needs %v; %s holds %v", tk.Title, tk.RequiredSkills, a, p.Skills)
		}
		if !covered(p.Availability, tk.StartsAt, tk.EndsAt) {
			t.Errorf("task %q (%v–%v) lies outside %s's availability", tk.Title, tk.StartsAt, tk.EndsAt, a)
		}
		if minutes[a] == nil {
			minutes[a] = map[string]float64{}
		}
		for cur := tk.StartsAt; cur.Before(tk.EndsAt); {
			l := cur.In(loc)
			next := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
			if next.After(tk.EndsAt) {
				next = tk.EndsAt
			}
			minutes[a][l.Format(time.DateOnly)] += next.Sub(cur).Minutes()
			cur = next
		}
	}
	if o := overlapping(plain); o != "" {
		t.Errorf("double booking: %s", o)
	}
	for a, days := range minutes {
		for d, m := range days {
			if m > staff[a].MaxHoursPerDay*60+1 {
				t.Errorf("%s works %.0f min on %s, over %v h", a, m, d, staff[a].MaxHoursPerDay)
			}
		}
	}
	if assigned != sg.Metrics.Assigned || len(sg.Tasks) != sg.Metrics.Tasks {
		t.Errorf("metrics say %d of %d assigned; the tasks show %d of %d", sg.Metrics.Assigned, sg.Metrics.Tasks, assigned, len(sg.Tasks))
	}
	if len(sg.Unassigned) != len(sg.Tasks)-assigned {
		t.Errorf("%d tasks listed unassigned, the tasks show %d", len(sg.Unassigned), len(sg.Tasks)-assigned)
	}
	for _, u := range sg.Unassigned {
		if len(u.Reasons) == 0 {
			t.Errorf("unassigned task %q has no reason", u.Task.Title)
		}
	}
	return assigned
}

func sameSessions(a, b []session) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].ExternalID != b[i].ExternalID || !a[i].StartsAt.Equal(b[i].StartsAt) ||
			!a[i].EndsAt.Equal(b[i].EndsAt) || a[i].Room != b[i].Room || a[i].Title != b[i].Title {
			return false
		}
	}
	return true
}

func unassignedByArea(sg aiSuggestion) string {
	n := map[string]int{}
	for _, u := range sg.Unassigned {
		n[u.Task.Area]++
	}
	parts := make([]string, 0, len(n))
	for a, k := range n {
		parts = append(parts, fmt.Sprintf("%s=%d", a, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func firstSkipped(ap approval) any {
	if len(ap.Skipped) == 0 {
		return nil
	}
	return ap.Skipped[0]
}

func aiIDs(tasks []aiTask) []string {
	out := make([]string, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, t.ID)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

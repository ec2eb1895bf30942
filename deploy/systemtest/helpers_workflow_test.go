package systemtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Helpers of the workflow, authorisation and AI tests: the objects of
// DESIGN.md as the tests read them, user and world set-up through the
// gateway, polling with a deadline, and independent checks of assignments.

// Skill is a skill a user has at a level 1-5.
type Skill struct {
	Name  string `json:"name"`
	Level int    `json:"level"`
}

// RequiredSkill is a skill a task needs, at least at MinLevel.
type RequiredSkill struct {
	Name     string `json:"name"`
	MinLevel int    `json:"min_level"`
}

// Window is a half-open availability window [StartsAt, EndsAt).
type Window struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// Person is the full user object of DESIGN.md (User carries only what the auth tests need).
type Person struct {
	ID             string   `json:"id"`
	Username       string   `json:"username"`
	Role           string   `json:"role"`
	CompanyIDs     []string `json:"company_ids"`
	Skills         []Skill  `json:"skills"`
	Availability   []Window `json:"availability"`
	MaxHoursPerDay float64  `json:"max_hours_per_day"`
	IsActive       bool     `json:"is_active"`
}

// Company is the company object.
type Company struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedBy string `json:"created_by"`
	Version   int64  `json:"version"`
}

// Event is the event object (ManagedEvent adds the task counts).
type Event struct {
	ID                string    `json:"id"`
	CompanyID         string    `json:"company_id"`
	Title             string    `json:"title"`
	Timezone          string    `json:"timezone"`
	StartsAt          time.Time `json:"starts_at"`
	EndsAt            time.Time `json:"ends_at"`
	EventType         string    `json:"event_type"`
	ManagerIDs        []string  `json:"manager_ids"`
	CreatedBy         string    `json:"created_by"`
	Version           int64     `json:"version"`
	TasksProposed     int       `json:"tasks_proposed"`
	TasksApproved     int       `json:"tasks_approved"`
	TasksDone         int       `json:"tasks_done"`
	ExpectedAttendees int       `json:"expected_attendees"`
}

// Team is a team of an event.
type Team struct {
	ID        string   `json:"id"`
	EventID   string   `json:"event_id"`
	Name      string   `json:"name"`
	Area      string   `json:"area"`
	LeadID    *string  `json:"lead_id"`
	MemberIDs []string `json:"member_ids"`
	Approval  string   `json:"approval"`
	Version   int64    `json:"version"`
}

// Task is the task object.
type Task struct {
	ID             string          `json:"id"`
	EventID        string          `json:"event_id"`
	CompanyID      string          `json:"company_id"`
	Title          string          `json:"title"`
	RequiredSkills []RequiredSkill `json:"required_skills"`
	StartsAt       time.Time       `json:"starts_at"`
	EndsAt         time.Time       `json:"ends_at"`
	Priority       int             `json:"priority"`
	Area           string          `json:"area"`
	AssigneeID     *string         `json:"assignee_id"`
	Approval       string          `json:"approval"`
	Status         string          `json:"status"`
	Progress       int             `json:"progress"`
	Note           string          `json:"note"`
	Source         string          `json:"source"`
	SuggestionID   *string         `json:"suggestion_id"`
	Reasons        []string        `json:"reasons"`
	Version        int64           `json:"version"`
	// Existing marks, in a suggestion, a task the task service already has (assign modes).
	Existing bool `json:"existing"`
}

// Assignee is the task's assignee id, "" when unassigned.
func (t Task) Assignee() string {
	if t.AssigneeID == nil {
		return ""
	}
	return *t.AssigneeID
}

// Page is a list answer.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// Suggestion is the AI's answer.
type Suggestion struct {
	ID      string `json:"id"`
	EventID string `json:"event_id"`
	Status  string `json:"status"`
	// TasksProposed is the suggestion service's count of its tasks still proposed (read model).
	TasksProposed int    `json:"tasks_proposed"`
	Tasks         []Task `json:"tasks"`
	Unassigned    []struct {
		Task    Task     `json:"task"`
		Reasons []string `json:"reasons"`
	} `json:"unassigned"`
	Teams []struct {
		ID        string   `json:"id"`
		Area      string   `json:"area"`
		LeadID    *string  `json:"lead_id"`
		MemberIDs []string `json:"member_ids"`
	} `json:"teams"`
	Metrics struct {
		Tasks          float64 `json:"tasks"`
		Assigned       float64 `json:"assigned"`
		HardViolations float64 `json:"hard_violations"`
		SkillFit       float64 `json:"skill_fit"`
		Objective      float64 `json:"objective"`
		LowerBound     float64 `json:"lower_bound"`
		Gap            float64 `json:"gap"`
		SolveMS        float64 `json:"solve_ms"`
	} `json:"metrics"`
}

// newPerson has admin create a user with role and extra fields and logs it in.
// It goes through one admin client so that a roster costs one login per person.
func newPerson(t testing.TB, env *Env, admin *Client, role string, extra map[string]any) (Person, *Client) {
	t.Helper()
	name := Unique(role)
	password := "Pw-" + randomHex(8)
	body := map[string]any{"username": name, "email": name + "@example.com", "password": password, "role": role, "full_name": "Test " + name}
	for k, v := range extra {
		body[k] = v
	}
	var p Person
	admin.JSON("POST", "/admin/users/", body, http.StatusCreated, &p)
	if p.ID == "" || p.Role != role {
		t.Fatalf("POST /admin/users/ answered %+v, want a %s with an id", p, role)
	}
	return p, env.Client(t).As(env.Login(t, Credentials{Username: name, Password: password}).Access)
}

// setCompanies has admin replace a user's company_ids and checks the answer.
func setCompanies(t testing.TB, admin *Client, userID string, companyIDs ...string) Person {
	t.Helper()
	if companyIDs == nil {
		companyIDs = []string{} // null would mean "leave as is"
	}
	var p Person
	admin.JSON("PUT", "/admin/users/"+userID, map[string]any{"company_ids": companyIDs}, http.StatusOK, &p)
	if !sameSet(p.CompanyIDs, companyIDs) {
		t.Fatalf("PUT /admin/users/%s company_ids %v answered %v", userID, companyIDs, p.CompanyIDs)
	}
	return p
}

// eventBody is a valid POST /organizer/events/ body.
func eventBody(companyID, eventType string, attendees int, start, end time.Time, managers ...string) map[string]any {
	if managers == nil {
		managers = []string{}
	}
	return map[string]any{
		"company_id": companyID, "title": Unique("Event"), "description": "system test event",
		"location": "Hall 1", "timezone": "Europe/Berlin", "event_type": eventType,
		"expected_attendees": attendees, "manager_ids": managers,
		"starts_at": rfc(start), "ends_at": rfc(end),
	}
}

// taskBody is a valid POST /organizer/events/{id}/tasks/ body; assignee "" leaves it open.
func taskBody(title string, start, end time.Time, assignee string, skills ...RequiredSkill) map[string]any {
	if skills == nil {
		skills = []RequiredSkill{}
	}
	b := map[string]any{"title": title, "description": "do " + title, "starts_at": rfc(start), "ends_at": rfc(end),
		"priority": 3, "required_skills": skills}
	if assignee != "" {
		b["assignee_id"] = assignee
	}
	return b
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Eventually calls cond until it reports done or timeout passes, then fails
// with cond's last description. It is for state that crosses a Kafka hop,
// where DESIGN.md promises convergence, not a moment.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	wait := 20 * time.Millisecond
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s; last: %s", what, timeout, last)
		}
		time.Sleep(wait)
		wait = min(2*wait, 250*time.Millisecond)
	}
}

// managedEvent finds ev in the manager's GET /manager/events/ (all pages).
func managedEvent(t testing.TB, mgr *Client, eventID string) (Event, bool) {
	t.Helper()
	for _, e := range allPages[Event](t, mgr, "/manager/events/") {
		if e.ID == eventID {
			return e, true
		}
	}
	return Event{}, false
}

// waitCounts polls GET /manager/events/ until ev shows the given counts.
func waitCounts(t testing.TB, mgr *Client, eventID string, proposed, approved, done int) Event {
	t.Helper()
	var got Event
	Eventually(t, 20*time.Second, "task counts on GET /manager/events/", func() (bool, string) {
		e, ok := managedEvent(t, mgr, eventID)
		if !ok {
			return false, "event not listed"
		}
		got = e
		return e.TasksProposed == proposed && e.TasksApproved == approved && e.TasksDone == done,
			fmt.Sprintf("proposed/approved/done = %d/%d/%d, want %d/%d/%d", e.TasksProposed, e.TasksApproved, e.TasksDone, proposed, approved, done)
	})
	return got
}

// allPages follows next_cursor through a list route (at most 50 pages).
func allPages[T any](t testing.TB, c *Client, path string) []T {
	t.Helper()
	var out []T
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	url := path + sep + "limit=200"
	for range 50 {
		var p Page[T]
		c.JSON("GET", url, nil, http.StatusOK, &p)
		out = append(out, p.Items...)
		if p.NextCursor == nil || *p.NextCursor == "" {
			return out
		}
		url = path + sep + "limit=200&cursor=" + *p.NextCursor
	}
	t.Fatalf("GET %s: more than 50 pages", path)
	return nil
}

// ids lists the tasks' ids, sorted.
func ids(tasks []Task) []string {
	out := make([]string, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, t.ID)
	}
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

// hasSkills reports whether skills satisfy every requirement (names without case).
func hasSkills(skills []Skill, req []RequiredSkill) bool {
	for _, r := range req {
		ok := false
		for _, s := range skills {
			if strings.EqualFold(strings.TrimSpace(s.Name), strings.TrimSpace(r.Name)) && s.Level >= r.MinLevel {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// covered reports whether [start, end) lies inside the union of windows (none: always available).
func covered(windows []Window, start, end time.Time) bool {
	if len(windows) == 0 {
		return true
	}
	ws := slices.Clone(windows)
	sort.Slice(ws, func(i, j int) bool { return ws[i].StartsAt.Before(ws[j].StartsAt) })
	at := start
	for _, w := range ws {
		if w.StartsAt.After(at) {
			break
		}
		if w.EndsAt.After(at) {
			at = w.EndsAt
		}
		if !at.Before(end) {
			return true
		}
	}
	return !at.Before(end)
}

// overlapping returns a description of the first two tasks of one person whose half-open
// windows overlap, or "".
func overlapping(tasks []Task) string {
	byPerson := map[string][]Task{}
	for _, t := range tasks {
		if a := t.Assignee(); a != "" {
			byPerson[a] = append(byPerson[a], t)
		}
	}
	for p, ts := range byPerson {
		sort.Slice(ts, func(i, j int) bool { return ts[i].StartsAt.Before(ts[j].StartsAt) })
		for i := 1; i < len(ts); i++ {
			for j := 0; j < i; j++ {
				if ts[j].EndsAt.After(ts[i].StartsAt) && ts[i].EndsAt.After(ts[j].StartsAt) {
					return fmt.Sprintf("%s has %s (%s–%s) and %s (%s–%s)", p, ts[j].ID, rfc(ts[j].StartsAt), rfc(ts[j].EndsAt),
						ts[i].ID, rfc(ts[i].StartsAt), rfc(ts[i].EndsAt))
				}
			}
		}
	}
	return ""
}

// canonical re-encodes a JSON document with sorted keys, so that two reads compare as text.
func canonical(t testing.TB, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// ownedTables are the tables that hold each service's own objects. Read-model tables are left
// out on purpose: they follow the topics and may still move after a write that the test waited
// for through another service, which would make a "nothing changed" check flaky.
var ownedTables = []string{
	"identity.users", "company.companies", "event.events", "event.teams", "event.sessions",
	"task.tasks", "task.task_history", "suggestion.suggestions",
}

// dbFingerprint summarises, in the owned tables and in every service's outbox, the rows
// that mention any of scope (the ids of one company's objects): a committed write to those
// objects changes a row or adds one (every change writes an outbox row in its transaction,
// whose envelope names the object). Rows of other objects are left out, so that other tests'
// asynchronous work cannot move the fingerprint. Tables that do not exist (a service not
// built yet) are reported as absent.
func dbFingerprint(t testing.TB, env *Env, scope []string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, env.DatabaseURL)
	if err != nil {
		t.Fatalf("connect to the stack's database: %v", err)
	}
	defer conn.Close(ctx)
	patterns := make([]string, 0, len(scope))
	for _, id := range scope {
		if id != "" {
			patterns = append(patterns, "%"+id+"%")
		}
	}
	out := map[string]string{}
	tables := slices.Clone(ownedTables)
	for _, s := range []string{"identity", "company", "event", "task", "suggestion"} {
		tables = append(tables, s+".outbox")
	}
	for _, tbl := range tables {
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, tbl).Scan(&exists); err != nil {
			t.Fatalf("look up %s: %v", tbl, err)
		}
		if !exists {
			out[tbl] = "absent"
			continue
		}
		// The outbox's sent_at moves as the relay works; only which rows exist matters.
		row := "x::text"
		if strings.HasSuffix(tbl, ".outbox") {
			row = "x.id::text || x.envelope::text"
		}
		q := fmt.Sprintf(`SELECT count(*)::text || ':' || coalesce(md5(string_agg(%[1]s, '|' ORDER BY %[1]s)), '')
			FROM %[2]s x WHERE x::text LIKE ANY($1)`, row, tbl)
		var v string
		if err := conn.QueryRow(ctx, q, patterns).Scan(&v); err != nil {
			t.Fatalf("fingerprint %s: %v", tbl, err)
		}
		out[tbl] = v
	}
	return out
}

// running reports whether the stack runs the named component.
func (e *Env) running(name string) bool { return slices.Contains(e.Running, name) }

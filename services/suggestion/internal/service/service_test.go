package service_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/envelope"
	"github.com/eventai/eventai/services/suggestion/internal/solver"
)

var skillNames = []string{"av", "catering", "first-aid", "heralding", "infodesk", "registration", "security", "video"}

// member is a staff member as the test announced it on identity.users.v1.
type member struct {
	user
	Skills       map[string]int
	Availability []solver.Interval
	MaxHours     float64
}

// world is one company with its organizer and manager, staff, and an event with a schedule,
// announced on the topics as identity, company and event would.
type world struct {
	org, mgr user
	company  string
	staff    []member
	event    string
	loc      *time.Location
	start    time.Time
	end      time.Time
}

func (e *env) publishCompany(owner user) string {
	e.t.Helper()
	id := uuid.NewString()
	e.publish("company.companies.v1", "company", "company.created", id, map[string]any{
		"id": id, "name": "Company " + id[:8], "created_by": owner.ID.String(), "created_at": time.Now().UTC(),
	})
	return id
}

func (e *env) publishUser(u user, companyIDs []string, skills map[string]int, avail []solver.Interval, maxHours float64, active bool) {
	e.t.Helper()
	if companyIDs == nil {
		companyIDs = []string{}
	}
	sk := []map[string]any{}
	for name, lv := range skills {
		sk = append(sk, map[string]any{"name": strings.ToUpper(name[:1]) + name[1:], "level": lv})
	}
	av := []map[string]any{}
	for _, w := range avail {
		av = append(av, map[string]any{"starts_at": w.Start, "ends_at": w.End})
	}
	e.publish("identity.users.v1", "identity", "user.updated", u.ID.String(), map[string]any{
		"id": u.ID.String(), "username": "u" + u.ID.String()[:6], "email": u.ID.String()[:6] + "@example.org", "full_name": "Test " + u.Role,
		"role": u.Role, "company_ids": companyIDs, "skills": sk, "availability": av, "max_hours_per_day": maxHours,
		"is_active": active, "version": time.Now().UnixNano(),
	})
}

func (e *env) publishEvent(id, company string, start, end time.Time, tz string, managers ...string) {
	e.t.Helper()
	if managers == nil {
		managers = []string{}
	}
	e.publish("event.events.v1", "event", "event.created", id, map[string]any{
		"id": id, "company_id": company, "title": "Test Conf", "description": "", "location": "Hamburg", "timezone": tz,
		"starts_at": start, "ends_at": end, "event_type": "conference", "expected_attendees": 600, "manager_ids": managers,
		"created_by": uuid.NewString(), "version": 1,
	})
}

// publishSchedule imports rooms × talks sessions of 45 minutes every 50 minutes from start.
func (e *env) publishSchedule(eventID, company string, start time.Time, rooms, talks int) {
	e.t.Helper()
	var sessions []map[string]any
	for r := 0; r < rooms; r++ {
		for k := 0; k < talks; k++ {
			s := start.Add(time.Duration(k*50) * time.Minute)
			sessions = append(sessions, map[string]any{"id": uuid.NewString(), "external_id": fmt.Sprintf("r%d-t%d", r, k),
				"room": fmt.Sprintf("Room %d", r+1), "track": "", "title": fmt.Sprintf("Talk %d.%d", r, k),
				"starts_at": s, "ends_at": s.Add(45 * time.Minute)})
		}
	}
	e.publish("event.events.v1", "event", "event.schedule_imported", eventID, map[string]any{
		"event_id": eventID, "company_id": company, "timezone": "Europe/Berlin", "sessions": sessions})
}

// newWorld announces a company with n staff and a one-day conference with a schedule of
// rooms × talks sessions. Nothing waits: the service must catch up by itself.
func (e *env) newWorld(n, rooms, talks int) world {
	e.t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(e.t, err)
	w := world{org: e.login("organizer"), mgr: e.login("manager"), loc: loc,
		start: time.Date(2026, 6, 1, 9, 0, 0, 0, loc), end: time.Date(2026, 6, 1, 19, 0, 0, 0, loc)}
	w.company = e.publishCompany(w.org)
	e.publishUser(w.mgr, []string{w.company}, nil, nil, 0, true)
	for i := 0; i < n; i++ {
		m := member{user: e.login("staff"), Skills: map[string]int{}, MaxHours: 8}
		for k := 0; k < 3; k++ {
			m.Skills[skillNames[(i+k*3)%len(skillNames)]] = 1 + (i+k)%5
		}
		if i%4 == 0 {
			// A morning person: available until 14:00 local only.
			m.Availability = []solver.Interval{{Start: w.start.Add(-3 * time.Hour), End: w.start.Add(5 * time.Hour)}}
		}
		if i%5 == 0 {
			m.MaxHours = 4
		}
		e.publishUser(m.user, []string{w.company}, m.Skills, m.Availability, m.MaxHours, true)
		w.staff = append(w.staff, m)
	}
	w.event = uuid.NewString()
	e.publishEvent(w.event, w.company, w.start, w.end, "Europe/Berlin", w.mgr.ID.String())
	if rooms > 0 {
		e.publishSchedule(w.event, w.company, w.start.Add(30*time.Minute), rooms, talks)
	}
	return w
}

// verify rebuilds the optimiser problem from what the test published and the answer's tasks,
// and checks the answer with the solver's independent Verify.
func verify(t *testing.T, w world, body map[string]any, committed map[string][]solver.Interval) {
	t.Helper()
	p := solver.Problem{Location: w.loc}
	plan := solver.Plan{}
	for _, raw := range body["tasks"].([]any) {
		tk := raw.(map[string]any)
		start, err := time.Parse(time.RFC3339, tk["starts_at"].(string))
		require.NoError(t, err)
		end, err := time.Parse(time.RFC3339, tk["ends_at"].(string))
		require.NoError(t, err)
		st := solver.Task{ID: tk["id"].(string), Start: start, End: end, Priority: int(tk["priority"].(float64))}
		for _, s := range tk["required_skills"].([]any) {
			sm := s.(map[string]any)
			st.Skills = append(st.Skills, solver.SkillReq{Name: sm["name"].(string), MinLevel: int(sm["min_level"].(float64))})
		}
		p.Tasks = append(p.Tasks, st)
		a := solver.Assignment{TaskID: st.ID}
		if id, ok := tk["assignee_id"].(string); ok {
			a.StaffID = id
		}
		plan.Assignments = append(plan.Assignments, a)
	}
	for _, m := range w.staff {
		p.Staff = append(p.Staff, solver.Staff{ID: m.ID.String(), Skills: m.Skills, Availability: m.Availability,
			MaxMinutesPerDay: int(m.MaxHours * 60), Committed: committed[m.ID.String()]})
	}
	require.Empty(t, solver.Verify(p, plan))
}

func taskIDs(body map[string]any) []string {
	var out []string
	for _, raw := range body["tasks"].([]any) {
		out = append(out, raw.(map[string]any)["id"].(string))
	}
	return out
}

// suggestionMessages picks the envelopes of one suggestion from the topic.
type suggestionMessages struct {
	created *envelope.Envelope
	batches []envelope.Envelope
	keys    []string
}

func pick(msgs []kafka.Message, id string) suggestionMessages {
	var out suggestionMessages
	for _, m := range msgs {
		env, err := envelope.Decode(m.Value)
		if err != nil {
			continue
		}
		var d struct {
			ID           string `json:"id"`
			SuggestionID string `json:"suggestion_id"`
		}
		_ = json.Unmarshal(env.Data, &d)
		switch {
		case env.Type == "suggestion.created" && d.ID == id:
			out.created = &env
			out.keys = append(out.keys, string(m.Key))
		case env.Type == "suggestion.tasks_proposed" && d.SuggestionID == id:
			out.batches = append(out.batches, env)
			out.keys = append(out.keys, string(m.Key))
		}
	}
	return out
}

func complete(id string) func([]kafka.Message) bool {
	return func(msgs []kafka.Message) bool {
		s := pick(msgs, id)
		if s.created == nil {
			return false
		}
		var d struct {
			Batches int `json:"batches"`
		}
		_ = json.Unmarshal(s.created.Data, &d)
		return len(s.batches) == d.Batches
	}
}

func TestSuggestEndToEndThroughTheTopics(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(30, 8, 12)

	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest/", map[string]any{"time_limit_ms": 1000, "seed": 7})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	b := r.Body
	id := b["id"].(string)
	require.Equal(t, "/organizer/suggestions/"+id, r.Header.Get("Location"))
	require.Equal(t, "ready", b["status"])
	require.Equal(t, "plan_and_assign", b["mode"])
	require.Equal(t, "builtin", b["planner"])
	require.Equal(t, w.event, b["event_id"])
	require.Equal(t, w.company, b["company_id"])
	require.Equal(t, []any{}, b["supersedes"])

	tasks := b["tasks"].([]any)
	require.Greater(t, len(tasks), 200, "96 sessions need more than one batch")
	m := b["metrics"].(map[string]any)
	require.EqualValues(t, len(tasks), m["tasks"])
	require.EqualValues(t, 0, m["hard_violations"])
	assigned := 0
	staffIDs := map[string]bool{}
	for _, s := range w.staff {
		staffIDs[s.ID.String()] = true
	}
	for _, raw := range tasks {
		tk := raw.(map[string]any)
		require.NotEmpty(t, tk["reasons"], "every task says why")
		require.Equal(t, "proposed", tk["approval"])
		require.Equal(t, id, tk["suggestion_id"])
		if a, ok := tk["assignee_id"].(string); ok {
			require.True(t, staffIDs[a], "assignee %s is staff of the company", a)
			assigned++
		}
	}
	require.EqualValues(t, assigned, m["assigned"])
	require.Positive(t, assigned)
	require.Len(t, b["unassigned"].([]any), len(tasks)-assigned)
	for _, raw := range b["unassigned"].([]any) {
		require.NotEmpty(t, raw.(map[string]any)["reasons"])
	}
	verify(t, w, b, nil)

	// Teams: one per staffed area, its lead a member.
	teams := b["teams"].([]any)
	require.NotEmpty(t, teams)
	for _, raw := range teams {
		tm := raw.(map[string]any)
		members := tm["member_ids"].([]any)
		require.Contains(t, members, tm["lead_id"])
		require.Contains(t, tm["lead_reason"], "lead:")
	}

	// The outbox reached the topic before the answer: one suggestion.created and batches of at
	// most 200 tasks, keyed by the event, carrying the answer's task ids in order.
	require.Equal(t, 0, e.count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`))
	msgs := e.readSuggestionTopic(complete(id))
	s := pick(msgs, id)
	var created struct {
		TaskCount  int      `json:"task_count"`
		Batches    int      `json:"batches"`
		Supersedes []string `json:"supersedes"`
		Teams      []any    `json:"teams"`
		Mode       string   `json:"mode"`
	}
	require.NoError(t, json.Unmarshal(s.created.Data, &created))
	require.Equal(t, len(tasks), created.TaskCount)
	require.Equal(t, (len(tasks)+199)/200, created.Batches)
	require.Empty(t, created.Supersedes)
	require.Len(t, created.Teams, len(teams))
	var got []string
	for i, env := range s.batches {
		var d struct {
			Batch, Batches int
			Tasks          []struct {
				ID string `json:"id"`
			} `json:"tasks"`
		}
		require.NoError(t, json.Unmarshal(env.Data, &d))
		require.Equal(t, i+1, d.Batch)
		require.Equal(t, created.Batches, d.Batches)
		require.LessOrEqual(t, len(d.Tasks), 200)
		for _, tk := range d.Tasks {
			got = append(got, tk.ID)
		}
	}
	require.Equal(t, taskIDs(b), got)
	for _, k := range s.keys {
		require.Equal(t, w.event, k)
	}

	// A re-suggest supersedes the first; the first now reads as superseded.
	r2 := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"time_limit_ms": 300, "seed": 7})
	require.Equal(t, http.StatusCreated, r2.Status, string(r2.Raw))
	id2 := r2.Body["id"].(string)
	require.Equal(t, []any{id}, r2.Body["supersedes"])
	kept := 0
	for _, raw := range r2.Body["tasks"].([]any) {
		for _, why := range raw.(map[string]any)["reasons"].([]any) {
			if why == "kept the previous assignee" {
				kept++
			}
		}
	}
	require.Positive(t, kept, "the re-plan starts from the earlier assignees (stability)")
	s2 := pick(e.readSuggestionTopic(complete(id2)), id2)
	var created2 struct {
		Supersedes []string `json:"supersedes"`
	}
	require.NoError(t, json.Unmarshal(s2.created.Data, &created2))
	require.Equal(t, []string{id}, created2.Supersedes)
	r = e.do(w.org, "GET", "/organizer/suggestions/"+id, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "superseded", r.Body["status"])
	require.Equal(t, id2, r.Body["superseded_by"])
	require.Equal(t, taskIDs(b), taskIDs(r.Body), "the stored suggestion is the answer")

	// The list is newest first and pages.
	r = e.do(w.org, "GET", "/organizer/events/"+w.event+"/suggestions?limit=1", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	items := r.Body["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, id2, items[0].(map[string]any)["id"])
	require.Nil(t, items[0].(map[string]any)["tasks"], "lists leave the tasks out")
	cursor := r.Body["next_cursor"].(string)
	r = e.do(w.org, "GET", "/organizer/events/"+w.event+"/suggestions?limit=1&cursor="+cursor, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, id, r.Body["items"].([]any)[0].(map[string]any)["id"])
	require.Nil(t, r.Body["next_cursor"])
	r = e.do(w.org, "GET", "/organizer/events/"+w.event+"/suggestions?cursor=garbage", nil)
	require.Equal(t, http.StatusBadRequest, r.Status)

	r = e.do(user{}, "GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Contains(t, string(r.Raw), `suggestion_solve_seconds_count{mode="plan_and_assign"} 2`)
	require.Contains(t, string(r.Raw), "suggestion_hard_violations_total 0")
}

// The task service reports the suggestion's tasks approved: the suggestion reads approved,
// and the approved work then binds the next suggestion (never re-proposed, busy time).
func TestApprovedTasksMakeTheSuggestionApprovedAndBindTheNextOne(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(12, 0, 0)
	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"time_limit_ms": 300})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	tasks := r.Body["tasks"].([]any)
	require.NotEmpty(t, tasks)

	committed := map[string][]solver.Interval{}
	approved := 0
	for i, raw := range tasks {
		tk := raw.(map[string]any)
		tk["company_id"] = w.company
		tk["approval"] = "approved"
		tk["status"] = "pending"
		tk["version"] = 2
		tk["source"] = "ai"
		if i%2 == 1 || tk["assignee_id"] == nil {
			tk["approval"] = "rejected" // exceptions do not hold the suggestion back
		} else {
			approved++
			start, _ := time.Parse(time.RFC3339, tk["starts_at"].(string))
			end, _ := time.Parse(time.RFC3339, tk["ends_at"].(string))
			a := tk["assignee_id"].(string)
			committed[a] = append(committed[a], solver.Interval{Start: start, End: end})
		}
		e.publish("task.tasks.v1", "task", "task.updated", tk["id"].(string), tk)
	}
	require.Positive(t, approved)
	e.waitCount(`SELECT count(*) FROM tasks WHERE suggestion_id = $1`, len(tasks), id)
	r = e.do(w.mgr, "GET", "/manager/suggestions/"+id, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "approved", r.Body["status"])
	require.EqualValues(t, approved, r.Body["tasks_approved"])
	require.EqualValues(t, 0, r.Body["tasks_proposed"])

	r = e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"time_limit_ms": 300})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, []any{}, r.Body["supersedes"], "an approved suggestion is not superseded")
	require.EqualValues(t, approved, r.Body["skipped_covered"], "approved seats are not proposed again")
	require.Len(t, r.Body["tasks"].([]any), len(tasks)-approved)
	require.EqualValues(t, 0, r.Body["metrics"].(map[string]any)["hard_violations"])
	verify(t, w, r.Body, committed)
}

func (e *env) waitCount(sql string, want int, args ...any) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := e.count(sql, args...)
		if n == want {
			return
		}
		require.True(e.t, time.Now().Before(deadline), "read model has %d rows, want %d", n, want)
		time.Sleep(20 * time.Millisecond)
	}
}

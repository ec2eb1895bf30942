package systemtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWorkflow walks the four-role workflow of DESIGN.md through the gateway
// with real processes: admin creates the people; the organizer creates a
// company and at once an event (read your writes across company → event);
// the admin adds staff to the company and at once the organizer assigns them
// a task (identity → task); the manager assigns and approves, hitting the
// skill and double-booking rules; staff see only their own approved tasks and
// move them through the lifecycle; stale versions get 409; the manager's
// counts converge across the Kafka hop; deleting a user leaves their open
// tasks unassigned with the history kept.
func TestWorkflow(t *testing.T) {
	env := Start(t, "company", "event", "task")
	admin := env.AdminClient(t)

	// June 14th 2031, 08:00 in Berlin (UTC+2): hour(n) is n hours after opening.
	open := time.Date(2031, 6, 14, 6, 0, 0, 0, time.UTC)
	hour := func(n int) time.Time { return open.Add(time.Duration(n) * time.Hour) }

	org, orgC := newPerson(t, env, admin, "organizer", nil)
	mgr, mgrC := newPerson(t, env, admin, "manager", nil)
	s1, s1C := newPerson(t, env, admin, "staff", map[string]any{
		"skills":            []Skill{{"AV", 3}, {"registration", 2}},
		"availability":      []Window{{hour(0), hour(12)}},
		"max_hours_per_day": 10,
	})
	s2, s2C := newPerson(t, env, admin, "staff", map[string]any{
		"skills": []Skill{{"Registration", 1}}, "max_hours_per_day": 8,
	})

	// The organizer creates a company and, with no pause, the admin puts the manager in it
	// (company → identity) and the organizer creates an event managed by them (company and
	// identity → event): an event's managers must be members of its company.
	var co Company
	orgC.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("Workflow GmbH")}, http.StatusCreated, &co)
	if co.ID == "" || co.CreatedBy != org.ID {
		t.Fatalf("company = %+v, want an id and created_by %s", co, org.ID)
	}
	setCompanies(t, admin, mgr.ID, co.ID)
	var ev Event
	orgC.JSON("POST", "/organizer/events/", eventBody(co.ID, "conference", 300, hour(0), hour(12), mgr.ID), http.StatusCreated, &ev)
	if ev.ID == "" || ev.CompanyID != co.ID || ev.CreatedBy != org.ID || !sameSet(ev.ManagerIDs, []string{mgr.ID}) || ev.Version < 1 {
		t.Fatalf("event = %+v, want company %s, created_by %s, manager_ids [%s], a version", ev, co.ID, org.ID, mgr.ID)
	}
	if !ev.StartsAt.Equal(hour(0)) || !ev.EndsAt.Equal(hour(12)) || ev.Timezone != "Europe/Berlin" {
		t.Fatalf("event window/timezone = %s–%s %s, want %s–%s Europe/Berlin", ev.StartsAt, ev.EndsAt, ev.Timezone, hour(0), hour(12))
	}
	// An organizer's event cannot be managed by someone outside the company.
	outsider, _ := newPerson(t, env, admin, "manager", nil)
	orgC.Problem("POST", "/organizer/events/", eventBody(co.ID, "meetup", 10, hour(0), hour(1), outsider.ID), http.StatusUnprocessableEntity)

	// A second manager, created by the admin and at once (no login, no pause) added to the event.
	mgr2Name := Unique("manager")
	var mgr2 Person
	admin.JSON("POST", "/admin/users/", map[string]any{"username": mgr2Name, "email": mgr2Name + "@example.com",
		"password": "Pw-" + mgr2Name, "role": "manager", "company_ids": []string{co.ID}}, http.StatusCreated, &mgr2)
	orgC.JSON("PUT", "/organizer/events/"+ev.ID, map[string]any{"version": ev.Version, "manager_ids": []string{mgr.ID, mgr2.ID}}, http.StatusOK, &ev)
	if !sameSet(ev.ManagerIDs, []string{mgr.ID, mgr2.ID}) {
		t.Fatalf("manager_ids after adding a new manager = %v", ev.ManagerIDs)
	}
	mgr2C := env.Client(t).As(env.Login(t, Credentials{Username: mgr2Name, Password: "Pw-" + mgr2Name}).Access)
	if _, ok := managedEvent(t, mgr2C, ev.ID); !ok {
		t.Fatalf("the new manager does not see the event on GET /manager/events/")
	}

	// The admin puts each staff member into the company and, with no pause, the organizer
	// gives them a task.
	taskOf := func(c *Client, body map[string]any) Task {
		t.Helper()
		var tk Task
		c.JSON("POST", "/organizer/events/"+ev.ID+"/tasks/", body, http.StatusCreated, &tk)
		if tk.ID == "" || tk.EventID != ev.ID || tk.CompanyID != co.ID || tk.Source != "manual" || tk.Version < 1 {
			t.Fatalf("created task = %+v, want event %s, company %s, source manual, a version", tk, ev.ID, co.ID)
		}
		return tk
	}
	setCompanies(t, admin, s1.ID, co.ID)
	doors := taskOf(orgC, taskBody("Open the doors", hour(0), hour(1), s1.ID, RequiredSkill{"registration", 1}))
	setCompanies(t, admin, s2.ID, co.ID)
	badges := taskOf(orgC, taskBody("Hand out badges", hour(0), hour(2), s2.ID, RequiredSkill{"registration", 1}))
	if doors.Assignee() != s1.ID || badges.Assignee() != s2.ID {
		t.Fatalf("assignees = %s, %s; want %s, %s", doors.Assignee(), badges.Assignee(), s1.ID, s2.ID)
	}

	// Open manual tasks for the manager to staff.
	av := taskOf(orgC, taskBody("Stage AV check", hour(1), hour(4), "", RequiredSkill{"av", 3}))
	desk := taskOf(orgC, taskBody("Registration desk", hour(3), hour(5), "", RequiredSkill{"registration", 1}))
	wrap := taskOf(orgC, taskBody("Wrap-up round", hour(4), hour(5), ""))
	spare := taskOf(orgC, taskBody("Spare hands", hour(6), hour(7), ""))
	for _, tk := range []Task{av, desk, wrap, spare} {
		if tk.Assignee() != "" {
			t.Fatalf("task %s created without assignee has assignee %s", tk.ID, tk.Assignee())
		}
	}

	// managerPut sends PUT /manager/tasks/{id} and, on 200, returns the task.
	managerPut := func(tk Task, body map[string]any, want int) Task {
		t.Helper()
		if want != http.StatusOK {
			mgrC.Problem("PUT", "/manager/tasks/"+tk.ID, body, want)
			return tk
		}
		var out Task
		mgrC.JSON("PUT", "/manager/tasks/"+tk.ID, body, http.StatusOK, &out)
		return out
	}
	// unchanged requires that a refused write left the task as it was.
	unchanged := func(c *Client, path string, before Task) {
		t.Helper()
		var now Task
		c.JSON("GET", path, nil, http.StatusOK, &now)
		if now.Version != before.Version || now.Assignee() != before.Assignee() || now.Status != before.Status ||
			now.Approval != before.Approval || now.Title != before.Title {
			t.Fatalf("a refused write changed %s: before %+v, after %+v", path, before, now)
		}
	}

	t.Run("manager assigns and approves; the rules answer 422", func(t *testing.T) {
		// s2 has no AV skill at all.
		p := mgrC.Problem("PUT", "/manager/tasks/"+av.ID, map[string]any{"version": av.Version, "assignee_id": s2.ID, "approval": "approved"}, http.StatusUnprocessableEntity)
		requireMentions(t, p, "skill")
		unchanged(mgrC, "/manager/tasks/"+av.ID, av)

		av = managerPut(av, map[string]any{"version": av.Version, "assignee_id": s1.ID, "approval": "approved"}, http.StatusOK)
		if av.Assignee() != s1.ID || av.Approval != "approved" || av.Status != "pending" {
			t.Fatalf("AV task after assignment = %+v, want s1, approved, pending", av)
		}

		// s1 works on AV 1–4, so the desk (3–5) would double-book them.
		p = mgrC.Problem("PUT", "/manager/tasks/"+desk.ID, map[string]any{"version": desk.Version, "assignee_id": s1.ID, "approval": "approved"}, http.StatusUnprocessableEntity)
		requireMentions(t, p, "double")
		unchanged(mgrC, "/manager/tasks/"+desk.ID, desk)
		desk = managerPut(desk, map[string]any{"version": desk.Version, "assignee_id": s2.ID, "approval": "approved"}, http.StatusOK)

		// s2 is now on the desk 3–5, so the wrap-up (4–5) would double-book them; for s1 it
		// starts when AV ends, which half-open windows allow.
		mgrC.Problem("PUT", "/manager/tasks/"+wrap.ID, map[string]any{"version": wrap.Version, "assignee_id": s2.ID}, http.StatusUnprocessableEntity)
		unchanged(mgrC, "/manager/tasks/"+wrap.ID, wrap)
		wrap = managerPut(wrap, map[string]any{"version": wrap.Version, "assignee_id": s1.ID, "approval": "approved"}, http.StatusOK)

		// Outside s1's availability (08:00–20:00 local) → 422, and over s2's 8 hours a day
		// (2 h of badges + 2 h at the desk + 5 h) → 422.
		late := taskOf(orgC, taskBody("Late shift", hour(12), hour(13), ""))
		p = mgrC.Problem("PUT", "/manager/tasks/"+late.ID, map[string]any{"version": late.Version, "assignee_id": s1.ID}, http.StatusUnprocessableEntity)
		requireMentions(t, p, "available")
		long := taskOf(orgC, taskBody("Long evening", hour(6), hour(11), ""))
		p = mgrC.Problem("PUT", "/manager/tasks/"+long.ID, map[string]any{"version": long.Version, "assignee_id": s2.ID}, http.StatusUnprocessableEntity)
		requireMentions(t, p, "hour")
		unchanged(mgrC, "/manager/tasks/"+late.ID, late)
		unchanged(mgrC, "/manager/tasks/"+long.ID, long)
		// Neither is anyone's; the organizer removes them again.
		for _, tk := range []Task{late, long} {
			orgC.Do("DELETE", "/organizer/tasks/"+tk.ID, nil).requireStatus(t, "DELETE /organizer/tasks/"+tk.ID, http.StatusNoContent)
			orgC.Problem("GET", "/organizer/tasks/"+tk.ID, nil, http.StatusNotFound)
		}

		// The organizer's own assignments get the manager's approval too.
		doors = managerPut(doors, map[string]any{"version": doors.Version, "approval": "approved"}, http.StatusOK)
		badges = managerPut(badges, map[string]any{"version": badges.Version, "approval": "approved"}, http.StatusOK)

		// A rejected task is not staff work, even with an assignee.
		spare = managerPut(spare, map[string]any{"version": spare.Version, "assignee_id": s1.ID, "approval": "rejected", "reason": "not needed"}, http.StatusOK)
		if spare.Approval != "rejected" {
			t.Fatalf("spare task approval = %s, want rejected", spare.Approval)
		}
		for _, tk := range []Task{av, desk, wrap, doors, badges} {
			if tk.Approval != "approved" || tk.Assignee() == "" {
				t.Fatalf("task %q = approval %s, assignee %q; want approved and assigned", tk.Title, tk.Approval, tk.Assignee())
			}
		}
	})

	t.Run("a stale version gets 409 and changes nothing", func(t *testing.T) {
		old := desk
		desk = managerPut(desk, map[string]any{"version": desk.Version, "title": "Registration desk (north)"}, http.StatusOK)
		if desk.Version <= old.Version || desk.Title != "Registration desk (north)" {
			t.Fatalf("edit answered %+v, want a higher version than %d and the new title", desk, old.Version)
		}
		mgrC.Problem("PUT", "/manager/tasks/"+desk.ID, map[string]any{"version": old.Version, "title": "Overwritten"}, http.StatusConflict)
		// The same through If-Match.
		mgrC.Problem("PUT", "/manager/tasks/"+desk.ID, map[string]any{"title": "Overwritten"}, http.StatusConflict, "If-Match", `"`+itoa(old.Version)+`"`)
		unchanged(mgrC, "/manager/tasks/"+desk.ID, desk)

		// The ETag of a read is the version; If-Match with it (and a trailing slash) writes.
		r := mgrC.Do("GET", "/manager/tasks/"+desk.ID+"/", nil)
		r.requireStatus(t, "GET /manager/tasks/{id}/", http.StatusOK)
		etag := r.Header.Get("ETag")
		if strings.Trim(strings.TrimPrefix(etag, "W/"), `"`) != itoa(desk.Version) {
			t.Fatalf("ETag %q, want the version %d", etag, desk.Version)
		}
		r = mgrC.Do("PUT", "/manager/tasks/"+desk.ID+"/", map[string]any{"title": "Registration desk (south)"}, "If-Match", etag)
		r.requireStatus(t, "PUT /manager/tasks/{id}/ with If-Match", http.StatusOK)
		r.Decode(t, &desk)
		if desk.Title != "Registration desk (south)" {
			t.Fatalf("after the If-Match write: %+v", desk)
		}
		mgrC.Problem("PUT", "/manager/tasks/"+desk.ID, map[string]any{"title": "Overwritten"}, http.StatusConflict, "If-Match", etag)

		// Eight writers with the same version at once: exactly one wins, the rest get 409.
		const writers = 8
		statuses := make(chan int, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := mgrC.Do("PUT", "/manager/tasks/"+desk.ID, map[string]any{"version": desk.Version, "title": fmt.Sprintf("Desk writer %d", i)})
				statuses <- r.Status
			}()
		}
		wg.Wait()
		close(statuses)
		won, lost := 0, 0
		for st := range statuses {
			switch st {
			case http.StatusOK:
				won++
			case http.StatusConflict:
				lost++
			default:
				t.Errorf("a concurrent writer got %d", st)
			}
		}
		var now Task
		mgrC.JSON("GET", "/manager/tasks/"+desk.ID, nil, http.StatusOK, &now)
		if won != 1 || lost != writers-1 || now.Version != desk.Version+1 || !strings.HasPrefix(now.Title, "Desk writer ") {
			t.Fatalf("%d concurrent writers: %d won, %d got 409; task now version %d %q (was %d)", writers, won, lost, now.Version, now.Title, desk.Version)
		}
		desk = now
	})

	t.Run("staff see only their own approved tasks", func(t *testing.T) {
		mine := func(c *Client, who Person, want ...Task) {
			t.Helper()
			got := allPages[Task](t, c, "/staff/tasks/")
			if !sameSet(ids(got), ids(want)) {
				t.Fatalf("GET /staff/tasks/ as %s = %v, want %v", who.Username, titles(got), titles(want))
			}
			for _, tk := range got {
				if tk.Assignee() != who.ID || tk.Approval != "approved" {
					t.Fatalf("staff %s sees task %+v", who.Username, tk)
				}
			}
		}
		mine(s1C, s1, doors, av, wrap)
		mine(s2C, s2, badges, desk)
		// Another staff member's task and one's own rejected task are not there to be read or moved.
		s1C.Problem("GET", "/staff/tasks/"+badges.ID, nil, http.StatusNotFound)
		s1C.Problem("PUT", "/staff/tasks/"+badges.ID, map[string]any{"version": badges.Version, "status": "in_progress"}, http.StatusNotFound)
		s1C.Problem("GET", "/staff/tasks/"+spare.ID, nil, http.StatusNotFound)
		unchanged(mgrC, "/manager/tasks/"+badges.ID, badges)
	})

	t.Run("lists paginate one by one to the same items", func(t *testing.T) {
		for _, l := range []struct {
			c    *Client
			path string
		}{
			{s1C, "/staff/tasks/"},
			{mgrC, "/manager/events/" + ev.ID + "/tasks/"},
			{orgC, "/organizer/events/" + ev.ID + "/tasks/"},
			{mgrC, "/manager/events/"},
			{orgC, "/organizer/events/"},
		} {
			var full Page[map[string]any]
			l.c.JSON("GET", l.path+"?limit=200", nil, http.StatusOK, &full)
			var seen []string
			url := l.path + "?limit=1"
			for range len(full.Items) + 2 {
				var p Page[map[string]any]
				l.c.JSON("GET", url, nil, http.StatusOK, &p)
				if len(p.Items) > 1 {
					t.Fatalf("GET %s answered %d items", url, len(p.Items))
				}
				for _, it := range p.Items {
					id, _ := it["id"].(string)
					if slices.Contains(seen, id) {
						t.Fatalf("GET %s repeats %s", l.path, id)
					}
					seen = append(seen, id)
				}
				if p.NextCursor == nil {
					break
				}
				url = l.path + "?limit=1&cursor=" + *p.NextCursor
			}
			want := make([]string, 0, len(full.Items))
			for _, it := range full.Items {
				id, _ := it["id"].(string)
				want = append(want, id)
			}
			if len(want) == 0 || !slices.Equal(seen, want) {
				t.Fatalf("GET %s one by one = %v, in one page %v", l.path, seen, want)
			}
			l.c.Problem("GET", l.path+"?cursor=not-a-cursor", nil, http.StatusBadRequest)
			l.c.Problem("GET", l.path+"?limit=0", nil, http.StatusBadRequest)
		}
	})

	t.Run("staff move a task pending → in_progress → done", func(t *testing.T) {
		path := "/staff/tasks/" + av.ID
		var step1 Task
		s1C.JSON("PUT", path, map[string]any{"version": av.Version, "status": "in_progress", "progress": 30, "note": "mics tested"}, http.StatusOK, &step1)
		if step1.Status != "in_progress" || step1.Progress != 30 || step1.Note != "mics tested" || step1.Version <= av.Version {
			t.Fatalf("after in_progress: %+v", step1)
		}
		// The version the staff member read before is stale now.
		s1C.Problem("PUT", path, map[string]any{"version": av.Version, "status": "done"}, http.StatusConflict)
		unchanged(s1C, path, step1)
		// Staff change status, progress and note only.
		s1C.Problem("PUT", path, map[string]any{"version": step1.Version, "title": "mine now"}, http.StatusUnprocessableEntity)
		s1C.Problem("PUT", path, map[string]any{"version": step1.Version, "assignee_id": s2.ID}, http.StatusUnprocessableEntity)
		unchanged(s1C, path, step1)

		var step2 Task
		s1C.JSON("PUT", path, map[string]any{"version": step1.Version, "status": "done"}, http.StatusOK, &step2)
		if step2.Status != "done" || step2.Progress != 100 || step2.Version <= step1.Version {
			t.Fatalf("after done: %+v, want done with progress 100", step2)
		}
		// done is final for staff.
		s1C.Problem("PUT", path, map[string]any{"version": step2.Version, "status": "in_progress"}, http.StatusUnprocessableEntity)
		unchanged(s1C, path, step2)

		// A manager may reopen it; staff then finish it again.
		var reopened Task
		mgrC.JSON("PUT", "/manager/tasks/"+av.ID, map[string]any{"version": step2.Version, "status": "in_progress", "reason": "sound check again"}, http.StatusOK, &reopened)
		if reopened.Status != "in_progress" || reopened.Assignee() != s1.ID || reopened.Approval != "approved" {
			t.Fatalf("reopened task = %+v", reopened)
		}
		s1C.JSON("PUT", path, map[string]any{"version": reopened.Version, "status": "done"}, http.StatusOK, &av)
		if av.Status != "done" {
			t.Fatalf("after finishing again: %+v", av)
		}

		// The history of one's own task is readable; another's is not.
		var h Page[map[string]json.RawMessage]
		s1C.JSON("GET", "/tasks/"+av.ID+"/history", nil, http.StatusOK, &h)
		statuses := 0
		for _, e := range h.Items {
			if statusIn(e["to"]) != "" {
				statuses++
			}
		}
		// in_progress, done, reopened (in_progress), done.
		if statuses < 4 {
			t.Fatalf("history of the AV task has %d status changes, want at least 4: %s", statuses, mustJSON(h.Items))
		}
		s2C.Problem("GET", "/tasks/"+av.ID+"/history", nil, http.StatusNotFound)
	})

	t.Run("illegal transitions answer 422", func(t *testing.T) {
		path := "/staff/tasks/" + doors.ID
		// Blocked needs a note saying what blocks it.
		s1C.Problem("PUT", path, map[string]any{"version": doors.Version, "status": "blocked"}, http.StatusUnprocessableEntity)
		unchanged(s1C, path, doors)
		var started Task
		s1C.JSON("PUT", path, map[string]any{"version": doors.Version, "status": "in_progress"}, http.StatusOK, &started)
		// in_progress may go to done or blocked, not back to pending.
		s1C.Problem("PUT", path, map[string]any{"version": started.Version, "status": "pending"}, http.StatusUnprocessableEntity)
		s1C.Problem("PUT", path, map[string]any{"version": started.Version, "status": "finished"}, http.StatusUnprocessableEntity)
		unchanged(s1C, path, started)
		// Blocked with a note, then done.
		var blocked Task
		s1C.JSON("PUT", path, map[string]any{"version": started.Version, "status": "blocked", "note": "key missing"}, http.StatusOK, &blocked)
		if blocked.Status != "blocked" || blocked.Note != "key missing" {
			t.Fatalf("after blocked: %+v", blocked)
		}
		s1C.JSON("PUT", path, map[string]any{"version": blocked.Version, "status": "done", "note": "key found"}, http.StatusOK, &doors)
		if doors.Status != "done" || doors.Progress != 100 {
			t.Fatalf("after done: %+v", doors)
		}

		// s2 finishes the badges: a done task of theirs is history, not open work.
		var done Task
		s2C.JSON("PUT", "/staff/tasks/"+badges.ID, map[string]any{"version": badges.Version, "status": "done"}, http.StatusOK, &done)
		badges = done
	})

	t.Run("no mass assignment, bad input is a 400/422 problem and changes nothing", func(t *testing.T) {
		evPath := "/organizer/events/" + ev.ID + "/tasks/"
		before := allPages[Task](t, orgC, evPath)
		fields := map[string]any{"id": "00000000-0000-4000-8000-000000000001", "approval": "approved", "company_id": co.ID,
			"event_id": ev.ID, "source": "ai", "version": 7, "suggestion_id": "00000000-0000-4000-8000-000000000002"}
		for k, v := range fields {
			b := taskBody("Sneaky "+k, hour(8), hour(9), "")
			b[k] = v
			orgC.Problem("POST", evPath, b, http.StatusUnprocessableEntity)
		}
		for k, v := range map[string]any{"id": "00000000-0000-4000-8000-000000000003", "created_by": mgr.ID, "version": 9} {
			b := eventBody(co.ID, "meetup", 10, hour(0), hour(1))
			b[k] = v
			orgC.Problem("POST", "/organizer/events/", b, http.StatusUnprocessableEntity)
		}
		for k, v := range map[string]any{"role": "admin", "company_ids": []string{co.ID}, "skills": []Skill{{"av", 5}}, "is_active": false} {
			s1C.Problem("PUT", "/auth/me/", map[string]any{k: v}, http.StatusUnprocessableEntity)
		}
		var me Person
		s1C.JSON("GET", "/auth/me/", nil, http.StatusOK, &me)
		if me.Role != "staff" || !sameSet(me.CompanyIDs, []string{co.ID}) || !me.IsActive || len(me.Skills) != 2 {
			t.Fatalf("s1 after refused self-updates = %+v", me)
		}
		mgrC.Problem("PUT", "/manager/tasks/"+wrap.ID, map[string]any{"version": wrap.Version, "company_id": co.ID}, http.StatusUnprocessableEntity)
		// Malformed JSON is a 400, a wrong type a 422.
		orgC.Problem("POST", evPath, Raw(`{"title": "x", "starts_at": `), http.StatusBadRequest)
		orgC.Problem("POST", evPath, map[string]any{"title": 5, "starts_at": rfc(hour(8)), "ends_at": rfc(hour(9))}, http.StatusUnprocessableEntity)
		orgC.Problem("POST", evPath, taskBody("Backwards", hour(9), hour(8), ""), http.StatusUnprocessableEntity)
		orgC.Problem("POST", evPath, map[string]any{"title": "No window"}, http.StatusUnprocessableEntity)
		mgrC.Problem("PUT", "/manager/tasks/"+wrap.ID, Raw(`{"version":`), http.StatusBadRequest)
		mgrC.Problem("PUT", "/manager/tasks/"+wrap.ID, map[string]any{"version": "one"}, http.StatusUnprocessableEntity)
		mgrC.Problem("PUT", "/manager/tasks/"+wrap.ID, map[string]any{"version": wrap.Version, "approval": "maybe"}, http.StatusUnprocessableEntity)
		s1C.Problem("PUT", "/staff/tasks/"+wrap.ID, map[string]any{"version": wrap.Version, "progress": 101}, http.StatusUnprocessableEntity)
		unchanged(mgrC, "/manager/tasks/"+wrap.ID, wrap)
		if after := allPages[Task](t, orgC, evPath); !sameSet(ids(after), ids(before)) {
			t.Fatalf("refused creations changed the event's tasks: %v → %v", titles(before), titles(after))
		}
	})

	t.Run("the manager's counts converge", func(t *testing.T) {
		// Approved: doors, badges, av, desk, wrap (spare was rejected). Done: doors, av, badges.
		waitCounts(t, mgrC, ev.ID, 0, 5, 3)
		// Another manager does not see the event.
		_, other := newPerson(t, env, admin, "manager", nil)
		if _, ok := managedEvent(t, other, ev.ID); ok {
			t.Fatalf("a manager who does not manage %s sees it on GET /manager/events/", ev.ID)
		}
	})

	t.Run("a manager reaches only the events they manage, even in their own company", func(t *testing.T) {
		otherMgr, otherC := newPerson(t, env, admin, "manager", map[string]any{"company_ids": []string{co.ID}})
		var ev2 Event
		orgC.JSON("POST", "/organizer/events/", eventBody(co.ID, "meetup", 20, hour(24), hour(28), otherMgr.ID), http.StatusCreated, &ev2)
		var tk Task
		orgC.JSON("POST", "/organizer/events/"+ev2.ID+"/tasks/", taskBody("Next day", hour(24), hour(25), ""), http.StatusCreated, &tk)
		otherC.JSON("GET", "/manager/tasks/"+tk.ID, nil, http.StatusOK, nil) // its own manager may
		mgrC.Problem("GET", "/manager/events/"+ev2.ID, nil, http.StatusNotFound)
		mgrC.Problem("GET", "/manager/events/"+ev2.ID+"/tasks/", nil, http.StatusNotFound)
		mgrC.Problem("GET", "/manager/tasks/"+tk.ID, nil, http.StatusNotFound)
		mgrC.Problem("PUT", "/manager/tasks/"+tk.ID, map[string]any{"version": tk.Version, "assignee_id": s1.ID}, http.StatusNotFound)
		mgrC.Problem("GET", "/tasks/"+tk.ID+"/history", nil, http.StatusNotFound)
		otherC.Problem("GET", "/manager/tasks/"+av.ID, nil, http.StatusNotFound)
		unchanged(otherC, "/manager/tasks/"+tk.ID, tk)
	})

	t.Run("deleting a user leaves their open tasks unassigned", func(t *testing.T) {
		admin.Do("DELETE", "/admin/users/"+s2.ID, nil).requireStatus(t, "DELETE /admin/users/{s2}", http.StatusNoContent)
		admin.Problem("GET", "/admin/users/"+s2.ID, nil, http.StatusNotFound)

		// The desk (open) loses its assignee; it shows up among the unassigned for the manager.
		Eventually(t, 20*time.Second, "the deleted user's open task listed as unassigned", func() (bool, string) {
			open := allPages[Task](t, mgrC, "/manager/events/"+ev.ID+"/tasks/?assignee_id=none")
			for _, tk := range open {
				if tk.ID == desk.ID {
					return true, ""
				}
			}
			return false, "unassigned = " + strings.Join(titles(open), ", ")
		})
		var d Task
		mgrC.JSON("GET", "/manager/tasks/"+desk.ID, nil, http.StatusOK, &d)
		if d.Assignee() != "" || d.Title != desk.Title || d.Approval != desk.Approval || d.Status != desk.Status {
			t.Fatalf("desk after deleting its assignee = %+v, want unassigned and otherwise %+v", d, desk)
		}
		// The finished badges keep who did them; s1's tasks are untouched.
		var b Task
		mgrC.JSON("GET", "/manager/tasks/"+badges.ID, nil, http.StatusOK, &b)
		if b.Assignee() != s2.ID || b.Status != "done" {
			t.Fatalf("done task of the deleted user = %+v, want assignee %s and done", b, s2.ID)
		}
		for _, tk := range []Task{doors, av, wrap} {
			unchanged(mgrC, "/manager/tasks/"+tk.ID, tk)
		}
		if got := allPages[Task](t, s1C, "/staff/tasks/"); !sameSet(ids(got), ids([]Task{doors, av, wrap})) {
			t.Fatalf("s1's tasks after deleting s2 = %v", titles(got))
		}

		// History: the assignment by the manager and the unassignment are both kept.
		var h Page[map[string]json.RawMessage]
		mgrC.JSON("GET", "/tasks/"+desk.ID+"/history", nil, http.StatusOK, &h)
		assigned, unassigned := false, false
		for _, e := range h.Items {
			from, to := assigneeIn(e["from"]), assigneeIn(e["to"])
			if to == s2.ID {
				// Who did it is kept: the manager.
				if actor := strings.Trim(string(e["actor_id"]), `"`); actor != mgr.ID {
					t.Fatalf("the desk's assignment to s2 is recorded with actor %s, want the manager %s", actor, mgr.ID)
				}
				assigned = true
			}
			if from == s2.ID && to == "null" {
				unassigned = true
			}
		}
		if !assigned || !unassigned {
			t.Fatalf("history of the desk (assigned to s2: %v, unassigned: %v): %s", assigned, unassigned, mustJSON(h.Items))
		}
		// The workflow state the manager sees converges too: nothing was approved or done away.
		waitCounts(t, mgrC, ev.ID, 0, 5, 3)
	})
}

// TestRemovedUsersLoseAccess: once the admin deletes, deactivates or demotes
// a user, the access token they still hold (valid for up to 15 minutes, with
// the old role in it) must, as soon as the change has reached the services
// (a Kafka hop, waited for with a deadline), not read or change anything that
// role allowed through the gateway — not only on identity's routes. A
// removed organizer or manager keeping a quarter of an hour of write access to
// the company's events and tasks is what removing them is meant to prevent.
func TestRemovedUsersLoseAccess(t *testing.T) {
	env := Start(t, "company", "event", "task")
	admin := env.AdminClient(t)
	open := time.Date(2031, 7, 1, 8, 0, 0, 0, time.UTC)
	for _, how := range []string{"deleted", "deactivated", "demoted to staff"} {
		t.Run(how, func(t *testing.T) {
			org, orgC := newPerson(t, env, admin, "organizer", nil)
			mgr, mgrC := newPerson(t, env, admin, "manager", nil)
			var co Company
			orgC.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("Removed " + how)}, http.StatusCreated, &co)
			setCompanies(t, admin, mgr.ID, co.ID)
			var ev Event
			orgC.JSON("POST", "/organizer/events/", eventBody(co.ID, "meetup", 20, open, open.Add(4*time.Hour), mgr.ID), http.StatusCreated, &ev)
			var tk Task
			orgC.JSON("POST", "/organizer/events/"+ev.ID+"/tasks/", taskBody("Keep me", open, open.Add(time.Hour), ""), http.StatusCreated, &tk)
			var sug Suggestion
			if env.running("suggestion") {
				orgC.JSON("POST", "/organizer/events/"+ev.ID+"/ai/suggest/", map[string]any{"mode": "plan", "time_limit_ms": 200}, http.StatusCreated, &sug)
				Eventually(t, 20*time.Second, "the plan's tasks proposed", func() (bool, string) {
					n := len(allPages[Task](t, mgrC, "/manager/events/"+ev.ID+"/tasks/?approval=proposed"))
					return n == len(sug.Tasks), fmt.Sprintf("%d of %d", n, len(sug.Tasks))
				})
			}
			// A second organizer of the company reads the objects back afterwards.
			_, other := newPerson(t, env, admin, "organizer", map[string]any{"company_ids": []string{co.ID}})

			for _, u := range []Person{org, mgr} {
				switch how {
				case "deleted":
					admin.Do("DELETE", "/admin/users/"+u.ID, nil).requireStatus(t, "DELETE /admin/users/"+u.ID, http.StatusNoContent)
				case "deactivated":
					admin.JSON("PUT", "/admin/users/"+u.ID, map[string]any{"is_active": false}, http.StatusOK, nil)
				default:
					admin.JSON("PUT", "/admin/users/"+u.ID, map[string]any{"role": "staff"}, http.StatusOK, nil)
				}
			}
			// The removal reaches each service over the users topic: wait (with a deadline)
			// until every service refuses a read, then no write may get through.
			reads := []struct {
				c    *Client
				path string
			}{
				{orgC, "/organizer/events/" + ev.ID}, {orgC, "/organizer/tasks/" + tk.ID},
				{mgrC, "/manager/events/" + ev.ID}, {mgrC, "/manager/tasks/" + tk.ID},
			}
			if sug.ID != "" {
				reads = append(reads, struct {
					c    *Client
					path string
				}{mgrC, "/manager/suggestions/" + sug.ID})
			}
			Eventually(t, 20*time.Second, "every service refuses the "+how+" users' reads", func() (bool, string) {
				for _, rd := range reads {
					if st := rd.c.Do("GET", rd.path, nil).Status; st < 400 {
						return false, fmt.Sprintf("GET %s → %d", rd.path, st)
					}
				}
				return true, ""
			})
			refused := func(c *Client, method, path string, body any) {
				t.Helper()
				r := c.Do(method, path, body)
				if r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
					t.Errorf("%s user's token: %s %s → %d, want 401 (or 403/404); body %.200s", how, method, path, r.Status, r.Body)
				}
			}
			if how != "demoted to staff" { // a staff member may read their own profile
				refused(orgC, "GET", "/auth/me/", nil)
			}
			refused(orgC, "GET", "/organizer/events/"+ev.ID, nil)
			refused(orgC, "PUT", "/organizer/events/"+ev.ID, map[string]any{"version": ev.Version, "title": "Renamed by a removed organizer"})
			refused(orgC, "PUT", "/organizer/tasks/"+tk.ID, map[string]any{"version": tk.Version, "title": "Renamed by a removed organizer"})
			refused(orgC, "POST", "/organizer/events/"+ev.ID+"/tasks/", taskBody("Added by a removed organizer", open, open.Add(time.Hour), ""))
			refused(mgrC, "GET", "/manager/events/"+ev.ID, nil)
			refused(mgrC, "PUT", "/manager/tasks/"+tk.ID, map[string]any{"version": tk.Version, "approval": "rejected"})
			if sug.ID != "" {
				refused(mgrC, "GET", "/manager/suggestions/"+sug.ID, nil)
				refused(mgrC, "POST", "/manager/suggestions/"+sug.ID+"/approve", map[string]any{})
				if n := len(allPages[Task](t, other, "/organizer/events/"+ev.ID+"/tasks/?approval=proposed")); n != len(sug.Tasks) {
					t.Errorf("%d of the plan's %d tasks are still proposed after a removed manager's approve", n, len(sug.Tasks))
				}
			}

			var e Event
			other.JSON("GET", "/organizer/events/"+ev.ID, nil, http.StatusOK, &e)
			var now Task
			other.JSON("GET", "/organizer/tasks/"+tk.ID, nil, http.StatusOK, &now)
			if e.Title != ev.Title || now.Title != tk.Title || now.Approval != tk.Approval {
				t.Errorf("a removed user's token changed the company's objects: event %q → %q, task %q/%s → %q/%s",
					ev.Title, e.Title, tk.Title, tk.Approval, now.Title, now.Approval)
			}
			if got := allPages[Task](t, other, "/organizer/events/"+ev.ID+"/tasks/?approval=approved"); len(got) != 1 {
				t.Errorf("the event has %d approved tasks after a removed organizer's POST, want 1: %v", len(got), titles(got))
			}
		})
	}
}

// TestLeavingACompanyEndsItsWork: when the admin takes a staff member out of a
// company (PUT /admin/users/{id} company_ids without it), that company's open
// tasks must not stay with them — they become unassigned for the manager, as
// for a deleted or deactivated user — and the person no longer reads the
// company's tasks. Their finished work keeps its assignee (history).
func TestLeavingACompanyEndsItsWork(t *testing.T) {
	env := Start(t, "company", "event", "task")
	admin := env.AdminClient(t)
	open := time.Date(2031, 8, 1, 8, 0, 0, 0, time.UTC)
	_, orgC := newPerson(t, env, admin, "organizer", nil)
	mgr, mgrC := newPerson(t, env, admin, "manager", nil)
	var co, other Company
	orgC.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("Left")}, http.StatusCreated, &co)
	orgC.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("Stayed")}, http.StatusCreated, &other)
	setCompanies(t, admin, mgr.ID, co.ID, other.ID)
	var ev, ev2 Event
	orgC.JSON("POST", "/organizer/events/", eventBody(co.ID, "meetup", 20, open, open.Add(4*time.Hour), mgr.ID), http.StatusCreated, &ev)
	orgC.JSON("POST", "/organizer/events/", eventBody(other.ID, "meetup", 20, open.Add(24*time.Hour), open.Add(28*time.Hour), mgr.ID), http.StatusCreated, &ev2)
	s, sC := newPerson(t, env, admin, "staff", map[string]any{"company_ids": []string{co.ID, other.ID}})
	var pending, finished, elsewhere Task
	orgC.JSON("POST", "/organizer/events/"+ev.ID+"/tasks/", taskBody("Open work", open, open.Add(time.Hour), s.ID), http.StatusCreated, &pending)
	orgC.JSON("POST", "/organizer/events/"+ev.ID+"/tasks/", taskBody("Finished work", open.Add(time.Hour), open.Add(2*time.Hour), s.ID), http.StatusCreated, &finished)
	orgC.JSON("POST", "/organizer/events/"+ev2.ID+"/tasks/", taskBody("Other company's work", open.Add(24*time.Hour), open.Add(25*time.Hour), s.ID), http.StatusCreated, &elsewhere)
	sC.JSON("PUT", "/staff/tasks/"+finished.ID, map[string]any{"version": finished.Version, "status": "done"}, http.StatusOK, &finished)

	setCompanies(t, admin, s.ID, other.ID)

	Eventually(t, 20*time.Second, "the open task of the company left behind unassigned", func() (bool, string) {
		var g Task
		mgrC.JSON("GET", "/manager/tasks/"+pending.ID, nil, http.StatusOK, &g)
		return g.Assignee() == "", "assignee " + g.Assignee()
	})
	sC.Problem("GET", "/staff/tasks/"+pending.ID, nil, http.StatusNotFound)
	var f, e Task
	mgrC.JSON("GET", "/manager/tasks/"+finished.ID, nil, http.StatusOK, &f)
	mgrC.JSON("GET", "/manager/tasks/"+elsewhere.ID, nil, http.StatusOK, &e)
	if f.Assignee() != s.ID || f.Status != "done" {
		t.Fatalf("finished task = %+v, want it kept with its assignee", f)
	}
	if e.Assignee() != s.ID {
		t.Fatalf("the task in the company they stayed in lost its assignee: %+v", e)
	}
	got := allPages[Task](t, sC, "/staff/tasks/")
	for _, tk := range got {
		if tk.CompanyID == co.ID && tk.Status != "done" {
			t.Fatalf("after leaving company %s the staff member still lists its open task %q", co.ID, tk.Title)
		}
	}
}

// TestDeletingEventsAndCompanies: an event deleted by its organizer takes its
// tasks with it in every service (staff lists, the manager's events, the
// person's bookings), and a deleted company takes its events.
func TestDeletingEventsAndCompanies(t *testing.T) {
	env := Start(t, "company", "event", "task")
	admin := env.AdminClient(t)
	open := time.Date(2031, 9, 1, 8, 0, 0, 0, time.UTC)
	_, orgC := newPerson(t, env, admin, "organizer", nil)
	mgr, mgrC := newPerson(t, env, admin, "manager", nil)
	var co Company
	orgC.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("Deleted")}, http.StatusCreated, &co)
	setCompanies(t, admin, mgr.ID, co.ID)
	var ev Event
	orgC.JSON("POST", "/organizer/events/", eventBody(co.ID, "meetup", 20, open, open.Add(4*time.Hour), mgr.ID), http.StatusCreated, &ev)
	s, sC := newPerson(t, env, admin, "staff", map[string]any{"company_ids": []string{co.ID}})
	var tk Task
	orgC.JSON("POST", "/organizer/events/"+ev.ID+"/tasks/", taskBody("Work", open, open.Add(time.Hour), s.ID), http.StatusCreated, &tk)

	orgC.Do("DELETE", "/organizer/events/"+ev.ID, nil).requireStatus(t, "DELETE /organizer/events/{id}", http.StatusNoContent)
	orgC.Problem("GET", "/organizer/events/"+ev.ID, nil, http.StatusNotFound)
	Eventually(t, 20*time.Second, "the deleted event's task gone everywhere", func() (bool, string) {
		staffN := len(allPages[Task](t, sC, "/staff/tasks/"))
		_, listed := managedEvent(t, mgrC, ev.ID)
		taskStatus := mgrC.Do("GET", "/manager/tasks/"+tk.ID, nil).Status
		return staffN == 0 && !listed && taskStatus == http.StatusNotFound,
			fmt.Sprintf("staff tasks %d, event listed for the manager %v, GET task %d", staffN, listed, taskStatus)
	})
	orgC.Problem("POST", "/organizer/events/"+ev.ID+"/tasks/", taskBody("Late", open, open.Add(time.Hour), ""), http.StatusNotFound)
	// The person's time is free again.
	var ev2 Event
	orgC.JSON("POST", "/organizer/events/", eventBody(co.ID, "meetup", 20, open, open.Add(4*time.Hour), mgr.ID), http.StatusCreated, &ev2)
	orgC.JSON("POST", "/organizer/events/"+ev2.ID+"/tasks/", taskBody("Same hour", open, open.Add(time.Hour), s.ID), http.StatusCreated, nil)

	orgC.Do("DELETE", "/organizer/companies/"+co.ID, nil).requireStatus(t, "DELETE /organizer/companies/{id}", http.StatusNoContent)
	Eventually(t, 20*time.Second, "the deleted company's event and tasks gone", func() (bool, string) {
		evStatus := orgC.Do("GET", "/organizer/events/"+ev2.ID, nil).Status
		staffN := len(allPages[Task](t, sC, "/staff/tasks/"))
		_, listed := managedEvent(t, mgrC, ev2.ID)
		return evStatus == http.StatusNotFound && staffN == 0 && !listed,
			fmt.Sprintf("GET event %d, staff tasks %d, listed for the manager %v", evStatus, staffN, listed)
	})
}

// requireMentions checks that a 422 says which rule failed (detail or field messages).
func requireMentions(t testing.TB, p Problem, word string) {
	t.Helper()
	text := strings.ToLower(p.Detail)
	for _, e := range p.Errors {
		text += " " + strings.ToLower(e.Message)
	}
	if !strings.Contains(text, word) {
		t.Fatalf("problem %+v does not name the rule (%q)", p, word)
	}
}

// requireStatus fails unless r has status want.
func (r *Response) requireStatus(t testing.TB, what string, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d; body: %s", what, r.Status, want, r.Body)
	}
}

// assigneeIn reads assignee_id from a history entry's from/to object: the id, "null" when
// present and null, "" when absent.
func assigneeIn(raw json.RawMessage) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	v, ok := m["assignee_id"]
	if !ok {
		return ""
	}
	if string(v) == "null" {
		return "null"
	}
	var s string
	_ = json.Unmarshal(v, &s)
	return s
}

// statusIn reads status from a history entry's from/to object ("" when absent).
func statusIn(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	s, _ := m["status"].(string)
	return s
}

func titles(tasks []Task) []string {
	out := make([]string, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, t.Title)
	}
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

package service_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/libs/envelope"
)

// TestWorkflow: the organizer adds tasks right after the event was announced (no wait in the
// test: the service catches up on its own), the manager assigns and approves, staff see only
// their approved tasks and move one to done; a stale version is refused; the history tells it all.
func TestWorkflow(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org, mgr, staff, staff2 := h.token("organizer", w.organizer), h.token("manager", w.manager), h.token("staff", w.staff), h.token("staff", w.staff2)

	// Read your writes: no h.caughtUp() between publishing the world and using it.
	r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks/", org,
		manualTask("Registration desk", 9, 12, map[string]any{"name": "registration", "min_level": 2}))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	task := r.json(t)
	id := task["id"].(string)
	require.Equal(t, "approved", task["approval"])
	require.Equal(t, "manual", task["source"])
	require.Nil(t, task["assignee_id"])
	require.Equal(t, `"1"`, r.header.Get("ETag"))

	r = h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, map[string]any{
		"title": "Stewards", "starts_at": day(13), "ends_at": day(15), "headcount": 3})
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	items := r.json(t)["items"].([]any)
	require.Len(t, items, 3)
	group := items[0].(map[string]any)["slot_group"]
	require.NotNil(t, group)
	for _, it := range items {
		require.Equal(t, group, it.(map[string]any)["slot_group"])
	}

	// Staff see nothing yet: the task is approved but not theirs.
	r = h.do("GET", "/staff/tasks", staff, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Empty(t, r.json(t)["items"])

	// The manager assigns it; a stale version is refused.
	r = h.do("PUT", "/manager/tasks/"+id, mgr, map[string]any{"version": 1, "assignee_id": w.staff, "reason": "knows the desk"})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	task = r.json(t)
	require.Equal(t, w.staff.String(), task["assignee_id"])
	require.EqualValues(t, 2, task["version"])
	require.Equal(t, true, task["edited_by_manager"])
	r = h.do("PUT", "/manager/tasks/"+id, mgr, map[string]any{"version": 1, "assignee_id": w.staff2})
	require.Equal(t, http.StatusConflict, r.status, string(r.body))
	require.Equal(t, "/problems/conflict", r.json(t)["type"])

	// Staff: only their own approved task, pending → in_progress → done.
	r = h.do("GET", "/staff/tasks/", staff, nil)
	require.Equal(t, http.StatusOK, r.status)
	list := r.json(t)["items"].([]any)
	require.Len(t, list, 1)
	require.Equal(t, id, list[0].(map[string]any)["id"])
	require.Empty(t, h.do("GET", "/staff/tasks", staff2, nil).json(t)["items"])
	require.Equal(t, http.StatusNotFound, h.do("GET", "/staff/tasks/"+id, staff2, nil).status)

	r = h.do("PUT", "/staff/tasks/"+id, staff, map[string]any{"version": 2, "status": "in_progress", "progress": 40})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	r = h.do("PUT", "/staff/tasks/"+id, staff, map[string]any{"version": 3, "status": "pending"})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	require.Contains(t, string(r.body), "illegal_transition")
	r = h.do("PUT", "/staff/tasks/"+id, staff, map[string]any{"version": 3, "status": "done", "title": "mine now"})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	require.Equal(t, "title", r.json(t)["errors"].([]any)[0].(map[string]any)["field"])
	r = h.do("PUT", "/staff/tasks/"+id, staff, map[string]any{"version": 2, "status": "done"})
	require.Equal(t, http.StatusConflict, r.status)
	r = h.do("PUT", "/staff/tasks/"+id, staff, map[string]any{"version": 3, "status": "done"})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	task = r.json(t)
	require.Equal(t, "done", task["status"])
	require.EqualValues(t, 100, task["progress"])
	require.NotNil(t, task["completed_at"])
	r = h.do("PUT", "/staff/tasks/"+id, staff, map[string]any{"version": 4, "status": "in_progress"})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)

	// The manager reopens it.
	r = h.do("PUT", "/manager/tasks/"+id, mgr, map[string]any{"version": 4, "status": "in_progress", "reason": "badges missing"})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	require.Equal(t, "in_progress", r.json(t)["status"])

	// History: created, assigned, status ×2, reopened — readable by staff, manager, organizer.
	for _, tok := range []string{staff, mgr, org} {
		r = h.do("GET", "/tasks/"+id+"/history", tok, nil)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var actions []string
		for _, it := range r.json(t)["items"].([]any) {
			actions = append(actions, it.(map[string]any)["action"].(string))
		}
		require.Equal(t, []string{"created", "assigned", "status_changed", "status_changed", "reopened"}, actions)
	}
	require.Equal(t, http.StatusNotFound, h.do("GET", "/tasks/"+id+"/history", staff2, nil).status)

	// Every change went out on task.tasks.v1 through the outbox.
	require.Equal(t, 0, h.count(`SELECT count(*) FROM outbox WHERE sent_at IS NULL`))
	types := readTypes(t, h.brokers, id, 5)
	require.Equal(t, []string{"task.created", "task.updated", "task.updated", "task.updated", "task.updated"}, types)
}

// readTypes reads task.tasks.v1 from the start and returns the types of the messages keyed id.
func readTypes(t *testing.T, brokers []string, id string, want int) []string {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: "task.tasks.v1", Partition: partitionOf(t, brokers, id), MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []string
	for len(out) < want {
		m, err := r.ReadMessage(ctx)
		require.NoError(t, err, "read %d of %d", len(out), want)
		if string(m.Key) != id {
			continue
		}
		env, err := envelope.Decode(m.Value)
		require.NoError(t, err)
		out = append(out, env.Type)
	}
	return out
}

// partitionOf finds the partition kafka-go's Hash balancer picks for key.
func partitionOf(t *testing.T, brokers []string, key string) int {
	conn, err := kafka.Dial("tcp", brokers[0])
	require.NoError(t, err)
	defer conn.Close()
	parts, err := conn.ReadPartitions("task.tasks.v1")
	require.NoError(t, err)
	ids := make([]int, len(parts))
	for i := range parts {
		ids[i] = i
	}
	return (&kafka.Hash{}).Balance(kafka.Message{Key: []byte(key)}, ids...)
}

// TestAssignmentRules: each failed check answers 422 naming the rule, and changes nothing.
func TestAssignmentRules(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	outsider := uuid.New()
	h.user(outsider, "staff", []uuid.UUID{uuid.New()}, []skill{{"registration", 5}}, nil, 8, 1)
	busy := uuid.New()
	h.user(busy, "staff", []uuid.UUID{w.company}, []skill{{"registration", 5}}, []window{{day(6), day(11)}}, 4, 1)
	org, mgr := h.token("organizer", w.organizer), h.token("manager", w.manager)
	h.caughtUp()

	create := func(title string, h1, h2 int, level int) string {
		r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org,
			manualTask(title, h1, h2, map[string]any{"name": "Registration", "min_level": level}))
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		return r.json(t)["id"].(string)
	}
	morning := create("Morning desk", 9, 12, 3)
	overlapping := create("Late morning", 11, 13, 1)
	expert := create("Expert desk", 14, 15, 5)

	r := h.do("PUT", "/manager/tasks/"+morning, mgr, map[string]any{"version": 1, "assignee_id": w.staff})
	require.Equal(t, http.StatusOK, r.status, string(r.body))

	cases := []struct {
		task     string
		assignee uuid.UUID
		rule     string
	}{
		{expert, w.staff, "missing_skill"},        // has registration 3, needs 5
		{overlapping, w.staff, "double_booked"},   // 11-13 overlaps 9-12
		{overlapping, outsider, "not_member"},     // another company's staff
		{overlapping, w.manager, "not_staff"},     // a manager
		{overlapping, busy, "unavailable"},        // available 6-11 only
		{overlapping, uuid.New(), "unknown_user"}, // nobody
	}
	for _, c := range cases {
		before := h.count(`SELECT count(*) FROM task_history`)
		r := h.do("PUT", "/manager/tasks/"+c.task, mgr, map[string]any{"version": 1, "assignee_id": c.assignee})
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", c.rule, r.body)
		require.Contains(t, string(r.body), c.rule)
		require.Equal(t, before, h.count(`SELECT count(*) FROM task_history`), "a refused assignment wrote history")
		require.Equal(t, 1, h.count(`SELECT version FROM tasks WHERE id = $1`, c.task))
	}
	// Back to back with the morning task is fine; the hour limit (4 h for busy) is counted per day.
	early := create("Early desk", 6, 9, 1)
	r = h.do("PUT", "/manager/tasks/"+early, mgr, map[string]any{"version": 1, "assignee_id": w.staff})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	r = h.do("PUT", "/manager/tasks/"+early, mgr, map[string]any{"version": 2, "assignee_id": busy, "starts_at": day(7), "ends_at": day(11)})
	require.Equal(t, http.StatusOK, r.status, string(r.body)) // exactly 4 h
	second := create("Second early", 6, 7, 1)
	r = h.do("PUT", "/manager/tasks/"+second, mgr, map[string]any{"version": 1, "assignee_id": busy})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	require.Contains(t, string(r.body), "max_hours_exceeded")

	// A manual task with an invalid assignee is refused whole.
	r = h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, map[string]any{
		"title": "Expert 2", "starts_at": day(16), "ends_at": day(17), "assignee_id": w.staff,
		"required_skills": []map[string]any{{"name": "registration", "min_level": 5}}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	require.Equal(t, 0, h.count(`SELECT count(*) FROM tasks WHERE title = 'Expert 2'`))
}

// TestBadInput: malformed and invalid bodies get 400/422 problems, never a 500 or a write.
func TestBadInput(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org := h.token("organizer", w.organizer)
	h.caughtUp()
	path := "/organizer/events/" + w.event.String() + "/tasks"
	cases := []struct {
		body   string
		status int
		field  string
	}{
		{`{"title": "x",`, 400, ""},
		{`{"title": "x", "starts_at": "2026-09-14T09:00:00Z", "ends_at": "2026-09-14T08:00:00Z"}`, 422, "ends_at"},
		{`{"title": "", "starts_at": "2026-09-14T09:00:00Z", "ends_at": "2026-09-14T10:00:00Z"}`, 422, "title"},
		{`{"title": "x", "starts_at": "2026-09-14T09:00:00Z", "ends_at": "2026-09-14T10:00:00Z", "approval": "approved"}`, 422, "approval"},
		{`{"title": "x", "starts_at": "2026-09-14T09:00:00Z", "ends_at": "2026-09-14T10:00:00Z", "priority": 7}`, 422, "priority"},
		{`{"title": "x", "starts_at": "2026-09-14T09:00:00Z", "ends_at": "2026-09-14T10:00:00Z", "headcount": 500}`, 422, "headcount"},
		{`{"title": 5}`, 422, "title"},
		// An explicit 0 is out of range, not "use the default".
		{`{"title": "x", "starts_at": "2026-09-14T09:00:00Z", "ends_at": "2026-09-14T10:00:00Z", "priority": 0}`, 422, "priority"},
		{`{"title": "x", "starts_at": "2026-09-14T09:00:00Z", "ends_at": "2026-09-14T10:00:00Z", "headcount": 0}`, 422, "headcount"},
		// A time in the wrong format names its field like any other wrong value.
		{`{"title": "x", "starts_at": "tomorrow", "ends_at": "2026-09-14T10:00:00Z"}`, 422, "starts_at"},
		{`{"title": "x", "starts_at": "2026-09-14T09:00:00Z", "ends_at": "2026-09-14 10:00"}`, 422, "ends_at"},
	}
	for _, c := range cases {
		r := h.do("POST", path, org, c.body)
		require.Equal(t, c.status, r.status, "%s → %s", c.body, r.body)
		require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
		if c.field != "" {
			require.Equal(t, c.field, r.json(t)["errors"].([]any)[0].(map[string]any)["field"], c.body)
		}
	}
	require.Equal(t, 0, h.count(`SELECT count(*) FROM tasks`))
	for _, q := range []string{"?status=nope", "?approval=maybe", "?assignee_id=bob", "?limit=0", "?cursor=notacursor", "?from=yesterday"} {
		r := h.do("GET", path+q, org, nil)
		require.Contains(t, []int{400, 422}, r.status, "%s → %d %s", q, r.status, r.body)
	}
	r := h.do("GET", "/nope", org, nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	require.Equal(t, http.StatusUnauthorized, h.do("GET", "/staff/tasks", "", nil).status)
	require.Equal(t, http.StatusUnauthorized, h.do("GET", "/staff/tasks", "x.y.z", nil).status)
}

// TestListPagination: keyset pages cover every task once, in time order, with filters.
func TestListPagination(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org := h.token("organizer", w.organizer)
	h.caughtUp()
	for i := range 7 {
		r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, manualTask(fmt.Sprintf("T%d", i), 6+i, 7+i))
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
	}
	var titles []string
	cursor := ""
	pages := 0
	for {
		r := h.do("GET", "/organizer/events/"+w.event.String()+"/tasks?limit=3&approval=approved&assignee_id=none&cursor="+cursor, org, nil)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		body := r.json(t)
		for _, it := range body["items"].([]any) {
			titles = append(titles, it.(map[string]any)["title"].(string))
		}
		pages++
		if body["next_cursor"] == nil {
			break
		}
		cursor = body["next_cursor"].(string)
	}
	require.Equal(t, 3, pages)
	require.Equal(t, "T0,T1,T2,T3,T4,T5,T6", strings.Join(titles, ","))
	r := h.do("GET", "/organizer/events/"+w.event.String()+"/tasks?approval=proposed", org, nil)
	require.Empty(t, r.json(t)["items"])
}

// TestReadYourWritesAcrossServices: a staff member the admin just put into the company, and a
// manager just added to the event, can be used at once (no wait in the test).
func TestReadYourWritesAcrossServices(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org := h.token("organizer", w.organizer)
	r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, manualTask("Desk", 9, 10))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	id := r.json(t)["id"].(string)

	newcomer, newManager := uuid.New(), uuid.New()
	h.user(newcomer, "staff", []uuid.UUID{w.company}, nil, nil, 8, 1)
	h.user(newManager, "manager", []uuid.UUID{w.company}, nil, nil, 8, 1) // managers belong to the company
	h.publish("event.events.v1", w.event, "event.updated", map[string]any{"id": w.event, "company_id": w.company,
		"timezone": "Europe/Berlin", "manager_ids": []uuid.UUID{w.manager, newManager}, "version": 2})
	r = h.do("PUT", "/manager/tasks/"+id, h.token("manager", newManager), map[string]any{"version": 1, "assignee_id": newcomer})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	r = h.do("GET", "/staff/tasks/"+id, h.token("staff", newcomer), nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))

	// Deleting with a stale If-Match is refused; with the current one it goes.
	req := func(etag string) int {
		hr, err := http.NewRequest("DELETE", h.url+"/organizer/tasks/"+id, nil)
		require.NoError(t, err)
		hr.Header.Set("Authorization", "Bearer "+org)
		hr.Header.Set("If-Match", etag)
		res, err := http.DefaultClient.Do(hr)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, http.StatusConflict, req(`"1"`))
	require.Equal(t, http.StatusNoContent, req(`"2"`))
	require.Equal(t, http.StatusNotFound, h.do("GET", "/staff/tasks/"+id, h.token("staff", newcomer), nil).status)

	// A deleted company takes its organizers' access with it.
	h.publish("company.companies.v1", w.company, "company.deleted", map[string]any{"id": w.company})
	h.caughtUp()
	require.Equal(t, http.StatusNotFound, h.do("GET", "/organizer/events/"+w.event.String()+"/tasks", org, nil).status)
}

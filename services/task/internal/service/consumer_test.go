package service_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/task/internal/events"
)

func proposal(id uuid.UUID, title string, h1, h2 int, assignee *uuid.UUID, skills ...map[string]any) map[string]any {
	if skills == nil {
		skills = []map[string]any{}
	}
	return map[string]any{"id": id, "title": title, "description": "", "required_skills": skills, "starts_at": day(h1),
		"ends_at": day(h2), "priority": 3, "assignee_id": assignee, "slot_group": "g-" + title, "area": "registration",
		"reasons": []string{"skill fit"}}
}

func (h *harness) suggest(w world, sid uuid.UUID, tasks ...map[string]any) {
	h.publish(events.SuggestionsTopic, w.event, "suggestion.created", map[string]any{"id": sid, "event_id": w.event,
		"company_id": w.company, "mode": "plan_and_assign", "supersedes": []uuid.UUID{}, "task_count": len(tasks), "batches": 1})
	h.publish(events.SuggestionsTopic, w.event, "suggestion.tasks_proposed", map[string]any{"suggestion_id": sid,
		"event_id": w.event, "company_id": w.company, "batch": 1, "batches": 1, "tasks": tasks})
}

// TestSuggestionFlow: proposed tasks arrive through the topic with the AI's ids; a new suggestion
// supersedes the still-proposed ones of the old (history kept), never approved ones; approving a
// suggestion approves all but the exceptions, rejects the listed ones, and skips (reports) a
// task whose assignee no longer passes the checks.
func TestSuggestionFlow(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	mgr := h.token("manager", w.manager)
	staff := h.token("staff", w.staff)

	s1 := uuid.New()
	a1, a2 := uuid.New(), uuid.New()
	h.suggest(w, s1, proposal(a1, "Desk A", 9, 11, &w.staff), proposal(a2, "Desk B", 9, 11, nil))
	// Read your writes: the manager acts on the AI's task ids at once.
	r := h.do("GET", "/manager/tasks/"+a1.String(), mgr, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	task := r.json(t)
	require.Equal(t, "proposed", task["approval"])
	require.Equal(t, "ai", task["source"])
	require.Equal(t, s1.String(), task["suggestion_id"])
	require.Equal(t, w.staff.String(), task["assignee_id"])
	require.Equal(t, "g-Desk A", task["slot_group"])
	require.Equal(t, []any{"skill fit"}, task["reasons"])
	r = h.do("PUT", "/manager/tasks/"+a1.String(), mgr, map[string]any{"version": 1, "approval": "approved"})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	require.Equal(t, false, r.json(t)["edited_by_manager"])

	// Redelivery of the same batch (a new envelope id) changes nothing.
	h.publish(events.SuggestionsTopic, w.event, "suggestion.tasks_proposed", map[string]any{"suggestion_id": s1,
		"event_id": w.event, "company_id": w.company, "batch": 1, "batches": 1, "tasks": []any{proposal(a1, "Desk A", 9, 11, nil)}})

	s2 := uuid.New()
	b1, b2, b3, b4 := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	h.suggest(w, s2,
		proposal(b1, "Info 1", 12, 13, &w.staff),
		proposal(b2, "Info 2", 12, 13, &w.staff2),
		proposal(b3, "Info 3", 10, 11, &w.staff), // overlaps the approved Desk A
		proposal(b4, "Info 4", 14, 15, nil))
	h.caughtUp()
	require.Equal(t, 2, h.count(`SELECT version FROM tasks WHERE id = $1`, a1), "approved task touched")
	require.Equal(t, "approved", h.str(`SELECT approval FROM tasks WHERE id = $1`, a1))
	require.Equal(t, 1, h.count(`SELECT count(*) FROM tasks WHERE id = $1 AND deleted_at IS NOT NULL`, a2), "old proposal not superseded")
	require.Equal(t, "created,superseded", h.str(`SELECT string_agg(action, ',' ORDER BY id) FROM task_history WHERE task_id = $1`, a2))
	require.Equal(t, http.StatusNotFound, h.do("GET", "/manager/tasks/"+a2.String(), mgr, nil).status)
	require.Equal(t, 4, h.count(`SELECT count(*) FROM tasks WHERE suggestion_id = $1 AND approval = 'proposed' AND deleted_at IS NULL`, s2))

	// Approve s2 except b4, rejecting b2; b3's assignee is double-booked and stays proposed.
	r = h.do("POST", "/manager/suggestions/"+s2.String()+"/approve", mgr, map[string]any{"except": []uuid.UUID{b4}, "reject": []uuid.UUID{b2}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	res := r.json(t)
	require.Equal(t, []any{b1.String()}, res["approved"])
	require.Equal(t, []any{b2.String()}, res["rejected"])
	skipped := res["skipped"].([]any)
	require.Len(t, skipped, 1)
	require.Equal(t, b3.String(), skipped[0].(map[string]any)["task_id"])
	require.Equal(t, "double_booked", skipped[0].(map[string]any)["rule"])
	for id, want := range map[uuid.UUID]string{b1: "approved", b2: "rejected", b3: "proposed", b4: "proposed"} {
		require.Equal(t, want, h.str(`SELECT approval FROM tasks WHERE id = $1`, id), id)
	}
	r = h.do("GET", "/staff/tasks", staff, nil)
	require.Len(t, r.json(t)["items"], 2) // Desk A and Info 1

	// Unknown ids in the lists are refused without a change.
	r = h.do("POST", "/manager/suggestions/"+s2.String()+"/approve", mgr, map[string]any{"reject": []uuid.UUID{uuid.New()}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	require.Equal(t, "proposed", h.str(`SELECT approval FROM tasks WHERE id = $1`, b4))
	// A suggestion of an event the manager does not manage is 404.
	other := uuid.New()
	require.Equal(t, http.StatusNotFound, h.do("POST", "/manager/suggestions/"+s2.String()+"/approve", h.token("manager", other), nil).status)
	require.Equal(t, http.StatusNotFound, h.do("POST", "/manager/suggestions/"+uuid.NewString()+"/approve", mgr, nil).status)

	// A late batch of the superseded suggestion cannot bring it back.
	late := uuid.New()
	h.publish(events.SuggestionsTopic, w.event, "suggestion.tasks_proposed", map[string]any{"suggestion_id": s1,
		"event_id": w.event, "company_id": w.company, "batch": 2, "batches": 2, "tasks": []any{proposal(late, "Late", 9, 10, nil)}})
	h.caughtUp()
	require.Equal(t, 0, h.count(`SELECT count(*) FROM tasks WHERE id = $1`, late))
}

// TestUserDeleted: a deleted user's open tasks become unassigned with a history row; their done
// task keeps them as the record; nothing is deleted. Deactivation does the same.
func TestUserDeleted(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org, mgr, staff := h.token("organizer", w.organizer), h.token("manager", w.manager), h.token("staff", w.staff)
	h.caughtUp()
	var ids []string
	for i, hours := range [][2]int{{8, 9}, {9, 10}, {10, 11}} {
		r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, manualTask("T"+string(rune('A'+i)), hours[0], hours[1]))
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		id := r.json(t)["id"].(string)
		r = h.do("PUT", "/manager/tasks/"+id, mgr, map[string]any{"version": 1, "assignee_id": w.staff})
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		ids = append(ids, id)
	}
	r := h.do("PUT", "/staff/tasks/"+ids[0], staff, map[string]any{"version": 2, "status": "done"})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	r = h.do("PUT", "/staff/tasks/"+ids[1], staff, map[string]any{"version": 2, "status": "in_progress", "progress": 50})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	historyBefore := h.count(`SELECT count(*) FROM task_history`)

	h.publish(events.UsersTopic, w.staff, "user.deleted", map[string]any{"id": w.staff})
	h.caughtUp()
	require.Equal(t, w.staff.String(), h.str(`SELECT assignee_id::text FROM tasks WHERE id = $1`, ids[0]), "done task lost its record")
	for _, id := range ids[1:] {
		require.Equal(t, 0, h.count(`SELECT count(*) FROM tasks WHERE id = $1 AND assignee_id IS NOT NULL`, id))
		require.Equal(t, "unassigned: user deleted", h.str(`SELECT note FROM task_history WHERE task_id = $1 ORDER BY id DESC LIMIT 1`, id))
	}
	require.Equal(t, historyBefore+2, h.count(`SELECT count(*) FROM task_history`))
	require.Equal(t, 3, h.count(`SELECT count(*) FROM tasks WHERE deleted_at IS NULL`))
	require.EqualValues(t, 50, h.count(`SELECT progress FROM tasks WHERE id = $1`, ids[1]))
	// The manager sees them as open, unassigned tasks.
	r = h.do("GET", "/manager/events/"+w.event.String()+"/tasks?assignee_id=none", mgr, nil)
	require.Len(t, r.json(t)["items"], 2)
	// A late snapshot of the deleted user cannot bring them back, so assigning them fails.
	h.user(w.staff, "staff", []uuid.UUID{w.company}, nil, nil, 8, 9)
	h.caughtUp()
	r = h.do("PUT", "/manager/tasks/"+ids[2], mgr, map[string]any{"version": 3, "assignee_id": w.staff})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.body))
	require.Contains(t, string(r.body), "unknown_user")

	// Deactivation unassigns as well.
	r = h.do("PUT", "/manager/tasks/"+ids[2], mgr, map[string]any{"version": 3, "assignee_id": w.staff2})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	h.publish(events.UsersTopic, w.staff2, "user.updated", map[string]any{"id": w.staff2, "role": "staff",
		"company_ids": []uuid.UUID{w.company}, "is_active": false, "version": 2})
	h.caughtUp()
	require.Equal(t, "unassigned: user deactivated", h.str(`SELECT note FROM task_history WHERE task_id = $1 ORDER BY id DESC LIMIT 1`, ids[2]))
}

// TestEventDeleted: the event's tasks are hidden (soft-deleted with a history row and a
// task.deleted each); admins can still read the history.
func TestEventDeleted(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org, admin := h.token("organizer", w.organizer), h.token("admin", uuid.New())
	h.caughtUp()
	r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, manualTask("Doomed", 9, 10))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	id := r.json(t)["id"].(string)

	h.publish(events.EventsTopic, w.event, "event.deleted", map[string]any{"id": w.event, "company_id": w.company})
	h.caughtUp()
	require.Equal(t, http.StatusNotFound, h.do("GET", "/organizer/tasks/"+id, org, nil).status)
	require.Equal(t, http.StatusNotFound, h.do("GET", "/organizer/events/"+w.event.String()+"/tasks", org, nil).status)
	require.Equal(t, http.StatusNotFound, h.do("GET", "/tasks/"+id+"/history", org, nil).status)
	r = h.do("GET", "/tasks/"+id+"/history", admin, nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Len(t, r.json(t)["items"], 2)
	require.Equal(t, 1, h.count(`SELECT count(*) FROM outbox WHERE envelope->>'type' = 'task.deleted' AND key = $1`, id))
	// A late update of the deleted event does not revive it.
	h.event(w, 5)
	h.caughtUp()
	require.Equal(t, http.StatusNotFound, h.do("GET", "/organizer/events/"+w.event.String()+"/tasks", org, nil).status)
}

func (h *harness) str(sql string, args ...any) string {
	h.t.Helper()
	var s string
	require.NoError(h.t, h.pool.QueryRow(context.Background(), sql, args...).Scan(&s))
	return s
}

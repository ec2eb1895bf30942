package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/task/internal/events"
)

// TestAssignModeStaffsExistingTasks: in the "assign" modes the AI proposes assignees for the
// event's open tasks under their own ids. Such a proposal makes the task a proposed assignment
// of the suggestion (hidden from staff until approved); approving the suggestion approves it;
// rejecting or superseding it gives the organizer's task back, approved and unassigned. Tasks
// that are not open (already staffed, done, another event's) are left alone.
func TestAssignModeStaffsExistingTasks(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org := h.token("organizer", w.organizer)
	mgr := h.token("manager", w.manager)
	staff := h.token("staff", w.staff)
	h.caughtUp()

	create := func(body map[string]any) uuid.UUID {
		r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, body)
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		return uuid.MustParse(r.json(t)["id"].(string))
	}
	desk := create(manualTask("Desk", 9, 10))
	info := create(manualTask("Info", 11, 12))
	staffed := manualTask("Staffed", 13, 14)
	staffed["assignee_id"] = w.staff2
	kept := create(staffed)

	s1 := uuid.New()
	h.suggest(w, s1,
		proposal(desk, "Desk", 9, 10, &w.staff),
		proposal(info, "Info", 11, 12, &w.staff2),
		proposal(kept, "Staffed", 13, 14, &w.staff))
	h.caughtUp()

	require.Equal(t, "proposed", h.str(`SELECT approval FROM tasks WHERE id = $1`, desk))
	require.Equal(t, w.staff.String(), h.str(`SELECT assignee_id::text FROM tasks WHERE id = $1`, desk))
	require.Equal(t, s1.String(), h.str(`SELECT suggestion_id::text FROM tasks WHERE id = $1`, desk))
	require.Equal(t, "manual", h.str(`SELECT source FROM tasks WHERE id = $1`, desk))
	require.Equal(t, w.staff2.String(), h.str(`SELECT assignee_id::text FROM tasks WHERE id = $1`, kept), "a staffed task is not the AI's to reassign")
	require.Equal(t, "approved", h.str(`SELECT approval FROM tasks WHERE id = $1`, kept))
	r := h.do("GET", "/staff/tasks", staff, nil)
	require.Empty(t, r.json(t)["items"], "a proposed assignment is not the staff's yet")

	// Redelivery changes nothing.
	h.suggest(w, s1, proposal(desk, "Desk", 9, 10, &w.staff2))
	h.caughtUp()
	require.Equal(t, w.staff.String(), h.str(`SELECT assignee_id::text FROM tasks WHERE id = $1`, desk))

	r = h.do("POST", "/manager/suggestions/"+s1.String()+"/approve", mgr, map[string]any{"reject": []uuid.UUID{info}})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	res := r.json(t)
	require.Equal(t, []any{desk.String()}, res["approved"])
	require.Equal(t, []any{info.String()}, res["rejected"])
	require.Equal(t, "approved", h.str(`SELECT approval FROM tasks WHERE id = $1`, desk))
	require.Equal(t, "approved", h.str(`SELECT approval FROM tasks WHERE id = $1`, info), "rejecting the AI's choice keeps the task")
	require.Equal(t, 1, h.count(`SELECT count(*) FROM tasks WHERE id = $1 AND assignee_id IS NULL AND suggestion_id IS NULL AND deleted_at IS NULL`, info))
	r = h.do("GET", "/staff/tasks", staff, nil)
	items := r.json(t)["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, desk.String(), items[0].(map[string]any)["id"])
	require.Equal(t, "created,proposed,approved", h.str(`SELECT string_agg(action, ',' ORDER BY id) FROM task_history WHERE task_id = $1`, desk))

	// A newer suggestion withdraws an older one's still-proposed assignment instead of deleting the task.
	s2, s3 := uuid.New(), uuid.New()
	h.suggest(w, s2, proposal(info, "Info", 11, 12, &w.staff2))
	h.caughtUp()
	require.Equal(t, "proposed", h.str(`SELECT approval FROM tasks WHERE id = $1`, info))
	h.suggest(w, s3)
	h.caughtUp()
	require.Equal(t, 1, h.count(`SELECT count(*) FROM tasks WHERE id = $1 AND approval = 'approved' AND assignee_id IS NULL AND deleted_at IS NULL`, info))

	// Another event's task and a done task are left alone.
	other := h.newWorld()
	h.caughtUp()
	h.publish(events.SuggestionsTopic, other.event, "suggestion.tasks_proposed", map[string]any{"suggestion_id": uuid.New(),
		"event_id": other.event, "company_id": other.company, "batch": 1, "batches": 1,
		"tasks": []any{proposal(info, "Info", 11, 12, &other.staff)}})
	h.caughtUp()
	require.Equal(t, 1, h.count(`SELECT count(*) FROM tasks WHERE id = $1 AND event_id = $2 AND assignee_id IS NULL`, info, w.event))
}

// Proposals that arrive after their event was deleted create nothing (they would outlive it);
// proposals for an event the service has not heard of yet still go in (the topics are not
// ordered with each other).
func TestProposalsForADeletedEventAreIgnored(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	h.publish(events.EventsTopic, w.event, "event.deleted", map[string]any{"id": w.event, "company_id": w.company})
	h.caughtUp()
	late := uuid.New()
	h.suggest(w, uuid.New(), proposal(late, "Late", 9, 10, nil))
	h.caughtUp()
	require.Equal(t, 0, h.count(`SELECT count(*) FROM tasks WHERE id = $1`, late))

	unknown := world{company: w.company, event: uuid.New()}
	early := uuid.New()
	h.suggest(unknown, uuid.New(), proposal(early, "Early", 9, 10, nil))
	h.caughtUp()
	require.Equal(t, 1, h.count(`SELECT count(*) FROM tasks WHERE id = $1 AND deleted_at IS NULL`, early))
}

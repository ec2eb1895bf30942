package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// A staff member whom the admin moves out of a company loses that company's open tasks, like a
// deactivated one (the assignment rule asks for membership): they are unassigned with a history
// row, the person no longer sees or changes them, and done tasks keep them as the record. An
// older snapshot arriving late changes nothing.
func TestStaffWhoLeftTheCompanyLosesItsOpenTasks(t *testing.T) {
	h := newHarness(t)
	w := h.newWorld()
	org, mgr, staff := h.token("organizer", w.organizer), h.token("manager", w.manager), h.token("staff", w.staff)
	h.caughtUp()
	var ids []string
	for i, hours := range [][2]int{{8, 9}, {9, 10}} {
		r := h.do("POST", "/organizer/events/"+w.event.String()+"/tasks", org, manualTask("T"+string(rune('A'+i)), hours[0], hours[1]))
		require.Equal(t, http.StatusCreated, r.status, string(r.body))
		id := r.json(t)["id"].(string)
		r = h.do("PUT", "/manager/tasks/"+id, mgr, map[string]any{"version": 1, "assignee_id": w.staff})
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		ids = append(ids, id)
	}
	r := h.do("PUT", "/staff/tasks/"+ids[0], staff, map[string]any{"version": 2, "status": "done"})
	require.Equal(t, http.StatusOK, r.status, string(r.body))

	h.user(w.staff, "staff", []uuid.UUID{uuid.New()}, nil, nil, 8, 5) // moved to another company
	h.caughtUp()
	require.Equal(t, w.staff.String(), h.str(`SELECT assignee_id::text FROM tasks WHERE id = $1`, ids[0]), "a done task keeps its record")
	require.Equal(t, 0, h.count(`SELECT count(*) FROM tasks WHERE id = $1 AND assignee_id IS NOT NULL`, ids[1]))
	require.Equal(t, "unassigned: user left the company", h.str(`SELECT note FROM task_history WHERE task_id = $1 ORDER BY id DESC LIMIT 1`, ids[1]))
	require.Equal(t, http.StatusNotFound, h.do("PUT", "/staff/tasks/"+ids[1], staff, map[string]any{"version": 3, "progress": 10}).status)

	// A late, older snapshot (still in the company) neither re-adds nor unassigns anything.
	r = h.do("PUT", "/manager/tasks/"+ids[1], mgr, map[string]any{"version": 3, "assignee_id": w.staff2})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	h.user(w.staff2, "staff", []uuid.UUID{w.company}, nil, nil, 8, 9)
	h.user(w.staff2, "staff", []uuid.UUID{uuid.New()}, nil, nil, 8, 3) // older than 9
	h.caughtUp()
	require.Equal(t, w.staff2.String(), h.str(`SELECT assignee_id::text FROM tasks WHERE id = $1`, ids[1]))
}

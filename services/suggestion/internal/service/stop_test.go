package service_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// The breaker's case: an assign of one open task with one qualified person, at the default time
// limit (5 s), answered gap 0 after trying 136 million moves. The plan reaches the bound before
// the first move, so none is tried.
func TestOneTaskAssignStopsAtGapZero(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(0, 0, 0)
	ann := e.login("staff")
	e.publishUser(ann, []string{w.company}, map[string]int{"av": 3}, nil, 0, true)
	id := uuid.NewString()
	e.publish("task.tasks.v1", "task", "task.created", id, map[string]any{"id": id, "event_id": w.event, "company_id": w.company,
		"title": "Stage AV", "description": "", "required_skills": []map[string]any{{"name": "AV", "min_level": 2}},
		"starts_at": w.start, "ends_at": w.start.Add(4 * time.Hour), "priority": 3, "assignee_id": nil, "approval": "approved",
		"status": "pending", "progress": 0, "note": "", "source": "manual", "suggestion_id": nil, "slot_group": nil, "version": 1,
		"updated_at": time.Now().UTC(), "edited_by_manager": false, "was_blocked": false})

	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"mode": "assign", "seed": 1})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	m := r.Body["metrics"].(map[string]any)
	require.EqualValues(t, 1, m["tasks"])
	require.EqualValues(t, 1, m["assigned"])
	require.EqualValues(t, 0, m["gap"])
	require.Equal(t, m["lower_bound"], m["objective"])
	require.EqualValues(t, 0, m["iterations"], "the search went on at gap 0")
}

package service_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/eventai/eventai/services/suggestion/internal/config"
	"github.com/eventai/eventai/services/suggestion/internal/solver"
)

func TestPlanModeDraftsWithoutAssignees(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(5, 2, 4)
	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"mode": "plan"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	tasks := r.Body["tasks"].([]any)
	require.NotEmpty(t, tasks)
	heralds := 0
	for _, raw := range tasks {
		tk := raw.(map[string]any)
		require.Nil(t, tk["assignee_id"])
		require.NotEmpty(t, tk["title"])
		require.NotEmpty(t, tk["slot_group"])
		if tk["area"] == "heralding" {
			heralds++
		}
	}
	require.GreaterOrEqual(t, heralds, 8, "the 8 imported sessions each get a herald")
	require.EqualValues(t, 0, r.Body["metrics"].(map[string]any)["assigned"])
	require.Equal(t, []any{}, r.Body["teams"])
	require.Equal(t, []any{}, r.Body["unassigned"])
}

// assign mode staffs the event's open tasks from the task topic, keeps staff off time they
// committed to in another event, and explains performance from their history.
func TestAssignModeUsesOpenTasksCommitmentsAndHistory(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(0, 0, 0)
	at := func(h int) time.Time { return w.start.Add(time.Duration(h) * time.Hour) }
	ann, ben := e.login("staff"), e.login("staff")
	skills := map[string]int{"av": 3}
	e.publishUser(ann, []string{w.company}, skills, nil, 0, true)
	e.publishUser(ben, []string{w.company}, skills, nil, 0, true)
	w.staff = []member{{user: ann, Skills: skills}, {user: ben, Skills: skills}}

	task := func(id, event string, start, end time.Time, assignee *uuid.UUID, approval, status string, extra map[string]any) map[string]any {
		d := map[string]any{"id": id, "event_id": event, "company_id": w.company, "title": "Stage AV", "description": "",
			"required_skills": []map[string]any{{"name": "AV", "min_level": 2}}, "starts_at": start, "ends_at": end, "priority": 4,
			"assignee_id": assignee, "approval": approval, "status": status, "progress": 0, "note": "", "source": "manual",
			"suggestion_id": nil, "slot_group": nil, "version": 1, "updated_at": time.Now().UTC(),
			"edited_by_manager": false, "was_blocked": false}
		for k, v := range extra {
			d[k] = v
		}
		e.publish("task.tasks.v1", "task", "task.updated", id, d)
		return d
	}
	// Ann is busy 0-4 h in another event (approved); two open tasks here overlap it.
	elsewhere := uuid.NewString()
	task(uuid.NewString(), elsewhere, at(0), at(4), &ann.ID, "approved", "pending", nil)
	open1, open2 := uuid.NewString(), uuid.NewString()
	task(open1, w.event, at(1), at(3), nil, "approved", "pending", nil)
	task(open2, w.event, at(2), at(5), nil, "proposed", "pending", nil)
	// Not open: rejected, done, assigned.
	task(uuid.NewString(), w.event, at(1), at(2), nil, "rejected", "pending", nil)
	task(uuid.NewString(), w.event, at(1), at(2), nil, "approved", "done", nil)
	// Ben's history: two AV tasks approved and finished on time a day ago. Each weighs
	// 2^(-1/90) = 0.9923, so every rate is (2 + 1.9847) / (4 + 1.9847) = 0.666 and the
	// evidence 1.98.
	done := time.Now().UTC().Add(-24 * time.Hour)
	for i := 0; i < 2; i++ {
		task(uuid.NewString(), elsewhere, done.Add(-2*time.Hour), done.Add(time.Hour), &ben.ID, "approved", "done",
			map[string]any{"completed_at": done, "approved_at": done})
	}

	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"mode": "assign", "time_limit_ms": 200})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	tasks := r.Body["tasks"].([]any)
	require.ElementsMatch(t, []string{open1, open2}, taskIDs(r.Body), "open tasks keep the task service's ids")
	byID := map[string]map[string]any{}
	for _, raw := range tasks {
		tk := raw.(map[string]any)
		byID[tk["id"].(string)] = tk
		require.Equal(t, true, tk["existing"])
	}
	// Both overlap Ann's commitment and each other: Ben can take only one of them.
	require.EqualValues(t, 1, r.Body["metrics"].(map[string]any)["assigned"])
	var staffed map[string]any
	for _, tk := range byID {
		if tk["assignee_id"] != nil {
			staffed = tk
		}
	}
	require.Equal(t, ben.ID.String(), staffed["assignee_id"])
	require.Contains(t, strings.Join(toStrings(staffed["reasons"]), "\n"),
		"track record in av: on time 0.67, approved without edits 0.67, not blocked 0.67 (2.0 weighted tasks)")
	un := r.Body["unassigned"].([]any)
	require.Len(t, un, 1)
	require.NotEmpty(t, un[0].(map[string]any)["reasons"])
	verify(t, w, r.Body, map[string][]solver.Interval{ann.ID.String(): {{Start: at(0), End: at(4)}}})
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// A time limit above 10 s answers 202 at once; the suggestion is running, then ready.
func TestLongSolveRunsInTheBackground(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(6, 0, 0)
	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"time_limit_ms": 10001})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	require.Equal(t, "running", r.Body["status"])
	require.Nil(t, r.Body["metrics"])
	require.Equal(t, "/organizer/suggestions/"+id, r.Header.Get("Location"))

	deadline := time.Now().Add(40 * time.Second)
	for {
		r = e.do(w.org, "GET", "/organizer/suggestions/"+id, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		if r.Body["status"] != "running" {
			break
		}
		require.True(t, time.Now().Before(deadline), "still running")
		time.Sleep(200 * time.Millisecond)
	}
	require.Equal(t, "ready", r.Body["status"])
	require.NotEmpty(t, r.Body["tasks"])
	require.EqualValues(t, 0, r.Body["metrics"].(map[string]any)["hard_violations"])
	msgs := e.readSuggestionTopic(complete(id))
	require.NotNil(t, pick(msgs, id).created)
}

// Shutting down during a long background solve ends the search early and stores the best plan
// found so far (the solver is anytime), rather than losing the suggestion.
func TestShutdownStoresTheBestPlanOfABackgroundSolve(t *testing.T) {
	e := newEnv(t)
	w := e.newWorld(6, 2, 6)
	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"time_limit_ms": 60000})
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Raw))
	id := r.Body["id"].(string)
	r = e.do(w.org, "GET", "/organizer/suggestions/"+id, nil)
	require.Equal(t, "running", r.Body["status"])

	start := time.Now()
	e.stop()
	elapsed := time.Since(start)
	var status string
	var tasks, violations int
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT status, jsonb_array_length(body->'tasks'), (body->'metrics'->>'hard_violations')::int
		FROM suggestions WHERE id = $1`, id).Scan(&status, &tasks, &violations))
	require.Equal(t, "ready", status)
	require.Positive(t, tasks)
	require.Zero(t, violations)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM outbox WHERE envelope->>'type' = 'suggestion.created'`), "its events are in the outbox")
	t.Logf("shutdown with a 60 s solve in flight took %v", elapsed)
}

// An LLM endpoint that answers garbage falls back to the built-in planner and says why; a
// valid answer is used.
func TestLLMPlannerAndItsFallback(t *testing.T) {
	answer := "Sure! Here are some tasks: registration, security"
	calls := 0
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": answer}}}})
	}))
	t.Cleanup(llm.Close)
	e := newEnv(t, func(c *config.Config) {
		c.LLMBaseURL, c.LLMModel, c.LLMTimeout = llm.URL+"/v1", "test-model", 5*time.Second
	})
	w := e.newWorld(4, 0, 0)
	r := e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"mode": "plan"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, 1, calls)
	require.Equal(t, "builtin", r.Body["planner"])
	require.Contains(t, r.Body["planner_note"], "decode llm drafts")
	require.NotEmpty(t, r.Body["tasks"])

	// The event runs 07:00-17:00 UTC; the model asks for two greeters in the morning.
	answer = `{"tasks": [{"title": "Greeters", "description": "Welcome guests", "area": "Registration",
		"required_skills": [{"name": "registration", "min_level": 1}], "starts_at": "2026-06-01T06:30:00Z",
		"ends_at": "2026-06-01T10:00:00Z", "priority": 4, "headcount": 2, "slot_group": "greet"}]}`
	r = e.do(w.org, "POST", "/organizer/events/"+w.event+"/ai/suggest", map[string]any{"time_limit_ms": 200})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, 2, calls)
	require.Equal(t, "llm", r.Body["planner"])
	require.Nil(t, r.Body["planner_note"])
	tasks := r.Body["tasks"].([]any)
	require.Len(t, tasks, 2, "headcount 2 is two one-person tasks")
	for i, raw := range tasks {
		tk := raw.(map[string]any)
		require.Equal(t, fmt.Sprintf("Greeters #%d/2", i+1), tk["title"], "Expand numbers the seats")
		require.Equal(t, "llm:greet", tk["slot_group"])
	}
	require.EqualValues(t, 0, r.Body["metrics"].(map[string]any)["hard_violations"])
	verify(t, w, r.Body, nil)
}

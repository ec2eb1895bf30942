package service_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// world is one company with its organizer, a manager and a staff member, announced on the topics
// as identity and company would.
type world struct {
	org, mgr, staff user
	company         string
}

func (e *env) world() world {
	e.t.Helper()
	w := world{org: e.login("organizer"), mgr: e.login("manager"), staff: e.login("staff")}
	w.company = e.publishCompany(w.org)
	e.publishUser(w.mgr, w.company)
	e.publishUser(w.staff, w.company)
	return w
}

func eventBody(company string, managers ...string) map[string]any {
	if managers == nil {
		managers = []string{}
	}
	return map[string]any{
		"company_id": company, "title": "Test Fest", "description": "two days", "location": "Hamburg",
		"timezone": "Europe/Berlin", "starts_at": "2026-06-01T08:00:00Z", "ends_at": "2026-06-03T04:00:00Z",
		"event_type": "conference", "expected_attendees": 300, "manager_ids": managers,
	}
}

func (e *env) createEvent(w world) string {
	e.t.Helper()
	r := e.do(w.org, "POST", "/organizer/events", eventBody(w.company, w.mgr.ID.String()))
	require.Equal(e.t, http.StatusCreated, r.Status, string(r.Raw))
	return r.Body["id"].(string)
}

// The company and the manager were announced a moment ago; creating an event in it at once
// works, with no sleep: a membership miss waits for the consumer to catch up.
func TestCreateEventRightAfterCompanyIsCreated(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	r := e.do(w.org, "POST", "/organizer/events/", eventBody(w.company, w.mgr.ID.String()))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, w.company, r.Body["company_id"])
	require.Equal(t, w.org.ID.String(), r.Body["created_by"])
	require.Equal(t, []any{w.mgr.ID.String()}, r.Body["manager_ids"])
	require.EqualValues(t, 1, r.Body["version"])
	require.Equal(t, "2026-06-01T08:00:00Z", r.Body["starts_at"])
	id := r.Body["id"].(string)
	require.Equal(t, 0, e.count(`SELECT count(*) FROM outbox WHERE key = $1 AND sent_at IS NULL`, id), "published before the answer")

	r = e.do(w.org, "GET", "/organizer/events?company_id="+w.company, nil)
	require.Equal(t, http.StatusOK, r.Status)
	require.Len(t, r.Body["items"].([]any), 1)

	r = e.do(w.mgr, "GET", "/manager/events", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	items := r.Body["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, "none", items[0].(map[string]any)["distribution_status"])
}

func TestCreateEventValidation(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	with := func(k string, v any) map[string]any {
		b := eventBody(w.company)
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	tests := []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"title missing", with("title", nil), 422, []string{"title"}},
		{"title blank", with("title", "  "), 422, []string{"title"}},
		{"timezone unknown", with("timezone", "Mars/Olympus"), 422, []string{"timezone"}},
		{"starts_at not a time", with("starts_at", "tomorrow"), 422, []string{"starts_at"}},
		{"ends before start", with("ends_at", "2026-05-01T00:00:00Z"), 422, []string{"ends_at"}},
		{"negative attendees", with("expected_attendees", -1), 422, []string{"expected_attendees"}},
		{"attendees not a number", with("expected_attendees", "many"), 422, []string{"expected_attendees"}},
		{"manager id malformed", with("manager_ids", []string{"nope"}), 422, []string{"manager_ids[0]"}},
		{"manager is staff", with("manager_ids", []string{w.staff.ID.String()}), 422, []string{"manager_ids[0]"}},
		{"manager unknown", with("manager_ids", []string{uuid.NewString()}), 422, []string{"manager_ids[0]"}},
		{"company missing", with("company_id", nil), 422, []string{"company_id"}},
		{"id not settable", with("id", uuid.NewString()), 422, []string{"id"}},
		{"created_by not settable", with("created_by", uuid.NewString()), 422, []string{"created_by"}},
		{"version not settable", with("version", 7), 422, []string{"version"}},
		{"malformed JSON", `{"title": "x",`, 400, nil},
		{"another company", with("company_id", uuid.NewString()), 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(w.org, "POST", "/organizer/events", tt.body)
			require.Equal(t, tt.status, r.Status, string(r.Raw))
			require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
			require.Equal(t, tt.fields, fieldsOf(r))
		})
	}
	require.Equal(t, 0, e.count(`SELECT count(*) FROM events`))
	require.Equal(t, 0, e.count(`SELECT count(*) FROM outbox`))
}

func TestUpdateEventIsPartialVersionedAndRefusesMassAssignment(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)

	r := e.do(w.org, "PUT", "/organizer/events/"+id, map[string]any{"version": 1, "title": "Renamed", "expected_attendees": 500})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "Renamed", r.Body["title"])
	require.Equal(t, "Hamburg", r.Body["location"], "fields left out keep their value")
	require.EqualValues(t, 500, r.Body["expected_attendees"])
	require.EqualValues(t, 2, r.Body["version"])
	require.Equal(t, `"2"`, r.Header.Get("ETag"))

	r = e.do(w.org, "PUT", "/organizer/events/"+id, map[string]any{"version": 1, "title": "Lost update"})
	require.Equal(t, http.StatusConflict, r.Status)

	for _, field := range []string{"id", "company_id", "created_by"} {
		r = e.do(w.org, "PUT", "/organizer/events/"+id, map[string]any{"version": 2, field: uuid.NewString()})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, field)
		require.Equal(t, []string{field}, fieldsOf(r))
	}
	r = e.do(w.org, "PUT", "/organizer/events/"+id, map[string]any{"version": 2, "ends_at": "2020-01-01T00:00:00Z"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"ends_at"}, fieldsOf(r))
	r = e.do(w.org, "PUT", "/organizer/events/"+id, map[string]any{"title": "No version"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, []string{"version"}, fieldsOf(r))

	r = e.do(w.org, "PUT", "/organizer/events/"+id, map[string]any{"manager_ids": []string{}}, "If-Match", `"2"`)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, []any{}, r.Body["manager_ids"])
	require.Equal(t, 1, e.count(`SELECT count(*) FROM events WHERE id = $1 AND version = 3 AND title = 'Renamed'`, id))
}

func TestAnotherCompanysEventIsNotFoundEverywhereAndUnchanged(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)
	teamR := e.do(w.org, "POST", "/organizer/events/"+id+"/teams", map[string]any{"name": "Video"})
	require.Equal(t, http.StatusCreated, teamR.Status, string(teamR.Raw))
	team := teamR.Body["id"].(string)
	xml, err := os.ReadFile("testdata/fest.xml")
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, e.do(w.org, "POST", "/organizer/events/"+id+"/schedule", string(xml), "Content-Type", "application/xml").Status)

	other := e.world()
	outboxBefore := e.count(`SELECT count(*) FROM outbox`)
	tests := []struct {
		who          user
		method, path string
		body         any
	}{
		{other.org, "GET", "/organizer/events/" + id, nil},
		{other.org, "PUT", "/organizer/events/" + id, map[string]any{"version": 1, "title": "Hijack"}},
		{other.org, "DELETE", "/organizer/events/" + id, nil},
		{other.org, "POST", "/organizer/events/" + id + "/schedule", string(xml)},
		{other.org, "GET", "/organizer/events/" + id + "/sessions", nil},
		{other.org, "GET", "/organizer/events/" + id + "/teams", nil},
		{other.org, "POST", "/organizer/events/" + id + "/teams", map[string]any{"name": "Intruders"}},
		{other.org, "PUT", "/organizer/events/" + id + "/teams/" + team, map[string]any{"version": 1, "name": "Hijack"}},
		{other.org, "DELETE", "/organizer/events/" + id + "/teams/" + team, nil},
		{other.mgr, "GET", "/manager/events/" + id, nil},
		{other.mgr, "GET", "/manager/events/" + id + "/teams", nil},
		{other.mgr, "PUT", "/manager/teams/" + team, map[string]any{"version": 1, "approval": "rejected"}},
		{other.mgr, "GET", "/organizer/events/" + id + "/sessions", nil},
		// The event's own organizer may not pose as the other company's team editor either.
		{other.org, "PUT", "/organizer/events/" + e.createEvent(other) + "/teams/" + team, map[string]any{"version": 1, "name": "Cross"}},
	}
	for _, tt := range tests {
		r := e.do(tt.who, tt.method, tt.path, tt.body)
		require.Equal(t, http.StatusNotFound, r.Status, "%s %s %s: %s", tt.who.Role, tt.method, tt.path, r.Raw)
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM events WHERE id = $1 AND version = 1 AND title = 'Test Fest'`, id))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM teams WHERE id = $1 AND version = 1 AND name = 'Video'`, team))
	require.Equal(t, 4, e.count(`SELECT count(*) FROM sessions WHERE event_id = $1`, id))
	require.Equal(t, outboxBefore+1, e.count(`SELECT count(*) FROM outbox`), "only the other world's own event.created")

	r := e.do(other.org, "GET", "/organizer/events", nil)
	require.Len(t, r.Body["items"].([]any), 1)
	r = e.do(other.org, "GET", "/organizer/events?company_id="+w.company, nil)
	require.Equal(t, http.StatusNotFound, r.Status)
}

func TestRolesAreCheckedInTheService(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)
	admin := e.login("admin")
	tests := []struct {
		who          user
		method, path string
		body         any
		want         int
	}{
		{w.staff, "GET", "/organizer/events", nil, 403},
		{w.staff, "POST", "/organizer/events", eventBody(w.company), 403},
		{w.staff, "GET", "/manager/events", nil, 403},
		{w.staff, "GET", "/organizer/events/" + id + "/sessions", nil, 403},
		{w.mgr, "GET", "/organizer/events/" + id, nil, 403},
		{w.mgr, "POST", "/organizer/events/" + id + "/teams", map[string]any{"name": "x"}, 403},
		{w.org, "GET", "/manager/events", nil, 403},
		{w.org, "GET", "/manager/events/" + id, nil, 403},
		{w.mgr, "GET", "/manager/events/" + id, nil, 200},
		{w.mgr, "GET", "/organizer/events/" + id + "/sessions", nil, 200},
		{admin, "GET", "/organizer/events/" + id, nil, 200},
		{admin, "GET", "/manager/events/" + id, nil, 200},
		{user{}, "GET", "/organizer/events", nil, 401},
		{w.org, "GET", "/organizer/events/not-a-uuid", nil, 404},
		{w.org, "GET", "/organizer/events/" + uuid.NewString(), nil, 404},
	}
	for _, tt := range tests {
		r := e.do(tt.who, tt.method, tt.path, tt.body)
		require.Equal(t, tt.want, r.Status, "%s %s %s: %s", tt.who.Role, tt.method, tt.path, r.Raw)
	}
	require.Equal(t, 1, e.count(`SELECT count(*) FROM events`))
}

func TestManagerEventsCountTasksFromTheTaskTopic(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)
	task := func(typ string, taskID uuid.UUID, approval, status string, version int) {
		e.publish("task.tasks.v1", "task", typ, taskID.String(), map[string]any{
			"id": taskID.String(), "event_id": id, "company_id": w.company, "approval": approval, "status": status, "version": version,
		})
	}
	t1, t2, t3 := uuid.New(), uuid.New(), uuid.New()
	task("task.created", t1, "proposed", "pending", 1)
	task("task.created", t2, "proposed", "pending", 1)
	task("task.created", t3, "proposed", "pending", 1)
	task("task.updated", t1, "approved", "pending", 2)
	task("task.updated", t1, "approved", "done", 3)
	e.publish("task.tasks.v1", "task", "task.deleted", t3.String(), map[string]any{"id": t3.String(), "event_id": id, "company_id": w.company})
	// Nothing here waits on a read-model miss, so make the consumer catch up explicitly by
	// touching an unknown company (a miss), then read the counts.
	require.Equal(t, http.StatusNotFound, e.do(w.org, "POST", "/organizer/events", eventBody(uuid.NewString())).Status)

	r := e.do(w.mgr, "GET", "/manager/events/"+id, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.EqualValues(t, 1, r.Body["tasks_proposed"])
	require.EqualValues(t, 1, r.Body["tasks_approved"])
	require.EqualValues(t, 1, r.Body["tasks_done"])
	require.Equal(t, "partially_approved", r.Body["distribution_status"])

	task("task.updated", t2, "approved", "in_progress", 2)
	require.Equal(t, http.StatusNotFound, e.do(w.org, "POST", "/organizer/events", eventBody(uuid.NewString())).Status)
	r = e.do(w.mgr, "GET", "/manager/events", nil)
	item := r.Body["items"].([]any)[0].(map[string]any)
	require.EqualValues(t, 0, item["tasks_proposed"])
	require.EqualValues(t, 2, item["tasks_approved"])
	require.Equal(t, "approved", item["distribution_status"])
}

func TestTeamsManualAndFromSuggestions(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)

	r := e.do(w.org, "POST", "/organizer/events/"+id+"/teams", map[string]any{"name": "Info desk", "area": "entrance",
		"lead_id": w.staff.ID.String(), "member_ids": []string{w.staff.ID.String()}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, "manual", r.Body["source"])
	require.Equal(t, "approved", r.Body["approval"])
	manual := r.Body["id"].(string)

	outsider := e.login("staff")
	e.publishUser(outsider) // known, active, in no company
	for _, tt := range []struct {
		body   map[string]any
		fields []string
	}{
		{map[string]any{"area": "x"}, []string{"name"}},
		{map[string]any{"name": "X", "approval": "approved"}, []string{"approval"}},
		{map[string]any{"name": "X", "source": "ai"}, []string{"source"}},
		{map[string]any{"name": "X", "member_ids": []string{outsider.ID.String()}}, []string{"member_ids[0]"}},
		{map[string]any{"name": "X", "lead_id": "bad"}, []string{"lead_id"}},
	} {
		r := e.do(w.org, "POST", "/organizer/events/"+id+"/teams", tt.body)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Raw))
		require.Equal(t, tt.fields, fieldsOf(r))
	}

	suggestion := func(names ...string) {
		teams := []map[string]any{}
		for _, n := range names {
			teams = append(teams, map[string]any{"id": uuid.NewString(), "name": n, "area": "video", "lead_id": w.staff.ID.String(),
				"member_ids": []string{w.staff.ID.String()}})
		}
		sid := uuid.NewString()
		e.publish("suggestion.suggestions.v1", "suggestion", "suggestion.created", id, map[string]any{
			"id": sid, "event_id": id, "company_id": w.company, "created_by": w.org.ID.String(), "mode": "plan_and_assign",
			"supersedes": []string{}, "task_count": 0, "batches": 1, "teams": teams,
		})
		require.Equal(t, http.StatusNotFound, e.do(w.org, "POST", "/organizer/events", eventBody(uuid.NewString())).Status) // catch up
	}
	teamsByName := func(u user, path string) map[string]map[string]any {
		r := e.do(u, "GET", path, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
		out := map[string]map[string]any{}
		for _, it := range r.Body["items"].([]any) {
			m := it.(map[string]any)
			out[m["name"].(string)] = m
		}
		return out
	}

	suggestion("Video A", "Video B")
	teams := teamsByName(w.mgr, "/manager/events/"+id+"/teams")
	require.Len(t, teams, 3)
	require.Equal(t, "proposed", teams["Video A"]["approval"])
	require.Equal(t, "ai", teams["Video A"]["source"])

	// The manager approves Video A; a new suggestion replaces only the still-proposed Video B.
	r = e.do(w.mgr, "PUT", "/manager/teams/"+teams["Video A"]["id"].(string), map[string]any{"version": 1, "approval": "approved"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Equal(t, "approved", r.Body["approval"])
	r = e.do(w.mgr, "PUT", "/manager/teams/"+teams["Video A"]["id"].(string), map[string]any{"version": 1, "name": "stale"})
	require.Equal(t, http.StatusConflict, r.Status)
	r = e.do(w.mgr, "PUT", "/manager/teams/"+teams["Video A"]["id"].(string), map[string]any{"version": 2, "approval": "maybe"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)

	suggestion("Video C")
	teams = teamsByName(w.org, "/organizer/events/"+id+"/teams")
	names := []string{}
	for n := range teams {
		names = append(names, n)
	}
	require.ElementsMatch(t, []string{"Info desk", "Video A", "Video C"}, names)

	// The organizer edits and deletes a team; approval stays theirs to leave alone.
	r = e.do(w.org, "PUT", "/organizer/events/"+id+"/teams/"+manual, map[string]any{"version": 1, "lead_id": nil, "name": "Info"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	require.Nil(t, r.Body["lead_id"])
	require.Equal(t, "Info", r.Body["name"])
	r = e.do(w.org, "PUT", "/organizer/events/"+id+"/teams/"+manual, map[string]any{"version": 2, "approval": "rejected"})
	require.Equal(t, http.StatusUnprocessableEntity, r.Status)
	require.Equal(t, http.StatusNoContent, e.do(w.org, "DELETE", "/organizer/events/"+id+"/teams/"+manual, nil).Status)
	require.Equal(t, 0, e.count(`SELECT count(*) FROM teams WHERE id = $1`, manual))
}

func TestScheduleImportIsIdempotentAndAtomic(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)
	read := func(name string) string {
		b, err := os.ReadFile("testdata/" + name)
		require.NoError(t, err)
		return string(b)
	}
	imp := func(name, contentType string) response {
		return e.do(w.org, "POST", "/organizer/events/"+id+"/schedule/", read(name), "Content-Type", contentType)
	}

	r := imp("fest.xml", "application/xml")
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, map[string]any{"sessions": 4.0, "rooms": 2.0, "days": 2.0, "created": 4.0, "updated": 0.0, "deleted": 0.0, "unchanged": 0.0}, r.Body)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM outbox WHERE envelope->>'type' = 'event.schedule_imported'
		AND jsonb_array_length(envelope->'data'->'sessions') = 4 AND sent_at IS NOT NULL`))

	var ids []string
	rows, err := e.pool.Query(t.Context(), `SELECT id::text FROM sessions ORDER BY external_id`)
	require.NoError(t, err)
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		ids = append(ids, s)
	}
	require.NoError(t, rows.Err())

	r = imp("fest.xml", "application/xml")
	require.Equal(t, http.StatusCreated, r.Status)
	require.Equal(t, map[string]any{"sessions": 4.0, "rooms": 2.0, "days": 2.0, "created": 0.0, "updated": 0.0, "deleted": 0.0, "unchanged": 4.0}, r.Body)
	require.Equal(t, 4, e.count(`SELECT count(*) FROM sessions WHERE id::text = ANY($1)`, ids), "a re-import keeps the session ids")

	// The midnight concert crosses into the next calendar day but stays on day 1 and ends after it starts.
	r = e.do(w.org, "GET", "/organizer/events/"+id+"/sessions?day=2026-06-01", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	byTitle := map[string]map[string]any{}
	for _, it := range r.Body["items"].([]any) {
		m := it.(map[string]any)
		byTitle[m["title"].(string)] = m
	}
	require.Len(t, byTitle, 3)
	require.Equal(t, "2026-06-01T21:30:00Z", byTitle["Midnight Concert"]["starts_at"])
	require.Equal(t, "2026-06-01T22:30:00Z", byTitle["Midnight Concert"]["ends_at"])
	require.Equal(t, []any{"Bob Builder", "Cy Coder"}, byTitle["Soldering"]["speakers"])
	r = e.do(w.org, "GET", "/organizer/events/"+id+"/sessions?room=Workshop%20Room", nil)
	require.Len(t, r.Body["items"].([]any), 1)
	r = e.do(w.org, "GET", "/organizer/events/"+id+"/sessions?limit=3", nil)
	require.Len(t, r.Body["items"].([]any), 3)
	require.NotNil(t, r.Body["next_cursor"])
	r = e.do(w.org, "GET", "/organizer/events/"+id+"/sessions?day=someday", nil)
	require.Equal(t, http.StatusBadRequest, r.Status)

	r = imp("fest-v2.xml", "application/xml")
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, map[string]any{"sessions": 4.0, "rooms": 1.0, "days": 2.0, "created": 1.0, "updated": 1.0, "deleted": 1.0, "unchanged": 2.0}, r.Body)
	require.Equal(t, 1, e.count(`SELECT count(*) FROM sessions WHERE title = 'Midnight Concert (extended)'`))
	require.Equal(t, 0, e.count(`SELECT count(*) FROM sessions WHERE title = 'Soldering'`))

	before := e.count(`SELECT count(*) FROM outbox`)
	for _, tt := range []struct {
		file, ct string
		status   int
	}{
		{"broken.xml", "application/xml", 400},
		{"broken.json", "application/json", 400},
		{"invalid.xml", "application/xml", 422},
		{"fest.xml", "image/png", 415},
	} {
		r := imp(tt.file, tt.ct)
		require.Equal(t, tt.status, r.Status, "%s: %s", tt.file, r.Raw)
		require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	}
	r = imp("invalid.xml", "application/xml")
	require.NotEmpty(t, fieldsOf(r), "a broken session is named")
	require.Equal(t, 4, e.count(`SELECT count(*) FROM sessions`), "nothing written by a failed import")
	require.Equal(t, 1, e.count(`SELECT count(*) FROM sessions WHERE title = 'Midnight Concert (extended)'`))
	require.Equal(t, before, e.count(`SELECT count(*) FROM outbox`))

	// C3VOC JSON replaces the XML sessions of the event.
	r = imp("fest.json", "application/json")
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, map[string]any{"sessions": 3.0, "rooms": 2.0, "days": 1.0, "created": 3.0, "updated": 0.0, "deleted": 4.0, "unchanged": 0.0}, r.Body)
}

func TestDeleteEventRemovesTeamsAndSessions(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)
	require.Equal(t, http.StatusCreated, e.do(w.org, "POST", "/organizer/events/"+id+"/teams", map[string]any{"name": "Video"}).Status)
	xml, err := os.ReadFile("testdata/fest.xml")
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, e.do(w.org, "POST", "/organizer/events/"+id+"/schedule", string(xml), "Content-Type", "application/xml").Status)

	require.Equal(t, http.StatusConflict, e.do(w.org, "DELETE", "/organizer/events/"+id, nil, "If-Match", `"5"`).Status)
	require.Equal(t, http.StatusNoContent, e.do(w.org, "DELETE", "/organizer/events/"+id, nil).Status)
	require.Equal(t, 0, e.count(`SELECT count(*) FROM teams`))
	require.Equal(t, 0, e.count(`SELECT count(*) FROM sessions`))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM outbox WHERE key = $1 AND envelope->>'type' = 'event.deleted'
		AND envelope->'data'->>'company_id' = $2`, id, w.company))
}

func TestOpsEndpoints(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		r := e.do(user{}, "GET", p, nil)
		require.Equal(t, http.StatusOK, r.Status, "%s: %s", p, r.Raw)
	}
}

func TestScheduleBodyIsBounded(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)
	huge := strings.Repeat(" ", 16<<20+1)
	r := e.do(w.org, "POST", "/organizer/events/"+id+"/schedule", huge, "Content-Type", "application/xml")
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(r.Raw))
	require.Equal(t, http.StatusBadRequest, e.do(w.org, "POST", "/organizer/events/"+id+"/schedule", "", "Content-Type", "application/xml").Status)
	require.Equal(t, 0, e.count(`SELECT count(*) FROM sessions`))
}

// A deleted company takes its events with it (each announced as event.deleted); a deactivated
// organizer loses access. Only misses wait for the consumer, so the test makes one (an unknown
// company) before it looks.
func TestCompanyDeletionAndDeactivationReachTheReadModel(t *testing.T) {
	e := newEnv(t)
	w := e.world()
	id := e.createEvent(w)
	keep := e.world()
	keepID := e.createEvent(keep)

	e.publish("identity.users.v1", "identity", "user.updated", w.org.ID.String(), map[string]any{
		"id": w.org.ID.String(), "role": "organizer", "company_ids": []string{w.company}, "is_active": false, "version": time.Now().UnixNano(),
	})
	require.Equal(t, http.StatusNotFound, e.do(keep.org, "POST", "/organizer/events", eventBody(uuid.NewString())).Status) // catch up
	// The deactivated organizer's token no longer acts at all (it would 404 on the membership).
	require.Equal(t, http.StatusUnauthorized, e.do(w.org, "GET", "/organizer/events/"+id, nil).Status)
	require.Equal(t, 0, e.count(`SELECT count(*) FROM memberships WHERE user_id = $1`, w.org.ID))

	e.publish("company.companies.v1", "company", "company.deleted", w.company, map[string]any{"id": w.company})
	require.Equal(t, http.StatusNotFound, e.do(keep.org, "POST", "/organizer/events", eventBody(uuid.NewString())).Status) // catch up
	require.Equal(t, 0, e.count(`SELECT count(*) FROM events WHERE id = $1`, id))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM events WHERE id = $1`, keepID))
	require.Equal(t, 1, e.count(`SELECT count(*) FROM outbox WHERE key = $1 AND envelope->>'type' = 'event.deleted'`, id))
}

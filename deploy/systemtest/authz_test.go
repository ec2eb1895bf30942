package systemtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestAuthzAcrossCompanies runs every operation of the gateway's OpenAPI
// document (so that a new route cannot escape) as every role of company A
// against company B's objects, and requires no access: 404 where the role may
// use the route (another company's object does not exist for the caller), 403
// where it may not. Then it reads B's objects back as B's own people and the
// admin, and fingerprints the services' tables, and requires both to be
// exactly as before. Anonymous callers get 401 on every non-public operation.
//
// The admin is in the table too, but as a control, not as an attacker: DESIGN.md
// lets admins use every non-public route in every company, so the admin must
// read B's objects (200) and is not sent writes (they would rightly change B).
func TestAuthzAcrossCompanies(t *testing.T) {
	env := Start(t, "company", "event", "task")
	admin := env.AdminClient(t)
	ops := openAPIOperations(t, env)
	a := newTenant(t, env, admin, "A")
	b := newTenant(t, env, admin, "B")
	b.decorate(t, env)
	b.settle(t, admin)
	a.settle(t, admin)

	idsOfB := b.ids()
	versions := b.versions(t)
	paths := func(pattern string) string { return b.fill(t, pattern) }

	// Every operation must be classified; those not object-scoped say why.
	const (
		object = "object" // the path (or, for POST /organizer/events, the body) names an object of B
		list   = "list"   // a collection of the caller's own scope: it must not include B
		own    = "own"    // acts on the caller's own account or creates the caller's own object
	)
	kinds := map[string]string{
		"GET /auth/me":              own,
		"PUT /auth/me":              own,
		"POST /organizer/companies": own,
		"GET /admin/users":          list,
		"GET /admin/companies":      list,
		"GET /organizer/companies":  list,
		"GET /organizer/events":     list,
		"GET /manager/events":       list,
		"GET /staff/tasks":          list,
		"POST /admin/users":         object, // company_ids of B in the body
		"POST /organizer/events":    object, // company_id of B in the body
	}
	bodies := b.bodies(versions)

	type row struct {
		op   operation
		path string
		kind string
		body any
	}
	var rows []row
	for _, op := range ops {
		if op.Public {
			continue
		}
		key := op.Method + " " + op.Pattern
		kind, ok := kinds[key]
		if !ok {
			if !strings.Contains(op.Pattern, "{") {
				t.Errorf("%s has no path parameter and is not classified in the authorisation table: add it to kinds", key)
				continue
			}
			kind = object
		}
		body, hasBody := bodies[key]
		if (op.Method == "POST" || op.Method == "PUT") && !hasBody && kind != own {
			t.Errorf("%s writes but the authorisation table has no body for it: add one that would succeed for B's own people", key)
			continue
		}
		rows = append(rows, row{op: op, path: paths(op.Pattern), kind: kind, body: body})
	}
	// Filters that name B's objects in the query are object routes too.
	rows = append(rows,
		row{op: operation{Method: "GET", Pattern: "/organizer/events", Roles: []string{"admin", "organizer"}}, path: "/organizer/events/?company_id=" + b.company.ID, kind: object},
		row{op: operation{Method: "GET", Pattern: "/admin/users", Roles: []string{"admin"}}, path: "/admin/users/?company_id=" + b.company.ID, kind: object},
	)
	for key := range kinds {
		if !slices.ContainsFunc(ops, func(o operation) bool { return o.Method+" "+o.Pattern == key }) {
			t.Errorf("the authorisation table classifies %s, which the OpenAPI document does not list", key)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	before := b.snapshot(t)
	scope := make([]string, 0, len(idsOfB))
	for _, id := range idsOfB {
		scope = append(scope, id)
	}
	dbBefore := dbFingerprint(t, env, scope)

	actors := []struct {
		role string
		c    *Client
	}{{"admin", admin}, {"organizer", a.org}, {"manager", a.mgr}, {"staff", a.staff}}
	for _, r := range rows {
		for _, actor := range actors {
			name := fmt.Sprintf("%s %s as %s", r.op.Method, r.path, actor.role)
			t.Run(name, func(t *testing.T) {
				if r.op.Service != "" && !env.running(r.op.Service) {
					t.Skipf("%s is not running", r.op.Service)
				}
				allowed := r.op.allows(actor.role)
				isAdmin := actor.role == "admin"
				write := r.op.Method != "GET"
				switch {
				case !allowed:
					actor.c.Problem(r.op.Method, r.path, r.body, http.StatusForbidden)
				case r.kind == own:
					t.Skip("acts on the caller's own account or creates the caller's own object: nothing of B is involved")
				case isAdmin && write:
					t.Skip("admins may change every company's objects (DESIGN.md); not sent")
				case isAdmin:
					actor.c.JSON(r.op.Method, r.path, nil, http.StatusOK, nil)
				case r.kind == list:
					resp := actor.c.Do(r.op.Method, r.path, nil)
					resp.requireStatus(t, name, http.StatusOK)
					// The list is the caller's own scope, not merely empty.
					if mine := a.own(r.op.Pattern, actor.role); mine != "" && !strings.Contains(string(resp.Body), mine) {
						t.Fatalf("%s does not list the caller's own object %s: %.400s", name, mine, resp.Body)
					}
					for what, id := range idsOfB {
						if strings.Contains(string(resp.Body), id) {
							t.Fatalf("%s lists %s of company B (%s): %.400s", name, what, id, resp.Body)
						}
					}
				default:
					actor.c.Problem(r.op.Method, r.path, r.body, http.StatusNotFound)
				}
			})
		}
	}

	t.Run("controls: A's people reach A's objects with the same tokens", func(t *testing.T) {
		a.org.JSON("GET", "/organizer/events/"+a.event.ID, nil, http.StatusOK, nil)
		a.mgr.JSON("GET", "/manager/tasks/"+a.task.ID, nil, http.StatusOK, nil)
		a.staff.JSON("GET", "/staff/tasks/"+a.task.ID, nil, http.StatusOK, nil)
		b.org.JSON("GET", "/organizer/events/"+b.event.ID, nil, http.StatusOK, nil)
	})

	t.Run("malformed ids answer 404", func(t *testing.T) {
		// The admin may use every route, so only the id can be wrong.
		for _, op := range ops {
			if op.Public || !strings.Contains(op.Pattern, "{") || (op.Service != "" && !env.running(op.Service)) {
				continue
			}
			path := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(op.Pattern, "not-a-uuid")
			admin.Problem(op.Method, path, bodies[op.Method+" "+op.Pattern], http.StatusNotFound)
		}
	})

	t.Run("B's people cannot be pulled into A's objects", func(t *testing.T) {
		evA := "/organizer/events/" + a.event.ID
		tasksBefore := allPages[Task](t, a.org, evA+"/tasks/")
		teamsBefore := allPages[Team](t, a.org, evA+"/teams/")
		refused := func(r *Response, what string) {
			t.Helper()
			if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 422 (or 404); body %.300s", what, r.Status, r.Body)
				return
			}
			r.RequireProblem(t, what, r.Status)
		}
		refused(a.org.Do("POST", evA+"/tasks/", taskBody("With B's staff", a.open.Add(4*time.Hour), a.open.Add(5*time.Hour), b.staffUser.ID)),
			"A's organizer creates a task for B's staff")
		refused(a.mgr.Do("PUT", "/manager/tasks/"+a.task.ID, map[string]any{"version": a.task.Version, "assignee_id": b.staffUser.ID}),
			"A's manager assigns B's staff")
		refused(a.org.Do("POST", evA+"/teams/", map[string]any{"name": "Mixed", "member_ids": []string{b.staffUser.ID}}),
			"A's organizer puts B's staff in a team")
		refused(a.org.Do("POST", evA+"/teams/", map[string]any{"name": "Led by B", "member_ids": []string{a.staffUser.ID, b.staffUser.ID}, "lead_id": b.staffUser.ID}),
			"A's organizer makes B's staff a team lead")
		if env.running("suggestion") {
			refused(a.org.Do("POST", evA+"/ai/suggest/", map[string]any{"staff_ids": []string{b.staffUser.ID}, "time_limit_ms": 200}),
				"A's organizer plans with B's staff")
		}
		if after := allPages[Task](t, a.org, evA+"/tasks/"); !sameSet(ids(after), ids(tasksBefore)) {
			t.Errorf("A's tasks changed: %v → %v", titles(tasksBefore), titles(after))
		}
		unchangedTask := Task{}
		a.org.JSON("GET", "/organizer/tasks/"+a.task.ID, nil, http.StatusOK, &unchangedTask)
		if unchangedTask.Assignee() != a.staffUser.ID || unchangedTask.Version != a.task.Version {
			t.Errorf("A's task after the refused reassignment = %+v", unchangedTask)
		}
		if after := allPages[Team](t, a.org, evA+"/teams/"); len(after) != len(teamsBefore) {
			t.Errorf("A's teams went from %d to %d", len(teamsBefore), len(after))
		}
	})

	t.Run("anonymous callers get 401 on every non-public operation", func(t *testing.T) {
		anon := env.Client(t)
		for _, op := range ops {
			if op.Public {
				continue
			}
			body := bodies[op.Method+" "+op.Pattern]
			anon.Problem(op.Method, paths(op.Pattern), body, http.StatusUnauthorized)
			// With the trailing slash the public paths use.
			anon.Problem(op.Method, paths(op.Pattern)+"/", body, http.StatusUnauthorized)
		}
	})

	t.Run("B's objects are unchanged", func(t *testing.T) {
		after := b.snapshot(t)
		keys := make([]string, 0, len(before))
		for k := range before {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if before[k] != after[k] {
				t.Errorf("%s changed:\nbefore %s\nafter  %s", k, before[k], after[k])
			}
		}
		dbAfter := dbFingerprint(t, env, scope)
		for tbl, v := range dbBefore {
			if dbAfter[tbl] != v {
				t.Errorf("table %s changed while only refused requests ran: %s → %s", tbl, v, dbAfter[tbl])
			}
		}
	})
}

// operation is one method on one path of the OpenAPI document.
type operation struct {
	Method, Pattern string
	Public          bool
	// Roles may call it (x-roles); nil means any signed-in caller.
	Roles []string
	// Service answers it, when known from the path (to skip services not running).
	Service string
}

func (o operation) allows(role string) bool { return o.Roles == nil || slices.Contains(o.Roles, role) }

// openAPIOperations reads /openapi.json through the gateway.
func openAPIOperations(t *testing.T, env *Env) []operation {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	env.Client(t).JSON("GET", "/openapi.json", nil, http.StatusOK, &doc)
	var ops []operation
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			m := strings.ToUpper(method)
			if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, m) {
				continue
			}
			var o struct {
				Security *[]json.RawMessage `json:"security"`
				Roles    []string           `json:"x-roles"`
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				t.Fatalf("openapi %s %s: %v", m, path, err)
			}
			ops = append(ops, operation{
				Method: m, Pattern: strings.TrimSuffix(path, "/"),
				Public: o.Security != nil && len(*o.Security) == 0, Roles: o.Roles, Service: serviceOf(path),
			})
		}
	}
	if len(ops) < 40 {
		t.Fatalf("the OpenAPI document lists only %d operations", len(ops))
	}
	sort.Slice(ops, func(i, j int) bool {
		return ops[i].Pattern+" "+ops[i].Method < ops[j].Pattern+" "+ops[j].Method
	})
	return ops
}

// serviceOf names the service that owns a path (CONVENTIONS.md route table), "" when unsure.
func serviceOf(path string) string {
	switch {
	case strings.Contains(path, "/ai/suggest"), strings.Contains(path, "suggestions") && !strings.HasSuffix(path, "/approve"):
		return "suggestion"
	case strings.Contains(path, "tasks"), strings.HasSuffix(path, "/approve"):
		return "task"
	case strings.HasPrefix(path, "/admin/companies"), strings.HasPrefix(path, "/organizer/companies"):
		return "company"
	case strings.Contains(path, "events"), strings.Contains(path, "teams"):
		return "event"
	}
	return ""
}

// tenant is one company with its people and objects.
type tenant struct {
	name                        string
	org, mgr, staff             *Client
	orgUser, mgrUser, staffUser Person
	company                     Company
	event                       Event
	task, openTask              Task
	team                        Team
	suggestion                  *Suggestion
	wantProposed, wantTeams     int
	open                        time.Time
	sessions                    int
	adminClient                 *Client
}

// newTenant makes a company with an organizer, a manager and a staff member in it, an event
// managed by the manager and an approved task of the staff member.
func newTenant(t *testing.T, env *Env, admin *Client, name string) *tenant {
	t.Helper()
	open := time.Date(2032, 3, 6, 9, 0, 0, 0, time.UTC)
	tn := &tenant{name: name, open: open, adminClient: admin}
	tn.orgUser, tn.org = newPerson(t, env, admin, "organizer", nil)
	tn.mgrUser, tn.mgr = newPerson(t, env, admin, "manager", nil)
	tn.staffUser, tn.staff = newPerson(t, env, admin, "staff", map[string]any{"skills": []Skill{{"registration", 2}, {"av", 2}}})
	tn.org.JSON("POST", "/organizer/companies/", map[string]any{"name": Unique("Tenant " + name)}, http.StatusCreated, &tn.company)
	setCompanies(t, admin, tn.mgrUser.ID, tn.company.ID)
	tn.staffUser = setCompanies(t, admin, tn.staffUser.ID, tn.company.ID)
	tn.org.JSON("POST", "/organizer/events/", eventBody(tn.company.ID, "meetup", 80, open, open.Add(8*time.Hour), tn.mgrUser.ID), http.StatusCreated, &tn.event)
	tn.org.JSON("POST", "/organizer/events/"+tn.event.ID+"/tasks/",
		taskBody("Registration "+name, open, open.Add(time.Hour), tn.staffUser.ID, RequiredSkill{"registration", 1}), http.StatusCreated, &tn.task)
	return tn
}

// decorate adds what the other routes need to find: an open task, a team, imported sessions
// and, when the AI runs, a suggestion with proposed tasks.
func (tn *tenant) decorate(t *testing.T, env *Env) {
	t.Helper()
	tn.org.JSON("POST", "/organizer/events/"+tn.event.ID+"/tasks/", taskBody("Open task "+tn.name, tn.open.Add(2*time.Hour), tn.open.Add(3*time.Hour), ""), http.StatusCreated, &tn.openTask)
	tn.org.JSON("POST", "/organizer/events/"+tn.event.ID+"/teams/", map[string]any{"name": "Desk " + tn.name, "area": "registration", "member_ids": []string{tn.staffUser.ID}}, http.StatusCreated, &tn.team)
	var sum struct {
		Sessions int `json:"sessions"`
	}
	r := tn.org.Do("POST", "/organizer/events/"+tn.event.ID+"/schedule/", Raw(miniSchedule(tn.open)))
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		t.Fatalf("import a schedule: status %d: %s", r.Status, r.Body)
	}
	r.Decode(t, &sum)
	if sum.Sessions != 2 {
		t.Fatalf("schedule import answered %s, want 2 sessions", r.Body)
	}
	tn.sessions = sum.Sessions
	if env.running("suggestion") {
		var s Suggestion
		tn.org.JSON("POST", "/organizer/events/"+tn.event.ID+"/ai/suggest/", map[string]any{"mode": "plan", "time_limit_ms": 500, "seed": 7}, http.StatusCreated, &s)
		if s.ID == "" || len(s.Tasks) == 0 {
			t.Fatalf("plan suggestion = %+v, want an id and tasks", s)
		}
		tn.suggestion = &s
		tn.wantProposed = len(s.Tasks)
		tn.wantTeams = len(s.Teams)
	}
}

// settle waits until what crosses the topics has arrived, so that the snapshot taken next
// does not move by itself: the creator's company in identity, the proposed tasks in the
// task service, the counts and the suggestion's teams in the event service.
func (tn *tenant) settle(t *testing.T, admin *Client) {
	t.Helper()
	Eventually(t, 20*time.Second, "organizer "+tn.name+" has the company in company_ids", func() (bool, string) {
		var p Person
		admin.JSON("GET", "/admin/users/"+tn.orgUser.ID, nil, http.StatusOK, &p)
		return slices.Contains(p.CompanyIDs, tn.company.ID), fmt.Sprint(p.CompanyIDs)
	})
	approved := 1
	if tn.openTask.ID != "" {
		approved = 2
	}
	waitCounts(t, tn.mgr, tn.event.ID, tn.wantProposed, approved, 0)
	if tn.suggestion != nil {
		Eventually(t, 20*time.Second, "proposed tasks of "+tn.name+"'s suggestion in the task service", func() (bool, string) {
			got := allPages[Task](t, tn.org, "/organizer/events/"+tn.event.ID+"/tasks/?approval=proposed")
			return len(got) == tn.wantProposed, fmt.Sprintf("%d of %d", len(got), tn.wantProposed)
		})
		Eventually(t, 20*time.Second, "proposed count of "+tn.name+"'s suggestion in the suggestion service", func() (bool, string) {
			var s Suggestion
			tn.org.JSON("GET", "/organizer/suggestions/"+tn.suggestion.ID, nil, http.StatusOK, &s)
			return s.TasksProposed == tn.wantProposed, fmt.Sprintf("%d of %d", s.TasksProposed, tn.wantProposed)
		})
		Eventually(t, 20*time.Second, "teams of "+tn.name+"'s suggestion in the event service", func() (bool, string) {
			got := allPages[Team](t, tn.org, "/organizer/events/"+tn.event.ID+"/teams/")
			return len(got) == 1+tn.wantTeams, fmt.Sprintf("%d teams, want %d", len(got), 1+tn.wantTeams)
		})
	}
}

// own names an object of the tenant that a list route must show to its role ("" when none).
func (tn *tenant) own(pattern, role string) string {
	switch {
	case pattern == "/organizer/companies" && role == "organizer":
		return tn.company.ID
	case pattern == "/organizer/events" && role == "organizer", pattern == "/manager/events" && role == "manager":
		return tn.event.ID
	case pattern == "/staff/tasks" && role == "staff":
		return tn.task.ID
	}
	return ""
}

// ids are B's object ids that must not appear in A's lists.
func (tn *tenant) ids() map[string]string {
	m := map[string]string{
		"company": tn.company.ID, "event": tn.event.ID, "task": tn.task.ID, "open task": tn.openTask.ID,
		"team": tn.team.ID, "organizer": tn.orgUser.ID, "manager": tn.mgrUser.ID, "staff": tn.staffUser.ID,
	}
	if tn.suggestion != nil {
		m["suggestion"] = tn.suggestion.ID
	}
	return m
}

// versions reads the current versions of B's objects, so that the writes in the table are
// ones that would succeed if authorisation let them through.
func (tn *tenant) versions(t *testing.T) map[string]int64 {
	t.Helper()
	var co Company
	var ev Event
	var tk Task
	var tm []Team
	tn.org.JSON("GET", "/organizer/companies/"+tn.company.ID, nil, http.StatusOK, &co)
	tn.org.JSON("GET", "/organizer/events/"+tn.event.ID, nil, http.StatusOK, &ev)
	tn.org.JSON("GET", "/organizer/tasks/"+tn.task.ID, nil, http.StatusOK, &tk)
	tm = allPages[Team](t, tn.org, "/organizer/events/"+tn.event.ID+"/teams/")
	v := map[string]int64{"company": co.Version, "event": ev.Version, "task": tk.Version}
	for _, x := range tm {
		if x.ID == tn.team.ID {
			v["team"] = x.Version
		}
	}
	return v
}

// fill puts B's object ids into a path pattern.
func (tn *tenant) fill(t *testing.T, pattern string) string {
	t.Helper()
	sug := "00000000-0000-4000-8000-000000000000" // no suggestion service: any id
	if tn.suggestion != nil {
		sug = tn.suggestion.ID
	}
	var id string
	switch {
	case strings.HasPrefix(pattern, "/admin/users/"):
		id = tn.staffUser.ID
	case strings.HasPrefix(pattern, "/organizer/companies/"), strings.HasPrefix(pattern, "/admin/companies/"):
		id = tn.company.ID
	case strings.Contains(pattern, "/suggestions/"):
		id = sug
	case strings.Contains(pattern, "/tasks/{id}"):
		id = tn.task.ID
	}
	unknown := ""
	out := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllStringFunc(pattern, func(p string) string {
		switch p {
		case "{event_id}":
			return tn.event.ID
		case "{team_id}":
			return tn.team.ID
		case "{id}":
			if id != "" {
				return id
			}
		}
		unknown = p
		return p
	})
	if unknown != "" {
		t.Fatalf("no object of company B for %s in %s: extend tenant.fill", unknown, pattern)
	}
	return out
}

// bodies are request bodies that B's own people could send successfully.
func (tn *tenant) bodies(v map[string]int64) map[string]any {
	s := tn.open
	return map[string]any{
		"POST /admin/users": map[string]any{"username": Unique("intruder"), "email": Unique("intruder") + "@example.com",
			"password": "Pw-intruder-1", "role": "staff", "company_ids": []string{tn.company.ID}},
		"PUT /admin/users/{id}":                            map[string]any{"full_name": "Pwned", "company_ids": []string{}},
		"PUT /organizer/companies/{id}":                    map[string]any{"name": Unique("Pwned"), "version": v["company"]},
		"POST /organizer/events":                           eventBody(tn.company.ID, "meetup", 10, s, s.Add(time.Hour)),
		"PUT /organizer/events/{event_id}":                 map[string]any{"version": v["event"], "title": "Pwned"},
		"POST /organizer/events/{event_id}/schedule":       json.RawMessage(miniSchedule(s)),
		"POST /organizer/events/{event_id}/teams":          map[string]any{"name": "Pwned team"},
		"PUT /organizer/events/{event_id}/teams/{team_id}": map[string]any{"version": v["team"], "name": "Pwned"},
		"PUT /manager/teams/{team_id}":                     map[string]any{"version": v["team"], "name": "Pwned"},
		"POST /organizer/events/{event_id}/tasks":          taskBody("Pwned", s, s.Add(time.Hour), ""),
		"PUT /organizer/tasks/{id}":                        map[string]any{"version": v["task"], "title": "Pwned"},
		"PUT /manager/tasks/{id}":                          map[string]any{"version": v["task"], "approval": "rejected"},
		"PUT /staff/tasks/{id}":                            map[string]any{"version": v["task"], "status": "in_progress"},
		"POST /manager/suggestions/{id}/approve":           map[string]any{},
		"POST /organizer/events/{event_id}/ai/suggest":     map[string]any{"mode": "plan", "time_limit_ms": 200},
	}
}

// snapshot reads every object of the tenant back as its own people and the admin.
func (tn *tenant) snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	read := func(who string, c *Client, path string) {
		t.Helper()
		r := c.Do("GET", path, nil)
		r.requireStatus(t, who+" GET "+path, http.StatusOK)
		out[who+" GET "+path] = canonical(t, r.Body)
	}
	admin := func(path string) {
		t.Helper()
		read("admin", tn.adminClient, path)
	}
	for _, id := range []string{tn.orgUser.ID, tn.mgrUser.ID, tn.staffUser.ID} {
		admin("/admin/users/" + id)
	}
	ev := "/organizer/events/" + tn.event.ID
	read("organizer", tn.org, "/organizer/companies/"+tn.company.ID)
	read("organizer", tn.org, "/organizer/companies/"+tn.company.ID+"/members?limit=200")
	read("organizer", tn.org, ev)
	read("organizer", tn.org, ev+"/teams?limit=200")
	read("organizer", tn.org, ev+"/sessions?limit=200")
	read("organizer", tn.org, ev+"/tasks?limit=200")
	read("organizer", tn.org, "/organizer/tasks/"+tn.task.ID)
	read("organizer", tn.org, "/organizer/tasks/"+tn.openTask.ID)
	read("manager", tn.mgr, "/manager/events/"+tn.event.ID)
	read("manager", tn.mgr, "/manager/events/"+tn.event.ID+"/teams?limit=200")
	read("manager", tn.mgr, "/manager/events/"+tn.event.ID+"/tasks?limit=200")
	read("manager", tn.mgr, "/tasks/"+tn.task.ID+"/history?limit=200")
	read("staff", tn.staff, "/staff/tasks?limit=200")
	if tn.suggestion != nil {
		read("organizer", tn.org, ev+"/suggestions?limit=200")
		read("organizer", tn.org, "/organizer/suggestions/"+tn.suggestion.ID)
		read("manager", tn.mgr, "/manager/suggestions/"+tn.suggestion.ID)
	}
	return out
}

// miniSchedule is a C3VOC JSON schedule of one room with two sessions on the day of start.
func miniSchedule(start time.Time) string {
	day := start.Format("2006-01-02")
	return fmt.Sprintf(`{"schedule": {"version": "v1", "conference": {"acronym": "SYS", "title": "System test",
  "start": %[1]q, "end": %[1]q, "daysCount": 1, "timeslot_duration": "00:15", "time_zone_name": "Europe/Berlin",
  "days": [{"index": 1, "date": %[1]q, "day_start": "%[1]sT09:00:00+01:00", "day_end": "%[1]sT20:00:00+01:00",
    "rooms": {"Main hall": [
      {"id": 1, "guid": "aaaaaaaa-0000-4000-8000-000000000001", "date": "%[1]sT10:00:00+01:00", "start": "10:00",
       "duration": "00:45", "room": "Main hall", "title": "Opening", "track": "Main", "type": "lecture", "persons": []},
      {"id": 2, "guid": "aaaaaaaa-0000-4000-8000-000000000002", "date": "%[1]sT11:00:00+01:00", "start": "11:00",
       "duration": "01:00", "room": "Main hall", "title": "Keynote", "track": "Main", "type": "lecture", "persons": []}
    ]}}]}}}`, day)
}

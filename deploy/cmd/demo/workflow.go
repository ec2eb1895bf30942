package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eventai/eventai/deploy/demo"
)

// The 38C3 event as its schedule describes it: Hamburg, 27-30 December 2024,
// programme from the first morning to the last evening.
var (
	congressStart = time.Date(2024, 12, 27, 9, 30, 0, 0, time.UTC)
	congressEnd   = time.Date(2024, 12, 30, 17, 45, 0, 0, time.UTC)
)

const (
	congressFile = "38c3-schedule.xml"
	congressTZ   = "Europe/Berlin"
	// pollEvery is how often the demo looks at a running suggestion.
	pollEvery = 500 * time.Millisecond
)

// demoRun is one run of the demo: its settings, output and what it created.
type demoRun struct {
	cfg   config
	out   io.Writer
	api   *client
	steps []demo.Step

	suffix   string
	password string // of every user this run creates

	admin, organizer, manager *client
	organizerID, managerID    string
	companyID, eventID        string
	staff                     map[string]demo.Member // user id → member
	schedule                  []byte
	sessions                  int
	suggestion                suggestionJSON
}

func newDemo(cfg config, out io.Writer) *demoRun {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	p := make([]byte, 12)
	_, _ = rand.Read(p)
	return &demoRun{
		cfg:      cfg,
		out:      out,
		api:      &client{base: cfg.gateway, http: &http.Client{Timeout: 90 * time.Second}},
		suffix:   hex.EncodeToString(b),
		password: "Demo-" + hex.EncodeToString(p),
		staff:    map[string]demo.Member{},
	}
}

// step times fn and prints one line for it.
func (d *demoRun) step(name string, fn func() (string, error)) error {
	start := time.Now()
	note, err := fn()
	took := time.Since(start)
	if err != nil {
		fmt.Fprintf(d.out, "✗ %-34s %7d ms  %v\n", name, took.Milliseconds(), err)
		return fmt.Errorf("%s: %w", name, err)
	}
	d.steps = append(d.steps, demo.Step{Name: name, Took: took, Note: note})
	fmt.Fprintf(d.out, "✓ %-34s %7d ms  %s\n", name, took.Milliseconds(), note)
	return nil
}

func (d *demoRun) run(ctx context.Context) error {
	path := filepath.Join(d.cfg.dataDir, "schedules", congressFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return errNoInput{fmt.Sprintf("the 38C3 schedule is not at %s (set EVENTAI_DATA_DIR to the shared data folder): %v", path, err)}
	}
	d.schedule = data
	fmt.Fprintf(d.out, "EventAI demo against %s (run %s, %d staff, AI time limit %v)\n", d.cfg.gateway, d.suffix, d.cfg.staff, d.cfg.timeLimit)

	steps := []struct {
		name string
		fn   func(context.Context) (string, error)
	}{
		{"log in as admin", d.loginAdmin},
		{"create organizer", d.createOrganizer},
		{"create company", d.createCompany},
		{"create manager and " + itoa(d.cfg.staff) + " staff", d.createPeople},
		{"create 38C3 event", d.createEvent},
		{"import 38C3 schedule (XML)", d.importSchedule},
		{"re-import the same schedule", d.reimportSchedule},
		{"AI plan_and_assign", d.suggest},
		{"task service has the proposals", d.waitProposed},
		{"manager approves the suggestion", d.approve},
		{"staff move tasks", d.moveTasks},
	}
	for _, s := range steps {
		if err := d.step(s.name, func() (string, error) { return s.fn(ctx) }); err != nil {
			return err
		}
	}
	m := d.suggestion.Metrics
	res := demo.Result{Sessions: d.sessions, Tasks: m.Tasks, Assigned: m.Assigned, HardViolations: m.HardViolations, SolveMS: m.SolveMS}
	fmt.Fprintln(d.out)
	fmt.Fprintln(d.out, "timings:")
	fmt.Fprint(d.out, demo.Timings(d.steps))
	fmt.Fprintf(d.out, "optimiser: objective %.1f, lower bound %.1f, gap %.3f, skill fit %.2f, load %.1f-%.1f h per person\n",
		m.Objective, m.LowerBound, m.Gap, m.SkillFit, m.LoadMinHours, m.LoadMaxHours)
	fmt.Fprintln(d.out, res.Line())
	return nil
}

// login answers an access token for a username and password.
func (d *demoRun) login(ctx context.Context, username, password string) (string, string, error) {
	return d.loginAs(ctx, map[string]string{"username": username, "password": password})
}

// loginAs posts a login body (username or email, and password).
func (d *demoRun) loginAs(ctx context.Context, body map[string]string) (string, string, error) {
	var tok struct {
		Access string `json:"access"`
		User   struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if _, err := d.api.do(ctx, "POST", "/auth/login/", body, "", &tok); err != nil {
		return "", "", err
	}
	if tok.Access == "" {
		return "", "", fmt.Errorf("login of %s%s answered no access token", body["username"], body["email"])
	}
	return tok.Access, tok.User.ID, nil
}

func (d *demoRun) loginAdmin(ctx context.Context) (string, error) {
	pw, err := d.cfg.password()
	if err != nil {
		return "", err
	}
	who := map[string]string{"username": d.cfg.adminUsername, "password": pw}
	if d.cfg.adminUsername == "" {
		who = map[string]string{"email": d.cfg.adminEmail, "password": pw}
	}
	tok, _, err := d.loginAs(ctx, who)
	if err != nil {
		if statusOf(err) == 0 {
			return "", fmt.Errorf("%w (is `make run` up at %s?)", err, d.cfg.gateway)
		}
		return "", err
	}
	d.admin = d.api.as(tok)
	return who["username"] + who["email"], nil
}

type userJSON struct {
	ID         string   `json:"id"`
	Username   string   `json:"username"`
	CompanyIDs []string `json:"company_ids"`
}

func (d *demoRun) createUser(ctx context.Context, body map[string]any) (userJSON, error) {
	var u userJSON
	_, err := d.admin.do(ctx, "POST", "/admin/users/", body, "", &u)
	return u, err
}

func (d *demoRun) createOrganizer(ctx context.Context) (string, error) {
	name := "demo-" + d.suffix + "-organizer"
	u, err := d.createUser(ctx, map[string]any{"username": name, "email": name + "@example.org", "password": d.password,
		"role": "organizer", "full_name": "Orla Ganiser"})
	if err != nil {
		return "", err
	}
	tok, _, err := d.login(ctx, name, d.password)
	if err != nil {
		return "", err
	}
	d.organizerID, d.organizer = u.ID, d.api.as(tok)
	return name, nil
}

func (d *demoRun) createCompany(ctx context.Context) (string, error) {
	var c struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	name := "Demo Congress Crew " + d.suffix
	if _, err := d.organizer.do(ctx, "POST", "/organizer/companies/", map[string]string{"name": name}, "", &c); err != nil {
		return "", err
	}
	d.companyID = c.ID
	return name, nil
}

// createPeople has the admin create the manager and the roster, a bounded
// number at a time (identity hashes each password with argon2id).
func (d *demoRun) createPeople(ctx context.Context) (string, error) {
	loc, err := time.LoadLocation(congressTZ)
	if err != nil {
		return "", err
	}
	roster, err := demo.Roster(demo.Options{
		Size: d.cfg.staff, Seed: d.cfg.seed, Prefix: "demo-" + d.suffix, Domain: "example.org", Timezone: loc,
		FirstDay: congressStart.In(loc), LastDay: congressEnd.In(loc), BuildDays: 1,
	})
	if err != nil {
		return "", err
	}
	mname := "demo-" + d.suffix + "-manager"
	mu, err := d.createUser(ctx, map[string]any{"username": mname, "email": mname + "@example.org", "password": d.password,
		"role": "manager", "full_name": "Mara Nager", "company_ids": []string{d.companyID}})
	if err != nil {
		return "", err
	}
	d.managerID = mu.ID

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu2   sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	jobs := make(chan demo.Member)
	for range d.cfg.parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range jobs {
				u, err := d.createUser(ctx, map[string]any{
					"username": m.Username, "email": m.Email, "password": d.password, "role": "staff",
					"full_name": m.FullName, "company_ids": []string{d.companyID}, "skills": m.Skills,
					"availability": m.Availability, "max_hours_per_day": m.MaxHoursPerDay,
				})
				if err == nil && u.Username != m.Username {
					// Seen on a gateway that reused a pooled response buffer: refuse to
					// record the wrong id under this name.
					err = fmt.Errorf("the answer is the user %q, not %q: the gateway returned another request's answer", u.Username, m.Username)
				}
				mu2.Lock()
				if err != nil && first == nil {
					first = fmt.Errorf("create %s: %w", m.Username, err)
					cancel()
				}
				if err == nil {
					d.staff[u.ID] = m
				}
				mu2.Unlock()
			}
		}()
	}
	for _, m := range roster {
		select {
		case jobs <- m:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return "", first
	}
	var parts []string
	h := demo.Holders(roster)
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, h[n]))
	}
	return fmt.Sprintf("qualified holders: %s", strings.Join(parts, ", ")), nil
}

func (d *demoRun) createEvent(ctx context.Context) (string, error) {
	var ev struct {
		ID string `json:"id"`
	}
	body := map[string]any{
		"company_id": d.companyID, "title": "38C3 (demo " + d.suffix + ")",
		"description": "38th Chaos Communication Congress, staffed by a generated demo crew.",
		"location":    "Congress Center Hamburg", "timezone": congressTZ,
		"starts_at": congressStart.Format(time.RFC3339), "ends_at": congressEnd.Format(time.RFC3339),
		"event_type": "conference", "expected_attendees": 15000, "manager_ids": []string{d.managerID},
	}
	if _, err := d.organizer.do(ctx, "POST", "/organizer/events/", body, "", &ev); err != nil {
		return "", err
	}
	d.eventID = ev.ID
	return "event " + ev.ID, nil
}

type importJSON struct {
	Sessions  int `json:"sessions"`
	Rooms     int `json:"rooms"`
	Days      int `json:"days"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
}

func (d *demoRun) postSchedule(ctx context.Context) (importJSON, error) {
	var r importJSON
	_, err := d.organizer.do(ctx, "POST", "/organizer/events/"+d.eventID+"/schedule/", d.schedule, "application/xml", &r)
	return r, err
}

func (d *demoRun) importSchedule(ctx context.Context) (string, error) {
	r, err := d.postSchedule(ctx)
	if err != nil {
		return "", err
	}
	d.sessions = r.Sessions
	return fmt.Sprintf("%d sessions, %d rooms, %d days (%d KiB)", r.Sessions, r.Rooms, r.Days, len(d.schedule)/1024), nil
}

func (d *demoRun) reimportSchedule(ctx context.Context) (string, error) {
	r, err := d.postSchedule(ctx)
	if err != nil {
		return "", err
	}
	note := fmt.Sprintf("%d sessions: %d created, %d updated, %d deleted, %d unchanged", r.Sessions, r.Created, r.Updated, r.Deleted, r.Unchanged)
	if r.Sessions != d.sessions || r.Created+r.Updated+r.Deleted != 0 {
		return "", fmt.Errorf("a re-import of the same document changed something: %s", note)
	}
	return note, nil
}

type taskJSON struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Area       string    `json:"area"`
	StartsAt   time.Time `json:"starts_at"`
	EndsAt     time.Time `json:"ends_at"`
	AssigneeID *string   `json:"assignee_id"`
	Approval   string    `json:"approval"`
	Status     string    `json:"status"`
	Version    int64     `json:"version"`
	Reasons    []string  `json:"reasons"`
}

type metricsJSON struct {
	Tasks          int     `json:"tasks"`
	Assigned       int     `json:"assigned"`
	HardViolations int     `json:"hard_violations"`
	SkillFit       float64 `json:"skill_fit"`
	LoadMinHours   float64 `json:"load_min_hours"`
	LoadMaxHours   float64 `json:"load_max_hours"`
	Objective      float64 `json:"objective"`
	LowerBound     float64 `json:"lower_bound"`
	Gap            float64 `json:"gap"`
	SolveMS        int64   `json:"solve_ms"`
}

type suggestionJSON struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"`
	Error      string     `json:"error"`
	Tasks      []taskJSON `json:"tasks"`
	Unassigned []struct {
		Task    taskJSON `json:"task"`
		Reasons []string `json:"reasons"`
	} `json:"unassigned"`
	Metrics metricsJSON `json:"metrics"`
}

// suggest asks for plan_and_assign with the configured time limit; above 10 s
// the service answers at once and solves in the background, so it polls.
func (d *demoRun) suggest(ctx context.Context) (string, error) {
	var s suggestionJSON
	body := map[string]any{"mode": "plan_and_assign", "time_limit_ms": d.cfg.timeLimit.Milliseconds(), "seed": d.cfg.seed}
	if _, err := d.organizer.do(ctx, "POST", "/organizer/events/"+d.eventID+"/ai/suggest/", body, "", &s); err != nil {
		return "", err
	}
	deadline := time.Now().Add(d.cfg.timeLimit + 2*time.Minute)
	for s.Status == "running" {
		if time.Now().After(deadline) {
			return "", fmt.Errorf("suggestion %s still running after %v", s.ID, d.cfg.timeLimit+2*time.Minute)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(pollEvery):
		}
		id := s.ID
		s = suggestionJSON{}
		if _, err := d.organizer.do(ctx, "GET", "/organizer/suggestions/"+id, nil, "", &s); err != nil {
			return "", err
		}
	}
	if s.Status == "failed" {
		return "", fmt.Errorf("suggestion %s failed: %s", s.ID, s.Error)
	}
	d.suggestion = s
	// Checked here, from the tasks themselves, not taken from the metrics.
	assigned, crossing := 0, 0
	loc, _ := time.LoadLocation(congressTZ)
	for _, t := range s.Tasks {
		if t.AssigneeID != nil {
			assigned++
		}
		if !t.EndsAt.After(t.StartsAt) {
			return "", fmt.Errorf("task %s %q ends at %v, not after its start %v", t.ID, t.Title, t.EndsAt, t.StartsAt)
		}
		if t.StartsAt.In(loc).YearDay() != t.EndsAt.Add(-time.Nanosecond).In(loc).YearDay() {
			crossing++
		}
	}
	if assigned != s.Metrics.Assigned || len(s.Tasks) != s.Metrics.Tasks {
		return "", fmt.Errorf("suggestion lists %d tasks, %d assigned; its metrics say %d and %d", len(s.Tasks), assigned, s.Metrics.Tasks, s.Metrics.Assigned)
	}
	d.explainUnassigned()
	return fmt.Sprintf("%d tasks, %d assigned, %d cross midnight (all end after they start), %d hard violations, solve %d ms",
		len(s.Tasks), assigned, crossing, s.Metrics.HardViolations, s.Metrics.SolveMS), nil
}

// explainUnassigned prints what was left open, by area, with one reason each.
func (d *demoRun) explainUnassigned() {
	if len(d.suggestion.Unassigned) == 0 {
		return
	}
	byArea := map[string]int{}
	example := map[string]string{}
	for _, u := range d.suggestion.Unassigned {
		byArea[u.Task.Area]++
		if _, ok := example[u.Task.Area]; !ok {
			example[u.Task.Area] = u.Task.Title
			if len(u.Reasons) > 0 {
				example[u.Task.Area] += ": " + u.Reasons[0]
			}
		}
	}
	areas := make([]string, 0, len(byArea))
	for a := range byArea {
		areas = append(areas, a)
	}
	sort.Strings(areas)
	fmt.Fprintln(d.out, "  unassigned by area:")
	for _, a := range areas {
		fmt.Fprintf(d.out, "    %-13s %4d  e.g. %s\n", a, byArea[a], example[a])
	}
}

type managedEvent struct {
	ID            string `json:"id"`
	TasksProposed int    `json:"tasks_proposed"`
	TasksApproved int    `json:"tasks_approved"`
	TasksDone     int    `json:"tasks_done"`
}

// counts reads the manager's view of the event's task counts.
func (d *demoRun) counts(ctx context.Context) (managedEvent, error) {
	cursor := ""
	for range 100 {
		var page struct {
			Items      []managedEvent `json:"items"`
			NextCursor *string        `json:"next_cursor"`
		}
		path := "/manager/events/?limit=200"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if _, err := d.manager.do(ctx, "GET", path, nil, "", &page); err != nil {
			return managedEvent{}, err
		}
		for _, e := range page.Items {
			if e.ID == d.eventID {
				return e, nil
			}
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			break
		}
		cursor = *page.NextCursor
	}
	return managedEvent{}, fmt.Errorf("event %s is not among the manager's events", d.eventID)
}

// waitProposed waits until the task service holds every proposed task (they
// travel over Kafka in batches of 200) before the manager approves them.
func (d *demoRun) waitProposed(ctx context.Context) (string, error) {
	tok, _, err := d.login(ctx, "demo-"+d.suffix+"-manager", d.password)
	if err != nil {
		return "", err
	}
	d.manager = d.api.as(tok)
	want := len(d.suggestion.Tasks)
	deadline := time.Now().Add(90 * time.Second)
	for {
		c, err := d.counts(ctx)
		if err != nil {
			return "", err
		}
		if c.TasksProposed >= want {
			return fmt.Sprintf("%d proposed", c.TasksProposed), nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("the manager sees %d proposed tasks of %d after 90 s", c.TasksProposed, want)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

func (d *demoRun) approve(ctx context.Context) (string, error) {
	var r struct {
		Approved []string `json:"approved"`
		Rejected []string `json:"rejected"`
		Skipped  []any    `json:"skipped"`
	}
	if _, err := d.manager.do(ctx, "POST", "/manager/suggestions/"+d.suggestion.ID+"/approve", map[string]any{}, "", &r); err != nil {
		return "", err
	}
	if len(r.Approved) == 0 {
		return "", errors.New("nothing was approved")
	}
	note := fmt.Sprintf("%d approved, %d skipped", len(r.Approved), len(r.Skipped))
	// The manager's event list counts tasks from the task topic: it converges
	// shortly after the approval, which is worth showing.
	start := time.Now()
	for {
		c, err := d.counts(ctx)
		if err != nil {
			return "", err
		}
		if c.TasksApproved >= len(r.Approved) {
			return note + fmt.Sprintf("; the manager's event list shows %d approved %d ms later", c.TasksApproved, time.Since(start).Milliseconds()), nil
		}
		if time.Since(start) > 60*time.Second {
			return note + fmt.Sprintf("; the manager's event list still shows %d approved after 60 s", c.TasksApproved), nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(pollEvery / 2):
		}
	}
}

// moveTasks logs in as a few assignees and moves one task each through
// pending → in_progress → done.
func (d *demoRun) moveTasks(ctx context.Context) (string, error) {
	if d.cfg.moves == 0 {
		return "skipped (-moves 0)", nil
	}
	// The earliest task of the first few assignees, in a stable order.
	tasks := append([]taskJSON(nil), d.suggestion.Tasks...)
	sort.SliceStable(tasks, func(i, j int) bool { return tasks[i].StartsAt.Before(tasks[j].StartsAt) })
	// One person per area, so the moves show different kinds of work.
	seen, areas := map[string]bool{}, map[string]bool{}
	var people []string
	for _, t := range tasks {
		if t.AssigneeID == nil || seen[*t.AssigneeID] || areas[t.Area] {
			continue
		}
		if _, ok := d.staff[*t.AssigneeID]; !ok {
			continue
		}
		seen[*t.AssigneeID], areas[t.Area] = true, true
		people = append(people, *t.AssigneeID)
		if len(people) == d.cfg.moves {
			break
		}
	}
	if len(people) == 0 {
		return "", errors.New("no assigned task to move")
	}
	var notes []string
	for _, id := range people {
		m := d.staff[id]
		tok, _, err := d.login(ctx, m.Username, d.password)
		if err != nil {
			return "", err
		}
		c := d.api.as(tok)
		var page struct {
			Items []taskJSON `json:"items"`
		}
		if _, err := c.do(ctx, "GET", "/staff/tasks/?limit=200", nil, "", &page); err != nil {
			return "", err
		}
		var t taskJSON
		for _, it := range page.Items {
			if it.Status == "pending" && (t.ID == "" || it.StartsAt.Before(t.StartsAt)) {
				t = it
			}
		}
		if t.ID == "" {
			return "", fmt.Errorf("%s has no pending task among %d", m.Username, len(page.Items))
		}
		for _, next := range []struct {
			status   string
			progress int
			note     string
		}{{"in_progress", 50, "on it"}, {"done", 100, "done, all fine"}} {
			var got taskJSON
			body := map[string]any{"version": t.Version, "status": next.status, "progress": next.progress, "note": next.note}
			if _, err := c.do(ctx, "PUT", "/staff/tasks/"+t.ID, body, "", &got); err != nil {
				return "", fmt.Errorf("%s moves %q to %s: %w", m.Username, t.Title, next.status, err)
			}
			if got.Status != next.status {
				return "", fmt.Errorf("%s moved %q to %s but it reads %s", m.Username, t.Title, next.status, got.Status)
			}
			t = got
		}
		notes = append(notes, fmt.Sprintf("%s (%s): %q done", m.FullName, m.Username, shorten(t.Title, 70)))
	}
	fmt.Fprintf(d.out, "  %s\n", strings.Join(notes, "\n  "))
	return fmt.Sprintf("%d staff, pending → in_progress → done", len(people)), nil
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

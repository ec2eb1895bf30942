// Package routes holds the gateway's public route table as data and matches request paths
// against it. It does no I/O: the table is the single place that says which service owns a
// path and which roles may call it.
package routes

import (
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Access says who may call a route.
type Access int

const (
	// Roles means only the listed roles (and admin, who may use every non-public route).
	Roles Access = iota
	// SignedIn means any caller with a valid access token.
	SignedIn
	// Public means no token is required.
	Public
)

// Service names of the upstreams; Gateway routes are answered by the gateway itself.
const (
	Identity   = "identity"
	Company    = "company"
	Event      = "event"
	Task       = "task"
	Suggestion = "suggestion"
	Gateway    = "gateway"
)

// Role names used in the table; they equal the roles in the tokens.
const (
	RoleAdmin     = "admin"
	RoleOrganizer = "organizer"
	RoleManager   = "manager"
	RoleStaff     = "staff"
)

// Body size limits in bytes.
const (
	DefaultBodyLimit = 1 << 20
	ImportBodyLimit  = 16 << 20
)

// Route is one row of the table: a method on a path pattern. Pattern segments written
// {name} match one UUID segment.
type Route struct {
	Method  string
	Pattern string
	Service string
	Access  Access
	// Roles allowed when Access is Roles; admin is implied.
	Roles []string
	// BodyLimit is the largest accepted request body; 0 means DefaultBodyLimit.
	BodyLimit int
	// AuthLimited marks the credential endpoints that get the stricter per-IP rate limit.
	AuthLimited bool
}

// Limit is the effective body limit of r.
func (r Route) Limit() int {
	if r.BodyLimit > 0 {
		return r.BodyLimit
	}
	return DefaultBodyLimit
}

// Allows reports whether a caller with role may use r (r must not be public).
func (r Route) Allows(role string) bool {
	switch r.Access {
	case Public, SignedIn:
		return true
	}
	return role == RoleAdmin || slices.Contains(r.Roles, role)
}

func row(methods, pattern, service string, access Access, roles ...string) []Route {
	var out []Route
	for m := range strings.SplitSeq(methods, ",") {
		out = append(out, Route{Method: strings.TrimSpace(m), Pattern: pattern, Service: service, Access: access, Roles: roles})
	}
	return out
}

// Table returns the route table of docs/CONVENTIONS.md. Each call returns a fresh slice.
func Table() []Route {
	const o, m, s = RoleOrganizer, RoleManager, RoleStaff
	var t []Route
	add := func(rs []Route) { t = append(t, rs...) }

	add(row("POST", "/auth/register", Identity, Public))
	add(row("POST", "/auth/login", Identity, Public))
	add(row("POST", "/auth/refresh", Identity, Public))
	add(row("POST", "/auth/logout", Identity, Public))
	add(row("GET,PUT", "/auth/me", Identity, SignedIn))
	add(row("GET", "/.well-known/jwks.json", Identity, Public))
	add(row("GET,POST", "/admin/users", Identity, Roles))
	add(row("GET,PUT,DELETE", "/admin/users/{id}", Identity, Roles))

	add(row("GET", "/admin/companies", Company, Roles))
	add(row("GET,POST", "/organizer/companies", Company, Roles, o))
	add(row("GET,PUT,DELETE", "/organizer/companies/{id}", Company, Roles, o))
	add(row("GET", "/organizer/companies/{id}/members", Company, Roles, o, m))

	add(row("GET,POST", "/organizer/events", Event, Roles, o))
	add(row("GET,PUT,DELETE", "/organizer/events/{event_id}", Event, Roles, o))
	add(row("POST", "/organizer/events/{event_id}/schedule", Event, Roles, o))
	add(row("GET", "/organizer/events/{event_id}/sessions", Event, Roles, o, m))
	add(row("GET,POST", "/organizer/events/{event_id}/teams", Event, Roles, o))
	add(row("PUT,DELETE", "/organizer/events/{event_id}/teams/{team_id}", Event, Roles, o))
	add(row("GET", "/manager/events", Event, Roles, m))
	add(row("GET", "/manager/events/{event_id}", Event, Roles, m))
	add(row("GET", "/manager/events/{event_id}/teams", Event, Roles, m))
	add(row("PUT", "/manager/teams/{team_id}", Event, Roles, m))

	add(row("GET,POST", "/organizer/events/{event_id}/tasks", Task, Roles, o))
	add(row("GET,PUT,DELETE", "/organizer/tasks/{id}", Task, Roles, o))
	add(row("GET", "/manager/events/{event_id}/tasks", Task, Roles, m))
	add(row("GET,PUT", "/manager/tasks/{id}", Task, Roles, m))
	add(row("POST", "/manager/suggestions/{id}/approve", Task, Roles, m))
	add(row("GET", "/staff/tasks", Task, Roles, s))
	add(row("GET,PUT", "/staff/tasks/{id}", Task, Roles, s))
	add(row("GET", "/tasks/{id}/history", Task, SignedIn))

	add(row("POST", "/organizer/events/{event_id}/ai/suggest", Suggestion, Roles, o))
	add(row("GET", "/organizer/events/{event_id}/suggestions", Suggestion, Roles, o))
	add(row("GET", "/organizer/suggestions/{id}", Suggestion, Roles, o))
	add(row("GET", "/manager/suggestions/{id}", Suggestion, Roles, m))

	add(row("GET", "/openapi.json", Gateway, Public))
	add(row("GET", "/docs", Gateway, Public))

	for i := range t {
		switch {
		case t[i].Pattern == "/organizer/events/{event_id}/schedule":
			t[i].BodyLimit = ImportBodyLimit
		case t[i].Pattern == "/auth/login" || t[i].Pattern == "/auth/register":
			t[i].AuthLimited = true
		}
	}
	return t
}

// Normalize strips one or more trailing slashes (the root stays "/"); the gateway matches and
// forwards paths in this form.
func Normalize(path string) string {
	for len(path) > 1 && strings.HasSuffix(path, "/") {
		path = path[:len(path)-1]
	}
	if path == "" {
		return "/"
	}
	return path
}

type pattern struct {
	text     string
	segments []string // "" marks a UUID parameter
	methods  map[string]Route
	allow    string
}

// Matcher finds the route of a request; build it once with NewMatcher.
type Matcher struct {
	bySegments map[int][]*pattern
}

// NewMatcher indexes table by pattern. Duplicate method+pattern rows are a programming error
// and the later row wins.
func NewMatcher(table []Route) *Matcher {
	byText := map[string]*pattern{}
	mt := &Matcher{bySegments: map[int][]*pattern{}}
	for _, r := range table {
		p, ok := byText[r.Pattern]
		if !ok {
			p = &pattern{text: r.Pattern, methods: map[string]Route{}}
			for seg := range strings.SplitSeq(strings.TrimPrefix(r.Pattern, "/"), "/") {
				if strings.HasPrefix(seg, "{") {
					seg = ""
				}
				p.segments = append(p.segments, seg)
			}
			byText[r.Pattern] = p
			mt.bySegments[len(p.segments)] = append(mt.bySegments[len(p.segments)], p)
		}
		p.methods[r.Method] = r
	}
	for _, p := range byText {
		var ms []string
		for m := range p.methods {
			ms = append(ms, m)
		}
		slices.SortFunc(ms, func(a, b string) int { return methodOrder(a) - methodOrder(b) })
		p.allow = strings.Join(ms, ", ")
	}
	return mt
}

func methodOrder(m string) int {
	order := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	if i := slices.Index(order, m); i >= 0 {
		return i
	}
	return len(order)
}

// Result is the outcome of Match.
type Result struct {
	// Found is false when no pattern matches the path (404).
	Found bool
	// Route is set when Found and the method is allowed (otherwise 405 with Allow).
	Route *Route
	// Pattern is the route template (for metrics and spans), set when Found.
	Pattern string
	// Allow lists the methods of the pattern, for 405 and OPTIONS answers.
	Allow string
	// BadID is set when Found is false but the path has the shape of a pattern with a
	// segment that is not a UUID where the pattern takes an id: a 404 like that of an object
	// that does not exist, not of an unknown route.
	BadID bool
}

// Match looks up method and a normalised path.
func (mt *Matcher) Match(method, path string) Result {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, p := range mt.bySegments[len(segs)] {
		if !p.matches(segs) {
			continue
		}
		res := Result{Found: true, Pattern: p.text, Allow: p.allow}
		if r, ok := p.methods[method]; ok {
			res.Route = &r
		}
		return res
	}
	for _, p := range mt.bySegments[len(segs)] {
		if p.matchesShape(segs) {
			return Result{BadID: true}
		}
	}
	return Result{}
}

func (p *pattern) matches(segs []string) bool {
	for i, want := range p.segments {
		if want == "" {
			// Ids are UUIDs: a malformed one names no object, answered 404 without a hop.
			if len(segs[i]) != 36 || uuid.Validate(segs[i]) != nil {
				return false
			}
			continue
		}
		if segs[i] != want {
			return false
		}
	}
	return true
}

// matchesShape is matches with any non-empty segment taken for an id.
func (p *pattern) matchesShape(segs []string) bool {
	for i, want := range p.segments {
		if want == "" {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if segs[i] != want {
			return false
		}
	}
	return true
}

package domain

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Rule codes of the assignment checks; a 422 names the one that failed.
const (
	RuleUnknownUser = "unknown_user"
	RuleInactive    = "inactive_user"
	RuleNotStaff    = "not_staff"
	RuleNotMember   = "not_member"
	RuleSkill       = "missing_skill"
	RuleUnavailable = "unavailable"
	RuleOverlap     = "double_booked"
	RuleHours       = "max_hours_exceeded"
)

// UserSkill is a skill a person has at a level (1-5).
type UserSkill struct {
	Name  string `json:"name"`
	Level int    `json:"level"`
}

// Window is a half-open period [StartsAt, EndsAt).
type Window struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// Person is what the assignment checks know of a would-be assignee (from the user read model).
type Person struct {
	ID             uuid.UUID
	Known          bool // the read model has the user
	Role           string
	IsActive       bool
	Deleted        bool
	Skills         []UserSkill
	Availability   []Window
	MaxHoursPerDay float64 // 0: no limit known
	Member         bool    // belongs to the task's company
}

// Booking is another task the person is assigned to (any event, not rejected).
type Booking struct {
	TaskID   uuid.UUID
	StartsAt time.Time
	EndsAt   time.Time
}

// CheckAssignment returns the first rule that assigning p to t would break, or nil. others are
// p's other assigned, non-rejected tasks; loc is the event's time zone, in which days are counted.
func CheckAssignment(t Task, p Person, others []Booking, loc *time.Location) *RuleError {
	switch {
	case !p.Known || p.Deleted:
		return ruleErr(RuleUnknownUser, "no user %s", p.ID)
	case !p.IsActive:
		return ruleErr(RuleInactive, "user %s is not active", p.ID)
	case p.Role != RoleStaff:
		return ruleErr(RuleNotStaff, "user %s is %s, not staff", p.ID, orNone(p.Role))
	case !p.Member:
		return ruleErr(RuleNotMember, "user %s is not a member of the task's company", p.ID)
	}
	if missing := MissingSkill(t.RequiredSkills, p.Skills); missing != nil {
		return ruleErr(RuleSkill, "the task needs %s at level %d; user %s has %s", missing.Name, missing.MinLevel, p.ID, levelOf(p.Skills, missing.Name))
	}
	if !Covered(p.Availability, t.StartsAt, t.EndsAt) {
		return ruleErr(RuleUnavailable, "user %s is not available for the whole of %s – %s", p.ID, fmtTime(t.StartsAt), fmtTime(t.EndsAt))
	}
	for _, b := range others {
		if b.TaskID != t.ID && Overlaps(t.StartsAt, t.EndsAt, b.StartsAt, b.EndsAt) {
			return ruleErr(RuleOverlap, "user %s already has task %s from %s to %s", p.ID, b.TaskID, fmtTime(b.StartsAt), fmtTime(b.EndsAt))
		}
	}
	if p.MaxHoursPerDay > 0 {
		if day, hours, ok := OverDailyLimit(t, others, p.MaxHoursPerDay, loc); ok {
			return ruleErr(RuleHours, "user %s would work %.2f h on %s (limit %.2f h per day)", p.ID, hours, day, p.MaxHoursPerDay)
		}
	}
	return nil
}

// MissingSkill returns the first required skill that have lacks (by name without case, or at
// too low a level), or nil.
func MissingSkill(required []Skill, have []UserSkill) *Skill {
	levels := make(map[string]int, len(have))
	for _, s := range have {
		k := strings.ToLower(strings.TrimSpace(s.Name))
		levels[k] = max(levels[k], s.Level)
	}
	for _, r := range required {
		if levels[strings.ToLower(strings.TrimSpace(r.Name))] < r.MinLevel {
			return &r
		}
	}
	return nil
}

func levelOf(have []UserSkill, name string) string {
	best := 0
	for _, s := range have {
		if strings.EqualFold(strings.TrimSpace(s.Name), strings.TrimSpace(name)) {
			best = max(best, s.Level)
		}
	}
	if best == 0 {
		return "no such skill"
	}
	return fmt.Sprintf("level %d", best)
}

// Covered reports whether the windows together cover [start, end). No windows means always
// available. Windows that touch or overlap are merged first, so back-to-back windows cover
// a task that spans their boundary.
func Covered(windows []Window, start, end time.Time) bool {
	if len(windows) == 0 {
		return true
	}
	ws := make([]Window, 0, len(windows))
	for _, w := range windows {
		if w.StartsAt.Before(w.EndsAt) {
			ws = append(ws, w)
		}
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].StartsAt.Before(ws[j].StartsAt) })
	for i := 0; i < len(ws); {
		cur := ws[i]
		j := i + 1
		for j < len(ws) && !ws[j].StartsAt.After(cur.EndsAt) {
			if ws[j].EndsAt.After(cur.EndsAt) {
				cur.EndsAt = ws[j].EndsAt
			}
			j++
		}
		if !cur.StartsAt.After(start) && !cur.EndsAt.Before(end) {
			return true
		}
		i = j
	}
	return false
}

// Overlaps reports whether half-open [a1, a2) and [b1, b2) share time (back to back does not).
func Overlaps(a1, a2, b1, b2 time.Time) bool {
	return a1.Before(b2) && b1.Before(a2)
}

// OverDailyLimit sums, for every calendar day in loc that t touches, the hours of t and of the
// other bookings on that day, and reports the first day whose total exceeds limit.
func OverDailyLimit(t Task, others []Booking, limit float64, loc *time.Location) (day string, hours float64, over bool) {
	if loc == nil {
		loc = time.UTC
	}
	s := t.StartsAt.In(loc)
	dayStart := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc)
	for dayStart.Before(t.EndsAt) {
		dayEnd := dayStart.AddDate(0, 0, 1)
		total := clip(t.StartsAt, t.EndsAt, dayStart, dayEnd)
		for _, b := range others {
			if b.TaskID != t.ID {
				total += clip(b.StartsAt, b.EndsAt, dayStart, dayEnd)
			}
		}
		h := total.Hours()
		// A small tolerance keeps exact limits (8 h in 8 h) from failing on rounding.
		if h > limit+1e-9 && math.Abs(h-limit) > 1e-6 {
			return dayStart.Format("2006-01-02"), h, true
		}
		dayStart = dayEnd
	}
	return "", 0, false
}

func clip(a1, a2, b1, b2 time.Time) time.Duration {
	start, end := a1, a2
	if b1.After(start) {
		start = b1
	}
	if b2.Before(end) {
		end = b2
	}
	if !start.Before(end) {
		return 0
	}
	return end.Sub(start)
}

func orNone(s string) string {
	if s == "" {
		return "without a role"
	}
	return s
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// LoadTimezone returns the location of an IANA name, UTC when it is empty or unknown (the event
// service validates time zones; a read model must not fail on one it cannot load).
func LoadTimezone(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

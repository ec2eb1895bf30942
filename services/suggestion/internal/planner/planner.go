// Package planner drafts the tasks an event needs: event-level work
// (registration, infodesk, security, catering, setup, teardown...) scaled by
// type and size, and, when a schedule was imported, per-session heralds and
// video operators plus per-room setup, teardown and AV shifts.
//
// Plan is deterministic and does no I/O: the same input always gives the same
// drafts with the same slot groups, so a re-plan maps onto the previous one.
//
// Skills the drafts require (lower-case; rosters need holders of each):
// registration, infodesk, catering (level 1); security, first-aid, av,
// heralding, video (level 2; heralding 1 for stage hosts without a
// schedule). Set-up, teardown, runners, cloakroom and clean-up need no
// skill. For 38C3 with a team of 160 the person-hours split roughly into
// no skill 27%, security 15%, av 12%, heralding 12%, video 12%, infodesk 7%,
// registration 6%, first-aid 6%, catering 4%.
package planner

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	// Event timezones are IANA names; embedding the database keeps Plan
	// correct in container images without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Event is what the planner needs to know about an event.
type Event struct {
	ID string `json:"id"`
	// Type is conference, festival, meetup, wedding, corporate, sports,
	// concert or other (unknown types plan as other).
	Type              string    `json:"event_type"`
	ExpectedAttendees int       `json:"expected_attendees"`
	StartsAt          time.Time `json:"starts_at"`
	EndsAt            time.Time `json:"ends_at"`
	// Timezone is the IANA zone that opening hours and meal times refer to.
	Timezone string `json:"timezone"`
}

// Session is an imported schedule item.
type Session struct {
	ExternalID string    `json:"external_id"`
	Room       string    `json:"room"`
	Track      string    `json:"track,omitempty"`
	Title      string    `json:"title"`
	Start      time.Time `json:"starts_at"`
	End        time.Time `json:"ends_at"`
}

// Input is everything Plan reads.
type Input struct {
	Event    Event
	Sessions []Session
	// TeamSize, when positive, is the number of staff expected to work the
	// event. Event-level headcounts are then scaled down so that no local day
	// asks for more than TeamBudget of the team's hours; session tasks are
	// never scaled (a talk needs its herald whatever the team size).
	TeamSize int
}

// Skill is a required skill at a minimum level (1-5). Names are lower-case.
type Skill struct {
	Name     string `json:"name"`
	MinLevel int    `json:"min_level"`
}

// TaskDraft is a planned piece of work for Headcount people.
type TaskDraft struct {
	Title          string    `json:"title"`
	Description    string    `json:"description"`
	Area           string    `json:"area"`
	RequiredSkills []Skill   `json:"required_skills"`
	Start          time.Time `json:"starts_at"`
	End            time.Time `json:"ends_at"`
	// Priority is 1 (nice to have) to 5 (the event cannot run without it).
	Priority  int `json:"priority"`
	Headcount int `json:"headcount"`
	// SlotGroup is a stable id: the same input gives the same groups.
	SlotGroup         string `json:"slot_group"`
	SessionExternalID string `json:"session_external_id,omitempty"`
	Room              string `json:"room,omitempty"`
	// Seat numbers the people of a slot group (1..Headcount) after Expand.
	Seat int `json:"seat,omitempty"`
}

// Limits on input and output.
const (
	// MaxSessions matches the schedule importer's bound.
	MaxSessions = 20000
	// MaxEventDays bounds the event-level plan; longer events are refused
	// rather than silently planned in part.
	MaxEventDays = 62
	// MaxHeadcount is the largest headcount of one draft.
	MaxHeadcount = 50
	// ShiftLength is the longest shift of desk-like work: FOSDEM plans its
	// infodesk, cloakroom and camera shifts in 2 h blocks; 4 h is the most we
	// ask of one person without a break.
	ShiftLength = 4 * time.Hour
	// TeamBudget is the share of a team's hours (8 h a person a day) that
	// TeamSize scaling plans for; the rest is slack for skills and
	// availability that do not line up.
	TeamBudget = 0.75
	// teamHoursPerPerson is the working day TeamSize scaling assumes.
	teamHoursPerPerson = 8
)

// ErrInvalidInput marks input that cannot be planned (422 upstream).
var ErrInvalidInput = errors.New("invalid planner input")

// Problem is one finding at a path (e.g. `event.timezone` or `drafts[3].priority`).
type Problem struct {
	Path    string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists what is wrong with an input or a list of drafts.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var parts []string
	for i, p := range e.Problems {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Problems)-5))
			break
		}
		parts = append(parts, p.Path+": "+p.Message)
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalidInput) true.
func (e *ValidationError) Unwrap() error { return ErrInvalidInput }

// Plan drafts the tasks for an event.
func Plan(in Input) ([]TaskDraft, error) {
	loc, err := checkInput(in)
	if err != nil {
		return nil, err
	}
	prof := profileFor(in.Event.Type)
	days := openingDays(in.Event, in.Sessions, prof, loc)
	var drafts []TaskDraft
	drafts = append(drafts, eventDrafts(in.Event, prof, days, len(in.Sessions) > 0, loc)...)
	drafts = append(drafts, sessionDrafts(in.Sessions, loc)...)
	if in.TeamSize > 0 {
		fitTeam(drafts, in.TeamSize, loc)
	}
	sortDrafts(drafts)
	return drafts, nil
}

// SessionDrafts returns only the schedule-derived drafts of Plan (heralds,
// camera operators, room set-up, teardown and AV shifts). An external
// planner that drafts the event-level work uses it for the mechanical,
// per-session part.
func SessionDrafts(in Input) ([]TaskDraft, error) {
	loc, err := checkInput(in)
	if err != nil {
		return nil, err
	}
	drafts := sessionDrafts(in.Sessions, loc)
	sortDrafts(drafts)
	return drafts, nil
}

func sortDrafts(drafts []TaskDraft) {
	sort.SliceStable(drafts, func(i, j int) bool {
		a, b := drafts[i], drafts[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.SlotGroup < b.SlotGroup
	})
}

func checkInput(in Input) (*time.Location, error) {
	var probs []Problem
	ev := in.Event
	loc, err := time.LoadLocation(ev.Timezone)
	if ev.Timezone == "" || err != nil {
		probs = append(probs, Problem{"event.timezone", fmt.Sprintf("unknown IANA timezone %q", ev.Timezone)})
		loc = time.UTC
	}
	switch {
	case ev.StartsAt.IsZero() || ev.EndsAt.IsZero():
		probs = append(probs, Problem{"event.starts_at", "start and end are required"})
	case !ev.EndsAt.After(ev.StartsAt):
		probs = append(probs, Problem{"event.ends_at", "must be after starts_at"})
	case ev.EndsAt.Sub(ev.StartsAt) > MaxEventDays*24*time.Hour:
		probs = append(probs, Problem{"event.ends_at", fmt.Sprintf("events longer than %d days are not planned", MaxEventDays)})
	}
	if ev.ExpectedAttendees < 0 || ev.ExpectedAttendees > 10_000_000 {
		probs = append(probs, Problem{"event.expected_attendees", "must be between 0 and 10,000,000"})
	}
	if in.TeamSize < 0 {
		probs = append(probs, Problem{"team_size", "must not be negative"})
	}
	if len(in.Sessions) > MaxSessions {
		probs = append(probs, Problem{"sessions", fmt.Sprintf("more than %d sessions", MaxSessions)})
	} else {
		seen := map[string]bool{}
		for i, s := range in.Sessions {
			switch {
			case s.Start.IsZero() || !s.End.After(s.Start):
				probs = append(probs, Problem{fmt.Sprintf("sessions[%d].ends_at", i), "must be after starts_at"})
			case s.End.Sub(s.Start) > 7*24*time.Hour:
				probs = append(probs, Problem{fmt.Sprintf("sessions[%d].ends_at", i), "session longer than 7 days"})
			}
			if s.ExternalID == "" || seen[s.ExternalID] {
				probs = append(probs, Problem{fmt.Sprintf("sessions[%d].external_id", i), "missing or duplicate"})
			}
			seen[s.ExternalID] = true
			if len(probs) > 50 {
				break
			}
		}
	}
	if len(probs) > 0 {
		return nil, &ValidationError{Problems: probs}
	}
	return loc, nil
}

// fitTeam scales event-level headcounts per local day so that the day's
// person-hours stay within TeamBudget of what the team can work. Session
// tasks are never scaled. Work below priority 5 gives way first; security
// and first aid shrink only when the rest at one person a slot still does
// not fit. No headcount drops below one.
func fitTeam(drafts []TaskDraft, team int, loc *time.Location) {
	budget := float64(team) * teamHoursPerPerson * TeamBudget
	tier := func(d TaskDraft) int {
		switch {
		case d.SessionExternalID != "" || d.Headcount <= 1:
			return 0 // fixed
		case d.Priority < 5:
			return 1
		default:
			return 2
		}
	}
	hours := func(d TaskDraft) float64 { return d.End.Sub(d.Start).Hours() * float64(d.Headcount) }
	sums := func() map[string]*[3]float64 {
		m := map[string]*[3]float64{}
		for _, d := range drafts {
			k := dayKey(d.Start, loc)
			if m[k] == nil {
				m[k] = &[3]float64{}
			}
			m[k][tier(d)] += hours(d)
		}
		return m
	}
	for _, t := range []int{1, 2} {
		s := sums()
		for i, d := range drafts {
			if tier(d) != t {
				continue
			}
			h := s[dayKey(d.Start, loc)]
			if h[0]+h[1]+h[2] <= budget {
				continue
			}
			f := max(0, (budget-(h[0]+h[1]+h[2]-h[t]))/h[t])
			drafts[i].Headcount = max(1, min(d.Headcount, int(float64(d.Headcount)*f+0.5)))
		}
	}
}

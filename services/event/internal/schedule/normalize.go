package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// parser holds what the format readers share: the zone used for local times,
// the problems found so far, room order and the ids already seen.
type parser struct {
	defaultLoc *time.Location
	defaultTZ  string
	problems   []Problem
	truncated  bool
	rooms      []string
	roomSeen   map[string]bool
	ids        map[string]string // external id -> path of its first use
	count      int
}

func newParser(opts Options) *parser {
	p := &parser{defaultLoc: time.UTC, roomSeen: map[string]bool{}, ids: map[string]string{}}
	if opts.DefaultTimezone != "" {
		loc, err := time.LoadLocation(opts.DefaultTimezone)
		if err != nil {
			p.defaultLoc = nil
			return p
		}
		p.defaultLoc, p.defaultTZ = loc, opts.DefaultTimezone
	}
	return p
}

func (p *parser) addf(path, format string, args ...any) {
	if len(p.problems) >= maxProblems {
		p.truncated = true
		return
	}
	p.problems = append(p.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// zone resolves the document's timezone name; an unknown name is a problem
// because every local time in the document would be misread.
func (p *parser) zone(path, name string) (*time.Location, string) {
	name = strings.TrimSpace(name)
	if name == "" {
		return p.defaultLoc, p.defaultTZ
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		p.addf(path, "unknown IANA timezone %q", name)
		return p.defaultLoc, p.defaultTZ
	}
	return loc, name
}

func (p *parser) room(name string) {
	if !p.roomSeen[name] {
		p.roomSeen[name] = true
		p.rooms = append(p.rooms, name)
	}
}

// tooMany is returned as soon as a document exceeds MaxSessions, so that the
// rest of a hostile document is not even decoded.
func tooMany() error {
	return &ValidationError{Problems: []Problem{{Path: "sessions", Message: fmt.Sprintf("more than %d sessions", MaxSessions)}}}
}

// add checks the fields every format shares and appends the session.
func (p *parser) add(s *Schedule, path string, ses Session) error {
	p.count++
	if p.count > MaxSessions {
		return tooMany()
	}
	ok := true
	if ses.ExternalID == "" {
		p.addf(path+".guid", "session has neither guid nor id")
		ok = false
	} else if first, dup := p.ids[ses.ExternalID]; dup {
		p.addf(path+".guid", "duplicate id %q (first used at %s)", ses.ExternalID, first)
		ok = false
	} else {
		p.ids[ses.ExternalID] = path
	}
	if ses.Title == "" {
		p.addf(path+".title", "required")
		ok = false
	}
	if ses.Room == "" {
		p.addf(path+".room", "required")
		ok = false
	}
	if !ok || ses.Start.IsZero() || ses.End.IsZero() {
		return nil
	}
	if ses.Speakers == nil {
		ses.Speakers = []string{}
	}
	p.room(ses.Room)
	s.Sessions = append(s.Sessions, ses)
	return nil
}

func (p *parser) finish(s *Schedule) error {
	p.checkText(s)
	if len(p.problems) > 0 {
		return &ValidationError{Problems: p.problems, Truncated: p.truncated}
	}
	if s.Rooms == nil {
		s.Rooms = p.rooms
	} else {
		// Rooms declared up front keep their order; rooms used by sessions
		// but not declared are appended in order of first use.
		seen := map[string]bool{}
		for _, r := range s.Rooms {
			seen[r] = true
		}
		for _, r := range p.rooms {
			if !seen[r] {
				s.Rooms = append(s.Rooms, r)
			}
		}
	}
	if s.Rooms == nil {
		s.Rooms = []string{}
	}
	if s.Days == nil {
		s.Days = []Day{}
	}
	if s.Sessions == nil {
		s.Sessions = []Session{}
	}
	return nil
}

// checkText reports every string that Postgres text cannot hold (NUL, or
// bytes that are not UTF-8): JSON can carry \u0000 and iCalendar any byte,
// and such a value would otherwise fail in the store as a 500.
func (p *parser) checkText(s *Schedule) {
	check := func(path, v string) {
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			p.addf(path, "must be UTF-8 text without NUL characters")
		}
	}
	check("title", s.Title)
	check("timezone", s.Timezone)
	for i, r := range s.Rooms {
		check(fmt.Sprintf("rooms[%d]", i), r)
	}
	for i, ses := range s.Sessions {
		at := fmt.Sprintf("sessions[%d]", i)
		check(at+".guid", ses.ExternalID)
		check(at+".room", ses.Room)
		check(at+".track", ses.Track)
		check(at+".title", ses.Title)
		check(at+".subtitle", ses.Subtitle)
		check(at+".type", ses.Type)
		check(at+".language", ses.Language)
		for j, sp := range ses.Speakers {
			check(fmt.Sprintf("%s.speakers[%d]", at, j), sp)
		}
	}
}

// timing turns the time fields of a frab/C3VOC event into a UTC window.
// date (RFC 3339, or local without offset) wins over day date + start clock;
// end wins over duration. A zero duration becomes one timeslot so that end
// stays after start (some schedules use zero-length markers).
type timing struct {
	date, clock, duration, end string
	dayDate                    string
	dayStart                   time.Time
	loc                        *time.Location
	slot                       time.Duration
}

func (p *parser) window(path string, t timing) (time.Time, time.Time) {
	var start time.Time
	switch {
	case strings.TrimSpace(t.date) != "":
		st, ok := parseDateTime(t.date, t.loc)
		if !ok {
			p.addf(path+".date", "invalid time %q", t.date)
			return time.Time{}, time.Time{}
		}
		start = st
	case strings.TrimSpace(t.clock) != "" && t.dayDate != "":
		d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(t.dayDate), t.loc)
		mins, ok := parseClock(t.clock)
		if err != nil || !ok {
			p.addf(path+".start", "invalid start %q on day %q", t.clock, t.dayDate)
			return time.Time{}, time.Time{}
		}
		start = time.Date(d.Year(), d.Month(), d.Day(), mins/60, mins%60, 0, 0, t.loc)
		// A clock before the day's start belongs to the night after it.
		boundary := time.Date(d.Year(), d.Month(), d.Day(), 6, 0, 0, 0, t.loc)
		if !t.dayStart.IsZero() {
			boundary = t.dayStart
		}
		if start.Before(boundary) {
			start = start.AddDate(0, 0, 1)
		}
	default:
		p.addf(path+".date", "required")
		return time.Time{}, time.Time{}
	}
	var end time.Time
	switch {
	case strings.TrimSpace(t.end) != "":
		e, ok := parseDateTime(t.end, t.loc)
		if !ok {
			p.addf(path+".end", "invalid time %q", t.end)
			return time.Time{}, time.Time{}
		}
		end = e
	case strings.TrimSpace(t.duration) != "":
		d, ok := parseDuration(t.duration)
		if !ok {
			p.addf(path+".duration", "invalid duration %q (want HH:MM or H:MM:SS)", t.duration)
			return time.Time{}, time.Time{}
		}
		if d == 0 {
			d = t.slot
		}
		end = start.Add(d)
	default:
		p.addf(path+".duration", "required")
		return time.Time{}, time.Time{}
	}
	if !end.After(start) {
		p.addf(path+".end", "must be after the start")
		return time.Time{}, time.Time{}
	}
	if end.Sub(start) > maxSessionLength {
		p.addf(path+".duration", "longer than %d days", int(maxSessionLength.Hours()/24))
		return time.Time{}, time.Time{}
	}
	return start.UTC(), end.UTC()
}

// maxSessionLength rejects durations that are surely typos (38C3's longest
// session is 12 h).
const maxSessionLength = 7 * 24 * time.Hour

// defaultSlot is the length given to zero-duration sessions when the
// document declares no timeslot_duration.
const defaultSlot = 15 * time.Minute

var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
}

var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
}

// parseDateTime reads an instant with an offset, or a local time in loc.
func parseDateTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseClock reads "HH:MM" or "H:MM[:SS]" as minutes after midnight.
func parseClock(s string) (int, bool) {
	d, ok := parseDuration(s)
	if !ok || d >= 24*time.Hour {
		return 0, false
	}
	return int(d / time.Minute), true
}

// parseDuration reads "HH:MM", "H:MM:SS", "0:45" or a bare number of
// minutes ("45"), the forms seen in real frab and C3VOC files.
func parseDuration(s string) (time.Duration, bool) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) > 3 {
		return 0, false
	}
	nums := make([]int, len(parts))
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || len(part) > 5 || (i > 0 && (n > 59 || len(part) != 2)) {
			return 0, false
		}
		nums[i] = n
	}
	switch len(nums) {
	case 1:
		return time.Duration(nums[0]) * time.Minute, true
	case 2:
		return time.Duration(nums[0])*time.Hour + time.Duration(nums[1])*time.Minute, true
	default:
		return time.Duration(nums[0])*time.Hour + time.Duration(nums[1])*time.Minute + time.Duration(nums[2])*time.Second, true
	}
}

func quote(s string) string { return strconv.Quote(s) }

func trimAll(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

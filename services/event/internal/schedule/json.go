package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

type jsonDoc struct {
	Schedule   *jsonSchedule   `json:"schedule"`
	Conference *jsonConference `json:"conference"`
}

type jsonSchedule struct {
	Conference *jsonConference `json:"conference"`
	// Events is the flat list of the schedule2 draft format.
	Events []jsonEvent `json:"events"`
}

type jsonConference struct {
	Title            string        `json:"title"`
	Acronym          string        `json:"acronym"`
	TimeZoneName     string        `json:"time_zone_name"`
	TimeslotDuration string        `json:"timeslot_duration"`
	Rooms            []jsonRoomRef `json:"rooms"`
	Days             []jsonDay     `json:"days"`
}

type jsonRoomRef struct {
	Name string `json:"name"`
}

type jsonDay struct {
	Index    *int         `json:"index"`
	Date     string       `json:"date"`
	DayStart string       `json:"day_start"`
	DayEnd   string       `json:"day_end"`
	Rooms    orderedRooms `json:"rooms"`
}

type jsonRoom struct {
	Name   string
	Events []jsonEvent
}

// orderedRooms keeps the order of a day's rooms object: a Go map would lose
// it, and the room order is what clients show.
type orderedRooms []jsonRoom

// UnmarshalJSON reads {"room": [events], ...} in document order.
func (o *orderedRooms) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("rooms: expected an object of room name to events")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var evs []jsonEvent
		if err := dec.Decode(&evs); err != nil {
			return fmt.Errorf("rooms[%s]: %w", quote(name), err)
		}
		*o = append(*o, jsonRoom{Name: name, Events: evs})
	}
	return nil
}

// flexString accepts a string, a number or null (ids appear as both).
type flexString string

// UnmarshalJSON accepts strings, numbers, booleans and null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		return errors.New("expected a string or number")
	default:
		*f = flexString(b)
	}
	return nil
}

type jsonEvent struct {
	GUID     flexString   `json:"guid"`
	ID       flexString   `json:"id"`
	Date     flexString   `json:"date"`
	Start    flexString   `json:"start"`
	Duration flexString   `json:"duration"`
	End      flexString   `json:"end"`
	Room     flexString   `json:"room"`
	Title    flexString   `json:"title"`
	Subtitle flexString   `json:"subtitle"`
	Track    flexString   `json:"track"`
	Type     flexString   `json:"type"`
	Language flexString   `json:"language"`
	Persons  []jsonPerson `json:"persons"`
}

// jsonPerson is a speaker: a plain string or an object with public_name
// (frab), name (pretalx) or full_name.
type jsonPerson string

// UnmarshalJSON accepts a string or a person object.
func (p *jsonPerson) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = jsonPerson(s)
		return nil
	}
	var o struct {
		PublicName flexString `json:"public_name"`
		Name       flexString `json:"name"`
		FullName   flexString `json:"full_name"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	for _, n := range []flexString{o.PublicName, o.Name, o.FullName} {
		if strings.TrimSpace(string(n)) != "" {
			*p = jsonPerson(n)
			return nil
		}
	}
	*p = ""
	return nil
}

func (p *parser) parseJSON(body []byte) (*Schedule, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	var doc jsonDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &SyntaxError{Format: FormatJSON, Offset: se.Offset, Line: lineAt(body, se.Offset), Msg: se.Error()}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			path := te.Field
			if path == "" {
				path = "schedule"
			}
			return nil, &ValidationError{Problems: []Problem{{Path: path, Message: fmt.Sprintf("expected %s, got %s", te.Type, te.Value)}}}
		}
		return nil, &ValidationError{Problems: []Problem{{Path: "schedule", Message: err.Error()}}}
	}
	conf := doc.Conference
	var flat []jsonEvent
	if doc.Schedule != nil {
		if doc.Schedule.Conference != nil {
			conf = doc.Schedule.Conference
		}
		flat = doc.Schedule.Events
	}
	if conf == nil {
		return nil, &ValidationError{Problems: []Problem{{Path: "schedule.conference", Message: "required"}}}
	}
	s := &Schedule{Title: strings.TrimSpace(conf.Title)}
	if s.Title == "" {
		s.Title = strings.TrimSpace(conf.Acronym)
	}
	loc, tz := p.zone("schedule.conference.time_zone_name", conf.TimeZoneName)
	s.Timezone = tz
	slot := defaultSlot
	if ds, ok := parseDuration(conf.TimeslotDuration); ok && ds > 0 {
		slot = ds
	}
	for _, r := range conf.Rooms {
		if n := strings.TrimSpace(r.Name); n != "" && !containsString(s.Rooms, n) {
			s.Rooms = append(s.Rooms, n)
		}
	}
	event := func(path, room, dayDate string, dayStart time.Time, dayIndex int, ev jsonEvent) error {
		start, end := p.window(path, timing{
			date: string(ev.Date), clock: string(ev.Start), duration: string(ev.Duration), end: string(ev.End),
			dayDate: dayDate, dayStart: dayStart, loc: loc, slot: slot,
		})
		id := strings.TrimSpace(string(ev.GUID))
		if id == "" {
			id = strings.TrimSpace(string(ev.ID))
		}
		if room == "" {
			room = strings.TrimSpace(string(ev.Room))
		}
		speakers := make([]string, 0, len(ev.Persons))
		for _, sp := range ev.Persons {
			if n := strings.TrimSpace(string(sp)); n != "" {
				speakers = append(speakers, n)
			}
		}
		return p.add(s, path, Session{
			ExternalID: id,
			Room:       room,
			Track:      strings.TrimSpace(string(ev.Track)),
			Title:      strings.TrimSpace(string(ev.Title)),
			Subtitle:   strings.TrimSpace(string(ev.Subtitle)),
			Type:       strings.TrimSpace(string(ev.Type)),
			Language:   strings.TrimSpace(string(ev.Language)),
			Speakers:   speakers,
			Start:      start,
			End:        end,
			Day:        dayIndex,
		})
	}
	total := len(flat)
	for _, d := range conf.Days {
		for _, r := range d.Rooms {
			total += len(r.Events)
		}
	}
	if total > MaxSessions {
		return nil, tooMany()
	}
	for i, d := range conf.Days {
		path := fmt.Sprintf("schedule.conference.days[%d]", i)
		dd := Day{Index: i + 1, Date: strings.TrimSpace(d.Date)}
		if d.Index != nil {
			dd.Index = *d.Index
		}
		if dd.Date != "" {
			if _, err := time.Parse("2006-01-02", dd.Date); err != nil {
				p.addf(path+".date", "invalid date %q", d.Date)
			}
		}
		var dayStart time.Time
		if strings.TrimSpace(d.DayStart) != "" {
			if st, ok := parseDateTime(d.DayStart, loc); ok {
				dayStart, dd.Start = st, st.UTC()
			} else {
				p.addf(path+".day_start", "invalid time %q", d.DayStart)
			}
		}
		if strings.TrimSpace(d.DayEnd) != "" {
			if en, ok := parseDateTime(d.DayEnd, loc); ok {
				dd.End = en.UTC()
			} else {
				p.addf(path+".day_end", "invalid time %q", d.DayEnd)
			}
		}
		s.Days = append(s.Days, dd)
		for _, r := range d.Rooms {
			room := strings.TrimSpace(r.Name)
			for j, ev := range r.Events {
				if err := event(fmt.Sprintf("%s.rooms[%s][%d]", path, quote(r.Name), j), room, dd.Date, dayStart, dd.Index, ev); err != nil {
					return nil, err
				}
			}
		}
	}
	for i, ev := range flat {
		if err := event(fmt.Sprintf("schedule.events[%d]", i), "", "", time.Time{}, 0, ev); err != nil {
			return nil, err
		}
	}
	assignDays(s, loc)
	return s, nil
}

// assignDays gives sessions without a day (schedule2 flat events,
// iCalendar) the index of their local calendar date, creating days in date
// order after the ones the document declared.
func assignDays(s *Schedule, loc *time.Location) {
	byDate := map[string]int{}
	for _, d := range s.Days {
		byDate[d.Date] = d.Index
	}
	var dates []string
	for _, ses := range s.Sessions {
		if ses.Day != 0 {
			continue
		}
		date := ses.Start.In(loc).Format("2006-01-02")
		if _, ok := byDate[date]; !ok {
			byDate[date] = -1
			dates = append(dates, date)
		}
	}
	sort.Strings(dates)
	for _, date := range dates {
		idx := len(s.Days) + 1
		byDate[date] = idx
		s.Days = append(s.Days, Day{Index: idx, Date: date})
	}
	for i := range s.Sessions {
		if s.Sessions[i].Day == 0 {
			s.Sessions[i].Day = byDate[s.Sessions[i].Start.In(loc).Format("2006-01-02")]
		}
	}
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func lineAt(body []byte, offset int64) int {
	if offset < 0 || offset > int64(len(body)) {
		return 0
	}
	return bytes.Count(body[:offset], []byte("\n")) + 1
}

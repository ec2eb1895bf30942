package schedule

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatalf("read fixture: %v", err)
	}
	return b
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// brief is what the fixture tests compare: the fields a client relies on.
type brief struct {
	ID, Room, Track, Type, Lang string
	Speakers                    []string
	Start, End                  time.Time
	Day                         int
}

func briefs(s *Schedule) []brief {
	var out []brief
	for _, x := range s.Sessions {
		out = append(out, brief{x.ExternalID, x.Room, x.Track, x.Type, x.Language, x.Speakers, x.Start, x.End, x.Day})
	}
	return out
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		name, file, contentType string
		title, tz               string
		rooms                   []string
		days                    []Day
		sessions                []brief
	}{
		{
			name: "frab xml", file: "mini.xml", contentType: "application/xml; charset=utf-8",
			title: "Mini Con Ümlaut", tz: "Europe/Berlin",
			rooms: []string{"Hall Β", "Room A"},
			days: []Day{
				{Index: 1, Date: "2024-12-27", Start: utc("2024-12-27T05:00:00Z"), End: utc("2024-12-28T05:00:00Z")},
				{Index: 2, Date: "2024-12-28", Start: utc("2024-12-28T05:00:00Z"), End: utc("2024-12-29T05:00:00Z")},
			},
			sessions: []brief{
				{"aaaaaaaa-0000-4000-8000-000000000001", "Hall Β", "Community", "Talk", "en", []string{"Ada Example", "Ωmega Person"}, utc("2024-12-27T09:30:00Z"), utc("2024-12-27T10:00:00Z"), 1},
				// 23:30 local + 1:30:00 crosses midnight.
				{"aaaaaaaa-0000-4000-8000-000000000002", "Hall Β", "", "Concert", "de", []string{}, utc("2024-12-27T22:30:00Z"), utc("2024-12-28T00:00:00Z"), 1},
				// No <date>: 01:15 is before the day's 06:00 start, so it is the next calendar day; id used as there is no guid.
				{"303", "Room A", "", "Workshop", "", []string{}, utc("2024-12-28T00:15:00Z"), utc("2024-12-28T01:00:00Z"), 1},
				// Zero duration gets one timeslot (00:10).
				{"aaaaaaaa-0000-4000-8000-000000000004", "Room A", "", "", "", []string{}, utc("2024-12-28T10:00:00Z"), utc("2024-12-28T10:10:00Z"), 2},
			},
		},
		{
			name: "c3voc json", file: "mini.json", contentType: "application/json",
			title: "Mini Camp", tz: "Europe/Berlin",
			rooms: []string{"Zelt B", "Aula"},
			days: []Day{
				{Index: 1, Date: "2019-08-21", Start: utc("2019-08-21T07:00:00Z"), End: utc("2019-08-22T02:00:00Z")},
				{Index: 2, Date: "2019-08-22", Start: utc("2019-08-22T07:00:00Z"), End: utc("2019-08-23T02:00:00Z")},
			},
			sessions: []brief{
				{"bbbbbbbb-0000-4000-8000-000000000001", "Zelt B", "Hardware", "workshop", "", []string{"Frab Person", "Pretalx Person", "Plain Name"}, utc("2019-08-21T10:00:00Z"), utc("2019-08-21T10:45:00Z"), 1},
				{"502", "Zelt B", "", "lecture", "en", []string{}, utc("2019-08-21T21:45:00Z"), utc("2019-08-21T23:15:00Z"), 1},
				{"bbbbbbbb-0000-4000-8000-000000000003", "Aula", "", "lecture", "", []string{}, utc("2019-08-21T12:00:00Z"), utc("2019-08-21T13:10:00Z"), 1},
				{"bbbbbbbb-0000-4000-8000-000000000004", "Aula", "", "lecture", "", []string{}, utc("2019-08-23T00:00:00Z"), utc("2019-08-23T00:45:00Z"), 2},
			},
		},
		{
			name: "icalendar", file: "mini.ics", contentType: "text/calendar",
			title: "Mini Meetup", tz: "Europe/Berlin",
			rooms: []string{"Main room", "Side room"},
			days:  []Day{{Index: 1, Date: "2024-06-10"}, {Index: 2, Date: "2024-06-11"}},
			sessions: []brief{
				{"ev-1@mini", "Main room", "Community", "", "", []string{}, utc("2024-06-10T16:00:00Z"), utc("2024-06-10T17:00:00Z"), 1},
				{"ev-2@mini", "Side room", "", "", "", []string{}, utc("2024-06-10T21:30:00Z"), utc("2024-06-10T22:45:00Z"), 1},
				{"ev-3@mini", "Main room", "", "", "", []string{}, utc("2024-06-11T07:00:00Z"), utc("2024-06-11T07:45:00Z"), 2},
			},
		},
		{
			name: "sniffed xml", file: "mini.xml", contentType: "",
			title: "Mini Con Ümlaut", tz: "Europe/Berlin",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.contentType, fixture(t, tc.file))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if s.Title != tc.title || s.Timezone != tc.tz {
				t.Errorf("title %q tz %q, want %q %q", s.Title, s.Timezone, tc.title, tc.tz)
			}
			if tc.sessions == nil {
				return
			}
			if !reflect.DeepEqual(s.Rooms, tc.rooms) {
				t.Errorf("rooms %q, want %q", s.Rooms, tc.rooms)
			}
			if !reflect.DeepEqual(s.Days, tc.days) {
				t.Errorf("days %+v, want %+v", s.Days, tc.days)
			}
			got := briefs(s)
			if len(got) != len(tc.sessions) {
				t.Fatalf("%d sessions, want %d: %+v", len(got), len(tc.sessions), got)
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], tc.sessions[i]) {
					t.Errorf("session %d:\n got %+v\nwant %+v", i, got[i], tc.sessions[i])
				}
			}
		})
	}
}

func TestICalTitleUnfoldedAndUnescaped(t *testing.T) {
	s, err := Parse("text/calendar", fixture(t, "mini.ics"))
	if err != nil {
		t.Fatal(err)
	}
	want := "Welcome, and a very long title that is folded across two lines"
	if s.Sessions[0].Title != want {
		t.Errorf("title %q, want %q", s.Sessions[0].Title, want)
	}
}

func TestDefaultTimezoneForDocumentsWithoutOne(t *testing.T) {
	doc := `<schedule><day date="2024-03-01" index="1"><room name="A">
		<event id="1"><start>10:00</start><duration>01:00</duration><title>T</title></event></room></day></schedule>`
	s, err := ParseWith("text/xml", []byte(doc), Options{DefaultTimezone: "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	// 10:00 EST (UTC-5) on 1 March.
	if got, want := s.Sessions[0].Start, utc("2024-03-01T15:00:00Z"); !got.Equal(want) {
		t.Errorf("start %v, want %v", got, want)
	}
	if s.Timezone != "America/New_York" {
		t.Errorf("timezone %q", s.Timezone)
	}
	s, err = Parse("text/xml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Sessions[0].Start, utc("2024-03-01T10:00:00Z"); !got.Equal(want) || s.Timezone != "" {
		t.Errorf("without default: start %v tz %q, want %v and empty", got, s.Timezone, want)
	}
}

func TestValidationProblemsHavePaths(t *testing.T) {
	_, err := Parse("application/xml", fixture(t, "invalid.xml"))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %T %v", err, err)
	}
	var paths []string
	for _, p := range ve.Problems {
		paths = append(paths, p.Path)
	}
	want := []string{
		`day[0].room["Saal 1"].event[1].date`,
		`day[0].room["Saal 1"].event[2].guid`,
		`day[0].room["Saal 1"].event[3].duration`,
	}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name, contentType string
		body              []byte
		line              int
	}{
		{"unclosed xml", "application/xml", fixture(t, "broken.xml"), 5},
		{"truncated json", "application/json", fixture(t, "broken.json"), 0},
		{"json with trailing garbage", "application/json", []byte(`{"schedule": {}} x`), 1},
		{"xml entity declaration", "application/xml", []byte(`<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><schedule>&x;</schedule>`), 0},
		{"xml undeclared entity", "application/xml", []byte(`<schedule><conference><title>&x;</title></conference></schedule>`), 1},
		{"xml too deep", "application/xml", []byte("<schedule>" + strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40) + "</schedule>"), 0},
		{"empty xml", "application/xml", []byte("  "), 0},
		{"ical without calendar", "text/calendar", []byte("BEGIN:VEVENT\r\nUID:1\r\n"), 0},
		{"ical garbage line", "text/calendar", []byte("BEGIN:VCALENDAR\r\nno colon here\r\nEND:VCALENDAR\r\n"), 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.contentType, tc.body)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("want *SyntaxError, got %T %v", err, err)
			}
			if tc.line != 0 && se.Line != tc.line {
				t.Errorf("line %d, want %d (%v)", se.Line, tc.line, se)
			}
		})
	}
}

func TestContentTypes(t *testing.T) {
	xmlBody := fixture(t, "mini.xml")
	tests := []struct {
		contentType string
		body        []byte
		wantErr     any
	}{
		{"text/xml", xmlBody, nil},
		{"application/vnd.frab+xml", xmlBody, nil},
		{"application/octet-stream", fixture(t, "mini.json"), nil},
		{"text/plain", fixture(t, "mini.ics"), nil},
		{"image/png", xmlBody, &UnsupportedTypeError{}},
		{"", []byte("hello"), &UnsupportedTypeError{}},
		{"application/json; charset", xmlBody, &UnsupportedTypeError{}},
	}
	for _, tc := range tests {
		t.Run(tc.contentType, func(t *testing.T) {
			_, err := Parse(tc.contentType, tc.body)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ue *UnsupportedTypeError
			if !errors.As(err, &ue) {
				t.Fatalf("want *UnsupportedTypeError, got %T %v", err, err)
			}
		})
	}
}

func TestBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<schedule><day date="2024-01-01" index="1"><room name="A">`)
	for i := 0; i <= MaxSessions; i++ {
		fmt.Fprintf(&b, `<event id="%d"><date>2024-01-01T10:00:00Z</date><duration>00:10</duration><title>t</title></event>`, i)
	}
	b.WriteString(`</room></day></schedule>`)
	_, err := Parse("application/xml", []byte(b.String()))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Problems[0].Path != "sessions" {
		t.Errorf("want a sessions problem, got %v", err)
	}
	if _, err := Parse("application/xml", make([]byte, MaxBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("want ErrTooLarge, got %v", err)
	}
}

func TestLatin1XML(t *testing.T) {
	doc := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><schedule><conference><title>Caf\xe9</title></conference></schedule>")
	s, err := Parse("application/xml", doc)
	if err != nil {
		t.Fatal(err)
	}
	if s.Title != "Café" {
		t.Errorf("title %q", s.Title)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"00:30", 30 * time.Minute, true},
		{"0:45", 45 * time.Minute, true},
		{"1:30:00", 90 * time.Minute, true},
		{"12:00", 12 * time.Hour, true},
		{"45", 45 * time.Minute, true},
		{" 02:15 ", 135 * time.Minute, true},
		{"1:5", 0, false},
		{"1:60", 0, false},
		{"-1:00", 0, false},
		{"a:bc", 0, false},
		{"1:00:00:00", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseDuration(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseISODuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT45M", 45 * time.Minute, true},
		{"PT1H30M", 90 * time.Minute, true},
		{"P1D", 24 * time.Hour, true},
		{"P1W", 7 * 24 * time.Hour, true},
		{"P1DT2H", 26 * time.Hour, true},
		{"PT", 0, false},
		{"P1H", 0, false},
		{"1H", 0, false},
		{"PT5", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseISODuration(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseISODuration(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestJSONProblems(t *testing.T) {
	tests := []struct {
		name, body, path string
	}{
		{"bad date", `{"schedule": {"conference": {"title": "x", "time_zone_name": "Europe/Berlin", "days": [{"index": 1, "date": "2024-01-01",
			"rooms": {"Aula": [{"guid": "g1", "date": "yesterday", "duration": "00:30", "title": "t"}]}}]}}}`,
			`schedule.conference.days[0].rooms["Aula"][0].date`},
		{"unknown timezone", `{"schedule": {"conference": {"title": "x", "time_zone_name": "Mars/Base", "days": []}}}`,
			"schedule.conference.time_zone_name"},
		{"wrong type", `{"schedule": {"conference": {"title": {"de": "x"}, "days": []}}}`, "schedule.conference.title"},
		{"no conference", `{"schedule": {"version": "1"}}`, "schedule.conference"},
		{"missing duration", `{"conference": {"title": "x", "days": [{"date": "2024-01-01",
			"rooms": {"A": [{"id": 7, "date": "2024-01-01T10:00:00Z", "title": "t"}]}}]}}`,
			`schedule.conference.days[0].rooms["A"][0].duration`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("application/json", []byte(tc.body))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want *ValidationError, got %T %v", err, err)
			}
			if ve.Problems[0].Path != tc.path {
				t.Errorf("path %q, want %q", ve.Problems[0].Path, tc.path)
			}
		})
	}
}

func TestJSONFlatEvents(t *testing.T) {
	// The schedule2 draft lists events flat, each with its room and an end.
	body := `{"schedule": {"version": "2", "conference": {"title": "Flat", "time_zone_name": "Europe/Amsterdam", "days": []},
		"events": [
			{"guid": "f2", "room": "Hall", "title": "Second", "date": "2025-02-02T10:00:00+01:00", "end": "2025-02-02T11:00:00+01:00"},
			{"guid": "f1", "room": "Hall", "title": "First", "date": "2025-02-01T10:00:00+01:00", "duration": "00:50"}
		]}}`
	s, err := Parse("application/json", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sessions) != 2 || len(s.Days) != 2 {
		t.Fatalf("%d sessions, %d days", len(s.Sessions), len(s.Days))
	}
	// Days are numbered by date, not by order of appearance.
	if s.Days[0].Date != "2025-02-01" || s.Sessions[0].Day != 2 || s.Sessions[1].Day != 1 {
		t.Errorf("days %+v, session days %d, %d", s.Days, s.Sessions[0].Day, s.Sessions[1].Day)
	}
	if !s.Sessions[1].End.Equal(utc("2025-02-01T09:50:00Z")) {
		t.Errorf("end %v", s.Sessions[1].End)
	}
}

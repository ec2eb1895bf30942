package planner

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// checkPlan asserts what every plan must satisfy.
func checkPlan(t *testing.T, in Input, drafts []TaskDraft) {
	t.Helper()
	if err := ValidateDrafts(in.Event, drafts); err != nil {
		t.Fatalf("plan fails its own validation: %v", err)
	}
	again, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(drafts, again) {
		t.Fatal("plan is not deterministic")
	}
	for _, d := range drafts {
		if !d.End.After(d.Start) {
			t.Fatalf("%s: end %v not after start %v", d.SlotGroup, d.End, d.Start)
		}
		if d.End.Sub(d.Start) > ShiftLength && d.SessionExternalID == "" {
			t.Errorf("%s: %v is longer than a shift", d.SlotGroup, d.End.Sub(d.Start))
		}
	}
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// row is the part of a draft the exact-plan tests compare.
type row struct {
	Area       string
	Start, End string // local "2006-01-02 15:04"
	Headcount  int
}

func rows(drafts []TaskDraft, loc *time.Location) []row {
	out := make([]row, 0, len(drafts))
	for _, d := range drafts {
		out = append(out, row{d.Area, d.Start.In(loc).Format("2006-01-02 15:04"), d.End.In(loc).Format("2006-01-02 15:04"), d.Headcount})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Start != out[j].Start {
			return out[i].Start < out[j].Start
		}
		return out[i].Area < out[j].Area
	})
	return out
}

func TestPlanMeetupExactly(t *testing.T) {
	loc := berlin(t)
	ev := Event{ID: "m", Type: "meetup", ExpectedAttendees: 60, Timezone: "Europe/Berlin",
		StartsAt: time.Date(2025, 6, 12, 18, 0, 0, 0, loc), EndsAt: time.Date(2025, 6, 12, 22, 0, 0, 0, loc)}
	drafts, err := Plan(Input{Event: ev})
	if err != nil {
		t.Fatal(err)
	}
	// Meetup profile at 60 attendees: check-in ceil(60/100)=1 for the first
	// (only) shift, catering ceil(60/50)=2, clean-up ceil(60/100)=1 for 90
	// minutes after close, set-up ceil(60/50)=2 for 2 h before, teardown
	// ceil(60/60)=1 for 1 h after, one stage with an AV technician and a host;
	// no security below 300 attendees.
	want := []row{
		{"setup", "2025-06-12 16:00", "2025-06-12 18:00", 2},
		{"av", "2025-06-12 18:00", "2025-06-12 22:00", 1},
		{"catering", "2025-06-12 18:00", "2025-06-12 22:00", 2},
		{"heralding", "2025-06-12 18:00", "2025-06-12 22:00", 1},
		{"registration", "2025-06-12 18:00", "2025-06-12 22:00", 1},
		{"cleanup", "2025-06-12 22:00", "2025-06-12 23:30", 1},
		{"teardown", "2025-06-12 22:00", "2025-06-12 23:00", 1},
	}
	if got := rows(drafts, loc); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
	checkPlan(t, Input{Event: ev}, drafts)
}

func TestPlanConferenceRatios(t *testing.T) {
	loc := berlin(t)
	ev := Event{ID: "c", Type: "conference", ExpectedAttendees: 3000, Timezone: "Europe/Berlin",
		StartsAt: time.Date(2025, 3, 1, 9, 0, 0, 0, loc), EndsAt: time.Date(2025, 3, 2, 18, 0, 0, 0, loc)}
	drafts, err := Plan(Input{Event: ev})
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, Input{Event: ev}, drafts)
	// 09:00-18:00 is 9 h: three 3 h shifts a day, two days.
	type key struct {
		area string
		n    int
	}
	count := map[key]int{}
	for _, d := range drafts {
		count[key{d.Area, d.Headcount}]++
	}
	want := map[key]int{
		{"registration", 5}: 2,  // ceil(3000/600) on the first two shifts of day one
		{"registration", 2}: 4,  // a quarter (rounded up) on the other four shifts
		{"infodesk", 2}:     6,  // ceil(3000/1500)
		{"security", 4}:     6,  // ceil(3000/750)
		{"first-aid", 2}:    6,  // ceil(3000/2500)
		{"cloakroom", 2}:    6,  // ceil(3000/2000)
		{"runners", 2}:      6,  // ceil(3000/2000)
		{"catering", 8}:     2,  // ceil(3000/400), lunch only: dinner would start at 17:30, half an hour before close
		{"cleanup", 2}:      2,  // ceil(3000/1500), after each day
		{"setup", 12}:       2,  // ceil(3000/250), two shifts the day before (2,000+ attendees)
		{"teardown", 10}:    1,  // ceil(3000/300)
		{"av", 1}:           18, // 1+3000/1500 = 3 stages x 3 shifts x 2 days
		{"heralding", 1}:    18,
	}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("got %v\nwant %v", count, want)
	}
	for _, d := range drafts {
		if d.Area == "setup" {
			if s := d.Start.In(loc).Format("2006-01-02 15:04"); s != "2025-02-28 10:00" && s != "2025-02-28 14:00" {
				t.Errorf("set-up at %s, want the day before", s)
			}
		}
	}
}

func TestPlanKeepsLocalClockAcrossDST(t *testing.T) {
	loc := berlin(t)
	// Europe/Berlin moves from UTC+1 to UTC+2 on 30 March 2025.
	ev := Event{ID: "d", Type: "conference", ExpectedAttendees: 500, Timezone: "Europe/Berlin",
		StartsAt: time.Date(2025, 3, 29, 9, 0, 0, 0, loc), EndsAt: time.Date(2025, 3, 31, 17, 0, 0, 0, loc)}
	drafts, err := Plan(Input{Event: ev})
	if err != nil {
		t.Fatal(err)
	}
	var firstInfodesk []string
	for _, d := range drafts {
		if d.Area == "infodesk" && d.Start.In(loc).Hour() == 9 {
			firstInfodesk = append(firstInfodesk, d.Start.UTC().Format("01-02 15:04"))
		}
	}
	want := []string{"03-29 08:00", "03-30 07:00", "03-31 07:00"}
	if !reflect.DeepEqual(firstInfodesk, want) {
		t.Errorf("09:00 local infodesk shifts start at %v UTC, want %v", firstInfodesk, want)
	}
}

func sampleSessions(loc *time.Location) []Session {
	d := func(day, h, m int) time.Time { return time.Date(2025, 8, day, h, m, 0, 0, loc) }
	return []Session{
		{ExternalID: "s1", Room: "Main", Title: "Opening", Start: d(20, 10, 0), End: d(20, 10, 45)},
		{ExternalID: "s2", Room: "Main", Title: "Talk two", Start: d(20, 11, 0), End: d(20, 11, 45)},
		{ExternalID: "s3", Room: "Main", Title: "Talk three", Start: d(20, 12, 0), End: d(20, 12, 45)},
		{ExternalID: "s4", Room: "Main", Title: "Open workshop", Start: d(20, 14, 0), End: d(20, 20, 0)},
		{ExternalID: "s5", Room: "Main", Title: "Night talk", Start: d(20, 23, 30), End: d(21, 0, 30)},
		{ExternalID: "s6", Room: "Table", Title: "Meet-up at the table", Start: d(20, 15, 0), End: d(20, 16, 0)},
	}
}

func TestPlanSessions(t *testing.T) {
	loc := berlin(t)
	ses := sampleSessions(loc)
	drafts := sessionDrafts(ses, loc)
	// Main has four programme sessions (s4 is 6 h long), so it is a stage:
	// herald [start-15m, end] and camera [start-10m, end+5m] for s1, s2, s3,
	// s5; a 1 h set-up for two before 10:00; a teardown for two after 00:30
	// (crossing midnight, still the 20th's event day); AV shifts over
	// [09:30, 00:45] = 15h15 in four shifts with inner
	// boundaries rounded to the quarter hour. Table: 30-minute set-up and teardown.
	want := []row{
		{"setup", "2025-08-20 09:00", "2025-08-20 10:00", 2},
		{"av", "2025-08-20 09:30", "2025-08-20 13:15", 1},
		{"heralding", "2025-08-20 09:45", "2025-08-20 10:45", 1},
		{"video", "2025-08-20 09:50", "2025-08-20 10:50", 1},
		{"heralding", "2025-08-20 10:45", "2025-08-20 11:45", 1},
		{"video", "2025-08-20 10:50", "2025-08-20 11:50", 1},
		{"heralding", "2025-08-20 11:45", "2025-08-20 12:45", 1},
		{"video", "2025-08-20 11:50", "2025-08-20 12:50", 1},
		{"av", "2025-08-20 13:15", "2025-08-20 17:15", 1}, // 09:30 + 2 x 3h48m45s = 17:07:30, rounded half up
		{"setup", "2025-08-20 14:30", "2025-08-20 15:00", 1},
		{"teardown", "2025-08-20 16:00", "2025-08-20 16:30", 1},
		{"av", "2025-08-20 17:15", "2025-08-20 21:00", 1},
		{"av", "2025-08-20 21:00", "2025-08-21 00:45", 1},
		{"heralding", "2025-08-20 23:15", "2025-08-21 00:30", 1},
		{"video", "2025-08-20 23:20", "2025-08-21 00:35", 1},
		{"teardown", "2025-08-21 00:30", "2025-08-21 01:30", 2},
	}
	if got := rows(drafts, loc); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
	for _, d := range drafts {
		if d.SessionExternalID == "s4" || d.SessionExternalID == "s6" {
			t.Errorf("%s got per-session work: %+v", d.SessionExternalID, d)
		}
	}
}

func TestPlanIgnoresSessionOrderAndKeepsSlotGroups(t *testing.T) {
	loc := berlin(t)
	ev := Event{ID: "f", Type: "conference", ExpectedAttendees: 800, Timezone: "Europe/Berlin",
		StartsAt: time.Date(2025, 8, 20, 9, 0, 0, 0, loc), EndsAt: time.Date(2025, 8, 21, 2, 0, 0, 0, loc)}
	ses := sampleSessions(loc)
	a, err := Plan(Input{Event: ev, Sessions: ses})
	if err != nil {
		t.Fatal(err)
	}
	rev := append([]Session(nil), ses...)
	slices.Reverse(rev)
	b, err := Plan(Input{Event: ev, Sessions: rev})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("plan depends on the order of sessions")
	}
	seen := map[string]bool{}
	for _, d := range a {
		if seen[d.SlotGroup] {
			t.Errorf("slot group %q used twice", d.SlotGroup)
		}
		seen[d.SlotGroup] = true
	}
	if !seen["session:s1:herald"] || !seen["session:s5:video"] {
		t.Errorf("session slot groups missing: %v", seen)
	}
	checkPlan(t, Input{Event: ev, Sessions: ses}, a)
}

func TestPlanEveryTypeAndSize(t *testing.T) {
	loc := berlin(t)
	for _, typ := range []string{"conference", "festival", "meetup", "wedding", "corporate", "sports", "concert", "other", "unknown-type", ""} {
		for _, n := range []int{0, 40, 500, 20000, 200000} {
			ev := Event{ID: "x", Type: typ, ExpectedAttendees: n, Timezone: "Europe/Berlin",
				StartsAt: time.Date(2025, 7, 4, 17, 0, 0, 0, loc), EndsAt: time.Date(2025, 7, 6, 1, 0, 0, 0, loc)}
			in := Input{Event: ev}
			drafts, err := Plan(in)
			if err != nil {
				t.Fatalf("%s/%d: %v", typ, n, err)
			}
			if len(drafts) == 0 {
				t.Errorf("%s/%d: no drafts", typ, n)
			}
			checkPlan(t, in, drafts)
		}
	}
}

func TestFitTeam(t *testing.T) {
	loc := berlin(t)
	ev := Event{ID: "c", Type: "conference", ExpectedAttendees: 3000, Timezone: "Europe/Berlin",
		StartsAt: time.Date(2025, 8, 20, 9, 0, 0, 0, loc), EndsAt: time.Date(2025, 8, 21, 2, 0, 0, 0, loc)}
	full, err := Plan(Input{Event: ev, Sessions: sampleSessions(loc)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		team            int
		priority5Scaled bool
	}{
		// 40 people: 240 h a day at TeamBudget; cutting work below priority 5 is enough.
		{40, false},
		// 3 people: 18 h a day; even security and first aid shrink (never below one).
		{3, true},
	} {
		small, err := Plan(Input{Event: ev, Sessions: sampleSessions(loc), TeamSize: tc.team})
		if err != nil {
			t.Fatal(err)
		}
		if len(full) != len(small) {
			t.Fatalf("team fit changed the number of drafts: %d vs %d", len(full), len(small))
		}
		reduced, p5reduced := false, false
		for i := range full {
			f, s := full[i], small[i]
			switch {
			case s.SlotGroup != f.SlotGroup:
				t.Fatalf("order changed: %s vs %s", s.SlotGroup, f.SlotGroup)
			case s.Headcount < 1 || s.Headcount > f.Headcount:
				t.Errorf("team %d: %s: headcount %d from %d", tc.team, f.SlotGroup, s.Headcount, f.Headcount)
			case f.SessionExternalID != "" && s.Headcount != f.Headcount:
				t.Errorf("team %d: session work %s scaled", tc.team, f.SlotGroup)
			case s.Headcount < f.Headcount && f.Priority == 5:
				p5reduced = true
			case s.Headcount < f.Headcount:
				reduced = true
			}
		}
		if !reduced || p5reduced != tc.priority5Scaled {
			t.Errorf("team %d: lower priorities reduced %v, priority 5 reduced %v (want %v)", tc.team, reduced, p5reduced, tc.priority5Scaled)
		}
	}
}

func TestPlanRejectsBadInput(t *testing.T) {
	loc := berlin(t)
	good := Event{ID: "e", Type: "meetup", ExpectedAttendees: 10, Timezone: "Europe/Berlin",
		StartsAt: time.Date(2025, 1, 1, 18, 0, 0, 0, loc), EndsAt: time.Date(2025, 1, 1, 20, 0, 0, 0, loc)}
	tests := []struct {
		name string
		in   func() Input
		path string
	}{
		{"unknown timezone", func() Input { e := good; e.Timezone = "Mars/Olympus"; return Input{Event: e} }, "event.timezone"},
		{"empty timezone", func() Input { e := good; e.Timezone = ""; return Input{Event: e} }, "event.timezone"},
		{"end before start", func() Input { e := good; e.EndsAt = e.StartsAt.Add(-time.Hour); return Input{Event: e} }, "event.ends_at"},
		{"too long", func() Input { e := good; e.EndsAt = e.StartsAt.AddDate(0, 3, 0); return Input{Event: e} }, "event.ends_at"},
		{"negative attendees", func() Input { e := good; e.ExpectedAttendees = -1; return Input{Event: e} }, "event.expected_attendees"},
		{"session ends before start", func() Input {
			return Input{Event: good, Sessions: []Session{{ExternalID: "a", Room: "R", Start: good.StartsAt, End: good.StartsAt}}}
		}, "sessions[0].ends_at"},
		{"duplicate session id", func() Input {
			s := Session{ExternalID: "a", Room: "R", Start: good.StartsAt, End: good.EndsAt}
			return Input{Event: good, Sessions: []Session{s, s}}
		}, "sessions[1].external_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Plan(tc.in())
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("want *ValidationError wrapping ErrInvalidInput, got %v", err)
			}
			if ve.Problems[0].Path != tc.path {
				t.Errorf("path %q, want %q", ve.Problems[0].Path, tc.path)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)
	drafts := []TaskDraft{
		{Title: "Desk", Area: "infodesk", RequiredSkills: []Skill{{"infodesk", 1}}, Start: t0, End: t0.Add(time.Hour), Priority: 3, Headcount: 3, SlotGroup: "g1"},
		{Title: "Solo", Area: "av", Start: t0, End: t0.Add(time.Hour), Priority: 4, Headcount: 1, SlotGroup: "g2"},
	}
	got := Expand(drafts)
	var summary []string
	for _, d := range got {
		summary = append(summary, fmt.Sprintf("%s|%s|%d|%d", d.Title, d.SlotGroup, d.Seat, d.Headcount))
	}
	want := []string{"Desk #1/3|g1|1|1", "Desk #2/3|g1|2|1", "Desk #3/3|g1|3|1", "Solo|g2|1|1"}
	if !reflect.DeepEqual(summary, want) {
		t.Errorf("got %v, want %v", summary, want)
	}
	got[0].RequiredSkills[0].Name = "changed"
	if drafts[0].RequiredSkills[0].Name != "infodesk" || got[1].RequiredSkills[0].Name != "infodesk" {
		t.Error("expanded drafts share their skills slice")
	}
}

func TestValidateDrafts(t *testing.T) {
	t0 := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	ev := Event{StartsAt: t0, EndsAt: t0.Add(10 * time.Hour), Timezone: "UTC"}
	ok := TaskDraft{Title: "Desk", Area: "infodesk", RequiredSkills: []Skill{{"infodesk", 2}}, Start: t0, End: t0.Add(2 * time.Hour), Priority: 3, Headcount: 2, SlotGroup: "g"}
	if err := ValidateDrafts(ev, []TaskDraft{ok}); err != nil {
		t.Fatalf("valid draft rejected: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(*TaskDraft)
		path   string
	}{
		{"empty title", func(d *TaskDraft) { d.Title = "  " }, "drafts[0].title"},
		{"empty area", func(d *TaskDraft) { d.Area = "" }, "drafts[0].area"},
		{"end before start", func(d *TaskDraft) { d.End = d.Start.Add(-time.Minute) }, "drafts[0].ends_at"},
		{"too long", func(d *TaskDraft) { d.End = d.Start.Add(17 * time.Hour) }, "drafts[0].ends_at"},
		{"far before the event", func(d *TaskDraft) { d.Start = t0.Add(-72 * time.Hour); d.End = d.Start.Add(time.Hour) }, "drafts[0].starts_at"},
		{"far after the event", func(d *TaskDraft) { d.Start = t0.Add(72 * time.Hour); d.End = d.Start.Add(time.Hour) }, "drafts[0].starts_at"},
		{"priority 0", func(d *TaskDraft) { d.Priority = 0 }, "drafts[0].priority"},
		{"priority 6", func(d *TaskDraft) { d.Priority = 6 }, "drafts[0].priority"},
		{"headcount 0", func(d *TaskDraft) { d.Headcount = 0 }, "drafts[0].headcount"},
		{"headcount 51", func(d *TaskDraft) { d.Headcount = 51 }, "drafts[0].headcount"},
		{"skill level 6", func(d *TaskDraft) { d.RequiredSkills = []Skill{{"av", 6}} }, "drafts[0].required_skills[0].min_level"},
		{"skill without name", func(d *TaskDraft) { d.RequiredSkills = []Skill{{"", 1}} }, "drafts[0].required_skills[0].name"},
		{"no slot group", func(d *TaskDraft) { d.SlotGroup = "" }, "drafts[0].slot_group"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.mutate(&d)
			err := ValidateDrafts(ev, []TaskDraft{d})
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want *ValidationError, got %v", err)
			}
			if ve.Problems[0].Path != tc.path {
				t.Errorf("path %q, want %q (%v)", ve.Problems[0].Path, tc.path, err)
			}
		})
	}
	if err := ValidateDrafts(ev, []TaskDraft{ok, ok}); err == nil || !strings.Contains(err.Error(), "drafts[1].slot_group") {
		t.Errorf("duplicate slot group not reported: %v", err)
	}
	if err := ValidateDrafts(ev, nil); err == nil {
		t.Error("empty plan accepted")
	}
}

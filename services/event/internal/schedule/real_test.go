package schedule

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// dataDir is where the real public schedules live: EVENTAI_DATA_DIR, or the
// shared data folder next to the repository.
func dataDir() string {
	if d := os.Getenv("EVENTAI_DATA_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "..", "..", "shared", "data")
}

func readReal(tb testing.TB, name string) []byte {
	tb.Helper()
	path := filepath.Join(dataDir(), "schedules", name)
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("real schedule %s not available (set EVENTAI_DATA_DIR to the shared data folder): %v", path, err)
	}
	return b
}

func TestReal38C3(t *testing.T) {
	s, err := Parse("application/xml", readReal(t, "38c3-schedule.xml"))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(s.Sessions) != 1007 || len(s.Rooms) != 72 || len(s.Days) != 4 {
		t.Fatalf("got %d sessions, %d rooms, %d days; want 1007, 72, 4", len(s.Sessions), len(s.Rooms), len(s.Days))
	}
	if s.Timezone != "Europe/Berlin" || s.Title != "38C3" {
		t.Errorf("title %q timezone %q", s.Title, s.Timezone)
	}
	for _, ses := range s.Sessions {
		if !ses.End.After(ses.Start) {
			t.Errorf("%s: end %v not after start %v", ses.ExternalID, ses.End, ses.Start)
		}
	}
}

func TestReal38C3Details(t *testing.T) {
	s, err := Parse("application/xml", readReal(t, "38c3-schedule.xml"))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	byID := map[string]Session{}
	for _, ses := range s.Sessions {
		byID[ses.ExternalID] = ses
	}
	if len(byID) != 1007 {
		t.Errorf("%d distinct external ids, want 1007", len(byID))
	}
	// The opening ceremony: <date>2024-12-27T10:30:00+01:00</date>, 00:30.
	open := byID["270fa44c-821a-577f-8ca3-33e8d4a8c2a7"]
	if !open.Start.Equal(utc("2024-12-27T09:30:00Z")) || !open.End.Equal(utc("2024-12-27T10:00:00Z")) || open.Room != "Saal 1" || open.Day != 1 {
		t.Errorf("opening ceremony parsed as %+v", open)
	}
	if len(open.Speakers) != 3 {
		t.Errorf("opening ceremony speakers %q", open.Speakers)
	}
	if s.Rooms[0] != "Saal 1" {
		t.Errorf("first room %q, want Saal 1", s.Rooms[0])
	}
	// Every session starts inside its day's window (the day ends at 06:00 local).
	days := map[int]Day{}
	for _, d := range s.Days {
		days[d.Index] = d
	}
	crossing, noSpeakers := 0, 0
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, ses := range s.Sessions {
		d := days[ses.Day]
		if ses.Start.Before(d.Start) || !ses.Start.Before(d.End) {
			t.Errorf("%s starts %v outside day %d [%v, %v)", ses.ExternalID, ses.Start, d.Index, d.Start, d.End)
		}
		if ses.Start.In(berlin).YearDay() != ses.End.Add(-time.Nanosecond).In(berlin).YearDay() {
			crossing++
		}
		if len(ses.Speakers) == 0 {
			noSpeakers++
		}
	}
	t.Logf("38C3: %d sessions cross local midnight, %d have no speakers", crossing, noSpeakers)
	if crossing == 0 || noSpeakers == 0 {
		t.Errorf("expected messy real data: %d crossing midnight, %d without speakers", crossing, noSpeakers)
	}
}

func TestRealCamp2019(t *testing.T) {
	s, err := Parse("application/json", readReal(t, "camp2019-schedule.json"))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(s.Sessions) != 79 || len(s.Days) != 5 {
		t.Fatalf("got %d sessions, %d days; want 79, 5", len(s.Sessions), len(s.Days))
	}
	if want := []string{"Curie", "Meitner"}; len(s.Rooms) != 2 || s.Rooms[0] != want[0] || s.Rooms[1] != want[1] {
		t.Errorf("rooms %q, want %q", s.Rooms, want)
	}
	if s.Timezone != "Europe/Berlin" || s.Title != "Chaos Communication Camp 2019" {
		t.Errorf("title %q tz %q", s.Title, s.Timezone)
	}
	var found bool
	for _, ses := range s.Sessions {
		if !ses.End.After(ses.Start) {
			t.Errorf("%s: end not after start", ses.ExternalID)
		}
		// "id": 10400, "date": "2019-08-22T12:00:00+02:00", "duration": "00:45".
		if ses.ExternalID == "36b973e6-6203-4506-9317-4959d04ce0d0" {
			found = true
			if !ses.Start.Equal(utc("2019-08-22T10:00:00Z")) || !ses.End.Equal(utc("2019-08-22T10:45:00Z")) || ses.Room != "Curie" || ses.Day != 2 {
				t.Errorf("session 10400 parsed as %+v", ses)
			}
		}
	}
	if !found {
		t.Error("session 10400 (by guid) missing")
	}
}

// BenchmarkParse38C3 prints the time to parse the real 38C3 schedule.
func BenchmarkParse38C3(b *testing.B) {
	body := readReal(b, "38c3-schedule.xml")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse("application/xml", body)
		if err != nil || len(s.Sessions) != 1007 {
			b.Fatalf("parse: %v", err)
		}
	}
}

// BenchmarkParseCamp2019 prints the time to parse the real Camp 2019 schedule.
func BenchmarkParseCamp2019(b *testing.B) {
	body := readReal(b, "camp2019-schedule.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("application/json", body); err != nil {
			b.Fatal(err)
		}
	}
}

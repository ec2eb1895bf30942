package planner

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

// clockDuration reads "HH:MM" (the only form in these two files).
func clockDuration(tb testing.TB, s string) time.Duration {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil {
		tb.Fatalf("duration %q: %v", s, err)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
}

// load38C3 reads the real 38C3 sessions with a minimal reader of its own
// (the importer lives in the event service): date + duration per event.
func load38C3(tb testing.TB) []Session {
	var doc struct {
		Days []struct {
			Rooms []struct {
				Name   string `xml:"name,attr"`
				Events []struct {
					GUID     string `xml:"guid,attr"`
					Date     string `xml:"date"`
					Duration string `xml:"duration"`
					Title    string `xml:"title"`
					Track    string `xml:"track"`
				} `xml:"event"`
			} `xml:"room"`
		} `xml:"day"`
	}
	if err := xml.Unmarshal(readReal(tb, "38c3-schedule.xml"), &doc); err != nil {
		tb.Fatal(err)
	}
	var out []Session
	for _, d := range doc.Days {
		for _, r := range d.Rooms {
			for _, e := range r.Events {
				st, err := time.Parse(time.RFC3339, e.Date)
				if err != nil {
					tb.Fatal(err)
				}
				out = append(out, Session{ExternalID: e.GUID, Room: r.Name, Track: e.Track, Title: e.Title, Start: st.UTC(), End: st.Add(clockDuration(tb, e.Duration)).UTC()})
			}
		}
	}
	return out
}

func loadCamp2019(tb testing.TB) []Session {
	var doc struct {
		Schedule struct {
			Conference struct {
				Days []struct {
					Rooms map[string][]struct {
						GUID     string `json:"guid"`
						Date     string `json:"date"`
						Duration string `json:"duration"`
						Title    string `json:"title"`
						Track    string `json:"track"`
					} `json:"rooms"`
				} `json:"days"`
			} `json:"conference"`
		} `json:"schedule"`
	}
	if err := json.Unmarshal(readReal(tb, "camp2019-schedule.json"), &doc); err != nil {
		tb.Fatal(err)
	}
	var out []Session
	for _, d := range doc.Schedule.Conference.Days {
		rooms := make([]string, 0, len(d.Rooms))
		for r := range d.Rooms {
			rooms = append(rooms, r)
		}
		sort.Strings(rooms)
		for _, r := range rooms {
			for _, e := range d.Rooms[r] {
				st, err := time.Parse(time.RFC3339, e.Date)
				if err != nil {
					tb.Fatal(err)
				}
				out = append(out, Session{ExternalID: e.GUID, Room: r, Track: e.Track, Title: e.Title, Start: st.UTC(), End: st.Add(clockDuration(tb, e.Duration)).UTC()})
			}
		}
	}
	return out
}

func event38C3() Event {
	return Event{
		ID: "38c3", Type: "conference", ExpectedAttendees: 15000, Timezone: "Europe/Berlin",
		StartsAt: time.Date(2024, 12, 27, 9, 30, 0, 0, time.UTC),
		EndsAt:   time.Date(2024, 12, 30, 17, 45, 0, 0, time.UTC),
	}
}

func eventCamp2019() Event {
	return Event{
		ID: "camp2019", Type: "festival", ExpectedAttendees: 5000, Timezone: "Europe/Berlin",
		StartsAt: time.Date(2019, 8, 21, 7, 0, 0, 0, time.UTC),
		EndsAt:   time.Date(2019, 8, 26, 2, 0, 0, 0, time.UTC),
	}
}

// peak is the largest number of people the drafts need at the same instant.
func peak(drafts []TaskDraft) (int, time.Time) {
	type edge struct {
		at time.Time
		d  int
	}
	var edges []edge
	for _, d := range drafts {
		edges = append(edges, edge{d.Start, d.Headcount}, edge{d.End, -d.Headcount})
	}
	// Ends before starts at the same instant: back-to-back tasks do not overlap.
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].d < edges[j].d
	})
	cur, best, when := 0, 0, time.Time{}
	for _, e := range edges {
		cur += e.d
		if cur > best {
			best, when = cur, e.at
		}
	}
	return best, when
}

// demand sums person-hours per local day and per area/skill.
func demand(drafts []TaskDraft, loc *time.Location) (perDay map[string]float64, perSkill map[string]float64) {
	perDay, perSkill = map[string]float64{}, map[string]float64{}
	for _, d := range drafts {
		h := d.End.Sub(d.Start).Hours() * float64(d.Headcount)
		perDay[dayKey(d.Start, loc)] += h
		key := "(none)"
		if len(d.RequiredSkills) > 0 {
			key = d.RequiredSkills[0].Name
		}
		perSkill[key] += h
	}
	return perDay, perSkill
}

func report(t *testing.T, name string, drafts []TaskDraft, loc *time.Location) {
	perDay, perSkill := demand(drafts, loc)
	var days, skills []string
	for k := range perDay {
		days = append(days, k)
	}
	for k := range perSkill {
		skills = append(skills, k)
	}
	sort.Strings(days)
	sort.Strings(skills)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d drafts, %d tasks after Expand\n", name, len(drafts), len(Expand(drafts)))
	total := 0.0
	for _, k := range days {
		fmt.Fprintf(&b, "  day %s: %.0f person-hours\n", k, perDay[k])
		total += perDay[k]
	}
	fmt.Fprintf(&b, "  total %.0f person-hours; by skill:", total)
	for _, k := range skills {
		fmt.Fprintf(&b, " %s=%.0f", k, perSkill[k])
	}
	t.Log(b.String())
}

func TestReal38C3Plan(t *testing.T) {
	sessions := load38C3(t)
	if len(sessions) != 1007 {
		t.Fatalf("%d sessions, want 1007", len(sessions))
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	for _, team := range []int{0, 160} {
		in := Input{Event: event38C3(), Sessions: sessions, TeamSize: team}
		drafts, err := Plan(in)
		if err != nil {
			t.Fatal(err)
		}
		report(t, fmt.Sprintf("38C3 (team size %d)", team), drafts, loc)
		checkPlan(t, in, drafts)
		perDay, _ := demand(drafts, loc)
		for k, h := range perDay {
			// 160 people at 10 h a day is the hard ceiling of what can be staffed.
			if h > 1600 {
				t.Errorf("team %d: day %s asks for %.0f person-hours, more than 160 people can work", team, k, h)
			}
		}
		p, when := peak(drafts)
		t.Logf("team %d: peak %d people at once (%s)", team, p, when.In(loc).Format("Mon 15:04"))
		if team == 160 && p > 160 {
			t.Errorf("team 160: %d people needed at once at %v", p, when)
		}
		if team == 160 {
			for k, h := range perDay {
				if h > 160*8*TeamBudget*1.2 {
					t.Errorf("team 160: day %s asks for %.0f person-hours, over the team budget", k, h)
				}
			}
		}
	}
}

func TestReal38C3MainHallsStaffed(t *testing.T) {
	sessions := load38C3(t)
	drafts, err := Plan(Input{Event: event38C3(), Sessions: sessions, TeamSize: 160})
	if err != nil {
		t.Fatal(err)
	}
	herald, video := map[string]bool{}, map[string]bool{}
	for _, d := range drafts {
		switch d.Area {
		case "heralding":
			herald[d.SessionExternalID] = true
		case "video":
			video[d.SessionExternalID] = true
		}
	}
	// 38C3's recorded halls: every talk there needs a herald and a camera.
	halls := map[string]bool{"Saal 1": true, "Saal GLITCH": true, "Saal ZIGZAG": true, "Stage HUFF": true, "Stage YELL": true}
	inHalls := 0
	for _, s := range sessions {
		if halls[s.Room] {
			inHalls++
			if !herald[s.ExternalID] || !video[s.ExternalID] {
				t.Errorf("%s in %s has no herald or camera", s.ExternalID, s.Room)
			}
		}
		if herald[s.ExternalID] && s.End.Sub(s.Start) > programmeMax {
			t.Errorf("%s (%v long) got a herald", s.ExternalID, s.End.Sub(s.Start))
		}
	}
	t.Logf("38C3: %d sessions heralded and filmed (%d in the five main halls) of %d", len(herald), inHalls, len(sessions))
	if len(herald) != len(video) || len(herald) >= len(sessions)/2 {
		t.Errorf("%d heralds, %d cameras for %d sessions: per-session work should cover the stages only", len(herald), len(video), len(sessions))
	}
}

func TestRealCamp2019Plan(t *testing.T) {
	sessions := loadCamp2019(t)
	if len(sessions) != 79 {
		t.Fatalf("%d sessions, want 79", len(sessions))
	}
	in := Input{Event: eventCamp2019(), Sessions: sessions}
	drafts, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	report(t, "Camp 2019", drafts, loc)
	checkPlan(t, in, drafts)
	// Both rooms are stages: every session gets a herald and a camera operator.
	heralds, cameras := 0, 0
	for _, d := range drafts {
		switch d.Area {
		case "heralding":
			heralds++
		case "video":
			cameras++
		}
	}
	if heralds != 79 || cameras != 79 {
		t.Errorf("%d heralds, %d camera drafts; want 79 each", heralds, cameras)
	}
}

// BenchmarkPlan38C3 prints the time to plan 38C3 and expand it.
func BenchmarkPlan38C3(b *testing.B) {
	in := Input{Event: event38C3(), Sessions: load38C3(b), TeamSize: 160}
	var drafts, tasks int
	for b.Loop() {
		d, err := Plan(in)
		if err != nil {
			b.Fatal(err)
		}
		drafts, tasks = len(d), len(Expand(d))
	}
	b.ReportMetric(float64(drafts), "drafts")
	b.ReportMetric(float64(tasks), "tasks")
}

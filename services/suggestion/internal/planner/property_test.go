package planner

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestPlanProperties plans many random events and checks what every plan
// must satisfy: no error for valid input, drafts that pass ValidateDrafts
// (end after start, inside the event's margin, unique slot groups...),
// determinism, and Expand producing one task per head.
func TestPlanProperties(t *testing.T) {
	types := []string{"conference", "festival", "meetup", "wedding", "corporate", "sports", "concert", "other"}
	zones := []string{"Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC", "Pacific/Chatham"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		loc, err := time.LoadLocation(zones[rng.IntN(len(zones))])
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2020+rng.IntN(10), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 15*rng.IntN(4), 0, 0, loc)
		length := time.Duration(1+rng.IntN(10*24)) * time.Hour
		ev := Event{ID: fmt.Sprint(i), Type: types[rng.IntN(len(types))], ExpectedAttendees: rng.IntN(50000),
			Timezone: loc.String(), StartsAt: start, EndsAt: start.Add(length)}
		var sessions []Session
		for j, n := 0, rng.IntN(60); j < n; j++ {
			st := start.Add(time.Duration(rng.Int64N(int64(length))))
			sessions = append(sessions, Session{
				ExternalID: fmt.Sprintf("s%d", j),
				Room:       fmt.Sprintf("Room %d", rng.IntN(6)),
				Title:      "Session",
				Start:      st,
				End:        st.Add(time.Duration(10+rng.IntN(14*60)) * time.Minute),
			})
		}
		in := Input{Event: ev, Sessions: sessions, TeamSize: rng.IntN(3) * rng.IntN(200)}
		drafts, err := Plan(in)
		if err != nil {
			t.Fatalf("case %d (%+v): %v", i, ev, err)
		}
		checkPlan(t, in, drafts)
		heads := 0
		for _, d := range drafts {
			heads += d.Headcount
		}
		if got := len(Expand(drafts)); got != heads {
			t.Fatalf("case %d: Expand gave %d tasks for %d heads", i, got, heads)
		}
	}
}

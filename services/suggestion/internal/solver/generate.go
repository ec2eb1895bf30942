package solver

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// GenerateEvent builds a synthetic event for tests and benchmarks: tasks spread over days of
// 08:00–24:00 local time (some crossing midnight), each needing one or two of eight skills, and
// staff with two to four skills, partial availability, daily caps and some prior commitments.
// The same arguments always give the same problem.
func GenerateEvent(numTasks, numStaff int, loc *time.Location, seed uint64) Problem {
	if loc == nil {
		loc = time.UTC
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	skills := []string{"registration", "security", "av", "catering", "first-aid", "setup", "infodesk", "stage"}
	// About 9 task-hours per person over the event keeps it tight but mostly staffable.
	days := max(1, (numTasks*3)/(numStaff*8)+1)
	day0 := time.Date(2026, 6, 12, 0, 0, 0, 0, loc)
	p := Problem{Location: loc, Weights: DefaultWeights(), Seed: seed}
	for i := range numStaff {
		s := Staff{
			ID:               fmt.Sprintf("s%04d", i),
			Skills:           map[string]int{},
			MaxMinutesPerDay: 360 + 60*rng.IntN(5),
			Performance:      map[string]float64{},
		}
		for range 2 + rng.IntN(3) {
			name := skills[rng.IntN(len(skills))]
			s.Skills[name] = 1 + rng.IntN(5)
			if rng.IntN(2) == 0 {
				s.Performance[name] = 0.2 + 0.8*rng.Float64()
			}
		}
		if rng.IntN(10) < 3 {
			for d := range days {
				from := day0.AddDate(0, 0, d).Add(time.Duration(6+rng.IntN(6)) * time.Hour)
				s.Availability = append(s.Availability, Interval{Start: from, End: from.Add(time.Duration(8+rng.IntN(10)) * time.Hour)})
			}
		}
		if rng.IntN(10) < 2 {
			from := day0.AddDate(0, 0, rng.IntN(days)).Add(time.Duration(8+rng.IntN(12)) * time.Hour)
			s.Committed = append(s.Committed, Interval{Start: from, End: from.Add(time.Duration(1+rng.IntN(3)) * time.Hour)})
		}
		if rng.IntN(10) == 0 {
			s.Preferences = map[string]float64{skills[rng.IntN(len(skills))]: 1}
		}
		p.Staff = append(p.Staff, s)
	}
	for i := range numTasks {
		start := day0.AddDate(0, 0, rng.IntN(days)).Add(time.Duration(8*60+15*rng.IntN(60)) * time.Minute)
		length := time.Duration(60+30*rng.IntN(7)) * time.Minute
		t := Task{
			ID:       fmt.Sprintf("t%05d", i),
			Start:    start,
			End:      start.Add(length),
			Priority: 1 + rng.IntN(5),
			Skills:   []SkillReq{{Name: skills[rng.IntN(len(skills))], MinLevel: 1 + rng.IntN(4)}},
		}
		t.Area = t.Skills[0].Name
		if rng.IntN(4) == 0 {
			if other := skills[rng.IntN(len(skills))]; other != t.Skills[0].Name {
				t.Skills = append(t.Skills, SkillReq{Name: other, MinLevel: 1 + rng.IntN(2)})
			}
		}
		t.SlotGroup = fmt.Sprintf("%s-%d", t.Area, start.Unix())
		p.Tasks = append(p.Tasks, t)
	}
	return p
}

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

// GenerateFestival builds a load like the 38C3 demo (the planner's tasks for a four-day
// congress and its generated roster), without the schedule import that lives in another
// service: about numTasks one-person tasks over four days, from 10:00 to 02:00 local time —
// talk-bound work (heralding, video, AV; 1–2 h, several people per talk slot) and shifts
// (security, first aid, registration, infodesk, catering; 2–4 h) — needing one skill at level 1
// or 2, or none; and numStaff people with two or three of those skills at levels 1–3, present
// on all four days (a quarter of them on three) in a day or a night window, with 8–10 h a day.
// The same arguments always give the same problem.
func GenerateFestival(numTasks, numStaff int, loc *time.Location, seed uint64) Problem {
	if loc == nil {
		loc = time.UTC
	}
	rng := rand.New(rand.NewPCG(seed, 0xfe57))
	talk := []string{"heralding", "video", "av"}
	shift := []string{"security", "first-aid", "registration", "infodesk", "catering"}
	all := append(append([]string(nil), talk...), shift...)
	const days = 4
	day0 := time.Date(2024, 12, 27, 0, 0, 0, 0, loc)
	p := Problem{Location: loc, Weights: DefaultWeights(), Seed: seed}
	for i := range numStaff {
		s := Staff{ID: fmt.Sprintf("p%03d", i), Skills: map[string]int{}, MaxMinutesPerDay: 480 + 60*rng.IntN(3)}
		for len(s.Skills) < 2+rng.IntN(2) {
			s.Skills[all[rng.IntN(len(all))]] = 1 + rng.IntN(3)
		}
		night := rng.IntN(5) == 0
		skip := -1
		if rng.IntN(4) == 0 {
			skip = rng.IntN(days)
		}
		for d := range days {
			if d == skip {
				continue
			}
			from := day0.AddDate(0, 0, d).Add(time.Duration(9+rng.IntN(3)) * time.Hour)
			if night {
				from = day0.AddDate(0, 0, d).Add(time.Duration(16+rng.IntN(3)) * time.Hour)
			}
			s.Availability = append(s.Availability, Interval{Start: from, End: from.Add(time.Duration(10+rng.IntN(4)) * time.Hour)})
		}
		p.Staff = append(p.Staff, s)
	}
	for len(p.Tasks) < numTasks {
		d := rng.IntN(days)
		var t Task
		if rng.IntN(5) < 3 {
			// A talk slot: 1–2 h between 10:30 and 00:30, one to three people per skill.
			start := day0.AddDate(0, 0, d).Add(time.Duration(10*60+30+30*rng.IntN(29)) * time.Minute)
			t = Task{Start: start, End: start.Add(time.Duration(60+30*rng.IntN(3)) * time.Minute), Priority: 3 + rng.IntN(2)}
			name := talk[rng.IntN(len(talk))]
			t.Skills = []SkillReq{{Name: name, MinLevel: 1 + rng.IntN(2)}}
			t.Area = name
		} else {
			// A shift: 2–4 h starting on the hour between 10:00 and 00:00.
			start := day0.AddDate(0, 0, d).Add(time.Duration(10+rng.IntN(15)) * time.Hour)
			t = Task{Start: start, End: start.Add(time.Duration(2+rng.IntN(3)) * time.Hour), Priority: 1 + rng.IntN(5)}
			name := shift[rng.IntN(len(shift))]
			t.Area = name
			if rng.IntN(4) > 0 {
				t.Skills = []SkillReq{{Name: name, MinLevel: 1 + rng.IntN(2)}}
			}
		}
		group := fmt.Sprintf("%s-%d-%d", t.Area, t.Start.Unix(), len(p.Tasks))
		for k := range 1 + rng.IntN(3) {
			if len(p.Tasks) == numTasks {
				break
			}
			c := t
			c.ID = fmt.Sprintf("%s#%d", group, k+1)
			c.SlotGroup = group
			p.Tasks = append(p.Tasks, c)
		}
	}
	return p
}
